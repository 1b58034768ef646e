"""Shared fixtures: the real data beside the checkout, and a fresh store per test."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from engagecore import plugins

# Where the environment sets PYTHONDONTWRITEBYTECODE (this project's CI machines do), every
# process of the run — each xdist worker, each `engage` or pytest a test starts — compiled every
# module of the tree again and pytest rewrote every test module's asserts again: the run keeps
# bytecode in __pycache__ (git-ignored) instead. `engage --version`: 1.0 → 0.77 s CPU.
sys.dont_write_bytecode = False
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

ROOT = Path(__file__).resolve().parents[1]
# The example plugin is installed as a copy (not editable): test the tree's version of it.
_EXAMPLE_SRC = ROOT / "plugins" / "engagecore-example" / "src"
if _EXAMPLE_SRC.is_dir() and str(_EXAMPLE_SRC) not in sys.path:
    sys.path.insert(0, str(_EXAMPLE_SRC))
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture
def fixtures() -> Path:
    """tests/fixtures: small files we wrote in each real format."""
    return FIXTURES


@pytest.fixture
def shared_data() -> Path:
    """../shared/data (real files); the test is skipped with a reason when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is absent (only a full workspace has the real samples)")
    return SHARED_DATA


@pytest.fixture(autouse=True)
def _fresh_plugin_state(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test sees plugins loaded from the current environment, not a previous test's."""
    monkeypatch.delenv("ENGAGE_LOAD_PLUGINS", raising=False)
    monkeypatch.delenv("ENGAGE_DISABLE_PLUGINS", raising=False)
    plugins.reset()
    yield
    plugins.reset()
