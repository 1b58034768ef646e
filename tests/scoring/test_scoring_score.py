"""score(): rates and their basis, robustness, size adjustment, shrinkage, reasons, composite."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal
from scoring_builders import NETS, T0, assert_no_nan, cohort, followers_frame, inputs, posts_frame

from engagecore.scoring import SCORE_COLUMNS, ScoringConfig, post_metrics, score

REQUIRED = [
    "museum",
    "network",
    "period",
    "posts",
    "followers",
    "engagement_rate",
    "rate_basis",
    "engagement_score",
    "engagement_score_low",
    "engagement_score_high",
    "young_share",
    "young_reach",
    "young_index",
    "young_basis",
    "reason",
    "small_sample",
    "interactions",
    "young_share_low",
    "young_share_high",
]


def _row(df: pl.DataFrame, museum: str, network: str = "alpha") -> dict[str, object]:
    return df.filter((pl.col("museum") == museum) & (pl.col("network") == network)).row(
        0, named=True
    )


def test_columns_and_one_row_per_museum_network_plus_all() -> None:
    posts, fol, _ = cohort(12, 10, networks=("alpha", "beta"))
    df = score(inputs(posts, fol), NETS)
    assert set(REQUIRED) <= set(df.columns) and df.columns == list(SCORE_COLUMNS)
    assert df.height == 12 * 3
    assert set(df.get_column("network")) == {"alpha", "beta", "all"}
    assert_no_nan(df)


def test_followers_as_of_the_post_with_fallback_to_a_later_snapshot() -> None:
    posts = posts_frame(
        [
            {"museum": "a", "posted_at": T0 + timedelta(days=5), "likes": 10},
            {"museum": "a", "posted_at": T0 + timedelta(days=15), "likes": 10},
            {"museum": "a", "posted_at": T0 + timedelta(days=30), "likes": 10},
        ]
    )
    fol = followers_frame(
        [("alpha", "a", T0 + timedelta(days=10), 100), ("alpha", "a", T0 + timedelta(days=20), 200)]
    )
    pm = post_metrics(inputs(posts, fol), NETS).sort("posted_at")
    assert pm.get_column("followers").to_list() == [100, 100, 200]
    assert pm.get_column("followers_source").to_list() == ["after", "asof", "asof"]
    assert pm.get_column("rate").to_list() == pytest.approx([0.1, 0.1, 0.05])
    row = _row(score(inputs(posts, fol), NETS), "a")
    assert row["followers"] == 200 and row["n_followers_after"] == 1


def test_interactions_are_weighted_and_null_when_the_source_has_none() -> None:
    posts = posts_frame(
        [
            {"museum": "a", "likes": 10, "comments": 5},
            {"museum": "a", "likes": None, "comments": 4},
            {"museum": "b", "likes": None, "comments": None},
        ]
    )
    fol = followers_frame([("alpha", "a", T0, 100), ("alpha", "b", T0, 100)])
    cfg = ScoringConfig(weights={"alpha": {"likes": 1.0, "comments": 2.0}})
    pm = post_metrics(inputs(posts, fol), NETS, cfg).sort("post_id")
    assert pm.get_column("interactions").to_list() == [20.0, 8.0, None]
    b = _row(score(inputs(posts, fol), NETS, cfg), "b")
    assert b["engagement_rate"] is None and b["engagement_score"] is None
    assert "no interaction counts" in str(b["reason"])


def test_rate_basis_falls_back_to_reach_without_snapshots() -> None:
    posts = posts_frame([{"museum": "a", "likes": 10, "reach": 200}] * 3)
    row = _row(score(inputs(posts), NETS), "a")
    assert row["rate_basis"] == "reach"
    assert row["engagement_rate"] == pytest.approx(0.05)
    assert "no follower snapshot" in str(row["reason"])


def test_one_viral_post_does_not_dominate() -> None:
    base = [{"museum": "a", "likes": 10 + i % 5} for i in range(30)]
    fol = followers_frame([("alpha", "a", T0, 1000)])
    calm = _row(score(inputs(posts_frame(base), fol), NETS), "a")
    viral = _row(
        score(inputs(posts_frame([*base, {"museum": "a", "likes": 50_000}]), fol), NETS), "a"
    )
    assert viral["engagement_rate"] == pytest.approx(calm["engagement_rate"], rel=0.05)
    assert viral["naive_rate"] > 50 * calm["naive_rate"]


def test_size_adjustment_is_fitted_and_the_score_follows_planted_quality() -> None:
    posts, fol, quality = cohort(60, 40, beta=0.5, seed=4)
    df = score(inputs(posts, fol), NETS).filter(pl.col("network") == "alpha")
    slope = df.get_column("size_slope").unique().to_list()
    assert len(slope) == 1 and slope[0] == pytest.approx(-0.5, abs=0.12)
    truth = df.get_column("museum").replace_strict(quality, return_dtype=pl.Float64)
    rho = np.corrcoef(truth.rank().to_numpy(), df.get_column("engagement_score").rank().to_numpy())
    naive = np.corrcoef(truth.rank().to_numpy(), df.get_column("naive_rate").rank().to_numpy())
    assert rho[0, 1] > 0.8 and rho[0, 1] > naive[0, 1] + 0.15
    assert df.get_column("engagement_score").min() == 0
    assert df.get_column("engagement_score").max() == 100
    assert (df["engagement_score_low"] <= df["engagement_score"]).all()
    assert (df["engagement_score"] <= df["engagement_score_high"]).all()


def test_small_samples_are_flagged_and_shrunk_toward_the_cohort() -> None:
    posts, fol, _ = cohort(30, 30, seed=5)
    lucky = posts_frame([{"museum": "lucky", "likes": 300}, {"museum": "lucky", "likes": 320}])
    fol = pl.concat([fol, followers_frame([("alpha", "lucky", T0, 3000)])])
    df = score(inputs(pl.concat([posts, lucky]), fol), NETS)
    row = _row(df, "lucky")
    assert row["small_sample"] is True and "small sample" in str(row["reason"])
    big = df.filter((pl.col("museum") != "lucky") & (pl.col("network") == "alpha"))
    assert not big.get_column("small_sample").any()
    assert row["shrink_weight"] < big.get_column("shrink_weight").min()
    center = row["cohort_center"]
    assert abs(row["shrunk"] - center) < abs(row["residual"] - center)
    assert row["engagement_score_high"] - row["engagement_score_low"] > 30


def test_periods_with_no_posts_give_a_reason_not_a_number() -> None:
    posts = posts_frame(
        [
            {"museum": "a", "posted_at": T0 + timedelta(days=3), "likes": 5},
            {"museum": "b", "posted_at": T0 + timedelta(days=3), "likes": 9},
            {"museum": "b", "posted_at": T0 + timedelta(days=40), "likes": 7},
        ]
    )
    fol = followers_frame([("alpha", "a", T0, 0), ("alpha", "b", T0, 100)])
    df = score(inputs(posts, fol), NETS, ScoringConfig(period="month"))
    assert sorted(df.get_column("period").unique()) == ["2024-01", "2024-02"]
    a_feb = df.filter((pl.col("museum") == "a") & (pl.col("period") == "2024-02"))
    assert a_feb.row(0, named=True)["reason"].startswith("no posts in the period")
    a_jan = _row(df.filter(pl.col("period") == "2024-01"), "a")
    assert a_jan["engagement_rate"] is None and "zero followers" in a_jan["reason"]
    b_jan = _row(df.filter(pl.col("period") == "2024-01"), "b")
    assert "only museum with a rate" in b_jan["reason"] and b_jan["engagement_score"] is None
    assert_no_nan(df)


def test_composite_weights_networks_by_audience_or_equally() -> None:
    posts, fol, _ = cohort(20, 15, networks=("alpha", "beta"), seed=6)
    fol = fol.with_columns(
        followers=pl.when(pl.col("network") == "beta")
        .then(pl.col("followers") * 9)
        .otherwise("followers")
    )
    df = score(inputs(posts, fol), NETS)
    m = df.filter(pl.col("museum") == "m003")
    alpha, beta, both = (
        m.filter(pl.col("network") == n).row(0, named=True) for n in ("alpha", "beta", "all")
    )
    expected = (alpha["engagement_score"] * 1 + beta["engagement_score"] * 9) / 10
    assert both["engagement_score"] == pytest.approx(expected, rel=1e-6)
    assert alpha["composite_weight"] == pytest.approx(0.1)
    assert both["posts"] == alpha["posts"] + beta["posts"]
    assert both["followers"] == alpha["followers"] + beta["followers"]
    equal = score(inputs(posts, fol), NETS, ScoringConfig(composite="equal"))
    eq = _row(equal, "m003", "all")
    assert eq["engagement_score"] == pytest.approx(
        (alpha["engagement_score"] + beta["engagement_score"]) / 2
    )


def test_recency_weighting_lowers_the_effective_count() -> None:
    posts, fol, _ = cohort(10, 20, seed=7)
    df = score(inputs(posts, fol), NETS, ScoringConfig(half_life_days=30))
    row = _row(df, "m001")
    assert 1 <= row["n_effective"] < row["posts_rated"]
    assert row["engagement_rate"] is not None
    assert_no_nan(df)


def test_recency_weighted_quantiles_do_not_depend_on_the_order_of_tied_posts() -> None:
    """Tied rates at different dates weigh differently: the weighted quantile treats a tie as
    one point carrying their summed weight, so the posts' order (which DuckDB's sort leaves
    free among ties) cannot move a quantile, an interval or a score."""
    rng = np.random.default_rng(5)
    rows = [
        {
            "museum": f"m{m}",
            "post_id": f"p{m}-{k}",
            "likes": int(rng.integers(0, 3)),  # many ties at 0, 1 and 2
            "posted_at": T0 + timedelta(hours=int(rng.integers(0, 24 * 300))),
        }
        for m in range(12)
        for k in range(25)
    ]
    fol = followers_frame([("alpha", f"m{m}", T0 - timedelta(days=1), 50) for m in range(12)])
    config = ScoringConfig(half_life_days=20)
    frames = []
    for order in (rows, rows[::-1], [rows[i] for i in rng.permutation(len(rows))]):
        df = score(inputs(posts_frame(order), fol), NETS, config)
        frames.append(df.sort("museum", "network", "period"))
    for other in frames[1:]:  # floating sums in another order: within 1e-9
        assert_frame_equal(other, frames[0], check_exact=False, rel_tol=1e-9, abs_tol=1e-9)
    assert frames[0].get_column("engagement_rate").drop_nulls().n_unique() > 3


def test_reposts_are_not_scored() -> None:
    posts = posts_frame(
        [{"museum": "a", "likes": 10}, {"museum": "a", "likes": 99_999, "is_own": False}]
    )
    fol = followers_frame([("alpha", "a", T0, 100)])
    row = _row(score(inputs(posts, fol), NETS), "a")
    assert row["posts"] == 1 and row["engagement_rate"] == pytest.approx(0.1)


def test_an_empty_range_gives_rows_with_a_reason() -> None:
    posts = posts_frame([{"museum": "a", "likes": 3}])
    fol = followers_frame([("alpha", "a", T0, 10)])
    df = score(inputs(posts, fol, since=T0 + timedelta(days=400)), NETS)
    assert df.get_column("posts").to_list() == [0, 0]
    assert all(r for r in df.get_column("reason"))
    assert score(
        inputs(posts, fol, since=T0 + timedelta(days=400)), NETS, ScoringConfig(period="month")
    ).is_empty()


def test_a_network_can_prefer_views_as_its_basis() -> None:
    rows = [{"network": "beta", "museum": "a", "likes": 10, "views": 500}] * 3
    fol = followers_frame([("beta", "a", T0, 100)])
    default = _row(score(inputs(posts_frame(rows), fol), NETS), "a", "beta")
    assert default["rate_basis"] == "followers" and default["engagement_rate"] == pytest.approx(0.1)
    cfg = ScoringConfig(basis_by_network={"beta": ("views", "followers")})
    views = _row(score(inputs(posts_frame(rows), fol), NETS, cfg), "a", "beta")
    assert views["rate_basis"] == "views" and views["engagement_rate"] == pytest.approx(0.02)


def test_a_network_spec_brings_its_basis_order_and_the_user_still_overrides_it() -> None:
    rows = [{"network": "beta", "museum": "a", "likes": 10, "views": 500}] * 3
    fol = followers_frame([("beta", "a", T0, 100)])
    nets = {**NETS, "beta": replace(NETS["beta"], basis_order=("views", "followers"))}
    views = _row(score(inputs(posts_frame(rows), fol), nets), "a", "beta")
    assert views["rate_basis"] == "views" and views["engagement_rate"] == pytest.approx(0.02)
    cfg = ScoringConfig(basis_by_network={"beta": ("followers",)})
    mine = _row(score(inputs(posts_frame(rows), fol), nets, cfg), "a", "beta")
    assert mine["rate_basis"] == "followers" and mine["engagement_rate"] == pytest.approx(0.1)
    with pytest.raises(ValueError, match="basis_order"):
        replace(NETS["beta"], basis_order=("likes",))


@pytest.mark.parametrize("half_life", [None, 30.0])
def test_engagement_rate_peer_is_sum_of_interactions_over_sum_of_followers(
    half_life: float | None,
) -> None:
    """Rival IQ's ER by followers, by hand: Σ I ÷ Σ F over the row's posts; the winsorized
    rate reads lower on right-skewed rates (one big post on a small audience)."""
    likes = [10, 12, 8, 11, 9, 10, 300]
    snaps = [(T0, 1000), (T0 + timedelta(days=3), 2000)]
    posts = posts_frame(
        [
            {"museum": "a", "posted_at": T0 + timedelta(days=i, hours=1), "likes": n}
            for i, n in enumerate(likes)
        ]
        + [{"museum": "b", "likes": 5, "posted_at": T0 + timedelta(hours=2)}]
    )
    fol = followers_frame([("alpha", "a", t, f) for t, f in snaps] + [("alpha", "b", T0, 100)])
    df = score(inputs(posts, fol), NETS, ScoringConfig(half_life_days=half_life))
    row = _row(df, "a")
    followers = [1000, 1000, 1000, 2000, 2000, 2000, 2000]  # as of each post
    assert row["engagement_rate_peer"] == pytest.approx(sum(likes) / sum(followers))
    if half_life is None:  # (recency weighting gives the newest, viral, post more weight)
        assert row["engagement_rate"] < row["engagement_rate_peer"]
    assert _row(df, "b")["engagement_rate_peer"] == pytest.approx(0.05)
    assert _row(df, "a", "all")["engagement_rate_peer"] == pytest.approx(
        row["engagement_rate_peer"]
    )


def test_posts_of_an_unlinked_account_in_frames_are_scored_under_its_id() -> None:
    posts, fol, _ = cohort(12, 10)
    lone = posts.filter(pl.col("museum") == "m000").with_columns(museum=pl.lit(None))
    posts = pl.concat([posts.filter(pl.col("museum") != "m000"), lone])
    df = score(inputs(posts, fol), NETS)
    row = _row(df, "@alpha-m000")
    assert row["linked"] is False and row["posts"] == 10 and row["engagement_score"] is not None
    assert df.filter(pl.col("museum") != "@alpha-m000")["linked"].all()


def test_sizes_equal_but_for_rounding_are_one_size() -> None:
    """A museum's log size is a mean over its posts, summed in the order DuckDB's threads
    leave them: equal followers can come out 1e-15 apart. That spread is no size effect: the
    fit is the same as for exactly equal sizes (a regression on it once moved the intercept
    by 0.007 between two runs of the same posts)."""
    from engagecore.scoring.cohort import _fit

    y = np.log(np.array([0.01, 0.02, 0.015, 0.03, 0.012, 0.018, 0.025, 0.011]))
    exact = np.full(y.size, np.log(50.0))
    rounded = exact + np.array([0, 1, -1, 2, 0, -2, 1, 0]) * 1e-15
    assert _fit(rounded, y, 5) == _fit(exact, y, 5)
    slope, intercept, _, fit = _fit(rounded, y, 5)
    assert (slope, fit) == (0.0, "none: every museum has the same size")
    assert intercept == pytest.approx(float(np.median(y)))
    spread = exact + np.linspace(0, 0.5, y.size)  # real sizes: a real fit
    assert _fit(spread, y, 5)[3] == "huber"
