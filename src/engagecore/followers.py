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


def _of_accounts(table: str, accounts: str | None) -> str:
    """``table`` restricted to the rows of ``accounts`` (a table of network, account_id;
    None: every row)."""
    if accounts is None:
        return table
    return (
        f"(SELECT x.* FROM {table} x SEMI JOIN {accounts} t "
        "ON t.network = x.network AND t.account_id = x.account_id)"
    )


def refresh_sql(accounts: str | None) -> str:
    """An ``UPDATE`` of the store's posts of ``accounts`` (a table of network, account_id;
    None: every account) setting their followers as of each post."""
    snaps = _of_accounts("follower_snapshots", accounts)
    posts = _of_accounts("posts", accounts)
    return f"""
UPDATE posts SET followers_at_post = s.f,
                 followers_fallback = epoch_us(posts.posted_at) < s.t_first
FROM ({segments_sql(snaps, posts)}) s
WHERE {segment_match("posts", "s")}"""


def account_keys_sql(accounts: str | None) -> str:
    """An ``UPDATE`` giving the store's posts of ``accounts`` (None: every account) their
    account's ``account_key`` where they lack it or it differs."""
    return (
        f"UPDATE posts SET account_key = a.account_key FROM {_of_accounts('accounts', accounts)} a "
        "WHERE a.network = posts.network AND a.account_id = posts.account_id "
        "AND posts.account_key IS DISTINCT FROM a.account_key"
    )
