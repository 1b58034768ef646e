"""Docs stay true: every hook is documented, every doc the README names exists."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from engagecore import hookspecs

ROOT = Path(__file__).resolve().parents[1]


def test_every_hook_has_a_docs_section_and_a_versionadded() -> None:
    doc = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    hooks = [
        n for n, f in inspect.getmembers(hookspecs, inspect.isfunction) if n.startswith("register_")
    ]
    assert hooks
    for name in hooks:
        assert f"## {name}" in doc, f"docs/plugins.md has no section for {name}"
        assert "versionadded" in (getattr(hookspecs, name).__doc__ or "")


def test_readme_docs_exist() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for path in re.findall(r"`((?:docs|benchmarks)/[\w./-]+\.md)`", readme):
        assert (ROOT / path).exists(), f"README names {path}, which does not exist"
