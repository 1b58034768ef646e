"""Posts of a "Download your information" export: posts_N.json, reels.json, stories.json,
igtv_videos.json and the ≤2020 media.json, turned into :class:`PostRecord` objects.

The export has no post id and no counts: the id is the number that ends the first media's
file name (Meta's media id, stable across exports) and the counts come from the insights
files, joined later (see :mod:`engage_instagram.export.insights`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engage_instagram.common import (
    NETWORK_NAME,
    PHOTO_EXTENSIONS,
    VIDEO_EXTENSIONS,
    extension,
    from_unix,
    media_id,
    parse_iso,
)
from engagecore.plugin import FormatError

#: The wrapper key of each media file, and the kind its items have.
WRAPPER_KINDS = {
    "ig_reels_media": "reel",
    "ig_stories": "story",
    "ig_igtv_media": "video",
}


@dataclass
class PostRecord:
    """One post as the export reveals it, before it becomes a row of the posts table."""

    post_id: str
    posted_at: datetime
    kind: str
    text: str | None
    media_ids: set[str] = field(default_factory=set)
    timestamps: set[int] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=dict)

    def row(self, account_id: str, observed_at: datetime) -> dict[str, Any]:
        return {
            "network": NETWORK_NAME,
            "post_id": self.post_id,
            "account_id": account_id,
            "posted_at": self.posted_at,
            "kind": self.kind,
            "is_own": True,
            "text": self.text,
            "observed_at": observed_at,
            **self.counts,
        }


def media_kind(media: dict[str, Any]) -> str:
    """photo or video, from the file extension, else from ``media_metadata``."""
    ext = extension(str(media.get("uri") or media.get("path") or ""))
    if ext in PHOTO_EXTENSIONS:
        return "photo"
    if ext in VIDEO_EXTENSIONS:
        return "video"
    meta = media.get("media_metadata")
    if isinstance(meta, dict):
        if "video_metadata" in meta:
            return "video"
        if "photo_metadata" in meta:
            return "photo"
    return "other"


def _caption(value: Any) -> str | None:
    return value if isinstance(value, str) and value != "" else None


def _timestamp(value: Any, where: str, record: int | str, what: str) -> datetime | None:
    try:
        return from_unix(value)
    except ValueError as exc:
        raise FormatError(where, f"{what}: expected unix seconds, got {value!r}", record) from exc


def post_from_entry(entry: Any, index: int, where: str, forced_kind: str | None) -> PostRecord:
    """One element of posts_N.json / ig_reels_media (``{"media": [...], "title"?, ...}``) or
    of ig_stories (a bare media object)."""
    if not isinstance(entry, dict):
        raise FormatError(where, "expected an object with a 'media' list", index)
    media = entry.get("media")
    if media is None and "uri" in entry:
        media = [entry]
    if not isinstance(media, list) or not media:
        raise FormatError(where, "expected a non-empty 'media' list", index)
    ids: list[str] = []
    stamps: set[int] = set()
    for j, m in enumerate(media):
        if not isinstance(m, dict) or not isinstance(m.get("uri"), str) or not m["uri"].strip():
            raise FormatError(where, f"media {j}: expected a 'uri' (the media file name)", index)
        ids.append(media_id(m["uri"]))
        ts = _timestamp(m.get("creation_timestamp"), where, index, f"media {j} creation_timestamp")
        if ts is not None:
            stamps.add(int(ts.timestamp()))
    top = entry is not media[0]
    top_ts = _timestamp(entry.get("creation_timestamp"), where, index, "creation_timestamp")
    first_ts = _timestamp(media[0].get("creation_timestamp"), where, index, "creation_timestamp")
    posted_at = (top_ts if top else None) or first_ts
    if posted_at is None:
        raise FormatError(where, "expected a 'creation_timestamp' (unix seconds)", index)
    stamps.add(int(posted_at.timestamp()))
    text = (_caption(entry.get("title")) if top else None) or _caption(media[0].get("title"))
    if forced_kind is not None:
        kind = forced_kind
    elif len(media) > 1:
        kind = "carousel"
    else:
        kind = media_kind(media[0])
    return PostRecord(ids[0], posted_at, kind, text, set(ids), stamps)


def posts_from_list(entries: list[Any], where: str, forced_kind: str | None) -> list[PostRecord]:
    """Every post of a posts list (posts_N.json, or the list inside a wrapper key)."""
    return [post_from_entry(e, i, where, forced_kind) for i, e in enumerate(entries)]


def posts_from_legacy(data: dict[str, Any], where: str, timezone: str) -> list[PostRecord]:
    """The ≤2020 ``media.json``: ``{"photos": [{caption, taken_at, path}], "videos": [...],
    "stories": [...]}``. It lists each image of a carousel on its own, with the carousel's
    caption and time: items sharing both are grouped back into one carousel post."""
    groups: dict[tuple[str, str | None], list[tuple[str, str]]] = {}
    stories: list[PostRecord] = []
    for key in ("photos", "videos", "stories"):
        items = data.get(key) or []
        if not isinstance(items, list):
            raise FormatError(where, f"expected '{key}' to be a list", key)
        for i, item in enumerate(items):
            record = f"{key}[{i}]"
            if not isinstance(item, dict):
                raise FormatError(where, "expected an object {caption, taken_at, path}", record)
            path, taken = item.get("path"), item.get("taken_at")
            if not isinstance(path, str) or not path.strip():
                raise FormatError(where, "expected a 'path' (the media file name)", record)
            if not isinstance(taken, str):
                raise FormatError(where, "expected 'taken_at' (an ISO 8601 time)", record)
            try:
                posted = parse_iso(taken, timezone)
            except ValueError as exc:
                raise FormatError(
                    where, f"'taken_at': expected an ISO 8601 time, got {taken!r}", record
                ) from exc
            caption = _caption(item.get("caption"))
            if key == "stories":
                mid = media_id(path)
                stamp = int(posted.timestamp())
                stories.append(PostRecord(mid, posted, "story", caption, {mid}, {stamp}))
                continue
            kind = "video" if key == "videos" else "photo"
            groups.setdefault((posted.isoformat(), caption), []).append((path, kind))
    posts = []
    for (iso, caption), items in groups.items():
        posted = datetime.fromisoformat(iso)
        ids = [media_id(path) for path, _ in items]
        kind = "carousel" if len(items) > 1 else items[0][1]
        posts.append(PostRecord(ids[0], posted, kind, caption, set(ids), {int(posted.timestamp())}))
    return posts + stories
