"""The table printer as a user reads its summary (h4's walk-through)."""

from __future__ import annotations

import polars as pl

from engagecore.cli.output import render_table


def test_a_value_every_row_shares_but_empty_is_a_dash_in_the_summary() -> None:
    # ingest's summary ended "· audience_age: 0 · museums: " — a label with nothing after it
    df = pl.DataFrame(
        {
            "path": ["a.json", "b.csv"],
            "posts": [4, 102],
            "audience_age": [0, 0],
            "museums": ["", ""],
        }
    )
    _, lines = render_table(df, 80)
    notes = lines[0].split(" · ")
    assert "museums: —" in notes and "audience_age: 0" in notes
