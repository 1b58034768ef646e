"""Posts handed over in parts while the importer reads (``Batch.post_parts``, issue 15.5):
the ingest validates and writes each batch as it comes, and the store ends exactly as when
the table is read whole; a bad value in a later part, after earlier ones were written,
leaves the store unchanged; a file already imported stops its importer."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import engagecore
from engagecore import ingest
from engagecore.errors import FormatError
from engagecore.pluginapi import Batch

HANDLE = "musee-des-beaux-arts-lyon.bsky.social"
MTIME = datetime(2024, 12, 1, 12, 0, tzinfo=UTC)
NOW = datetime(2025, 8, 1, tzinfo=UTC)


@pytest.fixture
def car(tmp_path: Path, fixtures: Path) -> Path:
    pytest.importorskip("libipld", reason="libipld (a dependency) is not installed here")
    out = tmp_path / "repo.car"
    shutil.copy(fixtures / "bluesky" / "repo.car", out)
    os.utime(out, (MTIME.timestamp(), MTIME.timestamp()))
    return out


@pytest.fixture
def in_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """The repository streamed however small, in parts of 2 posts, written 3 at a time."""
    from engage_bluesky import repo

    monkeypatch.setattr(repo, "STREAM_OVER", 0)
    monkeypatch.setattr(repo, "PART_ROWS", 2)
    monkeypatch.setattr(ingest, "PART_ROWS", 3)


def _store(db: Path) -> dict[str, Any]:
    with engagecore.open(db) as eng:
        con = eng.store.con
        return {
            "posts": eng.store.frame(
                "SELECT * EXCLUDE (account_key) FROM posts ORDER BY post_id"
            ).to_dicts(),
            "keys": con.execute(
                "SELECT count(*) FROM posts p JOIN accounts a USING (network, account_id) "
                "WHERE p.account_key = a.account_key"
            ).fetchall(),
            "observations": eng.store.frame(
                "SELECT * FROM post_observations ORDER BY post_id"
            ).to_dicts(),
            "accounts": eng.store.frame(
                "SELECT network, account_id, handle, display_name, museum FROM accounts"
            ).to_dicts(),
            "imports": con.execute("SELECT import_id, importer, rows FROM imports").fetchall(),
        }


def test_a_repository_written_part_by_part_is_stored_as_one_read_whole(
    tmp_path: Path, car: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = tmp_path / "whole.duckdb"
    with engagecore.open(whole) as eng:
        ingest.run(eng.store, [car], account=HANDLE, now=NOW)
    expected = _store(whole)
    assert len(expected["posts"]) == 5 and expected["keys"] == [(5,)]

    from engage_bluesky import repo

    monkeypatch.setattr(repo, "STREAM_OVER", 0)
    monkeypatch.setattr(repo, "PART_ROWS", 2)
    monkeypatch.setattr(ingest, "PART_ROWS", 3)
    writes: list[int] = []
    original = ingest._Pending.flush

    def flush(self: ingest._Pending, store: Any) -> None:
        writes.append(sum(df.height for f in self.tables.get("posts", []) for df in [f]))
        original(self, store)

    monkeypatch.setattr(ingest._Pending, "flush", flush)
    parts = tmp_path / "parts.duckdb"
    with engagecore.open(parts) as eng:
        report = ingest.run(eng.store, [car], account=HANDLE, now=NOW)
    assert report.units[0].posts == 5
    # parts of 2 posts, written as soon as 3 are held (4, then the last 1), then the rest
    assert writes[:2] == [4, 1]
    assert _store(parts) == expected  # account keys set after the account row was written


def test_a_bad_value_in_a_later_part_leaves_the_store_unchanged(
    tmp_path: Path, car: Path, in_parts: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ingest, "PART_ROWS", 1)  # every part written before the next is read
    db = tmp_path / "s.duckdb"
    with engagecore.open(db) as eng:
        before = eng.store.table_digest()
        written: list[int] = []
        original = eng.store.write_posts

        def write_posts(df: pl.DataFrame) -> None:
            written.append(df.height)
            original(df)

        monkeypatch.setattr(eng.store, "write_posts", write_posts)
        # "now" at the start of 2025: the repository's 2025 posts (its later parts) lie ahead
        with pytest.raises(FormatError) as err:
            ingest.run(eng.store, [car], account=HANDLE, now=datetime(2025, 1, 1, tzinfo=UTC))
        message = str(err.value)
        assert "repo.car" in message and "posted_at" in message and "\n" not in message
        assert written  # parts were written before the bad one was read
        assert eng.store.table_digest() == before


def test_a_repository_already_imported_is_skipped_and_its_reading_stopped(
    tmp_path: Path, car: Path, in_parts: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from engage_bluesky import repo

    monkeypatch.setattr(ingest, "CONCURRENT_DIGEST_BYTES", 0)  # read before its digest is known
    closed: list[bool] = []
    original = repo._FileBlocks.close

    def close(self: Any) -> None:
        closed.append(True)
        original(self)

    monkeypatch.setattr(repo._FileBlocks, "close", close)
    db = tmp_path / "s.duckdb"
    with engagecore.open(db) as eng:
        ingest.run(eng.store, [car], account=HANDLE, now=NOW)
        before = eng.store.table_digest()
        assert closed == [True]
        report = ingest.run(eng.store, [car], account=HANDLE, now=NOW)
        assert report.units[0].status.startswith("skipped")
        assert closed == [True, True] and eng.store.table_digest() == before


def test_batch_frames_gather_the_parts_after_the_posts() -> None:
    posts = pl.DataFrame({"post_id": ["a"]})
    batch = Batch(posts=posts, post_parts=iter([pl.DataFrame({"post_id": ["b", "c"]})]))
    assert batch.rows() == 3 and batch.post_parts is None
    assert batch.frames()["posts"]["post_id"].to_list() == ["a", "b", "c"]
    assert Batch(post_parts=iter([])).frames() == {}
