"""One rule for durations in every surface (docs/scoring.md §1.5, "Durations"): under 48
hours in hours, from 48 hours on in days; one decimal under 10, none from 10 on; French with a
decimal comma and "jours". The French report wrote a maturity age "105,6 h" where the
terminal said "4.4 days", and the score's reason "1063.0 h"."""

from __future__ import annotations

import polars as pl
import pytest

from engagecore.durations import duration
from engagecore.report.i18n import Texts
from engagecore.scoring.config import ScoringConfig
from engagecore.scoring.engagement import _add_reasons


@pytest.mark.parametrize(
    ("hours", "en", "fr"),
    [
        (1.5, "1.5 h", "1,5 h"),
        (0.26, "0.3 h", "0,3 h"),
        (11.0, "11 h", "11 h"),
        (11.4, "11 h", "11 h"),
        (47.4, "47 h", "47 h"),
        (48.0, "2 days", "2 jours"),
        (105.6, "4.4 days", "4,4 jours"),
        (1063.0, "44 days", "44 jours"),
        (240.0, "10 days", "10 jours"),
    ],
)
def test_the_rule(hours: float, en: str, fr: str) -> None:
    assert duration(hours) == en
    assert duration(hours, "fr") == fr


def _reason_row(maturity: float) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "posts": [10],
            "posts_rated": [8],
            "posts_too_young": [2],
            "n_interactions": [100],
            "n_zero_followers": [0],
            "maturity_hours": [maturity],
            "accrual_basis": ["default (Graffius 2018)"],
            "cohort_size": [5],
            "n_effective": [8.0],
            "followers": [1000],
            "young_basis": ["measured"],
        }
    )


@pytest.mark.parametrize(("hours", "text"), [(105.6, "4.4 days"), (1063.0, "44 days")])
def test_the_scores_reason_says_the_maturity_as_the_terminal_does(hours: float, text: str) -> None:
    from engagecore.cli.score_cmd import _age

    rows = _add_reasons(_reason_row(hours), ScoringConfig())
    reason = rows.get_column("reason")[0]
    assert f"read before the maturity age ({text}, default (Graffius 2018))" in reason
    assert _age(hours) == text


def test_the_french_report_says_days_as_the_english_one() -> None:
    reason = _add_reasons(_reason_row(105.6), ScoringConfig()).get_column("reason")[0]
    fr = Texts("fr").reason(reason)
    assert "(4,4\u00a0jours, par défaut (Graffius 2018))" in fr or "(4,4 jours, par " in fr, fr
    assert " h," not in fr
    assert "(4.4 days, " in Texts("en").reason(reason)
