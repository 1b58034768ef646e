"""Bluesky network plugin: getAuthorFeed pages and getProfile responses (AppView JSON), and
the repository export (CAR)."""

from __future__ import annotations

from collections.abc import Callable
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

from .common import LAUNCHED
from .demo import BlueskyDemoWriter
from .feed import BlueskyFeedImporter
from .fetch import BlueskyFetcher
from .profile import BlueskyProfileImporter
from .repo import BlueskyRepoImporter

# The young-audience prior. What is known: Pew Research Center, "Americans' Social Media Use"
# (survey of 5,022 U.S. adults, 5 February - 18 June 2025, published November 2025) finds 4 %
# of U.S. adults use Bluesky (8 % of Democrats, 1 % of Republicans); no figure by age was
# at hand when this was written, Pew's teen survey (2024) does not ask about Bluesky, and
# Bluesky publishes no age statistics. So X's profile (Pew 2023 usage by age x INSEE
# population, plugins/engage_x) stands in as a proxy - Bluesky's first users came from X -
# trusted weakly: at concentration 8 the 13-24 share has a 90 % interval of about
# 5 % to 52 % (median 23 %), against 16 % to 34 % for X's prior at concentration 20.
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
    sources=(
        "proxy: the x prior (Pew Research Center 2023 adults by age; 2024 teens; INSEE 2024)",
        "Pew Research Center 2025: 4 % of U.S. adults use Bluesky (no age breakdown used)",
    ),
    concentration=8,
    note=(
        "proxy, weak: no survey of Bluesky users by age; the 13-24 share's 90 % interval "
        "is about 5-52 %, widen your reading of every Bluesky young figure"
    ),
)

#: The demo simulator's parameters for this network (keys: [default] in
#: engagecore/data/simulation.toml, which documents them).
SIMULATION: dict[str, Any] = {
    "followers_median": 400.0,
    "posts_per_week": 3.0,
    "kinds": {"text": 0.4, "photo": 0.5, "video": 0.05, "link": 0.05},
    "split": {"likes": 0.76, "comments": 0.07, "shares": 0.14, "quotes": 0.03},
    "repost_share": 0.12,
    "adoption": [("2023-02-01", 0.0), ("2023-12-31", 0.02), ("2024-12-31", 0.15)],
    "age_share": 0.0,  # Bluesky gives an account no audience age
}

#: engage risks: the network's rule on nudity (docs/analyses.md, "Policy risk").
NUDITY_RULE = NudityRule(
    rule="Bluesky moderation: adult-content labels (nudity)",
    wording=(
        "Nudity may be posted with a self-applied label; unlabelled nudity may be labelled by"
        " Bluesky's moderation, and readers who chose to hide it do not see it."
    ),
    quoted=False,
    source="https://bsky.social/about/support/community-guidelines",
    consequence="may be labelled and hidden from readers who hide nudity",
)

#: The default accrual curve (docs/scoring.md §1.5): F(a) = 1 - 2^-((a / half-life)^shape),
#: used when the store holds too few repeated readings of this network's posts to estimate it.
ACCRUAL = AccrualCurve(
    half_life_hours=2.0,
    shape=0.6,
    sources=(
        "assumption (no published half-life found): near X's (chronological feeds), Sargsyan, Matter & Pfeffer 2023 (The Half-Life of a Tweet, arXiv:2302.09654): impressions' median half-life ~80 min",
    ),
    note=(
        "evidence thin: chronological feeds as on X, smaller audiences; half-life 2 h, "
        "maturity (90 %) ~15 h; uncertain within a factor of 5"
    ),
)

NETWORK = NetworkSpec(
    name="bluesky",
    display_name="Bluesky",
    # likes, replies (comments), reposts (shares) and quotes, as X's.
    interactions={"likes": 1.0, "comments": 1.0, "shares": 1.0, "quotes": 1.0},
    provides=frozenset({"likes", "comments", "shares", "quotes", "saves"}),  # saves: bookmarks
    typical_rate=None,  # no published typical engagement rate yet
    rate_source="",
    launched=LAUNCHED,
    young_prior=YOUNG_PRIOR,
    nudity_rule=NUDITY_RULE,
    basis_order=("followers",),  # the only basis Bluesky gives: no reach, no views
    simulation=SIMULATION,
    accrual=ACCRUAL,
    wikidata_property="P12361",  # Wikidata's Bluesky handle: `engage museums discover`
)


@hookimpl
def register_networks(register: Callable[[NetworkSpec], None]) -> None:
    register(NETWORK)


@hookimpl
def register_importers(register: Callable[[Importer], None]) -> None:
    register(BlueskyFeedImporter())
    register(BlueskyProfileImporter())
    register(BlueskyRepoImporter())


@hookimpl
def register_demo_writers(register: Callable[[DemoWriter], None]) -> None:
    register(BlueskyDemoWriter())


@hookimpl
def register_fetchers(register: Callable[[Fetcher], None]) -> None:
    register(BlueskyFetcher())
