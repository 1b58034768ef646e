"""Stores for the analyses' tests: simulated cohorts written as the networks' real export files
and imported through the real importers into DuckDB files (never a mock of the store)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from built_once import copy_of, demo_build


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``engage demo --museums 6 --seed 3``'s store (read it only: copy it to change it)."""
    built = demo_build(tmp_path_factory, museums=6, seed=3)
    return copy_of(built.db, tmp_path_factory.mktemp("analysis-demo") / "demo.duckdb")


@pytest.fixture
def demo_copy(demo_store: Path, tmp_path: Path) -> Path:
    """A copy of the demo store this test may change."""
    db = tmp_path / "copy.duckdb"
    shutil.copy(demo_store, db)
    return db
