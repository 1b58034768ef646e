"""The spreadsheet template importer: CSV (any delimiter) and Parquet."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from engage_spreadsheet.spreadsheet import SpreadsheetImporter

import engagecore
from engagecore.errors import FormatError
from engagecore.pluginapi import ReadContext
from engagecore.sources import Source


def read(path: Path, **ctx: str) -> engagecore.Batch:
    imp = SpreadsheetImporter()
    src = Source.open(path)
    assert imp.detect(src) >= 0.9
    return imp.read(src, ReadContext(**ctx))


def test_csv_fixture(fixtures: Path) -> None:
    batch = read(fixtures / "spreadsheet" / "posts.csv")
    posts = batch.posts
    assert posts is not None and posts.height == 3
    ig2 = posts.filter(post_id="IG-2").row(0, named=True)
    # naive time = Europe/Paris (UTC+1 in March); "1,024" and "35 000" are counts
    assert ig2["posted_at"] == datetime(2024, 3, 12, 9, 0, tzinfo=UTC)
    assert (ig2["comments"], ig2["views"], ig2["shares"]) == (1024, 35000, None)
    assert ig2["hashtags"] == ["JourDeFermeture"] and ig2["mentions"] == ["restaurateurs"]
    assert ig2["text"].startswith("#JourDeFermeture : les coulisses\n")
    assert posts.filter(post_id="IG-1")["hashtags"][0].to_list() == ["Louvre", "MonaLisa"]
    # '@museelouvre' and 'museelouvre' are one account
    assert sorted(batch.accounts["account_id"].to_list()) == ["MuseeLouvre", "museelouvre"]
    assert batch.museum_hints["museelouvre"] == "Musée du Louvre"
    fol = batch.follower_snapshots
    assert fol is not None and fol["followers"].to_list() == [1500000]


def test_timezone_option(fixtures: Path) -> None:
    posts = read(fixtures / "spreadsheet" / "posts.csv", timezone="UTC").posts
    assert posts is not None
    assert posts.filter(post_id="IG-2")["posted_at"][0] == datetime(2024, 3, 12, 10, 0, tzinfo=UTC)


def test_parquet_and_semicolons(tmp_path: Path, fixtures: Path) -> None:
    df = pl.read_csv(fixtures / "spreadsheet" / "posts.csv", infer_schema=False)
    df.write_parquet(tmp_path / "posts.parquet")
    df.write_csv(tmp_path / "posts;.csv", separator=";")
    for p in (tmp_path / "posts.parquet", tmp_path / "posts;.csv"):
        posts = read(p).posts
        assert posts is not None and sorted(posts["post_id"]) == ["IG-1", "IG-2", "X-1"]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("x,a,1,2024-01-01,lots", r"line 2: column 'likes': 'lots' is not a count"),
        ("x,a,1,2024-01-01,-3", r"line 2: column 'likes': '-3' is negative"),
        ("x,a,1,yesterday,3", r"line 2: column 'posted_at': 'yesterday' is not a date-time"),
        ("x,,1,2024-01-01,3", r"line 2: column 'account' is empty"),
    ],
)
def test_bad_rows_name_line_and_column(tmp_path: Path, row: str, message: str) -> None:
    p = tmp_path / "bad.csv"
    p.write_text("network,account,post_id,posted_at,likes\n" + row + "\n", encoding="utf-8")
    with pytest.raises(FormatError, match=message):
        read(p)


def test_unknown_network_is_refused_by_the_core(tmp_path: Path) -> None:
    p = tmp_path / "p.csv"
    p.write_text("network,account,post_id,posted_at\nmyspace,a,1,2024-01-01\n", encoding="utf-8")
    with engagecore.open(tmp_path / "s.duckdb") as eng:
        before = eng.store.table_digest()
        with pytest.raises(
            engagecore.ValidationError, match="'myspace' is not a registered network"
        ):
            eng.ingest([p])
        assert eng.store.table_digest() == before


def test_not_a_template(tmp_path: Path) -> None:
    p = tmp_path / "other.csv"
    p.write_text("a,b\n1,2\n", encoding="utf-8")
    assert SpreadsheetImporter().detect(Source.open(p)) == 0.0
