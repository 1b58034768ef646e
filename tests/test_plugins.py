"""The plugin manager: entry points, env filters, errors that name the plugin.

The separately installed example plugin is tested in ``tests/test_example_plugin.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from engagecore import plugins
from engagecore.errors import PluginError
from engagecore.hookspecs import hookimpl
from engagecore.pluginapi import NetworkSpec

BUILTIN = {"spreadsheet", "x", "instagram", "facebook", "youtube", "registry"}


def test_manager_is_built_once() -> None:
    assert plugins.get_plugin_manager() is plugins.get_plugin_manager()
    names = {i.name for i in plugins.plugin_infos()}
    assert names >= BUILTIN


def test_load_and_disable_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENGAGE_LOAD_PLUGINS", "x,spreadsheet")
    plugins.reset()
    assert {i.name for i in plugins.plugin_infos()} == {"x", "spreadsheet"}
    monkeypatch.delenv("ENGAGE_LOAD_PLUGINS")
    monkeypatch.setenv("ENGAGE_DISABLE_PLUGINS", "youtube")
    plugins.reset()
    names = {i.name for i in plugins.plugin_infos()}
    assert "youtube" not in names and "x" in names


class _Bad:
    @staticmethod
    @hookimpl
    def register_networks(register: Callable[[Any], None]) -> None:
        register("not a network")


class _Crash:
    @staticmethod
    @hookimpl
    def register_networks(register: Callable[[Any], None]) -> None:
        raise RuntimeError("boom")


class _Dup:
    @staticmethod
    @hookimpl
    def register_networks(register: Callable[[Any], None]) -> None:
        register(NetworkSpec("x", "X again", {"likes": 1.0}, frozenset({"likes"})))


@pytest.mark.parametrize(
    ("plugin", "message"),
    [
        (_Bad(), "expected a NetworkSpec"),
        (_Crash(), "boom"),
        (_Dup(), "already registered by plugin 'x'"),
    ],
)
def test_misbehaving_plugin_is_named(plugin: object, message: str) -> None:
    pm = plugins.get_plugin_manager()
    pm.register(plugin, name="naughty")
    with pytest.raises(PluginError, match=message) as err:
        plugins.registry()
    assert "plugin 'naughty'" in str(err.value)


def test_misspelt_hook_fails_loudly() -> None:
    class Typo:
        @staticmethod
        @hookimpl
        def register_netwrks(register: Callable[[Any], None]) -> None:  # pragma: no cover
            pass

    pm = plugins.get_plugin_manager()
    pm.register(Typo(), name="typo")
    import pluggy

    with pytest.raises(pluggy.PluginValidationError):
        pm.check_pending()


def test_network_spec_rejects_unknown_counts() -> None:
    with pytest.raises(ValueError, match="unknown count column"):
        NetworkSpec("n", "N", {"hearts": 1.0}, frozenset({"hearts"}))


def test_a_rebuilt_manager_reads_no_distribution_metadata_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each plugin's version and distribution name come from its METADATA once per process:
    the manager is rebuilt often (the tests do it for each test) and parsing them cost ~0.5 ms
    a plugin a rebuild."""
    import importlib.metadata as md

    plugins.reset()
    first = [(i.name, i.version, i.distribution) for i in plugins.plugin_infos()]
    assert first and all(v != "unknown" for _, v, _ in first)
    reads: list[str] = []
    real = md.PathDistribution.read_text

    def counted(self: md.PathDistribution, filename: str) -> str | None:
        reads.append(filename)
        return real(self, filename)

    monkeypatch.setattr(md.PathDistribution, "read_text", counted)
    plugins.reset()
    again = [(i.name, i.version, i.distribution) for i in plugins.plugin_infos()]
    assert again == first
    assert "METADATA" not in reads and "PKG-INFO" not in reads


def test_a_plugin_installed_mid_process_is_found_at_the_next_rebuild(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The entry points are scanned again only when the import path changed (a folder added,
    a distribution installed into one): a rebuild after an install finds the new plugin, and
    one without a change scans nothing."""
    import importlib.metadata as md
    import os

    (tmp_path / "engage_midway.py").write_text("ENGAGE_PLUGIN_API = 1\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    os.utime(tmp_path, ns=(0, 0))  # the folder as it was long before: an install changes it
    plugins.reset()
    assert "midway" not in {i.name for i in plugins.plugin_infos()}

    scans: list[str] = []
    real = md.entry_points

    def counted(**params: Any) -> Any:
        scans.append(str(params))
        return real(**params)

    monkeypatch.setattr(md, "entry_points", counted)
    plugins.reset()
    plugins.get_plugin_manager()
    plugins.reset()
    plugins.get_plugin_manager()
    assert len(scans) == 1  # the stand-in scanned once, then it was remembered

    info = tmp_path / "engage_midway-0.1.dist-info"  # what pip install writes
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: engage-midway\nVersion: 0.1\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text("[engagecore]\nmidway = engage_midway\n", "utf-8")
    plugins.reset()
    assert {"midway", *BUILTIN} <= {i.name for i in plugins.plugin_infos()}
    assert len(scans) == 2
