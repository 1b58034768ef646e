"""YouTube Data API v3 responses saved as JSON: ``videos.list`` and ``channels.list``.

``videos.list?part=snippet,contentDetails,statistics`` gives the posts: counts are strings,
and ``likeCount`` / ``commentCount`` are absent when the owner hides likes or disables
comments (NULL here, never 0). ``channels.list?part=snippet,statistics`` gives the channel
(handle, title, ``snippet.publishedAt`` as the account's creation date) and a subscriber
snapshot, unless ``hiddenSubscriberCount`` is true.
``search.list`` and ``playlistItems.list`` responses list video ids without statistics: they are
not read (detection says 0); the error message says to pass their ids to ``videos.list``. The
one exception: a ``playlistItems.list`` page that ``engage fetch`` saved (it carries
``engagecore_observed_at``: the listing of the uploads it walked, kept with the rest of its
responses) is recognized and read as nothing, on purpose (``Batch.empty_reason``): the
``videos.list`` pages of the same fetch hold those videos with their counts.

A source is one response file, a file holding a JSON array of response pages, or a folder or
zip in which every member is such a file.

A response larger than :data:`STREAM_OVER` bytes (a file on disk, a zip member or a gzip
file, inflated) is read item by item (:class:`engagecore.plugin.JsonStream`) and its posts
kept in frames of :data:`_CHUNK` rows: parsed whole, a 200 MB ``videos.list`` response cost
12× its size. Its ``kind`` must come before ``items`` (as the API writes it), and so must
``engagecore_observed_at`` when there is one; otherwise (``engage fetch`` writes that field
last, in small gzipped pages), and for a JSON array of pages, the file is read whole.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import polars as pl

from engagecore.plugin import (
    ACCOUNTS,
    OBSERVED_AT_KEY,
    POSTS,
    Batch,
    FormatError,
    Importer,
    JsonStream,
    ReadContext,
    Source,
    count_at,
    detect_each,
    frame,
    hashtags,
    member_files,
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
#: A response file larger than this (bytes) is read item by item.
STREAM_OVER = 4 * 1024 * 1024
#: Posts kept as Python rows before they become a frame.
_CHUNK = 5000
#: The longest item (characters) a streamed response may hold.
MAX_ITEM_CHARS = 64 * 1024 * 1024
#: The longest other top-level value of a streamed response.
MAX_VALUE_CHARS = 16 * 1024 * 1024


#: the listing ``engage fetch`` walks and saves (read as nothing: see the module docstring)
_LISTING = "youtube#playlistItemListResponse"
_LISTING_EMPTY = (
    "a playlistItems.list page engage fetch saved: the uploads' ids, without counts "
    "(the videos.list pages of the same fetch hold them)"
)


def _fetched_listing(page: Any) -> bool:
    """A ``playlistItems.list`` page saved by ``engage fetch`` (read as nothing)."""
    return isinstance(page, dict) and page.get("kind") == _LISTING and OBSERVED_AT_KEY in page


#: how a page engage fetch saved ends: its observed time, the top object's last member
_FETCHED_END = re.compile(rb'"' + OBSERVED_AT_KEY.encode() + rb'"\s*:\s*"[^"\\]*"\s*\}\s*\Z')
#: bytes of a page's end looked at (its observed time and the closing brace)
_END_BYTES = 256
#: bytes inflated at once to find a small gzip page's end
_SMALL = 16 * 1024


def _last_bytes(source: Source, member: str) -> bytes:
    """The last :data:`_END_BYTES` bytes of a member of at most :data:`STREAM_OVER` bytes
    (of a gzip file: of its content, no more than that inflated; b"" past it)."""
    local = source.local_path(member)
    if local is not None:
        with local.open("rb") as fh:
            fh.seek(max(0, fh.seek(0, 2) - _END_BYTES))
            return fh.read()
    data = source.head(member, _SMALL)
    if len(data) >= _SMALL:
        data = source.head(member, STREAM_OVER + 1)
        if len(data) > STREAM_OVER:
            return b""
    return data[-_END_BYTES:]


def _detect_member(source: Source, member: str) -> float:
    head = source.head(member, 8192).decode("utf-8", "ignore").lstrip("\ufeff \t\r\n")
    if not head.startswith(("{", "[")):
        return 0.0
    if any(sig in head for sig in _STRONG):
        return 0.95
    if head.startswith("{") and _LISTING in head:
        # engage fetch writes engagecore_observed_at last: the page's last bytes say (the
        # read parses it and checks it again; detection no longer parses it too)
        local = source.local_path(member)
        size = local.stat().st_size if local is not None else source.size()
        if size > STREAM_OVER:  # no listing page is this large: not read to detect it
            return 0.0
        try:
            return 0.9 if _FETCHED_END.search(_last_bytes(source, member)) else 0.0
        except (OSError, FormatError):
            return 0.0
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
    """Rows gathered over every page of a source, deduplicated by key.

    Posts are kept in arrival order, as frames of at most :data:`_CHUNK` rows (``seq`` posts
    in all, a post's number its place in them); the batch keeps,
    per video, the row observed last (the later one of two observed at the same time)."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    chunks: list[pl.DataFrame] = field(default_factory=list)
    seq: int = 0
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    snapshots: dict[tuple[str, datetime], int] = field(default_factory=dict)
    hints: dict[str, str] = field(default_factory=dict)
    channel_hints: set[str] = field(default_factory=set)
    saw_videos: bool = False
    saw_channels: bool = False
    #: playlistItems.list pages engage fetch saved (read as nothing)
    listings: int = 0

    def add_account(
        self,
        account_id: str,
        handle: str | None,
        name: str | None,
        *,
        from_channel: bool,
        created: datetime | None = None,
    ) -> None:
        """Record a channel; channels.list values win over a video's ``channelTitle``."""
        row = self.accounts.setdefault(
            account_id,
            {
                "network": NETWORK,
                "account_id": account_id,
                "handle": None,
                "display_name": None,
                "created_at": None,
            },
        )
        if created is not None and (row["created_at"] is None or created < row["created_at"]):
            row["created_at"] = created
        if handle and (from_channel or row["handle"] is None):
            row["handle"] = handle
        if name and (from_channel or row["display_name"] is None):
            row["display_name"] = name
        if name and (from_channel or account_id not in self.channel_hints):
            self.hints[account_id] = name
        if name and from_channel:
            self.channel_hints.add(account_id)

    def add_post(self, row: dict[str, Any]) -> None:
        self.rows.append(row)
        if len(self.rows) >= _CHUNK:
            self.flush()

    def flush(self) -> None:
        """The rows gathered so far become a frame (their Python objects are freed)."""
        if not self.rows:
            return
        rows, self.rows = self.rows, []
        self.seq += len(rows)
        self.chunks.append(frame("posts", rows))

    def state(self) -> _Collected:
        """A copy to come back to (:meth:`restore`): the frames are shared, not copied."""
        return _Collected(
            rows=list(self.rows),
            chunks=list(self.chunks),
            seq=self.seq,
            accounts=copy.deepcopy(self.accounts),
            snapshots=dict(self.snapshots),
            hints=dict(self.hints),
            channel_hints=set(self.channel_hints),
            saw_videos=self.saw_videos,
            saw_channels=self.saw_channels,
            listings=self.listings,
        )

    def restore(self, saved: _Collected) -> None:
        self.__dict__.update(saved.__dict__)

    def posts(self) -> pl.DataFrame:
        """Every post once (the row observed last; the later one on a tie), by time then id."""
        if not self.chunks:
            # fewer than _CHUNK rows, all still Python rows (a fetched page: 50): chosen and
            # ordered here, one frame built; the polars path costs ~6 ms a page in calls
            return self._small_posts()
        self.flush()
        chunks, self.chunks = self.chunks, []
        every = pl.concat(chunks, how="vertical", rechunk=False)
        del chunks
        # a row's number is its arrival order; which rows to keep, in which order, is decided
        # on three columns, then the rows are copied a column at a time (a 200 MB response's
        # frame is not held twice)
        keys = every.select("post_id", "observed_at", "posted_at").with_row_index("row")
        if keys.get_column("post_id").is_duplicated().any():
            keys = keys.sort("observed_at", "row").unique("post_id", keep="last")
        keep = keys.sort("posted_at", "post_id").get_column("row")
        del keys
        if keep.len() == every.height and bool((keep.diff().fill_null(1) == 1).all()):
            return every  # already in order
        columns: dict[str, pl.Series] = {}
        for name in every.columns:
            columns[name] = every.get_column(name).gather(keep)
            every = every.drop(name)
        return pl.DataFrame(columns)

    def _small_posts(self) -> pl.DataFrame:
        """:meth:`posts` for rows that never became a frame: the same choice and order."""
        rows, self.rows = self.rows, []
        self.seq += len(rows)
        if not rows:
            return pl.DataFrame(schema=POSTS)
        last: dict[str, tuple[datetime, int]] = {}
        for i, row in enumerate(rows):
            key = row["post_id"]
            seen = last.get(key)
            # the row observed last; of two observed at the same time, the later one
            if seen is None or row["observed_at"] >= seen[0]:
                last[key] = (row["observed_at"], i)
        kept = [rows[i] for _, i in last.values()] if len(last) < len(rows) else rows
        kept.sort(key=lambda r: (r["posted_at"], r["post_id"]))
        return _frame("posts", kept)

    def batch(self) -> Batch:
        posts = self.posts() if self.saw_videos else None
        snapshots = None
        if self.saw_channels:
            snapshots = frame(
                "follower_snapshots",
                [
                    {"network": NETWORK, "account_id": a, "observed_at": t, "followers": n}
                    for (a, t), n in sorted(self.snapshots.items())
                ],
            )
        accounts = _frame("accounts", list(self.accounts.values()))
        only_listings = self.listings and not (self.saw_videos or self.saw_channels)
        return Batch(
            accounts=accounts if self.accounts else None,
            posts=posts,
            follower_snapshots=snapshots,
            museum_hints=dict(self.hints),
            empty_reason=_LISTING_EMPTY if only_listings else None,
        )


_SCHEMAS = {"posts": POSTS, "accounts": ACCOUNTS}


def _frame(table: str, rows: list[dict[str, Any]]) -> pl.DataFrame:
    """``frame(table, rows)`` for rows this importer built from values it checked (texts
    with ``text_at``, counts with ``count_at``, times parsed): built in the table's schema in
    one step, ~3× faster on a page of 50 (no cast pass); a value polars refuses goes through
    ``frame`` for its message naming the record."""
    try:
        return pl.DataFrame(rows, schema=_SCHEMAS[table], strict=True)
    except (TypeError, ValueError, OverflowError, pl.exceptions.PolarsError):
        return frame(table, rows)


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
        "language": _text(snippet, "defaultLanguage", where, record)
        or _text(snippet, "defaultAudioLanguage", where, record),
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
    created = None
    if snippet.get("publishedAt") is not None:  # when the channel was created
        created = parse_timestamp(snippet["publishedAt"], where, record, "snippet.publishedAt")
    out.add_account(
        cid, handle, _text(snippet, "title", where, record), from_channel=True, created=created
    )
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
    if _fetched_listing(page):
        out.listings += 1
        return
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
        _read_item(item, where, f"{prefix}items[{i}]", page_kind, seen, out)
    _saw_page(page_kind, out)


def _saw_page(page_kind: str, out: _Collected) -> None:
    if page_kind == "youtube#videoListResponse":
        out.saw_videos = True
    elif page_kind == "youtube#channelListResponse":
        out.saw_channels = True


def _read_item(
    item: Any, where: str, record: str, page_kind: str, seen: datetime, out: _Collected
) -> None:
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


def _streamable(source: Source, member: str) -> bool:
    """Whether a member is a response large enough to be read item by item: a file on disk
    over :data:`STREAM_OVER` bytes, or a zip member or gzip file inflating past it (its
    first bytes inflated to tell, not kept)."""
    if not JsonStream.larger(source, member, STREAM_OVER):
        return False
    head = source.head(member, 64).decode("utf-8", "ignore").lstrip("\ufeff \t\r\n")
    return head.startswith("{")


def _stream_response(source: Source, member: str, out: _Collected) -> bool:
    """Read one response object, its ``items`` one at a time; False (``out`` untouched) when
    it must be read whole: ``kind`` or ``engagecore_observed_at`` after ``items``, no
    ``items`` list, ``items`` twice, or a page that is not plainly a videos.list or
    channels.list response (the whole read gives its message)."""
    where = source.display(member)
    saved = out.state()
    with source.stream(member) as fh:
        doc = JsonStream(fh, where)
        doc.take("{")
        top: dict[str, Any] = {}
        streamed = False
        if doc.peek() == "}":
            out.restore(saved)
            return False
        while True:
            key = doc.value(MAX_VALUE_CHARS, "a key")
            if not isinstance(key, str):
                raise FormatError(where, f"not valid JSON (a key that is not text: {key!r})")
            doc.take(":")
            if key == "items" and not streamed and doc.peek() == "[":
                page_kind = top.get("kind")
                if not isinstance(page_kind, str) or page_kind not in _STRONG:
                    out.restore(saved)
                    return False
                seen = observed_at(source, member, top)
                doc.take("[")
                streamed = True
                _stream_items(doc, where, page_kind, seen, out)
            elif streamed and key in ("items", "kind", OBSERVED_AT_KEY):
                out.restore(saved)
                return False
            else:
                top[key] = doc.value(MAX_VALUE_CHARS, f"the value of {key!r}")
            if doc.take(",}") == "}":
                break
        doc.end()
    if not streamed:
        out.restore(saved)
        return False
    _saw_page(str(top["kind"]), out)
    return True


def _stream_items(
    doc: JsonStream, where: str, page_kind: str, seen: datetime, out: _Collected
) -> None:
    """The items of a response, the '[' read."""
    if doc.peek() == "]":
        doc.take("]")
        return
    i = 0
    while True:
        record = f"items[{i}]"
        doc.record = record
        item = doc.value(MAX_ITEM_CHARS, "an item")
        doc.record = None
        _read_item(item, where, record, page_kind, seen, out)
        del item
        i += 1
        doc.record = record
        if doc.take(",]") == "]":
            doc.record = None
            break
        doc.record = None


class YouTubeDataApiImporter(Importer):
    """Reads saved YouTube Data API v3 ``videos.list`` and ``channels.list`` responses."""

    name = "youtube-data-api"
    network = NETWORK
    description = (
        "YouTube Data API v3 JSON: videos.list (videos, string counts) and channels.list "
        "(channel, subscribers); a file, a JSON array of pages, or a folder/zip of them"
    )

    def detect(self, source: Source) -> float:
        return detect_each(source, _detect_member)

    def read(self, source: Source, ctx: ReadContext) -> Batch:
        names = member_files(source, "Data API response files (*.json)")
        out = _Collected()
        for member in names:
            where = source.display(member)
            if _streamable(source, member) and _stream_response(source, member, out):
                continue
            doc = load_json(source, member)
            if isinstance(doc, list):
                for p, page in enumerate(doc):
                    _read_page(page, where, f"[{p}].", observed_at(source, member, page), out)
            else:
                _read_page(doc, where, "", observed_at(source, member, doc), out)
        batch = out.batch()
        if batch.accounts is not None:  # the responses name their channels (the frame's rows)
            named = ((row["account_id"], row["handle"]) for row in out.accounts.values())
            check_channel(ctx, source.display(), named)
        return batch
