"""``engage posts`` and ``engage risks`` print a post's caption once: the table showed its
excerpt and, beside it, the whole text again ("excerpt" then "text", the same words twice in
two narrow columns) whenever the terminal had room. The whole text stays in json and csv."""

from __future__ import annotations

import json
import re

import pytest
from built_once import demo_build
from cli_run import run


def _header_words(out: str, title: str) -> list[str]:
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip() == title)
    end = next(i for i in range(at, len(lines)) if lines[i].startswith("─"))
    return " ".join(lines[at + 1 : end]).split()


def _not_shown(out: str) -> str:
    found = re.search(r"not shown: (.*?) — --format", " ".join(out.split()))
    return "" if found is None else found.group(1)


@pytest.mark.parametrize(
    ("args", "title"),
    [
        (["posts", "louvre", "--top", "3"], "top posts"),
        (["posts", "--top", "3"], "top posts"),
        (["risks", "louvre", "--network", "instagram"], "posts that may be removed or restricted"),
        (["risks"], "posts that may be removed or restricted"),
    ],
)
@pytest.mark.parametrize("width", [80, 200])
def test_a_caption_is_printed_once(
    args: list[str],
    title: str,
    width: int,
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db = str(demo_build(tmp_path_factory, museums=12, seed=0).db)
    monkeypatch.setenv("COLUMNS", str(width))
    code, out, err = run([*args, "--db", db], capsys)
    assert code == 0, err
    header = _header_words(out, title)
    assert "excerpt" in header, out
    assert "text" not in header and "text" not in _not_shown(out).split(", "), out
    assert "whole text: --format json|csv" in " ".join(out.split()), out
    code, out, err = run([*args, "--db", db, "--format", "json"], capsys)
    rows = json.loads(out)
    assert code == 0 and rows and all("text" in r and "excerpt" in r for r in rows)
