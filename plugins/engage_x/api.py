"""``x-api``: saved X API v2 responses, one JSON file per response.

Two shapes are read: a tweets page (``/2/users/:id/tweets``, ``/2/tweets``: ``{"data": [...],
"includes": {"users", "media"}, "meta"}``) into posts, and a user lookup (``/2/users/:id``,
``/2/users/by/username/:name`` with ``user.fields=public_metrics``) into an account and a
follower snapshot. A folder of pages is ingested file by file: each file is its own source.

A response does not say when it was fetched, so ``observed_at`` is the file's modification
time, unless the file carries a top-level ``"engagecore_observed_at"`` (ISO 8601), which our
own fetcher writes. Pages hold at most 100 posts, so they are parsed with :mod:`json`; a
file on disk larger than :data:`STREAM_OVER` bytes (pages merged, or not X's) is read twice
item by item (:meth:`engagecore.plugin.JsonStream.walk`): its ``includes`` and other
members first (X writes them after ``data``), then its posts, kept in frames of
:data:`_CHUNK` rows. Parsed whole, a 200 MB page cost 9.8× its size.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import polars as pl

from engage_x import common as C
from engagecore.plugin import (
    Batch,
    FormatError,
    Importer,
    JsonStream,
    ReadContext,
    Source,
    check_named,
    count_at,
    frame,
    given_account,
    observed_at,
    option,
    text_at,
    unescape,
)
from engagecore.plugin import account_matches as matches

# The first key of a saved response is "data" (X writes it first; sorted keys keep it first),
# possibly after the observation time our fetcher adds.
_DATA_FIRST = re.compile(
    rb'\A(?:\xef\xbb\xbf)?\s*\{\s*(?:"engagecore_observed_at"\s*:\s*"[^"]*"\s*,\s*)?"data"\s*:'
)
_EMPTY_PAGE = re.compile(rb'\A(?:\xef\xbb\xbf)?\s*\{\s*"meta"\s*:\s*\{\s*"result_count"\s*:\s*0')

#: public_metrics key → posts column.
PUBLIC_METRICS = {
    "like_count": "likes",
    "reply_count": "comments",
    "retweet_count": "shares",
    "quote_count": "quotes",
    "bookmark_count": "saves",
    "impression_count": "impressions",
}
#: A response file larger than this (bytes) is read item by item.
STREAM_OVER = 4 * 1024 * 1024
#: Posts kept as Python values before they become a frame.
_CHUNK = 5000
#: The longest item (characters) of a streamed response.
MAX_ITEM_CHARS = 16 * 1024 * 1024
#: The longest other value of a streamed response.
MAX_VALUE_CHARS = 16 * 1024 * 1024
_STATUS_LINK = re.compile(r"^https?://(www\.|mobile\.)?(twitter|x)\.com/[^/]+/(web/)?status/")


class XApiImporter(Importer):
    """X API v2 responses saved as JSON: tweets pages and user lookups."""

    name = "x-api"
    network = C.NETWORK
    description = "X (Twitter) API v2 response: tweets page or user lookup (JSON file)"

    def detect(self, source: Source) -> float:
        if source.kind != "file":
            return 0.0
        head = source.head(source.name, 4096)
        if _EMPTY_PAGE.match(head):
            return 0.6
        if not _DATA_FIRST.match(head):
            return 0.0
        if b'"edit_history_tweet_ids"' in head:
            return 0.95
        if b'"retweet_count"' in head and b'"quote_count"' in head:
            return 0.9
        if b'"username"' in head and b'"followers_count"' in head:
            return 0.9 if b'"tweet_count"' in head or b'"listed_count"' in head else 0.6
        return 0.0

    def read(self, source: Source, ctx: ReadContext) -> Batch:
        display = source.display()
        large = JsonStream.larger(source, source.name, STREAM_OVER)
        if large:
            return _stream(source, ctx)
        value = source.read_json(source.name)
        if not isinstance(value, dict):
            raise FormatError(display, 'expected an X API v2 response object {"data": ...}')
        observed = observed_at(source, None, value)
        data = value.get("data")
        if data is None:
            if isinstance(value.get("meta"), dict):  # a page past the last post
                return Batch(posts=frame("posts", []), empty_reason="a page past the last post")
            raise FormatError(display, 'expected a "data" member (an X API v2 response)')
        if data == [] and isinstance(value.get("meta"), dict):
            return Batch(posts=frame("posts", []), empty_reason="a page with no posts")
        items = data if isinstance(data, list) else [data]
        if not all(isinstance(i, dict) for i in items):
            raise FormatError(display, '"data" must hold objects')
        if items and all("username" in i and "text" not in i for i in items):
            batch = _users(items, observed, display)
        else:
            tweets = _Tweets(value.get("includes") or {}, observed, display, ctx)
            for i, t in enumerate(items, start=1):
                tweets.add(i, t)
            batch = tweets.batch()
        _check_account(ctx, display, batch)
        return batch


def _stream(source: Source, ctx: ReadContext) -> Batch:
    """A large response: its members but ``data`` (and ``includes.media``) first, its posts
    then, one at a time."""
    display = source.display()
    media: dict[str, str] = {}
    users: dict[str, Any] = {}
    shape = {"dicts": True, "users": True}

    def route(path: tuple[str | int, ...]) -> str:
        if path in ((), ("includes",)):
            return JsonStream.DESCEND
        if path in (("data",), ("includes", "media"), ("includes", "users")):
            return JsonStream.ITEMS
        return JsonStream.KEEP

    def first(path: tuple[str | int, ...], i: int, item: Any) -> None:
        if path == ("data",):
            shape["dicts"] = shape["dicts"] and isinstance(item, dict)
            looks = isinstance(item, dict) and "username" in item and "text" not in item
            shape["users"] = shape["users"] and looks
        elif path == ("includes", "media"):
            if isinstance(item, dict) and item.get("media_key"):
                media[str(item["media_key"])] = str(item.get("type", ""))
        elif isinstance(item, dict) and item.get("id"):
            users[str(item["id"])] = item

    def read(on_item: Any) -> Any:
        with source.stream(source.name) as fh:
            return JsonStream(fh, display).walk(
                route, on_item, item_limit=MAX_ITEM_CHARS, value_limit=MAX_VALUE_CHARS
            )

    value = read(first)
    if not isinstance(value, dict):
        raise FormatError(display, 'expected an X API v2 response object {"data": ...}')
    observed = observed_at(source, None, value)
    data = value.get("data")
    if not isinstance(data, JsonStream.Streamed):
        # no list of posts, so nothing was left out: the whole read's rules
        if data is None:
            if isinstance(value.get("meta"), dict):
                return Batch(posts=frame("posts", []), empty_reason="a page past the last post")
            raise FormatError(display, 'expected a "data" member (an X API v2 response)')
        if not isinstance(data, dict):
            raise FormatError(display, '"data" must hold objects')
        data = [data]
    elif not data.count and isinstance(value.get("meta"), dict):
        return Batch(posts=frame("posts", []), empty_reason="a page with no posts")
    elif not shape["dicts"]:
        raise FormatError(display, '"data" must hold objects')
    includes = value.get("includes") or {}
    if isinstance(includes, dict):
        # the lists were read item by item: as the whole read keeps them
        includes = {
            **includes,
            "users": list(users.values()),
            "media": [{"media_key": k, "type": t} for k, t in media.items()],
        }
    if isinstance(data, list):  # one object
        items: list[Any] = data
        if all("username" in i and "text" not in i for i in items):
            batch = _users(items, observed, display)
        else:
            tweets = _Tweets(includes, observed, display, ctx)
            tweets.add(1, items[0])
            batch = tweets.batch()
    elif data.count and shape["users"]:
        found: list[Any] = []
        read(lambda path, i, item: found.append(item) if path == ("data",) else None)
        batch = _users(found, observed, display)
    else:
        tweets = _Tweets(includes, observed, display, ctx)
        read(lambda path, i, item: tweets.add(i + 1, item) if path == ("data",) else None)
        batch = tweets.batch()
    _check_account(ctx, display, batch)
    return batch


def _users(items: list[dict[str, Any]], observed: datetime, display: str) -> Batch:
    accounts: dict[str, list[Any]] = {"account_id": [], "handle": [], "display_name": []}
    snaps: dict[str, list[Any]] = {"account_id": [], "followers": []}
    created: list[datetime | None] = []
    hints = {}
    for i, u in enumerate(items, start=1):
        if not u.get("id"):
            raise FormatError(display, 'expected a user with an "id"', record=f"#{i}")
        uid = str(u["id"])
        accounts["account_id"].append(uid)
        accounts["handle"].append(text_at(u.get("username"), "'username'", display, f"id {uid}"))
        accounts["display_name"].append(text_at(u.get("name"), "'name'", display, f"id {uid}"))
        # with user.fields=created_at (engage fetch asks for it)
        created.append(C.created_time(u.get("created_at"), display, f"id {uid}", "'created_at'"))
        if u.get("name"):
            hints[uid] = u["name"]
        metrics = u.get("public_metrics") or {}
        followers = count_at(
            metrics.get("followers_count"), "followers_count", display, f"id {uid}"
        )
        if followers is not None:
            snaps["account_id"].append(uid)
            snaps["followers"].append(followers)
    return Batch(
        accounts=_frame("accounts", accounts, observed=None).with_columns(
            pl.Series("created_at", created, dtype=pl.Datetime("us", "UTC"))
        ),
        follower_snapshots=_frame("follower_snapshots", snaps, observed=observed),
        museum_hints=hints,
    )


def _check_account(ctx: ReadContext, display: str, batch: Batch) -> None:
    """The accounts the response names must be the ``--account`` given, if one was."""
    if batch.accounts is None:
        return
    check_named(
        ctx,
        display,
        batch.accounts.select("account_id", "handle").iter_rows(),
    )


def _frame(table: str, cols: dict[str, list[Any]], observed: datetime | None) -> pl.DataFrame:
    """A produced table from column lists (strings, and ``followers`` as Int64)."""
    df = pl.DataFrame(
        cols, schema={c: pl.Int64 if c == "followers" else pl.Utf8 for c in cols}
    ).with_columns(network=pl.lit(C.NETWORK))
    if observed is not None:
        df = df.with_columns(observed_at=pl.lit(observed, dtype=pl.Datetime("us", "UTC")))
    return frame(table, df)


def _kind(tweet: dict[str, Any], media_types: dict[str, str], links: list[str]) -> str:
    keys = (tweet.get("attachments") or {}).get("media_keys") or []
    types = {media_types.get(k, "") for k in keys}
    if types & {"video", "animated_gif"}:
        return "video"
    if "photo" in types:
        return "photo"
    if keys:
        return "other"
    return "link" if any(not _STATUS_LINK.match(u) for u in links) else "text"


def _text(tweet: dict[str, Any]) -> tuple[str | None, list[str], list[str], list[str]]:
    """Full text (long posts: ``note_tweet``), hashtags, mentions and expanded link URLs."""
    note = tweet.get("note_tweet") if isinstance(tweet.get("note_tweet"), dict) else None
    text = note.get("text") if note and note.get("text") else tweet.get("text")
    ents = [e for e in (tweet.get("entities"), (note or {}).get("entities")) if isinstance(e, dict)]
    urls = [u for e in ents for u in e.get("urls") or [] if isinstance(u, dict)]
    # Media links (with a media_key) stay t.co links in the text, as in the archive.
    link_urls = [u for u in urls if not u.get("media_key")]
    text = C.expand_urls(unescape(text), link_urls)
    tags = [h.get("tag") for e in ents for h in e.get("hashtags") or [] if isinstance(h, dict)]
    ments = [
        m.get("username") for e in ents for m in e.get("mentions") or [] if isinstance(m, dict)
    ]
    links = [
        str(u.get("expanded_url") or u.get("url"))
        for u in link_urls
        if u.get("expanded_url") or u.get("url")
    ]
    return text, _unique(tags), _unique(ments), links


def _unique(values: list[Any]) -> list[str]:
    return list(dict.fromkeys(str(v) for v in values if v))


class _Tweets:
    """The posts of a tweets page, a chunk of :data:`_CHUNK` at a time into frames."""

    def __init__(
        self, includes: dict[str, Any], observed: datetime, display: str, ctx: ReadContext
    ) -> None:
        users = {
            str(u["id"]): u
            for u in includes.get("users") or []
            if isinstance(u, dict) and u.get("id")
        }
        for uid, u in users.items():
            for key in ("username", "name"):
                text_at(u.get(key), repr(key), display, f"user {uid}")
        self.users = users
        self.media_types = {
            str(m["media_key"]): str(m.get("type", ""))
            for m in includes.get("media") or []
            if isinstance(m, dict) and m.get("media_key")
        }
        self.sole_user = next(iter(users)) if len(users) == 1 else None
        # A user timeline saved without tweet.fields=author_id names no author: --account does.
        given = given_account(ctx)
        self.fallback: str | None = given
        if given is not None and not given.isdigit():
            # a handle: the user object of that handle when the page holds one, else the
            # handle stands for the account (as an account linked by handle before its id is
            # known)
            by_name = [i for i, u in users.items() if matches(given, i, u.get("username"))]
            self.fallback = by_name[0] if by_name else given
        self.observed = observed
        self.display = display
        self.authors: dict[str, None] = {}
        self.chunks: list[pl.DataFrame] = []
        self.cols = self._empty()

    @staticmethod
    def _empty() -> dict[str, list[Any]]:
        return {
            k: []
            for k in (
                "post_id",
                "account_id",
                "posted_at",
                "kind",
                "is_own",
                "text",
                "language",
                "hashtags",
                "mentions",
                "url",
                *PUBLIC_METRICS.values(),
            )
        }

    def add(self, i: int, t: Any) -> None:
        display, cols = self.display, self.cols
        if not isinstance(t, dict):
            raise FormatError(display, '"data" must hold objects')
        if not t.get("id"):
            raise FormatError(display, 'expected a post with an "id"', record=f"#{i}")
        tid = str(t["id"])
        rec = f"id {tid}"
        if not t.get("created_at"):
            raise FormatError(
                display, 'expected "created_at" (request tweet.fields=created_at)', rec
            )
        author = str(t.get("author_id") or self.sole_user or self.fallback or "")
        if not author:
            raise FormatError(
                display,
                'expected "author_id" (request tweet.fields=author_id), or name the account '
                f"with {option('account', 'ID')}",
                rec,
            )
        for key in ("text", "lang", "created_at"):
            text_at(t.get(key), repr(key), display, rec)
        text, tags, ments, links = _text(t)
        refs = t.get("referenced_tweets") or []
        is_own = not any(isinstance(r, dict) and r.get("type") == "retweeted" for r in refs)
        public = t.get("public_metrics") or {}
        owned = t.get("non_public_metrics") or t.get("organic_metrics") or {}
        for key, col in PUBLIC_METRICS.items():
            raw = owned.get(key) if key == "impression_count" and key in owned else public.get(key)
            n = count_at(raw, key, display, rec)
            # A repost's metrics are the original post's: not counts of the museum's repost.
            cols[col].append(n if is_own else None)
        handle = (self.users.get(author) or {}).get("username")
        cols["post_id"].append(tid)
        cols["account_id"].append(author)
        self.authors[author] = None
        cols["posted_at"].append(str(t["created_at"]))
        cols["kind"].append(_kind(t, self.media_types, links))
        cols["is_own"].append(is_own)
        cols["text"].append(text)
        cols["language"].append(t.get("lang"))
        cols["hashtags"].append(tags)
        cols["mentions"].append(ments)
        cols["url"].append(f"https://x.com/{handle or 'i/web'}/status/{tid}")
        if len(cols["post_id"]) >= _CHUNK:
            self._flush()

    def _flush(self) -> None:
        cols, self.cols = self.cols, self._empty()
        if not cols["post_id"] and self.chunks:
            return
        posts = pl.DataFrame(
            cols,
            schema_overrides={
                "hashtags": pl.List(pl.Utf8),
                "mentions": pl.List(pl.Utf8),
                "posted_at": pl.Utf8,
                "language": pl.Utf8,
                "text": pl.Utf8,
                **{c: pl.Int64 for c in PUBLIC_METRICS.values()},
            },
        ).with_columns(
            network=pl.lit(C.NETWORK),
            posted_at=pl.col("posted_at").str.to_datetime(
                strict=False, time_unit="us", time_zone="UTC"
            ),
            language=C.language_expr("language"),
            observed_at=pl.lit(self.observed, dtype=pl.Datetime("us", "UTC")),
        )
        bad = posts.filter(pl.col("posted_at").is_null())
        if bad.height:
            raw = cols["posted_at"][cols["post_id"].index(bad["post_id"][0])]
            raise FormatError(
                self.display,
                f"expected created_at like '2024-11-05T13:24:09.000Z', got {raw!r}",
                record=f"id {bad['post_id'][0]}",
            )
        self.chunks.append(frame("posts", posts))

    def batch(self) -> Batch:
        self._flush()
        chunks, self.chunks = self.chunks, []
        posts = pl.concat(chunks, how="vertical", rechunk=False) if len(chunks) > 1 else chunks[0]
        users, fallback, display = self.users, self.fallback, self.display
        authors = list(self.authors)
        accounts: dict[str, list[Any]] = {
            "account_id": authors,
            "handle": [
                (users.get(a) or {}).get("username")
                or (a if a == fallback and not a.isdigit() else None)
                for a in authors
            ],
            "display_name": [(users.get(a) or {}).get("name") for a in authors],
        }
        snaps: dict[str, list[Any]] = {"account_id": [], "followers": []}
        for a in authors:
            metrics = (users.get(a) or {}).get("public_metrics") or {}
            n = count_at(metrics.get("followers_count"), "followers_count", display, f"user {a}")
            if n is not None:
                snaps["account_id"].append(a)
                snaps["followers"].append(n)
        hints = {a: users[a]["name"] for a in authors if a in users and users[a].get("name")}
        return Batch(
            accounts=_frame("accounts", accounts, observed=None),
            posts=posts,
            follower_snapshots=_frame("follower_snapshots", snaps, observed=self.observed),
            museum_hints=hints,
        )
