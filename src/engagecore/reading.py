"""Helpers importers share for reading their sources: when a response was observed, byte
ranges copied without loading them, and read errors turned into one-line FormatErrors.

They live in the core because every network's importer needs them; they know no network.
Plugins reach them through :mod:`engagecore.plugin`.
"""

from __future__ import annotations

import csv
import json
import os
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, cast

import duckdb
import polars as pl

from engagecore.errors import FormatError
from engagecore.sources import Source

#: The top-level field a saved API response may carry to say when it was fetched (ISO 8601).
OBSERVED_AT_KEY = "engagecore_observed_at"


def detect_each(
    source: Source, detect_member: Callable[[Source, str], float], suffix: str = ".json"
) -> float:
    """An importer's confidence in a source whose every member is one of its files.

    A plain file: ``detect_member(source, name)``. A folder or zip: the lowest confidence of
    its members, a member not ending in ``suffix`` counting 0, stopping at the first 0 (a
    folder of 10,000 files of another network must not cost 10,000 reads) — so a folder
    holding anything else is left to the ingest's walk, which detects each file on its own.
    """
    names = source.names()
    if not names:
        return 0.0
    if source.kind == "file":
        return detect_member(source, names[0])
    lowest = 1.0
    for name in names:
        lowest = min(lowest, detect_member(source, name) if name.endswith(suffix) else 0.0)
        if lowest == 0.0:
            break
    return lowest


def member_files(source: Source, expected: str, suffix: str = ".json") -> list[str]:
    """The members to read: a plain file's own, else those ending in ``suffix``; none is the
    ``FormatError`` "``{source}: expected {expected}``"."""
    names = source.names()
    if source.kind != "file":
        names = [n for n in names if n.endswith(suffix)]
        if not names:
            raise FormatError(source.display(), f"expected {expected}")
    return names


#: Bytes copied per read or per kernel call.
_CHUNK = 1 << 20


def parse_observed_at(value: Any, where: str) -> datetime | None:
    """The value of an ``engagecore_observed_at`` field as an aware UTC time; None when the
    value is None (the field is absent).

    ISO 8601, a date or a date-time ("2024-06-01", "2024-06-01T10:00:00Z",
    "...+02:00", "...+0200"); one without a zone is UTC. Anything else (not a string, not a
    time, a time out of range) is a :class:`FormatError` naming ``where``.

    .. versionadded:: 1
    """
    if value is None:
        return None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
            return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        except (ValueError, OverflowError):  # overflow: year 1 or 9999 shifted by its zone
            pass
    raise FormatError(where, f"expected {OBSERVED_AT_KEY} as an ISO 8601 date-time, got {value!r}")


def api_time(value: Any) -> datetime | None:
    """A time an API response gives (ISO 8601: ``Z``, an offset, or none, which is UTC) as
    an aware UTC ``datetime``; ``None`` when absent or not a time. For a fetcher deciding
    what to ask next — never for what is stored: the importers check what they read."""
    if not isinstance(value, str):
        return None
    try:
        ts = datetime.fromisoformat(value)
    except ValueError:
        return None
    return ts.astimezone(UTC) if ts.tzinfo else ts.replace(tzinfo=UTC)


def modified_at(source: Source, name: str | None = None) -> datetime:
    """When a member of ``source`` was last modified, as an aware UTC time to the microsecond:
    the file's own time on disk, or for a zip member the zip file's (the time members carry
    in a zip has no zone).

    .. versionadded:: 1
    """
    path = source.local_path(name if name is not None else source.names()[0]) or source.path
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


def observed_at(source: Source, name: str | None = None, doc: Any = None) -> datetime:
    """When the counts in a saved response were observed.

    The response's top-level ``engagecore_observed_at`` when ``doc`` (the parsed response)
    has one (see :func:`parse_observed_at`: naive is UTC, an invalid value is a
    :class:`FormatError` naming the file), else the file's modification time
    (:func:`modified_at`). ``name`` is the member of ``source`` (default: a plain file's own).

    .. versionadded:: 1
    """
    member = name if name is not None else source.names()[0]
    raw = doc.get(OBSERVED_AT_KEY) if isinstance(doc, dict) else None
    when = parse_observed_at(raw, source.display(member))
    return when if when is not None else modified_at(source, member)


def copy_range(
    source: Source | Path,
    out: Path | BinaryIO,
    start: int = 0,
    end: int | None = None,
    *,
    name: str | None = None,
) -> int:
    """Copy bytes ``[start, end)`` of a file to ``out`` without holding them in memory; return
    the number of bytes copied.

    ``source`` is a :class:`Source` (``name`` its member, default a plain file's own) or a
    path; ``end`` None means to the end. ``out`` is a path (created or truncated) or a
    binary file object open for writing (a pipe too), written from its current position.
    Between two files on disk the kernel copies (``os.copy_file_range``) where it can; else,
    and for a zip member (inflated as it streams, the bytes before ``start`` read and
    dropped), the bytes go through a buffer of 1 MiB.

    .. versionadded:: 1
    """
    if start < 0 or (end is not None and end < start):
        raise ValueError(f"bad byte range [{start}, {end})")
    if isinstance(out, Path):
        with out.open("wb") as fh:
            return copy_range(source, fh, start, end, name=name)
    if isinstance(source, Path):
        path: Path | None = source
    else:
        path = source.local_path(name if name is not None else source.names()[0])
    if path is None:
        assert isinstance(source, Source)
        with source.stream(name if name is not None else source.names()[0]) as member:
            fin = cast(BinaryIO, member)
            _skip(fin, start)
            return _copy_stream(fin, out, None if end is None else end - start)
    with path.open("rb") as fin:
        size = os.fstat(fin.fileno()).st_size
        stop = size if end is None else min(end, size)
        remaining = max(stop - start, 0)
        copied = _copy_kernel(fin, out, start, remaining)
        fin.seek(start + copied)
        return copied + _copy_stream(fin, out, remaining - copied)


def _skip(fin: BinaryIO, count: int) -> None:
    while count > 0:
        chunk = fin.read(min(count, _CHUNK))
        if not chunk:
            return
        count -= len(chunk)


def _copy_kernel(fin: BinaryIO, out: BinaryIO, offset: int, count: int) -> int:
    """Bytes copied by ``os.copy_file_range`` into a regular file ``out`` (0 where the
    platform, the file system or the kind of ``out`` does not allow it)."""
    copy = getattr(os, "copy_file_range", None)
    if copy is None or count <= 0:
        return 0
    try:
        fd = out.fileno()
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return 0
        out.flush()
    except (AttributeError, OSError, ValueError):
        return 0
    done = 0
    try:
        while done < count:
            n = copy(fin.fileno(), fd, count - done, offset + done)
            if n == 0:
                break
            done += n
    except OSError:
        pass  # e.g. across file systems on an old kernel: the rest in user space
    if done:
        out.seek(os.lseek(fd, 0, os.SEEK_CUR))  # the kernel moved it: Python's view in step
    return done


def _copy_stream(fin: BinaryIO, out: BinaryIO, count: int | None) -> int:
    done = 0
    while count is None or done < count:
        chunk = fin.read(_CHUNK if count is None else min(_CHUNK, count - done))
        if not chunk:
            break
        out.write(chunk)
        done += len(chunk)
    return done


def _reason(exc: BaseException) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
    if isinstance(exc, UnicodeDecodeError):
        return f"not {exc.encoding} text ({exc.reason} at byte {exc.start})"
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:199] + "…"


#: What :func:`read_errors` turns into a FormatError: errors of the data, not of the program.
READ_ERRORS: tuple[type[BaseException], ...] = (
    UnicodeDecodeError,
    json.JSONDecodeError,
    csv.Error,
    pl.exceptions.PolarsError,
    duckdb.Error,
)
#: DuckDB errors that are no fault of the data: they keep their meaning.
_NOT_THE_DATA: tuple[type[BaseException], ...] = (
    duckdb.InterruptException,
    duckdb.OutOfMemoryException,
)


@contextmanager
def read_errors(where: str, expected: str, record: str | int | None = None) -> Iterator[None]:
    """Turn a read error raised inside the block into a one-line :class:`FormatError` naming
    ``where`` (and ``record``): ``"{where}: expected {expected} ({reason})"``.

    Read errors: undecodable text (:class:`UnicodeDecodeError`), invalid JSON, :class:`csv.Error`,
    polars' and DuckDB's errors (a parse error, a missing column…), but not an interrupted
    or out-of-memory DuckDB query; the cause stays chained. A :class:`FormatError` raised
    inside passes unchanged, and so does everything else (a bug is not a format error).

    ``with read_errors(display, "a CSV with a header line"): df = pl.read_csv(...)``

    .. versionadded:: 1
    """
    try:
        yield
    except FormatError:
        raise
    except _NOT_THE_DATA:
        raise
    except READ_ERRORS as exc:
        raise FormatError(where, f"expected {expected} ({_reason(exc)})", record) from exc
