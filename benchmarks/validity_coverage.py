"""Coverage of the 95 % intervals against planted truths (``validity.py --check coverage``).

**The engagement score's interval** (``engagement_score_low/high``, docs/scoring.md §2.6 and
§8). What the score estimates: the museum's percentile in its cohort on the size-adjusted
robust rate, the rate (§2.2) its posts would show if it went on posting the same way for
ever. The planted value of a row is therefore the score it would get if its own rate were
known without sampling error, placed in the same cohort:

- ``R∞`` = the row's robust rate computed on the same accounts re-simulated with ``k`` times
  the posts (:func:`simulate_cohort` with the same seed keeps every museum, account, planted
  quality and follower count, and draws ``k`` times the posts from the same process: the
  themes, kinds, times, viral boosts and noise of a museum's posts are part of what is
  sampled);
- ``θ = log R∞ − a − b (x − x̃)`` with the cohort's own size line (§2.4: the score's
  definition of "size-adjusted");
- planted score = ``100 · (#{j ≠ m : ẽ_j < θ} + ½ #{j ≠ m : ẽ_j = θ}) / (N − 1)``, the
  percentile of θ among the other rows' shrunk values ẽ_j, as the score itself is computed.

A row is covered when ``low ≤ planted ≤ high``. Target: 90–98 % of the scored rows, pooled
over the seeds (too narrow and too wide both fail), with a Wilson 95 % interval on the
coverage itself (rows of one cohort share its fit, so read it as indicative). ``R∞`` is itself
an estimate, with about 1/k of the row's sampling variance: against it an exact 95 % posterior
interval (variance w·v) covers ``2Φ(1.96/√(1 + 1/(k w))) − 1`` of the time — printed as
"expected" beside the measured figure. Both the default yearly-or-whole-range rows (period
"all") and monthly rows (small samples, strong shrinkage) are checked.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import time
from statistics import NormalDist

import numpy as np
import polars as pl

from engagecore import plugins
from engagecore.scoring import ScoringConfig, ScoringInputs, score
from engagecore.scoring.cohort import percentile_of
from engagecore.simulate import Cohort, simulate_cohort

TARGET = (0.90, 0.98)
_Z = NormalDist().inv_cdf(0.975)


def add_coverage_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--coverage-seeds", default="1,2,3,4,5", help="seeds of the coverage check (comma list)"
    )
    parser.add_argument("--coverage-museums", type=int, default=200)
    parser.add_argument(
        "--coverage-k",
        type=int,
        default=10,
        help="the planted rate R∞ is read on k times the posts (default 10)",
    )
    parser.add_argument(
        "--coverage-periods", default="all,month", help="periods checked (comma list)"
    )
    parser.add_argument(
        "--lift-seeds", type=int, default=40, help="cohorts of the lift coverage (seeds 1…N)"
    )


def wilson(hits: int, n: int, z: float = _Z) -> tuple[float, float]:
    """Wilson's score interval of a binomial proportion."""
    if n == 0:
        return 0.0, 1.0
    p = hits / n
    den = 1 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return mid - half, mid + half


def _scores(cohort: Cohort, config: ScoringConfig) -> pl.DataFrame:
    """Every row, the composite "all" rows included."""
    inputs = ScoringInputs.from_frames(
        cohort.posts,
        accounts=cohort.accounts.select("network", "account_id", "museum"),
        followers=cohort.followers,
        audience_age=cohort.audience_age,
    )
    return score(inputs, plugins.registry().networks, config)


def planted_scores(sample: pl.DataFrame, big: pl.DataFrame) -> pl.DataFrame:
    """The scored rows of ``sample`` with ``planted`` (the planted score, see the module's
    text) and ``truth_weight`` (for the expected coverage), from ``big``: the same rows
    scored on k times the posts."""
    keys = ["museum", "network", "period"]
    sample = sample.filter(pl.col("network") != "all")
    rows = sample.filter(pl.col("engagement_score").is_not_null()).join(
        big.select(*keys, "rate_basis", big_rate="engagement_rate"),
        on=[*keys, "rate_basis"],
        how="inner",
    )
    rows = rows.filter(pl.col("big_rate") > 0)
    parts = []
    for _, part in rows.group_by("network", "period", "rate_basis", maintain_order=True):
        shrunk = part.get_column("shrunk").to_numpy()
        theta = (
            np.log(part.get_column("big_rate").to_numpy())
            - part.get_column("size_intercept").to_numpy()
            - part.get_column("size_slope").to_numpy()
            * (part.get_column("log_size").to_numpy() - part.get_column("size_center").to_numpy())
        )
        planted = percentile_of(np.sort(shrunk), shrunk, theta)
        parts.append(part.with_columns(planted=pl.Series(planted)))
    return pl.concat(parts) if parts else rows.with_columns(planted=pl.lit(None, pl.Float64))


def composite_planted(sample: pl.DataFrame, planted: pl.DataFrame) -> pl.DataFrame:
    """The composite ("all") rows of ``sample`` with ``planted`` = Σ_k c_k · planted_k, the
    planted scores of the museum's networks (:func:`planted_scores`) under the weights c_k
    the composite itself uses (``composite_weight``, docs/scoring.md §3) — the composite of
    the scores the museum would get if each network's rate were known without sampling
    error. ``networks`` = how many networks the composite averages. Rows with a scored
    network that has no planted value (no rate on k× the posts) are left out."""
    keys = ["museum", "period"]
    scored = (
        sample.filter(
            (pl.col("network") != "all")
            & pl.col("engagement_score").is_not_null()
            & (pl.col("composite_weight") > 0)
        )
        .group_by(keys)
        .agg(networks=pl.len())
    )
    combined = (
        planted.filter(pl.col("composite_weight") > 0)
        .group_by(keys)
        .agg(
            planted=(pl.col("composite_weight") * pl.col("planted")).sum(),
            _with_truth=pl.len(),
        )
    )
    return (
        sample.filter((pl.col("network") == "all") & pl.col("engagement_score").is_not_null())
        .join(scored, on=keys, how="inner")
        .join(combined, on=keys, how="inner")
        .filter(pl.col("_with_truth") == pl.col("networks"))
        .drop("_with_truth")
    )


def coverage_rows(museums: int, seed: int, k: int, periods: list[str]) -> pl.DataFrame:
    """Every scored row of one simulated cohort with its planted score, for each period: the
    network rows, then the composite "all" rows (:func:`composite_planted`)."""
    networks = plugins.registry().networks
    sample = simulate_cohort(museums, seed, networks)
    per_account = sample.posts.height / max(sample.accounts.height, 1)
    big = simulate_cohort(museums, seed, networks, posts_per_account=k * per_account)
    out = []
    for period in periods:
        config = ScoringConfig(period=period)  # type: ignore[arg-type]
        scored = _scores(sample, config)
        rows = planted_scores(scored, _scores(big, config))
        out.append(rows.with_columns(seed=pl.lit(seed), period_kind=pl.lit(period)))
        out.append(
            composite_planted(scored, rows).with_columns(
                seed=pl.lit(seed), period_kind=pl.lit(period)
            )
        )
    return pl.concat(out, how="diagonal_relaxed")


def summarize(rows: pl.DataFrame, k: int) -> pl.DataFrame:
    """Coverage, its Wilson interval, the share above and below, the median width and the
    coverage expected of an exact interval against a planted value read on k× the posts."""
    w = pl.col("shrink_weight").clip(1e-6, 1.0)
    expected = (
        rows.select(x=_Z / (1 + 1 / (k * w)).sqrt()).get_column("x").drop_nulls().to_numpy()
        if rows.height and "shrink_weight" in rows.columns
        else np.zeros(0)
    )
    phi = np.array([NormalDist().cdf(v) for v in expected]) if expected.size else expected
    covered = (pl.col("engagement_score_low") <= pl.col("planted")) & (
        pl.col("planted") <= pl.col("engagement_score_high")
    )
    s = rows.select(
        rows=pl.len(),
        hits=covered.sum(),
        below=(pl.col("planted") < pl.col("engagement_score_low")).mean(),
        above=(pl.col("planted") > pl.col("engagement_score_high")).mean(),
        width=(pl.col("engagement_score_high") - pl.col("engagement_score_low")).median(),
    )
    n, hits = int(s["rows"][0]), int(s["hits"][0])
    lo, hi = wilson(hits, n)
    return s.with_columns(
        coverage=pl.lit(hits / n if n else float("nan")),
        wilson_low=pl.lit(lo),
        wilson_high=pl.lit(hi),
        expected=pl.lit(float(np.mean(2 * phi - 1)) if phi.size else float("nan")),
    )


LIFTS = {
    "collection": 1.0,
    "exposition": 1.0,
    "evenement": 1.0,
    "coulisses": 1.0,
    "jourdefermeture": 1.8,
    "jeune_public": 1.0,
    "infos_pratiques": 1.0,
    "histoire": 1.0,
}


def lift_row(seed: int, museums: int = 20) -> dict[str, float]:
    """The closing-day lift of one simulated cohort: estimate, interval and planted value."""
    import engagecore.simulate as simulate
    from engagecore.analysis.themes import what_works
    from engagecore.demo import DEMO_END, DEMO_START
    from engagecore.scoring import post_metrics

    registry = plugins.registry()
    networks = {n: s for n, s in registry.networks.items() if n in registry.demo_writers}
    pool = simulate.caption_pool()
    themes = tuple(dataclasses.replace(t, lift=LIFTS.get(t.name, t.lift)) for t in pool.themes)
    planted_pool = dataclasses.replace(pool, themes=themes)
    original = simulate.caption_pool
    simulate.caption_pool = lambda: planted_pool  # type: ignore[assignment]
    try:
        cohort = simulate.simulate_cohort(
            museums,
            seed,
            networks,
            start=DEMO_START,
            end=DEMO_END,
            posts_per_account=150,
            with_post_truth=True,
        )
    finally:
        simulate.caption_pool = original  # type: ignore[assignment]
    assert cohort.post_truth is not None
    inputs = ScoringInputs.from_frames(
        cohort.posts,
        accounts=cohort.accounts.select("network", "account_id", "museum"),
        followers=cohort.followers,
        audience_age=cohort.audience_age,
    )
    metrics = post_metrics(inputs, networks)

    def closing_day(frame: pl.DataFrame) -> dict[str, float] | None:
        lifts = what_works(frame, with_model=False).lifts.filter(
            (pl.col("factor") == "theme")
            & (pl.col("level") == "closing_day")
            & (pl.col("source") == "rules")
        )
        return lifts.row(0, named=True) if lifts.height else None

    seen = closing_day(metrics)
    truth = cohort.post_truth.select("network", "post_id", "viral", planted_mean="expected")
    planted = closing_day(
        metrics.join(truth, on=["network", "post_id"])
        .filter(~pl.col("viral") & (pl.col("denominator") > 0))
        .with_columns(rate=pl.col("planted_mean") / pl.col("denominator"))
        .drop("planted_mean", "viral")
    )
    if seen is None or planted is None:
        return {}
    return {
        "seed": seed,
        "lift": seen["lift"],
        "low": seen["lift_low"],
        "high": seen["lift_high"],
        "posts": seen["posts"],
        "planted": planted["lift"],
    }


def check_lift_coverage(args: argparse.Namespace) -> bool:
    """The closing-day lift's 95 % interval contains the planted lift for 90–98 % of seeds."""
    seeds = range(1, int(args.lift_seeds) + 1)
    start = time.perf_counter()
    rows = [r for r in (lift_row(s) for s in seeds) if r]
    print(
        f"coverage of the #jourdefermeture lift (planted 1.8) in {len(rows)} cohorts of 20 "
        f"museums, seeds 1–{args.lift_seeds} ({time.perf_counter() - start:.0f} s)"
    )
    frame = pl.DataFrame(rows)
    covered = (pl.col("low") <= pl.col("planted")) & (pl.col("planted") <= pl.col("high"))
    s = frame.select(
        hits=covered.sum(),
        at_18=((pl.col("low") <= 1.8) & (pl.col("high") >= 1.8)).sum(),
        planted=pl.col("planted").mean(),
        lift=pl.col("lift").mean(),
        sd=(pl.col("lift") / pl.col("planted")).log().std(),
        se=((pl.col("high") / pl.col("low")).log() / (2 * _Z)).mean(),
    ).row(0, named=True)
    n = frame.height
    lo, hi = wilson(int(s["hits"]), n)
    rate = s["hits"] / n if n else float("nan")
    print(
        f"planted lift (mean) {s['planted']:.3f}, estimate (mean) {s['lift']:.3f}; sd of "
        f"log(estimate/planted) {s['sd']:.3f}, mean stated se {s['se']:.3f}"
    )
    print(
        f"covered: {s['hits']}/{n} = {rate:.1%} (Wilson 95 % {lo:.1%}–{hi:.1%}); "
        f"the nominal 1.8: {s['at_18']}/{n}"
    )
    ok = TARGET[0] <= rate <= TARGET[1]
    print(f"target: {TARGET[0]:.0%}–{TARGET[1]:.0%} of the cohorts: {'met' if ok else 'NOT met'}")
    return ok


def check_coverage(args: argparse.Namespace) -> bool:
    """The engagement score's 95 % intervals contain the planted score for 90–98 % of rows."""
    seeds = [int(s) for s in str(args.coverage_seeds).split(",") if s]
    periods = [p for p in str(args.coverage_periods).split(",") if p]
    k = int(args.coverage_k)
    print(
        f"coverage of engagement_score_low/high: {args.coverage_museums} museums per cohort, "
        f"seeds {seeds}, planted rate on {k}× the posts"
    )
    start = time.perf_counter()
    rows = pl.concat(
        [coverage_rows(args.coverage_museums, s, k, periods) for s in seeds],
        how="diagonal_relaxed",
    )
    print(f"(simulated and scored in {time.perf_counter() - start:.0f} s)")
    header = (
        f"{'period':<7} {'seed':>6} {'rows':>7} {'covered':>8} {'95 % CI':>13} "
        f"{'below':>6} {'above':>6} {'width':>6} {'expected':>8}"
    )
    ok = True
    for period in periods:
        for composite in (False, True):
            part = rows.filter(
                (pl.col("period_kind") == period) & ((pl.col("network") == "all") == composite)
            )
            print(
                'composite "all" rows (planted: the composite of the networks\' planted '
                "scores, same weights)"
                if composite
                else "network rows"
            )
            print(header)
            for seed in [*seeds, None]:
                sub = part if seed is None else part.filter(pl.col("seed") == seed)
                s = summarize(sub, k).row(0, named=True)
                label = "pooled" if seed is None else str(seed)
                expected = "—" if math.isnan(s["expected"]) else f"{s['expected']:.1%}"
                print(
                    f"{period:<7} {label:>6} {s['rows']:>7,} {s['coverage']:>8.1%} "
                    f"{s['wilson_low']:>6.1%}–{s['wilson_high']:<6.1%} {s['below']:>6.1%} "
                    f"{s['above']:>6.1%} {s['width']:>6.1f} {expected:>8}"
                )
                if seed is None:
                    ok &= TARGET[0] <= s["coverage"] <= TARGET[1]
            group = "networks" if composite else "network"
            by = (
                part.group_by(group)
                .agg(
                    rows=pl.len(),
                    coverage=(
                        (pl.col("engagement_score_low") <= pl.col("planted"))
                        & (pl.col("planted") <= pl.col("engagement_score_high"))
                    ).mean(),
                    posts=pl.col("posts_rated").median(),
                    width=(
                        pl.col("engagement_score_high") - pl.col("engagement_score_low")
                    ).median(),
                )
                .sort(group)
            )
            print(
                ("  by networks averaged: " if composite else "  per network: ")
                + ", ".join(
                    f"{r[group]} {r['coverage']:.1%} ({r['rows']:,} rows, n~{r['posts']:.0f}, "
                    f"width {r['width']:.1f})"
                    for r in by.iter_rows(named=True)
                )
            )
    print(
        f"target: pooled coverage in {TARGET[0]:.0%}–{TARGET[1]:.0%} for every period, network "
        f"and composite rows each: "
        f"{'met' if ok else 'NOT met'}"
    )
    return ok
