"""The official museum list given to ``engage ingest`` (h4's walk-through: a community manager
puts every file they have in one folder): it is not a network export, and engage says which
command imports it instead of suggesting ``--network``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from cli_run import run

REGISTRY = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "registry"
REAL = REGISTRY.parent / "real"


@pytest.fixture
def registry_files() -> list[Path]:
    if not REGISTRY.is_dir():
        pytest.skip("../shared/data is absent (only a full workspace has the real samples)")
    return sorted(REGISTRY.glob("*.csv"))


def test_a_registry_named_to_ingest_points_to_import_registry(
    registry_files: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for file in registry_files:
        code, _, err = run(["ingest", str(file), "--db", str(tmp_path / "s.duckdb")], capsys)
        assert code != 0
        assert err.count("\n") == 1 and str(file) in err
        assert "museum registry" in err and "engage museums import-registry" in err, err
        assert "--network" not in err  # it was "…matches no importer …; to force one: --network"


def test_a_registry_in_a_folder_of_exports_is_named_with_its_command(
    registry_files: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "Mes exports"
    folder.mkdir()
    for file in [*registry_files, REAL / "youtube-studio-table-data.csv"]:
        shutil.copy(file, folder)
    code, _, err = run(
        ["ingest", str(folder), "--account", "UCabc", "--db", str(tmp_path / "s.duckdb")], capsys
    )
    assert code == 0, err
    hint = [x for x in err.splitlines() if "import-registry" in x]
    assert len(hint) == 1, err
    for file in registry_files:
        assert file.name in hint[0]
