"""Validity: does the engagement score recover a planted quality better than the usual rates?

Simulates a cohort with :func:`engagecore.simulate.simulate_cohort` (≥ 500 museums, planted
latent quality per account, heavy-tailed follower counts, rate ∝ followers^-β, viral posts,
themes and kinds), scores it from the simulated frames only — the planted truth is read
after scoring, to judge — and reports, per network and on average, the Spearman rank
correlation with the planted quality of:

- our engagement score (docs/scoring.md §2);
- naive ER by followers (mean of interactions ÷ followers at post time, per post);
- a fixed normalization, mean of interactions ÷ followers^0.8 (Unmetric).

Target: ρ ≥ 0.9 for our score, and ≥ 0.15 above naive ER. Usage::

    python benchmarks/validity.py [--museums 600] [--seed 3] [--beta 0.25]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
import polars as pl
from validity_coverage import (  # beside this file
    add_coverage_arguments,
    check_coverage,
    check_lift_coverage,
)

from engagecore import plugins
from engagecore.scoring import ScoringConfig, ScoringInputs, post_metrics, score
from engagecore.simulate import simulate_cohort


def spearman(a: pl.Series, b: pl.Series) -> float:
    """Spearman's ρ: the Pearson correlation of the ranks (ties averaged)."""
    ra = a.rank("average").to_numpy().astype(float)
    rb = b.rank("average").to_numpy().astype(float)
    return float(np.corrcoef(ra, rb)[0, 1])


def check_rank(args: argparse.Namespace) -> bool:
    """The engagement score's ρ with the planted quality (the original check)."""
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


CHECKS: dict[str, Callable[[argparse.Namespace], bool]] = {
    "rank": check_rank,
    "coverage": check_coverage,
    "lift_coverage": check_lift_coverage,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--museums", type=int, default=600)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument(
        "--beta", type=float, default=None, help="size exponent β (default: the simulator's)"
    )
    parser.add_argument("--check", choices=[*CHECKS, "all"], default="all")
    add_coverage_arguments(parser)
    args = parser.parse_args()
    names = list(CHECKS) if args.check == "all" else [args.check]
    results = {}
    for name in names:
        print(f"== {name}")
        results[name] = CHECKS[name](args)
    if len(names) > 1:
        print(
            "summary: "
            + ", ".join(f"{n} {'met' if ok else 'NOT met'}" for n, ok in results.items())
        )
    if not all(results.values()):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
