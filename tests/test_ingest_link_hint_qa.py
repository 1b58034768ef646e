"""After a community manager's first ``engage ingest`` of their own export, the hint for an
account linked to no museum is a command they can run: it said ``engage museums link MUSEUM
--network NET --handle HANDLE`` (what are NET and HANDLE?), and in a new store, where no
museum exists yet, that command could only fail ("no museum called 'louvre'")."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from cli_run import run

import engagecore

FIXTURES = Path(__file__).resolve().parent / "fixtures"
YOUTUBE = FIXTURES / "youtube" / "table_data_engagement.csv"
CHANNEL = "UCabcdefghijklmnopqrstuv"


def _hint(err: str) -> list[str]:
    """The lines under "… linked to no museum: …", up to the next that is not indented; a
    command continued with a shell backslash on the next line is joined (as a shell does)."""
    lines = err.splitlines()
    at = next(i for i, line in enumerate(lines) if "linked to no museum" in line)
    hint: list[str] = []
    pending = ""
    for line in lines[at + 1 :]:
        if not line.startswith("  "):
            break
        assert len(line) <= 80, line  # each line fits the terminal
        if line.endswith("\\"):
            pending += line.strip()[:-1]
            continue
        hint.append((pending + line.strip()).strip())
        pending = ""
    return hint


def test_in_a_new_store_the_hint_adds_the_museum_then_links_the_account(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    db = str(tmp_path / "engage.duckdb")
    code, _, err = run(["ingest", str(YOUTUBE), "--account", CHANNEL, "--db", db], capsys)
    assert code == 0, err
    said, add, link = _hint(err)
    assert said == ("no museum in the store yet: add yours, then link the account to its slug:"), (
        err
    )
    assert add == 'engage museums add "Musée …"', err
    assert link == f"engage museums link MUSEUM --network youtube --handle {CHANNEL}", err
    # the two commands run as printed (MUSEUM: the slug `museums add` prints)
    name = shlex.split(add)[3]
    code, out, err = run(["museums", "add", name, "--db", db], capsys)
    assert code == 0, err
    slug = out.strip()
    command = shlex.split(link.replace("MUSEUM", slug))
    code, _, err = run([*command[1:], "--db", db], capsys)
    assert code == 0, err
    with engagecore.open(db, read_only=True) as eng:
        assert eng.accounts().filter(museum=slug).height == 1


def test_with_museums_in_the_store_the_hint_names_the_account(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    db = str(tmp_path / "engage.duckdb")
    code, _, err = run(["ingest", str(FIXTURES / "x" / "archive"), "--db", db], capsys)
    assert code == 0, err
    code, _, err = run(["ingest", str(YOUTUBE), "--account", CHANNEL, "--db", db], capsys)
    assert code == 0, err
    assert _hint(err) == [
        "link it with:",
        f"engage museums link MUSEUM --network youtube --handle {CHANNEL}",
    ], err
