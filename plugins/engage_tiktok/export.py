"""``tiktok-export``: TikTok's "Download your data" export in JSON.

``user_data_tiktok.json`` (``user_data.json`` in older exports), alone or in its zip or
folder. Posted videos are at ``Post.Posts.VideoList`` (older exports:
``Video.Videos.VideoList``), each ``{"Date": "2025-05-01 12:00:00" (UTC), "Link", "Likes"
(a string), "Title", …}``: likes only — views, comments and shares are not in the export
(NULL). The video id is the number in ``Link``; the account is ``userName`` of
``Profile.Profile Information.ProfileMap``, else the handle in a link, else ``--account``.
Most sections are ``null`` for an account that never posted: such an export is an import of
zero posts, said so, not an error. The export states no date: the likes are observed at the
file's modification time.

An export file on disk larger than :data:`STREAM_OVER` bytes is read video by video
(:meth:`engagecore.plugin.JsonStream.walk`): the sections other than the posted videos and
the profile (the watch history, likes, messages: most of a large export) are walked
through, not kept. Parsed whole, a 200 MB export cost 8.5× its size.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import polars as pl

from engagecore import plugin
from engagecore.plugin import (
    Batch,
    FormatError,
    Importer,
    JsonStream,
    ReadContext,
    Rows,
    Source,
    option,
)

from .common import (
    NETWORK_NAME,
    SHARE_LINK,
    VIDEO_LINK,
    count,
    handle_of,
    modified_at,
    one_account,
    utc_time,
)

_NAMES = ("user_data_tiktok.json", "user_data.json")
_WHITESPACE = re.compile(rb"\s+")
#: Keys of the export's first level (sorted by TikTok: "Activity" comes first).
_SECTIONS = (b'"Activity":', b'"Ads and data":', b'"App Settings":', b'"Comment":')
_VIDEO_PATHS = (("Post", "Posts", "VideoList"), ("Video", "Videos", "VideoList"))
#: An export file larger than this (bytes) is read video by video.
STREAM_OVER = 4 * 1024 * 1024
#: The longest video (characters) of a streamed export.
MAX_ITEM_CHARS = 16 * 1024 * 1024
#: The longest value kept whole (the profile) of a streamed export.
MAX_VALUE_CHARS = 16 * 1024 * 1024


def _route(path: tuple[str | int, ...]) -> str:
    """The posted videos item by item, the profile kept, every other section walked
    through (its keys kept, to recognize the export)."""
    if any(path == v[: len(path)] for v in _VIDEO_PATHS):
        return JsonStream.ITEMS if path in _VIDEO_PATHS else JsonStream.DESCEND
    return JsonStream.KEEP if path[:1] == ("Profile",) else JsonStream.SKIP


def _streamable(source: Source, name: str) -> bool:
    """Whether a member (a file, or in a zip or gzip file) is large enough to be read item by
    item."""
    return JsonStream.larger(source, name, STREAM_OVER)


class _Posted:
    """The videos of one of the export's video lists: their rows (without the account)
    and the handles their links name."""

    def __init__(self) -> None:
        self.rows = Rows("posts")
        self.handles: set[str] = set()

    def add(self, item: Any, where: str, record: str, seen: datetime) -> None:
        if not isinstance(item, dict):
            raise FormatError(where, "expected an object {Date, Link, Likes}", record)
        link = item.get("Link")
        m = SHARE_LINK.search(link) if isinstance(link, str) else None
        if m is None:
            raise FormatError(where, f"'Link': expected a TikTok video link, got {link!r}", record)
        named = VIDEO_LINK.match(link) if isinstance(link, str) else None
        if named is not None:
            self.handles.add(handle_of(named["handle"]))
        title = item.get("Title") if isinstance(item.get("Title"), str) else None
        text = title if title and title.strip() else None
        self.rows.add(
            {
                "network": NETWORK_NAME,
                "post_id": m["id"],
                "kind": "video",
                "is_own": True,
                "posted_at": utc_time(item.get("Date"), where, record, "Date"),
                "text": text,
                "hashtags": plugin.hashtags(text or ""),
                "mentions": plugin.mentions(text or ""),
                "likes": count(item.get("Likes"), where, record, "Likes"),
                "observed_at": seen,
            }
        )


def _score(source: Source, name: str) -> float:
    head = _WHITESPACE.sub(b"", source.head(name, 8192))
    if not head.startswith((b"{", b"\xef\xbb\xbf{")):
        return 0.0
    if b'"VideoList":' in head or b'"ProfileMap":' in head:
        return 0.9
    base = name.rsplit("/", 1)[-1].lower()
    if base in _NAMES and any(s.replace(b" ", b"") in head for s in _SECTIONS):
        return 0.9
    return 0.0


def _dig(data: Any, path: tuple[str, ...]) -> tuple[bool, Any]:
    """(whether the path exists, the value there)."""
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return False, None
        data = data[key]
    return True, data


class TikTokExportImporter(Importer):
    """Posted videos (likes) of TikTok's "Download your data" JSON export."""

    name = "tiktok-export"
    network = NETWORK_NAME
    description = (
        'TikTok "Download your data" JSON export (user_data_tiktok.json, alone or in its zip '
        "or folder): posted videos with their likes"
    )

    def _member(self, source: Source) -> str | None:
        if source.kind == "file":
            names = source.names()
            return names[0] if names and names[0].lower().endswith(".json") else None
        found = source.glob(*_NAMES)
        return found[0] if len(found) == 1 else None

    def detect(self, source: Source) -> float:
        member = self._member(source)
        if member is None:
            return 0.0
        if source.kind == "folder" and len(source.names()) > 1:
            return 0.0  # a folder holding the export beside other files: walk into it
        return _score(source, member)

    def read(self, source: Source, ctx: ReadContext) -> Batch:
        member = self._member(source)
        if member is None:
            raise FormatError(
                source.display(), "expected TikTok's user_data_tiktok.json (Download your data)"
            )
        where = source.display(member)
        seen = modified_at(source, member)
        posted: dict[tuple[str | int, ...], _Posted] = {}

        def item(path: tuple[str | int, ...], i: int, value: Any) -> None:
            posted.setdefault(path, _Posted()).add(value, where, f"VideoList[{i}]", seen)

        if _streamable(source, member):
            with source.stream(member) as fh:
                data = JsonStream(fh, where).walk(
                    _route, item, item_limit=MAX_ITEM_CHARS, value_limit=MAX_VALUE_CHARS
                )
        else:
            data = source.read_json(member)
        if not isinstance(data, dict):
            raise FormatError(where, f"expected a JSON object, got {type(data).__name__}")
        videos = _Posted()
        path_seen = False
        for path in _VIDEO_PATHS:
            exists, value = _dig(data, path)
            if not exists and not _dig(data, path[:1])[0]:
                continue
            path_seen = True
            if value is None:
                continue  # a section TikTok leaves null: no video
            if isinstance(value, JsonStream.Streamed):
                videos = posted.get(path, videos)
                break
            if not isinstance(value, list):
                raise FormatError(where, f"expected {'.'.join(path)} to be a list")
            for i, video in enumerate(value):
                videos.add(video, where, f"VideoList[{i}]", seen)
            break
        if not path_seen and not any(k in data for k in ("Profile", "Activity", "Your Activity")):
            raise FormatError(
                where,
                "expected TikTok's Download your data export (Post.Posts.VideoList or "
                f"Video.Videos.VideoList), found keys {sorted(data)[:6]}",
            )
        account = self._account(data, videos.handles, ctx, where)
        posts = videos.rows.frame(key="post_id", keep="last", order=("posted_at", "post_id"))
        posts = posts.with_columns(
            account_id=pl.lit(account, pl.Utf8),
            url=pl.concat_str(
                pl.lit(f"https://www.tiktok.com/@{account}/video/"), pl.col("post_id")
            ),
        )
        batch = Batch(
            accounts=plugin.frame(
                "accounts", [{"network": NETWORK_NAME, "account_id": account, "handle": account}]
            ),
            posts=posts,
        )
        if not posts.height:
            batch.empty_reason = (
                "the export holds no posted video (its Post section is empty: an account that "
                "never posted, or whose videos were deleted)"
            )
        else:  # what a community manager would otherwise take for zero views
            batch.notes.append(
                "TikTok's Download your data gives each video's likes only: its views, "
                "comments, shares and saves are unknown (NULL); TikTok Studio's Content table "
                "has them"
            )
        return batch

    def _account(
        self, data: dict[str, Any], handles: set[str], ctx: ReadContext, where: str
    ) -> str:
        profile = None
        for key in ("Profile Information", "Profile Info"):
            exists, value = _dig(data, ("Profile", key, "ProfileMap", "userName"))
            if exists and isinstance(value, str) and value.strip():
                profile = handle_of(value)
                break
        return one_account(
            ctx,
            where,
            {profile} if profile else handles,
            several="names several accounts ({shown})",
            missing="the export names no account (no Profile.Profile Information.ProfileMap."
            f"userName): pass {option('account', 'HANDLE')}",
        )
