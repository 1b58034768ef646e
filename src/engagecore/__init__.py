"""engagecore: score how well museums engage their audiences on social networks."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("engagecore")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"
