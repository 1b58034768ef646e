"""Every built-in plugin keeps one skeleton, so a reader (or a plugin author copying one)
finds each thing in the same place:

* ``__init__.py``: the :class:`NetworkSpec` (and the constants it is built from) and the
  hooks, nothing else;
* one module (or package) per importer, named after the importer;
* ``demo.py`` for the demo writer;
* code shared by a plugin's modules in one module, ``common.py``.

And Facebook's Graph importer, a package by concept, takes its constants from
``engage_facebook.common`` only.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path
from types import ModuleType

import pytest

from engagecore import plugins

ROOT = Path(__file__).resolve().parents[1] / "plugins"
BUILTIN = sorted(p.name for p in ROOT.glob("engage_*") if (p / "__init__.py").is_file())
#: Modules a plugin may have besides its importers and registry readers.
SKELETON = {"__init__", "demo", "common", "fetch"}


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _is_hookimpl(fn: ast.FunctionDef) -> bool:
    return any(
        (isinstance(d, ast.Name) and d.id == "hookimpl")
        or (isinstance(d, ast.Attribute) and d.attr == "hookimpl")
        for d in fn.decorator_list
    )


def init_problems(path: Path) -> list[str]:
    """What in a plugin's ``__init__.py`` is neither the spec (upper-case constants) nor a
    hook implementation, nor an import or the docstring."""
    problems = []
    for i, node in enumerate(_tree(path).body):
        if isinstance(node, ast.Import | ast.ImportFrom):
            continue
        if i == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the docstring
        if isinstance(node, ast.FunctionDef) and _is_hookimpl(node):
            continue
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [t.id for t in targets if isinstance(t, ast.Name)]
            spec = all(n.isupper() and not n.startswith("__") for n in names)
            if names and len(names) == len(targets) and spec:
                continue
        problems.append(f"{path.name}:{node.lineno}: {ast.unparse(node).splitlines()[0]}")
    return problems


def _owned(kind: str, package: str) -> list[object]:
    reg = plugins.registry()
    objects: dict[str, object] = getattr(reg, kind)
    return [o for o in objects.values() if type(o).__module__.split(".")[0] == package]


@pytest.mark.parametrize("package", BUILTIN)
def test_init_holds_only_the_spec_and_the_hooks(package: str) -> None:
    assert init_problems(ROOT / package / "__init__.py") == []


def test_the_init_check_sees_a_helper_defined_in_init(tmp_path: Path) -> None:
    bad = tmp_path / "__init__.py"
    bad.write_text(
        '"""A plugin."""\n'
        "from engagecore.plugin import hookimpl\n"
        "NETWORK = 1\n"
        "__all__ = ['NETWORK']\n"
        "def helper() -> int:\n    return 1\n"
        "class Reader:\n    pass\n"
        "@hookimpl\ndef register_networks(register):\n    register(NETWORK)\n"
    )
    assert [p.split(": ", 1)[1] for p in init_problems(bad)] == [
        "__all__ = ['NETWORK']",
        "def helper() -> int:",
        "class Reader:",
    ]


@pytest.mark.parametrize("package", BUILTIN)
def test_each_importer_lives_in_its_own_module_named_after_it(package: str) -> None:
    importers = _owned("importers", package)
    modules = [type(imp).__module__ for imp in importers]
    assert len(set(modules)) == len(modules), f"two importers share a module: {modules}"
    for imp, module in zip(importers, modules, strict=True):
        parts = module.split(".")
        assert len(parts) == 2, f"{imp.name}: {module} (an importer is a top-level module)"  # type: ignore[attr-defined]
        name = imp.name.replace("-", "_")  # type: ignore[attr-defined]
        assert name == parts[1] or name.endswith("_" + parts[1]), (
            f"importer {imp.name!r} lives in {module}"  # type: ignore[attr-defined]
        )


@pytest.mark.parametrize("package", BUILTIN)
def test_the_demo_writer_lives_in_demo(package: str) -> None:
    for writer in _owned("demo_writers", package):
        assert type(writer).__module__ == f"{package}.demo"


@pytest.mark.parametrize("package", BUILTIN)
def test_every_module_is_an_importer_or_a_skeleton_module(package: str) -> None:
    """No loose helper modules: shared code goes to ``common.py``, an importer's own helpers
    into its package."""
    allowed = set(SKELETON)
    for kind in ("importers", "registry_readers"):
        allowed |= {type(o).__module__.split(".")[1] for o in _owned(kind, package)}
    present = {
        p.stem if p.is_file() else p.name
        for p in (ROOT / package).iterdir()
        if (p.suffix == ".py" or (p / "__init__.py").is_file())
    }
    assert present - allowed == set()


def _constant_sources(module: ModuleType, package: str) -> set[tuple[str, str]]:
    """(module, NAME) for every upper-case name ``module`` takes from another module of the
    plugin: ``from pkg.mod import NAME`` or ``mod.NAME`` on an imported module."""
    assert module.__file__ is not None
    tree = _tree(Path(module.__file__))
    modules: dict[str, str] = {}  # local name -> module it stands for
    found: set[tuple[str, str]] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] != package:
                continue
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                try:
                    importlib.import_module(full)
                except ImportError:
                    if alias.name.isupper():
                        found.add((node.module, alias.name))
                else:
                    modules[alias.asname or alias.name] = full
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
            and node.attr.isupper()
        ):
            found.add((modules[node.value.id], node.attr))
    return found


def test_graph_concept_modules_share_constants_only_through_common() -> None:
    package = importlib.import_module("engage_facebook.graph")
    assert package.__file__ is not None
    names = ["engage_facebook.graph"] + [
        f"engage_facebook.graph.{p.stem}"
        for p in Path(package.__file__).parent.glob("*.py")
        if p.stem != "__init__"
    ]
    assert {"engage_facebook.graph.detect", "engage_facebook.graph.posts"} <= set(names)
    assert {"engage_facebook.graph.insights", "engage_facebook.graph.page"} <= set(names)
    for name in names:
        sources = _constant_sources(importlib.import_module(name), "engage_facebook")
        assert {m for m, _ in sources} <= {"engage_facebook.common"}, (name, sources)


def test_the_constant_check_sees_a_constant_taken_across_modules() -> None:
    # demo.py takes POST_METRICS and GRAPH_SHAPES from common: what the check must see
    demo = importlib.import_module("engage_facebook.demo")
    assert ("engage_facebook.common", "POST_METRICS") in _constant_sources(demo, "engage_facebook")
    # and x's importers read their column rules as C.NAME on the common module
    api = importlib.import_module("engage_x.api")
    assert any(m == "engage_x.common" for m, _ in _constant_sources(api, "engage_x"))
