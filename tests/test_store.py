"""The DuckDB store: migrations, idempotent all-or-nothing imports, observations."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import duckdb
import pytest

import engagecore
from engagecore import schema
from engagecore.errors import FormatError, StoreError
from engagecore.store import MIGRATIONS, Store

HEADER = "network,account,museum,post_id,posted_at,kind,text,likes,comments,shares,followers,observed_at\n"


def write_csv(path: Path, rows: list[str]) -> Path:
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def test_new_store_is_migrated(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    assert store.schema_version == schema.SCHEMA_VERSION
    assert all(v == 0 for v in store.counts().values())
    store.close()
    # reopening does not migrate twice
    again = Store(tmp_path / "s.duckdb")
    assert again.fetchall("SELECT count(*) FROM schema_migrations")[0][0] == len(MIGRATIONS)
    again.close()


def test_store_newer_than_code_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "s.duckdb"
    Store(p).close()
    con = duckdb.connect(str(p))
    con.execute("INSERT INTO schema_migrations VALUES (99, now())")
    con.close()
    with pytest.raises(StoreError, match="newer than this engagecore"):
        Store(p)


def test_not_a_duckdb_file(tmp_path: Path) -> None:
    p = tmp_path / "s.duckdb"
    p.write_text("hello")
    with pytest.raises(StoreError, match="cannot open"):
        Store(p)


def test_engage_db_env_is_the_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENGAGE_DB", str(tmp_path / "env.duckdb"))
    with engagecore.open() as eng:
        assert eng.path == tmp_path / "env.duckdb"
    assert (tmp_path / "env.duckdb").exists()


def test_same_file_twice_changes_nothing(tmp_path: Path, fixtures: Path) -> None:
    with engagecore.open(tmp_path / "s.duckdb") as eng:
        first = eng.ingest([fixtures / "spreadsheet" / "posts.csv"])
        assert [u.status for u in first.units] == ["imported"]
        before = eng.store.table_digest()
        # a copy under another name is the same content: skipped too
        copy = tmp_path / "copy.csv"
        shutil.copy(fixtures / "spreadsheet" / "posts.csv", copy)
        second = eng.ingest([fixtures / "spreadsheet" / "posts.csv", copy])
        assert [u.status for u in second.units] == ["already imported"] * 2
        assert eng.store.table_digest() == before
        assert eng.store.duplicate_keys() == {"posts": 0, "post_observations": 0}


def test_newer_observation_updates_counts_and_keeps_older(tmp_path: Path) -> None:
    old = write_csv(
        tmp_path / "old.csv",
        ["x,musee,Musée A,1,2024-01-01T10:00:00Z,text,hi,10,1,,,2024-01-02T00:00:00Z"],
    )
    new = write_csv(
        tmp_path / "new.csv",
        ["x,musee,Musée A,1,2024-01-01T10:00:00Z,text,hi,25,,4,,2024-02-01T00:00:00Z"],
    )
    with engagecore.open(tmp_path / "s.duckdb") as eng:
        eng.ingest([new])
        eng.ingest([old])  # an older export imported later does not roll counts back
        row = eng.store.fetchall("SELECT likes, comments, shares FROM posts")[0]
        assert row == (25, 1, 4)  # newest likes; comments kept from the older reading
        obs = eng.store.fetchall("SELECT likes FROM post_observations ORDER BY observed_at")
        assert obs == [(10,), (25,)]
        # the same readings again under other file names: nothing duplicated
        (tmp_path / "again").mkdir()
        for f in (old, new):
            (tmp_path / "again" / f.name).write_text(f.read_text() + "\n", encoding="utf-8")
        eng.ingest([tmp_path / "again"])
        assert eng.store.duplicate_keys() == {"posts": 0, "post_observations": 0}
        assert eng.store.counts()["post_observations"] == 2


def test_malformed_file_leaves_store_unchanged(tmp_path: Path, fixtures: Path) -> None:
    good = fixtures / "spreadsheet" / "posts.csv"
    bad = write_csv(
        tmp_path / "bad.csv", ["x,musee,Musée A,9,2024-01-01T10:00:00Z,text,hi,lots,1,,,"]
    )
    with engagecore.open(tmp_path / "s.duckdb") as eng:
        eng.ingest([good])
        before = eng.store.table_digest()
        other = write_csv(
            tmp_path / "ok.csv", ["x,musee,Musée B,7,2024-01-01T10:00:00Z,text,ok,1,1,,,"]
        )
        # the good file of the same run is not kept either: all or nothing
        with pytest.raises(FormatError, match=r"bad\.csv, record line 2: column 'likes': 'lots'"):
            eng.ingest([other, bad])
        assert eng.store.table_digest() == before


def test_dry_run_stores_nothing(tmp_path: Path, fixtures: Path) -> None:
    with engagecore.open(tmp_path / "s.duckdb") as eng:
        before = eng.store.table_digest()
        report = eng.ingest([fixtures / "spreadsheet" / "posts.csv"], dry_run=True)
        assert report.units[0].status == "dry run" and report.units[0].posts == 3
        assert eng.store.table_digest() == before


def test_provenance_row(tmp_path: Path, fixtures: Path) -> None:
    with engagecore.open(tmp_path / "s.duckdb") as eng:
        eng.ingest([fixtures / "spreadsheet" / "posts.csv"])
        imp = eng.imports().row(0, named=True)
    assert imp["plugin"] == "spreadsheet" and imp["importer"] == "spreadsheet"
    assert imp["plugin_version"] == engagecore.__version__
    assert len(imp["sha256"]) == 64 and imp["rows"] == 3 + 2 + 1
    assert imp["path"].endswith("posts.csv")


def test_two_readings_in_one_run_are_both_kept(tmp_path: Path) -> None:
    old = write_csv(
        tmp_path / "a.csv",
        ["x,musee,Musée A,1,2024-01-01T10:00:00Z,text,hi,10,1,,,2024-01-02T00:00:00Z"],
    )
    new = write_csv(
        tmp_path / "b.csv",
        ["x,musee,Musée A,1,2024-01-01T10:00:00Z,text,hi,25,,4,,2024-02-01T00:00:00Z"],
    )
    with engagecore.open(tmp_path / "s.duckdb") as eng:
        eng.ingest([new, old])  # one run, one write: merged in memory first
        assert eng.store.fetchall("SELECT likes, comments, shares FROM posts") == [(25, 1, 4)]
        assert eng.store.fetchall("SELECT count(*) FROM post_observations")[0][0] == 2
        ids = eng.store.fetchall("SELECT DISTINCT import_id FROM post_observations ORDER BY 1")
        assert ids == [(1,), (2,)]


def test_link_placeholder_gives_way_to_real_account(tmp_path: Path) -> None:
    from engagecore.pluginapi import Batch
    from engagecore.textutil import frame

    with engagecore.open(tmp_path / "s.duckdb") as eng:
        eng.museums.add("Musée du Louvre")
        eng.link("louvre", "x", "@MuseeLouvre")
        # an export that knows the account's numeric id and its handle
        batch = Batch(
            accounts=frame(
                "accounts", [{"network": "x", "account_id": "12345", "handle": "MuseeLouvre"}]
            )
        )
        from engagecore import ingest

        report = ingest.IngestReport()
        known = {("x", "MuseeLouvre"): "louvre"}
        placeholders: list[tuple[str, str]] = []
        acc = ingest._accounts_with_museums(
            known, eng.museums, batch.frames(), batch, None, report, placeholders
        )
        assert acc["museum"].to_list() == ["louvre"] and placeholders == [("x", "MuseeLouvre")]
        eng.store.write_accounts(acc)
        eng.store.drop_placeholder_account("x", "MuseeLouvre")
        assert eng.store.fetchall("SELECT account_id, museum FROM accounts") == [
            ("12345", "louvre")
        ]


def test_account_values_are_never_replaced_by_null(tmp_path: Path) -> None:
    from engagecore.textutil import frame

    with engagecore.open(tmp_path / "s.duckdb") as eng:
        rows = [
            {"network": "x", "account_id": "1", "handle": "mba", "display_name": None},
            {"network": "x", "account_id": "1", "handle": None, "display_name": "MBA"},
        ]
        acc = frame("accounts", rows).with_columns(museum=None)
        eng.store.write_accounts(acc)  # two readings in one batch: merged
        eng.store.write_accounts(frame("accounts", rows[1:]).with_columns(museum=None))
        got = eng.store.fetchall("SELECT handle, display_name FROM accounts")
        assert got == [("mba", "MBA")]


def test_large_sources_are_hashed_while_read(
    tmp_path: Path, fixtures: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from engagecore import ingest

    monkeypatch.setattr(ingest, "CONCURRENT_DIGEST_BYTES", 0)  # every source counts as large
    with engagecore.open(tmp_path / "s.duckdb") as eng:
        first = eng.ingest([fixtures / "spreadsheet" / "posts.csv"])
        before = eng.store.table_digest()
        again = eng.ingest([fixtures / "spreadsheet" / "posts.csv"])
        assert [u.status for u in first.units] == ["imported"]
        assert [u.status for u in again.units] == ["already imported"]
        assert eng.store.table_digest() == before
        assert eng.imports()["sha256"].to_list() == [
            hashlib.sha256((fixtures / "spreadsheet" / "posts.csv").read_bytes()).hexdigest()
        ]
