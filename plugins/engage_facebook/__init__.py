"""Facebook Page network plugin: Graph API responses and Meta Business Suite CSV exports."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from engage_facebook.business_csv import MetaBusinessSuiteCsvImporter
from engage_facebook.demo import FacebookDemoWriter
from engage_facebook.fetch import FacebookFetcher
from engage_facebook.graph import FacebookGraphImporter
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
# usage teens 0.32 (REFERENCES), 18-29 0.67, 30-49 0.75, 50-64 0.69, 65+ 0.58 (Pew 2023)
YOUNG_PRIOR = YoungPrior(
    bands={
        "13-17": 0.0360,
        "18-24": 0.0978,
        "25-34": 0.1464,
        "35-44": 0.1697,
        "45-54": 0.1658,
        "55-64": 0.1561,
        "65+": 0.2283,
    },
    sources=("Pew Research Center 2023 adults by age; 2024 teens", "INSEE population 2024"),
    concentration=20,
    note="Meta removed page age data on 2024-03-14: most Facebook figures will be estimated",
)

#: The demo simulator's parameters for this network (keys: [default] in
#: engagecore/data/simulation.toml, which documents them).
SIMULATION: dict[str, Any] = {
    "followers_median": 3000.0,
    "followers_sigma": 1.8,
    "posts_per_week": 4.0,
    "kinds": {"photo": 0.6, "video": 0.12, "link": 0.2, "text": 0.08},
    "split": {"likes": 0.8, "comments": 0.08, "shares": 0.12},
    "impressions_per_follower": 0.08,
    "views_per_follower": 0.06,
    "repost_share": 0.03,
    "maturity_hours": 48.0,
    "adoption": [
        ("2009-06-01", 0.0),
        ("2010-12-31", 0.015),
        ("2012-12-31", 0.1),
        ("2014-12-31", 0.35),
        ("2018-12-31", 0.7),
        ("2022-12-31", 0.85),
    ],
    "age_share": 0.15,
    "age_basis": "followers",
    "age_profile": (0.01, 0.06, 0.17, 0.21, 0.21, 0.18, 0.16),
}

#: engage risks: the network's rule on nudity (docs/analyses.md, "Policy risk").
NUDITY_RULE = NudityRule(
    rule="Meta Community Standards: Adult Nudity and Sexual Activity",
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
    half_life_hours=3.0,
    shape=0.6,
    sources=(
        "Graffius 2018 (Half-Life for Posts on Different Social Media Platforms, scottgraffius.com): 30 min (Wiselytics)",
        "bitly 2011 (the half-life of links by referrer): Twitter 2.8 h, Facebook 3.2 h, YouTube 7.4 h",
    ),
    note=(
        "reported half-lives range from 30 min to 3.2 h; the longer kept (Pages' posts "
        "are shown in feeds for a day or two): maturity (90 %) ~22 h; uncertain within a "
        "factor of 3"
    ),
)

NETWORK = NetworkSpec(
    name="facebook",
    display_name="Facebook",
    interactions={"likes": 1.0, "comments": 1.0, "shares": 1.0},
    provides=frozenset({"likes", "comments", "shares", "views", "impressions", "reach"}),
    typical_rate=0.0006,
    rate_source="Rival IQ 2023 all-industry median (0.06 %)",
    launched=date(2004, 2, 4),  # launch
    young_prior=YOUNG_PRIOR,
    nudity_rule=NUDITY_RULE,
    simulation=SIMULATION,
    wikidata_property="P2013",  # Wikidata's Facebook username: `engage museums discover`
    accrual=ACCRUAL,
)


@hookimpl
def register_networks(register: Callable[[NetworkSpec], None]) -> None:
    register(NETWORK)


@hookimpl
def register_importers(register: Callable[[Importer], None]) -> None:
    register(FacebookGraphImporter())
    register(MetaBusinessSuiteCsvImporter())


@hookimpl
def register_demo_writers(register: Callable[[DemoWriter], None]) -> None:
    register(FacebookDemoWriter())


@hookimpl
def register_fetchers(register: Callable[[Fetcher], None]) -> None:
    register(FacebookFetcher())
