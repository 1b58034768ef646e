"""Planted museum young shares (``simulate_cohort(museum_young=MuseumYoung(...))``).

Off by default. When on, each account's true audience young share (ages 13–24) is drawn
around its network's platform prior (the plugin's ``NetworkSpec.young_prior``) on the logit
scale, with a planted offset per network and a planted spread between museums::

    s_i = logit⁻¹(logit(p_k) + δ_k + τ z_i),   δ_k = offset + network_spread · N(0, 1)

A fraction of the museums (``measuring``) emit owned audience-age rows on the networks that
expose them (``NetworkParams.age_share > 0``), the others none: the true profile with
sampling noise, and the bands smaller than ``withheld_below`` people left out, as Instagram
does (the withheld mass). The planted values go to ``Cohort.young_truth``, which scoring
never reads. Random numbers come from streams of their own, keyed by the seed and this
module's constant (and each network's name), so the rest of the cohort is unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import polars as pl

from engagecore import schema
from engagecore._sim.params import AGE_BANDS
from engagecore._sim.population import World, network_key
from engagecore.errors import UsageError

_STREAM = (14, 2)  # this module's key in the seed's SeedSequence
_YOUNG_BANDS = 2  # 13-17 and 18-24: the scorer's default young band, 13-24
_MEASUREMENT = 400.0  # Dirichlet concentration of a measured age distribution around the truth


@dataclass(frozen=True)
class MuseumYoung:
    """The planted museum young shares.

    :param measuring: fraction of museums with owned age data (on every network exposing it).
    :param offset: planted logit offset of museum audiences from the platform prior: one
        value for all networks (each network's then drawn around it with
        ``network_spread``) or, per network name, its exact offset.
    :param spread: τ, the between-museum standard deviation on the logit scale.
    :param network_spread: standard deviation of the networks' offsets around ``offset``.
    :param withheld_below: bands with fewer people than this are withheld from the export.
    """

    measuring: float = 0.2
    offset: float | Mapping[str, float] = -0.5
    spread: float = 0.35
    network_spread: float = 0.15
    withheld_below: int = 100

    def __post_init__(self) -> None:
        if not 0.0 <= self.measuring <= 1.0:
            raise UsageError(f"museum_young.measuring must be in [0, 1], not {self.measuring}")
        if self.spread < 0 or self.network_spread < 0:
            raise UsageError("museum_young spreads must be ≥ 0")
        if self.withheld_below < 0:
            raise UsageError("museum_young.withheld_below must be ≥ 0")


def platform_profile(world: World, k: int) -> np.ndarray:
    """Network k's platform age profile in :data:`AGE_BANDS`: the plugin's young prior when
    its bands are these, else the simulator's ``age_profile``."""
    spec = world.specs[k]
    labels = [b[0] for b in AGE_BANDS]
    prior = spec.young_prior
    if prior is not None and set(prior.bands) == set(labels):
        out = np.array([float(prior.bands[b]) for b in labels])
    else:
        out = np.array(world.params[spec.name].age_profile, dtype=float)
    return out / out.sum()


def _logit(p: np.ndarray) -> np.ndarray:
    return np.asarray(np.log(p / (1 - p)))


def plant(
    world: World, seed: int, cfg: MuseumYoung
) -> tuple[np.ndarray, pl.DataFrame, pl.DataFrame]:
    """(true age profiles [accounts, bands], audience-age rows, the truth frame)."""
    acc = world.acc
    n_acc = len(acc.net)
    root = np.random.SeedSequence(seed, spawn_key=_STREAM)
    measuring_museum = np.random.default_rng(root).random(len(world.roster)) < cfg.measuring
    profiles = np.zeros((n_acc, len(AGE_BANDS)))
    share = np.zeros(n_acc)
    platform = np.zeros(n_acc)
    offsets = np.zeros(n_acc)
    measures = np.zeros(n_acc, dtype=bool)
    rows: list[np.ndarray] = []
    shares: list[np.ndarray] = []
    bounds = world.network_bounds()
    for k, spec in enumerate(world.specs):
        lo, hi = int(bounds[k]), int(bounds[k + 1])
        rng = np.random.default_rng(
            np.random.SeedSequence(seed, spawn_key=(*_STREAM, network_key(spec.name)))
        )
        base = platform_profile(world, k)
        p = float(base[:_YOUNG_BANDS].sum())
        if isinstance(cfg.offset, Mapping):
            delta = float(cfg.offset.get(spec.name, 0.0))
            rng.normal()  # the same draws follow whether or not the offset is given
        else:
            delta = float(cfg.offset) + cfg.network_spread * rng.normal()
        z = rng.normal(size=hi - lo)
        s = 1.0 / (1.0 + np.exp(-(_logit(np.array(p)) + delta + cfg.spread * z)))
        young = base[:_YOUNG_BANDS] / p * s[:, None]
        old = base[_YOUNG_BANDS:] / (1 - p) * (1 - s)[:, None]
        profiles[lo:hi] = np.hstack([young, old])
        share[lo:hi], platform[lo:hi], offsets[lo:hi] = s, p, delta
        exposes = world.params[spec.name].age_share > 0
        pick = lo + np.flatnonzero(measuring_museum[acc.museum[lo:hi]] & exposes)
        drawn = rng.gamma(_MEASUREMENT * profiles[pick])
        drawn = drawn / drawn.sum(axis=1, keepdims=True)
        people = drawn * acc.followers[pick][:, None]
        drawn = np.where(people >= cfg.withheld_below, drawn, np.nan)  # withheld bands
        reported = ~np.isnan(drawn).all(axis=1)
        measures[pick[reported]] = True
        rows.append(pick[reported])
        shares.append(drawn[reported])
    which = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    measured = np.concatenate(shares) if shares else np.zeros((0, len(AGE_BANDS)))
    return (
        profiles,
        _age_rows(world, which, measured),
        _truth(world, share, platform, offsets, measures),
    )


def _age_rows(world: World, which: np.ndarray, measured: np.ndarray) -> pl.DataFrame:
    acc = world.acc
    bands = len(AGE_BANDS)
    keep = ~np.isnan(measured.ravel())
    rows = np.repeat(which, bands)[keep]
    band = pl.Series(np.tile(np.arange(bands), len(which))[keep])
    networks = [s.name for s in world.specs]
    bases = [world.params[s].age_basis for s in networks]
    net_of = pl.Series([networks[k] for k in acc.net], dtype=pl.Utf8)
    return pl.DataFrame(
        [
            net_of.gather(pl.Series(rows)).alias("network"),
            pl.Series(acc.account_id, dtype=pl.Utf8).gather(pl.Series(rows)).alias("account_id"),
            pl.repeat(world.export, len(rows), dtype=schema.UTC_TS, eager=True).alias(
                "observed_at"
            ),
            pl.Series("age_band", [b[0] for b in AGE_BANDS], dtype=pl.Utf8).gather(band),
            pl.Series("age_min", [b[1] for b in AGE_BANDS], dtype=pl.Int32).gather(band),
            pl.Series("age_max", [b[2] for b in AGE_BANDS], dtype=pl.Int32).gather(band),
            pl.Series("share", measured.ravel()[keep], dtype=pl.Float64),
            pl.Series([bases[k] for k in acc.net], dtype=pl.Utf8)
            .gather(pl.Series(rows))
            .alias("basis"),
            pl.Series(world.roster.slug, dtype=pl.Utf8)
            .gather(pl.Series(acc.museum[rows]))
            .alias("museum"),
        ]
    )


def _truth(
    world: World,
    share: np.ndarray,
    platform: np.ndarray,
    offsets: np.ndarray,
    measures: np.ndarray,
) -> pl.DataFrame:
    acc = world.acc
    networks = [s.name for s in world.specs]
    return pl.DataFrame(
        [
            pl.Series("museum", world.roster.slug, dtype=pl.Utf8).gather(pl.Series(acc.museum)),
            pl.Series("network", [networks[k] for k in acc.net], dtype=pl.Utf8),
            pl.Series("account_id", acc.account_id, dtype=pl.Utf8),
            pl.Series("young_share", share, dtype=pl.Float64),
            pl.Series("platform_share", platform, dtype=pl.Float64),
            pl.Series("planted_offset", offsets, dtype=pl.Float64),
            pl.Series("measured", measures, dtype=pl.Boolean),
        ]
    )
