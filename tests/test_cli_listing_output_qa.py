"""The commands that list what a store holds take `--output FILE` as every other data
command does (docs/output.md): `engage tables`, `museums list`, `museums links` and
`followers list` had `--format` only, so their csv or Parquet could only be redirected
from standard output."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from cli_run import run

import engagecore
from engagecore.api import Engine

FIXTURES = Path(__file__).resolve().parent / "fixtures"
DOCS = Path(__file__).resolve().parents[1] / "docs"

LISTINGS: dict[str, list[str]] = {
    "tables": ["tables"],
    "museums list": ["museums", "list"],
    "museums links": ["museums", "links"],
    "followers list": ["followers", "list"],
}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with posts, a linked account and a follower snapshot."""
    db = tmp_path_factory.mktemp("listings") / "store.duckdb"
    with Engine(db) as eng:
        eng.ingest([FIXTURES / "spreadsheet"])
        eng.add_followers("instagram", "museelouvre", 1200)
    return db


@pytest.mark.parametrize("name", list(LISTINGS))
def test_a_listing_writes_each_format_to_a_file(
    name: str, store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    command = LISTINGS[name]
    code, shown, err = run([*command, "--db", str(store), "--format", "json"], capsys)
    assert code == 0, err
    rows = json.loads(shown)
    assert rows, f"{name}: the store lists nothing"

    files = {fmt: tmp_path / f"out.{fmt}" for fmt in ("json", "csv", "parquet", "table")}
    for fmt, path in files.items():
        args = [*command, "--db", str(store), "--format", fmt, "--output", str(path)]
        code, out, err = run(args, capsys)
        assert code == 0, err
        assert out == "", f"{name} --format {fmt} --output: printed {out[:80]!r}"
        assert path.stat().st_size > 0
    assert json.loads(files["json"].read_text(encoding="utf-8")) == rows
    assert pl.read_csv(files["csv"]).height == len(rows)
    assert pl.read_parquet(files["parquet"]).height == len(rows)
    meta = pl.read_parquet_metadata(files["parquet"])
    assert meta["engagecore_version"] == engagecore.__version__
    assert meta["engagecore_command"] == "engage " + " ".join(command)
    assert str(tmp_path) not in json.dumps(meta)
    first = rows[0]
    key = next(str(v) for v in first.values() if isinstance(v, str) and v)
    assert key in files["table"].read_text(encoding="utf-8")


def test_the_output_policy_names_the_listings() -> None:
    text = (DOCS / "output.md").read_text(encoding="utf-8")
    policy = text.split("## ")[0]
    for name in LISTINGS:
        assert f"`{name}`" in policy, name
