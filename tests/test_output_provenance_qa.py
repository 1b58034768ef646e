"""QA as a researcher (h8): a dataset exported for a paper says what made it. A Parquet file
written by any command carries, in its key-value metadata, the engagecore version, the
plugins' versions, the command and its options — never a path of the user's disk."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from cli_run import run

import engagecore

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.mark.parametrize(
    ("command", "option"),
    [
        (["score", "--period", "quarter"], ("period", "quarter")),
        (["young", "--period", "year"], ("period", "year")),
        (["adoption", "--network", "instagram"], ("network", ["instagram"])),
        (["query", "SELECT * FROM posts"], ("statement", "SELECT * FROM posts")),
    ],
    ids=lambda c: c[0] if isinstance(c, list) else "",
)
def test_a_parquet_export_says_which_engagecore_made_it_and_how(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
    option: tuple[str, object],
) -> None:
    db = tmp_path / "store.duckdb"
    code, _, err = run(["ingest", str(FIXTURES / "spreadsheet"), "--db", str(db)], capsys)
    assert code == 0, err
    out = tmp_path / "figures.parquet"
    code, _, err = run([*command, "--db", str(db), "--format", "parquet", "-o", str(out)], capsys)
    assert code == 0, err
    meta = pl.read_parquet_metadata(out)
    assert meta["engagecore_version"] == engagecore.__version__
    assert meta["engagecore_command"] == f"engage {command[0]}"
    name, value = option
    assert json.loads(meta["engagecore_options"])[name] == value
    plugins = json.loads(meta["engagecore_plugins"])
    assert plugins["spreadsheet"] and "peertube" in plugins
    assert str(tmp_path) not in json.dumps(meta)  # neither the store's nor the file's path
    assert pl.read_parquet(out).height > 0


def test_the_same_store_gives_the_same_files_byte_for_byte(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A dataset made again from the same store is the same file (the bootstrap is seeded;
    nothing of the moment, such as the time, goes into the metadata)."""
    db = tmp_path / "store.duckdb"
    code, _, err = run(["ingest", str(FIXTURES / "spreadsheet"), "--db", str(db)], capsys)
    assert code == 0, err
    made: dict[str, list[bytes]] = {}
    for attempt in range(2):
        for fmt in ("csv", "parquet"):
            out = tmp_path / f"{attempt}.{fmt}"
            args = ["score", "--period", "month", "--db", str(db), "-f", fmt, "-o", str(out)]
            code, _, err = run(args, capsys)
            assert code == 0, err
            made.setdefault(fmt, []).append(out.read_bytes())
    assert all(a == b and a for a, b in made.values())
