"""A plugin installed without its entry point (no ``[project.entry-points.engagecore]``, or
the group misspelt) is never loaded: ``engage plugins`` says so, naming the distribution and
what it lacks, rather than leaving the author to wonder (QA as a plugin author, h4)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_run import run


def _dist(root: Path, name: str, requires: str, entry_points: str | None) -> None:
    info = root / f"{name.replace('-', '_')}-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1.0\nRequires-Dist: {requires}\n",
        encoding="utf-8",
    )
    if entry_points is not None:
        (info / "entry_points.txt").write_text(entry_points, encoding="utf-8")


def test_engage_plugins_names_a_plugin_installed_without_its_entry_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _dist(tmp_path, "engage-vero", "engagecore>=0.1", "[engage]\nvero = engage_vero\n")
    _dist(tmp_path, "engage-other-tool", "engagecore; extra == 'engage'", None)  # optional
    _dist(tmp_path, "unrelated", "polars", None)
    monkeypatch.syspath_prepend(str(tmp_path))
    code, out, err = run(["plugins"], capsys)
    assert code == 0, err
    assert "engage-vero" not in out
    assert err.strip() == (
        "not loaded: engage-vero 0.1.0 depends on engagecore but declares no entry point in "
        "the 'engagecore' group (pyproject.toml: [project.entry-points.engagecore] NAME = "
        '"module"; then reinstall it)'
    )
