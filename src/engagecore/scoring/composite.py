"""The cross-network composite: one row per museum × period with network = "all".

Networks are weighted by the museum's audience on each (Rival IQ weights cross-channel ER by
relative audience sizes), equally, or by user weights (docs/scoring.md §3). Scores, rates and
young shares are weighted means over the networks that have them; counts are sums.
"""

from __future__ import annotations

import polars as pl

from engagecore.scoring import young_eb
from engagecore.scoring.config import ScoringConfig


def _weight(config: ScoringConfig) -> pl.Expr:
    if config.composite_weights is not None:
        mapping = {k: float(v) for k, v in config.composite_weights.items()}
        return pl.col("network").replace_strict(mapping, default=0.0, return_dtype=pl.Float64)
    if config.composite == "equal":
        return pl.lit(1.0)
    return pl.col("audience").fill_null(0.0)


def _wmean(value: str, weight: pl.Expr) -> pl.Expr:
    has = pl.col(value).is_not_null() & (weight > 0)
    total = pl.when(has).then(weight).sum()
    return pl.when(total > 0).then(pl.when(has).then(weight * pl.col(value)).sum() / total)


def combine(rows: pl.DataFrame, config: ScoringConfig) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The network rows with their ``composite_weight`` (normalized), and the "all" rows."""
    w = pl.col("_w")
    rows = rows.with_columns(_w=_weight(config))
    scored = pl.col("engagement_score").is_not_null() & (w > 0)
    rows = rows.with_columns(
        composite_weight=pl.when(scored).then(
            w / pl.when(scored).then(w).sum().over("museum", "period_key")
        )
    )
    # growth scores: the same weights, over the networks with a growth score
    gw = pl.when(pl.col("growth_score").is_not_null()).then(w).otherwise(0.0)
    young_aud = pl.when(pl.col("young_share").is_not_null()).then(pl.col("audience"))
    young_w = young_aud.fill_null(0.0)
    bases = pl.col("rate_basis").drop_nulls().unique()
    young_bases = pl.col("young_basis").drop_nulls().unique()
    young_kinds = young_eb.basis_kind(pl.col("young_basis")).drop_nulls().unique()
    missing = pl.col("network").filter(pl.col("engagement_score").is_null()).sort()
    all_rows = (
        rows.group_by("museum", "period_key")
        .agg(
            posts=pl.col("posts").sum(),
            posts_rated=pl.col("posts_rated").sum(),
            posts_too_young=pl.col("posts_too_young").sum(),
            n_effective=pl.col("n_effective").sum(),
            interactions=pl.col("interactions").sum(),
            followers=pl.when(pl.col("followers").is_not_null().any()).then(
                pl.col("followers").sum()
            ),
            audience=pl.col("audience").sum(),
            engagement_score=_wmean("engagement_score", w),
            engagement_score_low=_wmean("engagement_score_low", w),
            engagement_score_high=_wmean("engagement_score_high", w),
            engagement_rate=_wmean("engagement_rate", w),
            naive_rate=_wmean("naive_rate", w),
            engagement_rate_peer=_wmean("engagement_rate_peer", w),
            rate_basis=pl.when(bases.len() == 1)
            .then(bases.first())
            .when(bases.len() > 1)
            .then(pl.lit("mixed")),
            young_reach=pl.when(pl.col("young_reach").is_not_null().any()).then(
                pl.col("young_reach").sum()
            ),
            young_share=_wmean("young_share", young_w),
            young_share_low=_wmean("young_share_low", young_w),
            young_share_high=_wmean("young_share_high", young_w),
            typical_young_share=_wmean("typical_young_share", young_w),
            # the museums' typical share only where every network with a young share has one
            typical_young_share_museums=pl.when(
                (
                    pl.col("young_share").is_not_null()
                    & pl.col("typical_young_share_museums").is_null()
                ).sum()
                == 0
            ).then(_wmean("typical_young_share_museums", young_w)),
            young_basis=pl.when(young_bases.len() == 1)
            .then(young_bases.first())
            .when(young_kinds.len() == 1)
            .then(young_kinds.first())
            .when(young_kinds.len() > 1)
            .then(pl.lit("mixed")),
            growth_score=_wmean("growth_score", gw),
            growth_score_low=_wmean("growth_score_low", gw),
            growth_score_high=_wmean("growth_score_high", gw),
            followers_start=pl.col("followers_start").sum(),
            followers_end=pl.col("followers_end").sum(),
            _grown=pl.col("followers_start").is_not_null().any(),
            small_sample=(pl.col("small_sample") & (pl.col("posts_rated") > 0)).any()
            | (pl.col("posts_rated").sum() < config.min_posts),
            _scored=scored.sum(),
            _missing=missing.str.join(", "),
        )
        .with_columns(
            network=pl.lit("all"),
            young_index=pl.col("young_share") / pl.col("typical_young_share"),
            young_index_museums=pl.col("young_share") / pl.col("typical_young_share_museums"),
            young_index_low=pl.col("young_share_low") / pl.col("typical_young_share"),
            young_index_high=pl.col("young_share_high") / pl.col("typical_young_share"),
            young_source=pl.lit("audience-weighted over the museum's networks"),
            reason=pl.when(pl.col("_scored") == 0)
            .then(pl.lit("no network with a score for this museum in the period"))
            .when(pl.col("_missing") != "")
            .then(pl.format("networks without a score left out: {}", "_missing")),
        )
        .with_columns(
            # over the networks with a growth figure: Σ followers at the end ÷ at the start
            followers_start=pl.when("_grown").then("followers_start"),
            followers_end=pl.when("_grown").then("followers_end"),
        )
        .with_columns(
            follower_growth=pl.col("followers_end") / pl.col("followers_start") - 1,
            follower_growth_abs=pl.col("followers_end") - pl.col("followers_start"),
        )
        .drop("_scored", "_missing", "_grown")
    )
    return rows.drop("_w"), all_rows


def with_performance(rows: pl.DataFrame) -> pl.DataFrame:
    """``performance_score`` = √(engagement score × growth score), and its bounds from the
    bounds (the two intervals treated as fully correlated: conservative) — the geometric
    mean of two percentiles, as Fanpage Karma's Page Performance Index combines engagement
    and growth (docs/scoring.md §9.5). Null when either score is."""
    return rows.with_columns(
        (pl.col(f"engagement_score{s}") * pl.col(f"growth_score{s}"))
        .sqrt()
        .alias(f"performance_score{s}")
        for s in ("", "_low", "_high")
    )
