"""``compare``: museums side by side, a winner only when the gap is significant, and drivers.

The winner test on a network row is a two-sided Mann–Whitney U test on the two leading
museums' per-post size-adjusted rates, Holm–Bonferroni over the networks of a period; on the
composite row, separation of the score intervals (docs/scoring.md §5).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from engagecore.errors import NoScoreError, UsageError
from engagecore.scoring.config import ScoringConfig

#: Figures shown per museum, as (score frame column, short name in the comparison table).
FIGURES: tuple[tuple[str, str], ...] = (
    ("followers", "followers"),
    ("posts", "posts"),
    ("engagement_rate", "rate"),
    ("engagement_rate_peer", "peer_rate"),
    ("rate_basis", "basis"),
    ("engagement_score", "score"),
    ("engagement_score_low", "score_low"),
    ("engagement_score_high", "score_high"),
    ("young_share", "young_share"),
    ("young_reach", "young_reach"),
    ("young_index", "young_index"),
    ("young_basis", "young_basis"),
    ("growth_score", "growth"),
    ("growth_score_low", "growth_low"),
    ("growth_score_high", "growth_high"),
)

MWU = "Mann-Whitney U (two-sided) on size-adjusted per-post rates"
SEPARATION = "interval separation of composite scores"


@dataclass
class ComparisonResult:
    """``table``: one row per network (then "all") and period, each museum's figures in
    columns named ``"<museum> <figure>"``, plus ``winner``, ``p_value``, ``alpha_holm`` (the
    Holm threshold the p-value was held to), ``holm_m`` (networks in the family), ``test``,
    ``verdict`` (one line: the winner or why there is none, and the test) and ``why`` (one
    sentence: what the gap is made of).
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
        raise NoScoreError(unknown)
    rows = score_frame.filter(pl.col("museum").is_in(names))
    posts = post_metrics_frame.filter(pl.col("museum").is_in(names))
    tests = _winners(rows, posts, config, names)
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


_WINNER_SCHEMA = {
    "network": pl.Utf8,
    "period": pl.Utf8,
    "winner": pl.Utf8,
    "p_value": pl.Float64,
    "alpha_holm": pl.Float64,
    "holm_m": pl.Int64,
    "test": pl.Utf8,
    "verdict": pl.Utf8,
    "why": pl.Utf8,
}


def holm(p_values: Sequence[float], alpha: float) -> tuple[list[bool], list[float]]:
    """Holm–Bonferroni step-down over a family of tests: (rejected?, threshold) per test.

    The i-th smallest p-value (from 0) is compared with ``alpha / (m − i)``; the first one
    above its threshold stops the procedure, every larger p-value is then kept too.
    """
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    rejected = [False] * m
    thresholds = [alpha] * m
    going = True
    for rank, i in enumerate(order):
        thresholds[i] = alpha / (m - rank)
        going = going and p_values[i] <= thresholds[i]
        rejected[i] = going
    return rejected, thresholds


def _p(p: float) -> str:
    return f"p = {p:.2g}" if p >= 0.001 else "p < 0.001"


def _winners(
    rows: pl.DataFrame, posts: pl.DataFrame, config: ScoringConfig, names: Sequence[str]
) -> pl.DataFrame:
    """Per network and period: the winner (or none), the test, a one-line verdict and why.

    The Mann–Whitney tests of one period's networks form one family: Holm–Bonferroni keeps
    its false-winner rate at ``alpha`` however many networks are compared.
    """
    from engagecore.scoring.engagement import no_score_note

    out: list[dict[str, object]] = []
    # the Mann–Whitney tests run: (index in out, p-value, effect, score leader, period)
    tested: list[tuple[int, float, float, str, str]] = []
    for (network, period), group in rows.group_by(["network", "period"], maintain_order=True):
        scored = group.filter(pl.col("engagement_score").is_not_null()).sort(
            "engagement_score", descending=True
        )
        rec: dict[str, object] = {"network": network, "period": period}
        rec.update(winner=None, p_value=None, alpha_holm=None, holm_m=None, why=None)
        unscored = group.filter(pl.col("engagement_score").is_null())
        if scored.height < 2:
            rec["test"] = "not tested: fewer than two museums with a score"
            missing = [
                f"{m}: {no_score_note(r)[1]}"
                for m, r in unscored.select("museum", "reason").iter_rows()
            ]
            absent = [m for m in names if m not in set(group.get_column("museum"))]
            missing += [f"{m}: no account on {network}" for m in absent]
            rec["verdict"] = "no winner: no score for " + ", ".join(
                [*unscored.get_column("museum").to_list(), *absent]
            )
            rec["why"] = "; ".join(missing) or None
            out.append(rec)
            continue
        top, second = scored.row(0, named=True), scored.row(1, named=True)
        if network == "all":
            rec["test"] = SEPARATION
            hi = f"{top['engagement_score_low']:.0f}–{top['engagement_score_high']:.0f}"
            lo = f"{second['engagement_score_low']:.0f}–{second['engagement_score_high']:.0f}"
            if top["engagement_score_low"] > second["engagement_score_high"]:
                rec["winner"] = top["museum"]
                rec["verdict"] = (
                    f"{top['museum']} ahead: composite score intervals do not overlap "
                    f"({hi} vs {lo}; interval separation)"
                )
            else:
                rec["verdict"] = (
                    f"no winner: composite score intervals overlap "
                    f"({hi} vs {lo}; interval separation)"
                )
            rec["why"] = _why_all(rows, period, top["museum"], second["museum"])
            out.append(rec)
            continue
        if scored.get_column("rate_basis").n_unique() > 1:
            bases = " vs ".join(scored.get_column("rate_basis").unique(maintain_order=True))
            rec["test"] = "not tested: the museums' rates have different bases"
            rec["verdict"] = f"no winner: rates by different bases ({bases}) are not compared"
            out.append(rec)
            continue
        a = _adjusted(posts, top, period)
        b = _adjusted(posts, second, period)
        rec["why"] = _why_network(posts, top, second, period, a, b)
        p_value, effect = mann_whitney(a, b)
        rec["p_value"] = p_value
        small = [r["museum"] for r in (top, second) if r["small_sample"]]
        if small:
            rec["test"] = f"{MWU}; no winner on a small sample (< {config.min_posts} posts)"
            rec["verdict"] = (
                f"no winner: fewer than {config.min_posts} rated posts for {', '.join(small)}"
            )
            out.append(rec)
            continue
        rec["test"] = MWU
        tested.append((len(out), p_value, effect, str(top["museum"]), str(period)))
        out.append(rec)
    # Holm over the networks tested in each period
    for period in dict.fromkeys(t[4] for t in tested):
        family = [t for t in tested if t[4] == period]
        rejected, thresholds = holm([t[1] for t in family], config.alpha)
        m = len(family)
        for (i, p, effect, leader, _), rej, thr in zip(family, rejected, thresholds, strict=True):
            rec = out[i]
            rec["alpha_holm"], rec["holm_m"] = thr, m
            how = f", Holm over {m} networks" if m > 1 else ""
            if m > 1:
                rec["test"] = f"{MWU}; Holm–Bonferroni over {m} networks at {config.alpha:g}"
            if rej and effect > 0.5:
                rec["winner"] = leader
                rec["verdict"] = f"{leader} ahead ({_p(p)} < {thr:.2g}{how})"
            elif rej:
                rec["verdict"] = (
                    f"no winner: the score leader's posts are not the higher-rated ({_p(p)}{how})"
                )
            elif p <= thr:
                rec["verdict"] = (
                    f"no significant difference ({_p(p)}: Holm over {m} networks "
                    "stopped at a smaller p-value)"
                )
            else:
                rec["verdict"] = f"no significant difference ({_p(p)} ≥ {thr:.2g}{how})"
    return pl.DataFrame(out, schema=_WINNER_SCHEMA)


def _why_network(
    posts: pl.DataFrame,
    top: dict[str, object],
    second: dict[str, object],
    period: object,
    a: np.ndarray,
    b: np.ndarray,
) -> str | None:
    """One sentence: the ratio of the two museums' median size-adjusted post rates, the
    higher over the lower (the museum named first is the one whose posts are rated higher,
    which need not be the score leader), and that museum's hashtag whose posts do best."""
    if not a.size or not b.size:
        return None
    high, low = float(np.median(a)), float(np.median(b))
    lead, other = top, second
    if high < low:
        high, low, lead, other = low, high, second, top
    if low <= 0:
        return None
    text = (
        f"{lead['museum']}'s posts are rated {high / low:.2g}× {other['museum']}'s "
        "after the size adjustment"
    )
    tags = (
        posts.filter(
            (pl.col("museum") == lead["museum"])
            & (pl.col("network") == lead["network"])
            & (pl.col("period") == period)
            & pl.col("rate").is_not_null()
        )
        .select(pl.col("hashtags").list.eval(pl.element().str.to_lowercase()), "rate")
        .explode("hashtags")
        .drop_nulls("hashtags")
        .group_by("hashtags")
        .agg(pl.len().alias("n"), pl.col("rate").median().alias("median"))
        .filter(pl.col("n") >= 2)
        .sort(["median", "hashtags"], descending=[True, False])
    )
    if tags.height:
        text += f"; its #{tags.get_column('hashtags')[0]} posts lead"
    return text


def _why_all(rows: pl.DataFrame, period: object, first: object, second: object) -> str | None:
    """Which of the two leading museums scores higher on which network."""
    nets = rows.filter(
        (pl.col("network") != "all")
        & (pl.col("period") == period)
        & pl.col("museum").is_in([first, second])
        & pl.col("engagement_score").is_not_null()
    )
    wide = nets.pivot(on="museum", index="network", values="engagement_score")
    if str(first) not in wide.columns or str(second) not in wide.columns:
        return None
    both = wide.drop_nulls()
    ahead = both.filter(pl.col(str(first)) > pl.col(str(second)))["network"].sort().to_list()
    behind = both.filter(pl.col(str(first)) < pl.col(str(second)))["network"].sort().to_list()
    parts = []
    if ahead:
        parts.append(f"{first} scores higher on {', '.join(ahead)}")
    if behind:
        parts.append(f"{second} on {', '.join(behind)}")
    return "; ".join(parts) + " (composite: audience-weighted)" if parts else None


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
