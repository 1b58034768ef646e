"""Planted follower growth (``simulate_cohort(growth=...)``, off by default).

Each account gets a latent **growth quality** ``q`` (log-normal, median 1) and a yearly log
growth rate ``g = g₀ · q · (F₀ / F̃₀)^−γ``: ``g₀`` its network's ``follower_growth``, ``F₀``
its followers at the simulation's start, ``F̃₀`` their median on the network, ``γ`` the
size exponent — relative growth falls with size, as it does for real pages (a large
audience adds a smaller share of itself). ``F₀`` itself depends on ``g`` (the trajectory
ends at today's followers), so ``g`` is the fixed point of that relation (capped at a yearly log growth of 1).

The accounts' follower trajectories (and so the followers each post sees) follow ``g``
(plain exponential growth: without the default's faster ramp after an account opens); the
snapshots are **irregular** — a reading in a given month with probability
``reading_share``, on a random day — plus one when the account starts and one at the export,
each with multiplicative noise ``exp(N(0, noise²))``, rounded. Every draw comes from the
option's own random stream, so with the option off every other output is unchanged.

The truth (:attr:`Cohort.growth_truth`, never read by the scoring): per account its growth
rate, growth quality, the size exponent, and the noiseless followers when it starts in the
simulation (its start, or the account's opening) and at the export.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from engagecore._sim.audience import _gather, _month_starts, snapshot_frame
from engagecore._sim.population import World, days

#: The growth option's own stream: ``default_rng((seed, STREAM))`` ("grow").
STREAM = 0x67726F77
#: Yearly log growth is capped at 1 (×2.7 a year): the fastest-growing small accounts.
MAX_GROWTH = 1.0


@dataclass(frozen=True)
class GrowthPlan:
    """The knobs of the planted growth.

    :param size_exponent: γ, relative growth ∝ followers^−γ.
    :param quality_sigma: log-sd of the growth quality q between accounts.
    :param noise: sd of a snapshot's log around the true followers (1 %: day-to-day wobble).
    :param reading_share: chance that an account has a reading in a given month.
    """

    size_exponent: float = 0.3
    quality_sigma: float = 0.4
    noise: float = 0.01
    reading_share: float = 0.7


def plant(world: World, seed: int, plan: GrowthPlan) -> tuple[np.random.Generator, pl.DataFrame]:
    """Replace each account's growth by the planted one (in place, before the posts are
    drawn); returns the option's stream (for the snapshots) and the truth frame."""
    rng = np.random.default_rng((seed, STREAM))
    acc = world.acc
    n = len(acc.net)
    quality = np.exp(rng.normal(0.0, plan.quality_sigma, n))
    base = world.per_account("follower_growth") if n else np.zeros(0)
    years = (world.export_days - world.start_day) / 365.25
    g = base.copy()
    for _ in range(50):  # the fixed point g = g₀ q (F₀/F̃₀)^−γ, F₀ = F e^{−g T}
        log_f0 = np.log(acc.followers) - g * years
        ref = np.zeros(n)
        for k in np.unique(acc.net):
            on = acc.net == k
            ref[on] = np.median(log_f0[on])
        target = base * quality * np.exp(np.minimum(-plan.size_exponent * (log_f0 - ref), 5.0))
        g = 0.5 * g + 0.5 * np.minimum(target, MAX_GROWTH)  # damped: converges
    acc.growth[:] = g
    acc.ramp = False  # the trajectory is the planted law, without the opening ramp
    every = np.arange(n)
    start = world.first_day.astype(float)
    truth = pl.DataFrame(
        [
            _gather("museum", world.roster.slug, acc.museum),
            _gather("network", [s.name for s in world.specs], acc.net.astype(np.int64)),
            pl.Series("account_id", acc.account_id, dtype=pl.Utf8),
            pl.Series("growth_rate", g, dtype=pl.Float64),
            pl.Series("growth_quality", quality, dtype=pl.Float64),
            pl.Series("size_exponent", np.full(n, plan.size_exponent), dtype=pl.Float64),
            pl.Series(
                "followers_start",
                acc.followers_at(every, start, world.export_days),
                dtype=pl.Float64,
            ),
            pl.Series("followers_export", acc.followers.astype(float), dtype=pl.Float64),
            pl.Series("opened_before_start", acc.adopted < world.start_day, dtype=pl.Boolean),
        ]
    )
    return rng, truth


def snapshots(world: World, rng: np.random.Generator, plan: GrowthPlan) -> pl.DataFrame:
    """Irregular, noisy follower snapshots (see the module's doc)."""
    acc = world.acc
    n = len(acc.net)
    months = np.array([days(d) for d in _month_starts(world.start, world.end)], dtype=float)
    first = world.first_day.astype(float)
    taken = rng.random((n, months.size)) < plan.reading_share
    day = months[None, :] + rng.random((n, months.size)) * 28.0
    a, m = np.nonzero(taken & (day > first[:, None]) & (day < world.export_days))
    every = np.arange(n)
    rows = np.concatenate([every, a, every])
    t = np.concatenate([first, day[a, m], np.full(n, world.export_days)])
    order = np.lexsort((t, rows))
    rows, t = rows[order], t[order]
    true = acc.followers_at(rows, t, world.export_days)
    return snapshot_frame(world, rows, t, true * np.exp(rng.normal(0.0, plan.noise, rows.size)))


def planted_index() -> pl.Expr:
    """The planted growth index of an account over the whole simulation (the "all" period):
    its planted yearly log growth times ``F_s^γ`` (F_s its true followers when it starts in
    the simulation) — proportional, within a network, to the growth it would show at the
    cohort's typical size. Its percentile within a cohort is the planted growth score
    (benchmarks/validity.py)."""
    return pl.col("growth_rate") * pl.col("followers_start").pow(pl.col("size_exponent"))
