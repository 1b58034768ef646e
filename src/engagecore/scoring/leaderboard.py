"""``leaderboard``: the museums ranked on one figure of their composite ("all") rows.

The one ranking behind the demo's "top museums" and ``engage score --sort … --top N``.
"""

from __future__ import annotations

import polars as pl

from engagecore.errors import UsageError

#: ``--sort`` keys → the score frame column ranked (highest first). ``young`` is the young
#: reach (people), ``young_share`` the share of the audience.
SORTS: dict[str, str] = {
    "score": "engagement_score",
    "rate": "engagement_rate",
    "young": "young_reach",
    "young_reach": "young_reach",
    "young_share": "young_share",
    "followers": "followers",
    "growth": "growth_score",
}

#: ``--sort`` keys whose figure is computed only when asked (``ScoringConfig(growth=True)``,
#: docs/scoring.md §9): ranking by one asks for it.
NEEDS_GROWTH = frozenset({"growth"})

#: The leaderboard's columns, in order.
LEADERBOARD_COLUMNS: tuple[str, ...] = (
    "period",
    "rank",
    "museum",
    "name",
    "linked",
    "engagement_score",
    "engagement_score_low",
    "engagement_score_high",
    "growth_score",
    "growth_score_low",
    "growth_score_high",
    "engagement_rate",
    "engagement_rate_peer",
    "young_share",
    "young_reach",
    "followers",
    "posts",
    "small_sample",
)


def leaderboard(
    scores: pl.DataFrame,
    sort: str = "score",
    top: int | None = 10,
    names: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The composite rows ranked by ``sort`` (a key of :data:`SORTS`), best first, the first
    ``top`` of each period (all when None); rows without that figure are left out. The growth
    score's columns are null unless ``scores`` was computed with growth.

    :param names: ``museum`` → ``name`` (the museum's full name; an unlinked account has none).
    """
    if sort not in SORTS:
        raise UsageError(f"sort {sort!r}: expected one of {', '.join(SORTS)}")
    if top is not None and top < 1:
        raise UsageError(f"top {top}: expected a number of museums ≥ 1")
    column = SORTS[sort]
    rows = scores.filter(pl.col("network") == "all", pl.col(column).is_not_null())
    rows = rows.sort(
        ["period_key", column, "engagement_score", "museum"],
        descending=[False, True, True, False],
        nulls_last=True,
    ).with_columns(rank=pl.int_range(1, pl.len() + 1).over("period_key"))
    if top is not None:
        rows = rows.filter(pl.col("rank") <= top)
    if names is not None and not names.is_empty():
        rows = rows.join(
            names.select("museum", pl.col("name").cast(pl.Utf8)), on="museum", how="left"
        )
    else:
        rows = rows.with_columns(name=pl.lit(None, dtype=pl.Utf8))
    return rows.select(LEADERBOARD_COLUMNS).with_columns(pl.col("rank").cast(pl.Int64))
