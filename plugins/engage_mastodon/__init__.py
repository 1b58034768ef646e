"""Mastodon network plugin: the account archive (outbox.json + actor.json) and the public
API's responses (statuses pages, account lookup), and the API's fetcher."""

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

from .api import MastodonApiImporter
from .archive import MastodonArchiveImporter
from .common import LAUNCHED
from .common import NETWORK as NAME
from .demo import MastodonDemoWriter
from .fetch import MastodonFetcher

# The young-audience prior. What is known: very little. No survey measures Mastodon use by
# age - Pew Research Center's surveys of U.S. adults (2023-2025) and of teens (2024) do not
# ask about it - and Mastodon, a federation of independent servers, publishes active-user
# counts (joinmastodon.org) but no ages. So X's profile (Pew 2023 usage by age x INSEE
# population, plugins/engage_x) stands in as a proxy - Mastodon's museum accounts mostly
# came from X, in the waves of November 2022 and 2023 - trusted weakly: at concentration 8
# the 13-24 share (0.247) has a 90 % interval of about 5 % to 52 % (median 23 %), against
# 11 % to 42 % for the same share at a survey's concentration of 20.
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
        "no survey of Mastodon users by age exists (Pew does not ask; Mastodon publishes none)",
    ),
    concentration=8,
    note=(
        "proxy, weak: nothing measures Mastodon's users by age; the 13-24 share's 90 % "
        "interval is about 5-52 %, widen your reading of every Mastodon young figure"
    ),
)

#: How museums behave on Mastodon, for ``engage demo`` and the benchmarks (the keys of
#: ``[default]`` in engagecore's data/simulation.toml; the others keep the default).
SIMULATION: dict[str, Any] = {
    "followers_median": 300.0,
    "posts_per_week": 3.0,
    "kinds": {"text": 0.45, "photo": 0.45, "video": 0.05, "link": 0.05},
    "repost_share": 0.15,
    "adoption": [
        ("2017-04-01", 0.0),
        ("2022-10-31", 0.01),
        ("2023-06-30", 0.08),
        ("2024-12-31", 0.12),
    ],
    "age_share": 0.0,  # Mastodon gives an account no audience age
}

# Mastodon has no network-wide rule: each instance (server) sets its own. The largest,
# mastodon.social (where most museums' accounts are), asks that such media be marked
# sensitive; its moderators may hide or remove what is not. A summary, not a quote: check the
# rules of the account's own instance (its /about page).
NUDITY_RULE = NudityRule(
    rule="Mastodon: the rules of each instance (mastodon.social: sensitive media)",
    wording=(
        "Each server sets its own rules; on mastodon.social, sexually explicit media must be"
        " marked as sensitive, and its moderators may hide or remove media that is not."
    ),
    quoted=False,
    source="https://mastodon.social/about",
    consequence="may be hidden behind a sensitive-media warning or removed by the instance's"
    " moderators",
)

#: The default accrual curve (docs/scoring.md §1.5): F(a) = 1 - 2^-((a / half-life)^shape),
#: used when the store holds too few repeated readings of this network's posts to estimate it.
ACCRUAL = AccrualCurve(
    half_life_hours=4.0,
    shape=0.6,
    sources=(
        "assumption (no published half-life found): slower than X's: boosts cross servers over a day or two",
    ),
    note=(
        "evidence thin: no ranking, federation delays boosts between servers; half-life 4 "
        "h, maturity (90 %) ~30 h; uncertain within a factor of 5"
    ),
)

NETWORK = NetworkSpec(
    name=NAME,
    display_name="Mastodon",
    # favourites (likes), replies (comments), boosts (shares)
    interactions={"likes": 1.0, "comments": 1.0, "shares": 1.0},
    provides=frozenset({"likes", "comments", "shares"}),
    typical_rate=None,  # no published typical engagement rate
    rate_source="",
    launched=LAUNCHED,
    young_prior=YOUNG_PRIOR,
    basis_order=("followers",),  # the only basis Mastodon gives: no reach, no views
    simulation=SIMULATION,
    wikidata_property="P4033",  # Mastodon address (user@instance)
    nudity_rule=NUDITY_RULE,
    accrual=ACCRUAL,
)


@hookimpl
def register_networks(register: Callable[[NetworkSpec], None]) -> None:
    register(NETWORK)


@hookimpl
def register_importers(register: Callable[[Importer], None]) -> None:
    register(MastodonArchiveImporter())
    register(MastodonApiImporter())


@hookimpl
def register_demo_writers(register: Callable[[DemoWriter], None]) -> None:
    register(MastodonDemoWriter())


@hookimpl
def register_fetchers(register: Callable[[Fetcher], None]) -> None:
    register(MastodonFetcher())
