"""The cohort simulator: deterministic, realistic in the ways the scoring must cope with, and
exactly in the normalized schemas the importers produce."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import polars as pl
import pytest
from engage_facebook import SIMULATION as FACEBOOK_SIM
from engage_instagram import SIMULATION as INSTAGRAM_SIM
from engage_x import SIMULATION as X_SIM

from engagecore import schema, textutil
from engagecore.errors import UsageError
from engagecore.pluginapi import NetworkSpec
from engagecore.simulate import AGE_BANDS, Cohort, default_params, simulate_cohort

# Specs of the shape the network plugins register, with their plugins' simulation parameters;
# "newnet" brings none (the [default] of simulation.toml).
NETWORKS = {
    "x": NetworkSpec(
        "x",
        "X",
        {"likes": 1.0, "comments": 1.0, "shares": 1.0, "quotes": 1.0},
        frozenset({"likes", "comments", "shares", "quotes", "impressions", "saves"}),
        typical_rate=0.00035,
        simulation=X_SIM,
    ),
    "instagram": NetworkSpec(
        "instagram",
        "Instagram",
        {"likes": 1.0, "comments": 1.0},
        frozenset({"likes", "comments", "shares", "saves", "views", "impressions", "reach"}),
        typical_rate=0.0047,
        simulation=INSTAGRAM_SIM,
    ),
    "facebook": NetworkSpec(
        "facebook",
        "Facebook",
        {"likes": 1.0, "comments": 1.0, "shares": 1.0},
        frozenset({"likes", "comments", "shares", "views", "impressions", "reach"}),
        typical_rate=0.0006,
        simulation=FACEBOOK_SIM,
    ),
    "newnet": NetworkSpec(
        "newnet", "New network", {"likes": 1.0, "shares": 1.0}, frozenset({"likes", "shares"})
    ),
}
START, END = date(2024, 1, 1), date(2025, 1, 1)


@pytest.fixture(scope="module")
def cohort() -> Cohort:
    """300 museums over a year, 40 posts per account on average (about 30k posts)."""
    return simulate_cohort(
        300, 11, NETWORKS, start=START, end=END, posts_per_account=40, with_post_truth=True
    )


def _account_rates(cohort: Cohort, network: str) -> pl.DataFrame:
    """Per account: interactions per own post ÷ mean followers over the period, and today's
    followers."""
    spec = NETWORKS[network]
    interactions = pl.sum_horizontal(pl.col(c) for c in spec.interactions if c in spec.provides)
    per_post = (
        cohort.posts.filter(pl.col("network") == network, pl.col("is_own"))
        .group_by("account_id")
        .agg(interactions.mean().alias("per_post"))
    )
    audience = (
        cohort.followers.filter(pl.col("network") == network)
        .group_by("account_id")
        .agg(pl.col("followers").mean().alias("mean"), pl.col("followers").last().alias("today"))
    )
    return per_post.join(audience, on="account_id").with_columns(
        rate=pl.col("per_post") / pl.col("mean")
    )


def test_the_same_seed_gives_the_same_cohort() -> None:
    a = simulate_cohort(40, 5, NETWORKS, start=START, end=END)
    b = simulate_cohort(40, 5, NETWORKS, start=START, end=END)
    c = simulate_cohort(40, 6, NETWORKS, start=START, end=END)
    for name in ("museums", "accounts", "posts", "followers", "audience_age", "truth"):
        assert getattr(a, name).equals(getattr(b, name)), name
    assert not a.posts.equals(c.posts)
    assert not a.truth.equals(c.truth)


def test_frames_have_the_normalized_schemas_plus_museum(cohort: Cohort) -> None:
    for frame, table in (
        (cohort.posts, "posts"),
        (cohort.followers, "follower_snapshots"),
        (cohort.audience_age, "audience_age"),
    ):
        target, required = schema.PRODUCED[table]
        assert frame.schema == pl.Schema([*target.items(), ("museum", pl.Utf8)]), table
        assert frame.select(pl.col(*required, "museum").null_count()).sum_horizontal().item() == 0
    assert cohort.posts["post_id"].is_unique().all()
    assert set(cohort.posts["kind"].unique()) <= schema.POST_KINDS
    # Paris midnight is 22:00 or 23:00 UTC the day before.
    first = datetime(2024, 1, 1, tzinfo=UTC) - timedelta(hours=2)
    in_period = pl.col("posted_at").is_between(first, datetime(2025, 1, 1, tzinfo=UTC), "left")
    assert cohort.posts.select(in_period.all()).item()
    assert (cohort.posts["observed_at"] == cohort.export_date).all()
    accounts = set(cohort.accounts.select("network", "account_id").iter_rows())
    assert set(cohort.posts.select("network", "account_id").unique().iter_rows()) <= accounts
    assert set(cohort.accounts["museum"]) <= set(cohort.museums["slug"])


def test_counts_are_null_where_the_network_exposes_none(cohort: Cohort) -> None:
    for name, spec in NETWORKS.items():
        own = cohort.posts.filter(pl.col("network") == name, pl.col("is_own"))
        assert own.height > 0
        for column in schema.COUNT_COLUMNS:
            nulls = own[column].null_count()
            if column not in spec.provides:
                assert nulls == own.height, (name, column)
            elif column in spec.interactions:
                assert nulls == 0, (name, column)
    reposts = cohort.posts.filter(~pl.col("is_own"))
    assert 0 < reposts.height < 0.1 * cohort.posts.height
    assert reposts.select(pl.col(*schema.COUNT_COLUMNS).null_count()).sum_horizontal().item() == (
        reposts.height * len(schema.COUNT_COLUMNS)
    )


def test_a_repost_first_mentions_another_account_of_its_network(cohort: Cohort) -> None:
    handles = cohort.accounts.select("network", "account_id", "handle")
    reposts = (
        cohort.posts.filter(~pl.col("is_own"))
        .join(handles, on=["network", "account_id"])
        .with_columns(source=pl.col("mentions").list.first())
    )
    known = set(handles.select("network", "handle").iter_rows())
    assert all((n, s) in known for n, s in reposts.select("network", "source").iter_rows())
    assert (reposts["source"] != reposts["handle"]).all()


def test_followers_are_heavy_tailed(cohort: Cohort) -> None:
    today = cohort.followers.group_by("network", "account_id", "museum").agg(
        pl.col("followers").last()
    )
    for network in ("x", "instagram", "facebook"):
        f = today.filter(pl.col("network") == network)["followers"]
        assert f.max() / f.median() > 50, network  # type: ignore[operator]
        louvre = today.filter(pl.col("network") == network, pl.col("museum") == "louvre")
        assert louvre["followers"].item() > 100 * f.median(), network  # type: ignore[operator]


def test_followers_grow_so_the_audience_at_post_time_differs(cohort: Cohort) -> None:
    span = cohort.followers.group_by("network", "account_id").agg(
        pl.col("followers").first().alias("first"),
        pl.col("followers").last().alias("last"),
        pl.len(),
    )
    assert (span["len"] >= 2).all()
    assert (span["last"] >= span["first"]).all()
    assert (span["last"] > span["first"]).mean() > 0.9  # type: ignore[operator]


def test_median_rate_is_near_each_networks_typical_rate(cohort: Cohort) -> None:
    for name, spec in NETWORKS.items():
        typical = spec.typical_rate or default_params(spec).typical_rate
        median = _account_rates(cohort, name)["rate"].median()
        assert 0.7 * typical < median < 1.4 * typical, (name, median, typical)  # type: ignore[operator]


def test_rate_falls_as_followers_grow(cohort: Cohort) -> None:
    for name in NETWORKS:
        rates = _account_rates(cohort, name)
        rho = rates.select(pl.corr("rate", "today", method="spearman")).item()
        assert rho < -0.3, (name, rho)


def test_adoption_follows_the_museum_history() -> None:
    # ~20 of France's ~1,200 museums were on Twitter in 2009, ~100 in 2013.
    c = simulate_cohort(1200, 3, NETWORKS, start=date(2008, 1, 1), end=END, posts_total=0)
    x = c.accounts.filter(pl.col("network") == "x")["adopted_at"]
    assert 15 <= (x < datetime(2010, 1, 1, tzinfo=UTC)).sum() <= 25
    assert 90 <= (x < datetime(2014, 1, 1, tzinfo=UTC)).sum() <= 110
    by_2010 = c.accounts.filter(pl.col("adopted_at") < datetime(2010, 1, 1, tzinfo=UTC))
    assert by_2010["network"].mode().to_list() == ["x"]  # the others came later
    instagram = c.accounts.filter(pl.col("network") == "instagram")["adopted_at"]
    assert instagram.min() >= datetime(2011, 10, 1, tzinfo=UTC)  # type: ignore[operator]
    assert (instagram < datetime(2014, 1, 1, tzinfo=UTC)).sum() < 60
    # Scaled to a smaller cohort; the big museums come first.
    small = simulate_cohort(120, 3, NETWORKS, start=date(2008, 1, 1), end=END, posts_total=0)
    early = small.accounts.filter(
        pl.col("network") == "x", pl.col("adopted_at") < datetime(2014, 1, 1, tzinfo=UTC)
    )
    assert 8 <= early.height <= 12
    assert set(early["museum"]) <= set(small.museums.filter("curated")["slug"])


def test_audience_age_exists_for_some_accounts_only_and_sums_to_one(cohort: Cohort) -> None:
    ages = cohort.audience_age
    with_age = ages.group_by("network").agg(pl.col("account_id").n_unique())
    counts = dict(with_age.iter_rows())
    totals = dict(cohort.accounts.group_by("network").len().iter_rows())
    assert "x" not in counts and "newnet" not in counts  # these networks expose no ages
    assert 0.3 < counts["instagram"] / totals["instagram"] < 0.7
    assert 0 < counts["facebook"] / totals["facebook"] < 0.35
    sums = ages.group_by("network", "account_id").agg(pl.col("share").sum(), pl.len())
    assert (sums["len"] == len(AGE_BANDS)).all()
    assert ((sums["share"] - 1.0).abs() < 1e-9).all()
    assert ages["share"].min() > 0  # type: ignore[operator]
    bands = ages.select("age_band", "age_min", "age_max").unique().sort("age_min")
    assert bands.rows() == [tuple(b) for b in AGE_BANDS]
    assert set(ages.filter(pl.col("network") == "instagram")["basis"]) == {"followers"}


def test_measured_young_share_tracks_the_planted_truth(cohort: Cohort) -> None:
    measured = (
        cohort.audience_age.filter(pl.col("age_max") <= 24)
        .group_by("network", "account_id")
        .agg(pl.col("share").sum().alias("measured"))
        .join(cohort.truth, on=["network", "account_id"])
    )
    assert measured.select(pl.corr("measured", "young_share")).item() > 0.9


def test_captions_are_french_with_accents_hashtags_and_emoji(cohort: Cohort) -> None:
    posts = cohort.posts
    assert (posts["language"] == "fr").mean() > 0.85  # type: ignore[operator]
    assert set(posts["language"].unique()) == {"fr", "en"}
    french = posts.filter(pl.col("language") == "fr")["text"]
    assert french.str.contains("[éèàçêùôœ]").mean() > 0.6  # type: ignore[operator]
    emoji = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf]")
    assert sum(bool(emoji.search(t)) for t in french.head(2000)) > 1000
    assert french.n_unique() > 500
    for row in posts.filter("is_own").head(500).iter_rows(named=True):
        assert row["hashtags"] == textutil.hashtags(row["text"])
        assert row["mentions"] == textutil.mentions(row["text"])
    assert posts["hashtags"].list.len().mean() > 1  # type: ignore[operator]


def test_jourdefermeture_goes_out_on_the_museums_closing_day(cohort: Cohort) -> None:
    weekday = {d: i for i, d in enumerate(("monday", "tuesday", "wednesday", "thursday"), 1)}
    series = cohort.posts.filter(
        pl.col("is_own"), pl.col("hashtags").list.contains("jourdefermeture")
    ).join(cohort.museums.select(pl.col("slug").alias("museum"), "closed"), on="museum")
    assert series.height > 100
    local_day = series["posted_at"].dt.convert_time_zone("Europe/Paris").dt.weekday()
    closing_day = series["closed"].replace_strict(weekday, default=None)
    assert (local_day == closing_day).mean() > 0.9  # type: ignore[operator]


def test_fewer_posts_at_weekends(cohort: Cohort) -> None:
    local = cohort.posts["posted_at"].dt.convert_time_zone("Europe/Paris")
    assert (local.dt.weekday() >= 6).mean() < 0.8 * 2 / 7  # type: ignore[operator]
    hours = local.dt.hour()
    assert ((hours >= 8) & (hours <= 20)).mean() > 0.85  # type: ignore[operator]


def test_a_few_viral_posts_stand_out(cohort: Cohort) -> None:
    truth = cohort.post_truth
    assert truth is not None and truth.height == cohort.posts.height
    viral = truth["viral"].mean()
    assert 0 < viral < 0.01  # type: ignore[operator]
    posts = cohort.posts.join(truth, on=["network", "post_id"]).filter(
        pl.col("network") == "instagram", pl.col("is_own")
    )
    ratio = posts.with_columns(
        r=pl.col("likes") / pl.col("likes").median().over("account_id").clip(lower_bound=1)
    )
    assert ratio.filter("viral")["r"].median() > 3  # type: ignore[operator]


@pytest.mark.parametrize("total", [0, 1, 1234])
def test_posts_total_is_honoured(total: int) -> None:
    c = simulate_cohort(30, 1, NETWORKS, start=START, end=END, posts_total=total)
    assert c.posts.height == total
    assert c.followers.height > 0


def test_posts_per_account_sets_the_average() -> None:
    c = simulate_cohort(30, 1, NETWORKS, start=START, end=END, posts_per_account=12)
    assert c.posts.height == round(12 * c.accounts.height)


def test_curated_museums_come_first_with_their_handles_and_ids() -> None:
    c = simulate_cohort(3, 0, NETWORKS, start=START, end=END, posts_total=10)
    assert c.museums["slug"].to_list() == ["louvre", "pompidou", "orsay"]
    louvre = c.museums.row(0, named=True)
    assert louvre["name"] == "Musée du Louvre" and louvre["museofile_id"] == "M5031"
    assert "Louvre" in louvre["aliases"]
    handles = dict(
        c.accounts.filter(pl.col("museum") == "louvre").select("network", "handle").iter_rows()
    )
    assert handles["x"] == "MuseeLouvre" and handles["instagram"] == "museelouvre"
    assert re.fullmatch(r"\w{1,30}", handles["newnet"])  # made up in the network's style


def test_made_up_museums_have_plausible_unique_names() -> None:
    c = simulate_cohort(1500, 2, NETWORKS, start=START, end=END, posts_total=0)
    made_up = c.museums.filter(~pl.col("curated"))
    assert made_up["name"].str.contains(r"^(Musée|Muséum)").all()
    assert c.museums["slug"].is_unique().all() and c.museums["name"].is_unique().all()
    assert made_up["museofile_id"].null_count() == made_up.height  # never invented
    assert not made_up["name"].str.contains(r" de [AEIOUÉ]| de Le ").any()  # d'Angers, du Havre
    x = c.accounts.filter(pl.col("network") == "x")["handle"]
    assert x.str.len_chars().max() <= 15 and x.str.to_lowercase().is_unique().all()  # type: ignore[operator]


def test_account_data_gives_each_account_its_frames(cohort: Cohort) -> None:
    seen = 0
    for network, data in cohort.account_data():
        seen += 1
        assert data.posts.schema == schema.POSTS
        assert data.followers.schema == schema.FOLLOWER_SNAPSHOTS
        assert (data.posts["network"] == network).all()
        assert (data.posts["account_id"] == data.account_id).all()
        assert data.posts["posted_at"].is_sorted()
        assert data.followers["observed_at"].is_sorted()
        assert data.export_date == cohort.export_date
        if data.audience_age is not None:
            assert data.audience_age.schema == schema.AUDIENCE_AGE
            assert abs(float(data.audience_age["share"].sum()) - 1) < 1e-9
    assert seen == cohort.accounts.height


def test_params_override_the_defaults() -> None:
    quiet = simulate_cohort(
        20, 1, NETWORKS, start=START, end=END, params={"x": {"posts_per_week": 0.0}}
    )
    assert quiet.posts.filter(pl.col("network") == "x").height == 0
    assert quiet.posts.filter(pl.col("network") == "instagram").height > 0
    with pytest.raises(UsageError, match="unknown simulator parameter"):
        simulate_cohort(5, 1, NETWORKS, params={"x": {"posts_per_day": 3}})
    with pytest.raises(UsageError, match="post kind"):
        default_params(NETWORKS["x"], kinds={"tweet": 1.0})


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n_museums": 0},
        {"start": date(2025, 1, 1), "end": date(2024, 1, 1)},
        {"posts_total": 10, "posts_per_account": 2},
        {"posts_total": -1},
    ],
)
def test_impossible_requests_are_usage_errors(kwargs: dict[str, Any]) -> None:
    args: dict[str, Any] = {"n_museums": 5, "seed": 0, "networks": NETWORKS, **kwargs}
    with pytest.raises(UsageError):
        simulate_cohort(**args)


def test_a_network_spec_brings_its_simulation_parameters() -> None:
    bare = NETWORKS["newnet"]
    mine = replace(
        bare,
        simulation={
            "handle_case": "camel",
            "posts_per_week": 9.0,
            "adoption": [(date(2020, 1, 1), 0.0), ("2023-12-31", 0.5)],
        },
    )
    params, base = default_params(mine), default_params(bare)
    assert params.handle_case == "camel" and params.posts_per_week == 9.0
    assert params.adoption == ((date(2020, 1, 1), 0.0), (date(2023, 12, 31), 0.5))
    assert params.followers_median == base.followers_median  # not given: [default]
    assert base.handle_case == "lower" and base.posts_per_week == 3.0
    # a caller's override still wins over the spec's value
    assert default_params(mine, posts_per_week=1.0).posts_per_week == 1.0
    with pytest.raises(UsageError, match="unknown simulator parameter"):
        default_params(replace(bare, simulation={"posts_per_day": 3}))
    cohort = simulate_cohort(30, 2, {"newnet": mine}, start=START, end=END, posts_per_account=5)
    handles = cohort.accounts.get_column("handle").to_list()
    assert handles and all(h[0].isupper() for h in handles)  # camel, as the spec says


def _only(cohort: Cohort, network: str) -> dict[str, pl.DataFrame]:
    frames = ("accounts", "posts", "followers", "audience_age", "truth")
    return {f: getattr(cohort, f).filter(pl.col("network") == network) for f in frames}


@pytest.mark.parametrize("left_out", ["facebook", "instagram"])
def test_a_networks_data_does_not_depend_on_the_other_networks(left_out: str) -> None:
    """Each network draws from its own stream (seeded by the seed and its name), so adding or
    removing a network leaves the others' data identical for the same seed."""
    everything = simulate_cohort(60, 4, NETWORKS, start=START, end=END, posts_per_account=15)
    fewer = {k: v for k, v in NETWORKS.items() if k != left_out}
    without = simulate_cohort(60, 4, fewer, start=START, end=END, posts_per_account=15)
    assert everything.museums.equals(without.museums)
    for network in fewer:
        a, b = _only(everything, network), _only(without, network)
        assert a["posts"].height > 0, network
        for name in a:
            assert a[name].equals(b[name]), (network, name)
    # natural paces too
    natural = simulate_cohort(30, 4, NETWORKS, start=START, end=END)
    natural_fewer = simulate_cohort(30, 4, fewer, start=START, end=END)
    for network in fewer:
        assert _only(natural, network)["posts"].equals(_only(natural_fewer, network)["posts"])
