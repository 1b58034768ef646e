"""The simulated audiences as the networks report them: follower snapshots over time, and
age distributions for the accounts whose owners can export them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import polars as pl

from engagecore import schema
from engagecore._sim.params import AGE_BANDS
from engagecore._sim.population import World, days

_US_PER_DAY = 86_400_000_000
# How each band's share moves as a museum's audience gets younger (per unit of "youth").
_YOUTH_SLOPE = np.array([1.0, 0.8, 0.3, 0.0, -0.3, -0.6, -0.8])
_MEASUREMENT = 400.0  # Dirichlet concentration of a measured age distribution around the truth


def _month_starts(start: date, end: date) -> list[date]:
    out = []
    d = date(start.year, start.month, 1)
    while d < end:
        if d >= start:
            out.append(d)
        d = date(d.year + d.month // 12, d.month % 12 + 1, 1)
    return out


def _gather(name: str, values: list[str], rows: np.ndarray) -> pl.Series:
    """A per-account (or per-museum) string, for each row."""
    return pl.Series(name, values, dtype=pl.Utf8).gather(pl.Series(rows))


def follower_snapshots(world: World) -> pl.DataFrame:
    """Snapshots when the account starts in the period, on the first of each month after,
    and at the export date: audiences grow, so followers at post time differ from today's."""
    acc = world.acc
    months = np.array([days(d) for d in _month_starts(world.start, world.end)], dtype=np.int64)
    first = world.first_day
    a, m = np.nonzero(months[None, :] > first[:, None])
    every = np.arange(len(acc.net))
    rows = np.concatenate([every, a, every])
    t = np.concatenate(
        [first.astype(float), months[m].astype(float), np.full(len(every), world.export_days)]
    )
    order = np.lexsort((t, rows))
    rows, t = rows[order], t[order]
    return snapshot_frame(world, rows, t, acc.followers_at(rows, t, world.export_days))


def snapshot_frame(
    world: World, rows: np.ndarray, t: np.ndarray, followers: np.ndarray
) -> pl.DataFrame:
    """The follower-snapshot frame (network, account_id, observed_at, followers, museum) of
    the readings of accounts ``rows`` at days ``t``: ``followers`` rounded, at least 1."""
    acc = world.acc
    counts = np.maximum(np.round(followers), 1.0)
    networks = [s.name for s in world.specs]
    return pl.DataFrame(
        [
            _gather("network", [networks[k] for k in acc.net], rows),
            _gather("account_id", acc.account_id, rows),
            pl.Series("observed_at", np.round(t * _US_PER_DAY).astype(np.int64)).cast(
                schema.UTC_TS
            ),
            pl.Series("followers", counts.astype(np.int64)),
            _gather("museum", world.roster.slug, acc.museum[rows]),
        ]
    )


def true_age_profiles(world: World) -> np.ndarray:
    """Each account's true audience age distribution [accounts, bands]: its network's
    profile shifted towards the young bands by the museum's youth."""
    shares = world.per_account("age_profile") * np.exp(world.acc.youth[:, None] * _YOUTH_SLOPE)
    return shares / shares.sum(axis=1, keepdims=True)


def audience_age(
    world: World, true: np.ndarray, rngs: Sequence[np.random.Generator]
) -> pl.DataFrame:
    """Owned age data for a share of the accounts (none on networks that expose none), as
    measured at the export date: the true profile with sampling noise, shares summing to 1.
    Each network's draws come from its own stream (``rngs``, in the order of the specs)."""
    acc = world.acc
    bounds = world.network_bounds()
    chosen: list[np.ndarray] = []
    shares: list[np.ndarray] = []
    for k, (spec, rng) in enumerate(zip(world.specs, rngs, strict=True)):
        lo, hi = int(bounds[k]), int(bounds[k + 1])
        pick = lo + np.flatnonzero(rng.random(hi - lo) < world.params[spec.name].age_share)
        drawn = rng.gamma(_MEASUREMENT * true[pick])
        chosen.append(pick)
        shares.append(drawn / drawn.sum(axis=1, keepdims=True))
    bands = len(AGE_BANDS)
    which = np.concatenate(chosen) if chosen else np.zeros(0, dtype=np.int64)
    measured = np.concatenate(shares) if shares else np.zeros((0, bands))
    rows = np.repeat(which, bands)
    band = pl.Series(np.tile(np.arange(bands), len(which)))
    networks = [s.name for s in world.specs]
    bases = [world.params[s].age_basis for s in networks]
    return pl.DataFrame(
        [
            _gather("network", [networks[k] for k in acc.net], rows),
            _gather("account_id", acc.account_id, rows),
            pl.repeat(world.export, len(rows), dtype=schema.UTC_TS, eager=True).alias(
                "observed_at"
            ),
            pl.Series("age_band", [b[0] for b in AGE_BANDS], dtype=pl.Utf8).gather(band),
            pl.Series("age_min", [b[1] for b in AGE_BANDS], dtype=pl.Int32).gather(band),
            pl.Series("age_max", [b[2] for b in AGE_BANDS], dtype=pl.Int32).gather(band),
            pl.Series("share", measured.ravel(), dtype=pl.Float64),
            _gather("basis", [bases[k] for k in acc.net], rows),
            _gather("museum", world.roster.slug, acc.museum[rows]),
        ]
    )
