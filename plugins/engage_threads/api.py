"""``threads-api``: saved Threads API responses — one JSON file, a JSON array of responses,
or a folder/zip of them (what a fetch leaves on disk).

Understood:

* posts: ``/me/threads`` and ``/{user-id}/threads`` pages (``data`` of media objects:
  ``id``, ``media_type``, ``media_product_type``, ``permalink``, ``timestamp``, ``text``,
  ``username``, ``shortcode``, ``is_quote_post``, ``topic_tag``, ``link_attachment_url``,
  ``owner``; ``paging`` cursors ignored), ``/me/replies`` pages (the account's replies are its
  own posts) and a single media object (``GET /{media-id}``);
* media insights: ``/{media-id}/insights?metric=views,likes,replies,reposts,quotes,shares``
  (``{"data":[{"name","period","values":[{"value"}],"id"}]}``, or a metric's
  ``total_value: {"value": N}``). The media is named by each metric's ``id``
  ``"{media-id}/insights/{metric}/lifetime"`` as the API returns it, else by a top-level
  ``engagecore_media_id``; the counts join the post of that id, which must be in the same
  source (one folder with the pages);
* user insights: ``/me/threads_insights?metric=followers_count,follower_demographics&
  breakdown=age`` → a follower snapshot and the followers' ages (basis followers); the
  account-level daily metrics (``views``, ``likes``… with ``period`` ``day``) are not post
  counts and are skipped;
* the profile: ``/me?fields=id,username,name,threads_biography`` → the account (its name is
  the museum hint).

The account of a post is its ``username`` (lower case: Threads usernames are Instagram's),
else the profile whose id is its ``owner.id``, else the only profile of the source, else
``--account``. Insights name their account by user id: the profile of that id, else
``--account``, else the only username the source's posts name. ``observed_at`` of a file: its
top-level ``engagecore_observed_at`` when present, else its modification time
(:func:`engagecore.plugin.observed_at`); a post's counts are observed when its insights were.

A response file on disk larger than :data:`STREAM_OVER` bytes is read item by item
(:meth:`engagecore.plugin.JsonStream.walk`) and each post becomes its row as it is read,
kept in frames (:class:`engagecore.plugin.Rows`): parsed whole, a 200 MB page cost 10× its
size. When a page's ``engagecore_observed_at`` or ``engagecore_media_id`` comes after its
``data``, the file is read a second time, that value known.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import polars as pl

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
    count_at,
    frame,
    hashtags,
    mentions,
    observed_at,
    option,
    text_at,
)

from .common import (
    ALL_MEDIA_METRICS,
    KINDS,
    MEDIA_ID_FIELD,
    MEDIA_METRICS,
    NETWORK_NAME,
    REPOST,
    account_option,
    age_bounds,
    parse_time,
    signature,
    squashed_head,
    username,
)

#: A folder with more JSON files than this is not one saved fetch: let the ingest walk in.
_MAX_MEMBERS = 20_000
#: A response file larger than this (bytes) is read item by item.
STREAM_OVER = 4 * 1024 * 1024
#: The longest item (characters) a streamed response may hold.
MAX_ITEM_CHARS = 16 * 1024 * 1024
#: The longest other value of a streamed response.
MAX_VALUE_CHARS = 16 * 1024 * 1024
#: A post's account_id until its account is known: this, then its owner's id (if any).
_UNNAMED = "\0"
#: The page keys an item's reading depends on: a later one means reading the file again.
_PAGE_KEYS = (OBSERVED_AT_KEY, MEDIA_ID_FIELD)


@dataclass
class _Unnamed:
    """The first post of an owner whose username the post does not give."""

    owner_id: str | None
    where: str
    record: str


@dataclass
class _Insights:
    where: str
    record: str
    observed_at: datetime
    counts: dict[str, int | None] = field(default_factory=dict)


@dataclass
class _Profile:
    user_id: str | None
    username: str
    name: str | None
    where: str


@dataclass
class _UserMetric:
    owner: str | None
    where: str
    record: str
    observed_at: datetime
    followers: int | None = None
    ages: dict[str, int] | None = None


def _is_metric(item: dict[str, Any]) -> bool:
    return "name" in item and bool({"values", "total_value", "period"} & item.keys())


def _metric_value(metric: dict[str, Any], where: str, record: str) -> int | None:
    """A metric's number in either form: ``values[-1].value`` or ``total_value.value``."""
    name = metric.get("name")
    values = metric.get("values")
    total = metric.get("total_value")
    if isinstance(values, list) and values:
        last = values[-1]
        if not isinstance(last, dict):
            raise FormatError(where, f'metric {name!r}: expected values [{{"value": N}}]', record)
        raw = last.get("value")
    elif isinstance(total, dict):
        raw = total.get("value")
    elif isinstance(values, list):  # values: [] — the metric has no value yet
        return None
    else:
        raise FormatError(
            where, f"metric {name!r}: expected 'values' or 'total_value' {{\"value\": N}}", record
        )
    return count_at(raw, f"metric {name!r}", where, record)


class ThreadsApiImporter(Importer):
    """Posts, their counts, the account, its followers and their ages from the Threads API."""

    name = "threads-api"
    network = NETWORK_NAME
    description = (
        "Threads API responses saved as JSON: /me/threads pages, media insights, "
        "threads_insights (followers_count, follower_demographics by age), the /me profile"
    )

    def detect(self, source: Source) -> float:
        names = source.names()
        json_names = [n for n in names if n.lower().endswith(".json")]
        if not json_names or len(json_names) > _MAX_MEMBERS or len(json_names) < len(names):
            return 0.0  # not only JSON: a folder to walk into, or not ours
        scores = [signature(squashed_head(source, n)) for n in json_names]
        if min(scores) == 0.0 or max(scores) < 0.9:
            # a file we do not know, or nothing that only Threads writes: leave it to the
            # ingest's walk (or to --network threads)
            return 0.0
        return 0.95

    def read(self, source: Source, ctx: ReadContext) -> Batch:
        names = [n for n in source.names() if n.lower().endswith(".json")]
        if not names:
            raise FormatError(source.display(), "expected Threads API responses as .json files")
        reader = _Reader(source, ctx)
        for name in names:
            reader.take(name)
        return reader.batch()


class _Reader:
    def __init__(self, source: Source, ctx: ReadContext) -> None:
        self.source = source
        self.ctx = ctx
        self.media: set[str] = set()
        self.posts = Rows("posts")
        self.unnamed: dict[str, _Unnamed] = {}
        self.insights: dict[str, _Insights] = {}
        self.profiles: list[_Profile] = []
        self.user_metrics: list[_UserMetric] = []
        self.empty_pages = 0

    # -- reading files ---------------------------------------------------------------------

    def take(self, name: str) -> None:
        where = self.source.display(name)
        large = JsonStream.larger(self.source, name, STREAM_OVER)
        if large:
            self._stream(name, where)
            return
        doc = self.source.read_json(name)  # invalid or cut JSON: a FormatError naming the file
        observed = observed_at(self.source, name, doc)
        if isinstance(doc, list):  # an array of saved responses
            for p, page in enumerate(doc, start=1):
                if not isinstance(page, dict):
                    raise FormatError(where, "expected a Threads API response object", f"#{p}")
                self._page(page, where, f"page {p}, ", observed_at(self.source, name, page))
        elif isinstance(doc, dict):
            self._page(doc, where, "", observed)
        else:
            raise FormatError(where, f"expected a Threads API response object, got {doc!r:.40}")

    def _stream(self, name: str, where: str) -> None:
        """A response file read item by item (twice when a key its items depend on comes
        after them)."""
        state = self._state()
        try:
            doc, keys = self._stream_pass(name, where, None)
            pages = doc if isinstance(doc, list) else [doc]
            late = any(
                isinstance(page, dict) and any(k in page and k not in got for k in _PAGE_KEYS)
                for page, got in zip(pages, keys, strict=True)
                if got is not None
            )
        except FormatError:
            # an item refused for want of a key its page may give after it: read the pages
            # alone, then again with them if they do
            self._restore(state)
            state = self._state()
            doc, _ = self._stream_pass(name, where, None, items=False)
            pages = doc if isinstance(doc, list) else [doc]
            if not any(isinstance(page, dict) and set(_PAGE_KEYS) & page.keys() for page in pages):
                raise
            late = True
        if late:
            self._restore(state)
            doc, _ = self._stream_pass(name, where, pages)
        if isinstance(doc, list):
            for p, page in enumerate(doc, start=1):
                if not isinstance(page, dict):
                    raise FormatError(where, "expected a Threads API response object", f"#{p}")
                self._page(page, where, f"page {p}, ", observed_at(self.source, name, page))
        elif isinstance(doc, dict):
            self._page(doc, where, "", observed_at(self.source, name, doc))
        else:
            raise FormatError(where, f"expected a Threads API response object, got {doc!r:.40}")

    def _stream_pass(
        self, name: str, where: str, pages: list[Any] | None, items: bool = True
    ) -> tuple[Any, list[set[str] | None]]:
        """One reading of a file: its pages without their items, and per page the keys it
        had when its first item was read (None: no item; every key without ``items``)."""
        keys: list[set[str] | None] = []
        times: dict[int, datetime] = {}

        def route(path: tuple[str | int, ...]) -> str:
            if path == () or (len(path) == 1 and isinstance(path[0], int)):
                return JsonStream.DESCEND
            return JsonStream.ITEMS if path[-1] == "data" else JsonStream.KEEP

        def item(path: tuple[str | int, ...], j: int, value: Any) -> None:
            p = path[0] if isinstance(path[0], int) else 0
            page = pages[p] if pages is not None else doc.parents[-1]
            if p >= len(keys):
                keys.extend([None] * (p + 1 - len(keys)))
            if keys[p] is None:
                keys[p] = set(doc.parents[-1])
                times[p] = observed_at(self.source, name, page)
            prefix = f"page {p + 1}, " if isinstance(path[0], int) else ""
            self._item(value, page, where, f"{prefix}#{j + 1}", times[p])

        with self.source.stream(name) as fh:
            doc = JsonStream(fh, where)
            found = doc.walk(
                route,
                item if items else None,
                item_limit=MAX_ITEM_CHARS,
                value_limit=MAX_VALUE_CHARS,
            )
        count = len(found) if isinstance(found, list) else 1
        keys.extend([None] * (count - len(keys)))
        return found, keys

    def _state(self) -> dict[str, Any]:
        """What reading a file changes, to come back to (the posts' frames are shared)."""
        return {
            "media": set(self.media),
            "posts": self.posts.copy(),
            "unnamed": dict(self.unnamed),
            "insights": {
                k: _Insights(v.where, v.record, v.observed_at, dict(v.counts))
                for k, v in self.insights.items()
            },
            "profiles": list(self.profiles),
            "user_metrics": list(self.user_metrics),
            "empty_pages": self.empty_pages,
        }

    def _restore(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def _page(self, page: dict[str, Any], where: str, prefix: str, observed: datetime) -> None:
        if "error" in page:
            error = page["error"]
            message = error.get("message") if isinstance(error, dict) else error
            raise FormatError(
                where, f"is a Threads API error response: {message!r}", prefix.rstrip(", ") or None
            )
        data = page.get("data")
        if isinstance(data, JsonStream.Streamed):  # its items were read as they came
            if not data.count:
                self.empty_pages += 1
        elif isinstance(data, list):
            if not data:
                self.empty_pages += 1
            for j, item in enumerate(data, start=1):
                self._item(item, page, where, f"{prefix}#{j}", observed)
        elif "username" in page and not ({"timestamp", "media_type", "text"} & page.keys()):
            self._profile(page, where, prefix)
        elif "timestamp" in page or "media_type" in page:
            self._media(page, where, prefix, observed)
        else:
            raise FormatError(
                where,
                "expected a Threads API response (a 'data' list of posts or insights, a "
                f"profile or a post), found keys {sorted(page)[:6]}",
                prefix.rstrip(", ") or None,
            )

    def _item(
        self, item: Any, page: dict[str, Any], where: str, record: str, observed: datetime
    ) -> None:
        if not isinstance(item, dict):
            raise FormatError(where, "expected an object in 'data'", record)
        if _is_metric(item):
            self._metric(item, page, where, record, observed)
        elif "id" in item and ({"timestamp", "media_type", "permalink", "text"} & item.keys()):
            self._media(item, where, record, observed)
        else:
            raise FormatError(
                where,
                "expected a post (id, timestamp, media_type…) or an insights metric "
                "(name, period, values)",
                record,
            )

    def _profile(self, page: dict[str, Any], where: str, record: str) -> None:
        rec = record.rstrip(", ") or None
        handle = text_at(page.get("username"), "username", where, rec)
        if not handle:
            raise FormatError(where, "expected the profile's 'username'", rec)
        user_id = page.get("id")
        self.profiles.append(
            _Profile(
                str(user_id) if user_id is not None else None,
                username(handle),
                text_at(page.get("name"), "name", where, rec) or None,
                where,
            )
        )

    def _media(self, item: dict[str, Any], where: str, record: str, observed: datetime) -> None:
        mid = item.get("id")
        if mid is None or isinstance(mid, bool | dict | list) or str(mid).strip() == "":
            raise FormatError(where, "expected a post 'id'", record.rstrip(", ") or None)
        mid = str(mid).strip()
        if mid in self.media:  # the same post in two saved pages: the first is kept
            return
        self.media.add(mid)
        record = f"id {mid}"
        raw = text_at(item.get("username"), "username", where, record)
        if raw:
            account = username(raw)
        else:  # named once the whole source is read: by its owner's profile, or else
            owner = item.get("owner")
            owner_id = owner.get("id") if isinstance(owner, dict) else None
            owner_id = str(owner_id) if owner_id is not None else None
            account = _UNNAMED + (owner_id or "")
            self.unnamed.setdefault(account, _Unnamed(owner_id, where, record))
        self.posts.add(self._post(mid, item, where, record, observed, account))

    def _metric(
        self,
        metric: dict[str, Any],
        page: dict[str, Any],
        where: str,
        record: str,
        observed: datetime,
    ) -> None:
        name = metric.get("name")
        metric_id = metric.get("id")
        owner = str(metric_id).split("/insights/")[0] if isinstance(metric_id, str) else None
        if name == "followers_count":
            followers = _metric_value(metric, where, record)
            self.user_metrics.append(
                _UserMetric(owner, where, record, observed, followers=followers)
            )
            return
        if name == "follower_demographics":
            ages = self._ages(metric, where, record)
            if ages:
                self.user_metrics.append(_UserMetric(owner, where, record, observed, ages=ages))
            return
        if metric.get("period", "lifetime") != "lifetime" or name not in ALL_MEDIA_METRICS:
            return  # account-level daily metrics (views, likes, clicks…) are not post counts
        media_id = owner or page.get(MEDIA_ID_FIELD)
        if media_id is None or str(media_id).strip() == "":
            raise FormatError(
                where,
                "media insights name no post: expected each metric's id "
                f"'{{media-id}}/insights/{name}/lifetime' or a top-level {MEDIA_ID_FIELD}",
                record,
            )
        media_id = str(media_id).strip()
        seen = self.insights.get(media_id)
        if seen is None:
            seen = self.insights[media_id] = _Insights(where, record, observed)
        seen.observed_at = max(seen.observed_at, observed)
        column = MEDIA_METRICS.get(str(name))
        value = _metric_value(metric, where, record)
        if column is not None and seen.counts.get(column) is None:
            seen.counts[column] = value

    def _ages(self, metric: dict[str, Any], where: str, record: str) -> dict[str, int]:
        """Followers per age bucket of a follower_demographics metric (breakdown=age); an
        empty dict for another breakdown (country, city, gender)."""
        total = metric.get("total_value")
        breakdowns = total.get("breakdowns") if isinstance(total, dict) else None
        if not isinstance(breakdowns, list):
            raise FormatError(
                where, "follower_demographics: expected total_value.breakdowns", record
            )
        by_age: dict[str, int] = {}
        for b in breakdowns:
            if not isinstance(b, dict):
                raise FormatError(
                    where, "follower_demographics: expected breakdown objects", record
                )
            keys = b.get("dimension_keys") or ["age"]
            if not isinstance(keys, list) or "age" not in keys:
                continue
            pos = keys.index("age")
            results = b.get("results") or []
            if not isinstance(results, list):
                raise FormatError(where, "follower_demographics: expected a results list", record)
            for r in results:
                dims = r.get("dimension_values") if isinstance(r, dict) else None
                if not isinstance(dims, list) or len(dims) <= pos or not isinstance(dims[pos], str):
                    raise FormatError(
                        where,
                        f"follower_demographics: expected {{dimension_values, value}}, got {r!r:.60}",
                        record,
                    )
                band, _, _ = age_bounds(dims[pos], where, record)
                n = count_at(r.get("value"), f"followers aged {band}", where, record)
                by_age[band] = by_age.get(band, 0) + (n or 0)
        return by_age

    # -- building frames -------------------------------------------------------------------

    def _post_username(self, m: _Unnamed) -> str:
        """The account of posts that give no username."""
        if m.owner_id is not None:
            for p in self.profiles:
                if p.user_id == m.owner_id:
                    return p.username
        if len({p.username for p in self.profiles}) == 1:
            return self.profiles[0].username
        given = account_option(self.ctx)
        if given:
            return given
        raise FormatError(
            m.where,
            "the post names no account (no username, and no profile response in this "
            f"source): pass {option('account', 'USERNAME')} or fetch fields=...,username",
            m.record,
        )

    def _owner_username(self, metric: _UserMetric, post_users: set[str]) -> str:
        for p in self.profiles:
            if metric.owner is not None and p.user_id == metric.owner:
                return p.username
        if metric.owner is None and len({p.username for p in self.profiles}) == 1:
            return self.profiles[0].username  # metrics saved without their ids: the profile's
        given = account_option(self.ctx)
        if given:
            return given
        if len(post_users) == 1 and not self.profiles:
            return next(iter(post_users))  # /me/threads and /me/threads_insights: one token
        raise FormatError(
            metric.where,
            f"user insights of Threads user {metric.owner or '?'} name no username: import them "
            "with the profile response (/me?fields=id,username,name) or pass "
            f"{option('account', 'USERNAME')}",
            metric.record,
        )

    @staticmethod
    def _post(
        media_id: str,
        d: dict[str, Any],
        where: str,
        record: str,
        observed: datetime,
        account: str,
    ) -> dict[str, Any]:
        """A post's row, its counts NULL (they come from its insights, if any)."""
        posted = parse_time(d.get("timestamp"), "timestamp", where, record)
        media_type = text_at(d.get("media_type"), "media_type", where, record)
        media_type = (media_type or "").upper()
        kind = KINDS.get(media_type, "other")
        if kind == "text" and text_at(
            d.get("link_attachment_url"), "link_attachment_url", where, record
        ):
            kind = "link"
        text = text_at(d.get("text"), "text", where, record)
        topic = text_at(d.get("topic_tag"), "topic_tag", where, record)
        # Threads gives a post one tag: the topic tag, else the first #tag of the text (the
        # one Threads made the tag; later '#words' stay plain text on Threads).
        tags = [topic.lstrip("#")] if topic else hashtags(text)[:1]
        return {
            "network": NETWORK_NAME,
            "post_id": media_id,
            "account_id": account,
            "posted_at": posted,
            "kind": kind,
            "is_own": media_type != REPOST,
            "text": text or None,
            "hashtags": tags,
            "mentions": mentions(text),
            "url": text_at(d.get("permalink"), "permalink", where, record) or None,
            "observed_at": observed,
        }

    def _with_insights(self, posts: pl.DataFrame) -> pl.DataFrame:
        """Posts with the counts of their insights, observed when those were."""
        if not self.insights or not posts.height:
            return posts
        counts = list(MEDIA_METRICS.values())
        joined = posts.drop(counts).join(
            _insight_rows(self.insights), on="post_id", how="left", maintain_order="left"
        )
        joined = joined.with_columns(observed_at=pl.coalesce("_seen", "observed_at"))
        return joined.select(posts.columns)

    def batch(self) -> Batch:
        for media_id, ins in self.insights.items():
            if media_id not in self.media:
                raise FormatError(
                    ins.where,
                    f"media insights of post {media_id} but no post of that id in this source: "
                    "import them together with the /threads pages (one folder)",
                    ins.record,
                )
        accounts: dict[str, dict[str, Any]] = {}
        # in their order already: sorted a column at a time, not copied whole
        posts = self.posts.frame(key="post_id", keep="first", order=("posted_at", "post_id"))
        named = {marker: self._post_username(m) for marker, m in self.unnamed.items()}
        if named:
            posts = posts.with_columns(
                pl.col("account_id").replace(list(named), list(named.values()))
            )
        for account in posts.get_column("account_id").unique().sort().to_list():
            accounts.setdefault(account, {"handle": account, "display_name": None})
        posts = self._with_insights(posts)
        hints: dict[str, str] = {}
        for p in self.profiles:
            accounts[p.username] = {"handle": p.username, "display_name": p.name}
            if p.name:
                hints[p.username] = p.name
        post_users = set(posts.get_column("account_id").to_list())
        snapshots: list[dict[str, Any]] = []
        ages: list[dict[str, Any]] = []
        for metric in self.user_metrics:
            account = self._owner_username(metric, post_users)
            accounts.setdefault(account, {"handle": account, "display_name": None})
            if metric.followers is not None:
                snapshots.append(
                    {
                        "network": NETWORK_NAME,
                        "account_id": account,
                        "observed_at": metric.observed_at,
                        "followers": metric.followers,
                    }
                )
            if metric.ages:
                ages.extend(_age_rows(account, metric))
        check_named(
            self.ctx, self.source.display(), [(a, v["handle"]) for a, v in accounts.items()]
        )
        batch = Batch(museum_hints=hints)
        if accounts:
            batch.accounts = frame(
                "accounts",
                [
                    {"network": NETWORK_NAME, "account_id": a, **v}
                    for a, v in sorted(accounts.items())
                ],
            )
        if posts.height:
            batch.posts = posts
        if snapshots:
            batch.follower_snapshots = frame("follower_snapshots", snapshots).unique(
                subset=["account_id", "observed_at"], keep="last", maintain_order=True
            )
        if ages:
            batch.audience_age = frame("audience_age", ages).unique(
                subset=["account_id", "observed_at", "age_band"], keep="last", maintain_order=True
            )
        if not (posts.height or snapshots or ages):
            if self.profiles:
                batch.empty_reason = (
                    "a profile response: the account only (its posts are in /threads pages, "
                    "its followers in threads_insights)"
                )
            elif self.empty_pages:
                batch.empty_reason = "a page past the last result"
        return batch


def _insight_rows(insights: dict[str, _Insights]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "post_id": list(insights),
            "_seen": [i.observed_at for i in insights.values()],
            **{
                column: [i.counts.get(column) for i in insights.values()]
                for column in MEDIA_METRICS.values()
            },
        },
        schema={
            "post_id": pl.Utf8,
            "_seen": pl.Datetime("us", "UTC"),
            **dict.fromkeys(MEDIA_METRICS.values(), pl.Int64),
        },
    )


def _age_rows(account: str, metric: _UserMetric) -> list[dict[str, Any]]:
    assert metric.ages is not None
    total = sum(metric.ages.values())
    if total <= 0:
        return []
    rows = []
    for band, n in sorted(
        metric.ages.items(), key=lambda kv: age_bounds(kv[0], metric.where, metric.record)[1]
    ):
        _, lo, hi = age_bounds(band, metric.where, metric.record)
        rows.append(
            {
                "network": NETWORK_NAME,
                "account_id": account,
                "observed_at": metric.observed_at,
                "age_band": band,
                "age_min": lo,
                "age_max": hi,
                "share": n / total,
                "basis": "followers",
            }
        )
    return rows
