"""Helpers both Instagram importers share: JSON loading, ids, times and the account option."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from engagecore.plugin import ReadContext, Source, fix_mojibake

NETWORK_NAME = "instagram"

_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,5}$")
_TRAILING_NUMBER = re.compile(r"(?:^|_)(\d+)$")
_WHITESPACE = re.compile(rb"\s+")

PHOTO_EXTENSIONS = frozenset({"jpg", "jpeg", "png", "webp", "heic", "gif", "bmp"})
VIDEO_EXTENSIONS = frozenset({"mp4", "mov", "m4v", "webm", "avi"})


def load_json(source: Source, name: str) -> Any:
    """A member parsed as JSON; a FormatError naming the member when it is not JSON."""
    return source.read_json(name)


def fix_mojibake_in_place(obj: Any) -> Any:
    """:func:`engagecore.plugin.fix_mojibake_deep` that reuses a freshly parsed document's
    lists instead of copying the whole of it: each post is replaced as soon as it is repaired,
    so the original and the repaired document are never both held (parsed, a 200 MB posts
    file weighs ~500 MB of Python objects)."""
    if isinstance(obj, str):
        return fix_mojibake(obj)
    if isinstance(obj, list):
        for i, value in enumerate(obj):
            obj[i] = fix_mojibake_in_place(value)
        return obj
    if isinstance(obj, dict):
        return {fix_mojibake(k): fix_mojibake_in_place(v) for k, v in obj.items()}
    return obj


def squashed_head(source: Source, name: str, size: int = 16384) -> bytes:
    """The first bytes of a member with all whitespace removed, for signature checks."""
    return _WHITESPACE.sub(b"", source.head(name, size))


def media_id(uri: str) -> str:
    """A stable post id from a media file name: its trailing number, else its stem.

    ``media/posts/202405/4432_2087_n_18032017582961826.jpg`` → ``18032017582961826``: Meta
    ends every media file name with the media's numeric id, which never changes.
    """
    stem = _EXTENSION.sub("", uri.rstrip("/").rsplit("/", 1)[-1])
    m = _TRAILING_NUMBER.search(stem)
    return m.group(1) if m else stem


def extension(uri: str) -> str:
    """The lower-case extension of a media uri ("" when it has none)."""
    name = uri.rsplit("/", 1)[-1]
    m = _EXTENSION.search(name)
    return m.group(0)[1:].lower() if m else ""


#: Unix seconds beyond this (year 9999) are no time at all.
_MAX_UNIX = 253_402_300_799


def from_unix(value: Any) -> datetime | None:
    """A UTC datetime from unix seconds (int, float or digit string); None when absent/0.

    ``ValueError`` for anything else: text, a negative number, NaN, a number past year 9999
    (whether the time is plausible is checked by the caller against the network's window).
    """
    if isinstance(value, bool):
        raise ValueError(f"not a unix timestamp: {value!r}")
    if value is None or (isinstance(value, int | float) and value == 0):
        return None
    if isinstance(value, str):
        if not value.strip().isdigit():
            raise ValueError(f"not a unix timestamp: {value!r}")
        value = int(value.strip())
    if not isinstance(value, int | float):
        raise ValueError(f"not a unix timestamp: {value!r}")
    if not 0 < value <= _MAX_UNIX:  # also NaN
        raise ValueError(f"not a unix timestamp: {value!r}")
    return datetime.fromtimestamp(int(value), tz=UTC)


def parse_iso(value: str, timezone: str) -> datetime:
    """An ISO 8601 time ("2019-04-05T07:56:32+0000", "...Z") in UTC; a naive one is taken
    in ``timezone`` (the user's ``--timezone``)."""
    dt = datetime.fromisoformat(value.strip())
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=ZoneInfo(timezone))
    try:
        return dt.astimezone(UTC)
    except OverflowError:  # year 1 or 9999 shifted out of range by its zone
        raise ValueError(f"time out of range: {value!r}") from None


def account_option(ctx: ReadContext) -> str | None:
    """The ``--account`` the user passed, as an Instagram username (no '@', lower case)."""
    raw = ctx.options.get("account")
    if raw is None:
        return None
    value = str(raw).strip().lstrip("@").strip().lower()
    return value or None
