"""Tables at 80 columns keep what a reader needs first: ``engage posts`` kept the post's kind
and left out its date; the ingest summary wrapped its status "skipped (already imported)" on
two lines (now "already imported", never wrapped) and left out the accounts each file held
before the importer's name."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from built_once import demo_build
from cli_run import run

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _not_shown(out: str) -> list[str]:
    flat = " ".join(out.split())
    found = re.search(r"not shown: (.*?) — --format", flat)
    return [] if found is None else found.group(1).split(", ")


def _header(out: str, title: str) -> list[str]:
    """The words of the table's header (the lines between its title and its rule)."""
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip() == title)
    end = next(i for i in range(at, len(lines)) if lines[i].startswith("─"))
    return " ".join(lines[at + 1 : end]).split()


def _shown(out: str, title: str, column: str) -> bool:
    """A column in the table, or in the caption as the value every row shares."""
    return column in _header(out, title) or re.search(rf"\b{column}: ", out) is not None


@pytest.mark.parametrize(
    "args",
    [
        ["posts", "--top", "5"],
        ["posts", "louvre", "--top", "5"],
        ["posts", "--top", "5", "--network", "instagram"],
        ["posts", "--top", "5", "--breakouts"],
    ],
)
@pytest.mark.parametrize("width", [80, 60])
def test_posts_keep_the_date_before_the_kind(
    args: list[str],
    width: int,
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db = demo_build(tmp_path_factory, museums=12, seed=0).db
    monkeypatch.setenv("COLUMNS", str(width))
    code, out, err = run([*args, "--db", str(db)], capsys)
    assert code == 0, err
    title = "breakouts" if "--breakouts" in args else "top posts"
    # the kind is left out first (a kind every row shares is said under the table)
    assert "posted_at" not in _not_shown(out) or "kind" not in _header(out, title), out
    if width == 80:
        assert _shown(out, title, "posted_at"), out


def test_ingest_summary_at_80_columns_keeps_the_status_on_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    deep = tmp_path / "exports" / "2024" / "reseaux-sociaux" / "musee-des-beaux-arts-de-bordeaux"
    deep.mkdir(parents=True)
    shutil.copy(FIXTURES / "spreadsheet" / "posts.csv", deep / "publications_2024_semestre1.csv")
    db = str(tmp_path / "a.duckdb")
    archive = str(FIXTURES / "x" / "archive")
    code, _, err = run(["ingest", archive, "--db", db], capsys)
    assert code == 0, err
    monkeypatch.setenv("COLUMNS", "80")
    paths = [str(tmp_path / "exports"), str(FIXTURES / "instagram" / "dyi_2025"), archive]
    code, out, err = run(["ingest", *paths, "--db", db], capsys)
    assert code == 0, err
    assert {"path", "status", "posts", "network"} <= set(_header(out, "imported")), out
    # then the accounts, before the importer and the other counts
    left_out = _not_shown(out)
    assert "accounts" not in left_out or {"importer", "follower_snapshots"} <= set(left_out)
    row = next(line for line in out.splitlines() if "archive" in line)
    assert "already imported" in row, out  # the status on its line, whole
    assert re.search(r"\bimported\s+\d", out), out  # a file imported, with its counts
