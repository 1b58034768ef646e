"""A percentile among too few museums is no score (docs/scoring.md §2.6, "Too few museums"):
a cohort of two gave 0 and 100 with intervals 0–0 and 100–100, a certainty two museums cannot
give. Below ``min_cohort_score`` museums with a rate (default 5) the score and its interval
are null and ``reason`` says "cohort of 2 < 5"; rates, their intervals and the size-adjusted
rate stay. The growth score follows the same rule."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from scoring_builders import NETS, cohort, inputs

from engagecore.errors import UsageError
from engagecore.scoring import ScoringConfig, score
from engagecore.scoring.engagement import no_score_note
from engagecore.scoring.growth import score_cohort_growth


def _scores(n_museums: int, **config: object) -> pl.DataFrame:
    posts, fol, _ = cohort(n_museums, 20, seed=3)
    out = score(inputs(posts, fol), NETS, ScoringConfig(**config))  # type: ignore[arg-type]
    return out.filter(pl.col("network") == "alpha").sort("museum")


@pytest.mark.parametrize("n_museums", [2, 3, 4])
def test_a_cohort_below_the_minimum_has_no_score_and_says_why(n_museums: int) -> None:
    rows = _scores(n_museums)
    assert rows.height == n_museums
    for r in rows.iter_rows(named=True):
        assert r["engagement_score"] is None
        assert r["engagement_score_low"] is None and r["engagement_score_high"] is None
        assert f"cohort of {n_museums} < 5 museums with a rate" in r["reason"]
        # what does not need peers stays
        assert r["engagement_rate"] is not None and r["engagement_rate_low"] is not None
        assert r["adjusted_rate"] is not None
        assert r["cohort_size"] == n_museums
        assert no_score_note(r["reason"])[0] == "few peers"


def test_from_the_minimum_on_every_museum_has_a_score() -> None:
    rows = _scores(5)
    assert rows.get_column("engagement_score").null_count() == 0
    assert not any("cohort of" in (r or "") for r in rows.get_column("reason").to_list())


def test_the_minimum_is_a_setting() -> None:
    rows = _scores(2, min_cohort_score=2)
    assert sorted(rows.get_column("engagement_score").to_list()) == [0.0, 100.0]
    with pytest.raises(UsageError, match="min_cohort_score"):
        ScoringConfig(min_cohort_score=1)


def test_a_lone_museum_still_says_alone() -> None:
    (r,) = _scores(1).iter_rows(named=True)
    assert r["engagement_score"] is None
    assert no_score_note(r["reason"])[0] == "alone"


def test_the_growth_score_needs_as_many_museums() -> None:
    def growth(n: int) -> np.ndarray:
        rates = np.linspace(0.01, 0.05, n)
        sizes = np.log(np.linspace(1e3, 5e3, n))
        return score_cohort_growth(rates, np.full(n, 1e-6), sizes, 10, 0.95, 5).score

    assert np.isnan(growth(3)).all()
    assert not np.isnan(growth(5)).any()


def test_the_report_says_why_in_both_languages() -> None:
    from engagecore.report.i18n import Texts
    from engagecore.report.sections import growth_reason

    (r, *_) = _scores(3).iter_rows(named=True)
    assert "cohorte de 3 < 5 musées avec un taux" in Texts("fr").reason(r["reason"])
    row = {"network": "alpha", "growth_note": None, "follower_growth": 0.1}
    for lang, words in (("en", "3 museums of this network"), ("fr", "3 musées de ce réseau")):
        assert words in growth_reason(Texts(lang), {**row, "growth_cohort_size": 3})
    assert "only museum" in growth_reason(Texts("en"), {**row, "growth_cohort_size": 1})
