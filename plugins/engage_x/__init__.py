"""X (Twitter) network plugin: account archive and API v2 responses."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from engage_x.api import XApiImporter
from engage_x.archive import XArchiveImporter
from engage_x.demo import XDemoWriter
from engage_x.fetch import XFetcher
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
# usage teens 0.17 (REFERENCES), 18-29 0.42, 30-49 0.27, 50-64 0.17, 65+ 0.06 (Pew 2023)
YOUNG_PRIOR = YoungPrior(
    bands={
        "13-17": 0.0588,
        "18-24": 0.1884,
        "25-34": 0.2186,
        "35-44": 0.1878,
        "45-54": 0.1557,
        "55-64": 0.1182,
        "65+": 0.0726,
    },
    sources=("Pew Research Center 2023 adults by age; 2024 teens", "INSEE population 2024"),
    concentration=20,
    note="X exposes no audience age: every X figure is estimated",
)

#: The demo simulator's parameters for this network (keys: [default] in
#: engagecore/data/simulation.toml, which documents them).
SIMULATION: dict[str, Any] = {
    "handle_case": "camel",
    "handle_max": 15,
    "followers_median": 1200.0,
    "followers_sigma": 2.0,
    "posts_per_week": 7.0,
    "kinds": {"text": 0.3, "photo": 0.55, "video": 0.1, "link": 0.05},
    "split": {"likes": 0.7, "comments": 0.06, "shares": 0.21, "quotes": 0.03},
    "per_like": {"saves": 0.03},
    "impressions_per_follower": 0.12,
    "repost_share": 0.12,
    "maturity_hours": 12.0,
    # about 20 of ~1,200 Musées de France on Twitter in 2009, about 100 in 2013 (DESIGN)
    "adoption": [
        ("2008-06-01", 0.0),
        ("2009-12-31", 0.0167),
        ("2013-12-31", 0.0833),
        ("2017-12-31", 0.3),
        ("2022-12-31", 0.5),
    ],
    "age_share": 0.0,
}

#: engage risks: the network's rule on nudity (docs/analyses.md, "Policy risk").
NUDITY_RULE = NudityRule(
    rule="X Rules: Adult Content",
    wording=(
        "You may share consensually produced and distributed adult nudity or sexual behavior,"
        " provided it's properly labeled and not prominently displayed."
    ),
    quoted=True,
    source="https://help.x.com/en/rules-and-policies/adult-content",
    consequence="may be hidden behind an adult-content warning (restricted reach)",
)

#: The default accrual curve (docs/scoring.md §1.5): F(a) = 1 - 2^-((a / half-life)^shape),
#: used when the store holds too few repeated readings of this network's posts to estimate it.
ACCRUAL = AccrualCurve(
    half_life_hours=1.5,
    shape=0.6,
    sources=(
        "Sargsyan, Matter & Pfeffer 2023 (The Half-Life of a Tweet, arXiv:2302.09654): impressions' median half-life ~80 min",
        "Graffius 2018 (Half-Life for Posts on Different Social Media Platforms, scottgraffius.com): 21-24 min",
        "Sysomos (2010): 92 % of retweets and 97 % of replies within the first hour",
    ),
    note=(
        "engagement half-lives of 20-80 min are reported for the platform at large; "
        "widened to 1.5 h for small museum accounts (likes of a small audience come "
        "slower): maturity (90 %) ~11 h; uncertain within a factor of 3"
    ),
)

NETWORK = NetworkSpec(
    name="x",
    display_name="X (Twitter)",
    interactions={"likes": 1.0, "comments": 1.0, "shares": 1.0, "quotes": 1.0},
    provides=frozenset({"likes", "comments", "shares", "quotes", "impressions", "saves"}),
    typical_rate=0.00035,
    rate_source="Rival IQ 2023 all-industry median (0.035 %)",
    launched=date(2006, 3, 21),  # first post on the network
    young_prior=YOUNG_PRIOR,
    nudity_rule=NUDITY_RULE,
    simulation=SIMULATION,
    wikidata_property="P2002",  # Wikidata's X username: `engage museums discover`
    accrual=ACCRUAL,
)


@hookimpl
def register_networks(register: Callable[[NetworkSpec], None]) -> None:
    register(NETWORK)


@hookimpl
def register_importers(register: Callable[[Importer], None]) -> None:
    register(XArchiveImporter())
    register(XApiImporter())


@hookimpl
def register_demo_writers(register: Callable[[DemoWriter], None]) -> None:
    register(XDemoWriter())


@hookimpl
def register_fetchers(register: Callable[[Fetcher], None]) -> None:
    register(XFetcher())
