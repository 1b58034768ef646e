"""Internals of :mod:`engagecore.simulate`: one module per part of the simulated world.

``roster`` (which museums), ``captions`` (what they post), ``params`` (how each network
behaves), ``population`` (their accounts and audiences), ``posts`` (what they publish and the
engagement it gets), ``audience`` (follower snapshots and age data).
"""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any


def load_toml(name: str) -> dict[str, Any]:
    """A TOML file of ``engagecore/data``."""
    text = resources.files("engagecore").joinpath("data", name).read_text(encoding="utf-8")
    return tomllib.loads(text)
