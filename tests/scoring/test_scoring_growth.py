"""Follower growth per period and the growth score (docs/scoring.md §9)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scoring_builders import NETS, T0, assert_no_nan, followers_frame, inputs, posts_frame

from engagecore.errors import UsageError
from engagecore.scoring import PERFORMANCE_COLUMNS, SCORE_COLUMNS, ScoringConfig, periods, score
from engagecore.scoring import growth as g

SETTINGS = settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
DAY = timedelta(days=1)


def _bounds(start: datetime, end: datetime) -> pl.DataFrame:
    return pl.DataFrame(
        {"period_key": [1], "start": [start], "end": [end]},
        schema={
            "period_key": pl.Int64,
            "start": pl.Datetime("us", "UTC"),
            "end": pl.Datetime("us", "UTC"),
        },
    )


def _snaps(rows: list[tuple[str, int, int]]) -> pl.DataFrame:
    """(museum, day after T0, followers) on network alpha."""
    return followers_frame([("alpha", m, T0 + d * DAY, f) for m, d, f in rows])


def test_interpolates_on_the_log_scale_at_both_bounds() -> None:
    # 1,000 → 2,000 over 100 days; the period is days 25–75: a quarter and three quarters of
    # the way on the log scale, so the growth is half a doubling
    per = g.account_growth(
        _snaps([("a", 0, 1000), ("a", 100, 2000)]), _bounds(T0 + 25 * DAY, T0 + 75 * DAY)
    )
    row = per.row(0, named=True)
    assert row["growth_rate"] == pytest.approx(0.5 * math.log(2), rel=1e-9)
    assert math.exp(row["lf_start"]) == pytest.approx(1000 * 2**0.25, rel=1e-9)
    # both bounds read the same two readings: coefficients −0.5 and +0.5 on their logs, each
    # with the default snapshot noise (1 %, too few readings to estimate it)
    assert row["growth_variance"] == pytest.approx(0.5 * g.DEFAULT_SNAPSHOT_SD**2, rel=1e-9)
    assert row["growth_readings"] == 0 and row["growth_note"] is None


def test_nearest_readings_inside_within_the_tolerance_are_scaled_to_the_period() -> None:
    snaps = _snaps([("a", 10, 1000), ("a", 90, 1500)])
    per = g.account_growth(snaps, _bounds(T0, T0 + 100 * DAY), tolerance=0.25)
    assert per["growth_rate"][0] == pytest.approx(math.log(1.5) * 100 / 80, rel=1e-9)
    assert per["growth_readings"][0] == 2
    # scaled up, its variance too: two readings with coefficients ∓ 100/80
    assert per["growth_variance"][0] == pytest.approx(2 * (100 / 80) ** 2 * 1e-4, rel=1e-9)
    # a bound further than the tolerance from every reading: no growth, said so
    far = g.account_growth(snaps, _bounds(T0, T0 + 100 * DAY), tolerance=0.05)
    assert far["growth_rate"][0] is None
    assert "near the period's start and end" in far["growth_note"][0]


def test_too_few_readings_say_so() -> None:
    per = g.account_growth(_snaps([("a", 50, 1000)]), _bounds(T0, T0 + 100 * DAY))
    assert per["growth_rate"][0] is None
    assert per["growth_note"][0] == "growth: fewer than 2 follower snapshots in the period"


def test_a_shrinking_account_has_a_negative_growth() -> None:
    per = g.account_growth(_snaps([("a", 0, 2000), ("a", 100, 1000)]), _bounds(T0, T0 + 100 * DAY))
    assert per["growth_rate"][0] == pytest.approx(-math.log(2))


def test_snapshot_noise_is_estimated_from_the_readings() -> None:
    rng = np.random.default_rng(1)
    rows = []
    for m in range(150):
        days = np.sort(rng.choice(360, 12, replace=False))
        true = 5e4 * np.exp(0.3 * days / 365 + rng.normal(0, 0.02, days.size))
        rows += [(f"m{m}", int(d), round(f)) for d, f in zip(days, true, strict=True)]
    readings, _ = g.Readings.from_frame(_snaps(rows))
    sigma2 = g.snapshot_noise(readings)[0]
    assert math.sqrt(sigma2) == pytest.approx(0.02, rel=0.15)


def test_museum_growth_sums_its_accounts() -> None:
    per = pl.DataFrame(
        {
            "account_key": [1, 2],
            "period_key": [1, 1],
            "lf_start": [math.log(1000), math.log(3000)],
            "growth_rate": [math.log(2), 0.0],
            "growth_variance": [0.01, 0.04],
            "growth_readings": [3, 4],
            "growth_note": [None, None],
        },
        schema_overrides={"growth_note": pl.Utf8},
    )
    accounts = pl.DataFrame({"account_key": [1, 2], "network": ["alpha"] * 2, "museum": ["m", "m"]})
    row = g.museum_growth(per, accounts).row(0, named=True)
    assert row["followers_start"] == pytest.approx(4000)
    assert row["followers_end"] == pytest.approx(5000)
    assert row["follower_growth"] == pytest.approx(0.25)
    assert row["follower_growth_abs"] == pytest.approx(1000)
    assert row["growth_variance"] == pytest.approx(
        (2000 / 5000) ** 2 * 0.01 + (3000 / 5000) ** 2 * 0.04
    )
    assert row["follower_growth_low"] < 0.25 < row["follower_growth_high"]


def test_the_cohort_step_recovers_the_size_slope_and_ranks_the_planted_quality() -> None:
    rng = np.random.default_rng(4)
    n = 300
    x = rng.normal(9, 2, n)
    q = np.exp(rng.normal(0, 0.4, n))
    rate = 0.2 * q * np.exp(-0.3 * (x - 9)) + rng.normal(0, 0.005, n)
    res = g.score_cohort_growth(rate, np.full(n, 0.005**2), x, 10, 0.95)
    assert res.slope == pytest.approx(-0.3, abs=0.05)
    assert np.corrcoef(np.argsort(np.argsort(res.score)), np.argsort(np.argsort(q)))[0, 1] > 0.95
    assert np.all((res.score_low <= res.score) & (res.score <= res.score_high))
    assert np.all((res.score_low >= 0) & (res.score_high <= 100))


def test_noisier_rows_get_wider_intervals_and_shrink_more() -> None:
    rng = np.random.default_rng(5)
    n = 60
    rate = 0.1 * np.exp(rng.normal(0, 0.4, n))
    var = np.where(np.arange(n) % 2 == 0, 1e-6, 4e-3)
    res = g.score_cohort_growth(rate, var, np.full(n, 8.0), 10, 0.95)
    width = res.score_high - res.score_low
    assert np.median(width[1::2]) > 3 * np.median(width[::2])
    assert np.median(res.weight[1::2]) < np.median(res.weight[::2])


def test_a_cohort_mostly_losing_followers_is_not_size_fitted() -> None:
    rate = np.array([-0.1, -0.05, -0.2, 0.01, -0.02, -0.3, -0.01, 0.02, -0.04, -0.06, -0.08])
    res = g.score_cohort_growth(
        rate, np.full(rate.size, 1e-6), np.linspace(5, 12, rate.size), 10, 0.95
    )
    assert res.slope == 0 and res.fit.startswith("none: 2 of 11 museums growing")
    # without a size fit the order is the order of the growth itself
    assert list(np.argsort(res.score)) == list(np.argsort(rate))


# --- the score frame ---------------------------------------------------------------------------


def _cohort_frames(
    growth: list[float], sizes: list[int], *, readings: int = 6
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One post per museum and ``readings`` snapshots over 2024 growing at the given rates."""
    posts, snaps = [], []
    for i, (rate, size) in enumerate(zip(growth, sizes, strict=True)):
        m = f"m{i}"
        posts.append(
            {
                "museum": m,
                "post_id": f"{m}-0",
                "likes": 10 + i,
                "comments": 1,
                "posted_at": T0 + 30 * DAY,
            }
        )
        for k in range(readings):
            day = round(k * 365 / (readings - 1))
            snaps.append(
                ("alpha", m, T0 + day * DAY, max(1, round(size * math.exp(rate * day / 365))))
            )
    return posts_frame(posts), followers_frame(snaps)


def test_score_has_the_growth_columns_and_the_performance_only_when_asked() -> None:
    posts, snaps = _cohort_frames([0.1, 0.2, 0.3, 0.05], [1000, 5000, 800, 20000])
    plain = score(inputs(posts, snaps), NETS)
    assert plain.columns == list(SCORE_COLUMNS)
    assert not set(PERFORMANCE_COLUMNS) & set(plain.columns)
    # growth is computed only when asked: the columns are there, null
    assert (
        plain["growth_score"].null_count() == plain["follower_growth"].null_count() == plain.height
    )
    # four museums: scored with a minimum cohort of 2 (the default 5: tests/scoring/
    # test_qa_stop27_cohort.py)
    grown = score(inputs(posts, snaps), NETS, ScoringConfig(growth=True, min_cohort_score=2))
    assert grown.columns == list(SCORE_COLUMNS) and grown["growth_score"].null_count() == 0
    both = score(inputs(posts, snaps), NETS, ScoringConfig(with_growth=True, min_cohort_score=2))
    at = both.columns.index("growth_score_high")
    assert both.columns[at + 1 : at + 4] == list(PERFORMANCE_COLUMNS)
    rows = both.filter(pl.col("network") == "alpha").sort("museum")
    assert rows["follower_growth"].to_list() == pytest.approx(
        [math.exp(r) - 1 for r in (0.1, 0.2, 0.3, 0.05)],
        abs=1e-3,  # whole followers
    )
    perf = (rows["engagement_score"] * rows["growth_score"]).sqrt()
    assert rows["performance_score"].to_list() == pytest.approx(perf.to_list())
    assert_no_nan(both)
    # the "all" row: the network's (one network here)
    all_rows = both.filter(pl.col("network") == "all").sort("museum")
    assert all_rows["growth_score"].to_list() == pytest.approx(rows["growth_score"].to_list())


def test_without_snapshots_over_time_growth_is_null_and_the_rest_unchanged() -> None:
    posts, snaps = _cohort_frames([0.1, 0.2, 0.3], [1000, 5000, 800], readings=2)
    once = snaps.filter(pl.col("observed_at") == T0)
    out = score(inputs(posts, once), NETS, ScoringConfig(growth=True))
    assert out["growth_score"].null_count() == out.height
    notes = out.filter(pl.col("network") == "alpha")["growth_note"].to_list()
    assert all(n.startswith("growth: ") for n in notes)
    assert_no_nan(out)


def test_the_growth_tolerance_is_checked() -> None:
    with pytest.raises(UsageError, match="growth_tolerance"):
        ScoringConfig(growth_tolerance=0.6)


def test_quarters_have_their_own_growth() -> None:
    posts, snaps = _cohort_frames([0.1, 0.4, 0.2], [1000, 1000, 1000], readings=13)
    out = score(inputs(posts, snaps), NETS, ScoringConfig(period="quarter", growth=True))
    rows = out.filter(pl.col("network") == "alpha", pl.col("follower_growth").is_not_null())
    # every measured quarter grows by about a quarter of the yearly log growth
    per = rows.group_by("museum").agg(pl.col("growth_rate").median()).sort("museum")
    assert per["growth_rate"].to_list() == pytest.approx([0.025, 0.1, 0.05], abs=0.004)


# --- properties ------------------------------------------------------------------------------

museum_st = st.tuples(
    st.floats(min_value=-0.5, max_value=1.5, allow_nan=False),  # yearly log growth
    st.integers(min_value=1, max_value=2_000_000),  # followers
)


@SETTINGS
@given(st.lists(museum_st, min_size=3, max_size=8), st.randoms(use_true_random=False))
def test_growth_columns_are_finite_and_invariant_to_row_order(
    cohort: list[tuple[float, int]], rnd: object
) -> None:
    posts, snaps = _cohort_frames([c[0] for c in cohort], [c[1] for c in cohort])
    a = score(inputs(posts, snaps), NETS, ScoringConfig(with_growth=True))
    assert_no_nan(a)
    shuffled = score(
        inputs(
            posts.sample(fraction=1.0, shuffle=True, seed=3),
            snaps.sample(fraction=1.0, shuffle=True, seed=4),
        ),
        NETS,
        ScoringConfig(with_growth=True),
    )
    cols = [
        "growth_score",
        "growth_score_low",
        "growth_score_high",
        "follower_growth",
        "performance_score",
    ]
    key = ["museum", "network"]
    left, right = a.sort(key).select(cols), shuffled.sort(key).select(cols)
    for c in cols:
        x, y = left[c].to_list(), right[c].to_list()
        assert [v is None for v in x] == [v is None for v in y]
        assert [v for v in x if v is not None] == pytest.approx(
            [v for v in y if v is not None], abs=1e-9
        )
    scored = a.filter(pl.col("growth_score").is_not_null())
    assert (scored["growth_score_low"] <= scored["growth_score"] + 1e-9).all()
    assert (scored["growth_score"] <= scored["growth_score_high"] + 1e-9).all()


@SETTINGS
@given(
    st.lists(st.floats(min_value=0.01, max_value=1.0, allow_nan=False), min_size=4, max_size=9),
    st.integers(min_value=0, max_value=8),
    st.floats(min_value=0.05, max_value=1.0),
)
def test_growth_score_is_monotone_in_the_planted_growth(
    rates: list[float], who: int, extra: float
) -> None:
    """More growth for one museum (the others unchanged) never lowers its growth score, nor
    its performance score (its engagement is unchanged)."""
    who %= len(rates)
    sizes = [1000 * (i + 1) for i in range(len(rates))]
    posts, snaps = _cohort_frames(rates, sizes)
    faster = list(rates)
    faster[who] += extra
    posts2, snaps2 = _cohort_frames(faster, sizes)
    config = ScoringConfig(with_growth=True, min_cohort_score=2)  # small cohorts scored too
    before = score(inputs(posts, snaps), NETS, config).filter(
        pl.col("museum") == f"m{who}", pl.col("network") == "alpha"
    )
    after = score(inputs(posts2, snaps2), NETS, config).filter(
        pl.col("museum") == f"m{who}", pl.col("network") == "alpha"
    )
    assert after["growth_score"][0] >= before["growth_score"][0] - 1e-9
    assert after["engagement_score"][0] == before["engagement_score"][0]
    if before["performance_score"][0] is not None:
        assert after["performance_score"][0] >= before["performance_score"][0] - 1e-9


def test_bounds_of_the_all_period_come_from_the_snapshots() -> None:
    snaps = _snaps([("a", 0, 1000), ("a", 200, 2000)])
    readings, _ = g.Readings.from_frame(snaps)
    start, end = g.window(periods.bounds("all", pl.Series("period_key", [0]), None, None), readings)
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    assert start[0] == pytest.approx((T0 - epoch) / DAY)
    assert end[0] == pytest.approx((T0 + 200 * DAY - epoch) / DAY)
