"""``engage query`` / ``engage tables`` and ``Engine.query`` / ``tables``: read-only SQL."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest
from cli_run import run

import engagecore
from engagecore import schema
from engagecore.errors import StoreError, UsageError

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def _built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sql")
    path = folder / "s.duckdb"
    csv = folder / "p.csv"
    csv.write_text(
        "network,account,museum,post_id,posted_at,kind,likes,followers\n"
        "x,louvre_x,Louvre,1,2024-01-01T10:00:00Z,photo,10,1000\n"
        "x,louvre_x,Louvre,2,2024-02-01T10:00:00Z,photo,20,\n"
        "x,orsay_x,Orsay,3,2024-02-01T10:00:00Z,video,5,500\n",
        encoding="utf-8",
    )
    with engagecore.open(path) as eng:
        eng.ingest([csv], network="spreadsheet")
    return path


@pytest.fixture
def db(_built: Path, tmp_path: Path) -> Path:
    """A store of three posts, a copy per test; tmp_path also holds p.csv."""
    path = tmp_path / "s.duckdb"
    shutil.copyfile(_built, path)
    shutil.copyfile(_built.parent / "p.csv", tmp_path / "p.csv")
    return path


def test_query_reads_and_formats(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sql = "SELECT account_id, count(*) AS n, sum(likes) AS likes FROM posts GROUP BY ALL ORDER BY 1"
    code, out, _ = run(["query", sql, "--db", str(db), "--format", "json"], capsys)
    assert code == 0
    assert json.loads(out) == [
        {"account_id": "louvre_x", "n": 2, "likes": 30},
        {"account_id": "orsay_x", "n": 1, "likes": 5},
    ]
    code, out, _ = run(
        ["query", "FROM accounts SELECT museum ORDER BY 1", "--db", str(db), "--format", "csv"],
        capsys,
    )
    assert code == 0 and out.split() == ["museum", "louvre", "orsay"]
    code, out, _ = run(
        [
            "query",
            "SELECT 1.5 AS x, sum(likes) * 10 ** 0 AS y FROM posts",
            "--db",
            str(db),
            "-f",
            "json",
        ],
        capsys,
    )
    assert code == 0 and json.loads(out) == [{"x": 1.5, "y": 35.0}]
    code, out, _ = run(["query", "DESCRIBE posts", "--db", str(db), "--format", "csv"], capsys)
    assert code == 0 and "followers_at_post,BIGINT" in out
    with engagecore.open(db) as eng:
        frame = eng.query("SELECT sum(followers_at_post) AS f FROM posts")
        assert isinstance(frame, pl.DataFrame) and frame["f"][0] == 2500
        # the engine works on after the query (its connection was reopened)
        assert eng.museums.resolve("Louvre") == "louvre"
        assert eng.query("PRAGMA table_info('imports')")["name"][0] == "import_id"


WRITES = [
    ("INSERT INTO museums VALUES ('x', 'X', NULL, NULL, NULL, NULL, now())", "INSERT"),
    ("UPDATE posts SET likes = 0", "UPDATE"),
    ("DELETE FROM posts", "DELETE"),
    ("DROP TABLE posts", "DROP"),
    ("ALTER TABLE posts ADD COLUMN z INT", "ALTER"),
    ("CREATE TEMP TABLE t AS SELECT 1", "CREATE"),
    ("CREATE MACRO m(a) AS a", "CREATE"),
    ("ATTACH '{tmp}/other.duckdb' AS other", "ATTACH"),
    ("COPY posts TO '{tmp}/out.csv'", "COPY"),
    ("EXPORT DATABASE '{tmp}/exported'", "EXPORT"),
    ("INSTALL httpfs", "LOAD"),  # DuckDB files INSTALL under LOAD statements
    ("LOAD httpfs", "LOAD"),
    ("SET enable_external_access = true", "SET"),
    ("RESET lock_configuration", "SET"),
    ("BEGIN TRANSACTION", "TRANSACTION"),
    ("SELECT 1; DROP TABLE posts", "2 statements"),
    # reading statements that would reach outside the store: refused by the connection
    ("SELECT * FROM read_csv('{tmp}/p.csv')", "reads the store's tables only"),
    ("SELECT * FROM glob('{tmp}/*')", "reads the store's tables only"),
    ("SELECT nextval('account_key_seq')", "read-only"),
    ("PRAGMA enable_profiling", "configuration has been locked"),
    ("PRAGMA memory_limit = '1GB'", "SET statements are refused"),
    ("CALL enable_logging()", "configuration has been locked"),
    ("", "query: empty"),
]


@pytest.mark.parametrize(("sql", "message"), WRITES)
def test_writes_and_escapes_are_refused_and_change_nothing(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], sql: str, message: str
) -> None:
    sql = sql.format(tmp=tmp_path)
    with engagecore.open(db) as eng:
        before = eng.store.table_digest()
    files = set(tmp_path.iterdir())
    code, out, err = run(["query", sql, "--db", str(db)], capsys)
    assert code == 2 and out == ""
    assert err.startswith("engage: error: query") and err.count("\n") == 1
    assert message.lower() in err.lower()
    with engagecore.open(db) as eng:
        with pytest.raises(UsageError, match=re.escape(message[:20])):
            eng.query(sql)
        assert eng.store.table_digest() == before
        assert eng.query("SELECT count(*) AS n FROM posts")["n"][0] == 3
    assert set(tmp_path.iterdir()) == files  # no file written (COPY, EXPORT, ATTACH)


def test_query_needs_an_existing_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["query", "SELECT 1", "--db", str(tmp_path / "none.duckdb")], capsys)
    assert code == 1 and "no such store" in err
    assert not (tmp_path / "none.duckdb").exists()
    with pytest.raises(StoreError, match="no such store"):
        engagecore.sql.query(tmp_path / "none.duckdb", "SELECT 1")


def test_tables_lists_every_public_table(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["tables", "--db", str(db), "--format", "json"], capsys)
    assert code == 0
    rows = {r["table"]: r for r in json.loads(out)}
    assert list(rows) == list(schema.DATA_TABLES)
    assert rows["posts"]["rows"] == 3 and rows["accounts"]["rows"] == 2
    assert rows["follower_snapshots"]["rows"] == 2
    assert rows["posts"]["columns"][:3] == ["network", "post_id", "account_id"]
    assert "followers_at_post" in rows["posts"]["columns"]
    with engagecore.open(db) as eng:
        assert eng.tables()["table"].to_list() == list(schema.DATA_TABLES)


def _sections(doc: str) -> dict[str, str]:
    """The body of each ``### `table``` section of docs/model.md."""
    parts = re.split(r"^### `(\w+)`.*$", doc, flags=re.M)
    return {
        name: body.split("\n## ")[0] for name, body in zip(parts[1::2], parts[2::2], strict=True)
    }


def test_docs_model_names_every_column_of_every_public_table(tmp_path: Path) -> None:
    """docs/model.md is the public schema: it cannot drift from the store."""
    sections = _sections((ROOT / "docs" / "model.md").read_text(encoding="utf-8"))
    with engagecore.open(tmp_path / "fresh.duckdb") as eng:
        tables = eng.tables()
    assert set(sections) == set(tables["table"])
    for table, columns in tables.select("table", "columns").iter_rows():
        named = re.findall(r"`(\w+)`", sections[table])
        missing = [c for c in columns if c not in named]
        assert not missing, f"docs/model.md: table {table} does not name {missing}"
        # and no row of its column table names a column the store lacks
        rows = re.findall(r"^\| `(\w+)` \|", sections[table], flags=re.M)
        assert set(rows) <= set(columns), (
            f"docs/model.md: {table} documents {set(rows) - set(columns)}"
        )


def test_a_locked_read_only_connection_is_what_duckdb_gives(db: Path) -> None:
    """The guarantees come from DuckDB, not only from our statement check."""
    with engagecore.sql.read_only_connection(db) as con:
        with pytest.raises(duckdb.Error):
            con.execute("INSERT INTO imports SELECT * FROM imports")
        with pytest.raises(duckdb.Error):
            con.execute("SET enable_external_access = true")
