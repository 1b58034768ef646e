"""Threads network plugin: saved Threads API responses (posts, media insights, user insights,
the profile)."""

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

from .api import ThreadsApiImporter
from .demo import ThreadsDemoWriter

# The young-audience prior: this network's users by age band, in a population shaped like
# France's, derived as written out in engagecore/data/young_priors.toml:
#   share(band) = usage(band) * population(band) / sum over bands of usage * population
# What is known, and how weakly:
# - teens 13-17: 6 % of US teens use Threads (Pew Research Center, Teens, Social Media and
#   Technology 2024, published 2024-12-12; figure read in its press coverage);
# - adults: 8 % of US adults use Threads (Pew Research Center, Americans' Social Media Use
#   2025, survey Feb.-June 2025; figure read in a press summary). Pew's usage of Threads by
#   age was not found; its only age figures for Threads are the age make-up of Threads'
#   regular NEWS consumers (Pew Research Center, 2025-09-25, appendix "Demographic profiles
#   of regular social media news consumers", survey Aug. 18-24, 2025): 18-29 28 %, 30-49
#   45 %, 50-64 18 %, 65+ 8 %. Usage by age is taken proportional to that make-up divided by
#   the US adult population's (Census 2023, approx.: 18-29 52.6 M, 30-49 86.9 M, 50-64
#   63.0 M, 65+ 59.3 M), scaled to the 8 % total: 18-29 0.113, 30-49 0.110, 50-64 0.060,
#   65+ 0.029 — a proxy (news consumers are not all users), hence the low concentration.
# usage teens 0.06, 18-29 0.113, 30-49 0.110, 50-64 0.060, 65+ 0.029; population INSEE 2024.
YOUNG_PRIOR = YoungPrior(
    bands={
        "13-17": 0.0583,
        "18-24": 0.1426,
        "25-34": 0.1987,
        "35-44": 0.2151,
        "45-54": 0.1692,
        "55-64": 0.1174,
        "65+": 0.0987,
    },
    sources=(
        "Pew Research Center 2024 teens (6 % use Threads); 2025 adults (8 %)",
        "proxy for adults by age: Pew 2025 age make-up of Threads' regular news consumers",
        "INSEE population 2024",
    ),
    concentration=8,
    note=(
        "weak: no published survey of Threads use by age; the adult split is a proxy "
        "(news consumers): widen your reading of every Threads young figure"
    ),
)

#: The demo simulator's parameters for this network (keys: [default] in
#: engagecore/data/simulation.toml, which documents them). Threads opened on 2023-07-05;
#: museums already on Instagram could join in one tap, so adoption rose fast, then slowed.
SIMULATION: dict[str, Any] = {
    "handle_case": "lower",
    "fallback_rate": 0.004,
    "followers_median": 900.0,
    "followers_sigma": 1.8,
    "posts_per_week": 2.5,
    "kinds": {"text": 0.35, "photo": 0.4, "carousel": 0.15, "video": 0.1},
    "split": {"likes": 0.84, "comments": 0.09, "shares": 0.05, "quotes": 0.02},
    "views_per_follower": 1.2,
    "repost_share": 0.05,
    "maturity_hours": 24.0,
    "adoption": [
        ("2023-07-05", 0.0),
        ("2023-07-31", 0.12),
        ("2023-12-31", 0.18),
        ("2024-12-31", 0.28),
    ],
    "age_share": 0.3,
    "age_basis": "followers",
    "age_profile": (0.02, 0.14, 0.32, 0.26, 0.14, 0.08, 0.04),
}

#: engage risks: the network's rule on nudity (docs/analyses.md, "Policy risk").
NUDITY_RULE = NudityRule(
    rule="Threads follows Instagram's Community Guidelines, hence Meta's nudity standard",
    wording=(
        "Meta's standard restricts the display of nudity and allows photographs of paintings,"
        " sculptures and other art that depicts nude figures."
    ),
    quoted=False,
    source="https://transparency.meta.com/policies/community-standards/adult-nudity-sexual-activity/",
    consequence="may be removed or have its reach restricted",
)

#: The default accrual curve (docs/scoring.md §1.5): F(a) = 1 - 2^-((a / half-life)^shape),
#: used when the store holds too few repeated readings of this network's posts to estimate it.
ACCRUAL = AccrualCurve(
    half_life_hours=12.0,
    shape=0.6,
    sources=(
        "assumption (no published half-life found): near Instagram's ranked feed (19 h) and X's (under an hour), Graffius 2018 (Half-Life for Posts on Different Social Media Platforms, scottgraffius.com)",
    ),
    note=(
        "evidence thin: a ranked feed like Instagram's; half-life 12 h, maturity (90 %) "
        "~3.7 days; uncertain within a factor of 5"
    ),
)

NETWORK = NetworkSpec(
    name="threads",
    display_name="Threads",
    # X's interaction set (Socialinsider: likes + replies + reposts + quotes), which Threads'
    # media insights mirror: replies are comments, reposts are shares.
    interactions={"likes": 1.0, "comments": 1.0, "shares": 1.0, "quotes": 1.0},
    provides=frozenset({"likes", "comments", "shares", "quotes", "views"}),
    typical_rate=None,
    rate_source="",
    launched=date(2023, 7, 5),  # public launch
    young_prior=YOUNG_PRIOR,
    nudity_rule=NUDITY_RULE,
    # Views first: every count Threads gives comes from a post's media insights, which give
    # its views in the same response, observed at the same moment; followers come from a
    # separate user-insights call, a snapshot of today (not of the day of the post), and
    # Threads' feed shows posts far beyond an account's followers. Followers stay the
    # fallback for posts whose views were not asked for.
    basis_order=("views", "followers"),
    simulation=SIMULATION,
    accrual=ACCRUAL,
)


@hookimpl
def register_networks(register: Callable[[NetworkSpec], None]) -> None:
    register(NETWORK)


@hookimpl
def register_importers(register: Callable[[Importer], None]) -> None:
    register(ThreadsApiImporter())


@hookimpl
def register_demo_writers(register: Callable[[DemoWriter], None]) -> None:
    register(ThreadsDemoWriter())
