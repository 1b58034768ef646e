"""The readers' in-memory DuckDB database: one per process, a connection of its own per read
(engagecore.memdb; ``memory_connection`` in the plugin API)."""

from __future__ import annotations

import threading
from pathlib import Path

import duckdb
import pytest

import engagecore
from engagecore import memdb
from engagecore.plugin import memory_connection

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.mark.parametrize(
    ("folder", "options"),
    [
        ("x/archive", {}),  # two tweets files and the followers' count
        ("facebook/graph", {}),  # two posts pages
        ("tiktok/studio", {"timezone": "Europe/Paris"}),  # the content table
    ],
)
def test_a_read_opens_no_database_of_its_own(
    folder: str, options: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    memory_connection().close()  # the process's database made (once per process)
    opened: list[tuple] = []
    connect = duckdb.connect

    def counting_connect(*args: object, **kwargs: object) -> duckdb.DuckDBPyConnection:
        if not args or args[0] in ("", ":memory:"):
            opened.append(args)
        return connect(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(duckdb, "connect", counting_connect)
    with engagecore.open(tmp_path / "s.duckdb") as eng:
        eng.ingest(FIXTURES / folder, **options)
        assert eng.query("SELECT count(*) AS n FROM posts")["n"][0] > 0
    assert opened == []


def test_a_connections_tables_and_time_zone_are_its_own() -> None:
    with memory_connection() as a, memory_connection() as b:
        a.execute("CREATE TEMP TABLE t AS SELECT 1 AS x")
        b.execute("CREATE TEMP TABLE t AS SELECT 2 AS x")  # the same name, at the same time
        a.execute("SET TimeZone = 'Europe/Paris'")
        assert a.sql("SELECT x FROM t").fetchall() == [(1,)]
        assert b.sql("SELECT x FROM t").fetchall() == [(2,)]
        assert b.sql("SELECT current_setting('TimeZone')").fetchall() == [("UTC",)]
        assert b.sql("SELECT current_setting('enable_progress_bar')").fetchall() == [(False,)]
    with memory_connection() as c:  # a closed connection's tables are gone
        with pytest.raises(duckdb.CatalogException):
            c.sql("SELECT * FROM t").fetchall()
        assert c.sql("SELECT current_setting('TimeZone')").fetchall() == [("UTC",)]
        assert c.sql("SELECT TIMESTAMPTZ '2024-01-01 12:00:00+00'::VARCHAR").fetchall() == [
            ("2024-01-01 12:00:00+00",)
        ]


def test_reads_in_threads_each_see_their_own_rows() -> None:
    errors: list[BaseException] = []

    def read(k: int) -> None:
        try:
            for i in range(20):
                with memory_connection() as con:
                    con.execute(f"CREATE TEMP TABLE r AS SELECT range AS x FROM range({k * 1000 + i})")
                    assert con.sql("SELECT count(*) FROM r").fetchall() == [(k * 1000 + i,)]
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=read, args=(k,)) for k in range(1, 5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_the_memory_of_a_read_is_given_back_when_it_closes() -> None:
    def used(con: duckdb.DuckDBPyConnection) -> int:
        return int(con.sql("SELECT sum(memory_usage_bytes) FROM duckdb_memory()").fetchall()[0][0])

    with memory_connection() as probe:
        before = used(probe)
        with memory_connection() as con:
            con.execute("CREATE TEMP TABLE big AS SELECT range AS x, range::VARCHAR AS s FROM range(2000000)")
            held = used(probe)
        after = used(probe)
    assert held - before > 20_000_000  # the table is measured
    assert after - before < 2_000_000


def test_a_forked_process_gets_a_database_of_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    memory_connection().close()
    parents = memdb._db
    monkeypatch.setattr(memdb.os, "getpid", lambda: -1)
    with memory_connection() as con:
        assert con.sql("SELECT 1").fetchall() == [(1,)]
    assert memdb._db is not parents and memdb._db is not None



def test_a_large_read_gets_a_database_of_its_own() -> None:
    """Above SHARED_MAX bytes a read's connection is to a database of its own, closed with it:
    dropped tables' pages would otherwise stay resident under the work that follows (X's
    200,000-tweet archive peaked ~40 MB higher in benchmarks/ingest_x.py on the shared one)."""
    with memory_connection() as small, memory_connection(memdb.SHARED_MAX) as edge:
        small.execute("CREATE TABLE main.shared_probe AS SELECT 1 AS x")
        try:
            assert edge.sql("SELECT x FROM main.shared_probe").fetchall() == [(1,)]
            with memory_connection(memdb.SHARED_MAX + 1) as large:
                with pytest.raises(duckdb.CatalogException):
                    large.sql("SELECT x FROM main.shared_probe").fetchall()
                assert large.sql("SELECT current_setting('TimeZone')").fetchall() == [("UTC",)]
                assert large.sql("SELECT current_setting('enable_progress_bar')").fetchall() == [
                    (False,)
                ]
        finally:
            small.execute("DROP TABLE main.shared_probe")
