"""The conformance kit is a pytest plugin a plugin's tests get by installing engagecore.

``pyproject.toml`` declares the ``pytest11`` entry point ``engagecore.testing``. The installed
metadata is checked when it is of this checkout (CI installs the checkout fresh); a venv
installed from another checkout still gets the real test: a pytest run in a fresh process,
with the entry point declared exactly as pyproject.toml declares it (a distribution's
metadata written to a temporary folder on the path), loading the plugin as pytest does.
"""

from __future__ import annotations

import importlib.metadata as md
import inspect
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from engagecore import testing

ROOT = Path(__file__).resolve().parents[1]
KIT_TEST = """
from pathlib import Path


def test_foreign_file_comes_from_the_kit(foreign_file: Path) -> None:
    assert foreign_file.name == "notes.txt"
    assert "courses" in foreign_file.read_text(encoding="utf-8")


def test_unrelated() -> None:
    assert sum([1, 2]) == 3
"""


def _declared() -> dict[str, str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return dict(data["project"]["entry-points"]["pytest11"])


def _installed_from_this_checkout() -> bool:
    """The installed engagecore's metadata was written from this checkout's pyproject.toml
    as it is now: installed from this folder, and not before pyproject.toml last changed (an
    editable install keeps the metadata of the day it was installed)."""
    dist = md.distribution("engagecore")
    text = dist.read_text("direct_url.json")
    if not text:
        return False
    url = json.loads(text).get("url", "")
    if not (url.startswith("file://") and Path(url[len("file://") :]).resolve() == ROOT):
        return False
    written = [f for f in dist.files or () if f.name == "entry_points.txt"]
    if not written:
        return False
    metadata = Path(str(dist.locate_file(written[0])))
    return metadata.stat().st_mtime >= (ROOT / "pyproject.toml").stat().st_mtime


def test_pyproject_declares_the_kit_as_a_pytest_plugin() -> None:
    # named after its module: `pytest -p engagecore.testing` then finds this same plugin
    # (another name made pytest register the module twice and stop with a ValueError)
    assert _declared() == {"engagecore.testing": "engagecore.testing"}


def test_installed_metadata_declares_it_when_installed_from_this_checkout() -> None:
    eps = {
        e.name: e.value
        for e in md.entry_points(group="pytest11")
        if e.dist is not None and e.dist.name == "engagecore"
    }
    if _installed_from_this_checkout():  # CI: installed fresh from the checkout
        assert eps == _declared()
    else:  # another checkout's, or an older install's, metadata: what that one declared
        assert eps in ({}, _declared())


def test_module_adds_no_hook_and_loads_no_plugin_when_imported() -> None:
    hooks = [n for n in vars(testing) if n.startswith("pytest_")]
    assert hooks == [], "the kit must not change an unrelated pytest run"
    code = (
        "import engagecore.testing\n"
        "from engagecore import plugins\n"
        "assert plugins._pm is None and plugins._registry is None, 'plugins loaded at import'\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT / "plugins")])}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr


def _run_pytest(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """pytest in a fresh process in ``folder``, plugins auto-loaded, with engagecore's
    ``pytest11`` entry point declared as pyproject.toml declares it."""
    meta = folder / "meta"
    info = meta / "engagecore_kit_probe-1.0.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: engagecore-kit-probe\nVersion: 1.0\n", encoding="utf-8"
    )
    lines = "".join(f"{name} = {value}\n" for name, value in _declared().items())
    (info / "entry_points.txt").write_text(f"[pytest11]\n{lines}", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    path = [str(meta), str(ROOT / "src"), str(ROOT / "plugins"), env.get("PYTHONPATH", "")]
    env["PYTHONPATH"] = os.pathsep.join(p for p in path if p)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=folder / "t",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_a_plugins_tests_get_the_fixture_without_p(tmp_path: Path) -> None:
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "test_mine.py").write_text(KIT_TEST, encoding="utf-8")
    done = _run_pytest(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout
    # -p engagecore.testing as well (where auto-loading is off, or out of habit): the same
    # plugin, not registered twice
    done = _run_pytest(tmp_path, "-p", "engagecore.testing")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout


def test_docs_kit_section_is_true() -> None:
    doc = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    section = doc.split("## Testing a plugin", 1)[1].split("\n## ", 1)[0]
    section = re.sub(r"\s+", " ", section)
    for name in ("check_network", "check_importer", "check_read", "check_demo_roundtrip"):
        assert f"`{name}(" in section, name
        assert name in (testing.__doc__ or ""), name
    assert "`pytest11` entry point `engagecore.testing`" in section
    assert "`pytest11`" in (testing.__doc__ or "")
    params = list(inspect.signature(testing.check_read).parameters)
    documented = re.search(r"`check_read\(([^`]*?)\)(?: -> [^`]*)?`", section)
    assert documented is not None
    names = [p.split("=")[0].strip(" *\n") for p in documented.group(1).split(",")]
    assert [n for n in names if n] == params
