"""QA as a museum's community manager in the first hour (h10): a fresh store, the README's
first commands, the registry and the real export samples, at 80 columns."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from cli_run import run

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def test_import_registry_shows_what_it_added_at_80_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # the located list's long name and reader took the room: "added" and "updated" were the
    # columns left out, the figures a person importing the registry wants to read
    reg = tmp_path / "liste-et-localisation-des-musees-de-france.csv"
    shutil.copy(FIXTURES / "registry" / "located.csv", reg)
    monkeypatch.setenv("COLUMNS", "80")
    code, out, err = run(
        ["museums", "import-registry", str(reg), "--db", str(tmp_path / "s.duckdb")], capsys
    )
    assert code == 0, err
    header = out.splitlines()[1].split()
    assert header[:1] == ["file"] and {"museums", "added", "updated"} <= set(header), out


@pytest.fixture(scope="module")
def louvre_only(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with the Louvre's posts (linked) and a museum without any account."""
    from engagecore.api import Engine

    db = tmp_path_factory.mktemp("first-hour") / "store.duckdb"
    with Engine(db) as eng:
        eng.ingest([FIXTURES / "spreadsheet"])
        eng.museums.add("Musée Oberlin", slug="oberlin", city="Waldersbach")
    return db


def test_compare_with_a_museum_without_account_says_how_to_link_it(
    louvre_only: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # was "no score for museum(s) oberlin: nothing to compare" — and nothing to do about it
    code, out, err = run(["compare", "louvre", "oberlin", "--db", str(louvre_only)], capsys)
    assert code == 2 and out == ""
    (line,) = err.splitlines()
    assert "oberlin has no linked account" in line
    assert "`engage museums link oberlin --network NET --handle H`" in line
