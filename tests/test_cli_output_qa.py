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


def test_a_title_wider_than_its_table_stays_on_one_line() -> None:
    # `engage adoption` on a store of one museum: every column but `network` is shared, and
    # the title broke into a word per line over the one narrow column
    import io

    from rich.console import Console

    from engagecore.cli.output import print_table

    title = "museums of the registry present on each network"
    df = pl.DataFrame(
        {"network": ["instagram", "x", "any"], "year": [2024] * 3, "basis": ["store"] * 3}
    )
    for width in (80, 30):
        console = Console(file=io.StringIO(), width=width)
        print_table(console, df, title=title)
        assert isinstance(console.file, io.StringIO)
        lines = console.file.getvalue().splitlines()
        if width == 80:
            assert lines[0].strip() == title
        else:  # narrower than the title: it wraps at the terminal's width, not the column's
            assert lines[0].strip() == "museums of the registry"
        assert max(len(line) for line in lines) <= width
