"""README "Use": how to get ``engage`` on PATH, and commands that exist."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from engagecore.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _use_section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return readme.split("## Use", 1)[1].split("\n## ", 1)[0]


def test_use_says_how_to_get_engage_on_path() -> None:
    use = _use_section()
    before_first_command = use.split("```", 1)[0]
    assert ". .venv/bin/activate" in before_first_command
    assert ".venv/bin/engage" in before_first_command


def test_every_command_of_use_exists(capsys: pytest.CaptureFixture[str]) -> None:
    block = _use_section().split("```", 2)[1]
    lines = [line.split("  #")[0] for line in block.splitlines() if line.startswith("engage ")]
    assert len(lines) >= 10
    seen = set()
    for line in lines:
        words = [w for w in shlex.split(line)[1:] if re.fullmatch(r"[a-z][a-z-]*", w)]
        path = words[:2] if words[0] in ("museums", "followers") else words[:1]
        seen.add(" ".join(path))
        with pytest.raises(SystemExit) as done:
            main([*path, "--help"])
        assert done.value.code in (0, None), line
        capsys.readouterr()
    assert {"followers add", "query", "tables"} <= seen
