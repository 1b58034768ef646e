"""Validity properties of the scoring, checked on generated cohorts (hypothesis)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scoring_builders import NETS, T0, assert_no_nan, followers_frame, inputs, posts_frame

from engagecore.scoring import ScoringConfig, score

SETTINGS = settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)

# a museum: its followers (0 allowed) and its posts' (likes, day) — 1 post allowed
museum_st = st.tuples(
    st.integers(min_value=0, max_value=2_000_000),
    st.lists(st.tuples(st.integers(0, 5_000), st.integers(0, 400)), min_size=1, max_size=8),
)
cohort_st = st.lists(museum_st, min_size=2, max_size=6)


def _frames(
    cohort: list[tuple[int, list[tuple[int, int]]]], k: int = 1
) -> tuple[pl.DataFrame, pl.DataFrame]:
    posts: list[dict[str, Any]] = []
    snaps = []
    for i, (followers, items) in enumerate(cohort):
        museum = f"m{i}"
        snaps.append(("alpha", museum, T0, followers * k))
        for j, (likes, day) in enumerate(items):
            posts.append(
                {
                    "museum": museum,
                    "post_id": f"{museum}-{j}",
                    "likes": likes * k,
                    "comments": 0,
                    "posted_at": T0 + timedelta(days=day, hours=j),
                }
            )
    return posts_frame(posts), followers_frame(snaps)


def _key(df: pl.DataFrame) -> pl.DataFrame:
    return df.sort("museum", "network", "period")


def _same(a: pl.DataFrame, b: pl.DataFrame, col: str, rel: float = 1e-9) -> None:
    """Equal nulls at the same places, and equal values elsewhere (up to ``rel``)."""
    x, y = a.get_column(col).to_list(), b.get_column(col).to_list()
    assert [v is None for v in x] == [v is None for v in y], col
    assert [v for v in x if v is not None] == pytest.approx(
        [v for v in y if v is not None], rel=rel, abs=1e-12
    ), col


@SETTINGS
@given(cohort_st, st.randoms(use_true_random=False))
def test_permutation_invariance(cohort: list[Any], rnd: Any) -> None:
    posts, fol = _frames(cohort)
    shuffled = posts.sample(fraction=1.0, shuffle=True, seed=rnd.randint(0, 10**6))
    a = _key(score(inputs(posts, fol), NETS))
    b = _key(score(inputs(shuffled, fol.reverse()), NETS))
    for col in (
        "engagement_rate",
        "engagement_score",
        "engagement_score_low",
        "engagement_score_high",
        "young_reach",
    ):
        _same(a, b, col)
    assert a.get_column("reason").to_list() == b.get_column("reason").to_list()


@SETTINGS
@given(cohort_st, st.integers(min_value=2, max_value=1000))
def test_scaling_followers_and_interactions_leaves_rates_unchanged(
    cohort: list[Any], k: int
) -> None:
    posts, fol = _frames(cohort)
    posts_k, fol_k = _frames(cohort, k)
    a = _key(score(inputs(posts, fol), NETS))
    b = _key(score(inputs(posts_k, fol_k), NETS))
    for col in ("engagement_rate", "engagement_rate_low", "engagement_rate_high", "naive_rate"):
        _same(a, b, col)
    assert a.get_column("rate_basis").to_list() == b.get_column("rate_basis").to_list()


@SETTINGS
@given(cohort_st, st.integers(min_value=0, max_value=5), st.integers(min_value=1, max_value=10_000))
def test_more_interactions_never_lower_a_score(cohort: list[Any], who: int, extra: int) -> None:
    who = who % len(cohort)
    posts, fol = _frames(cohort)
    more = posts.with_columns(
        likes=pl.when(pl.col("museum") == f"m{who}")
        .then(pl.col("likes") + extra)
        .otherwise("likes")
    )
    before = score(inputs(posts, fol), NETS).filter(pl.col("museum") == f"m{who}")
    after = score(inputs(more, fol), NETS).filter(pl.col("museum") == f"m{who}")
    for b, a in zip(before.iter_rows(named=True), after.iter_rows(named=True), strict=True):
        if b["engagement_score"] is not None:
            assert a["engagement_score"] >= b["engagement_score"] - 1e-9
        if b["engagement_rate"] is not None:
            assert a["engagement_rate"] >= b["engagement_rate"]


@SETTINGS
@given(cohort_st, st.sampled_from(["all", "month", "quarter"]))
def test_degenerate_inputs_give_reasons_never_nan(cohort: list[Any], period: str) -> None:
    posts, fol = _frames(cohort)
    df = score(inputs(posts, fol), NETS, ScoringConfig(period=period))
    assert_no_nan(df)
    missing = df.filter(pl.col("engagement_score").is_null())
    assert missing.get_column("reason").is_not_null().all()
    zero = df.filter(
        (pl.col("followers") == 0) & (pl.col("network") == "alpha") & (pl.col("posts") > 0)
    )
    assert zero.get_column("engagement_rate").is_null().all()
    assert all("zero followers" in r for r in zero.get_column("reason"))
    single = df.filter((pl.col("posts_rated") == 1) & (pl.col("network") == "alpha"))
    assert all("small sample" in r for r in single.get_column("reason"))
