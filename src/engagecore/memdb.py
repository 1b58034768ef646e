"""One in-memory DuckDB database per process, a connection of its own per read.

The readers query the files they are given with DuckDB (X's tweets files, Facebook's posts
pages, TikTok Studio's content table). A database of their own per file cost ~25 ms of CPU each
(DuckDB builds the catalog of its built-in functions per database), more than reading a small
file; a cursor on this process's database costs ~0.2 ms. What a read leaves stays its own: its
connection's settings are set per session (the time zone is UTC on every one), the tables it
makes are TEMP tables (seen by that connection only, dropped when it closes), and the
connection is closed after the read.
"""

from __future__ import annotations

import os
import threading

import duckdb

_lock = threading.Lock()
_db: duckdb.DuckDBPyConnection | None = None
_pid = 0


def _database() -> duckdb.DuckDBPyConnection:
    """A new connection to the process's database, which is made at the first call (and again
    in a forked child: the parent's DuckDB threads are not there)."""
    global _db, _pid
    with _lock:
        if _db is None or _pid != os.getpid():
            db = duckdb.connect()
            # a GLOBAL setting (the same for every connection): never drawn on our output
            db.execute("SET enable_progress_bar = false")
            _db, _pid = db, os.getpid()
        return _db.cursor()


def connection() -> duckdb.DuckDBPyConnection:
    """A connection of its own to the process's in-memory database, its time zone UTC: close
    it (or use it as ``with connection() as con:``), which drops its TEMP tables. Make tables
    TEMP: a plain table would be seen by every read of the process."""
    con = _database()
    try:
        con.execute("SET SESSION TimeZone = 'UTC'")
    except BaseException:
        con.close()
        raise
    return con
