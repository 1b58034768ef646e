"""The caption naming the columns a table left out never wraps mid-phrase: at 80 columns
``engage score`` printed "not shown: posts, basis, young index, vs museums — --format
json|csv for every" and "column" on the next line. When it does not fit, the names come on one
line and the way to every column whole on the next."""

from __future__ import annotations

from pathlib import Path

import pytest
from built_once import copy_of, demo_build
from cli_run import run

from engagecore.cli.output import LEAVE_OUT, left_out_lines


def test_left_out_lines_fit_or_break_before_the_hint() -> None:
    assert left_out_lines(["posts"], 80) == [f"not shown: posts — {LEAVE_OUT}"]
    names = ["posts", "basis", "young index", "vs museums"]
    assert left_out_lines(names, 80) == [
        "not shown: posts, basis, young index, vs museums",
        f"  — {LEAVE_OUT}",
    ]
    assert len(left_out_lines(names, 100)) == 1


@pytest.mark.parametrize("command", [["score"], ["posts"]])
def test_at_80_columns_the_hint_is_whole_on_its_line(
    command: list[str],
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db = copy_of(demo_build(tmp_path_factory, museums=12, seed=0).db, tmp_path / "d.duckdb")
    monkeypatch.setenv("COLUMNS", "80")
    code, out, err = run([*command, "--db", str(db)], capsys)
    assert code == 0, err
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("not shown: "))
    caption = lines[at : at + 4]
    # the names may take two lines (cut at a space); the hint is whole, on a line of its own
    hint = [line for line in caption if LEAVE_OUT in line]
    assert len(hint) == 1 and hint[0].rstrip().endswith(LEAVE_OUT), caption
    assert hint[0].startswith(("not shown: ", "  — ")), hint
    assert all(len(line.rstrip()) <= 80 for line in caption)
