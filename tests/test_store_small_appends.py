"""``Store.drop_cache`` and ``Store(small_appends=True)``: the store opened for a long run of small commits (``engage
fetch``'s import in batches) writes row groups of ``limits.SMALL_APPENDS_ROW_GROUP`` rows and
checkpoints every ``limits.SMALL_APPENDS_CHECKPOINT`` of log, so that a commit's checkpoint
rewrites a small row group only (benchmarks/fetch.py measures the peak memory). Otherwise it
is the same store: same file, same lock, same errors."""

from __future__ import annotations

import subprocess
import sys
from contextlib import closing
from pathlib import Path

import duckdb
import pytest

from engagecore import limits
from engagecore.errors import StoreBusy, StoreError
from engagecore.store import Store

HOLDER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
print("ready", flush=True)
sys.stdin.readline()
con.close()
"""


def row_groups(store: Store, table: str, column: str) -> list[int]:
    """The rows of each row group of ``table``, as stored (after a checkpoint), counted on
    ``column``'s segments (a scalar column: a list's children have more entries)."""
    rows = store.fetchall(
        "SELECT row_group_id, max(start + count) - min(start) FROM pragma_storage_info(?) "
        "WHERE column_name = ? AND segment_type <> 'VALIDITY' GROUP BY ALL ORDER BY 1",
        [table, column],
    )
    return [int(n) for _, n in rows]


def _fill(store: Store, n: int) -> None:
    store.con.execute(f"CREATE TABLE t AS SELECT range AS i, 'v' || range AS v FROM range({n})")
    store.con.execute("CHECKPOINT")


def test_small_appends_writes_small_row_groups_and_checkpoints_often(tmp_path: Path) -> None:
    n = 40_000
    with closing(Store(tmp_path / "small.duckdb", small_appends=True)) as small:
        _fill(small, n)
        size = limits.SMALL_APPENDS_ROW_GROUP
        assert row_groups(small, "t", "i") == [size] * (n // size) + [n % size]
        (threshold,) = small.fetchall("SELECT current_setting('checkpoint_threshold')")[0]
        with duckdb.connect() as con:
            con.execute(f"SET checkpoint_threshold = '{limits.SMALL_APPENDS_CHECKPOINT}'")
            expected = con.execute("SELECT current_setting('checkpoint_threshold')").fetchall()
        assert threshold == expected[0][0]
        (default,) = (
            duckdb.connect().execute("SELECT current_setting('checkpoint_threshold')").fetchall()[0]
        )
        assert threshold != default
        # spills beside the store, as a plain connection's, never in the working directory
        (temp,) = small.fetchall("SELECT current_setting('temp_directory')")[0]
        assert Path(temp) == tmp_path / "small.duckdb.tmp"
        assert small.schema_version > 0  # migrated as any store
    with closing(Store(tmp_path / "plain.duckdb")) as plain:
        _fill(plain, n)
        assert row_groups(plain, "t", "i") == [n]  # DuckDB's default: one row group
    # the same file for every other command: opened plainly, read-only, with its rows
    with closing(Store(tmp_path / "small.duckdb", read_only=True)) as again:
        assert again.fetchall("SELECT count(*), sum(i) FROM t") == [(n, n * (n - 1) // 2)]


def test_small_appends_waits_for_and_names_the_process_holding_the_store(
    tmp_path: Path,
) -> None:
    db = tmp_path / "engage.duckdb"
    Store(db).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        with pytest.raises(StoreBusy) as err:
            Store(db, small_appends=True, wait=0.3)
        assert f"pid {holder.pid}" in str(err.value)
    finally:
        holder.kill()
        holder.communicate()
    with closing(Store(db, small_appends=True, wait=0.3)) as store:  # free again
        assert store.schema_version > 0


def test_small_appends_refuses_what_a_plain_store_refuses(tmp_path: Path) -> None:
    bad = tmp_path / "notes.duckdb"
    bad.write_text("not a database\n" * 100)
    with pytest.raises(StoreError, match=r"notes\.duckdb: cannot open as a DuckDB store"):
        Store(bad, small_appends=True)
    assert bad.read_text() == "not a database\n" * 100  # left as it was
    with pytest.raises(ValueError, match="small_appends"):
        Store(tmp_path / "x.duckdb", read_only=True, small_appends=True)


def cached_mb(store: Store) -> float:
    """MB of table blocks DuckDB holds in memory (its ``BASE_TABLE`` tag): read or written
    blocks it keeps cached."""
    (mb,) = store.fetchall(
        "SELECT coalesce(sum(memory_usage_bytes), 0) / 2**20 FROM duckdb_memory() "
        "WHERE tag = 'BASE_TABLE'"
    )[0]
    return float(mb)


def test_drop_cache_gives_back_the_blocks_of_the_tables_read(tmp_path: Path) -> None:
    db = tmp_path / "engage.duckdb"
    with closing(Store(db)) as store:
        store.con.execute(
            "CREATE TABLE t AS SELECT range AS i, md5(range::VARCHAR) AS v FROM range(400000)"
        )
        store.con.execute("CHECKPOINT")
    with closing(Store(db)) as store:
        assert store.fetchall("SELECT count(DISTINCT v) FROM t") == [(400_000,)]
        assert cached_mb(store) > 5  # the blocks read stay cached
        store.drop_cache("SET memory_limit = '300MB'")
        assert cached_mb(store) < 1
        assert store.fetchall("SELECT current_setting('memory_limit')") == [("286.1 MiB",)]
        assert store.fetchall("SELECT count(DISTINCT v) FROM t") == [(400_000,)]  # read again
        # inside a transaction nothing is done: a refused SET would abort it
        with store.transaction():
            store.con.execute("INSERT INTO t VALUES (-1, 'x')")
            store.drop_cache("SET memory_limit = '1GB'")
            assert cached_mb(store) > 5
        assert store.fetchall("SELECT count(*) FROM t") == [(400_001,)]
        assert store.fetchall("SELECT current_setting('memory_limit')") == [("286.1 MiB",)]
