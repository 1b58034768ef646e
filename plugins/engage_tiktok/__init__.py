"""TikTok network plugin: TikTok Studio analytics exports (CSV, XLSX), the "Download your
data" JSON, API v2 responses and the API for Business account endpoint (followers by age)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from engagecore.plugin import (
    AccrualCurve,
    DemoWriter,
    Importer,
    NetworkSpec,
    NudityRule,
    YoungPrior,
    hookimpl,
)

from .api import TikTokApiImporter
from .business import TikTokBusinessImporter
from .demo import TikTokDemoWriter
from .export import TikTokExportImporter
from .studio import TikTokStudioImporter
from .studio_download import TikTokStudioDownloadImporter

# The young-audience prior: this network's users by age band, in a population shaped like
# France's, derived as written out in engagecore/data/young_priors.toml:
#   share(band) = usage(band) * population(band) / sum over bands of usage * population
# usage by age from Pew Research Center (Americans' Social Media Use, survey 2023, published
# 2024-01-31; Teens, Social Media and Technology 2024: 63 % of US teens use TikTok),
# population from INSEE (1 January 2024). Usage: teens 0.63, 18-29 0.62 (REFERENCES),
# 30-49 0.39, 50-64 0.24, 65+ 0.10.
YOUNG_PRIOR = YoungPrior(
    bands={
        "13-17": 0.1363,
        "18-24": 0.1740,
        "25-34": 0.2003,
        "35-44": 0.1697,
        "45-54": 0.1395,
        "55-64": 0.1044,
        "65+": 0.0757,
    },
    sources=("Pew Research Center 2023 adults by age; 2024 teens", "INSEE population 2024"),
    concentration=20,
    note="usage prevalence understates TikTok's youth skew in time spent",
)

#: The demo simulator's parameters for this network (keys: [default] in
#: engagecore/data/simulation.toml, which documents them).
SIMULATION: dict[str, Any] = {
    "fallback_rate": 0.03,
    "followers_median": 2000.0,
    "posts_per_week": 2.0,
    "kinds": {"video": 1.0},
    "split": {"likes": 0.9, "comments": 0.03, "shares": 0.04, "saves": 0.03},
    "views_per_follower": 1.5,
    "repost_share": 0.0,
    "adoption": [
        ("2018-06-01", 0.0),
        ("2020-12-31", 0.03),
        ("2022-12-31", 0.1),
        ("2024-12-31", 0.2),
    ],
    "age_share": 0.3,
    # the ages a museum can export: followers by age (the API for Business, tiktok-business)
    "age_basis": "followers",
    "age_profile": (0.08, 0.3, 0.3, 0.15, 0.09, 0.05, 0.03),
}

#: engage risks: the network's rule on nudity (docs/analyses.md, "Policy risk").
NUDITY_RULE = NudityRule(
    rule="TikTok Community Guidelines: Sensitive and Mature Themes (nudity and body exposure)",
    wording=(
        "Nudity and sexual content are not allowed; some body exposure is kept out of the For"
        " You feed; art and education are considered as context."
    ),
    quoted=False,
    source="https://www.tiktok.com/community-guidelines/en/sensitive-mature-themes",
    consequence="may be removed or kept out of the For You feed",
)

#: The default accrual curve (docs/scoring.md §1.5): F(a) = 1 - 2^-((a / half-life)^shape),
#: used when the store holds too few repeated readings of this network's posts to estimate it.
ACCRUAL = AccrualCurve(
    half_life_hours=48.0,
    shape=0.6,
    sources=(
        "assumption (no published half-life found): between Instagram (19 h) and YouTube (6 days), Graffius 2018 (Half-Life for Posts on Different Social Media Platforms, scottgraffius.com)",
    ),
    note=(
        "evidence thin: the For You feed surfaces videos for days; widened to a 2-day "
        "half-life, maturity (90 %) ~15 days; uncertain within a factor of 5"
    ),
)

NETWORK = NetworkSpec(
    name="tiktok",
    display_name="TikTok",
    # Rival IQ's TikTok interaction set (REFERENCES.md): likes, comments, shares and saves
    # ("Add to Favorites" in TikTok Studio).
    interactions={"likes": 1.0, "comments": 1.0, "shares": 1.0, "saves": 1.0},
    provides=frozenset({"likes", "comments", "shares", "saves", "views"}),
    typical_rate=None,
    rate_source="",
    # musical.ly, whose accounts and videos TikTok took over in August 2018, opened in
    # August 2014: an account's oldest videos can be that old.
    launched=date(2014, 8, 1),
    young_prior=YOUNG_PRIOR,
    nudity_rule=NUDITY_RULE,
    # TikTok's reach is not follower-driven: rates by views first (Rival IQ rates TikTok by
    # views).
    basis_order=("views", "followers"),
    simulation=SIMULATION,
    wikidata_property="P7085",  # Wikidata's TikTok username: `engage museums discover`
    accrual=ACCRUAL,
)


@hookimpl
def register_networks(register: Callable[[NetworkSpec], None]) -> None:
    register(NETWORK)


@hookimpl
def register_importers(register: Callable[[Importer], None]) -> None:
    register(TikTokStudioImporter())
    register(TikTokStudioDownloadImporter())
    register(TikTokExportImporter())
    register(TikTokApiImporter())
    register(TikTokBusinessImporter())


@hookimpl
def register_demo_writers(register: Callable[[DemoWriter], None]) -> None:
    register(TikTokDemoWriter())
