"""``tiktok-api``: TikTok API v2 responses saved as JSON.

- Display API ``/v2/video/list/``: ``{"data": {"videos": [{"id", "create_time" (unix
  seconds), "title", "video_description", "share_url", "like_count", "comment_count",
  "share_count", "view_count", ...}], "cursor", "has_more"}, "error": {...}}`` → posts;
  the handle comes from ``share_url`` (``https://www.tiktok.com/@handle/video/ID``).
- Display API ``/v2/user/info/``: ``{"data": {"user": {"username", "display_name",
  "follower_count", ...}}}`` → the account and a follower snapshot.
- Research API ``/v2/research/video/query/``: the same ``data.videos`` list, each video
  naming its ``username``.

One response, an array of responses (pages), or a folder or zip of them. A response with
an error (``"error": {"code": "access_token_invalid", ...}``) is refused with TikTok's
code and message. A count the response leaves out is NULL. The responses state no time of
their own: counts are observed at the file's modification time.

A response file on disk larger than :data:`STREAM_OVER` bytes is read video by video
(:meth:`engagecore.plugin.JsonStream.walk`), its posts kept in frames
(:class:`engagecore.plugin.Rows`): parsed whole, a 200 MB response cost 8.7× its size.
Its error, when it has one, is then found after its videos: a response with both an error and
a video that is not one is refused for the video.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
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
    check_named,
    given_account,
    option,
)

from .common import NETWORK_NAME, VIDEO_LINK, count, handle_of, modified_at

_WHITESPACE = re.compile(rb"\s+")
_COUNTS = {
    "view_count": "views",
    "like_count": "likes",
    "comment_count": "comments",
    "share_count": "shares",
}
#: A response file larger than this (bytes) is read video by video.
STREAM_OVER = 4 * 1024 * 1024
#: The longest video object (characters) a streamed response may hold.
MAX_ITEM_CHARS = 16 * 1024 * 1024
#: The longest other value of a streamed response.
MAX_VALUE_CHARS = 16 * 1024 * 1024


def _score(head: bytes) -> float:
    head = _WHITESPACE.sub(b"", head)
    if b'"request_id":' in head and b'"code":' in head and b'"error":{' not in head:
        # the API for Business's envelope ({"code", "message", "request_id", "data"}): its
        # /business/video/list/ pages also hold data.videos, with other fields (item_id,
        # video_views…): not these responses
        return 0.0
    if b'"data":{"videos":[' in head and (b'"create_time"' in head or b'"videos":[]' in head):
        return 0.9
    if b'"data":{"user":{' in head and (b'"follower_count"' in head or b'"open_id"' in head):
        return 0.9
    if b'"error":{"code":"' in head and b'"log_id":' in head and b'"data":' in head:
        return 0.85  # an error response: claimed, to say what TikTok answered
    return 0.0


def _streamable(source: Source, name: str) -> bool:
    """Whether a member (a file, or in a zip or gzip file) is large enough to be read item by
    item."""
    return JsonStream.larger(source, name, STREAM_OVER)


def _route(path: tuple[str | int, ...]) -> str:
    """A response (or an array of them): ``data.videos`` item by item, the rest kept."""
    if path and isinstance(path[0], int):
        path = path[1:]  # a page of an array of pages
    if path in ((), ("data",)):
        return JsonStream.DESCEND
    return JsonStream.ITEMS if path == ("data", "videos") else JsonStream.KEEP


def _stream(source: Source, name: str, where: str, seen: datetime, video: Any) -> Any:
    """A response file read video by video (each given to ``video``); returns the
    response(s) without their videos (a :class:`JsonStream.Streamed` in their place)."""

    def item(path: tuple[str | int, ...], j: int, value: Any) -> None:
        i = path[0] if isinstance(path[0], int) else 0
        video(where, f"{i}, video {j}", seen, value)

    with source.stream(name) as fh:
        return JsonStream(fh, where).walk(
            _route, item, item_limit=MAX_ITEM_CHARS, value_limit=MAX_VALUE_CHARS
        )


def _responses(data: Any, where: str) -> list[dict[str, Any]]:
    pages = data if isinstance(data, list) else [data]
    for i, page in enumerate(pages):
        if not isinstance(page, dict) or not isinstance(page.get("data"), dict):
            raise FormatError(where, 'expected a TikTok API response {"data": {...}}', i)
        error = page.get("error")
        if isinstance(error, dict) and error.get("code") not in (None, "", "ok"):
            raise FormatError(
                where,
                f"the response is an error: {error.get('code')}: {error.get('message') or ''}",
                i,
            )
    return pages


class TikTokApiImporter(Importer):
    """TikTok Display API v2 (video list, user info) and Research API video query responses."""

    name = "tiktok-api"
    network = NETWORK_NAME
    description = (
        "TikTok API v2 responses (JSON): Display API /v2/video/list/ and /v2/user/info/, "
        "Research API /v2/research/video/query/; one response, an array of pages or a folder"
    )

    def _members(self, source: Source) -> list[str]:
        names = [n for n in source.names() if n.lower().endswith(".json")]
        if source.kind == "file":
            return names
        if len(names) != len(source.names()):
            return []  # a folder holding other things: walk into it
        return names

    def detect(self, source: Source) -> float:
        members = self._members(source)
        if not members:
            return 0.0
        scores = [_score(source.head(n, 4096)) for n in members]
        return min(scores) if all(scores) else 0.0

    def read(self, source: Source, ctx: ReadContext) -> Batch:
        members = self._members(source)
        if not members:
            raise FormatError(source.display(), "expected TikTok API responses (JSON)")
        rows = Rows("posts")
        users: dict[str, tuple[datetime, int | None, str | None]] = {}
        handles: set[str] = set()

        def video(where: str, record: str, seen: datetime, item: Any) -> None:
            row = self._video(item, where, record, seen)
            if row["account_id"]:
                handles.add(row["account_id"])
            rows.add(row)

        for name in sorted(members):
            where = source.display(name)
            seen = modified_at(source, name)
            if _streamable(source, name):
                pages = _stream(source, name, where, seen, video)
                _responses(pages, where)
                for i, page in enumerate(pages if isinstance(pages, list) else [pages]):
                    user = page["data"].get("user")
                    if isinstance(user, dict):
                        self._user(user, where, i, seen, users)
                    videos = page["data"].get("videos")
                    if videos is not None and not isinstance(videos, JsonStream.Streamed):
                        raise FormatError(where, "expected 'data.videos' to be a list", i)
                continue
            for i, page in enumerate(_responses(source.read_json(name), where)):
                data = page["data"]
                user = data.get("user")
                if isinstance(user, dict):
                    self._user(user, where, i, seen, users)
                videos = data.get("videos")
                if videos is None:
                    continue
                if not isinstance(videos, list):
                    raise FormatError(where, "expected 'data.videos' to be a list", i)
                for j, item in enumerate(videos):
                    video(where, f"{i}, video {j}", seen, item)
        posts = rows.frame(key="post_id", keep="last", order=("posted_at", "post_id"))
        account = self._account(handles | set(users), ctx, source.display())
        posts = posts.with_columns(pl.col("account_id").fill_null(account))
        posted_by = set(posts.get_column("account_id").unique().to_list())
        accounts = sorted(posted_by | set(users) | {account})
        batch = Batch(
            accounts=plugin.frame(
                "accounts",
                [
                    {
                        "network": NETWORK_NAME,
                        "account_id": a,
                        "handle": a,
                        "display_name": users.get(a, (None, None, None))[2],
                    }
                    for a in accounts
                ],
            ),
            posts=posts,
        )
        snaps = [
            {"network": NETWORK_NAME, "account_id": a, "observed_at": at, "followers": n}
            for a, (at, n, _) in sorted(users.items())
            if n is not None
        ]
        if snaps:
            batch.follower_snapshots = plugin.frame("follower_snapshots", snaps)
        if not posts.height and not snaps:
            batch.empty_reason = "the responses hold no video (a page past the last result)"
        for a, (_, _, display) in users.items():
            if display:
                batch.museum_hints[a] = display
        return batch

    @staticmethod
    def _user(
        user: dict[str, Any],
        where: str,
        i: int,
        seen: datetime,
        users: dict[str, tuple[datetime, int | None, str | None]],
    ) -> None:
        name = user.get("username")
        if not isinstance(name, str) or not name.strip():
            raise FormatError(
                where, "expected data.user.username (request the fields username,...)", i
            )
        followers = count(user.get("follower_count"), where, str(i), "follower_count")
        display = user.get("display_name") if isinstance(user.get("display_name"), str) else None
        users[handle_of(name)] = (seen, followers, display or None)

    @staticmethod
    def _video(video: Any, where: str, record: str, seen: datetime) -> dict[str, Any]:
        if not isinstance(video, dict):
            raise FormatError(where, "expected a video object", record)
        vid = video.get("id")
        if isinstance(vid, int) and not isinstance(vid, bool):
            vid = str(vid)
        if not isinstance(vid, str) or not vid.strip().isdigit():
            raise FormatError(where, f"'id': expected a video id, got {vid!r}", record)
        created = video.get("create_time")
        if isinstance(created, bool) or not isinstance(created, int) or created <= 0:
            raise FormatError(
                where, f"'create_time': expected unix seconds, got {created!r}", record
            )
        try:
            posted = datetime.fromtimestamp(created, UTC)
        except (OverflowError, OSError, ValueError):
            raise FormatError(
                where, f"'create_time': expected unix seconds, got {created!r}", record
            ) from None
        handle = None
        if isinstance(video.get("username"), str) and video["username"].strip():
            handle = handle_of(video["username"])
        elif isinstance(video.get("share_url"), str):
            m = VIDEO_LINK.match(video["share_url"])
            handle = handle_of(m["handle"]) if m else None
        texts: list[str] = [
            t for t in (video.get("title"), video.get("video_description")) if isinstance(t, str)
        ]
        text = next((t for t in texts if t.strip()), None)
        row: dict[str, Any] = {
            "network": NETWORK_NAME,
            "post_id": vid.strip(),
            "account_id": handle,
            "posted_at": posted,
            "kind": "video",
            "is_own": True,
            "text": text,
            "hashtags": plugin.hashtags(text or ""),
            "mentions": plugin.mentions(text or ""),
            "url": (
                f"https://www.tiktok.com/@{handle}/video/{vid.strip()}"
                if handle
                else video.get("share_url")
                if isinstance(video.get("share_url"), str)
                else None
            ),
            "observed_at": seen,
        }
        for key, column in _COUNTS.items():
            row[column] = count(video.get(key), where, record, key)
        return row

    @staticmethod
    def _account(named: set[str], ctx: ReadContext, where: str) -> str:
        given = given_account(ctx)
        if named:
            check_named(ctx, where, [(h, h) for h in sorted(named)])
            if given is not None:
                return handle_of(given)
            return sorted(named)[0]
        if given is None:
            raise FormatError(
                where,
                "the responses name no account (no share_url, username or user info): pass "
                f"{option('account', 'HANDLE')}",
            )
        return handle_of(given)
