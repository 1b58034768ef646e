"""The lifts' intervals (docs/analyses.md): the jackknife over strata and Student's quantile,
and properties on generated strata (hypothesis)."""

from __future__ import annotations

import math
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import t as student  # scikit-learn's dependency: a reference here only

from engagecore.analysis import themes
from engagecore.analysis.themes import MIN_JACKKNIFE_STRATA, Z95, ratio_lift, t975

# a stratum: the group's posts' y and the other posts' y (y ≥ 0, as rate ÷ account mean)
y_st = st.floats(min_value=0.0, max_value=10.0, allow_nan=False)
stratum_st = st.tuples(
    st.lists(y_st, min_size=1, max_size=6), st.lists(y_st, min_size=2, max_size=8)
)


def _sums(strata: list[tuple[list[float], list[float]]]) -> tuple[pl.DataFrame, pl.DataFrame]:
    groups, totals = [], []
    for i, (g, o) in enumerate(strata):
        groups.append(
            {"key": "g", "stratum": i, "n": len(g), "s": sum(g), "q": sum(v * v for v in g)}
            | {"museum": f"m{i % 4}"}
        )
        every = g + o
        totals.append(
            {"stratum": i, "n": len(every), "s": sum(every), "q": sum(v * v for v in every)}
        )
    return pl.DataFrame(groups), pl.DataFrame(totals)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(stratum_st, min_size=1, max_size=14), st.randoms(use_true_random=False))
def test_a_lift_lies_in_its_interval_and_ignores_the_rows_order(
    strata: list[tuple[list[float], list[float]]], rnd: Any
) -> None:
    groups, totals = _sums(strata)
    out = ratio_lift(groups, totals)
    shuffled = ratio_lift(
        groups.sample(fraction=1.0, shuffle=True, seed=rnd.randint(0, 10**6)), totals.reverse()
    )
    if out.is_empty():  # the others' mean is 0 everywhere: no lift
        assert shuffled.is_empty()
        return
    row, again = out.row(0, named=True), shuffled.row(0, named=True)
    for col in ("lift", "lift_low", "lift_high"):
        if row[col] is None:
            assert again[col] is None
        else:
            assert math.isfinite(row[col])
            assert again[col] == pytest.approx(row[col], rel=1e-9, abs=1e-12)
    if row["lift"] > 0:
        assert 0 < row["lift_low"] <= row["lift"] <= row["lift_high"]


def _spread_strata(k: int, odd: float) -> list[tuple[list[float], list[float]]]:
    """k strata whose group is 1.5 × the others, except the last, at ``odd`` ×."""
    same = [([1.4, 1.6, 1.5], [0.9, 1.1, 1.0, 1.0])] * (k - 1)
    return [*same, ([odd * 0.9, odd * 1.1, odd], [0.9, 1.1, 1.0, 1.0])]


def test_with_enough_strata_the_jackknife_widens_an_interval_the_delta_method_would_narrow(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # strata disagree (one reads 6 instead of 1.5): the posts' residuals within each stratum
    # are small, so the delta method is narrow; leaving out the odd stratum moves the lift
    groups, totals = _sums(_spread_strata(MIN_JACKKNIFE_STRATA, 6.0))
    wide = ratio_lift(groups, totals).row(0, named=True)
    monkeypatch.setattr(themes, "MIN_JACKKNIFE_STRATA", 10**6)
    narrow = ratio_lift(groups, totals).row(0, named=True)
    assert wide["lift"] == pytest.approx(narrow["lift"])
    assert math.log(wide["lift_high"] / wide["lift_low"]) > 2 * math.log(
        narrow["lift_high"] / narrow["lift_low"]
    )


def test_below_the_strata_threshold_the_delta_method_and_the_normal_quantile_apply() -> None:
    groups, totals = _sums(_spread_strata(MIN_JACKKNIFE_STRATA - 1, 6.0))
    row = ratio_lift(groups, totals).row(0, named=True)
    # symmetric in logs around the lift with the normal quantile: low·high = lift²
    assert row["lift_low"] * row["lift_high"] == pytest.approx(row["lift"] ** 2)
    half = math.log(row["lift_high"] / row["lift"])
    assert half / Z95 < 0.2  # the narrow delta-method se, not the jackknife's


@pytest.mark.parametrize("df", [9, 10, 14, 30, 100, 1000])
def test_students_quantile_matches_the_reference(df: int) -> None:
    got = pl.select(t975(pl.lit(df))).item()
    assert got == pytest.approx(student.ppf(0.975, df), abs=3e-4)
