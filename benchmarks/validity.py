"""Validity: does the engagement score recover a planted quality better than the usual rates?

Simulates a cohort with :func:`engagecore.simulate.simulate_cohort` (≥ 500 museums, planted
latent quality per account, heavy-tailed follower counts, rate ∝ followers^-β, viral posts,
themes and kinds), scores it from the simulated frames only — the planted truth is read
after scoring, to judge — and reports, per network and on average, the Spearman rank
correlation with the planted quality of:

- our engagement score (docs/scoring.md §2);
- naive ER by followers (mean of interactions ÷ followers at post time, per post);
- a fixed normalization, mean of interactions ÷ followers^0.8 (Unmetric).

Target: ρ ≥ 0.9 for our score, and ≥ 0.15 above naive ER.

``--check growth`` (docs/scoring.md §9.6): the cohort simulated with planted follower growth
(``simulate_cohort(growth=True)``: a latent growth quality per account, growth falling with
size, irregular noisy snapshots); the growth score's Spearman ρ with the planted growth
quality (target ≥ 0.9), and the coverage of its 95 % interval: the share of rows whose
interval holds the planted score — the score the account's true growth rate gets within the
same cohort (the cohort step run on the planted rates, with no sampling variance) — target
90–98 %. Usage::

    python benchmarks/validity.py [--museums 600] [--seed 3] [--beta 0.25] [--check all]
        [--growth-period all|year|quarter|month]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import polars as pl

from engagecore import plugins
from engagecore.scoring import ScoringConfig, ScoringInputs, periods, post_metrics, score
from engagecore.simulate import simulate_cohort


def spearman(a: pl.Series, b: pl.Series) -> float:
    """Spearman's ρ: the Pearson correlation of the ranks (ties averaged)."""
    ra = a.rank("average").to_numpy().astype(float)
    rb = b.rank("average").to_numpy().astype(float)
    return float(np.corrcoef(ra, rb)[0, 1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--museums", type=int, default=600)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument(
        "--beta", type=float, default=None, help="size exponent β (default: the simulator's)"
    )
    parser.add_argument("--check", choices=[*sorted(CHECKS), "all"], default="all")
    parser.add_argument(
        "--growth-period",
        choices=["all", "year", "quarter", "month"],
        default="all",
        help="the score period of --check growth (default: all)",
    )
    args = parser.parse_args()
    chosen = sorted(CHECKS) if args.check == "all" else [args.check]
    results = [CHECKS[name](args) for name in chosen]
    raise SystemExit(0 if all(results) else 1)


def check_engagement(args: argparse.Namespace) -> bool:
    """The engagement score against the planted quality (the original check)."""
    networks = plugins.registry().networks
    params = None if args.beta is None else {n: {"size_exponent": args.beta} for n in networks}
    start = time.perf_counter()
    cohort = simulate_cohort(args.museums, args.seed, networks, params=params)
    sim_s = time.perf_counter() - start

    # --- scoring sees only what a store would hold: no truth ---
    inputs = ScoringInputs.from_frames(
        cohort.posts,
        accounts=cohort.accounts.select("network", "account_id", "museum"),
        followers=cohort.followers,
        audience_age=cohort.audience_age,
    )
    start = time.perf_counter()
    scores = score(inputs, networks, ScoringConfig())
    posts = post_metrics(inputs, networks)
    score_s = time.perf_counter() - start

    # --- judging: join the planted truth only now ---
    fixed = (
        posts.filter(pl.col("interactions").is_not_null() & (pl.col("followers") > 0))
        .group_by("museum", "network")
        .agg(
            fixed_08=(pl.col("interactions") / pl.col("followers").cast(pl.Float64).pow(0.8)).mean()
        )
    )
    truth = cohort.truth.group_by("museum", "network").agg(pl.col("quality").mean())
    judged = (
        scores.filter(pl.col("network") != "all")
        .join(truth, on=["museum", "network"], how="inner")
        .join(fixed, on=["museum", "network"], how="left")
        .filter(
            pl.col("engagement_score").is_not_null()
            & pl.col("naive_rate").is_not_null()
            & pl.col("fixed_08").is_not_null()
        )
    )
    print(
        f"cohort: {args.museums} museums, {cohort.posts.height:,} posts, "
        f"{cohort.accounts.height:,} accounts (simulated in {sim_s:.1f} s, scored in {score_s:.1f} s)"
    )
    print(
        f"{'network':<11} {'museums':>7} {'ρ score':>8} {'ρ naive ER':>10} {'ρ F^0.8':>8} {'slope b':>8}"
    )
    rhos = []
    for net, part in sorted(judged.group_by("network"), key=lambda kv: str(kv[0][0])):
        q = part.get_column("quality")
        r = (
            spearman(q, part.get_column("engagement_score")),
            spearman(q, part.get_column("naive_rate")),
            spearman(q, part.get_column("fixed_08")),
        )
        rhos.append((part.height, *r))
        b = part.get_column("size_slope").median()
        print(f"{net[0]:<11} {part.height:>7} {r[0]:>8.3f} {r[1]:>10.3f} {r[2]:>8.3f} {b:>8.3f}")
    w = np.array([r[0] for r in rhos], dtype=float)
    mean = [float(np.average([r[i] for r in rhos], weights=w)) for i in (1, 2, 3)]
    print(f"{'weighted':<11} {int(w.sum()):>7} {mean[0]:>8.3f} {mean[1]:>10.3f} {mean[2]:>8.3f}")
    ok = mean[0] >= 0.9 and mean[0] - mean[1] >= 0.15
    print(
        f"target ρ ≥ 0.9 and ≥ naive + 0.15: {'met' if ok else 'NOT met'} "
        f"(gain over naive ER {mean[0] - mean[1]:+.3f})"
    )
    return ok


def check_growth(args: argparse.Namespace) -> bool:
    """The growth score against the planted growth: ρ ≥ 0.9, 95 % interval coverage 90–98 %."""
    from engagecore._sim.growth import GrowthPlan
    from engagecore.scoring.growth import score_cohort_growth

    networks = plugins.registry().networks
    start = time.perf_counter()
    cohort = simulate_cohort(args.museums, args.seed, networks, growth=GrowthPlan())
    sim_s = time.perf_counter() - start
    inputs = ScoringInputs.from_frames(
        cohort.posts,
        accounts=cohort.accounts.select("network", "account_id", "museum"),
        followers=cohort.followers,
        audience_age=cohort.audience_age,
    )
    config = ScoringConfig(growth=True, period=args.growth_period)
    start = time.perf_counter()
    scores = score(inputs, networks, config)
    score_s = time.perf_counter() - start
    assert cohort.growth_truth is not None
    # --- judging: the planted truth joined only now (one account per museum and network) ---
    truth = cohort.growth_truth.group_by("museum", "network").agg(
        true_rate=pl.col("growth_rate").first(),
        growth_quality=pl.col("growth_quality").first(),
        opening=pl.col("followers_start").first(),
        today=pl.col("followers_export").first(),
    )
    # the true followers at the period's start (or at the account's opening, if later):
    # the planted trajectory F(t) = F(export) · exp(−g (export − t)), growing
    ends = periods.bounds(
        config.period, scores.get_column("period_key").unique(), None, None
    ).select("period_key", "start")
    export = cohort.export_date
    years = (pl.lit(export) - pl.col("start")).dt.total_seconds() / (365.25 * 86400)
    judged = (
        scores.filter((pl.col("network") != "all") & pl.col("growth_score").is_not_null())
        .join(truth, on=["museum", "network"], how="inner")
        .join(ends, on="period_key", how="left")
        .with_columns(
            true_start=pl.when(pl.col("start").is_null())
            .then(pl.col("opening"))
            .otherwise(
                pl.max_horizontal(
                    pl.col("opening"), pl.col("today") * (-pl.col("true_rate") * years).exp()
                )
            )
        )
        .sort("network", "period_key", "museum")
    )
    print(
        f"growth: {args.museums} museums, {cohort.followers.height:,} follower snapshots "
        f"(simulated in {sim_s:.1f} s, scored in {score_s:.1f} s), period {config.period}"
    )
    print(
        f"{'network':<11} {'rows':>5} {'ρ quality':>9} {'ρ planted':>9} {'coverage':>8} "
        f"{'width':>6} {'slope':>6}"
    )
    stats = []
    for (net, _), part in judged.group_by("network", "period_key", maintain_order=True):
        if part.height < 3:
            continue  # a cohort of fewer than three rows says little
        # the planted score: the cohort step on the true rates, with no sampling variance
        planted = score_cohort_growth(
            part.get_column("true_rate").to_numpy(),
            np.zeros(part.height),
            np.log(part.get_column("true_start").to_numpy()),
            config.min_cohort_fit,
            config.interval_level,
        ).score
        low = part.get_column("growth_score_low").to_numpy()
        high = part.get_column("growth_score_high").to_numpy()
        cover = float(np.mean((planted >= low - 1e-9) & (planted <= high + 1e-9)))
        est = part.get_column("growth_score")
        r_q = spearman(part.get_column("growth_quality"), est)
        r_p = spearman(pl.Series(planted), est)
        width = float(np.median(high - low))
        slope = part.get_column("growth_size_slope").median()
        stats.append((part.height, r_q, r_p, cover))
        print(
            f"{net:<11} {part.height:>5} {r_q:>9.3f} {r_p:>9.3f} {cover:>8.1%} {width:>6.1f} "
            f"{slope:>6.3f}"
        )
    w = np.array([s[0] for s in stats], dtype=float)
    r_q, r_p, cover = (float(np.average([s[i] for s in stats], weights=w)) for i in (1, 2, 3))
    print(f"{'weighted':<11} {int(w.sum()):>5} {r_q:>9.3f} {r_p:>9.3f} {cover:>8.1%}")
    ok_rho = r_q >= 0.9
    ok_cover = 0.90 <= cover <= 0.98
    print(
        f"target ρ(growth score, planted growth) ≥ 0.9: {'met' if ok_rho else 'NOT met'}; "
        f"coverage of the 95 % intervals in 90–98 %: {'met' if ok_cover else 'NOT met'} "
        f"(planted size exponent {GrowthPlan().size_exponent})"
    )
    return ok_rho and ok_cover


CHECKS = {"engagement": check_engagement, "growth": check_growth}


if __name__ == "__main__":
    main()
