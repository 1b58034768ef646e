"""QA as a museum's community manager in the first hour (h10): a fresh store, the README's
first commands, the registry and the real export samples, at 80 columns."""

from __future__ import annotations

import json
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


def test_adding_a_museum_the_store_knows_names_it_instead_of_adding_a_twin(
    louvre_only: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # `engage museums add "Musée du Louvre"` added louvre-2 beside louvre: a twin whose
    # accounts and figures would be split from the Louvre's
    from built_once import copy_of

    db = str(copy_of(louvre_only, tmp_path / "store.duckdb"))
    code, out, err = run(["museums", "add", "Musée du Louvre", "--db", db], capsys)
    assert code == 2 and out == ""
    (line,) = err.splitlines()
    assert "'Musée du Louvre' is already in the store: louvre (" in line, line
    # the README's example, a slug that exists: how to find it by the new name instead
    code, _, err = run(["museums", "add", "Le Louvre", "--slug", "louvre", "--db", db], capsys)
    assert code == 2 and "`engage museums alias louvre 'Le Louvre'`" in err, err
    # another museum of that name (the store's louvre has no city: --slug says it is another)
    args = ["museums", "add", "Musée du Louvre", "--slug", "louvre-lens", "--city", "Lens"]
    code, out, err = run([*args, "--db", db], capsys)
    assert code == 0 and out.strip() == "louvre-lens", err
    code, out, err = run(["museums", "add", "Fondation Louis Vuitton", "--db", db], capsys)
    assert code == 0 and out.strip() == "fondation-louis-vuitton", err


def test_a_download_without_counts_says_what_to_import(
    shared_data: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Instagram's "Download your information" posts file has no likes or comments: the score
    # said "no counts: no interaction counts in this export", and nothing of what to do
    db = str(tmp_path / "store.duckdb")
    posts = shared_data / "real" / "instagram-posts_1.json"
    code, _, err = run(["ingest", str(posts), "--account", "museelouvre", "--db", db], capsys)
    assert code == 0, err
    monkeypatch.setenv("COLUMNS", "80")
    code, out, err = run(["score", "--db", db], capsys)
    assert code == 0, err
    flat = " ".join(out.split())
    assert "no counts: no interaction counts in this export" in flat
    assert "or `engage fetch`" in flat
    # its newest post, read at its own time, is not "too young ... refresh or score later":
    # it has no counts, and a refresh gives it none
    assert "too young" not in flat
    code, out, err = run(["score", "--db", db, "--format", "json"], capsys)
    (row,) = [r for r in json.loads(out) if r["network"] == "instagram"]
    assert row["posts_too_young"] == 0 and "too young" not in row["reason"], row["reason"]


def test_followers_list_shows_the_counts_first(
    louvre_only: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # at 80 columns, with a YouTube channel id, it showed network, museum, account and
    # account_id — and left out the followers, their date and source (here at 60 columns)
    from built_once import copy_of

    db = str(copy_of(louvre_only, tmp_path / "store.duckdb"))
    for count, date in (("12500", "2025-01-31"), ("12800", "2025-03-31")):
        args = ["followers", "add", "instagram", "museelouvre", count, "--date", date]
        code, _, err = run([*args, "--db", db], capsys)
        assert code == 0, err
    monkeypatch.setenv("COLUMNS", "60")
    code, out, err = run(["followers", "list", "--db", db], capsys)
    assert code == 0, err
    assert {"followers", "observed_at"} <= set(out.split()), out
    assert "2025-01-31" in out and "2025-03-31" in out


@pytest.mark.parametrize(
    "args",
    [
        ["score", "--museum", "Louvre museum"],
        ["young", "nowhere"],
        ["posts", "nowhere"],
        ["compare", "louvre", "nowhere"],
        ["report", "nowhere"],
        ["museums", "link", "nowhere", "--network", "x", "--handle", "h"],
    ],
    ids=lambda a: a[0],
)
def test_an_unknown_museum_is_a_usage_error(
    args: list[str], louvre_only: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # docs/output.md: an unknown option, museum or network is exit 2 ("correct the command");
    # an unknown museum exited 1, "this run failed", as an unreadable file does
    code, out, err = run([*args, "--db", str(louvre_only)], capsys)
    assert code == 2 and out == "", err
    assert err.startswith("engage: error: no museum called") and err.count("\n") == 1, err
