"""YouTube network plugin: Data API v3, Analytics API age groups and Studio CSV exports."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from engagecore.plugin import DemoWriter, Importer, NetworkSpec, hookimpl

from .analytics import YouTubeAnalyticsImporter
from .data_api import YouTubeDataApiImporter
from .demo import YouTubeDemoWriter
from .studio_csv import YouTubeStudioCsvImporter

__all__ = [
    "NETWORK",
    "YouTubeAnalyticsImporter",
    "YouTubeDataApiImporter",
    "YouTubeDemoWriter",
    "YouTubeStudioCsvImporter",
]

NETWORK = NetworkSpec(
    name="youtube",
    display_name="YouTube",
    # Socialinsider's YouTube interaction set (REFERENCES.md); shares only exist in Studio.
    interactions={"likes": 1.0, "comments": 1.0},
    provides=frozenset({"likes", "comments", "views", "impressions", "shares"}),
    typical_rate=None,
    rate_source="",
    launched=date(2005, 4, 23),  # first video uploaded
)


@hookimpl
def register_networks(register: Callable[[NetworkSpec], None]) -> None:
    register(NETWORK)


@hookimpl
def register_importers(register: Callable[[Importer], None]) -> None:
    register(YouTubeDataApiImporter())
    register(YouTubeAnalyticsImporter())
    register(YouTubeStudioCsvImporter())


@hookimpl
def register_demo_writers(register: Callable[[DemoWriter], None]) -> None:
    register(YouTubeDemoWriter())
