"""``compare``: museums side by side, a winner only when the gap is significant, and drivers.

The winner test on a network row is a two-sided Mann–Whitney U test on the two leading
museums' per-post size-adjusted rates; on the composite row, separation of the score
intervals (docs/scoring.md §5).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from engagecore.errors import UsageError
from engagecore.scoring.config import ScoringConfig

#: Figures shown per museum, as (score frame column, short name in the comparison table).
FIGURES: tuple[tuple[str, str], ...] = (
    ("followers", "followers"),
    ("posts", "posts"),
    ("engagement_rate", "rate"),
    ("rate_basis", "basis"),
    ("engagement_score", "score"),
    ("engagement_score_low", "score_low"),
    ("engagement_score_high", "score_high"),
    ("young_reach", "young_reach"),
    ("young_index", "young_index"),
    ("young_basis", "young_basis"),
)

MWU = "Mann-Whitney U (two-sided) on size-adjusted per-post rates"
SEPARATION = "interval separation of composite scores"


@dataclass
class ComparisonResult:
    """``table``: one row per network (then "all") and period, each museum's figures in
    columns named ``"<museum> <figure>"``, plus ``winner``, ``p_value``, ``test``.
    ``drivers``: the posts, kinds and hashtags behind each museum's figures per network."""

    museums: list[str]
    table: pl.DataFrame
    drivers: pl.DataFrame


def mann_whitney(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Two-sided Mann–Whitney U test, normal approximation with tie correction.

    :return: (p-value, probability that a value of ``a`` exceeds one of ``b``).
    """
    n1, n2 = a.size, b.size
    if n1 == 0 or n2 == 0:
        return 1.0, 0.5
    both = np.concatenate([a, b])
    order = np.argsort(both, kind="mergesort")
    ranks = np.empty(both.size)
    sorted_vals = both[order]
    _, first, counts = np.unique(sorted_vals, return_index=True, return_counts=True)
    avg = first + (counts + 1) / 2.0
    ranks[order] = np.repeat(avg, counts)
    u1 = ranks[:n1].sum() - n1 * (n1 + 1) / 2.0
    n = n1 + n2
    tie = float((counts**3 - counts).sum())
    var = n1 * n2 / 12.0 * ((n + 1) - tie / (n * (n - 1))) if n > 1 else 0.0
    effect = u1 / (n1 * n2)
    if var <= 0:
        return 1.0, effect
    z = (abs(u1 - n1 * n2 / 2.0) - 0.5) / math.sqrt(var)
    return float(min(1.0, math.erfc(max(z, 0.0) / math.sqrt(2.0)))), effect


def compare(
    score_frame: pl.DataFrame,
    post_metrics_frame: pl.DataFrame,
    museums: Sequence[str],
    config: ScoringConfig | None = None,
) -> ComparisonResult:
    """Compare two or more museums (slugs) on every network and period they are scored on."""
    config = config or ScoringConfig()
    names = list(dict.fromkeys(museums))
    if len(names) < 2:
        raise UsageError("compare needs at least two different museums")
    unknown = [m for m in names if m not in set(score_frame.get_column("museum").to_list())]
    if unknown:
        raise UsageError(f"no score for museum(s) {', '.join(unknown)}: nothing to compare")
    rows = score_frame.filter(pl.col("museum").is_in(names))
    posts = post_metrics_frame.filter(pl.col("museum").is_in(names))
    tests = _winners(rows, posts, config)
    table = _side_by_side(rows, names).join(tests, on=["network", "period"], how="left")
    table = table.sort(pl.col("network") == "all", "network", "period")
    return ComparisonResult(names, table, drivers(posts))


def _side_by_side(rows: pl.DataFrame, names: list[str]) -> pl.DataFrame:
    keys = rows.select("network", "period").unique()
    for m in names:
        part = rows.filter(pl.col("museum") == m).select(
            "network", "period", *(pl.col(c).alias(f"{m} {short}") for c, short in FIGURES)
        )
        keys = keys.join(part, on=["network", "period"], how="left")
    return keys


def _winners(rows: pl.DataFrame, posts: pl.DataFrame, config: ScoringConfig) -> pl.DataFrame:
    out = []
    for (network, period), group in rows.group_by(["network", "period"], maintain_order=True):
        scored = group.filter(pl.col("engagement_score").is_not_null()).sort(
            "engagement_score", descending=True
        )
        winner, p_value, test = None, None, None
        if scored.height < 2:
            test = "not tested: fewer than two museums with a score"
        elif network == "all":
            test = SEPARATION
            top, second = scored.row(0, named=True), scored.row(1, named=True)
            if top["engagement_score_low"] > second["engagement_score_high"]:
                winner = top["museum"]
        elif scored.get_column("rate_basis").n_unique() > 1:
            test = "not tested: the museums' rates have different bases"
        else:
            test = MWU
            top, second = scored.row(0, named=True), scored.row(1, named=True)
            a = _adjusted(posts, top, period)
            b = _adjusted(posts, second, period)
            p_value, effect = mann_whitney(a, b)
            if top["small_sample"] or second["small_sample"]:
                test = f"{MWU}; no winner on a small sample (< {config.min_posts} posts)"
            elif p_value < config.alpha and effect > 0.5:
                winner = top["museum"]
        out.append(
            {
                "network": network,
                "period": period,
                "winner": winner,
                "p_value": p_value,
                "test": test,
            }
        )
    return pl.DataFrame(
        out,
        schema={
            "network": pl.Utf8,
            "period": pl.Utf8,
            "winner": pl.Utf8,
            "p_value": pl.Float64,
            "test": pl.Utf8,
        },
    )


def _adjusted(posts: pl.DataFrame, row: dict[str, object], period: object) -> np.ndarray:
    """A museum's per-post rates on the row's basis, adjusted to the cohort's median size."""
    slope = float(row["size_slope"] or 0.0)  # type: ignore[arg-type]
    center = float(row["size_center"] or 0.0)  # type: ignore[arg-type]
    sel = posts.filter(
        (pl.col("museum") == row["museum"])
        & (pl.col("network") == row["network"])
        & (pl.col("period") == period)
        & (pl.col("rate_basis") == row["rate_basis"])
        & pl.col("rate").is_not_null()
        & (pl.col("denominator") > 0)
    )
    adj = sel.select(
        pl.col("rate") * (-slope * (pl.col("denominator").log() - center)).exp()
    ).to_series()
    return adj.to_numpy().astype(float)


def drivers(posts: pl.DataFrame, top: int = 3) -> pl.DataFrame:
    """Per network and museum: top/bottom posts by overperformance, then kinds and hashtags."""
    base = posts.filter(pl.col("rate").is_not_null())
    tags = pl.col("hashtags").list.join(" ")
    post_cols = [
        "network",
        "museum",
        "label",
        "posts",
        "rate",
        "overperformance",
        "kind",
        "tags",
        "posted_at",
        "text",
    ]
    ranked = base.filter(pl.col("overperformance").is_not_null()).with_columns(
        label=pl.col("post_id"),
        posts=pl.lit(1, dtype=pl.UInt32),
        tags=tags,
        text=pl.col("text").str.slice(0, 80),
    )
    by = ["network", "museum"]
    ranked = ranked.with_columns(
        _hi=pl.col("overperformance").rank("ordinal", descending=True).over(by),
        _lo=pl.col("overperformance").rank("ordinal").over(by),
    )
    best = ranked.filter(pl.col("_hi") <= top).sort("_hi").select(post_cols)
    best = best.with_columns(driver=pl.lit("top post"))
    # a post is never both a top and a bottom post (museums with few rated posts)
    worst = ranked.filter((pl.col("_lo") <= top) & (pl.col("_hi") > top)).sort("_lo")
    worst = worst.select(post_cols).with_columns(driver=pl.lit("bottom post"))
    summary = [
        pl.len().alias("posts"),
        pl.col("rate").median().alias("rate"),
        pl.col("overperformance").median().alias("overperformance"),
    ]
    kinds = (
        base.group_by("network", "museum", "kind")
        .agg(summary)
        .sort("posts", "kind", descending=[True, False])
        .with_columns(driver=pl.lit("kind"), label=pl.col("kind"))
    )
    hashtags = (
        base.explode("hashtags")
        .filter(pl.col("hashtags").is_not_null())
        .with_columns(pl.col("hashtags").str.to_lowercase())
        .group_by("network", "museum", "hashtags")
        .agg(summary)
        .filter(pl.col("posts") >= 2)
        .sort("posts", "hashtags", descending=[True, False])
        .group_by("network", "museum", maintain_order=True)
        .head(5)
        .with_columns(driver=pl.lit("hashtag"), label=pl.format("#{}", "hashtags"))
        .drop("hashtags")
    )
    out = pl.concat([best, worst, kinds, hashtags], how="diagonal_relaxed")
    order = {"top post": 0, "bottom post": 1, "kind": 2, "hashtag": 3}
    return (
        out.with_columns(_o=pl.col("driver").replace_strict(order))
        .sort("network", "museum", "_o", maintain_order=True)
        .drop("_o")
        .select(
            "network",
            "museum",
            "driver",
            "label",
            *[c for c in post_cols if c not in ("network", "museum", "label")],
        )
    )
