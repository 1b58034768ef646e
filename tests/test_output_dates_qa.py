"""``--format csv`` writes times as ``--format json`` does: ISO 8601 with the offset written
``+00:00`` (RFC 3339), not ``+0000`` — the same instant in the same spelling whichever export
a researcher loads (QA as an observatory's researcher, h4)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime

import polars as pl
import pytest

from engagecore.cli.output import Format, emit

FRAME = pl.DataFrame(
    {
        "posted_at": [datetime(2024, 12, 31, 14, 47, 29, tzinfo=UTC),
                      datetime(2025, 2, 4, 17, 25, 8, 233000, tzinfo=UTC), None],
        "naive": [datetime(2024, 1, 1, 10, 0), None, None],
        "day": [date(2024, 1, 1), None, None],
    }
)  # fmt: skip


def _out(fmt: Format, capsys: pytest.CaptureFixture[str]) -> str:
    emit(FRAME, fmt)
    return capsys.readouterr().out


def test_csv_times_are_spelt_as_json_spells_them(capsys: pytest.CaptureFixture[str]) -> None:
    rows = list(csv.DictReader(io.StringIO(_out(Format.csv, capsys))))
    js = json.loads(_out(Format.json, capsys))
    assert [r["posted_at"] for r in rows] == [
        "2024-12-31T14:47:29+00:00",
        "2025-02-04T17:25:08.233000+00:00",
        "",
    ]
    assert [r["posted_at"] or None for r in rows] == [j["posted_at"] for j in js]
    assert [datetime.fromisoformat(r["posted_at"]) for r in rows[:2]] == FRAME["posted_at"][
        :2
    ].to_list()
    assert rows[0]["naive"] == js[0]["naive"] == "2024-01-01T10:00:00"
    assert rows[0]["day"] == js[0]["day"] == "2024-01-01"
    back = pl.read_csv(io.StringIO(_out(Format.csv, capsys)), try_parse_dates=True)
    assert back["posted_at"].to_list() == FRAME["posted_at"].to_list()
