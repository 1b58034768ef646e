"""YouTube network plugin: Data API v3, Analytics API age groups and Studio CSV exports."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engagecore.hookspecs import hookimpl
from engagecore.pluginapi import NetworkSpec

NETWORK = NetworkSpec(
    name="youtube",
    display_name="YouTube",
    interactions={"likes": 1.0, "comments": 1.0},
    provides=frozenset({"likes", "comments", "views", "impressions"}),
    typical_rate=None,
    rate_source="",
)


@hookimpl
def register_networks(register: Callable[[Any], None]) -> None:
    register(NETWORK)
