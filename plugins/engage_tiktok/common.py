"""What the TikTok importers share: the network's name, counts, times, links, the account."""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from engagecore.plugin import (
    FormatError,
    ReadContext,
    Source,
    UsageError,
    check_named,
    given_account,
    parse_count,
)

NETWORK_NAME = "tiktok"

#: What TikTok's exports write for "not available": NULL, never 0.
_NOT_AVAILABLE = frozenset({"", "--", "-", "nan", "n/a", "null"})
#: A video's web address: ``https://www.tiktok.com/@handle/video/7567452112981069079``.
VIDEO_LINK = re.compile(
    r"^\s*https?://(?:www\.|m\.)?tiktok\.com/@(?P<handle>[A-Za-z0-9._]{1,64})/video/"
    r"(?P<id>\d{6,25})(?:[/?#].*)?\s*$"
)
#: The share link of the "Download your data" export: ``https://www.tiktokv.com/share/video/ID/``.
SHARE_LINK = re.compile(r"/(?:share/)?video/(?P<id>\d{6,25})(?:[/?#]|$)")
_TIME_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M")
_DAY_FORMATS = ("%Y/%m/%d", "%Y-%m-%d")
#: English month names, as Studio's interface in English writes them (never the locale's).
# fmt: off
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december")
# fmt: on
_MONTH_DAY = re.compile(r"^(?P<month>[A-Za-z]{3,9})\.?\s+(?P<day>\d{1,2})$")


def count(value: object, where: str, record: str, column: str) -> int | None:
    """A count cell: ``--``, ``NAN`` and empty are NULL; anything but a number is refused."""
    if value is None or (isinstance(value, str) and value.strip().lower() in _NOT_AVAILABLE):
        return None
    try:
        return parse_count(value.strip() if isinstance(value, str) else value)
    except ValueError:
        raise FormatError(
            where, f"column {column!r}: expected a count, got {value!r}", record
        ) from None


def zone(ctx: ReadContext) -> ZoneInfo:
    """The user's ``--timezone``, in which TikTok Studio's times without zone are read."""
    try:
        return ZoneInfo(ctx.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(
            f"unknown time zone {ctx.timezone!r}; expected an IANA name like Europe/Paris"
        ) from None


def local_time(value: str, tz: ZoneInfo, where: str, record: str, column: str) -> datetime:
    """``2025/10/31 18:19:10`` (local, no zone) in UTC. A time the clocks repeat (autumn) is
    the first of the two; one they skip (spring) is read with the offset before the change,
    as Python's zoneinfo does."""
    text = value.strip()
    for fmt in _TIME_FORMATS:
        try:
            naive = datetime.strptime(text, fmt)
        except ValueError:
            continue
        try:
            return naive.replace(tzinfo=tz).astimezone(UTC)
        except OverflowError:
            break
    raise FormatError(
        where, f"column {column!r}: expected a time like 2025/10/31 18:19:10, got {value!r}", record
    )


def utc_time(value: object, where: str, record: str, column: str) -> datetime:
    """``2025-05-01 12:00:00``, a time in UTC (the "Download your data" export)."""
    text = value.strip() if isinstance(value, str) else ""
    for fmt in _TIME_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise FormatError(
        where, f"{column!r}: expected a time like 2025-05-01 12:00:00 (UTC), got {value!r}", record
    )


def day_end(value: str, tz: ZoneInfo, where: str, record: str, column: str) -> datetime:
    """A table's ``Date`` (``2025/10/31``): the figures of that day hold at its end, local
    time (23:59:59 in ``tz``), in UTC. (A date cell of the XLSX export reads as midnight.)"""
    text = value.strip().removesuffix(" 00:00:00")
    for fmt in _DAY_FORMATS:
        try:
            d: date = datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        try:
            end = datetime.combine(d, time(23, 59, 59), tz)
            return end.astimezone(UTC)
        except OverflowError:
            break
    raise FormatError(
        where, f"column {column!r}: expected a day like 2025/10/31, got {value!r}", record
    )


def month_day(text: str, where: str, record: str, column: str) -> date | tuple[int, int]:
    """A day of TikTok Studio's downloads: ``September 25`` (month, day: Studio writes no
    year) or a day with its year (``2025/09/25``, ``2025-09-25``, an XLSX date cell)."""
    value = text.strip()
    for fmt in _DAY_FORMATS:
        try:
            return datetime.strptime(value.removesuffix(" 00:00:00"), fmt).date()
        except ValueError:
            continue
    m = _MONTH_DAY.match(value)
    if m is not None:
        word = m["month"].lower()
        months = [i for i, full in enumerate(_MONTHS, 1) if full.startswith(word)]
        if len(word) >= 3 and len(months) == 1 and 1 <= int(m["day"]) <= 31:
            return months[0], int(m["day"])
    raise FormatError(
        where,
        f"column {column!r}: expected a day like 'September 25' (TikTok Studio in English), "
        f"got {text!r}",
        record,
    )


def modified_at(source: Source, name: str) -> datetime:
    """When a member was last modified (the zip's own time inside a zip), to the second:
    Studio's tables state no date of their own."""
    path = source.local_path(name) or source.path
    return datetime.fromtimestamp(int(path.stat().st_mtime), tz=UTC)


def handle_of(value: str) -> str:
    """A TikTok username as stored: no '@', lower case."""
    return value.strip().lstrip("@").strip().lower()


ONE_SECOND = timedelta(seconds=1)


def one_account(
    ctx: ReadContext, where: str, named: Collection[str], *, several: str, missing: str
) -> str:
    """The one account a file names (checked against ``--account``), else ``--account``.

    ``several``: the error when the file names more than one (``{shown}``: their handles);
    ``missing``: the error when it names none and no ``--account`` was given.
    """
    if len(named) > 1:
        shown = ", ".join(f"@{h}" for h in sorted(named))
        raise FormatError(where, several.format(shown=shown))
    if named:
        handle = next(iter(named))
        check_named(ctx, where, [(handle, handle)])
        return handle
    given = given_account(ctx)
    if given is None:
        raise FormatError(where, missing)
    return handle_of(given)
