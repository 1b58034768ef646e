"""Facebook Page network plugin: Graph API responses and Meta Business Suite CSV exports."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from engagecore.plugin import NetworkSpec, hookimpl

NETWORK = NetworkSpec(
    name="facebook",
    display_name="Facebook",
    interactions={"likes": 1.0, "comments": 1.0, "shares": 1.0},
    provides=frozenset({"likes", "comments", "shares", "views", "impressions", "reach"}),
    typical_rate=0.0006,
    rate_source="Rival IQ 2023 all-industry median (0.06 %)",
    launched=date(2004, 2, 4),  # launch
)


@hookimpl
def register_networks(register: Callable[[Any], None]) -> None:
    register(NETWORK)


@hookimpl
def register_importers(register: Callable[[Any], None]) -> None:
    from engage_facebook.business_csv import MetaBusinessSuiteCsvImporter
    from engage_facebook.graph import FacebookGraphImporter

    register(FacebookGraphImporter())
    register(MetaBusinessSuiteCsvImporter())


@hookimpl
def register_demo_writers(register: Callable[[Any], None]) -> None:
    from engage_facebook.demo import FacebookDemoWriter

    register(FacebookDemoWriter())
