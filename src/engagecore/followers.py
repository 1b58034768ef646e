"""Followers as of each post, from the follower snapshots (docs/scoring.md §1.2).

A post's followers are the latest snapshot of its account at or before ``posted_at``; a post
older than every snapshot takes the first one after it (the documented fallback, flagged).
The store keeps the result on each post (``posts.followers_at_post`` and
``posts.followers_fallback``, refreshed by every ingest run for the accounts it touched), so
that scoring reads a column instead of joining ten million posts to the snapshots each time;
frames scored outside a store get the same columns from :func:`posts_with_followers_sql`.

The lookup: each snapshot's validity segment (from it until the next snapshot; the first one
also backwards, the last one forwards) is listed once per ~month bucket it overlaps, within
the posts' time span, so that a post finds its segment through an equality join on
(network, account, bucket) plus a range check — exact as-of semantics at the cost of one hash
join, cheaper than an ASOF join's sort or a per-post search.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING

import polars as pl

from engagecore.errors import UsageError

if TYPE_CHECKING:
    from engagecore.store import Store

#: Width of the time buckets in microseconds (about a month).
BUCKET_US = 2_629_746_000_000

_FAR = 4_611_686_018_427_387_904  # 2**62: beyond any timestamp's epoch microseconds


def segments_sql(snapshots: str, posts: str) -> str:
    """A query of the snapshots' validity segments by bucket.

    ``snapshots`` and ``posts`` are table names or parenthesized subqueries with the store's
    columns. Columns: network, account_id, f (followers), t0 ≤ t < t1 (epoch µs; the first
    segment starts at −∞, the last ends at +∞), t_first (the account's first snapshot), m
    (the bucket).
    """
    b = BUCKET_US
    return f"""
WITH s0 AS (
    SELECT network, account_id, epoch_us(observed_at) AS t, followers AS f FROM {snapshots}
),
s AS (
    SELECT network, account_id, f,
           CASE WHEN row_number() OVER w = 1 THEN -{_FAR} ELSE t END AS t0,
           coalesce(lead(t) OVER w, {_FAR}) AS t1,
           min(t) OVER (PARTITION BY network, account_id) AS t_first
    FROM s0 WINDOW w AS (PARTITION BY network, account_id ORDER BY t)
),
span AS (
    SELECT epoch_us(min(posted_at)) // {b} AS lo, epoch_us(max(posted_at)) // {b} AS hi
    FROM {posts}
)
SELECT s.network, s.account_id, s.f, s.t0, s.t1, s.t_first,
       unnest(range(greatest(s.t0 // {b}, span.lo), least(s.t1 // {b}, span.hi) + 1)) AS m
FROM s, span"""


def segment_match(post: str, seg: str) -> str:
    """The join condition of a post (alias ``post``) with its segment (alias ``seg``)."""
    t = f"epoch_us({post}.posted_at)"
    return (
        f"{seg}.network = {post}.network AND {seg}.account_id = {post}.account_id "
        f"AND {seg}.m = {t} // {BUCKET_US} AND {t} >= {seg}.t0 AND {t} < {seg}.t1"
    )


def values_sql(post: str, seg: str) -> str:
    """``followers_at_post`` and ``followers_fallback`` of a post matched to its segment."""
    return (
        f"{seg}.f AS followers_at_post, "
        f"epoch_us({post}.posted_at) < {seg}.t_first AS followers_fallback"
    )


def posts_with_followers_sql(posts: str, snapshots: str) -> str:
    """Every row of ``posts`` with ``followers_at_post`` and ``followers_fallback`` added
    (both NULL for an account without snapshots)."""
    return f"""
SELECT p.*, {values_sql("p", "s")}
FROM {posts} p LEFT JOIN ({segments_sql(snapshots, posts)}) s ON {segment_match("p", "s")}"""


def _of_accounts(table: str, accounts: str | None, imports: tuple[int, int] | None = None) -> str:
    """``table`` restricted to the rows of ``accounts`` (a table of network, account_id;
    None: every row), and to the rows of ``imports`` (an inclusive range of import ids)."""
    if accounts is None and imports is None:
        return table
    if accounts is None:
        return f"(SELECT k.* FROM {table} k WHERE true{_of_imports('k', imports)})"
    return (
        f"(SELECT k.* FROM {table} k SEMI JOIN {accounts} t "
        f"ON t.network = k.network AND t.account_id = k.account_id{_of_imports('k', imports)})"
    )


def _of_imports(alias: str, imports: tuple[int, int] | None) -> str:
    """A condition keeping the rows of ``alias`` whose ``import_id`` is in ``imports``."""
    if imports is None:
        return ""
    lo, hi = (int(i) for i in imports)  # numbers, never text, in the SQL
    return f" AND {alias}.import_id BETWEEN {lo} AND {hi}"


def refresh_sql(
    accounts: str | None, *, changed_only: bool = False, imports: tuple[int, int] | None = None
) -> str:
    """An ``UPDATE`` of the store's posts of ``accounts`` (a table of network, account_id;
    None: every account) setting their followers as of each post (``changed_only``: of the
    posts whose values differ; ``imports``: of the posts whose ``import_id`` is in that
    inclusive range)."""
    snaps = _of_accounts("follower_snapshots", accounts)
    posts = _of_accounts("posts", accounts, imports)
    fallback = "epoch_us(posts.posted_at) < s.t_first"
    changed = (
        f" AND (posts.followers_at_post IS DISTINCT FROM s.f "
        f"OR posts.followers_fallback IS DISTINCT FROM ({fallback}))"
        if changed_only
        else ""
    )
    return f"""
UPDATE posts SET followers_at_post = s.f,
                 followers_fallback = {fallback}
FROM ({segments_sql(snaps, posts)}) s
WHERE {segment_match("posts", "s")}{changed}{_of_imports("posts", imports)}"""


def account_keys_sql(accounts: str | None, imports: tuple[int, int] | None = None) -> str:
    """An ``UPDATE`` giving the store's posts of ``accounts`` (None: every account; ``imports``:
    of those imports only) their account's ``account_key`` where they lack it or it differs."""
    return (
        f"UPDATE posts SET account_key = a.account_key FROM {_of_accounts('accounts', accounts)} a "
        "WHERE a.network = posts.network AND a.account_id = posts.account_id "
        f"AND posts.account_key IS DISTINCT FROM a.account_key{_of_imports('posts', imports)}"
    )


# -- snapshots recorded by hand (`engage followers add`) --------------------------------------

#: The ``imports.importer`` of a snapshot recorded by hand (plugin ``engagecore``).
MANUAL_IMPORTER = "followers-add"


@dataclass(frozen=True)
class ManualSnapshot:
    """What :func:`add_snapshot` recorded."""

    network: str
    account_id: str
    handle: str | None
    museum: str | None
    observed_at: datetime
    followers: int
    replaced: int | None  # the figure a snapshot at the same time held before, if any
    import_id: int


def parse_count(value: int | str, *, what: str = "followers") -> int:
    """A non-negative whole number; "12,500", "12 500" and "12_500" are read as 12500."""
    if isinstance(value, bool):
        raise UsageError(f"{what} {value!r}: expected a whole number such as 12500")
    if isinstance(value, int):
        n = value
    else:
        text = re.sub(r"[\s,_\u202f\u00a0]", "", str(value))
        if not re.fullmatch(r"[+-]?\d+", text):
            raise UsageError(f"{what} {value!r}: expected a whole number such as 12500")
        n = int(text)
    if n < 0:
        raise UsageError(f"{what} {value!r}: expected a number ≥ 0")
    return n


def parse_when(value: date | datetime | str | None, *, what: str = "date") -> datetime:
    """The snapshot time: a date (its 00:00 UTC), a datetime (naive: UTC), an ISO string, or
    None for now; never in the future."""
    now = datetime.now(UTC)
    if value is None:
        return now.replace(microsecond=0)
    if isinstance(value, str):
        try:
            value = (
                date.fromisoformat(value)
                if len(value.strip()) <= 10
                else datetime.fromisoformat(value)
            )
        except ValueError:
            raise UsageError(f"{what} {value!r}: expected a date such as 2025-03-31") from None
    if isinstance(value, datetime):
        when = value if value.tzinfo else value.replace(tzinfo=UTC)
    else:
        when = datetime.combine(value, time(0), tzinfo=UTC)
    if when > now:
        raise UsageError(
            f"{what} {when.date().isoformat()} is in the future; a snapshot records a count "
            "already seen"
        )
    return when.astimezone(UTC)


def find_account(store: Store, network: str, handle: str) -> tuple[str, str | None, str | None]:
    """The (account_id, handle, museum) of the account ``handle`` (a handle, '@' ignored, or
    an account id) of ``network``: an account whose posts the store holds."""
    key = handle.strip().lstrip("@")
    rows = store.fetchall(
        "SELECT a.account_id, a.handle, a.museum, "
        "EXISTS (SELECT 1 FROM posts p WHERE p.network = a.network "
        "AND p.account_id = a.account_id) "
        "OR EXISTS (SELECT 1 FROM follower_snapshots s WHERE s.network = a.network "
        "AND s.account_id = a.account_id) AS has_data "
        "FROM accounts a WHERE a.network = ? AND (lower(a.handle) = lower(?) OR a.account_id = ?) "
        "ORDER BY a.account_id",
        [network, key, key],
    )
    real = [r for r in rows if r[3]]
    if len(real) > 1:
        names = ", ".join(f"{r[1] or '?'} (id {r[0]})" for r in real)
        raise UsageError(f"{network} account {handle!r} matches {names}; give the account id")
    if real:
        return real[0][0], real[0][1], real[0][2]
    if rows:
        raise UsageError(
            f"{network} account {handle!r} has no posts in the store yet: import its export "
            "first (`engage ingest`), so that its followers are recorded under the account id "
            "the import gives it"
        )
    raise UsageError(
        f"no {network} account {handle!r} in the store; import its posts first "
        '(`engage ingest`); see the accounts with `engage query "SELECT * FROM accounts"`'
    )


def add_snapshot(
    store: Store,
    network: str,
    handle: str,
    followers: int | str,
    when: date | datetime | str | None = None,
    *,
    plugin_version: str = "",
) -> ManualSnapshot:
    """Record ``followers`` for an account of ``network`` at ``when`` (default now), by hand.

    One transaction: an ``imports`` row (plugin ``engagecore``, importer ``followers-add``,
    path the command it stands for) for provenance, the snapshot (replacing a snapshot of
    the same account at the same time), and the refresh of the account's posts'
    ``followers_at_post``, so that scores use it at once.
    """
    n = parse_count(followers)
    at = parse_when(when)
    account_id, acc_handle, museum = find_account(store, network, handle)
    command = f"engage followers add {network} {account_id} {n} --date {at.isoformat()}"
    digest = hashlib.sha256(command.encode()).hexdigest()
    with store.transaction():
        before = store.fetchall(
            "SELECT followers FROM follower_snapshots WHERE network = ? AND account_id = ? "
            "AND observed_at = ?",
            [network, account_id, at],
        )
        import_id = store.next_import_id()
        store.record_import(
            import_id=import_id,
            plugin="engagecore",
            plugin_version=plugin_version,
            importer=MANUAL_IMPORTER,
            network=network,
            path=command,
            sha256=digest,
            rows=1,
        )
        store.con.execute(
            "DELETE FROM follower_snapshots WHERE network = ? AND account_id = ? "
            "AND observed_at = ?",
            [network, account_id, at],
        )
        store.con.execute(
            "INSERT INTO follower_snapshots VALUES (?, ?, ?, ?, ?)",
            [network, account_id, at, n, import_id],
        )
        store.refresh_followers(pl.DataFrame({"network": [network], "account_id": [account_id]}))
    return ManualSnapshot(
        network=network,
        account_id=account_id,
        handle=acc_handle,
        museum=museum,
        observed_at=at,
        followers=n,
        replaced=int(before[0][0]) if before else None,
        import_id=import_id,
    )


def snapshots(
    store: Store, *, network: str | None = None, museum: str | None = None
) -> pl.DataFrame:
    """Every follower snapshot, newest first per account, with its account, museum and
    source (the importer that recorded it; ``followers-add`` for one recorded by hand)."""
    where, params = [], []
    if network is not None:
        where.append("s.network = ?")
        params.append(network)
    if museum is not None:
        where.append("a.museum = ?")
        params.append(museum)
    cond = f"WHERE {' AND '.join(where)}" if where else ""
    return store.frame(
        f"""
        SELECT s.network, a.museum, coalesce(a.handle, s.account_id) AS account,
               s.account_id, s.observed_at, s.followers, i.importer AS source
        FROM follower_snapshots s
        LEFT JOIN accounts a ON a.network = s.network AND a.account_id = s.account_id
        LEFT JOIN imports i ON i.import_id = s.import_id
        {cond}
        ORDER BY a.museum NULLS LAST, s.network, account, s.observed_at DESC
        """,
        params or None,
    )
