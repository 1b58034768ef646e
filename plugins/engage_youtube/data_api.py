"""YouTube Data API v3 responses saved as JSON: ``videos.list`` and ``channels.list``.

``videos.list?part=snippet,contentDetails,statistics`` gives the posts: counts are strings,
and ``likeCount`` / ``commentCount`` are absent when the owner hides likes or disables
comments (NULL here, never 0). ``channels.list?part=snippet,statistics`` gives the channel
(handle, title) and a subscriber snapshot, unless ``hiddenSubscriberCount`` is true.
``search.list`` and ``playlistItems.list`` responses list video ids without statistics: they are
not read (detection says 0); the error message says to pass their ids to ``videos.list``.

A source is one response file, a file holding a JSON array of response pages, or a folder or
zip in which every member is such a file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import polars as pl

from engagecore.plugin import (
    POSTS,
    Batch,
    FormatError,
    Importer,
    ReadContext,
    Source,
    count_at,
    frame,
    hashtags,
    mentions,
    observed_at,
    text_at,
)

from .common import check_channel, load_json, parse_duration, parse_timestamp

NETWORK = "youtube"
WATCH_URL = "https://www.youtube.com/watch?v={id}"

_STRONG = ("youtube#videoListResponse", "youtube#channelListResponse")
_ITEM_KIND = re.compile(r'"kind"\s*:\s*"youtube#(?:video|channel)"')
#: Responses that look alike but hold no statistics; ``"videoId"`` never occurs in videos.list.
_FOREIGN = (
    "youtube#searchListResponse",
    "youtube#searchResult",
    "youtube#playlistItemListResponse",
    "youtube#playlistItem",
    '"videoId"',
)
_FOREIGN_HELP = (
    "is a {what} response, which lists video ids without view, like or comment counts; "
    "pass those ids to videos.list?part=snippet,contentDetails,statistics&id=... and import "
    "that response instead"
)
_STAT_COLUMNS = (("viewCount", "views"), ("likeCount", "likes"), ("commentCount", "comments"))


def _detect_member(source: Source, member: str) -> float:
    head = source.head(member, 8192).decode("utf-8", "ignore").lstrip("\ufeff \t\r\n")
    if not head.startswith(("{", "[")):
        return 0.0
    if any(sig in head for sig in _STRONG):
        return 0.95
    if any(sig in head for sig in _FOREIGN):
        return 0.0
    if _ITEM_KIND.search(head):
        return 0.9
    # Responses trimmed with ``fields=`` lose their "kind": fall back on the field names.
    if '"items"' in head and '"snippet"' in head:
        if '"channelId"' in head and '"publishedAt"' in head:
            return 0.6
        if '"subscriberCount"' in head or '"customUrl"' in head:
            return 0.6
    return 0.0


@dataclass
class _Collected:
    """Rows gathered over every page of a source, deduplicated by key."""

    posts: dict[str, dict[str, Any]] = field(default_factory=dict)
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    snapshots: dict[tuple[str, datetime], int] = field(default_factory=dict)
    hints: dict[str, str] = field(default_factory=dict)
    channel_hints: set[str] = field(default_factory=set)
    saw_videos: bool = False
    saw_channels: bool = False

    def add_account(
        self, account_id: str, handle: str | None, name: str | None, *, from_channel: bool
    ) -> None:
        """Record a channel; channels.list values win over a video's ``channelTitle``."""
        row = self.accounts.setdefault(
            account_id,
            {"network": NETWORK, "account_id": account_id, "handle": None, "display_name": None},
        )
        if handle and (from_channel or row["handle"] is None):
            row["handle"] = handle
        if name and (from_channel or row["display_name"] is None):
            row["display_name"] = name
        if name and (from_channel or account_id not in self.channel_hints):
            self.hints[account_id] = name
        if name and from_channel:
            self.channel_hints.add(account_id)

    def add_post(self, row: dict[str, Any]) -> None:
        old = self.posts.get(row["post_id"])
        if old is None or row["observed_at"] >= old["observed_at"]:
            self.posts[row["post_id"]] = row

    def batch(self) -> Batch:
        posts = None
        if self.saw_videos:
            rows = sorted(self.posts.values(), key=lambda r: (r["posted_at"], r["post_id"]))
            posts = frame("posts", rows) if rows else pl.DataFrame(schema=POSTS)
        snapshots = None
        if self.saw_channels:
            snapshots = frame(
                "follower_snapshots",
                [
                    {"network": NETWORK, "account_id": a, "observed_at": t, "followers": n}
                    for (a, t), n in sorted(self.snapshots.items())
                ],
            )
        accounts = frame("accounts", list(self.accounts.values()))
        return Batch(
            accounts=accounts if self.accounts else None,
            posts=posts,
            follower_snapshots=snapshots,
            museum_hints=dict(self.hints),
        )


def _text(obj: dict[str, Any], key: str, where: str, record: str) -> str | None:
    return text_at(obj.get(key), f"snippet.{key}", where, record)


def _count(stats: dict[str, Any], key: str, where: str, record: str) -> int | None:
    return count_at(stats.get(key), f"statistics.{key}", where, record)


def _read_video(
    item: dict[str, Any], where: str, record: str, seen: datetime, out: _Collected
) -> None:
    vid = item.get("id")
    if isinstance(vid, dict) and "videoId" in vid:
        raise FormatError(where, "this " + _FOREIGN_HELP.format(what="search.list"), record)
    if not isinstance(vid, str) or not vid:
        raise FormatError(where, f"expected the video id as a string in 'id', got {vid!r}", record)
    record = f"{record} (video {vid})"
    snippet = item.get("snippet")
    if not isinstance(snippet, dict):
        raise FormatError(where, "expected a 'snippet' object (request part=snippet)", record)
    channel = snippet.get("channelId")
    if not isinstance(channel, str) or not channel:
        raise FormatError(where, "expected snippet.channelId", record)
    posted = parse_timestamp(snippet.get("publishedAt"), where, record, "snippet.publishedAt")
    title = snippet.get("title") or ""
    description = snippet.get("description") or ""
    text = f"{title}\n\n{description}" if description else title

    kind = "live" if "liveStreamingDetails" in item else "video"
    details = item.get("contentDetails")
    if isinstance(details, dict) and details.get("duration") is not None:
        try:
            if parse_duration(str(details["duration"])) == 0:
                kind = "live"
        except ValueError:
            raise FormatError(
                where,
                "expected contentDetails.duration as an ISO 8601 duration like PT1H40M7S, "
                f"got {details['duration']!r}",
                record,
            ) from None

    stats = item.get("statistics")
    if stats is None:
        stats = {}
    if not isinstance(stats, dict):
        raise FormatError(where, "expected 'statistics' to be an object", record)
    row: dict[str, Any] = {
        "network": NETWORK,
        "post_id": vid,
        "account_id": channel,
        "posted_at": posted,
        "kind": kind,
        "is_own": True,
        "text": text or None,
        "language": snippet.get("defaultLanguage") or snippet.get("defaultAudioLanguage"),
        "hashtags": hashtags(text),
        "mentions": mentions(text),
        "url": WATCH_URL.format(id=vid),
        "observed_at": seen,
    }
    for key, column in _STAT_COLUMNS:
        row[column] = _count(stats, key, where, record)
    out.add_post(row)
    out.add_account(
        channel, None, _text(snippet, "channelTitle", where, record), from_channel=False
    )


def _read_channel(
    item: dict[str, Any], where: str, record: str, seen: datetime, out: _Collected
) -> None:
    cid = item.get("id")
    if not isinstance(cid, str) or not cid:
        raise FormatError(
            where, f"expected the channel id as a string in 'id', got {cid!r}", record
        )
    record = f"{record} (channel {cid})"
    snippet = item.get("snippet") or {}
    stats = item.get("statistics") or {}
    if not isinstance(snippet, dict) or not isinstance(stats, dict):
        raise FormatError(where, "expected 'snippet' and 'statistics' to be objects", record)
    handle = _text(snippet, "customUrl", where, record)
    if handle is not None:
        handle = handle.strip().removeprefix("@") or None
    out.add_account(cid, handle, _text(snippet, "title", where, record), from_channel=True)
    hidden = stats.get("hiddenSubscriberCount") in (True, "true")
    if not hidden:
        subscribers = _count(stats, "subscriberCount", where, record)
        if subscribers is not None:
            out.snapshots[(cid, seen)] = subscribers


def _item_kind(item: dict[str, Any], page_kind: str) -> str:
    kind = item.get("kind")
    if isinstance(kind, str) and kind:
        return kind
    if page_kind in _STRONG:
        return page_kind.replace("ListResponse", "")
    snippet = item.get("snippet")
    stats = item.get("statistics")
    if isinstance(snippet, dict) and "channelId" in snippet:
        return "youtube#video"
    if (isinstance(stats, dict) and "subscriberCount" in stats) or (
        isinstance(snippet, dict) and "customUrl" in snippet
    ):
        return "youtube#channel"
    if isinstance(stats, dict) and "hiddenSubscriberCount" in stats:
        return "youtube#channel"
    return ""


def _read_page(page: Any, where: str, prefix: str, seen: datetime, out: _Collected) -> None:
    if not isinstance(page, dict):
        raise FormatError(where, "expected a Data API response object", prefix or None)
    if "error" in page and "items" not in page:
        err = page["error"] if isinstance(page["error"], dict) else {}
        raise FormatError(
            where,
            f"is a saved API error ({err.get('code', '?')}: {err.get('message', '')}), not data",
            prefix or None,
        )
    page_kind = str(page.get("kind", ""))
    if page_kind.startswith(("youtube#search", "youtube#playlistItem")):
        what = "search.list" if "search" in page_kind else "playlistItems.list"
        raise FormatError(where, "this " + _FOREIGN_HELP.format(what=what), prefix or None)
    items = page.get("items")
    if not isinstance(items, list):
        raise FormatError(
            where,
            "expected a videos.list or channels.list response with an 'items' list",
            prefix or None,
        )
    for i, item in enumerate(items):
        record = f"{prefix}items[{i}]"
        if not isinstance(item, dict):
            raise FormatError(where, "expected a video or channel object", record)
        kind = _item_kind(item, page_kind)
        if kind == "youtube#video":
            out.saw_videos = True
            _read_video(item, where, record, seen, out)
        elif kind == "youtube#channel":
            out.saw_channels = True
            _read_channel(item, where, record, seen, out)
        elif kind in ("youtube#searchResult", "youtube#playlistItem"):
            what = "search.list" if kind == "youtube#searchResult" else "playlistItems.list"
            raise FormatError(where, "this " + _FOREIGN_HELP.format(what=what), record)
        else:
            raise FormatError(
                where,
                f"expected a youtube#video or youtube#channel resource, got kind {kind or None!r}",
                record,
            )
    if page_kind == "youtube#videoListResponse":
        out.saw_videos = True
    elif page_kind == "youtube#channelListResponse":
        out.saw_channels = True


class YouTubeDataApiImporter(Importer):
    """Reads saved YouTube Data API v3 ``videos.list`` and ``channels.list`` responses."""

    name = "youtube-data-api"
    network = NETWORK
    description = (
        "YouTube Data API v3 JSON: videos.list (videos, string counts) and channels.list "
        "(channel, subscribers); a file, a JSON array of pages, or a folder/zip of them"
    )

    def detect(self, source: Source) -> float:
        names = source.names()
        if not names:
            return 0.0
        if source.kind == "file":
            return _detect_member(source, names[0])
        # A folder or zip is ours only when every member is a Data API response; otherwise
        # the ingest walks into it and each file is detected on its own.
        # Stop at the first member that is not one (a folder of 10,000 pages of another
        # network must not cost 10,000 reads).
        lowest = 1.0
        for n in names:
            lowest = min(lowest, _detect_member(source, n) if n.endswith(".json") else 0.0)
            if lowest == 0.0:
                break
        return lowest

    def read(self, source: Source, ctx: ReadContext) -> Batch:
        names = source.names()
        if source.kind != "file":
            names = [n for n in names if n.endswith(".json")]
            if not names:
                raise FormatError(source.display(), "expected Data API response files (*.json)")
        out = _Collected()
        for member in names:
            where = source.display(member)
            doc = load_json(source, member)
            if isinstance(doc, list):
                for p, page in enumerate(doc):
                    _read_page(page, where, f"[{p}].", observed_at(source, member, page), out)
            else:
                _read_page(doc, where, "", observed_at(source, member, doc), out)
        batch = out.batch()
        if batch.accounts is not None:  # the responses name their channels
            named = batch.accounts.select("account_id", "handle").iter_rows()
            check_channel(ctx, source.display(), named)
        return batch
