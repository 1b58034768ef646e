"""Planted observation times: posts read before maturity, and posts read more than once.

An export reads each post's counts at one moment. With an :class:`ObservationPlan`, the
simulator reads a share of the own posts young — at an age before their network's maturity
under a *planted* accrual curve, their counts thinned binomially to ``F_true(age)`` of the
final ones (each interaction is kept with that probability: the noise of counts that really
accrue one by one) — and reads another share several times (earlier readings thinned from
the latest by ``F_true(a') / F_true(a)``), which the scoring may estimate the curve from.

Young reads concentrate in some accounts, as in a real store (a museum that exported the
day after a busy week): each account's propensity is drawn from a Beta distribution whose
mean is the planted share. The planted curves default to each network's plugin curve with a
longer half-life and another shape, so that the estimate can be told from the default. Everything draws from its own stream: with no plan, the cohort is
byte-identical to one simulated without this module.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import polars as pl

from engagecore import schema
from engagecore.errors import UsageError
from engagecore.pluginapi import AccrualCurve, NetworkSpec

#: The constant keying this module's random stream: ``default_rng((seed, STREAM))``.
STREAM = 14_001
_US_PER_HOUR = 3_600_000_000


@dataclass(frozen=True)
class ObservationPlan:
    """What to plant.

    :param young_share: the expected share of own posts read before maturity (under the
        planted curve at ``maturity_fraction``).
    :param repeat_share: the share of own posts read more than once.
    :param readings: earlier readings per repeated post.
    :param curves: the planted accrual curve per network; a network not given gets its
        plugin's default with the half-life × ``slower`` and the shape × ``shape_factor``
        (a network with neither gets a one-day half-life).
    :param maturity_fraction: the fraction defining "before maturity" (the scoring's default).
    :param concentration: the Beta concentration of the accounts' propensities to be read
        young: an account's propensity has mean ``young_share`` and standard deviation
        √(m(1−m)/(concentration+1)) — 0.14 at the default 10 and 30 %; lower: young reads
        concentrated in a few accounts (2: many accounts almost never read young, some
        almost always).
    """

    young_share: float = 0.3
    repeat_share: float = 0.2
    readings: int = 2
    curves: Mapping[str, AccrualCurve] | None = None
    slower: float = 2.5
    shape_factor: float = 1.4
    maturity_fraction: float = 0.9
    concentration: float = 10.0

    def __post_init__(self) -> None:
        if not (0 <= self.young_share < 1 and 0 <= self.repeat_share <= 1):
            raise UsageError("observation shares must lie in [0, 1)")
        if self.readings < 1 or self.concentration <= 0:
            raise UsageError("observation readings must be ≥ 1 and concentration > 0")

    def curve(self, spec: NetworkSpec) -> AccrualCurve:
        """The planted curve of a network."""
        if self.curves and spec.name in self.curves:
            return self.curves[spec.name]
        base = spec.accrual or AccrualCurve(24.0, 0.6)
        return AccrualCurve(
            half_life_hours=base.half_life_hours * self.slower,
            shape=base.shape * self.shape_factor,
            sources=("planted by the simulator",),
        )


def _thin(rng: np.random.Generator, counts: pl.DataFrame, p: np.ndarray) -> pl.DataFrame:
    """Each count column thinned binomially with probability ``p`` per row (NULL stays)."""
    out = []
    for c in schema.COUNT_COLUMNS:
        s = counts.get_column(c)
        mask = s.is_not_null().to_numpy()
        values = s.fill_null(0).to_numpy().astype(np.int64)
        drawn = rng.binomial(np.maximum(values, 0), np.clip(p, 0.0, 1.0))
        out.append(pl.Series(c, np.where(mask, drawn, 0), dtype=pl.Int64))
        if not mask.all():
            out[-1] = pl.select(pl.when(pl.lit(pl.Series(mask))).then(out[-1])).to_series()
            out[-1] = out[-1].alias(c)
    return pl.DataFrame(out)


def plant(
    posts: pl.DataFrame,
    specs: Mapping[str, NetworkSpec],
    plan: ObservationPlan,
    seed: int,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The posts as read under ``plan``, every reading of the posts read more than once
    (network, post_id, observed_at, the counts), and the truth: per own post its age at
    the latest reading (hours), F_true there and whether it was read before maturity."""
    rng = np.random.default_rng((seed, STREAM))
    n = posts.height
    nets = posts.get_column("network").to_numpy()
    own = posts.get_column("is_own").to_numpy()
    posted = posts.get_column("posted_at").dt.epoch("us").to_numpy()
    observed = posts.get_column("observed_at").dt.epoch("us").to_numpy()
    half = np.ones(n)
    shape = np.ones(n)
    mature_h = np.ones(n)
    for name, spec in specs.items():
        c = plan.curve(spec)
        where = nets == name
        half[where], shape[where] = c.half_life_hours, c.shape
        mature_h[where] = c.age_at(plan.maturity_fraction)

    def frac(age_h: np.ndarray, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
        return 1.0 - np.exp2(-((np.maximum(age_h, 0.0) / half[rows]) ** shape[rows]))

    # each account's propensity to be read young: Beta with the planted mean
    key = posts.select(pl.struct("network", "account_id").rank("dense")).to_series()
    acc = key.to_numpy().astype(np.int64) - 1
    m = max(plan.young_share, 1e-9)
    prop = rng.beta(plan.concentration * m, plan.concentration * (1 - m), acc.max() + 1 if n else 0)
    young = own & (rng.random(n) < prop[acc]) if n else np.zeros(0, dtype=bool)
    # a young reading's age: log-uniform between 5 % and 95 % of the maturity age
    u = rng.random(n)
    young_age = mature_h * np.exp(np.log(0.05) + u * (np.log(0.95) - np.log(0.05)))
    export_age = (observed - posted) / _US_PER_HOUR
    age = np.where(young, np.minimum(young_age, export_age), export_age)
    final = posts.select(schema.COUNT_COLUMNS)
    latest = _thin(rng, final, np.where(young, frac(age), 1.0))
    obs_at = posted + np.round(age * _US_PER_HOUR).astype(np.int64)
    read = posts.with_columns(
        *latest.get_columns(),
        pl.Series("observed_at", obs_at).cast(schema.UTC_TS),
    )
    # repeated readings: earlier ages log-uniform between 2 % of maturity and the latest age
    repeat = np.flatnonzero(own & (rng.random(n) < plan.repeat_share))
    parts = [read[repeat].select("network", "post_id", "observed_at", *schema.COUNT_COLUMNS)]
    for _ in range(plan.readings):
        lo = np.log(np.minimum(0.02 * mature_h[repeat], age[repeat] * 0.5))
        hi = np.log(age[repeat])
        earlier = np.exp(lo + rng.random(len(repeat)) * (hi - lo))
        ratio = frac(earlier, repeat) / np.maximum(frac(age[repeat], repeat), 1e-12)
        counts = _thin(rng, latest[repeat], ratio)
        parts.append(
            pl.DataFrame(
                [
                    read.get_column("network").gather(repeat),
                    read.get_column("post_id").gather(repeat),
                    pl.Series(
                        "observed_at",
                        posted[repeat] + np.round(earlier * _US_PER_HOUR).astype(np.int64),
                    ).cast(schema.UTC_TS),
                    *counts.get_columns(),
                ]
            )
        )
    observations = pl.concat(parts).unique(["network", "post_id", "observed_at"], keep="first")
    truth = pl.DataFrame(
        [
            posts.get_column("network"),
            posts.get_column("post_id"),
            pl.Series("age_hours", age),
            pl.Series("accrued_true", np.where(own, frac(age), np.nan), nan_to_null=True),
            pl.Series("read_young", own & (age < mature_h)),
        ]
    ).filter(pl.Series(own))
    return read, observations.sort("network", "post_id", "observed_at"), truth
