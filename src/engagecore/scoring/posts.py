"""``post_metrics``: every own post with its rate, expectation, overperformance and breakout.

The rates and the windowed expectations are computed by DuckDB (see
:func:`rates_sql.post_rates_sql`); the ratios here in polars. Formulas: docs/scoring.md §1.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from engagecore.pluginapi import NetworkSpec
from engagecore.scoring import accrual, periods
from engagecore.scoring.config import ScoringConfig
from engagecore.scoring.inputs import ScoringInputs, is_unlinked
from engagecore.scoring.rates_sql import post_rates_sql

POST_METRIC_COLUMNS: tuple[str, ...] = (
    "museum",
    "network",
    "account_id",
    "post_id",
    "period",
    "posted_at",
    "kind",
    "interactions",
    "followers",
    "followers_source",
    "rate",
    "rate_basis",
    "denominator",
    "rate_followers",
    "rate_reach",
    "rate_views",
    "history",
    "accrued",
    "too_young",
    "expected",
    "overperformance",
    "ct_score",
    "breakout",
    "breakout_threshold",
    "hashtags",
    "text",
    "linked",
    "period_key",
)


def post_metrics(
    inputs: ScoringInputs,
    networks: Mapping[str, NetworkSpec],
    config: ScoringConfig | None = None,
) -> pl.DataFrame:
    """One row per own post (reposts excluded), sorted by museum, network and time.

    ``overperformance`` = rate ÷ expected (NULL without ``min_history`` previous mature posts
    of the same account, kind and basis, or when expected is 0); ``breakout`` is NULL
    likewise. Compared at the same age (docs/scoring.md §1.5): ``accrued`` is F at the post's
    age when read (its network's accrual curve), ``expected`` the mature peers' final rate ×
    ``accrued``; ``too_young`` marks a post read before the maturity age (left out of scores).
    """
    config = config or ScoringConfig()
    tables = inputs.sql()
    curves = accrual.resolve(inputs, networks, config)
    sql = post_rates_sql(dict(networks), config, curves)
    raw = tables.con.sql(tables.with_clause() + sql).pl()
    exp = pl.col("expected")
    rate = pl.col("rate")
    over = pl.when(exp > 0).then(rate / exp)
    return (
        raw.with_columns(
            pl.col("posted_at").cast(pl.Datetime("us", "UTC")),
            pl.col("period_key").cast(pl.Int64),
            pl.col("followers").cast(pl.Int64),
            pl.col("history").cast(pl.Int64),
            pl.col("accrued").cast(pl.Float64),
        )
        .with_columns(
            period=periods.label_expr(config.period, pl.col("period_key")),
            rate_basis=pl.col("basis"),
            # a weighted sum (docs/scoring.md §1.1): whole interactions, as every count
            interactions=pl.col("interactions").round(0).cast(pl.Int64),
            denominator=pl.col("denom").round(0).cast(pl.Int64),
            overperformance=over,
            ct_score=pl.when((exp > 0) & (rate >= exp))
            .then(over)
            .when((exp > 0) & (rate > 0))
            .then(-exp / rate),
            linked=~is_unlinked(pl.col("museum")),
            breakout=pl.when(pl.col("breakout_threshold").is_not_null()).then(
                rate > pl.col("breakout_threshold")
            ),
        )
        .select(POST_METRIC_COLUMNS)
        .sort("museum", "network", "posted_at", "post_id")
    )
