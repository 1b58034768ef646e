"""Accrual curves and maturity (docs/scoring.md §1.5): the curve, its estimate from repeated
readings, the maturity filter and its counts, and overperformance compared at the same age."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scoring_builders import aged_frames

from engagecore import plugins
from engagecore.pluginapi import AccrualCurve, NetworkSpec
from engagecore.scoring import (
    ScoringConfig,
    ScoringInputs,
    accrual,
    explain,
    post_metrics,
    score,
)

T0 = datetime(2024, 1, 1, 9, tzinfo=UTC)
CURVE = AccrualCurve(half_life_hours=10.0, shape=0.8, sources=("test curve (made up)",))
NET = NetworkSpec(
    name="net",
    display_name="Net",
    interactions={"likes": 1.0},
    provides=frozenset({"likes"}),
    accrual=CURVE,
)
NETS = {"net": NET}


def test_curve_formula_and_inverse() -> None:
    assert CURVE.fraction(10.0) == pytest.approx(0.5)
    assert CURVE.fraction(0.0) == 0.0 and CURVE.fraction(-3.0) == 0.0
    ages = np.array([0.5, 3.0, 10.0, 40.0, 400.0])
    f = CURVE.fraction(ages)
    assert np.all(np.diff(f) > 0) and np.all((f > 0) & (f < 1))
    for p in (0.1, 0.5, 0.9, 0.99):
        assert CURVE.fraction(CURVE.age_at(p)) == pytest.approx(p)
    # the maturity age in closed form: h · log2(1/(1−p))^(1/k)
    assert CURVE.age_at(0.9) == pytest.approx(10.0 * math.log2(10.0) ** (1 / 0.8))
    with pytest.raises(ValueError, match="positive"):
        AccrualCurve(half_life_hours=0.0)
    with pytest.raises(ValueError, match="between 0 and 1"):
        CURVE.age_at(1.0)


def test_every_built_in_network_ships_a_cited_default() -> None:
    networks = plugins.registry().networks
    for name in ("x", "instagram", "facebook", "youtube", "tiktok", "bluesky", "mastodon"):
        curve = networks[name].accrual
        assert curve is not None, name
        assert curve.sources and curve.note, name
        assert "uncertain" in curve.note, name
    # video networks accrue for longer than X
    assert networks["youtube"].accrual.age_at(0.9) > 24 * networks["x"].accrual.age_at(0.9)  # type: ignore[union-attr]


def _readings(curve: AccrualCurve, n_posts: int, seed: int = 1) -> pl.DataFrame:
    """Posts read 3 times (the latest at 1–30 days), counts thinned binomially from a final
    count — as interactions that really accrue one by one."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n_posts):
        final = int(rng.integers(30, 400))
        ref_age = float(np.exp(rng.uniform(np.log(24), np.log(720))))
        ref = rng.binomial(final, curve.fraction(ref_age))
        rows.append(("net", f"p{i}", ref_age, float(ref)))
        for _ in range(2):
            age = float(np.exp(rng.uniform(np.log(0.3), np.log(ref_age))))
            p = curve.fraction(age) / curve.fraction(ref_age)
            rows.append(("net", f"p{i}", age, float(rng.binomial(ref, min(p, 1.0)))))
    return pl.DataFrame(rows, schema=["network", "post_id", "age_h", "interactions"], orient="row")


def test_estimator_recovers_a_planted_curve() -> None:
    planted = AccrualCurve(half_life_hours=30.0, shape=0.7)
    fit = accrual.estimate(_readings(planted, 300), CURVE, ScoringConfig())
    assert fit is not None
    curve, n = fit
    assert n == 300
    assert curve.half_life_hours == pytest.approx(30.0, rel=0.15)
    assert curve.shape == pytest.approx(0.7, rel=0.15)
    assert curve.age_at(0.9) == pytest.approx(planted.age_at(0.9), rel=0.25)
    # not the default it was handed
    assert abs(curve.half_life_hours - CURVE.half_life_hours) > 10


def test_too_few_posts_read_twice_keep_the_default() -> None:
    config = ScoringConfig(min_accrual_posts=50)
    assert accrual.estimate(_readings(CURVE, 49), CURVE, config) is None
    assert accrual.estimate(_readings(CURVE, 50), CURVE, config) is not None


def _inputs(
    ages_h: list[float],
    likes: list[int],
    *,
    observations: pl.DataFrame | None = None,
    accounts: int = 3,
) -> ScoringInputs:
    """``accounts`` museums, each with the same posts (one a day): post i read at age
    ``ages_h[i]`` with ``likes[i]`` likes; museum m's likes scaled by m + 1."""
    posts, followers = aged_frames(ages_h, likes, accounts, T0)
    return ScoringInputs.from_frames(posts, followers=followers, observations=observations)


def test_posts_younger_than_maturity_are_counted_not_rated() -> None:
    maturity = CURVE.age_at(0.9)  # ≈ 44 h
    ages = [500.0] * 12 + [maturity * 0.5, maturity * 0.9, maturity * 1.1]
    frame = score(_inputs(ages, [50] * 15), NETS)
    rows = frame.filter(pl.col("network") == "net")
    assert rows.get_column("posts").to_list() == [15, 15, 15]
    assert rows.get_column("posts_too_young").to_list() == [2, 2, 2]
    assert rows.get_column("posts_rated").to_list() == [13, 13, 13]
    assert rows.get_column("maturity_hours")[0] == pytest.approx(maturity)
    assert rows.get_column("accrual_basis")[0] == "default (test curve)"
    assert all("2 post(s) too young left out" in r for r in rows.get_column("reason"))
    everything = frame.filter(pl.col("network") == "all")
    assert everything.get_column("posts_too_young").to_list() == [2, 2, 2]
    ex = explain(frame, post_metrics(_inputs(ages, [50] * 15), NETS), "museum-0")
    reason = ex.filter((pl.col("network") == "net") & (pl.col("input") == "reason"))
    assert "2 post(s) too young left out" in reason.get_column("value")[0]
    # ignoring age: every post counts, as before
    ignored = score(_inputs(ages, [50] * 15), NETS, ScoringConfig(maturity_fraction=None))
    ignored = ignored.filter(pl.col("network") == "net")
    assert ignored.get_column("posts_too_young").to_list() == [0, 0, 0]
    assert ignored.get_column("posts_rated").to_list() == [15, 15, 15]


def test_a_row_of_only_young_posts_says_so() -> None:
    frame = score(_inputs([1.0, 2.0, 3.0], [5, 5, 5]), NETS)
    row = frame.filter(pl.col("network") == "net").row(0, named=True)
    assert row["posts_rated"] == 0 and row["posts_too_young"] == 3
    assert row["engagement_score"] is None
    assert row["reason"].startswith("too young: all 3 post(s)")
    from engagecore.scoring.engagement import no_score_note

    assert no_score_note(row["reason"])[0] == "too young"


def test_the_maturity_filter_works_with_recency_weighting_too() -> None:
    maturity = CURVE.age_at(0.9)
    ages = [500.0] * 12 + [maturity * 0.5, maturity * 0.9]
    frame = score(_inputs(ages, [50] * 14), NETS, ScoringConfig(half_life_days=30))
    rows = frame.filter(pl.col("network") == "net")
    assert rows.get_column("posts_too_young").to_list() == [2, 2, 2]
    assert rows.get_column("posts_rated").to_list() == [12, 12, 12]


def test_overperformance_is_compared_at_the_same_age() -> None:
    # 15 mature posts with 100 likes, then one read at the half-life with 50: what its
    # peers had at that age, so neither an under- nor an overperformer
    ages = [2000.0] * 15 + [CURVE.half_life_hours]
    likes = [100] * 15 + [50]
    young = post_metrics(_inputs(ages, likes, accounts=1), NETS)
    last = young.sort("posted_at").row(-1, named=True)
    assert last["too_young"] is True
    assert last["accrued"] == pytest.approx(0.5)
    assert last["overperformance"] == pytest.approx(1.0, rel=0.02)
    # ignoring age, the same post looks like a halving
    ignored = post_metrics(
        _inputs(ages, likes, accounts=1), NETS, ScoringConfig(maturity_fraction=None)
    )
    last = ignored.sort("posted_at").row(-1, named=True)
    assert last["overperformance"] == pytest.approx(0.5, rel=0.02)
    assert last["too_young"] is False and last["accrued"] == 1.0


def test_repeated_readings_feed_the_estimate_in_scoring() -> None:
    planted = AccrualCurve(half_life_hours=60.0, shape=0.9)
    readings = _readings(planted, 40, seed=3)
    obs = readings.select(
        "network",
        pl.format("m0-{}", pl.col("post_id").str.slice(1)).alias("post_id"),
        (pl.lit(T0) + pl.duration(hours=pl.col("age_h"))).alias("observed_at"),
        pl.col("interactions").cast(pl.Int64).alias("likes"),
    )
    # the posts themselves: post i posted at T0 (each post's readings are relative to it)
    n = 40
    ref = (
        readings.group_by("post_id")
        .agg(pl.col("age_h").max())
        .sort(pl.col("post_id").str.slice(1).cast(pl.Int64))
    )
    posts = pl.DataFrame(
        {
            "network": ["net"] * n,
            "post_id": [f"m0-{i}" for i in range(n)],
            "account_id": ["a0"] * n,
            "museum": ["museum-0"] * n,
            "posted_at": [T0] * n,
            "kind": ["photo"] * n,
            "is_own": [True] * n,
            "likes": [100] * n,
            "observed_at": [T0 + timedelta(hours=h) for h in ref.get_column("age_h")],
        }
    )
    inputs = ScoringInputs.from_frames(posts, observations=obs)
    curves = accrual.resolve(inputs, NETS, ScoringConfig(min_accrual_posts=30))
    assert curves["net"].basis == "estimated from 40 posts"
    assert curves["net"].curve is not None
    assert curves["net"].curve.half_life_hours == pytest.approx(60.0, rel=0.3)
    default = accrual.resolve(inputs, NETS, ScoringConfig(min_accrual_posts=41))
    assert default["net"].basis.startswith("default (")


@settings(max_examples=8, deadline=None)
@given(
    ages=st.lists(st.floats(0.1, 400.0), min_size=3, max_size=25),
    fraction=st.floats(0.5, 0.95),
    seed=st.integers(0, 1000),
)
def test_too_young_counts_are_exact_monotone_and_order_free(
    ages: list[float], fraction: float, seed: int
) -> None:
    likes = [20 + (7 * i) % 13 for i in range(len(ages))]
    config = ScoringConfig(maturity_fraction=fraction)
    frame = score(_inputs(ages, likes, accounts=2), NETS, config)
    rows = frame.filter(pl.col("network") == "net").sort("museum")
    expected = sum(a < CURVE.age_at(fraction) for a in ages)
    assert rows.get_column("posts_too_young").to_list() == [expected, expected]
    assert (rows.get_column("posts_rated") + rows.get_column("posts_too_young")).to_list() == [
        len(ages)
    ] * 2
    floats = rows.select(pl.col(pl.Float64))
    assert not any(floats.select(pl.all().is_nan().any()).row(0))
    # a higher maturity fraction never leaves fewer posts out
    higher = score(
        _inputs(ages, likes, accounts=2), NETS, ScoringConfig(maturity_fraction=0.97)
    ).filter(pl.col("network") == "net")
    assert higher.get_column("posts_too_young").min() >= expected  # type: ignore[operator]
    # the posts' order does not matter
    inputs = _inputs(ages, likes, accounts=2)
    shuffled = ScoringInputs.from_frames(
        inputs.posts.collect().sample(fraction=1.0, shuffle=True, seed=seed),
        followers=inputs.followers.collect(),
    )
    again = score(shuffled, NETS, config).filter(pl.col("network") == "net").sort("museum")
    assert again.select("posts_too_young", "posts_rated", "engagement_rate").equals(
        rows.select("posts_too_young", "posts_rated", "engagement_rate")
    )


def test_two_successive_exports_feed_the_estimate_through_engage_ingest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same 36 posts exported twice — a few hours after posting, then months later —
    through ``engage ingest``: the store keeps both readings and ``engage score`` estimates
    X's curve from them instead of the plugin's default, and says so."""
    import json

    from cli_run import run

    planted = AccrualCurve(half_life_hours=8.0, shape=0.8)
    rng = np.random.default_rng(7)
    header = "network,account,museum,post_id,posted_at,kind,likes,followers,observed_at\n"
    first, second = [header], [header]
    for m, museum in enumerate(("Musée A", "Musée B", "Musée C")):
        for i in range(12):
            posted = T0 + timedelta(days=i, hours=m)
            early = float(np.exp(rng.uniform(np.log(0.5), np.log(30.0))))
            final = int(rng.integers(60, 200))
            seen = int(rng.binomial(final, planted.fraction(early)))
            row = f"x,acc{m},{museum},{m}-{i},{posted.isoformat()},photo,{{}},2000,{{}}\n"
            first.append(row.format(seen, (posted + timedelta(hours=early)).isoformat()))
            second.append(row.format(final, (posted + timedelta(days=120)).isoformat()))
    db = str(tmp_path / "s.duckdb")
    for name, lines in (("first.csv", first), ("second.csv", second)):
        path = tmp_path / name
        path.write_text("".join(lines), encoding="utf-8")
        code, _, err = run(["ingest", str(path), "--db", db, "--network", "spreadsheet"], capsys)
        assert code == 0, err
    code, out, err = run(["score", "--db", db, "--network", "x", "--format", "json"], capsys)
    assert code == 0, err
    rows = [r for r in json.loads(out) if r["network"] == "x"]
    assert {r["accrual_basis"] for r in rows} == {"estimated from 36 posts"}
    maturity = rows[0]["maturity_hours"]
    assert maturity == pytest.approx(planted.age_at(0.9), rel=0.35)
    # the latest readings are 120 days old: every post is mature, none left out
    assert {r["posts_too_young"] for r in rows} == {0}
    assert {r["posts_rated"] for r in rows} == {12}


def test_planted_observation_times_leave_the_rest_of_the_cohort_unchanged() -> None:
    from engagecore.simulate import ObservationPlan, simulate_cohort

    networks = {n: s for n, s in plugins.registry().networks.items() if n in ("x", "instagram")}
    plain = simulate_cohort(25, 4, networks)
    plan = ObservationPlan(young_share=0.3, repeat_share=0.2)
    planted = simulate_cohort(25, 4, networks, observation=plan)
    assert plain.observations is None and planted.observations is not None
    same = ["network", "post_id", "account_id", "posted_at", "kind", "is_own", "text"]
    assert planted.posts.select(same).equals(plain.posts.select(same))
    assert planted.truth.equals(plain.truth) and planted.followers.equals(plain.followers)
    truth = planted.observation_truth
    assert truth is not None
    assert 0.2 < truth.get_column("read_young").mean() < 0.4  # type: ignore[operator]
    # a young reading never has more interactions than the final one, and is read earlier
    joined = planted.posts.join(plain.posts, on=["network", "post_id"], suffix="_final")
    own = joined.filter(pl.col("is_own") & pl.col("likes").is_not_null())
    assert (own["likes"] <= own["likes_final"]).all()
    young = own.join(truth.filter("read_young"), on=["network", "post_id"])
    assert young.height and (young["likes"].sum() < young["likes_final"].sum())
    assert (young["observed_at"] <= young["observed_at_final"]).all()
    assert (young["observed_at"] > young["posted_at"]).all()
    # every post read more than once has its latest reading among its readings
    obs = planted.observations
    latest = obs.group_by("network", "post_id").agg(pl.col("observed_at").max())
    back = latest.join(planted.posts, on=["network", "post_id"], suffix="_post")
    assert (back["observed_at"] == back["observed_at_post"]).all()
