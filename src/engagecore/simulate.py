"""The cohort simulator: made-up but realistic museums, accounts, posts and audiences.

``engage demo`` and the benchmarks write a :class:`Cohort` as each network's real export files
(through the plugins' :class:`~engagecore.pluginapi.DemoWriter`) and import them through the
real importers. The simulator knows no network by name: a network's behaviour comes from its
:class:`~engagecore.pluginapi.NetworkSpec` (typical rate, interaction and provided columns)
and a :class:`NetworkParams` table whose defaults live in ``data/simulation.toml``.

The model, per account: followers today are log-normal (heavy tail: the curated museums are
the country's largest audiences), grow over time, and a post's interactions are
Poisson-log-normal around ``typical_rate × quality × (followers / cohort median) ^
-size_exponent × followers at post time``, times planted lifts per theme, kind and weekday,
rare viral boosts, and a maturity factor (counts still growing near the export date).
``Cohort.truth`` holds the planted quality and young-audience share: benchmarks may compare
scores with it; scoring code must never read it. Deterministic for a seed; vectorized (numpy
draws, polars assembly), so ten million posts take seconds, not minutes.

Random streams: the museums (roster and traits) draw from one stream of the seed, and each
network from its own, keyed by the seed and the network's name (:func:`network_streams`), its
account and post ids placed by the same name (:func:`network_key`). Adding or removing a
network (a plugin's demo writer) therefore leaves every other network's accounts, posts,
followers and ages identical for the same seed; only ``posts_total`` (an exact total shared
by all the networks) ties them together.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import polars as pl

from engagecore import schema
from engagecore._sim import audience, population
from engagecore._sim import growth as growth_sim
from engagecore._sim import observation as observation_
from engagecore._sim import posts as posts_
from engagecore._sim.captions import caption_pool
from engagecore._sim.growth import GrowthPlan
from engagecore._sim.museum_young import MuseumYoung, plant
from engagecore._sim.observation import ObservationPlan
from engagecore._sim.params import AGE_BANDS, NetworkParams, default_params
from engagecore._sim.population import network_key
from engagecore._sim.roster import WEEKDAYS, build_roster
from engagecore.errors import UsageError
from engagecore.pluginapi import DemoAccountData, NetworkSpec

__all__ = [
    "AGE_BANDS",
    "Cohort",
    "GrowthPlan",
    "MuseumYoung",
    "NetworkParams",
    "ObservationPlan",
    "default_params",
    "network_key",
    "simulate_cohort",
]


@dataclass(frozen=True)
class NetworkStreams:
    """One network's independent random streams, derived from the seed and its name only."""

    accounts: np.random.Generator
    counts: np.random.Generator
    posts: np.random.Generator
    ages: np.random.Generator


def network_streams(seed: int, name: str) -> NetworkStreams:
    """The streams of network ``name`` for ``seed``: a :class:`numpy.random.SeedSequence`
    keyed by the network's name, not by its place among the networks simulated, so that
    adding or removing a network leaves every other network's data as it was."""
    root = np.random.SeedSequence(seed, spawn_key=(1, network_key(name)))
    return NetworkStreams(*(np.random.default_rng(s) for s in root.spawn(4)))


@dataclass
class Cohort:
    """A simulated cohort. Frames carry a ``museum`` column (the museum's slug) beside their
    :mod:`engagecore.schema` columns; ``truth`` and ``post_truth`` are for benchmarks only.

    ``museums``: slug, name, city, region, museofile_id, aliases, kind, closed, curated.
    ``accounts``: network, account_id, museum, handle, display_name, adopted_at.
    ``truth``: museum, network, account_id, quality (planted multiplier of the engagement
    rate, median 1), young_share (true share of the audience aged 13-24).
    ``young_truth`` (with ``museum_young`` only): museum, network, account_id, young_share
    (planted), platform_share (the platform prior's), planted_offset (δ_k on the logit
    scale), measured (whether the account emits audience-age rows).
    """

    museums: pl.DataFrame
    accounts: pl.DataFrame
    posts: pl.DataFrame
    followers: pl.DataFrame
    audience_age: pl.DataFrame
    truth: pl.DataFrame
    export_date: datetime
    params: dict[str, NetworkParams]
    post_truth: pl.DataFrame | None = None
    #: with an :class:`ObservationPlan`: every reading of the posts read more than once
    #: (network, post_id, observed_at, counts), as the store's ``post_observations`` holds
    observations: pl.DataFrame | None = None
    #: with an :class:`ObservationPlan`: per own post, its age at the latest reading
    #: (``age_hours``), the planted ``accrued_true`` = F_true(age) and ``read_young``
    observation_truth: pl.DataFrame | None = None
    young_truth: pl.DataFrame | None = None
    #: with ``simulate_cohort(growth=...)``: museum, network, account_id, growth_rate (yearly
    #: log growth), growth_quality (median 1), size_exponent, followers_start (noiseless, at
    #: the start), followers_export, opened_before_start — for benchmarks only.
    growth_truth: pl.DataFrame | None = None

    def account_data(self) -> Iterator[tuple[str, DemoAccountData]]:
        """(network, one account's frames) for the networks' demo writers, in account order.

        Posts are oldest first with exactly the :data:`schema.POSTS` columns; a repost
        (``is_own`` false) has no counts and its first mention is the reposted account.
        ``audience_age`` is None for accounts without owned age data. ``readings`` (with an
        :class:`ObservationPlan`) are the earlier readings of the account's posts read more
        than once: :attr:`observations` but the latest reading, which ``posts`` holds.
        """
        names = dict(zip(self.museums["slug"], self.museums["name"], strict=True))
        key = ["network", "account_id"]
        posts = self.posts.select(schema.POSTS.names()).partition_by(
            key, as_dict=True, maintain_order=True
        )
        followers = self.followers.select(schema.FOLLOWER_SNAPSHOTS.names()).partition_by(
            key, as_dict=True, maintain_order=True
        )
        ages = self.audience_age.select(schema.AUDIENCE_AGE.names()).partition_by(
            key, as_dict=True, maintain_order=True
        )
        readings: dict[Any, pl.DataFrame] = {}
        if self.observations is not None:
            read = ["network", "post_id", "observed_at"]
            earlier = (
                self.observations.join(self.posts.select(read), on=read, how="anti")
                .join(self.posts.select(*key, "post_id"), on=["network", "post_id"])
                .sort("observed_at", "post_id")
            )
            readings = {
                k: part.drop("account_id")
                for k, part in earlier.partition_by(key, as_dict=True, maintain_order=True).items()
            }
        for row in self.accounts.iter_rows(named=True):
            k = (row["network"], row["account_id"])
            yield (
                row["network"],
                DemoAccountData(
                    museum_name=names[row["museum"]],
                    handle=row["handle"],
                    account_id=row["account_id"],
                    posts=posts.get(k, schema.empty("posts")),
                    followers=followers.get(k, schema.empty("follower_snapshots")),
                    audience_age=ages.get(k),
                    export_date=self.export_date,
                    readings=readings.get(k),
                ),
            )


def _resolve(
    specs: list[NetworkSpec], params: Mapping[str, NetworkParams | Mapping[str, Any]] | None
) -> dict[str, NetworkParams]:
    out = {}
    for spec in specs:
        given = (params or {}).get(spec.name)
        out[spec.name] = (
            given if isinstance(given, NetworkParams) else default_params(spec, **(given or {}))
        )
    return out


def simulate_cohort(
    n_museums: int,
    seed: int,
    networks: Mapping[str, NetworkSpec],
    *,
    start: date = date(2023, 1, 1),
    end: date = date(2025, 1, 1),
    posts_total: int | None = None,
    posts_per_account: float | None = None,
    params: Mapping[str, NetworkParams | Mapping[str, Any]] | None = None,
    with_post_truth: bool = False,
    observation: ObservationPlan | None = None,
    museum_young: MuseumYoung | None = None,
    growth: GrowthPlan | bool | None = None,
) -> Cohort:
    """Simulate ``n_museums`` museums on ``networks`` from ``start`` to ``end`` (exclusive).

    :param seed: the same seed (and arguments) gives the same cohort.
    :param posts_total: exactly this many posts in all, spread like the natural paces (the
        only option under which one network's posts depend on the others'); or
        ``posts_per_account``: each network's accounts post this many on average
        (``round(posts_per_account × its accounts)`` posts per network, spread among them
        like their natural paces); by default each account posts at its own pace.
    :param params: per network name, a :class:`NetworkParams` or a dict of fields overriding
        :func:`default_params`.
    :param with_post_truth: also give each post's theme, expected interactions and viral flag
        (``Cohort.post_truth``), for the validity benchmark.
    :param observation: plant observation times (:class:`ObservationPlan`): a share of the
        posts read before maturity under a planted accrual curve, others read several times
        (``Cohort.observations``, ``Cohort.observation_truth``); drawn from a stream of its
        own, so that without it the cohort is unchanged.
    :param museum_young: plant museum young shares around the platform priors and let a
        fraction of the museums measure them (:class:`MuseumYoung`; ``Cohort.young_truth``);
        off by default, when the cohort is exactly as without it.
    :param growth: plant follower growth (``True`` or a :class:`GrowthPlan`): a latent growth
        quality per account, growth falling with size, irregular noisy snapshots, and the
        truth in ``Cohort.growth_truth`` (:mod:`engagecore._sim.growth`). Off by default;
        drawn from its own random stream.
    """
    if n_museums < 1:
        raise UsageError(f"the number of museums must be at least 1, not {n_museums}")
    if end <= start:
        raise UsageError(f"the end ({end}) must be after the start ({start})")
    if posts_total is not None and posts_per_account is not None:
        raise UsageError("give posts_total or posts_per_account, not both")
    if min(posts_total or 0, posts_per_account or 0) < 0:
        raise UsageError("the number of posts cannot be negative")
    specs = [networks[name] for name in sorted(networks)]
    resolved = _resolve(specs, params)
    museum_stream, total_stream = np.random.SeedSequence(seed, spawn_key=(0,)).spawn(2)
    r_roster, r_traits = (np.random.default_rng(s) for s in museum_stream.spawn(2))
    streams = [network_streams(seed, spec.name) for spec in specs]
    pool = caption_pool()
    roster = build_roster(n_museums, r_roster)
    traits = population.museum_traits(roster, pool, r_traits)
    acc = population.accounts(
        roster, traits, specs, resolved, population.days(end), [s.accounts for s in streams]
    )
    export = datetime(end.year, end.month, end.day, 6, tzinfo=UTC)  # the morning after the end
    world = population.World(roster, traits, acc, specs, resolved, pool, start, end, export)
    plan = GrowthPlan() if growth is True else (growth or None)
    growth_truth = None
    if plan is not None:
        growth_rng, growth_truth = growth_sim.plant(world, seed, plan)
    counts = posts_.post_counts(
        world,
        [s.counts for s in streams],
        np.random.default_rng(total_stream),
        posts_total=posts_total,
        posts_per_account=posts_per_account,
    )
    post_frame, post_truth = posts_.posts(
        world, counts, [s.posts for s in streams], with_post_truth
    )
    observations = observation_truth = None
    if observation is not None:
        by_name = {spec.name: spec for spec in specs}
        post_frame, observations, observation_truth = observation_.plant(
            post_frame, by_name, observation, seed
        )
    true_age = audience.true_age_profiles(world)
    young_truth = None
    if museum_young is not None:
        true_age, age_rows, young_truth = plant(world, seed, museum_young)
    else:
        age_rows = audience.audience_age(world, true_age, [s.ages for s in streams])
    network = pl.Series("network", [specs[k].name for k in acc.net], dtype=pl.Utf8)
    account_id = pl.Series("account_id", acc.account_id, dtype=pl.Utf8)
    museum = pl.Series("museum", roster.slug, dtype=pl.Utf8).gather(pl.Series(acc.museum))
    return Cohort(
        museums=pl.DataFrame(
            {
                "slug": roster.slug,
                "name": roster.name,
                "city": roster.city,
                "region": roster.region,
                "museofile_id": roster.museofile_id,
                "aliases": roster.aliases,
                "kind": roster.kind,
                "closed": [WEEKDAYS[c] if c >= 0 else None for c in roster.closed],
                "curated": roster.curated,
            },
            schema_overrides={
                "museofile_id": pl.Utf8,
                "aliases": pl.List(pl.Utf8),
                "closed": pl.Utf8,
            },
        ),
        accounts=pl.DataFrame(
            [
                network,
                account_id,
                museum,
                pl.Series("handle", acc.handle, dtype=pl.Utf8),
                pl.Series("display_name", roster.name, dtype=pl.Utf8).gather(pl.Series(acc.museum)),
                pl.Series("adopted_at", acc.adopted * 86_400_000_000).cast(schema.UTC_TS),
            ]
        ),
        posts=post_frame,
        followers=audience.follower_snapshots(world)
        if plan is None
        else growth_sim.snapshots(world, growth_rng, plan),
        audience_age=age_rows,
        truth=pl.DataFrame(
            [
                museum,
                network,
                account_id,
                pl.Series("quality", acc.quality, dtype=pl.Float64),
                pl.Series("young_share", true_age[:, 0] + true_age[:, 1], dtype=pl.Float64),
            ]
        ),
        export_date=export,
        params=resolved,
        post_truth=post_truth,
        observations=observations,
        observation_truth=observation_truth,
        young_truth=young_truth,
        growth_truth=growth_truth,
    )
