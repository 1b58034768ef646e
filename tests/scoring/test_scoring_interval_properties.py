"""The engagement score's interval (docs/scoring.md §2.5–2.6): properties on generated cohorts
(hypothesis), and the per-post variance's small-sample correction."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scoring_builders import NETS, T0, followers_frame, inputs, posts_frame

from engagecore.scoring import ScoringConfig, score
from engagecore.scoring.cohort import score_cohort

SETTINGS = settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)

# a museum: its followers (≥ 1) and its posts' (likes, day)
museum_st = st.tuples(
    st.integers(min_value=1, max_value=500_000),
    st.lists(st.tuples(st.integers(0, 3_000), st.integers(0, 200)), min_size=1, max_size=25),
)
cohort_st = st.lists(museum_st, min_size=3, max_size=8)


def _score(cohort: list[tuple[int, list[tuple[int, int]]]], period: str) -> pl.DataFrame:
    posts: list[dict[str, Any]] = []
    snaps = []
    for i, (followers, items) in enumerate(cohort):
        snaps.append(("alpha", f"m{i}", T0, followers))
        posts.extend(
            {
                "museum": f"m{i}",
                "post_id": f"m{i}-{j}",
                "likes": likes,
                "comments": 0,
                "posted_at": T0 + timedelta(days=day, hours=j),
            }
            for j, (likes, day) in enumerate(items)
        )
    return score(
        inputs(posts_frame(posts), followers_frame(snaps)),
        NETS,
        ScoringConfig(period=period, min_cohort_score=2),  # cohorts of 3 to 8 scored
    )


@SETTINGS
@given(cohort_st, st.sampled_from(["all", "month"]))
def test_every_interval_holds_its_estimate_within_0_100(cohort: list[Any], period: str) -> None:
    df = _score(cohort, period)
    scored = df.filter(pl.col("engagement_score").is_not_null())
    assert scored.height > 0
    for row in scored.iter_rows(named=True):
        low, mid, high = (row[f"engagement_score{s}"] for s in ("_low", "", "_high"))
        assert all(v is not None and math.isfinite(v) for v in (low, mid, high)), row
        assert 0.0 <= low <= mid <= high <= 100.0, row
        if row["network"] != "all":  # the composite averages bounds: rates are per network
            r_low, rate, r_high = (row[f"engagement_rate{s}"] for s in ("_low", "", "_high"))
            assert r_low <= rate <= r_high, row
            assert 0.0 <= row["shrink_weight"] <= 1.0
            assert row["sampling_variance"] > 0


@SETTINGS
@given(cohort_st)
def test_an_interval_never_depends_on_the_order_of_the_museums(cohort: list[Any]) -> None:
    # the museums listed backwards (their slugs follow them): the same rows, the same figures
    a = _score(cohort, "all").sort("museum", "network")
    renamed = {f"m{i}": f"m{len(cohort) - 1 - i}" for i in range(len(cohort))}
    b = (
        _score(list(reversed(cohort)), "all")
        .with_columns(pl.col("museum").replace(renamed))
        .sort("museum", "network")
    )
    for col in ("engagement_score", "engagement_score_low", "engagement_score_high"):
        assert a.get_column(col).to_list() == pytest.approx(b.get_column(col).to_list(), abs=1e-9)


def test_the_per_post_variance_of_rows_of_two_posts_takes_bessels_factor() -> None:
    # ten rows of 2 posts (no row reaches min_posts): each shows a bootstrap variance
    # v_boot = Var*(R); n·v_boot reads the per-post variance at (n − 1)/n of its value
    rate = np.linspace(0.01, 0.02, 10)
    rel_var = np.full(10, 0.08)
    res = score_cohort(
        rate=rate,
        log_size=np.linspace(5, 9, 10),
        n=np.full(10, 2.0),
        boot_low=rate * 0.7,
        boot_high=rate * 1.3,
        boot_var=rel_var * rate**2,
        min_fit=10,
        min_posts=10,
        level=0.95,
    )
    assert res.post_variance == pytest.approx(2**2 / (2 - 1) * 0.08)
    # each row's variance is then floored at s²/n = the corrected per-post variance / 2
    assert res.variance == pytest.approx(np.full(10, 0.16))
