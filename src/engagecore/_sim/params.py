"""How museums behave on one network, for the simulator: :class:`NetworkParams`.

Defaults come from ``data/simulation.toml`` (``[default]``), then from the network's own
``NetworkSpec.simulation`` (shipped by its plugin); the
engagement level and the count columns always come from the network's
:class:`~engagecore.pluginapi.NetworkSpec`, so a new network plugin is simulated without
touching the core.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from engagecore import schema
from engagecore._sim import load_toml
from engagecore.errors import UsageError
from engagecore.pluginapi import NetworkSpec

#: Audience age bands (label, min, max) as Instagram and YouTube report them.
AGE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("13-17", 13, 17),
    ("18-24", 18, 24),
    ("25-34", 25, 34),
    ("35-44", 35, 44),
    ("45-54", 45, 54),
    ("55-64", 55, 64),
    ("65+", 65, None),
)


@dataclass(frozen=True)
class NetworkParams:
    """The simulator's knobs for one network (documented in ``data/simulation.toml``)."""

    typical_rate: float
    size_exponent: float
    followers_median: float
    followers_sigma: float
    follower_growth: float
    posts_per_week: float
    kinds: Mapping[str, float]
    kind_lift: Mapping[str, float]
    split: Mapping[str, float]
    per_like: Mapping[str, float]
    impressions_per_follower: float
    reach_per_impression: float
    views_per_follower: float
    repost_share: float
    viral_share: float
    maturity_hours: float
    adoption: tuple[tuple[date, float], ...]
    age_share: float
    age_basis: str
    age_profile: tuple[float, ...]
    handle_case: str = "lower"
    handle_max: int = 30

    def __post_init__(self) -> None:
        bad = sorted(k for k in self.kinds if k not in schema.POST_KINDS)
        if bad:
            raise UsageError(f"unknown post kind(s) {bad}; expected {sorted(schema.POST_KINDS)}")
        if not any(w > 0 for w in self.kinds.values()):
            raise UsageError("kinds needs at least one post kind with a positive share")
        if self.age_basis not in schema.AGE_BASES:
            raise UsageError(f"age_basis {self.age_basis!r}; expected {sorted(schema.AGE_BASES)}")
        if len(self.age_profile) != len(AGE_BANDS):
            raise UsageError(f"age_profile needs {len(AGE_BANDS)} shares (13-17 … 65+)")
        shares = [s for _, s in self.adoption]
        days = [d for d, _ in self.adoption]
        if len(shares) < 2 or shares != sorted(shares) or days != sorted(days):
            raise UsageError("adoption needs two or more (date, share) points, both increasing")
        if self.typical_rate <= 0:
            raise UsageError(f"typical_rate must be positive, not {self.typical_rate}")


def _adoption(points: Any) -> tuple[tuple[date, float], ...]:
    return tuple(
        (day if isinstance(day, date) else date.fromisoformat(str(day)), float(share))
        for day, share in points
    )


def default_params(spec: NetworkSpec, **overrides: Any) -> NetworkParams:
    """The parameters for ``spec``: ``[default]``, the spec's own ``simulation`` mapping, then
    ``overrides``. The level is the spec's ``typical_rate`` (else the table's
    ``fallback_rate``)."""
    table = load_toml("simulation.toml")
    values: dict[str, Any] = {**table["default"], **spec.simulation}
    values.update(overrides)
    fallback = float(values.pop("fallback_rate"))
    values.setdefault("typical_rate", spec.typical_rate or fallback)
    values["adoption"] = _adoption(values["adoption"])
    values["age_profile"] = tuple(float(x) for x in values["age_profile"])
    known = {f.name for f in dataclasses.fields(NetworkParams)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise UsageError(f"unknown simulator parameter(s) {unknown}; known: {sorted(known)}")
    return NetworkParams(**values)
