"""The knobs of the scoring, with the defaults docs/scoring.md justifies.

Every field is data, not code: the core knows no network by name, so per-network settings
are mappings keyed by whatever network names the plugins register.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal, cast

from engagecore.errors import UsageError

Period = Literal["all", "month", "quarter", "year"]
Basis = Literal["followers", "reach", "views"]
Weighting = Literal["audience", "equal"]

PERIODS: Final = ("all", "month", "quarter", "year")
BASES: Final = ("followers", "reach", "views")

#: The environment variable naming a user's young-priors file.
PRIORS_ENV: Final = "ENGAGE_YOUNG_PRIORS"


@dataclass(frozen=True)
class ScoringConfig:
    """How to score. The defaults are the ones documented in docs/scoring.md.

    :param period: the time grain of the rows: one row per museum × network × period.
    :param weights: per network, count column → weight overriding the plugin's
        :attr:`NetworkSpec.interactions` (a column absent from the mapping keeps no weight).
    :param basis_preference: the order in which rate bases are tried for every post;
        ``basis_by_network`` overrides it for some networks (e.g. views first for video).
    :param half_life_days: recency weighting of the per-post rates inside a period (None:
        every post counts the same).
    :param young_band: the ages counted as young, inclusive (default 13–24).
    :param priors_path: a young-priors TOML overriding the shipped one (also taken from
        the ``ENGAGE_YOUNG_PRIORS`` environment variable).
    :param bootstrap: bootstrap replicates per row; ``seed`` makes them deterministic.
    :param min_posts: below this many rated posts a row is a small sample: flagged, and its
        estimate is shrunk toward the cohort.
    :param min_cohort_fit: the fewest museums with a positive rate needed to fit the size
        adjustment of a cohort; smaller cohorts are not size-adjusted (slope 0, said so).
    :param min_cohort_score: the fewest museums with a rate (a growth figure) a cohort needs
        for the 0–100 engagement (growth) score: a percentile among fewer moves by 100/(N−1)
        points a rank, and among two is 0 or 100 with an interval of no width (docs/scoring.md
        §2.6); below it the score and its interval are null and ``reason`` says so.
    :param expectation_window: how many previous posts of the same account and kind form a
        post's expectation; ``min_history`` of them are needed for an expectation at all.
    :param breakout_factor: a post breaks out when its rate exceeds this multiple of the 90th
        percentile of the same window.
    :param composite: how networks are weighted in the "all" row: by the museum's audience on
        each network (default), equally, or by ``composite_weights`` per network.
    :param alpha: significance level of ``compare``'s winner test.
    :param growth: compute the follower growth and the growth score (docs/scoring.md §9);
        off by default, the columns then null: it reads every follower snapshot, a fixed
        cost the engagement score does not need (benchmarks/score_speed.py).
    :param with_growth: the growth score and the composite of engagement and growth,
        ``performance_score`` = √(engagement score × growth score) (docs/scoring.md §9.5,
        after Fanpage Karma's Page Performance Index); implies ``growth``.
    :param growth_tolerance: when an account has no follower snapshot beyond a period's
        bound, the nearest one inside the period may stand for it if it is at most this
        share of the period away (the growth found is scaled to the whole period).
    :param maturity_fraction: a post is mature once its network's accrual curve reaches this
        fraction of its final interactions (docs/scoring.md §1.5); younger posts are left out
        of rates and scores, and compared at their own age in ``posts``. None: post age is
        ignored (every post counts as final).
    :param min_accrual_posts: the fewest posts read more than once (with ≥ 10 interactions
        at their latest reading) from which a network's accrual curve is estimated; with
        fewer, the plugin's default curve is used.
    """

    period: Period = "all"
    weights: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    basis_preference: Sequence[Basis] = BASES
    basis_by_network: Mapping[str, Sequence[Basis]] = field(default_factory=dict)
    half_life_days: float | None = None
    young_band: tuple[int, int] = (13, 24)
    priors_path: Path | None = None
    bootstrap: int = 200
    seed: int = 20240314
    interval_level: float = 0.95
    min_posts: int = 10
    min_cohort_fit: int = 10
    min_cohort_score: int = 5
    expectation_window: int = 100
    min_history: int = 10
    breakout_factor: float = 2.0
    composite: Weighting = "audience"
    composite_weights: Mapping[str, float] | None = None
    alpha: float = 0.05
    growth: bool = False
    with_growth: bool = False
    growth_tolerance: float = 0.25
    maturity_fraction: float | None = 0.9
    min_accrual_posts: int = 30

    def __post_init__(self) -> None:
        if self.period not in PERIODS:
            raise UsageError(f"period {self.period!r} is not one of {', '.join(PERIODS)}")
        extra = [b for seq in self.basis_by_network.values() for b in seq]
        for basis in (*self.basis_preference, *extra):
            if basis not in BASES:
                raise UsageError(f"rate basis {basis!r} is not one of {', '.join(BASES)}")
        lo, hi = self.young_band
        if not 0 <= lo <= hi:
            raise UsageError(f"young band {lo}-{hi} is not an age range (low ≤ high)")
        if self.half_life_days is not None and self.half_life_days <= 0:
            raise UsageError("the recency half-life must be a positive number of days")
        if self.bootstrap < 20:
            raise UsageError("use at least 20 bootstrap replicates (200 by default)")
        if not 0.5 < self.interval_level < 1:
            raise UsageError("the interval level must lie between 0.5 and 1 (e.g. 0.95)")
        if self.min_posts < 1 or self.min_history < 1 or self.expectation_window < 1:
            raise UsageError("min_posts, min_history and expectation_window must be ≥ 1")
        if not 0 <= self.growth_tolerance < 0.5:
            raise UsageError("growth_tolerance must lie in [0, 0.5) (a share of the period)")
        if self.maturity_fraction is not None and not 0 < self.maturity_fraction < 1:
            raise UsageError(
                f"maturity fraction {self.maturity_fraction!r}: expected between 0 and 1 (e.g. 0.9)"
            )
        if self.min_cohort_score < 2:
            raise UsageError("min_cohort_score must be ≥ 2 (a percentile needs another museum)")
        if self.min_accrual_posts < 1:
            raise UsageError("min_accrual_posts must be ≥ 1")
        if self.composite not in ("audience", "equal"):
            raise UsageError(f"composite weighting {self.composite!r} is not audience|equal")

    @property
    def computes_growth(self) -> bool:
        """Whether the growth figures are computed (``growth`` or ``with_growth``)."""
        return self.growth or self.with_growth

    def bases_for(self, network: str, preferred: Sequence[str] = ()) -> tuple[Basis, ...]:
        """The rate bases tried for ``network``, in order: the user's ``basis_by_network``,
        else the network's own order (``NetworkSpec.basis_order``, given as ``preferred``),
        else ``basis_preference``."""
        if network in self.basis_by_network:
            return tuple(self.basis_by_network[network])
        if preferred:
            return tuple(cast(Basis, b) for b in preferred)
        return tuple(self.basis_preference)

    def priors_file(self) -> Path | None:
        """The user's young-priors override: the explicit path, else the environment."""
        if self.priors_path is not None:
            return Path(self.priors_path)
        env = os.environ.get(PRIORS_ENV)
        return Path(env) if env else None
