"""``engage museums links``: every museum ↔ account link exported (with who made it), and
hand-curated links imported from CSV, validated, all or nothing (issue 11 item 8)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import duckdb
import pytest
from cli_run import run

import engagecore
from engagecore import schema
from engagecore.store import Store

X_API = Path(__file__).resolve().parent / "fixtures" / "x" / "api"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "links.duckdb"
    with engagecore.open(path) as eng:
        eng.museums.add("Musée du Louvre", slug="louvre", city="Paris", museofile_id="M5004")
        eng.museums.add("Musée d'Orsay", slug="orsay", city="Paris", museofile_id="M5010")
        eng.museums.add("Centre Pompidou", slug="pompidou", aliases=["Beaubourg"])
        eng.link("louvre", "x", "@MuseeLouvre")
    return path


def _accounts(path: Path) -> list[tuple[str, str, str | None, str | None]]:
    store = Store(path, read_only=True)
    try:
        return [
            tuple(r)  # type: ignore[misc]
            for r in store.fetchall(
                "SELECT network, account_id, museum, linked_by FROM accounts ORDER BY ALL"
            )
        ]
    finally:
        store.close()


def _digest(path: Path) -> dict[str, str]:
    store = Store(path, read_only=True)
    try:
        return store.table_digest()
    finally:
        store.close()


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_export_lists_every_link_with_museum_museofile_and_origin(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with engagecore.open(db) as eng:
        eng.ingest([X_API / "user.json"], museum="orsay")
    code, out, err = run(["museums", "links", "--db", str(db), "--format", "csv"], capsys)
    assert code == 0, err
    rows = _csv(out)
    assert [tuple(r) for r in [rows[0].keys()]] == [
        ("museum", "museum_name", "museofile_id", "network", "handle", "account_id", "linked_by")
    ]
    assert [(r["museum"], r["museofile_id"], r["handle"], r["account_id"], r["linked_by"])
            for r in rows] == [
        ("louvre", "M5004", "MuseeLouvre", "MuseeLouvre", "user"),
        ("orsay", "M5010", "MuseeOrsay", "1318554661", "ingest"),
    ]  # fmt: skip
    assert rows[1]["museum_name"] == "Musée d'Orsay"
    code, out, _ = run(["museums", "links", "--db", str(db), "--format", "json"], capsys)
    assert [r["linked_by"] for r in json.loads(out)] == ["user", "ingest"]
    code, out, _ = run(["museums", "links", "--db", str(db)], capsys)
    assert code == 0 and "MuseeLouvre" in out and "louvre" in out


def test_export_csv_guards_formulas_and_import_reads_it_back(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with engagecore.open(db) as eng:
        eng.link("pompidou", "instagram", "=cmd")
    code, out, _ = run(["museums", "links", "--db", str(db), "--format", "csv"], capsys)
    assert "'=cmd" in out and ",=cmd" not in out
    # the exported file, loaded into a fresh store holding the same museums, gives the links
    fresh = tmp_path / "fresh.duckdb"
    with engagecore.open(fresh) as eng:
        eng.museums.add("Musée du Louvre", slug="louvre", museofile_id="M5004")
        eng.museums.add("Centre Pompidou", slug="pompidou")
    exported = tmp_path / "links.csv"
    exported.write_text(out, encoding="utf-8")
    code, out, err = run(["museums", "links", "import", str(exported), "--db", str(fresh)], capsys)
    assert code == 0, err
    assert _accounts(fresh) == [
        ("instagram", "=cmd", "pompidou", "import"),
        ("x", "MuseeLouvre", "louvre", "import"),
    ]


def test_import_links_by_name_alias_or_museofile_and_reports(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "curated.csv"
    f.write_text(
        "museum;museofile_id;network;handle\n"
        "Beaubourg;;x;@CentrePompidou\n"
        ";M5010;instagram;museeorsay\n"
        "louvre;;x;MuseeLouvre\n",  # already so: unchanged, still the user's link
        encoding="utf-8",
    )
    code, out, err = run(
        ["museums", "links", "import", str(f), "--db", str(db), "--format", "json"], capsys
    )
    assert code == 0, err
    assert json.loads(out) == [{"file": str(f), "rows": 3, "linked": 2, "unchanged": 1, "moved": 0}]
    assert _accounts(db) == [
        ("instagram", "museeorsay", "orsay", "import"),
        ("x", "CentrePompidou", "pompidou", "import"),
        ("x", "MuseeLouvre", "louvre", "user"),
    ]


def test_import_moves_an_account_linked_elsewhere_and_says_so(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "fix.csv"
    f.write_text("museum,network,handle\norsay,x,museelouvre\n", encoding="utf-8")
    code, _, err = run(["museums", "links", "import", str(f), "--db", str(db)], capsys)
    assert code == 0
    assert "moved x:museelouvre louvre → orsay" in err
    assert _accounts(db) == [("x", "MuseeLouvre", "orsay", "import")]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "museum,network,handle\nlouvre,x,a\nnowhere,x,b\n",
            "bad.csv, record line 3: no museum called 'nowhere'",
        ),
        (
            "museum,network,handle\nlouvre,x,a\norsay,myspace,b\n",
            "bad.csv, record line 3: network 'myspace' is not a registered network",
        ),
        (
            "museofile_id,network,handle\nM5004,x,a\nM9999,x,b\n",
            "bad.csv, record line 3: Muséofile id 'M9999': no museum of the store has it",
        ),
        ("museum,network,handle\nlouvre,x,\n", "bad.csv, record line 2: no handle nor account_id"),
        ("museum,handle\nlouvre,a\n", "bad.csv: header museum, handle; expected columns"),
        ("museum,network,handle\nlouvre,x,a,extra\n", "record line 2: 4 cells for 3 columns"),
        ("", "bad.csv: empty; expected a header"),
    ],
)
def test_bad_rows_are_one_line_errors_and_nothing_is_written(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str, message: str
) -> None:
    before = _digest(db)
    f = tmp_path / "bad.csv"
    f.write_text(body, encoding="utf-8")
    code, out, err = run(["museums", "links", "import", str(f), "--db", str(db)], capsys)
    assert code != 0 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1, err
    assert _digest(db) == before  # the valid rows before the bad one are not linked either


def test_a_link_made_by_hand_keeps_its_origin_when_the_real_account_arrives(db: Path) -> None:
    with engagecore.open(db) as eng:
        eng.link("orsay", "x", "MuseeOrsay")  # before the account's id is known
        eng.ingest([X_API / "user.json"])
    assert ("x", "1318554661", "orsay", "user") in _accounts(db)
    assert not [a for a in _accounts(db) if a[1] == "MuseeOrsay"]


def test_an_ingest_that_moves_an_account_takes_the_link_over(db: Path) -> None:
    with engagecore.open(db) as eng:
        eng.ingest([X_API / "user.json"])  # unattached (no museum of that name)
        eng.link("orsay", "x", "1318554661")
        eng.ingest([X_API / "tweets-page.json"], museum="pompidou")
    assert ("x", "1318554661", "pompidou", None) in _accounts(db)


def test_migration_to_v3_marks_earlier_hand_links_placeholders_as_user(tmp_path: Path) -> None:
    path = tmp_path / "v2.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ)"
    )
    for ddl in (*schema.DDL_V1, *schema.DDL_V2):
        con.execute(ddl)
    con.execute("INSERT INTO schema_migrations VALUES (1, now()), (2, now())")
    con.execute("INSERT INTO museums VALUES ('louvre', 'Louvre', NULL, NULL, 'FR', NULL, now())")
    # a `museums link` placeholder, accounts an ingest attached (an id, or a snapshot)
    cols = "INSERT INTO accounts (network, account_id, museum, handle) VALUES"
    con.execute(f"{cols} ('x', 'MuseeLouvre', 'louvre', 'MuseeLouvre')")
    con.execute(f"{cols} ('x', '42', 'louvre', 'louvre_x')")
    con.execute(f"{cols} ('x', 'snap', 'louvre', 'snap')")
    con.execute("INSERT INTO follower_snapshots VALUES ('x', 'snap', now(), 5, 1)")
    con.execute(f"{cols} ('x', 'free', NULL, 'free')")
    con.close()
    store = Store(path)
    assert store.schema_version == schema.SCHEMA_VERSION  # migrated to the latest
    store.close()
    assert _accounts(path) == [
        ("x", "42", "louvre", None),
        ("x", "MuseeLouvre", "louvre", "user"),
        ("x", "free", None, None),
        ("x", "snap", "louvre", None),
    ]
