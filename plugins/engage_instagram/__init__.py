"""Instagram network plugin: "Download your information" export, insights and Graph API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from engage_instagram.demo import InstagramDemoWriter
from engage_instagram.export import InstagramExportImporter
from engage_instagram.graph import InstagramGraphImporter
from engagecore.plugin import NetworkSpec, hookimpl

NETWORK = NetworkSpec(
    name="instagram",
    display_name="Instagram",
    interactions={"likes": 1.0, "comments": 1.0},
    provides=frozenset({"likes", "comments", "shares", "saves", "views", "impressions", "reach"}),
    typical_rate=0.0047,
    rate_source="Rival IQ 2023 all-industry median (0.47 %)",
    launched=date(2010, 10, 6),  # public launch
)

__all__ = [
    "NETWORK",
    "InstagramDemoWriter",
    "InstagramExportImporter",
    "InstagramGraphImporter",
]


@hookimpl
def register_networks(register: Callable[[Any], None]) -> None:
    register(NETWORK)


@hookimpl
def register_importers(register: Callable[[Any], None]) -> None:
    register(InstagramExportImporter())
    register(InstagramGraphImporter())


@hookimpl
def register_demo_writers(register: Callable[[Any], None]) -> None:
    register(InstagramDemoWriter())
