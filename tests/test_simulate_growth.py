"""The simulator's planted follower growth (``simulate_cohort(growth=...)``, off by default)."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest
from test_simulate import NETWORKS

from engagecore.simulate import Cohort, GrowthPlan, simulate_cohort

START, END = date(2024, 1, 1), date(2025, 1, 1)


@pytest.fixture(scope="module")
def pair() -> tuple[Cohort, Cohort]:
    """The same cohort without and with planted growth."""
    kwargs = dict(start=START, end=END, posts_per_account=10)
    return (
        simulate_cohort(120, 8, NETWORKS, **kwargs),  # type: ignore[arg-type]
        simulate_cohort(120, 8, NETWORKS, growth=GrowthPlan(noise=0.02), **kwargs),  # type: ignore[arg-type]
    )


def test_off_by_default_and_the_rest_of_the_world_is_the_same(pair: tuple[Cohort, Cohort]) -> None:
    plain, grown = pair
    assert plain.growth_truth is None and grown.growth_truth is not None
    again = simulate_cohort(
        120, 8, NETWORKS, start=START, end=END, posts_per_account=10, growth=None
    )
    for name in ("museums", "accounts", "posts", "followers", "audience_age", "truth"):
        assert getattr(plain, name).equals(getattr(again, name)), name
    # its own stream: the museums, accounts and planted engagement truth do not move
    for name in ("museums", "accounts", "truth"):
        assert getattr(plain, name).equals(getattr(grown, name)), name
    assert not plain.followers.equals(grown.followers)


def test_growth_falls_with_size_and_follows_the_quality(pair: tuple[Cohort, Cohort]) -> None:
    truth = pair[1].growth_truth
    assert truth is not None
    assert truth.columns[:5] == ["museum", "network", "account_id", "growth_rate", "growth_quality"]
    for _, part in truth.group_by("network"):
        if part.height < 30:
            continue
        x = np.log(part["followers_start"].to_numpy())
        y = np.log(part["growth_rate"].to_numpy() / part["growth_quality"].to_numpy())
        # log g − log q = log g₀ − γ (log F₀ − median): slope −γ (up to the cap)
        assert np.polyfit(x, y, 1)[0] == pytest.approx(-0.3, abs=0.05)


def test_snapshots_are_irregular_and_noisy(pair: tuple[Cohort, Cohort]) -> None:
    grown = pair[1]
    per = grown.followers.group_by("network", "account_id").agg(
        n=pl.len(), days=pl.col("observed_at").dt.day().n_unique()
    )
    assert per["n"].n_unique() > 3  # not every account has the same readings
    assert per["days"].max() > 3  # readings on many days of the month, not only the 1st
    truth = grown.growth_truth
    assert truth is not None
    # each reading around its true value: log deviations with the planted sd (2 %)
    snaps = grown.followers.join(truth, on=["network", "account_id"]).with_columns(
        t=(pl.col("observed_at").dt.epoch("s") / 86400.0)
    )
    export = grown.export_date.timestamp() / 86400.0
    dev = (
        snaps.filter(pl.col("followers_export") > 1e5)
        .select(
            (
                pl.col("followers").log()
                - pl.col("followers_export").log()
                + pl.col("growth_rate") * (export - pl.col("t")) / 365.25
            ).alias("d")
        )
        .get_column("d")
    )
    assert float(dev.std()) == pytest.approx(0.02, rel=0.2)
