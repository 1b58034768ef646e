"""Resource limits: how much an import may inflate, how much memory DuckDB may use, how long
a command waits for a busy store.

Every limit has a documented default (docs/importers.md, "Limits"), an environment variable
and a Python override (:func:`using`). Values are validated here, once, so nothing read from
the environment ever reaches SQL unchecked.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Final

from engagecore.errors import UsageError

_UNITS: Final = {
    "b": 1,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "tb": 1000**4,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
    "tib": 1024**4,
}
_SIZE: Final = re.compile(r"(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|tb|kib|mib|gib|tib)", re.IGNORECASE)
_SIZE_FORM: Final = "a size such as 512MB, 2GiB or 1.5GB (units B, KB, MB, GB, TB, KiB … TiB)"

#: defaults (see docs/importers.md)
DEFAULT_INGEST_MEMORY: Final = "512MB"
DEFAULT_MAX_MEMBER_SIZE: Final = "4GiB"
DEFAULT_MAX_RATIO: Final = 200.0
DEFAULT_WAIT: Final = 10.0
#: a zip member inflating to less than this is never refused for its ratio (a small file
#: of repeated bytes compresses a thousandfold and harms nobody)
RATIO_FLOOR: Final = 1024 * 1024


def parse_size(text: str, variable: str) -> int:
    """``text`` (``"512MB"``, ``"2 GiB"``) in bytes; anything else is a one-line UsageError
    naming ``variable`` and the expected form."""
    match = _SIZE.fullmatch(text.strip())
    if match is None:
        raise UsageError(f"{variable}={text!r}: expected {_SIZE_FORM}")
    number, unit = match.groups()
    value = int(float(number) * _UNITS[unit.lower()])
    if value <= 0:
        raise UsageError(f"{variable}={text!r}: expected a size above zero")
    return value


def human(n: float) -> str:
    """A byte count as people read it: ``1.0 GiB``."""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"


def _positive(text: str, variable: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise UsageError(f"{variable}={text!r}: expected {what}")
    return value


@dataclass(frozen=True)
class Limits:
    """The limits in force. ``None`` fields are read from the environment (or defaulted)."""

    #: bytes one zip member may inflate to (ENGAGE_MAX_MEMBER_SIZE)
    max_member_bytes: int | None = None
    #: inflated / compressed size one zip member may reach (ENGAGE_MAX_RATIO)
    max_ratio: float | None = None
    #: DuckDB's memory_limit during an ingest, e.g. "512MB" (ENGAGE_INGEST_MEMORY)
    ingest_memory: str | None = None
    #: seconds a command waits for a store another process holds (ENGAGE_WAIT)
    wait: float | None = None

    def resolved(self) -> Limits:
        """Every field filled in and validated (environment first, then the defaults)."""
        env = os.environ
        member = self.max_member_bytes
        if member is None:
            raw = env.get("ENGAGE_MAX_MEMBER_SIZE") or DEFAULT_MAX_MEMBER_SIZE
            member = parse_size(raw, "ENGAGE_MAX_MEMBER_SIZE")
        ratio = self.max_ratio
        if ratio is None:
            raw = env.get("ENGAGE_MAX_RATIO") or str(DEFAULT_MAX_RATIO)
            ratio = _positive(raw, "ENGAGE_MAX_RATIO", "a number above zero, e.g. 200")
        memory = self.ingest_memory
        variable = "ingest_memory"
        if memory is None:
            memory = env.get("ENGAGE_INGEST_MEMORY") or DEFAULT_INGEST_MEMORY
            variable = "ENGAGE_INGEST_MEMORY"
        parse_size(memory, variable)
        wait = self.wait
        if wait is None:
            raw_wait = env.get("ENGAGE_WAIT")
            wait = DEFAULT_WAIT if not raw_wait else _nonnegative(raw_wait, "ENGAGE_WAIT")
        if member <= 0 or ratio <= 0 or wait < 0:
            raise UsageError(f"limits must be positive: {self}")
        return Limits(member, ratio, memory.strip(), wait)


def _nonnegative(text: str, variable: str) -> float:
    if text.strip() in ("0", "0.0"):
        return 0.0
    return _positive(text, variable, "a number of seconds, e.g. 10 (0: do not wait)")


_OVERRIDE: ContextVar[Limits | None] = ContextVar("engage_limits", default=None)


def current() -> Limits:
    """The limits in force, resolved (overrides from :func:`using`, then the environment)."""
    return (_OVERRIDE.get() or Limits()).resolved()


@contextmanager
def using(**overrides: float | int | str | None) -> Iterator[Limits]:
    """Override some limits for the block, e.g. ``with limits.using(max_ratio=50): ...``."""
    base = _OVERRIDE.get() or Limits()
    token = _OVERRIDE.set(replace(base, **overrides))  # type: ignore[arg-type]
    try:
        yield current()
    finally:
        _OVERRIDE.reset(token)


def ingest_memory_sql() -> str:
    """``SET memory_limit = '...'`` for an ingest, from a validated size only."""
    memory = current().ingest_memory
    assert memory is not None
    return f"SET memory_limit = '{parse_size(memory, 'ENGAGE_INGEST_MEMORY')}B'"
