"""``engage followers list`` and ``engage museums list`` read the store, as ``engage score``
does: they created an empty store when ``--db`` named none (a typo left a new file behind and an empty table that read
as if the snapshots were gone), and printed an empty table above its "no follower snapshot"."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_run import run

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.mark.parametrize("command", [["followers", "list"], ["museums", "list"]])
def test_a_missing_store_is_an_error_and_stays_missing(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "typo.duckdb"
    code, out, err = run([*command, "--db", str(db)], capsys)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "no such store" in err and str(db) in err, err
    assert list(tmp_path.iterdir()) == []


def test_a_store_without_snapshots_says_so_without_an_empty_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "s.duckdb")
    code, _, err = run(["ingest", str(FIXTURES / "spreadsheet" / "posts.csv"), "--db", db], capsys)
    assert code == 0, err
    code, out, err = run(["followers", "list", "--network", "tiktok", "--db", db], capsys)
    assert code == 0 and out == "", out
    assert "no follower snapshot" in err
    code, out, _ = run(
        ["followers", "list", "--network", "tiktok", "--db", db, "-f", "json"], capsys
    )
    assert code == 0 and out.strip() == "[]"
