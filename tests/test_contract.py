"""The contract every registered network plugin must meet, parametrized over all of them.

New plugins are covered automatically: this is the test a plugin author's network gets too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engagecore import plugins
from engagecore.testing import check_demo_roundtrip, check_importer, check_network

REG = plugins.registry()
NETWORKS = sorted(REG.networks)
IMPORTERS = sorted(REG.importers)
WRITERS = sorted(REG.demo_writers)
plugins.reset()


@pytest.mark.parametrize("name", NETWORKS)
def test_network_is_coherent(name: str) -> None:
    check_network(plugins.registry().networks[name])


@pytest.mark.parametrize("name", NETWORKS)
def test_every_network_has_an_importer(name: str) -> None:
    importers = plugins.registry().importers.values()
    assert any(i.network == name for i in importers), f"no importer reads {name!r}"


@pytest.mark.parametrize("name", IMPORTERS)
def test_importer_refuses_foreign_files(name: str, tmp_path: Path) -> None:
    foreign = tmp_path / "notes.txt"
    foreign.write_text("Liste de courses : pain, fromage.\n", encoding="utf-8")
    check_importer(plugins.registry().importers[name], foreign)
    other = tmp_path / "data.json"
    other.write_text('{"hello": ["world"]}', encoding="utf-8")
    check_importer(plugins.registry().importers[name], other)


@pytest.mark.parametrize("network", WRITERS)
def test_demo_writer_round_trip(network: str, tmp_path: Path) -> None:
    posts = check_demo_roundtrip(network, tmp_path)
    assert posts["network"].unique().to_list() == [network]
    assert posts["posted_at"].dtype.time_zone in ("UTC", "Etc/UTC")  # type: ignore[union-attr]
