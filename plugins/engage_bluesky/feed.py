"""Saved ``app.bsky.feed.getAuthorFeed`` responses: an account's posts, replies and reposts.

A page is ``{"feed": [{"post": postView, "reply"?: …, "reason"?: …}], "cursor"?: "…"}``. A
source is one page, a file holding a JSON array of pages, or a folder or zip in which every
member is such a file (the pages of a cursor walk).

* An item without a ``reason`` (or with ``#reasonPin``, the pinned post shown first) is the
  account's own post — replies included — with its counts: ``likeCount`` → likes,
  ``repostCount`` → shares, ``replyCount`` → comments, ``quoteCount`` → quotes, ``bookmarkCount`` → saves
  (an absent count — ``quoteCount`` before 2024, ``bookmarkCount`` before September 2025 —
  is NULL, never 0).
* An item with a ``#reasonRepost`` is a repost **by** the account (``reason.by``) of another
  account's post. It is stored as one row of the reposting account, ``is_own`` false: its
  ``post_id`` is ``repost:{author did}/{post rkey}`` (after the reposted post, as the
  ``bluesky-repo`` importer names it), its time the repost's (the time its record key
  encodes, the key given in ``reason.uri`` since late 2024; ``reason.indexedAt`` on older
  pages), its text, kind, hashtags and URL the reposted post's, its counts NULL (they are
  the original's, not the museum's). The reposted post and its author are not stored: they
  are not the museum's.
* A post's time is ``createdAt`` unless it is backdated before Bluesky existed or more than
  a day after its record key's time, then the key's time (``indexedAt`` when the key dates
  nothing): the rule both importers share, so that the feed and the CAR agree (module
  ``common``).
* The ``reply`` context (parent and root posts, often of other accounts) is not read.

A page whose items come from more than one account (``getTimeline``, a custom feed) is
refused: its posts are not one account's. ``observed_at`` is the page's
``engagecore_observed_at``, else the file's modification time.

A page file on disk larger than :data:`STREAM_OVER` bytes is read item by item
(:meth:`engagecore.plugin.JsonStream.walk`), its posts kept in frames
(:class:`engagecore.plugin.Rows`): parsed whole, a 200 MB page cost 8.3× its size. When a
page's ``engagecore_observed_at`` comes after its ``feed``, the file is read a second time,
the time known.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engagecore.plugin import (
    Batch,
    FormatError,
    Importer,
    JsonStream,
    ReadContext,
    Rows,
    Source,
    check_named,
    count_at,
    detect_each,
    frame,
    member_files,
    observed_at,
    text_at,
)

from .common import (
    LAUNCHED,
    NETWORK,
    POST,
    REASON_PIN,
    REASON_REPOST,
    REPOST,
    embed_kind,
    key_time,
    language,
    load,
    parse_time,
    record_text,
    repost_id,
    split_uri,
    tags_and_mentions,
    web_url,
    when_posted,
)

#: postView count → model column.
COUNTS = (
    ("likeCount", "likes"),
    ("repostCount", "shares"),
    ("replyCount", "comments"),
    ("quoteCount", "quotes"),
    ("bookmarkCount", "saves"),  # bookmarks, in post views since September 2025
)
#: Keys a streamed page's skeleton gets: the time its items were read with, their accounts.
_SEEN, _ACTORS = "\0seen", "\0actors"
#: A page file larger than this (bytes) is read item by item.
STREAM_OVER = 4 * 1024 * 1024
#: The longest feed item (characters) a streamed page may hold.
MAX_ITEM_CHARS = 16 * 1024 * 1024
#: The longest other value of a streamed page.
MAX_VALUE_CHARS = 16 * 1024 * 1024


def _detect_member(source: Source, member: str) -> float:
    head = source.head(member, 8192).decode("utf-8", "ignore").lstrip("\ufeff \t\r\n[")
    if not head.startswith("{"):
        return 0.0
    if '"feed"' in head and (
        "/app.bsky.feed.post/" in head or '"feed":[]' in head.replace(" ", "")
    ):
        return 0.95
    return 0.0


@dataclass
class _Collected:
    posts: Rows = field(default_factory=lambda: Rows("posts"))
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    hints: dict[str, str] = field(default_factory=dict)
    last_page_empty: bool = False

    def add_account(self, profile: dict[str, Any], where: str, record: str) -> str:
        did = text_at(profile.get("did"), "author.did", where, record)
        if not did:
            raise FormatError(where, "expected the account's did", record)
        handle = text_at(profile.get("handle"), "author.handle", where, record)
        name = text_at(profile.get("displayName"), "author.displayName", where, record)
        self.accounts[did] = {
            "network": NETWORK,
            "account_id": did,
            "handle": handle,
            "display_name": name or None,
        }
        if name:
            self.hints[did] = name
        return did

    def add_post(self, row: dict[str, Any]) -> None:
        self.posts.add(row)

    def extend(self, other: _Collected) -> None:
        """Takes over what ``other`` gathered (a file read apart)."""
        self.posts.extend(other.posts)
        self.accounts.update(other.accounts)
        self.hints.update(other.hints)
        self.last_page_empty = other.last_page_empty


def _content(post: dict[str, Any], where: str, record: str) -> dict[str, Any]:
    """The columns a post view gives whoever stores it: text, kind, language, tags, URL."""
    author = post.get("author")
    if not isinstance(author, dict):
        raise FormatError(where, "expected post.author to be a profile object", record)
    did, collection, rkey = split_uri(post.get("uri"), where, record)
    if collection != POST:
        raise FormatError(where, f"expected a {POST} URI, got {post.get('uri')!r}", record)
    rec = post.get("record")
    text = record_text(rec, where, record)
    assert isinstance(rec, dict)
    created = parse_time(rec.get("createdAt"), where, record, "record.createdAt")
    indexed = post.get("indexedAt")
    indexed_at = parse_time(indexed, where, record, "indexedAt") if indexed else None
    when = when_posted(created, rkey, indexed_at)
    if when is None:
        raise FormatError(
            where,
            f"expected record.createdAt after Bluesky's launch ({LAUNCHED}) or an indexedAt, "
            f"got {rec.get('createdAt')!r}",
            record,
        )
    tags, mentioned = tags_and_mentions(text, rec.get("facets"), rec.get("tags"), where, record)
    handle = text_at(author.get("handle"), "author.handle", where, record)
    return {
        "did": did,
        "rkey": rkey,
        "posted_at": when,
        "kind": embed_kind(post.get("embed") or rec.get("embed")),
        "text": text or None,
        "language": language(rec),
        "hashtags": tags,
        "mentions": mentioned,
        "url": web_url(handle, did, rkey),
    }


def _read_item(item: Any, where: str, record: str, seen: datetime, out: _Collected) -> str:
    """Store one feed item; returns the DID of the account whose feed it belongs to."""
    if not isinstance(item, dict) or not isinstance(item.get("post"), dict):
        raise FormatError(where, "expected a feed item with a 'post' object", record)
    post: dict[str, Any] = item["post"]
    reason = item.get("reason")
    reason_type = reason.get("$type") if isinstance(reason, dict) else None
    content = _content(post, where, record)
    row: dict[str, Any] = {
        "network": NETWORK,
        "kind": content["kind"],
        "text": content["text"],
        "language": content["language"],
        "hashtags": content["hashtags"],
        "mentions": content["mentions"],
        "url": content["url"],
        "observed_at": seen,
    }
    if reason_type == REASON_REPOST:
        assert isinstance(reason, dict)
        by = reason.get("by")
        if not isinstance(by, dict):
            raise FormatError(where, "expected reason.by, the reposting account", record)
        actor = out.add_account(by, where, record)
        repost_uri = reason.get("uri")
        written = None
        if repost_uri is not None:
            did, collection, rkey = split_uri(repost_uri, where, record)
            if collection != REPOST or did != actor:
                raise FormatError(
                    where,
                    f"expected reason.uri to be a repost by {actor}, got {repost_uri!r}",
                    record,
                )
            written = key_time(rkey)
        row.update(
            post_id=repost_id(content["did"], content["rkey"]),
            account_id=actor,
            posted_at=written
            or parse_time(reason.get("indexedAt"), where, record, "reason.indexedAt"),
            is_own=False,
        )
    elif reason_type in (None, REASON_PIN):
        actor = out.add_account(post["author"], where, record)
        if actor != content["did"]:
            raise FormatError(
                where, f"expected post.author.did to be the author of {post.get('uri')!r}", record
            )
        row.update(
            post_id=content["rkey"],
            account_id=actor,
            posted_at=content["posted_at"],
            is_own=True,
        )
        for key, column in COUNTS:
            row[column] = count_at(post.get(key), f"post.{key}", where, record)
    else:
        raise FormatError(
            where,
            f"expected a feed item reason of {REASON_REPOST} or {REASON_PIN}, got {reason_type!r}",
            record,
        )
    out.add_post(row)
    return actor


def _read_page(page: Any, where: str, prefix: str, seen: datetime, out: _Collected) -> None:
    if not isinstance(page, dict):
        raise FormatError(where, "expected a getAuthorFeed response object", prefix or None)
    if "error" in page and "feed" not in page:
        raise FormatError(
            where,
            f"is a saved XRPC error ({page.get('error')}: {page.get('message', '')}), not a feed",
            prefix or None,
        )
    feed = page.get("feed")
    if not isinstance(feed, list):
        raise FormatError(
            where,
            "expected an app.bsky.feed.getAuthorFeed response with a 'feed' list",
            prefix or None,
        )
    actors = {
        _read_item(item, where, f"{prefix}feed[{i}]", seen, out) for i, item in enumerate(feed)
    }
    if len(actors) > 1:
        raise FormatError(
            where,
            f"expected the feed of one account (getAuthorFeed), found posts of {len(actors)} "
            "accounts (a timeline or a custom feed?)",
            prefix or None,
        )
    out.last_page_empty = not feed


def _streamable(source: Source, member: str) -> bool:
    """Whether a member (a file, or in a zip or gzip file) is large enough to be read item by
    item."""
    return JsonStream.larger(source, member, STREAM_OVER)


def _route(path: tuple[str | int, ...]) -> str:
    """A page (or an array of pages): ``feed`` item by item, the rest kept."""
    if path == () or (len(path) == 1 and isinstance(path[0], int)):
        return JsonStream.DESCEND
    return JsonStream.ITEMS if path[-1] == "feed" else JsonStream.KEEP


def _stream_file(source: Source, member: str, out: _Collected) -> None:
    """A page file read item by item (twice when a page's observation time follows its
    feed: its posts are then read again with it)."""
    where = source.display(member)
    sub = _Collected()
    pages = _stream_pass(source, member, sub, None)
    listed = pages if isinstance(pages, list) else [pages]
    finals = [_page_time(source, member, page) for page in listed]
    if any(
        _SEEN in page and page[_SEEN] != t
        for page, t in zip(listed, finals, strict=True)
        if isinstance(page, dict)
    ):
        sub = _Collected()
        pages = _stream_pass(source, member, sub, finals)
        listed = pages if isinstance(pages, list) else [pages]
    for p, page in enumerate(listed):
        prefix = f"[{p}]." if isinstance(pages, list) else ""
        _check_page(page, where, prefix, sub)
    out.extend(sub)


def _page_time(source: Source, member: str, page: Any) -> datetime | None:
    return observed_at(source, member, page) if isinstance(page, dict) else None


def _stream_pass(
    source: Source, member: str, out: _Collected, times: list[datetime | None] | None
) -> Any:
    where = source.display(member)
    actors: dict[int, set[str]] = {}

    def item(path: tuple[str | int, ...], i: int, value: Any) -> None:
        p = path[0] if isinstance(path[0], int) else 0
        page = doc.parents[-1]
        seen = page.get(_SEEN)
        if seen is None:
            seen = times[p] if times is not None else observed_at(source, member, page)
            page[_SEEN] = seen
        prefix = f"[{p}]." if isinstance(path[0], int) else ""
        actors.setdefault(p, set()).add(_read_item(value, where, f"{prefix}feed[{i}]", seen, out))
        page[_ACTORS] = actors[p]

    with source.stream(member) as fh:
        doc = JsonStream(fh, where)
        return doc.walk(_route, item, item_limit=MAX_ITEM_CHARS, value_limit=MAX_VALUE_CHARS)


def _check_page(page: Any, where: str, prefix: str, out: _Collected) -> None:
    """The checks of :func:`_read_page` on a page whose feed was streamed."""
    if not isinstance(page, dict):
        raise FormatError(where, "expected a getAuthorFeed response object", prefix or None)
    if "error" in page and "feed" not in page:
        raise FormatError(
            where,
            f"is a saved XRPC error ({page.get('error')}: {page.get('message', '')}), not a feed",
            prefix or None,
        )
    feed = page.get("feed")
    if not isinstance(feed, JsonStream.Streamed):
        raise FormatError(
            where,
            "expected an app.bsky.feed.getAuthorFeed response with a 'feed' list",
            prefix or None,
        )
    actors = page.get(_ACTORS, set())
    if len(actors) > 1:
        raise FormatError(
            where,
            f"expected the feed of one account (getAuthorFeed), found posts of {len(actors)} "
            "accounts (a timeline or a custom feed?)",
            prefix or None,
        )
    out.last_page_empty = not feed.count


class BlueskyFeedImporter(Importer):
    """Reads saved ``app.bsky.feed.getAuthorFeed`` pages."""

    name = "bluesky-feed"
    network = NETWORK
    description = (
        "Bluesky app.bsky.feed.getAuthorFeed JSON: posts with counts, replies, reposts by the "
        "account (not own); a page, a JSON array of pages, or a folder/zip of pages"
    )

    def detect(self, source: Source) -> float:
        return detect_each(source, _detect_member)

    def read(self, source: Source, ctx: ReadContext) -> Batch:
        names = member_files(source, "getAuthorFeed pages (*.json)")
        out = _Collected()
        for member in names:
            where = source.display(member)
            if _streamable(source, member):
                _stream_file(source, member, out)
                continue
            doc = load(source, member, "post")
            if isinstance(doc, list):
                for p, page in enumerate(doc):
                    _read_page(page, where, f"[{p}].", observed_at(source, member, page), out)
            else:
                _read_page(doc, where, "", observed_at(source, member, doc), out)
        accounts = [(a["account_id"], a["handle"]) for a in out.accounts.values()]
        check_named(ctx, source.display(), accounts)
        posts = out.posts.frame(key="post_id", newest="observed_at", order=("posted_at", "post_id"))
        rows = posts.height
        return Batch(
            accounts=frame("accounts", list(out.accounts.values())) if out.accounts else None,
            posts=posts,
            museum_hints=dict(out.hints),
            empty_reason=(
                None
                if rows
                else "the feed pages hold no post (an account that never posted, "
                "or a page past the last one)"
            ),
        )
