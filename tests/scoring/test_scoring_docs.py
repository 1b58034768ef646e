"""docs/scoring.md names every column a reader sees first, and says nothing it should not."""

from __future__ import annotations

from pathlib import Path

from engagecore.scoring import LEADERBOARD_COLUMNS, SORTS, SUMMARY_COLUMNS

DOC = (Path(__file__).resolve().parents[2] / "docs" / "scoring.md").read_text(encoding="utf-8")


def test_every_summary_ranking_and_compare_column_is_documented() -> None:
    compare_columns = ("p_value", "alpha_holm", "holm_m", "verdict", "why", "winner", "test")
    for column in (*SUMMARY_COLUMNS, *LEADERBOARD_COLUMNS, *compare_columns):
        assert f"`{column}`" in DOC, f"docs/scoring.md does not name `{column}`"
    for key in SORTS:
        assert f"`{key}`" in DOC, f"docs/scoring.md does not explain --sort {key}"


def test_methodology_statements() -> None:
    flat = " ".join(DOC.split())
    # the Fanpage Karma quote was about response time, not engagement
    assert "overweights outliers" not in flat
    # its index combines engagement and growth, against its whole index, 100 in the top 10 %
    assert "follower growth" in flat and "top 10 %" in flat and "all pages" in flat
    assert "engagement_rate_peer" in flat and "Σ I_i ÷ Σ F_i" in flat
    assert "reads *lower*" in flat
    assert "Holm–Bonferroni" in flat
