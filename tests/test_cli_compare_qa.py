"""``engage compare``'s cards as a user reads them (h4's walk-through)."""

from __future__ import annotations

import polars as pl
import pytest

from engagecore.cli.score_cmd import show_comparison


def test_a_museum_without_the_network_has_a_plain_dash_for_its_interval(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # the card read "—–—" (a dash, an en dash, a dash) in louvre's column on mastodon
    table = pl.DataFrame(
        {
            "network": ["mastodon"],
            "verdict": ["no winner: no score for louvre"],
            "louvre posts": pl.Series([None], dtype=pl.Int64),
            "louvre score": pl.Series([None], dtype=pl.Float64),
            "louvre score_low": pl.Series([None], dtype=pl.Float64),
            "louvre score_high": pl.Series([None], dtype=pl.Float64),
            "pompidou posts": [51],
            "pompidou score": [0.0],
            "pompidou score_low": [0.0],
            "pompidou score_high": [17.0],
        }
    )
    show_comparison(table)
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if "score interval" in x)
    cells = [c.strip() for c in line.strip("│ ").split("│")]
    assert cells == ["score interval", "—", "0–17"]
