"""``explain``: every input of the score formula for one museum, one line per input.

Reads what :func:`score` already recorded on each row (the formula's intermediate values) and
a few per-post counts, so that a museum can check each step of docs/scoring.md by hand.
"""

from __future__ import annotations

import polars as pl

from engagecore.errors import UsageError

#: (step, input, score-frame column, what it is) in the order of docs/scoring.md.
_STEPS: tuple[tuple[str, str, str, str], ...] = (
    ("1 posts", "posts", "posts", "own posts in the period (reposts excluded)"),
    ("1 posts", "posts rated", "posts_rated", "posts with a rate on the row's basis"),
    (
        "1 posts",
        "effective posts",
        "n_effective",
        "Kish n_eff (= posts rated unless recency-weighted)",
    ),
    ("1 posts", "interactions", "interactions", "sum of weighted interactions"),
    ("1.2 followers", "rate basis", "rate_basis", "denominator of every rate in this row"),
    (
        "1.2 followers",
        "posts with followers as of the post",
        "n_followers_asof",
        "snapshot at or before the post",
    ),
    (
        "1.2 followers",
        "posts with followers from a later snapshot",
        "n_followers_after",
        "fallback: first snapshot after the post",
    ),
    (
        "1.2 followers",
        "posts with zero followers",
        "n_zero_followers",
        "no rate by followers for them",
    ),
    (
        "2.7 followers",
        "followers at period end",
        "followers",
        "sum over the museum's accounts on the network",
    ),
    (
        "2.7 followers",
        "followers source",
        "followers_source",
        "asof: last snapshot before the end; after: first one after",
    ),
    ("2.2 aggregate", "rate 25th percentile", "rate_q25", ""),
    ("2.2 aggregate", "rate median", "rate_median", ""),
    ("2.2 aggregate", "rate 75th percentile", "rate_q75", ""),
    (
        "2.2 aggregate",
        "engagement rate (winsorized mean)",
        "engagement_rate",
        "10 % winsorized mean of per-post rates",
    ),
    (
        "2.2 aggregate",
        "naive rate (mean)",
        "naive_rate",
        "plain mean of interactions ÷ followers, for reference",
    ),
    (
        "2.2 aggregate",
        "peers' rate ΣI/ΣF",
        "engagement_rate_peer",
        "Σ interactions ÷ Σ followers (or reach, views): other tools' rate",
    ),
    ("2.3 bootstrap", "rate interval low", "engagement_rate_low", "bootstrap percentile interval"),
    ("2.3 bootstrap", "rate interval high", "engagement_rate_high", ""),
    ("2.4 size", "log size", "log_size", "mean log denominator at post time"),
    ("2.4 size", "cohort fit", "size_fit", "how the size adjustment was fitted"),
    ("2.4 size", "size slope b", "size_slope", "log rate per log size in the cohort"),
    ("2.4 size", "intercept a", "size_intercept", "log rate at the cohort's median size"),
    ("2.4 size", "median log size", "size_center", "centre of the size fit (the cohort median)"),
    ("2.4 size", "adjusted rate", "adjusted_rate", "rate at the cohort's median size"),
    ("2.4 size", "residual e", "residual", "log rate − fitted log rate"),
    ("2.5 shrinkage", "cohort centre c", "cohort_center", "median residual"),
    ("2.5 shrinkage", "between-museum variance τ²", "cohort_tau2", ""),
    ("2.5 shrinkage", "per-post variance floor s²", "post_variance", ""),
    ("2.5 shrinkage", "sampling variance v", "sampling_variance", "max(bootstrap, s²/n)"),
    ("2.5 shrinkage", "shrinkage weight w", "shrink_weight", "τ² / (τ² + v): 1 = own data only"),
    ("2.5 shrinkage", "shrunk residual ẽ", "shrunk", ""),
    ("2.5 shrinkage", "small sample", "small_sample", ""),
    (
        "2.6 score",
        "cohort size N",
        "cohort_size",
        "museums with a rate in network × period × basis",
    ),
    ("2.6 score", "engagement score", "engagement_score", "percentile of ẽ among the cohort"),
    ("2.6 score", "score interval low", "engagement_score_low", ""),
    ("2.6 score", "score interval high", "engagement_score_high", ""),
    (
        "3 composite",
        "composite weight",
        "composite_weight",
        "share of this network in the 'all' row",
    ),
    ("4 young", "young basis", "young_basis", "measured (owned age data) or estimated (prior)"),
    ("4 young", "young source", "young_source", ""),
    ("4 young", "young share", "young_share", ""),
    ("4 young", "young share low", "young_share_low", ""),
    ("4 young", "young share high", "young_share_high", ""),
    ("4 young", "typical young share", "typical_young_share", "the network's prior young share"),
    ("4 young", "audience", "audience", "followers at period end, else the size"),
    ("4 young", "young reach", "young_reach", "young share × audience"),
    ("4 young", "young index", "young_index", "young share ÷ typical young share"),
    ("4.1 museums", "n measuring", "young_n_measured", "museums with age data"),
    ("4.1 museums", "offset δ", "young_offset", "logit; < 0: older"),
    ("4.1 museums", "spread τ", "young_spread", "between museums"),
    ("4.1 museums", "vs museums", "young_index_museums", "share ÷ museums' typical"),
    ("-", "reason", "reason", "why a figure is missing or to be read with care"),
)


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def explain(
    score_frame: pl.DataFrame, post_metrics_frame: pl.DataFrame, museum: str
) -> pl.DataFrame:
    """Long frame: network, period, step, input, value (text), note — for one museum slug."""
    rows = score_frame.filter(pl.col("museum") == museum)
    if rows.is_empty():
        raise UsageError(f"museum {museum!r} has no score row: nothing to explain")
    posts = post_metrics_frame.filter(pl.col("museum") == museum)
    per_post = posts.group_by("network", "period").agg(
        breakouts=pl.col("breakout").fill_null(False).sum(),
        with_expectation=pl.col("expected").is_not_null().sum(),
        median_overperformance=pl.col("overperformance").median(),
    )
    out: list[dict[str, str | None]] = []
    for row in rows.iter_rows(named=True):
        for step, name, column, note in _STEPS:
            if column not in row:
                continue
            out.append(
                {
                    "network": row["network"],
                    "period": row["period"],
                    "step": step,
                    "input": name,
                    "value": _text(row[column]),
                    "note": note,
                }
            )
        extra = per_post.filter(
            (pl.col("network") == row["network"]) & (pl.col("period") == row["period"])
        )
        for name, column, note in (
            ("posts with an expectation", "with_expectation", "≥ min_history earlier posts"),
            ("median overperformance", "median_overperformance", "rate ÷ expected"),
            ("breakout posts", "breakouts", "rate > 2 × P90 of the previous posts"),
        ):
            value = extra.get_column(column)[0] if extra.height else None
            out.append(
                {
                    "network": row["network"],
                    "period": row["period"],
                    "step": "1.4 posts",
                    "input": name,
                    "value": _text(value),
                    "note": note,
                }
            )
    return (
        pl.DataFrame(
            out,
            schema={c: pl.Utf8 for c in ("network", "period", "step", "input", "value", "note")},
        )
        .with_columns(museum=pl.lit(museum))
        .select("museum", "network", "period", "step", "input", "value", "note")
    )
