"""Read-only SQL on a store, for people who know SQL (``engage query``, ``engage tables``).

A query runs on its own DuckDB connection to the store file, opened so that nothing can change
the store or reach beyond it:

- ``read_only``: no INSERT, UPDATE, DELETE, CREATE, DROP, ALTER of the store's tables (DuckDB
  refuses them, and so do we before it is asked);
- ``enable_external_access = false``: no file outside the store is read or written — no
  ``read_csv('/etc/passwd')``, ``glob``, ``COPY … TO``, ``EXPORT DATABASE``, ``ATTACH``,
  ``INSTALL`` or ``LOAD``;
- ``autoinstall/autoload_known_extensions = false`` and ``lock_configuration = true``: no
  ``SET``/``RESET``/``PRAGMA x = y`` can lift the restrictions afterwards.

On top of that, the text must be ONE statement of a reading kind (``SELECT`` — with ``FROM``-
first, ``WITH``, ``VALUES``, ``SHOW``, ``DESCRIBE``, ``SUMMARIZE`` —, ``EXPLAIN``, ``PRAGMA``
or ``CALL`` of a table function such as ``pragma_table_info``); anything else is refused with a
one-line error before it reaches DuckDB. Temporary tables and macros are not allowed either
(``CREATE`` is not a reading statement).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import polars as pl

from engagecore import limits, schema, store
from engagecore.errors import StoreError, UsageError

#: Kinds of statement ``engage query`` runs (DuckDB's StatementType names).
READING_STATEMENTS = frozenset({"SELECT", "EXPLAIN", "PRAGMA", "CALL"})

#: The settings of a query connection, locked once set.
RESTRICTED_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "lock_configuration": True,
}

#: The public tables (docs/model.md documents each column): every data table of the store.
PUBLIC_TABLES = schema.DATA_TABLES


@contextmanager
def read_only_connection(path: str | Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A restricted, read-only connection to the store at ``path`` (see the module doc)."""
    path = Path(path)
    if not path.is_file():
        raise StoreError(f"{path}: no such store; run `engage ingest` or `engage demo`")
    # waits for a writer as every command does (``--wait``), then says the store is busy
    con = store.connect(path, True, limits.current().wait_seconds(), RESTRICTED_CONFIG)
    try:
        yield con
    finally:
        con.close()


def check_statement(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Refuse (one line) anything but one reading statement."""
    if not sql.strip():
        raise UsageError("query: empty; expected one SELECT statement")
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as exc:
        raise UsageError(f"query: {_one_line(exc)}") from None
    if len(statements) != 1:
        raise UsageError(
            f"query: {len(statements)} statements; `engage query` runs one statement at a time"
        )
    kind = statements[0].type.name
    if kind not in READING_STATEMENTS:
        raise UsageError(
            f"query: {kind} statements are refused; `engage query` is read-only "
            "(SELECT, EXPLAIN, PRAGMA, CALL)"
        )


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def run(con: duckdb.DuckDBPyConnection, sql: str) -> pl.DataFrame:
    """One reading statement's result as a polars frame (an empty frame when it has none)."""
    check_statement(con, sql)
    try:
        rel = con.sql(sql)
        return _plain_numbers(rel.pl()) if rel is not None else pl.DataFrame()
    except duckdb.PermissionException as exc:
        raise UsageError(
            f"query: refused, a query reads the store's tables only: {_one_line(exc)}"
        ) from None
    except duckdb.Error as exc:
        raise UsageError(f"query: {_one_line(exc)}") from None


def _plain_numbers(df: pl.DataFrame) -> pl.DataFrame:
    """Decimals as plain numbers, so that JSON and CSV show numbers: whole ones (DuckDB's
    ``sum`` of integers is a HUGEINT, which arrives as a DECIMAL(38, 0)) as Int64 when they
    fit, the others (a literal such as ``1.5``; the store has no DECIMAL column) as Float64."""
    for name, dtype in df.schema.items():
        if not isinstance(dtype, pl.Decimal):
            continue
        if dtype.scale == 0:
            try:
                df = df.with_columns(pl.col(name).cast(pl.Int64, strict=True))
                continue
            except pl.exceptions.InvalidOperationError:
                pass
        df = df.with_columns(pl.col(name).cast(pl.Float64))
    return df


def query(path: str | Path, sql: str) -> pl.DataFrame:
    """Run ``sql`` on the store at ``path`` through a restricted read-only connection."""
    with read_only_connection(path) as con:
        return run(con, sql)


def tables_of(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The public tables present in the store: name, row count, column names (their types:
    ``DESCRIBE table``)."""
    cols = con.sql(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'main' ORDER BY table_name, ordinal_position"
    ).fetchall()
    by_table: dict[str, list[str]] = {}
    for table, column in cols:
        by_table.setdefault(table, []).append(column)
    rows = []
    for table in PUBLIC_TABLES:
        if table not in by_table:
            continue
        count = con.sql(f"SELECT count(*) FROM {table}").fetchall()[0][0]
        rows.append({"table": table, "rows": int(count), "columns": by_table[table]})
    return pl.DataFrame(
        rows, schema={"table": pl.Utf8, "rows": pl.Int64, "columns": pl.List(pl.Utf8)}
    )


def tables(path: str | Path) -> pl.DataFrame:
    """:func:`tables_of` the store at ``path``, through a restricted read-only connection."""
    with read_only_connection(path) as con:
        return tables_of(con)
