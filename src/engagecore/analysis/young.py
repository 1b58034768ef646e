"""Young reach over time: young share and young reach per museum × network × period
(docs/analyses.md, "Young reach over time").

Read off the score frame (:func:`engagecore.scoring.score`, docs/scoring.md §4), never
re-derived: the figures are those ``engage score`` reports for the same periods, measured
(owned audience-age data) and estimated (the network's prior, adjusted to the museums that
measure where there are enough: docs/scoring.md §4.1) marked apart in ``young_basis``.
"""

from __future__ import annotations

import polars as pl

#: The columns of :func:`young_over_time`, in order.
YOUNG_COLUMNS: tuple[str, ...] = (
    "museum",
    "network",
    "period",
    "young_basis",
    "young_share",
    "young_share_low",
    "young_share_high",
    "young_reach",
    "young_reach_low",
    "young_reach_high",
    "young_index",
    "young_index_museums",
    "audience",
    "followers",
    "posts",
    "typical_young_share",
    "typical_young_share_museums",
    "young_source",
    "linked",
    "period_key",
)


def young_over_time(scores: pl.DataFrame) -> pl.DataFrame:
    """The young-audience columns of a score frame, one row per museum × network × period
    (the composite "all" rows left out: a basis per network is the point).

    ``young_reach_low/high`` are the share's interval times the same audience
    (``young_reach`` = ``young_share`` × ``audience``, rounded to people); rows with no
    young figure (no age data and no prior for the network) are kept with nulls.
    """
    rows = scores.filter(pl.col("network") != "all")
    audience = pl.col("audience")
    return (
        rows.with_columns(
            young_reach_low=(pl.col("young_share_low") * audience).round(0).cast(pl.Int64),
            young_reach_high=(pl.col("young_share_high") * audience).round(0).cast(pl.Int64),
        )
        .select(YOUNG_COLUMNS)
        .sort("museum", "network", "period_key")
    )
