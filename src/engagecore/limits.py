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
from typing import Any, Final

from engagecore.errors import ResourceError, UsageError

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
#: a JSON or text file parsed whole in Python costs up to ~9x its size in memory (its bytes,
#: the decoded text and the parsed values, at up to 4 bytes per character): beyond this
#: size such a file is refused before it is read (streamed readers are not concerned)
DEFAULT_MAX_DOCUMENT_SIZE: Final = "256MiB"
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
    #: bytes of one file an importer parses whole in memory (ENGAGE_MAX_DOCUMENT_SIZE)
    max_document_bytes: int | None = None

    # Each limit is resolved on its own, when used: a typo in one variable fails only the
    # commands that need it (with a one-line error naming it).

    def member_bytes(self) -> int:
        if self.max_member_bytes is not None:
            return _checked(self.max_member_bytes, "max_member_bytes")
        raw = os.environ.get("ENGAGE_MAX_MEMBER_SIZE") or DEFAULT_MAX_MEMBER_SIZE
        return parse_size(raw, "ENGAGE_MAX_MEMBER_SIZE")

    def document_bytes(self) -> int:
        if self.max_document_bytes is not None:
            return _checked(self.max_document_bytes, "max_document_bytes")
        raw = os.environ.get("ENGAGE_MAX_DOCUMENT_SIZE") or DEFAULT_MAX_DOCUMENT_SIZE
        return parse_size(raw, "ENGAGE_MAX_DOCUMENT_SIZE")

    def ratio(self) -> float:
        if self.max_ratio is not None:
            return _checked(self.max_ratio, "max_ratio")
        raw = os.environ.get("ENGAGE_MAX_RATIO") or str(DEFAULT_MAX_RATIO)
        return _positive(raw, "ENGAGE_MAX_RATIO", "a number above zero, e.g. 200")

    def memory_bytes(self) -> int:
        if self.ingest_memory is not None:
            return parse_size(self.ingest_memory, "ingest_memory")
        raw = os.environ.get("ENGAGE_INGEST_MEMORY") or DEFAULT_INGEST_MEMORY
        return parse_size(raw, "ENGAGE_INGEST_MEMORY")

    def wait_seconds(self) -> float:
        if self.wait is not None:
            return self.wait if self.wait == 0 else _checked(self.wait, "wait")
        raw = os.environ.get("ENGAGE_WAIT")
        return DEFAULT_WAIT if not raw else _nonnegative(raw, "ENGAGE_WAIT")


def _checked(value: float, name: str) -> Any:
    if not value > 0:
        raise UsageError(f"{name}={value!r}: expected a value above zero")
    return value


def _nonnegative(text: str, variable: str) -> float:
    if text.strip() in ("0", "0.0"):
        return 0.0
    return _positive(text, variable, "a number of seconds, e.g. 10 (0: do not wait)")


_OVERRIDE: ContextVar[Limits | None] = ContextVar("engage_limits", default=None)


def current() -> Limits:
    """The limits in force: overrides from :func:`using`; its ``None`` fields are read from
    the environment, else defaulted, by the methods (``current().ratio()``)."""
    return _OVERRIDE.get() or Limits()


@contextmanager
def using(**overrides: float | int | str | None) -> Iterator[Limits]:
    """Override some limits for the block, e.g. ``with limits.using(max_ratio=50): ...``."""
    base = _OVERRIDE.get() or Limits()
    token = _OVERRIDE.set(replace(base, **overrides))  # type: ignore[arg-type]
    try:
        yield current()
    finally:
        _OVERRIDE.reset(token)


def override(**overrides: float | int | str | None) -> None:
    """Override some limits for the rest of the current context (the CLI's options)."""
    _OVERRIDE.set(replace(_OVERRIDE.get() or Limits(), **overrides))  # type: ignore[arg-type]


def ingest_memory_sql() -> str:
    """``SET memory_limit = '...'`` for an ingest, from a validated size only."""
    return f"SET memory_limit = '{current().memory_bytes()}B'"


#: row groups and log size between checkpoints of a store opened for a long run of small
#: commits (``Store(small_appends=True)``: engage fetch); DuckDB's defaults are 122,880 rows
#: and 16MB. Import only of a 400,000-post fetch's pages (benchmarks/RESULTS.md): peak 321 MB
#: with the defaults, 314 with the row group alone, 465 with the checkpoint alone, 287-291
#: with 16,384 rows and 4MB; with the cache dropped between batches (Store.drop_cache),
#: 279 at 16,384 rows and 4MB, 254 at 8,192 and 2MB, 258 at 4,096 and 1MB
SMALL_APPENDS_ROW_GROUP: Final = 8_192
SMALL_APPENDS_CHECKPOINT: Final = "2MB"

#: a batched import's DuckDB memory (see :func:`batch_memory_bytes`): at least this share of
#: ``ENGAGE_INGEST_MEMORY`` (512MB: 64MB), and this many times the batch's own frames (a
#: YouTube batch of 8 MB of frames needed between 16 and 32 MB)
BATCH_MEMORY_SHARE: Final = 8
BATCH_MEMORY_FACTOR: Final = 8


def batch_memory_bytes(frames_bytes: int) -> int:
    """DuckDB's memory limit while one batch of a batched import (``engage fetch``) is
    written: ``ENGAGE_INGEST_MEMORY`` / 8, or 8 times the batch's frames when more, never
    above ``ENGAGE_INGEST_MEMORY``.

    Under the ingest's limit alone DuckDB kept the blocks of the growing store cached, and
    each checkpoint rewrote the table's last row group in memory: a long fetch's import grew
    with the pages fetched (benchmarks/RESULTS.md, "Fetch (issue 11)"). A batch needs a
    bounded amount; past it DuckDB evicts cached blocks and spills. The batch's commit runs
    under ``ENGAGE_INGEST_MEMORY`` again: a commit may checkpoint, and a checkpoint that runs
    out of memory is fatal to DuckDB (with 5,000-row batches under 16 MB it invalidated the
    database). Raising ``ENGAGE_INGEST_MEMORY`` raises this cap too (the out-of-memory error
    says so).
    """
    limit = current().memory_bytes()
    return min(limit, max(limit // BATCH_MEMORY_SHARE, BATCH_MEMORY_FACTOR * frames_bytes))


def batch_memory_sql(frames_bytes: int) -> str:
    """``SET memory_limit`` for one batch (:func:`batch_memory_bytes`), a computed size only."""
    return f"SET memory_limit = '{batch_memory_bytes(frames_bytes)}B'"


def _chain(exc: BaseException) -> list[BaseException]:
    chain = [exc]
    while (nxt := chain[-1].__cause__ or chain[-1].__context__) is not None and nxt not in chain:
        chain.append(nxt)
    return chain


def out_of_memory(
    exc: BaseException, doing: str = "", *, ingest: bool = False
) -> ResourceError | None:
    """The one-line error for an out-of-memory anywhere in ``exc``'s chain (a plugin may have
    wrapped it, DuckDB may have followed it with "transaction is aborted"), or None.
    ``ingest``: DuckDB's limit is then ours (``ENGAGE_INGEST_MEMORY``), and can be raised."""
    import duckdb  # here: the CLI imports this module before DuckDB is needed

    what = f"out of memory {doing}" if doing else "out of memory"
    for cause in _chain(exc):
        if isinstance(cause, duckdb.OutOfMemoryException) or "Out of Memory Error" in str(cause):
            used = re.search(r"\(([^()]*) used\)", str(cause))
            if not ingest:
                return ResourceError(
                    f"{what}: DuckDB ran out of memory"
                    f"{f' ({used.group(1)} used)' if used else ''}; close other programs, "
                    "narrow the command (fewer networks, a shorter period), or use a machine "
                    "with more memory"
                )
            setting = current().memory_bytes()
            return ResourceError(
                f"{what}: DuckDB reached its memory limit "
                f"({used.group(1) if used else human(setting)} used); raise it with "
                f"ENGAGE_INGEST_MEMORY (now {human(setting)}), e.g. ENGAGE_INGEST_MEMORY=4GB, "
                "or import fewer files at once"
            )
        if isinstance(cause, MemoryError):
            return ResourceError(
                f"{what}: the machine has no memory left for Python; import "
                "fewer or smaller files at once, or use a machine with more memory"
            )
    return None
