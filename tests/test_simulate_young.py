"""The simulator's planted museum young shares (``simulate_cohort(museum_young=...)``)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from engagecore import plugins
from engagecore.errors import UsageError
from engagecore.scoring.young_eb import logit
from engagecore.simulate import MuseumYoung, simulate_cohort

NETWORKS = plugins.registry().networks


@pytest.fixture(scope="module")
def pair() -> tuple[object, object]:
    plain = simulate_cohort(200, 5, NETWORKS)
    planted = simulate_cohort(200, 5, NETWORKS, museum_young=MuseumYoung(measuring=0.2))
    return plain, planted


def test_the_option_changes_only_the_ages(pair: tuple) -> None:  # type: ignore[type-arg]
    plain, planted = pair
    assert plain.young_truth is None and planted.young_truth is not None
    for name in ("museums", "accounts", "posts", "followers"):
        assert getattr(plain, name).equals(getattr(planted, name)), name
    assert plain.truth["quality"].equals(planted.truth["quality"])
    assert not plain.audience_age.equals(planted.audience_age)


def test_a_fifth_of_the_museums_measure_on_the_networks_that_expose_ages(pair: tuple) -> None:  # type: ignore[type-arg]
    _, cohort = pair
    exposing = {n for n, p in cohort.params.items() if p.age_share > 0}
    age = cohort.audience_age
    assert set(age["network"].unique()) <= exposing and age.height
    truth = cohort.young_truth
    on = truth.filter(pl.col("network").is_in(list(exposing)))
    measuring = on.group_by("museum").agg(pl.col("measured").any())["measured"].mean()
    assert 0.12 <= measuring <= 0.28  # type: ignore[operator]
    # the accounts flagged measured are exactly those with rows
    flagged = set(truth.filter("measured")["account_id"])
    assert flagged == set(age["account_id"])


def test_bands_under_a_hundred_people_are_withheld(pair: tuple) -> None:  # type: ignore[type-arg]
    _, cohort = pair
    followers = (
        cohort.followers.sort("observed_at").group_by("account_id").agg(pl.col("followers").last())
    )
    age = cohort.audience_age.join(followers, on="account_id")
    assert (age["share"] * age["followers"] >= 100 * 0.999).all()
    totals = age.group_by("account_id").agg(pl.col("share").sum())["share"]
    assert (totals <= 1 + 1e-9).all() and (totals < 0.999).any()  # some mass withheld


def test_planted_shares_sit_around_the_prior_with_the_planted_offset() -> None:
    cohort = simulate_cohort(
        300,
        7,
        NETWORKS,
        museum_young=MuseumYoung(measuring=0.0, offset={"instagram": -0.7}, spread=0.3),
    )
    assert cohort.audience_age.is_empty()
    truth = cohort.young_truth
    assert truth is not None
    ig = truth.filter(network="instagram")
    assert (ig["planted_offset"] == -0.7).all()
    y = logit(ig["young_share"].to_numpy()) - logit(ig["platform_share"].to_numpy())
    assert float(np.mean(y)) == pytest.approx(-0.7, abs=0.08)
    assert float(np.std(y)) == pytest.approx(0.3, abs=0.06)
    # Cohort.truth's young share is the planted one
    same = cohort.truth.join(truth, on=["network", "account_id"], suffix="_p")
    assert same["young_share"].to_numpy() == pytest.approx(same["young_share_p"].to_numpy())


@pytest.mark.parametrize(
    "kw", [{"measuring": 1.5}, {"spread": -0.1}, {"network_spread": -1.0}, {"withheld_below": -1}]
)
def test_bad_settings_are_usage_errors(kw: dict[str, float]) -> None:
    with pytest.raises(UsageError, match="museum_young"):
        MuseumYoung(**kw)  # type: ignore[arg-type]
