"""``instagram-graph``: saved Instagram Graph API responses (one JSON file, or a folder/zip
of them).

Understood: media lists (``/{ig-user}/media``, each media optionally carrying its
``insights`` when fetched with ``fields=...,insights.metric(...)``), standalone media
insights (the media id is read from each metric's ``id``, "{media_id}/insights/reach/
lifetime"), user objects (``followers_count``; a nested ``media`` edge is read too),
``business_discovery`` wrappers, and ``follower_demographics`` with ``breakdown=age``.

The account of a media is its ``username``, else the user object whose id is its
``owner.id`` (else ``--account``, else that owner id); a media naming no owner belongs to
the only user object in the source, else to ``--account``. ``observed_at`` of a file: its
top-level ``engagecore_observed_at`` when present (ISO 8601, UTC when it names no zone),
else its modification time (:func:`engagecore.plugin.observed_at`).

A response larger than :data:`STREAM_OVER` bytes (a file on disk, a zip member or a gzip
file, inflated) is read item by item (:meth:`engagecore.plugin.JsonStream.walk`): each media
of a ``data`` list (or of a user object's ``media.data``) becomes its row as it is read, kept
in frames (:class:`engagecore.plugin.Rows`); its account, when it gives no username, and the
counts of insights saved apart are joined once the whole source is read. When a page's
``engagecore_observed_at`` (or a user object's ``username`` or ``id``) comes after its items,
the file is read a second time, that value known.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl

from engage_instagram.common import (
    NETWORK_NAME,
    account_option,
    load_json,
    parse_iso,
    squashed_head,
)
from engagecore import plugin
from engagecore.plugin import (
    OBSERVED_AT_KEY,
    Batch,
    FormatError,
    Importer,
    JsonStream,
    ReadContext,
    Rows,
    Source,
    check_named,
    option,
)

#: Graph media insight metric → count column (old names kept: saved responses stay valid).
METRICS = {
    "reach": "reach",
    "likes": "likes",
    "comments": "comments",
    "shares": "shares",
    "saved": "saves",
    "saves": "saves",
    "views": "views",
    "plays": "views",
    "video_views": "views",
    "impressions": "impressions",
}
_KIND_BY_PRODUCT = {"REELS": "reel", "STORY": "story"}
_KIND_BY_TYPE = {"IMAGE": "photo", "VIDEO": "video", "CAROUSEL_ALBUM": "carousel"}

_MEDIA_TYPE = re.compile(rb'"media_type":"(IMAGE|VIDEO|CAROUSEL_ALBUM)"')
_MEDIA_INSIGHT_ID = re.compile(
    rb'"id":"\d+/insights/(reach|likes|comments|shares|saved|views|impressions|plays|'
    rb'total_interactions|video_views)/lifetime"'
)
#: A response file larger than this (bytes) is read item by item.
STREAM_OVER = 4 * 1024 * 1024
#: The longest item (characters) a streamed response may hold.
MAX_ITEM_CHARS = 16 * 1024 * 1024
#: The longest other value of a streamed response.
MAX_VALUE_CHARS = 16 * 1024 * 1024
#: Where a streamed response's items are (paths inside a page): read one at a time.
_ITEMS = frozenset({("data",), ("media", "data"), ("business_discovery", "media", "data")})
#: The objects walked into to reach them.
_DESCEND = frozenset({(), ("media",), ("business_discovery",), ("business_discovery", "media")})
#: Keys of a page or user object its items depend on: one after them means a second reading.
_LATE_KEYS = (OBSERVED_AT_KEY, "username", "id")
#: A media's account_id until its account is known: this, then its owner's id (if any).
_UNNAMED = "\0"
#: The count columns a media's row holds.
_COLUMNS = tuple(dict.fromkeys(("likes", "comments", *METRICS.values())))
_IG_TIMESTAMP = re.compile(rb'"timestamp":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000"')
_MAX_MEMBERS = 200
#: Fields only a Threads API response has (the same Graph shapes otherwise): not ours.
_THREADS = re.compile(
    rb'"media_product_type":"THREADS"|"media_type":"(?:TEXT_POST|REPOST_FACADE)"'
    rb'|"is_quote_post":|"threads_biography"|"permalink":"https://(?:www\.)?threads\.(?:net|com)/'
    rb'|"id":"\d+/insights/(?:replies|reposts|quotes|followers_count)/'
    rb'|"name":"(?:followers_count|reposts|quotes)"'
)


def signature(head: bytes) -> float:
    """How surely whitespace-free first bytes are an Instagram Graph API response."""
    if _THREADS.search(head):
        return 0.0
    if b'"business_discovery"' in head or b'"follower_demographics"' in head:
        return 0.95
    if _MEDIA_TYPE.search(head) or b'"media_product_type"' in head:
        return 0.95
    if _MEDIA_INSIGHT_ID.search(head):
        return 0.9
    if b'"followers_count"' in head and b'"media_count"' in head:
        return 0.9
    if _IG_TIMESTAMP.search(head) and (b'"like_count"' in head or b'"comments_count"' in head):
        return 0.85
    if b'"permalink":"https://www.instagram.com/' in head:
        return 0.85
    return 0.0


@dataclass
class _Unnamed:
    """The first media of an owner whose username the media does not give."""

    owner: str | None
    where: str
    record: int | str


@dataclass
class _User:
    user_id: str | None
    username: str | None
    name: str | None
    followers: int | None
    observed_at: datetime


def _metric_value(metric: dict[str, Any], where: str, record: int | str) -> int | None:
    """The number of a metric in either form: ``values[0].value`` or ``total_value.value``."""
    values = metric.get("values")
    if isinstance(values, list) and values and isinstance(values[0], dict):
        raw = values[-1].get("value")
    elif isinstance(metric.get("total_value"), dict):
        raw = metric["total_value"].get("value")
    else:
        raise FormatError(
            where, f"metric {metric.get('name')!r}: expected 'values' or 'total_value'", record
        )
    try:
        return plugin.parse_count(raw)
    except ValueError as exc:
        raise FormatError(
            where, f"metric {metric.get('name')!r}: expected a count, got {raw!r}", record
        ) from exc


def _user_name(user: dict[str, Any]) -> str | None:
    """How a user object's media name their account: its username, else its id."""
    username = user.get("username")
    username = username.lower() if isinstance(username, str) and username else None
    user_id = str(user["id"]) if user.get("id") is not None else None
    return username or user_id


def _is_metric(item: dict[str, Any]) -> bool:
    return "name" in item and ("values" in item or "total_value" in item)


class InstagramGraphImporter(Importer):
    """Posts with counts, accounts, follower counts and follower ages from the Graph API."""

    name = "instagram-graph"
    network = NETWORK_NAME
    description = (
        "Instagram Graph API responses saved as JSON: media (with insights), media insights, "
        "user objects, business_discovery, follower_demographics"
    )

    def detect(self, source: Source) -> float:
        names = [n for n in source.names() if n.lower().endswith(".json")]
        if not names or len(names) > _MAX_MEMBERS or len(names) < len(source.names()):
            return 0.0  # a folder holding other files too: the ingest walks in
        lowest = 1.0
        for n in names:
            score = signature(squashed_head(source, n))
            if score == 0.0:
                return 0.0  # a file we do not know: for a folder, let its files be seen one by one
            lowest = min(lowest, score)
        return lowest

    def read(self, source: Source, ctx: ReadContext) -> Batch:
        reader = _Reader(source, ctx)
        names = [n for n in source.names() if n.lower().endswith(".json")]
        if not names:
            raise FormatError(source.display(), "expected Graph API responses as .json files")
        for name in names:
            reader.take(name)
        return reader.batch()


class _Reader:
    def __init__(self, source: Source, ctx: ReadContext) -> None:
        self.source = source
        self.ctx = ctx
        self.media: set[str] = set()
        self.posts = Rows("posts")
        #: counts a media's later copies add (inline insights), by media id
        self.extra: dict[str, dict[str, int]] = {}
        self.unnamed: dict[str, _Unnamed] = {}
        #: each account (or unnamed owner) in the order its first media came, and its handle
        self.handles: dict[str, str | None] = {}
        self.insights: dict[str, tuple[str, dict[str, int], datetime]] = {}
        self.users: list[_User] = []
        self.ages: list[tuple[str | None, dict[str, int], datetime, str]] = []

    # -- reading files ---------------------------------------------------------------------

    def take(self, name: str) -> None:
        where = self.source.display(name)
        if JsonStream.larger(self.source, name, STREAM_OVER):
            self._stream(name, where)
            return
        doc = load_json(self.source, name)
        observed = plugin.observed_at(self.source, name, doc)
        docs = doc if isinstance(doc, list) else [doc]  # a list of saved pages
        for page in docs:
            if not isinstance(page, dict):
                raise FormatError(where, "expected a Graph API response object")
            self._page(page, where, observed)

    def _stream(self, name: str, where: str) -> None:
        """A response file read item by item (twice when a value its items depend on comes
        after them)."""
        state = self._state()
        doc, late = self._stream_pass(name, where, None)
        if late:
            self._restore(state)
            doc, _ = self._stream_pass(name, where, doc)
        # as a whole read: a page's own time, the file's for an array of pages
        observed = plugin.observed_at(self.source, name, doc)
        for page in doc if isinstance(doc, list) else [doc]:
            if not isinstance(page, dict):
                raise FormatError(where, "expected a Graph API response object")
            self._page(page, where, observed)

    def _stream_pass(self, name: str, where: str, known: Any) -> tuple[Any, bool]:
        """One reading of a file: the document without its items, and whether a value the
        items depend on came after them (``known``: the document of a first reading)."""
        first_keys: dict[tuple[str | int, ...], set[str]] = {}  # an item's holders' keys

        def route(path: tuple[str | int, ...]) -> str:
            top = 1 if path and isinstance(path[0], int) else 0
            inner = path[top:]
            if inner in _DESCEND:
                return JsonStream.DESCEND
            return JsonStream.ITEMS if inner in _ITEMS else JsonStream.KEEP

        def at(path: tuple[str | int, ...]) -> Any:
            obj = known
            for part in path:
                obj = obj[part]
            return obj

        def item(path: tuple[str | int, ...], i: int, value: Any) -> None:
            top = path[:1] if isinstance(path[0], int) else ()
            edge = path[-2:-1] == ("media",)
            holder = path[:-2] if edge else path[:-1]  # the page, or a user object in it
            if known is not None:
                page, owner = at(top), at(holder)
            else:
                page = stream.parents[len(top)]
                owner = stream.parents[-2] if edge else stream.parents[-1]
                first_keys.setdefault(top, set(page))
                first_keys.setdefault(holder, set(owner))
            observed = plugin.observed_at(self.source, name, None if top else page)
            if not edge:
                self._item(value, where, i, observed)
            elif not isinstance(value, dict):
                raise FormatError(where, "expected a media object in media.data", i)
            else:
                self._media(value, where, i, observed, _user_name(owner))

        with self.source.stream(name) as fh:
            stream = JsonStream(fh, where)
            found = stream.walk(route, item, item_limit=MAX_ITEM_CHARS, value_limit=MAX_VALUE_CHARS)
        late = False
        for path, keys in first_keys.items():
            obj = found
            for part in path:
                obj = obj[part]
            late = late or any(k in obj and k not in keys for k in _LATE_KEYS)
        return found, late

    def _state(self) -> dict[str, Any]:
        """What reading a file changes, to come back to (the posts' frames are shared)."""
        return {
            "media": set(self.media),
            "posts": self.posts.copy(),
            "extra": {k: dict(v) for k, v in self.extra.items()},
            "unnamed": dict(self.unnamed),
            "handles": dict(self.handles),
            "insights": {k: (w, dict(c), t) for k, (w, c, t) in self.insights.items()},
            "users": list(self.users),
            "ages": list(self.ages),
        }

    def _restore(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def _page(self, page: dict[str, Any], where: str, observed: datetime) -> None:
        if isinstance(page.get("business_discovery"), dict):
            self._user(page["business_discovery"], where, observed)
        elif isinstance(page.get("data"), JsonStream.Streamed):
            pass  # its items were read as they came
        elif isinstance(page.get("data"), list):
            for i, item in enumerate(page["data"]):
                self._item(item, where, i, observed)
        elif "username" in page or "followers_count" in page:
            self._user(page, where, observed)
        elif "timestamp" in page or "media_type" in page:
            self._media(page, where, page.get("id", 0), observed, None)
        elif "error" in page:
            raise FormatError(where, f"is a Graph API error response: {page['error']!r}")
        else:
            raise FormatError(
                where,
                "expected a Graph API response (a 'data' list, a user object or "
                f"business_discovery), found keys {sorted(page)[:6]}",
            )

    def _item(self, item: Any, where: str, i: int, observed: datetime) -> None:
        if not isinstance(item, dict):
            raise FormatError(where, "expected an object in 'data'", i)
        if _is_metric(item):
            self._metric(item, where, i, observed)
        elif "timestamp" in item or "media_type" in item:
            self._media(item, where, i, observed, None)
        else:
            raise FormatError(
                where,
                "expected a media object (id, timestamp, media_type) or an insights metric "
                "(name, period, values)",
                i,
            )

    def _user(self, data: dict[str, Any], where: str, observed: datetime) -> None:
        try:
            followers = plugin.parse_count(data.get("followers_count"))
        except ValueError as exc:
            raise FormatError(
                where, f"followers_count: expected a count, got {data.get('followers_count')!r}"
            ) from exc
        username = data.get("username")
        username = username.lower() if isinstance(username, str) and username else None
        user_id = str(data["id"]) if data.get("id") is not None else None
        self.users.append(_User(user_id, username, data.get("name"), followers, observed))
        edge = data.get("media")
        if isinstance(edge, dict) and isinstance(edge.get("data"), list):
            for i, item in enumerate(edge["data"]):
                if not isinstance(item, dict):
                    raise FormatError(where, "expected a media object in media.data", i)
                self._media(item, where, i, observed, username or user_id)

    def _media(
        self, item: dict[str, Any], where: str, i: int | str, observed: datetime, user: str | None
    ) -> None:
        mid = item.get("id")
        if mid is None or str(mid).strip() == "":
            raise FormatError(where, "expected a media 'id'", i)
        mid = str(mid)
        counts: dict[str, int] = {}
        insights = item.get("insights")
        if isinstance(insights, dict) and isinstance(insights.get("data"), list):
            for metric in insights["data"]:
                if isinstance(metric, dict) and _is_metric(metric):
                    self._count(counts, metric, where, mid)
        if mid in self.media:  # the same media in two saved pages: keep the first, add
            extra = self.extra.setdefault(mid, {})  # what the second knows
            for column, n in counts.items():
                extra.setdefault(column, n)
            return
        self.media.add(mid)
        self.posts.add(self._post(mid, item, where, observed, user, counts))

    def _count(
        self, counts: dict[str, int], metric: dict[str, Any], where: str, record: int | str
    ) -> None:
        column = METRICS.get(str(metric.get("name")))
        if column is None:
            return  # total_interactions, navigation, ...: not a count of ours
        n = _metric_value(metric, where, record)
        if n is not None:
            counts.setdefault(column, n)

    def _metric(self, metric: dict[str, Any], where: str, i: int, observed: datetime) -> None:
        name = metric.get("name")
        owner = str(metric.get("id", "")).split("/insights/")[0] or None
        if name == "follower_demographics":
            self.ages.append((owner, self._age_values(metric, where, i), observed, where))
            return
        if metric.get("period", "lifetime") != "lifetime":
            return  # account-level metrics (period day, week...) are not media counts
        if name not in METRICS:
            return
        if owner is None:
            raise FormatError(
                where, "expected the metric 'id' \"{media_id}/insights/{metric}/lifetime\"", i
            )
        _, counts, seen = self.insights.get(owner, (where, {}, observed))
        self._count(counts, metric, where, i)
        self.insights[owner] = (where, counts, max(seen, observed))

    def _age_values(self, metric: dict[str, Any], where: str, i: int) -> dict[str, int]:
        """follower_demographics (breakdown=age): followers per age band."""
        total = metric.get("total_value")
        breakdowns = total.get("breakdowns") if isinstance(total, dict) else None
        if not isinstance(breakdowns, list) or not breakdowns:
            raise FormatError(where, "follower_demographics: expected total_value.breakdowns", i)
        by_age: dict[str, int] = {}
        for b in breakdowns:
            keys = b.get("dimension_keys") or ["age"]
            if "age" not in keys:
                continue
            pos = keys.index("age")
            for r in b.get("results") or []:
                dims = r.get("dimension_values") or []
                try:
                    band, n = str(dims[pos]), plugin.parse_count(r.get("value"))
                except (IndexError, ValueError) as exc:
                    raise FormatError(
                        where,
                        f"follower_demographics: expected {{dimension_values, value}}, got {r!r}",
                        i,
                    ) from exc
                by_age[band] = by_age.get(band, 0) + (n or 0)
        return by_age

    # -- building frames -------------------------------------------------------------------

    def _account_for(self, username: str | None, owner: str | None) -> str | None:
        if username:
            return username.lower()
        named = [u for u in self.users if u.username]
        if owner is not None:
            for u in named:
                if u.user_id == owner:
                    return u.username
            return account_option(self.ctx) or owner
        if len({u.username for u in named}) == 1:
            return named[0].username
        return account_option(self.ctx)

    def _post(
        self,
        mid: str,
        d: dict[str, Any],
        where: str,
        observed: datetime,
        user: str | None,
        inline: dict[str, int],
    ) -> dict[str, Any]:
        """A media's row; its account, when the media gives no username, a marker named
        once the whole source is read (by the user objects, or ``--account``)."""
        owner = d.get("owner", {}).get("id") if isinstance(d.get("owner"), dict) else None
        username = d.get("username") if isinstance(d.get("username"), str) else user
        if username:
            account = username.lower()
        else:
            owner_id = str(owner) if owner is not None else None
            account = _UNNAMED + (owner_id or "")
            self.unnamed.setdefault(account, _Unnamed(owner_id, where, mid))
        self.handles.setdefault(account, username)
        raw_ts = d.get("timestamp")
        try:
            posted = parse_iso(str(raw_ts), self.ctx.timezone)
        except ValueError as exc:
            raise FormatError(
                where, f"timestamp: expected an ISO 8601 time, got {raw_ts!r}", mid
            ) from exc
        product = str(d.get("media_product_type") or "").upper()
        kind = _KIND_BY_PRODUCT.get(product) or _KIND_BY_TYPE.get(
            str(d.get("media_type") or "").upper(), "other"
        )
        counts: dict[str, int | None] = {}
        for field_name, column in (("like_count", "likes"), ("comments_count", "comments")):
            try:
                counts[column] = plugin.parse_count(d.get(field_name))
            except ValueError as exc:
                raise FormatError(
                    where, f"{field_name}: expected a count, got {d.get(field_name)!r}", mid
                ) from exc
        for column, n in inline.items():
            if counts.get(column) is None:
                counts[column] = n
        caption = d.get("caption")
        return {
            "network": NETWORK_NAME,
            "post_id": mid,
            "account_id": account,
            "posted_at": posted,
            "kind": kind,
            "is_own": True,
            "text": caption if isinstance(caption, str) and caption else None,
            "url": d.get("permalink") if isinstance(d.get("permalink"), str) else None,
            "observed_at": observed,
            **{c: counts.get(c) for c in _COLUMNS},
        }

    def _posts(self) -> pl.DataFrame:
        """The media's rows, their accounts named, the counts their later copies and their
        insights saved apart add (where a row has none), by time then id."""
        posts = self.posts.frame(order=("posted_at", "post_id"))
        named: dict[str, str] = {}
        for marker, m in self.unnamed.items():
            account = self._account_for(None, m.owner)
            if account is None:
                raise FormatError(
                    m.where,
                    "the media names no account (no username, owner or user object): "
                    f"pass {option('account', 'USERNAME')}",
                    m.record,
                )
            named[marker] = account
        if named:
            posts = posts.with_columns(
                pl.col("account_id").replace(list(named), list(named.values()))
            )
        later = {mid: (self.extra.get(mid, {}), self.insights.get(mid)) for mid in self.extra}
        later.update((mid, ({}, ins)) for mid, ins in self.insights.items() if mid not in later)
        if later:
            added = pl.DataFrame(
                {
                    "post_id": list(later),
                    "_seen": [ins[2] if ins else None for _, ins in later.values()],
                    **{
                        f"_{c}": [
                            extra.get(c, ins[1].get(c) if ins else None)
                            for extra, ins in later.values()
                        ]
                        for c in _COLUMNS
                    },
                },
                schema={
                    "post_id": pl.Utf8,
                    "_seen": pl.Datetime("us", "UTC"),
                    **{f"_{c}": pl.Int64 for c in _COLUMNS},
                },
            )
            joined = posts.join(added, on="post_id", how="left", maintain_order="left")
            posts = joined.with_columns(
                *(pl.coalesce(c, f"_{c}").alias(c) for c in _COLUMNS),
                observed_at=pl.max_horizontal("observed_at", "_seen"),
            ).select(posts.columns)
        return posts.with_columns(
            hashtags=plugin.hashtags_expr("text"), mentions=plugin.mentions_expr("text")
        )

    def batch(self) -> Batch:
        for mid, (where, _, _) in self.insights.items():
            if mid not in self.media:
                raise FormatError(
                    where,
                    f"media insights for media {mid} but no media object (timestamp, media_type) "
                    "in this source: import them together with the media list (one folder), or "
                    "fetch fields=...,insights.metric(...)",
                )
        posts = self._posts() if len(self.posts) else None
        accounts: dict[str, dict[str, Any]] = {}
        for key, handle in self.handles.items():
            account = (
                self._account_for(None, self.unnamed[key].owner) if key in self.unnamed else key
            )
            if account is not None:
                accounts.setdefault(account, {"handle": handle, "display_name": None})
        batch = Batch()
        snapshots: list[dict[str, Any]] = []
        hints: dict[str, str] = {}
        for u in self.users:
            account = self._account_for(u.username, u.user_id)
            if account is None:
                continue
            accounts[account] = {
                "handle": u.username or accounts.get(account, {}).get("handle"),
                "display_name": u.name,
            }
            if u.name:
                hints[account] = u.name
            if u.followers is not None:
                snapshots.append(
                    {
                        "network": NETWORK_NAME,
                        "account_id": account,
                        "observed_at": u.observed_at,
                        "followers": u.followers,
                    }
                )
        ages = self._age_rows()
        for row in ages:
            accounts.setdefault(row["account_id"], {"handle": None, "display_name": None})
        chosen = account_option(self.ctx)
        # accounts the responses name by username must be the --account given, if one was
        check_named(
            self.ctx,
            self.source.display(),
            [(a, v["handle"]) for a, v in accounts.items() if v.get("handle")],
        )
        if chosen in accounts and accounts[chosen]["handle"] is None:
            accounts[chosen]["handle"] = chosen  # --account is a username
        batch.accounts = plugin.frame(
            "accounts",
            [{"network": NETWORK_NAME, "account_id": a, **v} for a, v in sorted(accounts.items())],
        )
        batch.posts = posts
        if snapshots:
            batch.follower_snapshots = plugin.frame("follower_snapshots", snapshots).unique(
                subset=["account_id", "observed_at"], keep="last", maintain_order=True
            )
        if ages:
            batch.audience_age = plugin.frame("audience_age", ages)
        batch.museum_hints = hints
        return batch

    def _age_rows(self) -> list[dict[str, Any]]:
        rows = []
        for owner, by_age, observed, where in self.ages:
            account = self._account_for(None, owner)
            if account is None:
                raise FormatError(
                    where,
                    f"follower_demographics names no account: pass {option('account', 'USERNAME')}",
                )
            total = sum(by_age.values())
            if total <= 0:
                continue
            for band, n in sorted(by_age.items()):
                lo, hi = _band_bounds(band, where)
                rows.append(
                    {
                        "network": NETWORK_NAME,
                        "account_id": account,
                        "observed_at": observed,
                        "age_band": f"{lo}-{hi}" if hi else f"{lo}+",
                        "age_min": lo,
                        "age_max": hi,
                        "share": n / total,
                        "basis": "followers",
                    }
                )
        return rows


def _band_bounds(band: str, where: str) -> tuple[int, int | None]:
    m = re.fullmatch(r"\s*(\d{1,3})\s*(?:-\s*(\d{1,3})|\+)\s*", band)
    if m is None:
        raise FormatError(
            where,
            f"follower_demographics: expected an age band like '18-24' or '65+', got {band!r}",
        )
    return int(m[1]), int(m[2]) if m[2] else None
