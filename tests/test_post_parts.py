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
    staged: list[int] = []
    original = ingest._stage_parts

    def stage(*args: Any) -> Any:
        out = original(*args)
        staged.extend(pl.read_parquet(f).height for f in out.files)
        assert all(f.parent.parent == out.folder.parent for f in out.files)
        return out

    monkeypatch.setattr(ingest, "_stage_parts", stage)
    parts = tmp_path / "parts.duckdb"
    with engagecore.open(parts) as eng:
        report = ingest.run(eng.store, [car], account=HANDLE, now=NOW)
    assert report.units[0].posts == 5
    # parts of 2 posts, validated and staged as soon as 3 are held (4, then the last 1)
    assert staged == [4, 1]
    assert not list(tmp_path.rglob("*.parquet"))  # the staging files removed
    assert _store(parts) == expected  # account keys set after the account row was written


def test_a_bad_value_in_a_later_part_leaves_the_store_unchanged(
    tmp_path: Path, car: Path, in_parts: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ingest, "PART_ROWS", 1)  # every part validated before the next
    db = tmp_path / "s.duckdb"
    checked: list[int] = []
    original = ingest._validated

    def validated(batch: Batch, *args: Any) -> Any:
        checked.append(batch.posts.height if batch.posts is not None else 0)
        return original(batch, *args)

    monkeypatch.setattr(ingest, "_validated", validated)
    with engagecore.open(db) as eng:
        before = eng.store.table_digest()
        # "now" at the start of 2025: the repository's 2025 posts (its later parts) lie ahead
        with pytest.raises(FormatError) as err:
            ingest.run(eng.store, [car], account=HANDLE, now=datetime(2025, 1, 1, tzinfo=UTC))
        message = str(err.value)
        assert "repo.car" in message and "posted_at" in message and "\n" not in message
        assert checked[:2] == [2, 2]  # a part was accepted before the bad one was read
        assert eng.store.table_digest() == before
    assert not list(tmp_path.rglob("*.parquet"))


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
        assert report.units[0].status == "already imported"  # skipped, not read
        assert closed == [True, True] and eng.store.table_digest() == before


def test_batch_frames_gather_the_parts_after_the_posts() -> None:
    posts = pl.DataFrame({"post_id": ["a"]})
    batch = Batch(posts=posts, post_parts=iter([pl.DataFrame({"post_id": ["b", "c"]})]))
    assert batch.rows() == 3 and batch.post_parts is None
    assert batch.frames()["posts"]["post_id"].to_list() == ["a", "b", "c"]
    assert Batch(post_parts=iter([])).frames() == {}


def _posts(rows: list[tuple[str, int, int | None]]) -> pl.DataFrame:
    from engagecore.textutil import frame

    return frame(
        "posts",
        [
            {
                "network": "bluesky",
                "post_id": pid,
                "account_id": "did:plc:a",
                "posted_at": datetime(2024, 5, 1, tzinfo=UTC),
                "kind": "text",
                "is_own": True,
                "text": f"post {pid}",
                "observed_at": datetime(2024, 6, day, tzinfo=UTC),
                "likes": likes,
                "hashtags": [],
                "mentions": [],
            }
            for pid, day, likes in rows
        ],
    ).with_columns(pl.lit(7, dtype=pl.Int64).alias("import_id"))


@pytest.mark.parametrize("duplicated", [False, True])
def test_posts_staged_in_files_are_stored_as_the_same_frame_would_be(
    tmp_path: Path, duplicated: bool
) -> None:
    """Onto posts already stored (newer and older readings), with a post twice in the
    staged files or not: the same tables as :meth:`Store.write_posts` of their frame."""
    first = _posts([("a", 10, 5), ("b", 10, None), ("c", 10, 9)])
    later = [("a", 12, 6), ("b", 8, 3), ("d", 12, 1)] + ([("d", 13, 2)] if duplicated else [])
    files = []
    for i, rows in enumerate((later[:2], later[2:])):
        files.append(tmp_path / f"part-{i}.parquet")
        _posts(rows).write_parquet(files[-1])
    tables = []
    for how in ("frame", "files"):
        with engagecore.open(tmp_path / f"{how}.duckdb") as eng:
            eng.store.write_posts(first)
            if how == "frame":
                eng.store.write_posts(_posts(later))
            else:
                eng.store.write_posts_files(files)
            tables.append(
                (
                    eng.store.frame("SELECT * FROM posts ORDER BY post_id").to_dicts(),
                    eng.store.frame(
                        "SELECT * FROM post_observations ORDER BY post_id, observed_at"
                    ).to_dicts(),
                )
            )
    assert tables[0] == tables[1]
    posts = {r["post_id"]: r for r in tables[1][0]}
    assert posts["a"]["likes"] == 6 and posts["b"]["likes"] == 3 and len(posts) == 4
