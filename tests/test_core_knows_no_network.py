"""The core knows no network: its data files and modules name none of the registered
networks (nor the ones whose plugins are coming); every plugin brings its own knowledge."""

from __future__ import annotations

import ast
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from engagecore import plugins

CORE = Path(resources.files("engagecore"))  # type: ignore[arg-type]
#: Networks whose plugins are announced (issue 12), besides the registered ones.
COMING = {"tiktok", "bluesky", "mastodon", "threads"}


def _network_keys() -> set[str]:
    return set(plugins.registry().networks) | COMING


def _sections(table: dict[str, Any], prefix: str = "") -> list[str]:
    """Every table name of a TOML document, dotted (``network.x``), and its keys."""
    out = []
    for key, value in table.items():
        if isinstance(value, dict):
            out.append(f"{prefix}{key}")
            out.extend(_sections(value, f"{prefix}{key}."))
    return out


@pytest.mark.parametrize(
    "path",
    sorted(p for p in (CORE / "data").glob("*.toml") if p.name != "museums.toml"),
    ids=lambda p: p.name,
)
def test_no_core_data_file_has_a_section_for_a_network(path: Path) -> None:
    sections = _sections(tomllib.loads(path.read_text(encoding="utf-8")))
    named = [s for s in sections if set(s.split(".")) & _network_keys()]
    assert not named, f"{path.name} names networks in sections {named}"


def test_no_core_module_names_a_network_as_a_literal() -> None:
    keys = _network_keys()
    found = []
    for path in sorted(CORE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in keys:
                found.append(f"{path.relative_to(CORE)}:{node.lineno}: {node.value!r}")
    assert not found, found


def test_the_registered_networks_bring_their_prior_and_simulation() -> None:
    networks = plugins.registry().networks
    for name in ("x", "facebook", "instagram", "youtube", "mastodon"):
        spec = networks[name]
        assert spec.young_prior is not None and spec.young_prior.sources, name
        assert spec.simulation.get("adoption"), name
