"""Every hook of the plugin contract is documented, implemented and called.

The hooks are read from :mod:`engagecore.hookspecs` (the functions carrying pluggy's spec
marker), so a hook added there without a section in docs/plugins.md, without a plugin
implementing it, or that the core never calls fails here.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from engagecore import hookspecs, plugins
from engagecore.cli import build_app

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "plugins.md"


def _specs() -> list[str]:
    marker = f"{hookspecs.hookspec.project_name}_spec"
    return sorted(
        name for name, f in inspect.getmembers(hookspecs, inspect.isfunction) if hasattr(f, marker)
    )


SPECS = _specs()


def _sections() -> dict[str, str]:
    """docs/plugins.md's ``## heading`` sections: heading -> body."""
    parts = re.split(r"^## (.+)$", DOC.read_text(encoding="utf-8"), flags=re.MULTILINE)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts), 2)}


def test_the_specs_are_the_plugin_managers_hooks() -> None:
    assert len(SPECS) >= 5 and "register_commands" in SPECS
    pm = plugins.get_plugin_manager()
    with_spec = sorted(n for n, caller in vars(pm.hook).items() if caller.spec is not None)
    assert with_spec == SPECS


@pytest.mark.parametrize("hook", SPECS)
def test_hook_has_a_section_in_the_docs(hook: str) -> None:
    sections = _sections()
    assert hook in sections, f"docs/plugins.md has no '## {hook}' section"
    body = sections[hook]
    version = re.search(r"\.\. versionadded:: (\d+)", getattr(hookspecs, hook).__doc__ or "")
    assert version, f"{hook}: no '.. versionadded::' in its spec"
    assert f"`{hook}(" in body, f"the '## {hook}' section does not show the call"
    assert f"added in plugin API {version.group(1)}" in body, (
        f"the '## {hook}' section does not say it was added in plugin API {version.group(1)}"
    )
    params = list(inspect.signature(getattr(hookspecs, hook)).parameters)
    assert f"`{hook}({', '.join(params)})`" in body, f"{hook}: the docs name other parameters"


def test_the_docs_document_no_hook_that_does_not_exist() -> None:
    documented = {h for h in _sections() if re.fullmatch(r"register_\w+", h)}
    assert documented == set(SPECS)


def test_every_hook_is_implemented_and_called_when_engage_starts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each hook has at least one implementation among the plugins the test session loads,
    and loading the registry and building the ``engage`` command line calls every one of
    them, once."""
    pm = plugins.get_plugin_manager()
    calls: dict[tuple[str, str], int] = {}
    impls: dict[str, list[str]] = {}

    def recording(key: tuple[str, str], function: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            calls[key] = calls.get(key, 0) + 1
            return function(*args, **kwargs)

        return call

    for hook in SPECS:
        found = getattr(pm.hook, hook).get_hookimpls()
        impls[hook] = sorted(i.plugin_name for i in found)
        for impl in found:
            monkeypatch.setattr(
                impl, "function", recording((hook, impl.plugin_name), impl.function)
            )
    unimplemented = [h for h, names in impls.items() if not names]
    assert not unimplemented, f"no plugin loaded in the tests implements {unimplemented}"

    reg = plugins.registry()
    app = build_app()

    expected = {(hook, name): 1 for hook, names in impls.items() for name in names}
    assert calls == expected
    # and what each hook registered is there
    assert reg.networks and reg.importers and reg.registry_readers and reg.demo_writers
    commands = {c.name for c in app.registered_commands}
    assert "peertube-url" in commands  # the example plugin's register_commands
