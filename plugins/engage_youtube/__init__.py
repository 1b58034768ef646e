"""YouTube network plugin: Data API v3, Analytics API age groups and Studio CSV exports."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

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

from .analytics import YouTubeAnalyticsImporter
from .data_api import YouTubeDataApiImporter
from .demo import YouTubeDemoWriter
from .fetch import YouTubeFetcher
from .studio_csv import YouTubeStudioCsvImporter

# The young-audience prior: this network's users by age band, in a population shaped like
# France's, derived as written out in engagecore/data/young_priors.toml:
#   share(band) = usage(band) * population(band) / sum over bands of usage * population
# usage by age from Pew Research Center (Americans' Social Media Use, survey 2023, published
# 2024-01-31; Teens, Social Media and Technology 2024), population from INSEE (1 January 2024).
# usage teens 0.90 (REFERENCES: Pew teens 2024), 18-29 0.93 (REFERENCES: Pew 2023),
# 30-49 0.92, 50-64 0.83, 65+ 0.60 (Pew 2023 by age)
YOUNG_PRIOR = YoungPrior(
    bands={
        "13-17": 0.0802,
        "18-24": 0.1076,
        "25-34": 0.1512,
        "35-44": 0.1650,
        "45-54": 0.1598,
        "55-64": 0.1489,
        "65+": 0.1872,
    },
    sources=("Pew Research Center 2023 adults by age; 2024 teens", "INSEE population 2024"),
    concentration=20,
    note=(
        "YouTube is used at every age, so its audience mirrors the population;"
        " YouTube Analytics reports viewers, not subscribers"
    ),
)

#: The demo simulator's parameters for this network (keys: [default] in
#: engagecore/data/simulation.toml, which documents them).
SIMULATION: dict[str, Any] = {
    "handle_case": "camel",
    "fallback_rate": 0.005,
    "followers_median": 300.0,
    "followers_sigma": 1.9,
    "posts_per_week": 0.4,
    "kinds": {"video": 0.85, "reel": 0.1, "live": 0.05},
    "split": {"likes": 0.95, "comments": 0.05},
    "impressions_per_follower": 2.0,
    "views_per_follower": 0.15,
    "repost_share": 0.0,
    "maturity_hours": 240.0,
    "adoption": [
        ("2009-01-01", 0.0),
        ("2012-12-31", 0.02),
        ("2016-12-31", 0.1),
        ("2020-12-31", 0.3),
        ("2024-12-31", 0.4),
    ],
    "age_share": 0.4,
    "age_basis": "viewers",
    "age_profile": (0.04, 0.17, 0.25, 0.19, 0.14, 0.11, 0.10),
}

#: engage risks: the network's rule on nudity (docs/analyses.md, "Policy risk").
NUDITY_RULE = NudityRule(
    rule="YouTube Community Guidelines: Nudity and sexual content",
    wording=(
        "Explicit content meant to be sexually gratifying is not allowed; nudity may be "
        "allowed when the main purpose is educational, documentary, scientific or artistic, "
        "and such videos may be age-restricted."
    ),
    quoted=False,
    source="https://support.google.com/youtube/answer/2802002",
    consequence="may be age-restricted or removed",
    kinds=("video", "reel", "live", "story", "other", "photo"),
)

#: The default accrual curve (docs/scoring.md §1.5): F(a) = 1 - 2^-((a / half-life)^shape),
#: used when the store holds too few repeated readings of this network's posts to estimate it.
ACCRUAL = AccrualCurve(
    half_life_hours=144.0,
    shape=0.6,
    sources=(
        "Graffius 2018 (Half-Life for Posts on Different Social Media Platforms, scottgraffius.com): 6 days (Business Insider 2010)",
        "bitly 2011 (the half-life of links by referrer): Twitter 2.8 h, Facebook 3.2 h, YouTube 7.4 h",
    ),
    note=(
        "views and likes keep coming for weeks through search and recommendations: "
        "maturity (90 %) ~44 days; a link's clicks fade in hours (bitly) but a video's "
        "engagement does not; uncertain within a factor of 3"
    ),
)

NETWORK = NetworkSpec(
    name="youtube",
    display_name="YouTube",
    # Socialinsider's YouTube interaction set (REFERENCES.md); shares only exist in Studio.
    interactions={"likes": 1.0, "comments": 1.0},
    provides=frozenset({"likes", "comments", "views", "impressions", "shares"}),
    typical_rate=None,
    rate_source="",
    launched=date(2005, 4, 23),  # first video uploaded
    young_prior=YOUNG_PRIOR,
    nudity_rule=NUDITY_RULE,
    simulation=SIMULATION,
    wikidata_property="P2397",  # Wikidata's YouTube channel ID: `engage museums discover`
    accrual=ACCRUAL,
)


@hookimpl
def register_networks(register: Callable[[NetworkSpec], None]) -> None:
    register(NETWORK)


@hookimpl
def register_importers(register: Callable[[Importer], None]) -> None:
    register(YouTubeDataApiImporter())
    register(YouTubeAnalyticsImporter())
    register(YouTubeStudioCsvImporter())


@hookimpl
def register_demo_writers(register: Callable[[DemoWriter], None]) -> None:
    register(YouTubeDemoWriter())


@hookimpl
def register_fetchers(register: Callable[[Fetcher], None]) -> None:
    register(YouTubeFetcher())
