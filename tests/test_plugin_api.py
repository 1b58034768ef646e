"""The plugin contract v1: one public module, typed hooks, an API version, owners kept aside."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import re
import typing
from collections.abc import Callable
from pathlib import Path

import pytest
import typer

import engagecore.plugin as api
from engagecore import hookspecs, plugins
from engagecore.errors import PluginError
from engagecore.testing import check_importer

ROOT = Path(__file__).resolve().parents[1]
PLUGIN_FILES = sorted((ROOT / "plugins").rglob("*.py"))


def _engagecore_imports(path: Path) -> list[tuple[int, str]]:
    """Every import of an engagecore module in ``path``, as (line, module imported)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("engagecore")]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "engagecore":
                found += [(node.lineno, f"engagecore.{a.name}") for a in node.names]
            elif node.module.startswith("engagecore."):
                found.append((node.lineno, node.module))
    return found


def test_every_plugin_imports_only_engagecore_plugin() -> None:
    assert any("engagecore-example" in str(p) for p in PLUGIN_FILES)
    assert any("engage_facebook" in str(p) for p in PLUGIN_FILES)
    bad = [
        f"{path.relative_to(ROOT)}:{line}: {module}"
        for path in PLUGIN_FILES
        for line, module in _engagecore_imports(path)
        if module != "engagecore.plugin"
    ]
    assert not bad, "plugins must import from engagecore.plugin only:\n" + "\n".join(bad)


def test_public_module_exports_exactly_its_all() -> None:
    # "@py_builtins" / "@pytest_ar": pytest's assertion rewriting, applied to every module of
    # a distribution that declares a pytest11 plugin (engagecore does: its conformance kit)
    public = {n for n in vars(api) if not n.startswith(("_", "@")) and n != "annotations"}
    assert public == set(api.__all__)
    assert len(api.__all__) == len(set(api.__all__))
    for name in ("hookimpl", "NetworkSpec", "Importer", "Batch", "ReadContext", "Source"):
        assert name in api.__all__
    assert api.PLUGIN_API == hookspecs.PLUGIN_API == 1
    assert api.ANY_NETWORK == plugins.ANY_NETWORK


def test_every_export_is_documented() -> None:
    doc = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    section = doc.split("## The `engagecore.plugin` module", 1)[1]
    missing = [n for n in api.__all__ if not re.search(rf"`{re.escape(n)}\b", section)]
    assert not missing, f"docs/plugins.md does not name {missing}"
    for method in ("read_text", "read_bytes", "read_json", "stream", "local_path", "head"):
        assert f"`{method}(" in section, method
        assert callable(getattr(api.Source, method))
    for method in ("names", "glob"):
        assert f"`{method}(" in section, method
        assert callable(getattr(api.Source, method))
    assert "ENGAGE_PLUGIN_API" in section


def _hooks() -> list[str]:
    return [
        n for n, f in inspect.getmembers(hookspecs, inspect.isfunction) if n.startswith("register_")
    ]


@pytest.mark.parametrize("hook", _hooks())
def test_hook_spec_is_typed_and_versioned(hook: str) -> None:
    spec = getattr(hookspecs, hook)
    ns = {**vars(api), "typer": typer, "Callable": Callable}
    hints = typing.get_type_hints(spec, globalns=ns)
    assert hints.pop("return") is type(None)
    ((param, hint),) = hints.items()
    assert "Any" not in str(hint)
    if hook == "register_commands":
        assert param == "cli" and hint is typer.Typer
    else:
        expected = {
            "register_networks": api.NetworkSpec,
            "register_importers": api.Importer,
            "register_registry_readers": api.RegistryReader,
            "register_demo_writers": api.DemoWriter,
            "register_fetchers": api.Fetcher,
        }[hook]
        assert param == "register"
        assert hint == Callable[[expected], None]
    m = re.search(r"\.\. versionadded:: (\d+)\s*$", spec.__doc__ or "", re.MULTILINE)
    assert m, f"{hook}: no '.. versionadded:: N'"
    assert 1 <= int(m.group(1)) <= api.PLUGIN_API


class _Future:
    ENGAGE_PLUGIN_API = api.PLUGIN_API + 1

    @staticmethod
    @api.hookimpl
    def register_networks(register: Callable[[api.NetworkSpec], None]) -> None:
        register(api.NetworkSpec("future", "Future", {"likes": 1.0}, frozenset({"likes"})))


class _Current:
    ENGAGE_PLUGIN_API = api.PLUGIN_API
    NETWORK = api.NetworkSpec("current", "Current", {"likes": 1.0}, frozenset({"likes"}))

    @staticmethod
    @api.hookimpl
    def register_networks(register: Callable[[api.NetworkSpec], None]) -> None:
        register(_Current.NETWORK)


def test_plugin_for_a_newer_api_fails_to_load_naming_it() -> None:
    plugins.get_plugin_manager().register(_Future(), name="future")
    with pytest.raises(PluginError) as err:
        plugins.registry()
    msg = str(err.value)
    assert "\n" not in msg
    assert msg.startswith("plugin 'future': ")
    assert f"plugin API {api.PLUGIN_API + 1}" in msg and f"plugin API {api.PLUGIN_API}" in msg


@pytest.mark.parametrize("declared", ["1", 0, 1.0, True])
def test_plugin_api_declaration_must_be_a_version(declared: object) -> None:
    class Odd:
        ENGAGE_PLUGIN_API = declared

    plugins.get_plugin_manager().register(Odd(), name="odd")
    with pytest.raises(PluginError, match=r"plugin 'odd': ENGAGE_PLUGIN_API = .*expected"):
        plugins.registry()


def test_plugin_for_the_current_api_loads_and_is_recorded_as_owner() -> None:
    plugins.get_plugin_manager().register(_Current(), name="current")
    reg = plugins.registry()
    assert reg.networks["current"] is _Current.NETWORK
    owner = reg.owner(_Current.NETWORK)
    assert owner is not None and owner.name == "current"
    assert plugins.owner_name(_Current.NETWORK) == "current"


def test_registry_records_owners_without_writing_onto_objects() -> None:
    assert "plugin" not in {f.name for f in dataclasses.fields(api.NetworkSpec)}
    reg = plugins.registry()
    registered: list[object] = [
        *reg.networks.values(),
        *reg.importers.values(),
        *reg.registry_readers.values(),
        *reg.demo_writers.values(),
    ]
    for obj in registered:
        assert not hasattr(obj, "plugin"), obj
        assert not hasattr(obj, "plugin_version"), obj
    x = reg.owner(reg.networks["x"])
    assert x is not None and x.name == "x" and x.version == plugins.plugin_version("x")
    archive = reg.owner(reg.importers["x-archive"])
    assert archive is not None and archive.name == "x"
    peertube = reg.owner(reg.importers["peertube-videos"])
    assert peertube is not None and peertube.distribution == "engagecore-example"
    mastodon = reg.owner(reg.importers["mastodon-api"])
    assert mastodon is not None and mastodon.name == "mastodon"
    readers = {reg.owner(r).name for r in reg.registry_readers.values()}  # type: ignore[union-attr]
    assert readers == {"registry"}


def test_unregistered_object_has_no_owner() -> None:
    from engage_x.archive import XArchiveImporter

    hand_made = XArchiveImporter()
    assert plugins.registry().owner(hand_made) is None
    assert plugins.owner_name(hand_made) == "engage_x"


def test_check_importer_accepts_an_importer_built_by_hand(tmp_path: Path) -> None:
    from engage_x.archive import XArchiveImporter
    from engagecore_example import PeerTubeVideosImporter

    foreign = tmp_path / "notes.txt"
    foreign.write_text("Liste de courses : pain, fromage.\n", encoding="utf-8")
    check_importer(PeerTubeVideosImporter(), foreign)
    check_importer(XArchiveImporter(), foreign)


def test_entry_point_for_a_newer_api_fails_at_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real loading path: an entry point of the ``engagecore`` group naming a module."""
    import importlib.metadata as md

    (tmp_path / "engage_future_net.py").write_text("ENGAGE_PLUGIN_API = 7\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    ep = md.EntryPoint("futurenet", "engage_future_net", plugins.ENTRY_POINT_GROUP)
    monkeypatch.setattr(plugins.md, "entry_points", lambda group: [ep])
    plugins.reset()
    with pytest.raises(PluginError) as err:
        plugins.get_plugin_manager()
    assert str(err.value) == (
        "plugin 'futurenet': written for plugin API 7, but this engagecore provides plugin "
        f"API {api.PLUGIN_API}: upgrade engagecore or use an older version of the plugin"
    )
