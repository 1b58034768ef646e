"""A store with no posts: `engage adoption` and `engage young` printed a table with no row
(adoption with "no museum of the registry has a post in the store", whatever was missing).
Each command that reads the store says what is missing and what to do in one line on
stderr, prints no empty table at a terminal, and exits 0 as score does (a script reads the
csv's header, json's `[]`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from built_once import copy_of
from cli_run import run

from engagecore.api import Engine

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="module")
def empty(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with a museum and no posts."""
    db = tmp_path_factory.mktemp("empty") / "store.duckdb"
    with Engine(db) as eng:
        eng.museums.add("Musée Oberlin", slug="oberlin", city="Waldersbach")
    return db


@pytest.fixture(scope="module")
def unlinked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with posts whose accounts are linked to no museum."""
    db = tmp_path_factory.mktemp("unlinked") / "store.duckdb"
    with Engine(db) as eng:
        eng.ingest([FIXTURES / "spreadsheet"])
        eng.store.con.execute("UPDATE accounts SET museum = NULL")
    return db


#: What each command that reads posts says on a store without any (growth reads followers).
SAID = {
    "score": "the store has no posts: import some with `engage ingest`",
    "young": "the store has no posts: import some with `engage ingest`",
    "adoption": "the store has no posts: import some with `engage ingest`",
    # these said "a post needs 10 earlier posts…", "too few rated posts", "nothing flagged"
    "posts": "the store has no posts: import some with `engage ingest`",
    "themes": "the store has no posts: import some with `engage ingest`",
    "risks": "the store has no posts: import some with `engage ingest`",
    "growth": "no follower snapshot: import exports that carry follower counts, or `engage",
}


@pytest.mark.parametrize("command", list(SAID))
def test_an_empty_store_says_what_to_do_and_prints_no_empty_table(
    command: str, empty: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run([command, "--db", str(empty)], capsys)
    assert code == 0, err
    assert out == ""
    (line,) = err.strip().splitlines()
    assert SAID[command] in line, line
    for fmt, nothing in (("csv", 1), ("json", 0)):
        code, out, err = run([command, "--db", str(empty), "--format", fmt], capsys)
        assert code == 0 and SAID[command] in err
        if fmt == "csv":
            assert len(out.strip().splitlines()) == nothing  # the header
        else:
            assert json.loads(out) == []


@pytest.mark.parametrize(
    ("args", "said"),
    [
        ([], "no account is linked to a museum: link one with `engage museums link"),
        (["--network", "tiktok"], "no museum has an account on tiktok"),
    ],
)
def test_adoption_says_which_is_missing(
    args: list[str],
    said: str,
    unlinked: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db = copy_of(unlinked, tmp_path / "store.duckdb")
    if args:  # a linked account, on another network than the one asked
        with Engine(db) as eng:
            eng.link("louvre", "instagram", "museelouvre")
    code, out, err = run(["adoption", *args, "--db", str(db)], capsys)
    assert code == 0, err
    assert out == ""
    (line,) = err.strip().splitlines()
    assert said in line, line
