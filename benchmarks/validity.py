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

``--check accrual`` (docs/scoring.md §1.5): the simulator plants observation times — 30 % of
the own posts read before maturity under a planted accrual curve that differs from the
plugins' defaults (young reads concentrated in some accounts), 20 % read more than once —
and the engagement score, with post age taken into account (curves estimated from the
repeated readings), must keep ρ ≥ 0.95 with the planted quality; the table also shows what
ignoring age gives, and what the plugins' default curves give without repeated readings, and
how young posts fare as over/underperformers at the same age and ignoring it.

Usage::

    python benchmarks/validity.py [--check all|engagement|accrual] [--museums 600] [--seed 3]
        [--beta 0.25]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

import numpy as np
import polars as pl

from engagecore import plugins
from engagecore.scoring import ScoringConfig, ScoringInputs, post_metrics, score
from engagecore.simulate import ObservationPlan, simulate_cohort


def spearman(a: pl.Series, b: pl.Series) -> float:
    """Spearman's ρ: the Pearson correlation of the ranks (ties averaged)."""
    ra = a.rank("average").to_numpy().astype(float)
    rb = b.rank("average").to_numpy().astype(float)
    return float(np.corrcoef(ra, rb)[0, 1])


def check_engagement(args: argparse.Namespace) -> bool:
    """The engagement score against naive ER and a fixed normalization (the first check)."""
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


def _rho_by_network(scores: pl.DataFrame, truth: pl.DataFrame) -> dict[str, tuple[int, float]]:
    """Per network, (museums scored, Spearman ρ of the engagement score with the quality)."""
    judged = scores.filter(
        (pl.col("network") != "all") & pl.col("engagement_score").is_not_null()
    ).join(truth, on=["museum", "network"], how="inner")
    out = {}
    for (net,), part in judged.group_by("network"):
        if part.height >= 3:
            q = part.get_column("quality")
            out[str(net)] = (part.height, spearman(q, part.get_column("engagement_score")))
    return out


def check_accrual(args: argparse.Namespace) -> bool:
    """Post age: the engagement score when 30 % of the posts are read before maturity."""
    networks = plugins.registry().networks
    params = None if args.beta is None else {n: {"size_exponent": args.beta} for n in networks}
    plan = ObservationPlan(
        young_share=0.3, repeat_share=0.2, concentration=args.young_concentration
    )
    start = time.perf_counter()
    cohort = simulate_cohort(args.museums, args.seed, networks, params=params, observation=plan)
    sim_s = time.perf_counter() - start
    assert cohort.observations is not None and cohort.observation_truth is not None
    accounts = cohort.accounts.select("network", "account_id", "museum")

    def inputs(with_readings: bool) -> ScoringInputs:
        return ScoringInputs.from_frames(
            cohort.posts,
            accounts=accounts,
            followers=cohort.followers,
            audience_age=cohort.audience_age,
            observations=cohort.observations if with_readings else None,
        )

    start = time.perf_counter()
    full = inputs(True)
    aged = score(full, networks, ScoringConfig())
    aged_posts = post_metrics(full, networks, ScoringConfig())
    score_s = time.perf_counter() - start
    ignored_inputs = inputs(False)
    ignored = score(ignored_inputs, networks, ScoringConfig(maturity_fraction=None))
    ignored_posts = post_metrics(ignored_inputs, networks, ScoringConfig(maturity_fraction=None))
    default = score(ignored_inputs, networks, ScoringConfig())

    # --- judging: the planted truth only now ---
    truth = cohort.truth.group_by("museum", "network").agg(pl.col("quality").mean())
    otruth = cohort.observation_truth
    young_share = float(otruth.get_column("read_young").mean() or 0.0)
    print(
        f"cohort: {args.museums} museums, {cohort.posts.height:,} posts, "
        f"{young_share:.1%} of own posts read before maturity (planted curve; accounts' "
        f"propensity Beta, concentration {args.young_concentration:g}), "
        f"{cohort.observations.get_column('post_id').n_unique():,} read more than once "
        f"(simulated in {sim_s:.1f} s, scored with age in {score_s:.1f} s)"
    )
    rows = {
        "with age (estimated)": _rho_by_network(aged, truth),
        "default curves": _rho_by_network(default, truth),
        "ignoring age": _rho_by_network(ignored, truth),
    }
    basis = (
        aged.filter(pl.col("network") != "all")
        .group_by("network")
        .agg(pl.col("accrual_basis").first(), pl.col("maturity_hours").first())
    )
    nets = sorted(rows["with age (estimated)"])
    print(
        f"{'network':<10} {'museums':>7} {'ρ age':>7} {'ρ default':>9} {'ρ ignore':>8}  curve used"
    )
    for net in nets:
        n, r = rows["with age (estimated)"][net]
        d = rows["default curves"].get(net, (0, float("nan")))[1]
        i = rows["ignoring age"].get(net, (0, float("nan")))[1]
        b = basis.filter(pl.col("network") == net)
        used = (
            f"{b['accrual_basis'][0]}, maturity {b['maturity_hours'][0]:.0f} h" if b.height else ""
        )
        print(f"{net:<10} {n:>7} {r:>7.3f} {d:>9.3f} {i:>8.3f}  {used}")
    means = {}
    for label, by_net in rows.items():
        w = np.array([v[0] for v in by_net.values()], dtype=float)
        means[label] = float(np.average([v[1] for v in by_net.values()], weights=w))
    print(
        f"{'weighted':<10} {'':>7} {means['with age (estimated)']:>7.3f} "
        f"{means['default curves']:>9.3f} {means['ignoring age']:>8.3f}"
    )
    # same-age overperformance: young posts are not called underperformers
    for young in (True, False):
        which = otruth.filter(pl.col("read_young") == young).select("network", "post_id")
        for label, frame in (("same age", aged_posts), ("ignoring age", ignored_posts)):
            part = frame.join(which, on=["network", "post_id"]).filter(
                pl.col("overperformance").is_not_null()
            )
            med = part.get_column("overperformance").median()
            under = (part.get_column("overperformance") < 0.5).mean()
            print(
                f"{'young' if young else 'mature'} posts, overperformance {label}: "
                f"median {med:.2f}, {under:.1%} below 0.5 ({part.height:,} posts)"
            )
    ok = means["with age (estimated)"] >= 0.95
    print(
        f"target ρ ≥ 0.95 with 30 % of posts read before maturity: {'met' if ok else 'NOT met'} "
        f"(ignoring age: {means['ignoring age']:.3f})"
    )
    return ok


CHECKS: dict[str, Callable[[argparse.Namespace], bool]] = {
    "engagement": check_engagement,
    "accrual": check_accrual,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", choices=["all", *CHECKS], default="all")
    parser.add_argument("--museums", type=int, default=600)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument(
        "--beta", type=float, default=None, help="size exponent β (default: the simulator's)"
    )
    parser.add_argument(
        "--young-concentration",
        type=float,
        default=10.0,
        help="accrual check: Beta concentration of the accounts' propensity to be read young "
        "(lower: young reads concentrated in fewer accounts)",
    )
    args = parser.parse_args()
    chosen = list(CHECKS) if args.check == "all" else [args.check]
    results = []
    for name in chosen:
        print(f"== check {name}")
        results.append(CHECKS[name](args))
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
