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


def test_a_table_says_which_zone_its_times_are_in() -> None:
    # `engage posts` showed a YouTube video "published at 12:00 local time" (ingest's note)
    # as 11:00, without saying that the table's times are UTC
    from datetime import UTC, datetime

    df = pl.DataFrame(
        {
            "rank": [1, 2],
            "posted_at": [
                datetime(2024, 1, 22, 11, tzinfo=UTC),
                datetime(2024, 2, 1, 11, tzinfo=UTC),
            ],
        }
    )
    _, lines = render_table(df, 80)
    assert "times in UTC" in lines
    # as `engage query` reads a TIMESTAMPTZ back from DuckDB
    _, lines = render_table(
        df.with_columns(pl.col("posted_at").dt.convert_time_zone("Etc/UTC")), 80
    )
    assert "times in UTC" in lines
    _, lines = render_table(df.with_columns(pl.col("posted_at").dt.replace_time_zone(None)), 80)
    assert not any("times in" in line for line in lines)
    # no time shown (the column left out for want of room): no zone to name
    wide = df.with_columns(text=pl.Series(["a few words", "some other words"]))
    _, lines = render_table(wide, 20, priority=("rank", "text"))
    assert any("not shown: posted_at" in line for line in lines)
    assert not any("times in" in line for line in lines)
