"""A new store file is created at the current schema in one script (schema.DDL_NEW); an existing
file is migrated. Both must end with the same catalog, so the script and the migrations cannot
drift apart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

from engagecore import schema
from engagecore.store import MIGRATIONS, Store

#: the catalog as DuckDB describes it: every table's statement, columns (position, type,
#: default, nullability), constraints, indexes and sequences; the store's own bookkeeping
#: (``schema_migrations``) included
_CATALOG = {
    "tables": "SELECT table_name, sql FROM duckdb_tables()",
    "columns": (
        "SELECT table_name, column_index, column_name, data_type, column_default, is_nullable, "
        "numeric_precision, numeric_scale FROM duckdb_columns()"
    ),
    "constraints": (
        "SELECT table_name, constraint_type, constraint_column_names, expression "
        "FROM duckdb_constraints()"
    ),
    "indexes": "SELECT table_name, index_name, is_unique, is_primary, sql FROM duckdb_indexes()",
    "sequences": (
        "SELECT sequence_name, start_value, min_value, max_value, increment_by, cycle, "
        "last_value, sql FROM duckdb_sequences()"
    ),
    "versions": "SELECT version FROM schema_migrations",
}


def catalog(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {what: sorted(con.execute(q).fetchall(), key=repr) for what, q in _CATALOG.items()}
    finally:
        con.close()


def version_1_file(path: Path) -> None:
    """A store file as engagecore's first schema version left it."""
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE schema_migrations "
        "(version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)"
    )
    for ddl in MIGRATIONS[1]:
        con.execute(ddl)
    con.execute("INSERT INTO schema_migrations VALUES (1, now())")
    con.close()


def test_a_new_store_and_a_migrated_one_have_the_same_catalog(tmp_path: Path) -> None:
    new, old = tmp_path / "new.duckdb", tmp_path / "old.duckdb"
    Store(new).close()
    version_1_file(old)
    Store(old).close()
    created, migrated = catalog(new), catalog(old)
    assert created == migrated
    # what is compared is the whole schema, not an empty list
    tables = {name for name, _ in created["tables"]}
    assert tables == {*schema.DATA_TABLES, "schema_migrations"}
    assert [c for c in created["columns"] if c[0] == "accounts" and c[2] == "account_key"] == [
        ("accounts", 6, "account_key", "INTEGER", "nextval('account_key_seq')", True, 32, 0)
    ]
    assert [name for name, *_ in created["sequences"]] == ["account_key_seq"]
    assert created["versions"] == [(v,) for v in range(1, schema.SCHEMA_VERSION + 1)]
    assert sorted(MIGRATIONS) == list(range(1, schema.SCHEMA_VERSION + 1))


def test_a_new_store_is_created_without_the_migrations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The new-file path runs DDL_NEW alone: with every migration made to fail, a new file is
    still created (and an existing version 1 file still fails to migrate)."""
    broken = {v: ("SELECT error('migration run')",) for v in MIGRATIONS}
    monkeypatch.setattr("engagecore.store.MIGRATIONS", broken)
    store = Store(tmp_path / "new.duckdb")
    assert store.schema_version == schema.SCHEMA_VERSION
    assert all(n == 0 for n in store.counts().values())
    store.close()
    version_1_file(tmp_path / "old.duckdb")
    with pytest.raises(duckdb.Error, match="migration run"):
        Store(tmp_path / "old.duckdb")


def test_an_interrupted_creation_leaves_a_file_created_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """All or nothing: a creation that fails half-way leaves no table, and the next open
    creates the store."""
    path = tmp_path / "s.duckdb"
    monkeypatch.setattr(schema, "DDL_NEW", (*schema.DDL_NEW[:3], "SELECT error('stopped')"))
    with pytest.raises(duckdb.Error, match="stopped"):
        Store(path)
    monkeypatch.undo()
    con = duckdb.connect(str(path))
    assert con.execute("SELECT count(*) FROM duckdb_tables()").fetchall() == [(0,)]
    con.close()
    store = Store(path)
    assert store.schema_version == schema.SCHEMA_VERSION
    store.close()


def test_a_foreign_file_sharing_a_table_name_is_refused_unchanged(tmp_path: Path) -> None:
    """A DuckDB file that is no store (no version recorded) but has a table the store would
    create: the open fails, and the file keeps only its own table."""
    path = tmp_path / "other.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE museums (id INTEGER)")
    con.close()
    with pytest.raises(duckdb.CatalogException, match="museums"):
        Store(path)
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute("SELECT table_name FROM duckdb_tables()").fetchall() == [("museums",)]
    con.close()
