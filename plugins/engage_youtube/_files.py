"""Reading helpers shared by the YouTube importers: JSON members, timestamps, observed_at.

YouTube's API responses carry no export date, so "when the counts were observed" is the
file's modification time unless the user (or the demo writer) stored an
``engagecore_observed_at`` field at the top level of the response.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from engagecore.plugin import FormatError, Source

#: Top-level field a saved response may carry to say when it was fetched (ISO 8601).
OBSERVED_AT_FIELD = "engagecore_observed_at"


def load_json(source: Source, member: str) -> Any:
    """A JSON member, parsed; invalid JSON is a :class:`FormatError` naming the position."""
    return source.read_json(member)


def parse_timestamp(value: Any, where: str, record: str | int | None, field: str) -> datetime:
    """An ISO 8601 timestamp with a zone ("2023-08-14T03:10:32Z") as an aware UTC datetime."""
    if not isinstance(value, str) or not value:
        raise FormatError(
            where, f"expected {field} as an ISO 8601 timestamp, got {value!r}", record
        )
    try:
        ts = datetime.fromisoformat(value)
    except ValueError:
        raise FormatError(
            where, f"expected {field} as an ISO 8601 timestamp, got {value!r}", record
        ) from None
    if ts.tzinfo is None:
        raise FormatError(
            where, f"expected {field} with a time zone (like ...T03:10:32Z), got {value!r}", record
        )
    try:
        return ts.astimezone(UTC)
    except OverflowError:  # year 1 or 9999 shifted out of range by its zone
        raise FormatError(
            where, f"expected {field} as a plausible time, got {value!r}", record
        ) from None


def file_mtime(source: Source, member: str) -> datetime:
    """The member's modification time in UTC (for a zip member: the zip file's)."""
    path = source.local_path(member) or source.path
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


def observed_at(source: Source, member: str, doc: Any) -> datetime:
    """``engagecore_observed_at`` of a parsed response when present, else the file's mtime.

    A date or a timestamp without a zone in that field is read as UTC.
    """
    raw = doc.get(OBSERVED_AT_FIELD) if isinstance(doc, dict) else None
    if raw is None:
        return file_mtime(source, member)
    where = source.display(member)
    if not isinstance(raw, str):
        raise FormatError(where, f"expected {OBSERVED_AT_FIELD} as an ISO 8601 string, got {raw!r}")
    try:
        ts = datetime.fromisoformat(raw)
    except ValueError:
        raise FormatError(
            where, f"expected {OBSERVED_AT_FIELD} as an ISO 8601 timestamp, got {raw!r}"
        ) from None
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)
