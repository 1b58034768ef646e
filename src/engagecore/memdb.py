"""One in-memory DuckDB database per process, a connection of its own per read.

The readers query the files they are given with DuckDB (X's tweets files, Facebook's posts
pages, TikTok Studio's content table). A database of their own per file cost ~25 ms of CPU each
(DuckDB builds the catalog of its built-in functions per database), more than reading a small
file; a cursor on this process's database costs ~0.2 ms. What a read leaves stays its own: its
connection's settings are set per session (the time zone is UTC on every one), the tables it
makes are TEMP tables (seen by that connection only, dropped when it closes), and the
connection is closed after the read.

A large read gets a database of its own all the same (``size`` above :data:`SHARED_MAX`): when
its tables are dropped, DuckDB's allocator keeps their pages for a while, and on a shared
database they would stay resident under the work that follows (X's 200,000-tweet archive peaked
~40 MB higher in benchmarks/ingest_x.py); a database closed gives them back at once. Against
such a read, its ~25 ms are nothing.
"""

from __future__ import annotations

import os
import threading

import duckdb

_lock = threading.Lock()
_db: duckdb.DuckDBPyConnection | None = None
_pid = 0

#: The largest input (bytes) read on the shared database.
SHARED_MAX = 8 * 1024 * 1024


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


def connection(size: int = 0) -> duckdb.DuckDBPyConnection:
    """A connection of its own to the process's in-memory database, its time zone UTC: close
    it (or use it as ``with connection() as con:``), which drops its TEMP tables. Make tables
    TEMP: a plain table would be seen by every read of the process.

    ``size``: the bytes the read takes in (a file's size); above :data:`SHARED_MAX`, the
    connection is to a database of its own, closed with it."""
    if size > SHARED_MAX:
        con = duckdb.connect()
        con.execute("SET enable_progress_bar = false")
    else:
        con = _database()
    try:
        con.execute("SET SESSION TimeZone = 'UTC'")
    except BaseException:
        con.close()
        raise
    return con
