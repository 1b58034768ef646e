"""Nothing changes in a store, or in a link, without the user seeing it: a first `engage
ingest` that fails, or a dry run, leaves no store behind (an existing store is never
removed); `engage museums link` moving an account from another museum says so."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from cli_run import run

FIXTURES = Path(__file__).parent / "fixtures" / "tiktok" / "studio_totals"


Engage = Callable[..., tuple[int, str]]


@pytest.fixture
def _run(capsys: pytest.CaptureFixture[str]) -> Engage:
    def invoke(*args: str) -> tuple[int, str]:
        code, out, err = run(list(args), capsys)
        return code, out + err

    return invoke


def _bad(tmp_path: Path) -> Path:
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    return bad


def test_failed_first_ingest_creates_no_store(tmp_path: Path, _run: Engage) -> None:
    db = tmp_path / "new.duckdb"
    code, output = _run("ingest", str(_bad(tmp_path)), "--db", str(db))
    assert code != 0
    assert "bad.csv" in output
    assert not db.exists()
    assert not (tmp_path / "new.duckdb.wal").exists()


def test_dry_run_creates_no_store(tmp_path: Path, _run: Engage) -> None:
    db = tmp_path / "dry.duckdb"
    code, output = _run("ingest", str(FIXTURES), "--db", str(db), "--dry-run")
    assert code == 0, output
    assert not db.exists()


def test_failed_ingest_keeps_an_existing_store(tmp_path: Path, _run: Engage) -> None:
    db = tmp_path / "kept.duckdb"
    code, output = _run("ingest", str(FIXTURES), "--db", str(db))
    assert code == 0, output
    before = db.read_bytes()
    code, _ = _run("ingest", str(_bad(tmp_path)), "--db", str(db))
    assert code != 0
    assert db.exists()
    assert db.read_bytes() == before
    code, output = _run("ingest", str(FIXTURES), "--db", str(db), "--dry-run")
    assert code == 0, output
    assert db.exists()


def test_museums_link_says_when_it_moves_an_account(tmp_path: Path, _run: Engage) -> None:
    db = str(tmp_path / "m.duckdb")
    for name, slug in (("Musée du Louvre", "louvre"), ("Musée fictif", "fictif")):
        code, output = _run("museums", "add", name, "--slug", slug, "--db", db)
        assert code == 0, output
    link = ("museums", "link", "--network", "instagram", "--handle", "@museedulouvre")
    code, output = _run(*link[:2], "louvre", *link[2:], "--db", db)
    assert code == 0 and "→ louvre" in output and "moved" not in output
    code, output = _run(*link[:2], "fictif", *link[2:], "--db", db)
    assert code == 0 and "→ fictif (moved from louvre)" in output
    code, output = _run(*link[:2], "fictif", *link[2:], "--db", db)  # again: nothing moves
    assert code == 0 and "moved" not in output
