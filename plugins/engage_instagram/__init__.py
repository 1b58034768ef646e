"""Instagram network plugin: "Download your information" export, insights and Graph API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from engage_instagram.demo import InstagramDemoWriter
from engage_instagram.export import InstagramExportImporter
from engage_instagram.fetch import InstagramFetcher
from engage_instagram.graph import InstagramGraphImporter
from engagecore.plugin import (
    AccrualCurve,
    DemoWriter,
    Fetcher,
    Importer,
    NetworkSpec,
    NudityRule,
    YoungPrior,
    hookimpl,
)

# The young-audience prior: this network's users by age band, in a population shaped like
# France's, derived as written out in engagecore/data/young_priors.toml:
#   share(band) = usage(band) * population(band) / sum over bands of usage * population
# usage by age from Pew Research Center (Americans' Social Media Use, survey 2023, published
# 2024-01-31; Teens, Social Media and Technology 2024), population from INSEE (1 January 2024).
# usage teens 0.61 (REFERENCES), 18-29 0.78 (REFERENCES), 30-49 0.59, 50-64 0.35, 65+ 0.15
YOUNG_PRIOR = YoungPrior(
    bands={
        "13-17": 0.0975,
        "18-24": 0.1618,
        "25-34": 0.2007,
        "35-44": 0.1897,
        "45-54": 0.1538,
        "55-64": 0.1125,
        "65+": 0.0839,
    },
    sources=("Pew Research Center 2023 adults by age; 2024 teens", "INSEE population 2024"),
    concentration=20,
    note="owned accounts export follower_demographics: prefer measured data",
)

#: The demo simulator's parameters for this network (keys: [default] in
#: engagecore/data/simulation.toml, which documents them).
SIMULATION: dict[str, Any] = {
    "followers_median": 2500.0,
    "followers_sigma": 2.0,
    "posts_per_week": 4.0,
    "kinds": {"photo": 0.45, "carousel": 0.25, "reel": 0.25, "video": 0.05},
    "split": {"likes": 0.97, "comments": 0.03},
    "per_like": {"shares": 0.04, "saves": 0.09},
    "impressions_per_follower": 0.35,
    "views_per_follower": 0.6,
    "repost_share": 0.0,
    "maturity_hours": 24.0,
    "adoption": [
        ("2011-10-01", 0.0),
        ("2014-12-31", 0.06),
        ("2017-12-31", 0.4),
        ("2020-12-31", 0.7),
        ("2023-12-31", 0.82),
    ],
    "age_share": 0.5,
    "age_basis": "followers",
    "age_profile": (0.02, 0.16, 0.33, 0.22, 0.13, 0.08, 0.06),
}

#: engage risks: the network's rule on nudity (docs/analyses.md, "Policy risk").
NUDITY_RULE = NudityRule(
    rule="Meta Community Standards: Adult Nudity and Sexual Activity (Instagram applies them)",
    wording=(
        "We restrict the display of nudity or sexual activity because some people in our "
        "community may be sensitive to this type of content. [...] We also allow photographs "
        "of paintings, sculptures and other art that depicts nude figures."
    ),
    quoted=True,
    source="https://transparency.meta.com/policies/community-standards/adult-nudity-sexual-activity/",
    consequence="may be removed or have its reach restricted",
)

#: The default accrual curve (docs/scoring.md §1.5): F(a) = 1 - 2^-((a / half-life)^shape),
#: used when the store holds too few repeated readings of this network's posts to estimate it.
ACCRUAL = AccrualCurve(
    half_life_hours=19.0,
    shape=0.7,
    sources=(
        "Graffius 2018 (Half-Life for Posts on Different Social Media Platforms, scottgraffius.com): 19 h (Simply Measured 2014 Instagram study)",
    ),
    note=(
        "one published half-life (19 h, 2014); the feed is ranked, so late interactions "
        "are common: maturity (90 %) ~4.4 days; uncertain within a factor of 3"
    ),
)

NETWORK = NetworkSpec(
    name="instagram",
    display_name="Instagram",
    interactions={"likes": 1.0, "comments": 1.0},
    provides=frozenset({"likes", "comments", "shares", "saves", "views", "impressions", "reach"}),
    typical_rate=0.0047,
    rate_source="Rival IQ 2023 all-industry median (0.47 %)",
    launched=date(2010, 10, 6),  # public launch
    young_prior=YOUNG_PRIOR,
    nudity_rule=NUDITY_RULE,
    simulation=SIMULATION,
    wikidata_property="P2003",  # Wikidata's Instagram username: `engage museums discover`
    accrual=ACCRUAL,
)


@hookimpl
def register_networks(register: Callable[[NetworkSpec], None]) -> None:
    register(NETWORK)


@hookimpl
def register_importers(register: Callable[[Importer], None]) -> None:
    register(InstagramExportImporter())
    register(InstagramGraphImporter())


@hookimpl
def register_demo_writers(register: Callable[[DemoWriter], None]) -> None:
    register(InstagramDemoWriter())


@hookimpl
def register_fetchers(register: Callable[[Fetcher], None]) -> None:
    register(InstagramFetcher())
