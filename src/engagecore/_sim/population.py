"""The simulated museums' latent traits and their accounts: who is on which network since
when, with how many followers, and how good their engagement really is (the planted truth).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from statistics import NormalDist
from typing import Any

import numpy as np

from engagecore._sim.captions import CaptionPool
from engagecore._sim.params import NetworkParams
from engagecore._sim.roster import Roster, make_handle
from engagecore.pluginapi import NetworkSpec

POPULATION = 1200  # France's "Musées de France": the population a cohort is drawn from
_SERIES_SHARE = 0.35  # museums with a closing day that run a #jourdefermeture series


def network_key(name: str) -> int:
    """A stable 64-bit number for a network's name (the same on every machine and run, unlike
    Python's ``hash``): it keys the network's random stream and places its ids."""
    return int.from_bytes(hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest(), "big")


def id_block(name: str) -> int:
    """1 to 9000, a network's block of simulated ids, from its name: account ids are
    ``block × 10^15 + n``, post ids ``10^17 + block × 10^14 + n`` (distinct across networks
    but for a rare collision, which the store's keys, network first, tolerate)."""
    return 1 + network_key(name) % 9000


def days(d: date) -> int:
    """Day number since 1970-01-01."""
    return (d - date(1970, 1, 1)).days


def cdf(weights: np.ndarray) -> np.ndarray:
    """Cumulative shares along the last axis, ending exactly at 1."""
    c = np.cumsum(weights, axis=-1)
    c = c / c[..., -1:]
    c[..., -1] = 1.0
    return c


@dataclass
class Traits:
    """Latent traits of each museum of the roster."""

    size: np.ndarray  # standard-normal quantile of its audience in the national population
    quality: np.ndarray  # log engagement quality
    youth: np.ndarray  # shift of its audience towards young age bands
    activity: np.ndarray  # posting frequency multiplier
    series: np.ndarray  # runs a #jourdefermeture series on its closing day
    kind: np.ndarray  # index into the caption pool's kinds
    theme_cdf: np.ndarray  # [museums, themes]: what it posts about


def museum_traits(roster: Roster, pool: CaptionPool, rng: np.random.Generator) -> Traits:
    """Draw each museum's traits; the curated museums are the country's largest audiences."""
    n = len(roster)
    population = max(POPULATION, n)
    curated = int(roster.curated.sum())
    quantile = np.empty(n)
    quantile[:curated] = 1.0 - (np.arange(curated) + 0.5) / population
    quantile[curated:] = rng.uniform(1e-6, 1.0 - curated / population, n - curated)
    normal = NormalDist()
    kind = np.array([pool.kind_index(k) for k in roster.kind], dtype=np.int64)
    weights = np.array([t.weight for t in pool.themes])
    mix = np.zeros((n, len(weights)))
    mix[:, weights > 0] = rng.dirichlet(40.0 * weights[weights > 0], size=n)
    return Traits(
        size=np.array([normal.inv_cdf(float(q)) for q in quantile]),
        quality=rng.normal(0.0, 0.35, n),
        youth=pool.youth[kind] + rng.normal(0.0, 0.3, n),
        activity=np.exp(rng.normal(0.0, 0.45, n)),
        series=(roster.closed >= 0) & (rng.random(n) < _SERIES_SHARE),
        kind=kind,
        theme_cdf=cdf(mix),
    )


@dataclass
class Accounts:
    """Accounts as parallel arrays, grouped by network (in the order of the specs)."""

    net: np.ndarray
    museum: np.ndarray
    account_id: list[str]
    handle: list[str]
    adopted: np.ndarray  # day number of the account's opening
    followers: np.ndarray  # at the export date
    growth: np.ndarray  # yearly log growth of followers
    quality: np.ndarray  # planted engagement quality (multiplier, median 1)
    youth: np.ndarray
    # not a field: False (set by _sim/growth.py) gives plain exponential growth
    ramp = True

    def followers_at(self, a: np.ndarray, t: np.ndarray, export: float) -> np.ndarray:
        """Followers of accounts ``a`` at times ``t`` (days, float): exponential growth up to
        the export's count, with a faster ramp in the months after the account opened."""
        if not self.ramp:
            return self.followers[a] * np.exp(-self.growth[a] * (export - t) / 365.25)

        def ramp(age: np.ndarray) -> np.ndarray:
            return 1.0 - 0.7 * np.exp(-np.maximum(age, 0.0) / 120.0)

        since = self.adopted[a]
        growth = np.exp(-self.growth[a] * (export - t) / 365.25)
        return self.followers[a] * growth * ramp(t - since) / ramp(export - since)


def _adoption_day(params: NetworkParams, u: np.ndarray) -> np.ndarray:
    """Day each museum opens its account, from its adoption quantile ``u`` (NaN: never)."""
    when = np.array([days(d) for d, _ in params.adoption], dtype=float)
    shares = np.array([s for _, s in params.adoption])
    out = np.interp(u, shares, when)
    out[u > shares[-1]] = np.nan
    return out


def accounts(
    roster: Roster,
    traits: Traits,
    specs: list[NetworkSpec],
    params: Mapping[str, NetworkParams],
    end_day: int,
    rngs: Sequence[np.random.Generator],
) -> Accounts:
    """Who opens an account on each network and when (bigger museums first, listed handles
    before made-up museums; the share of museums on a network by a date follows its adoption
    curve), with today's followers, growth, quality and audience youth.

    ``rngs``: each network's own stream (in the order of ``specs``); a network's account ids
    start at a block given by its name (:func:`id_block`), not by its place among the specs.
    """
    n = len(roster)
    parts: dict[str, list[Any]] = {k: [] for k in Accounts.__dataclass_fields__}
    for k, (spec, rng) in enumerate(zip(specs, rngs, strict=True)):
        p = params[spec.name]
        listed = roster.curated & np.array([spec.name in h for h in roster.handles])
        key = traits.size + rng.normal(0.0, 0.6, n) + 10.0 * listed
        rank = np.empty(n, dtype=np.int64)
        rank[np.argsort(-key, kind="stable")] = np.arange(n)
        day = _adoption_day(p, (rank + 0.5) / n)
        day[listed & np.isnan(day)] = end_day - 400  # a listed handle exists: so does the account
        on = np.flatnonzero(~np.isnan(day) & (day < end_day - 1))
        taken = {h[spec.name].lower() for h in roster.handles if spec.name in h}
        for m in on:
            listed_handle = roster.handles[m].get(spec.name)
            parts["handle"].append(
                listed_handle
                or make_handle(roster.handle_base[m], p.handle_case, p.handle_max, taken)
            )
        ids = rng.choice(10**12, size=len(on), replace=False) + 10**15 * id_block(spec.name)
        parts["account_id"].extend(str(int(i)) for i in ids)
        parts["net"].append(np.full(len(on), k, dtype=np.int16))
        parts["museum"].append(on)
        parts["adopted"].append(np.floor(day[on]).astype(np.int64))
        log_f = np.log(p.followers_median) + p.followers_sigma * traits.size[on]
        parts["followers"].append(np.maximum(np.exp(log_f + rng.normal(0.0, 0.35, len(on))), 20.0))
        growth = np.exp(np.log(p.follower_growth) + rng.normal(0.0, 0.5, len(on)))
        parts["growth"].append(np.clip(growth, 0.01, 1.0))
        parts["quality"].append(np.exp(traits.quality[on] + rng.normal(0.0, 0.2, len(on))))
        parts["youth"].append(traits.youth[on] + rng.normal(0.0, 0.15, len(on)))
    arrays: dict[str, Any] = {}
    for name, chunks in parts.items():
        if name in ("account_id", "handle"):
            arrays[name] = chunks
        else:
            dtype = {"net": np.int16, "museum": np.int64, "adopted": np.int64}.get(name, float)
            arrays[name] = np.concatenate(chunks) if chunks else np.zeros(0, dtype=dtype)
    return Accounts(**arrays)


@dataclass
class World:
    """Everything drawn before the posts: what the post, follower and age generators share."""

    roster: Roster
    traits: Traits
    acc: Accounts
    specs: list[NetworkSpec]
    params: Mapping[str, NetworkParams]
    pool: CaptionPool
    start: date
    end: date
    export: datetime

    @property
    def start_day(self) -> int:
        return days(self.start)

    @property
    def end_day(self) -> int:
        return days(self.end)

    @property
    def export_days(self) -> float:
        return (self.export - datetime(1970, 1, 1, tzinfo=UTC)) / timedelta(days=1)

    @property
    def first_day(self) -> np.ndarray:
        """First day each account may post: the period's start or the day after it opened."""
        return np.maximum(self.start_day, self.acc.adopted + 1)

    def network_bounds(self) -> np.ndarray:
        """Where each network's accounts start and end (accounts are grouped by network, in
        the order of the specs): network k's are ``bounds[k]:bounds[k + 1]``."""
        return np.searchsorted(self.acc.net, np.arange(len(self.specs) + 1))

    def reference_followers(self) -> np.ndarray:
        """Per network, the cohort's median of today's followers (the size effect's pivot)."""
        ref = np.ones(len(self.specs))
        for k in range(len(self.specs)):
            sel = self.acc.followers[self.acc.net == k]
            if len(sel):
                ref[k] = float(np.median(sel))
        return ref

    def per_account(self, field: str) -> np.ndarray:
        """A numeric :class:`NetworkParams` field, for each account."""
        return np.array([getattr(self.params[s.name], field) for s in self.specs])[self.acc.net]
