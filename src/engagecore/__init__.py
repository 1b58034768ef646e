"""engagecore: score how well museums engage their audiences on social networks."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from engagecore import _allocator  # noqa: F401  (first: before anything imports polars)
from engagecore.api import Engine, open
from engagecore.errors import (
    AmbiguousMuseum,
    DetectionError,
    EngageError,
    FormatError,
    MuseumNotFound,
    PluginError,
    StoreError,
    UsageError,
    ValidationError,
)
from engagecore.pluginapi import Batch, Importer, NetworkSpec, ReadContext
from engagecore.sources import Source

try:
    __version__ = version("engagecore")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "AmbiguousMuseum",
    "Batch",
    "DetectionError",
    "EngageError",
    "Engine",
    "FormatError",
    "Importer",
    "MuseumNotFound",
    "NetworkSpec",
    "PluginError",
    "ReadContext",
    "Source",
    "StoreError",
    "UsageError",
    "ValidationError",
    "__version__",
    "open",
]
