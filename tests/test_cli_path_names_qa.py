"""A file's name in the ingest and import-registry summaries gets the room the terminal has:
the name was cut to 40 characters whatever the width ("…te-et-localisation-des-musees-de-
france.csv" at 100 columns, beside a reader's name). Its end (a date, a part number: what
tells one export from the next) is always kept; at 80 columns the table still never wraps."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from cli_run import run
from rich.cells import cell_len

FIXTURES = Path(__file__).resolve().parent / "fixtures"
POSTS = "publications-musee-des-beaux-arts-de-bordeaux_2024-06-30.csv"  # 60 characters
REGISTRY = "liste-et-localisation-des-musees-de-france_2024-06-30.csv"  # 57 characters


def _table_row(out: str, end: str) -> str:
    """The table's line of the file whose name ends with ``end``."""
    rows = [line for line in out.splitlines() if end in line]
    assert len(rows) == 1, out
    return rows[0]


def _shown_name(row: str) -> str:
    """The path cell (the row's first column) without the ``…/`` or ``…`` of a cut."""
    cell = row.split("  ")[0].strip()
    return cell.rsplit("/", 1)[-1].lstrip("…")


def _run(
    args: list[str],
    width: int,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> str:
    monkeypatch.setenv("COLUMNS", str(width))
    code, out, err = run(args, capsys)
    assert code == 0, err
    return out + err


def _least(name: str, width: int) -> int:
    """Characters of the name shown at least: half the width, less the ``…`` of a cut."""
    return min(len(name), width // 2 - 1)


def _check(out: str, name: str, width: int) -> str:
    row = _table_row(out, name[-14:])  # the date and the extension: always there
    table = out[: out.index(row) + len(row)].splitlines()
    assert max(cell_len(line) for line in table) <= width, out  # never wider: never wraps
    shown = _shown_name(row)
    assert name.endswith(shown), (shown, name)  # a cut keeps the end of the name
    return shown


@pytest.mark.parametrize("width", [80, 100, 160])
def test_ingest_summary_shows_more_of_a_long_file_name_when_wider(
    width: int,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = tmp_path / "exports" / "reseaux-sociaux"
    folder.mkdir(parents=True)
    shutil.copy(FIXTURES / "spreadsheet" / "posts.csv", folder / POSTS)
    db = str(tmp_path / "s.duckdb")
    out = _run(["ingest", str(folder / POSTS), "--db", db], width, capsys, monkeypatch)
    assert len(_check(out, POSTS, width)) >= _least(POSTS, width), out


@pytest.mark.parametrize("width", [80, 100, 160])
def test_import_registry_summary_shows_more_of_a_long_file_name_when_wider(
    width: int,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = tmp_path / "registre" / "ministere-de-la-culture"
    folder.mkdir(parents=True)
    shutil.copy(FIXTURES / "registry" / "located.csv", folder / REGISTRY)
    db = str(tmp_path / "s.duckdb")
    args = ["museums", "import-registry", str(folder / REGISTRY), "--db", db]
    out = _run(args, width, capsys, monkeypatch)
    assert len(_check(out, REGISTRY, width)) >= _least(REGISTRY, width), out
