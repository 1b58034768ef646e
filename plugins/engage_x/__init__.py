"""X (Twitter) network plugin: account archive and API v2 responses."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from engage_x.api import XApiImporter
from engage_x.archive import XArchiveImporter
from engage_x.demo import XDemoWriter
from engagecore.plugin import DemoWriter, Importer, NetworkSpec, hookimpl

NETWORK = NetworkSpec(
    name="x",
    display_name="X (Twitter)",
    interactions={"likes": 1.0, "comments": 1.0, "shares": 1.0, "quotes": 1.0},
    provides=frozenset({"likes", "comments", "shares", "quotes", "impressions", "saves"}),
    typical_rate=0.00035,
    rate_source="Rival IQ 2023 all-industry median (0.035 %)",
    launched=date(2006, 3, 21),  # first post on the network
)

__all__ = ["NETWORK", "XApiImporter", "XArchiveImporter", "XDemoWriter"]


@hookimpl
def register_networks(register: Callable[[NetworkSpec], None]) -> None:
    register(NETWORK)


@hookimpl
def register_importers(register: Callable[[Importer], None]) -> None:
    register(XArchiveImporter())
    register(XApiImporter())


@hookimpl
def register_demo_writers(register: Callable[[DemoWriter], None]) -> None:
    register(XDemoWriter())
