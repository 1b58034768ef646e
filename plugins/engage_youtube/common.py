"""What the YouTube importers and demo writer share: reading helpers (JSON members,
timestamps, observed_at), the channel a file belongs to, ISO 8601 durations and the
Analytics age groups.

YouTube's API responses carry no export date, so "when the counts were observed" is the
file's modification time unless the user (or the demo writer) stored an
``engagecore_observed_at`` field at the top level of the response
(:func:`engagecore.plugin.observed_at`).

Studio CSV exports and Analytics reports carry no channel id; the user names it with
``engage ingest --account UC...``. A channel URL is accepted and reduced to its id; a handle
is refused, because posts from the Data API are keyed by channel id and the two would not meet.

Durations are written "PT1H40M7S", "PT30S", "P1DT2H" (long streams), and "P0D" for a live
stream in progress (``contentDetails.duration``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from engagecore.plugin import FormatError, ReadContext, Source, UsageError, check_named, option

#: Top-level field the demo writer stores in an Analytics report to name its channel.
CHANNEL_ID_FIELD = "engagecore_channel_id"

#: Analytics ``ageGroup`` values → (age_band, age_min, age_max).
AGE_GROUPS: dict[str, tuple[str, int, int | None]] = {
    "age13-17": ("13-17", 13, 17),
    "age18-24": ("18-24", 18, 24),
    "age25-34": ("25-34", 25, 34),
    "age35-44": ("35-44", 35, 44),
    "age45-54": ("45-54", 45, 54),
    "age55-64": ("55-64", 55, 64),
    "age65-": ("65+", 65, None),
}


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


# -- the channel a file belongs to (--account) --

_CHANNEL_URL = re.compile(r"youtube\.com/channel/(?P<id>[\w-]+)")


def _hint() -> str:
    return (
        f"pass the channel id with {option('account', 'UC...')} (YouTube Studio → Settings → "
        "Channel → Advanced settings, or the youtube.com/channel/UC... address)"
    )


def channel_from_options(ctx: ReadContext, where: str, what: str) -> str:
    """The channel id given as ``ctx.options["account"]``; FormatError when none was given.

    :param where: the file, for the message.
    :param what: what the file is, for the message ("a YouTube Studio CSV export").
    """
    raw = ctx.options.get("account")
    value = str(raw).strip() if raw is not None else ""
    if not value:
        raise FormatError(where, f"{what} does not name its channel: {_hint()}")
    m = _CHANNEL_URL.search(value)
    if m is not None:
        return m.group("id")
    if value.startswith("@") or "/" in value:
        raise UsageError(f"account {value!r} is not a YouTube channel id: {_hint()}")
    return value


def check_channel(ctx: ReadContext, where: str, named: Iterable[tuple[str, str | None]]) -> None:
    """A file naming its channel(s) must name the ``--account`` given, if one was (a channel
    address is reduced to its id first)."""
    raw = ctx.options.get("account")
    if raw is None or not str(raw).strip():
        return
    m = _CHANNEL_URL.search(str(raw))
    given = m.group("id") if m else str(raw).strip()
    check_named(replace(ctx, options={**ctx.options, "account": given}), where, named, "channel")


# -- durations --

_DURATION = re.compile(
    r"P(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?"
)


def parse_duration(value: str) -> float:
    """Seconds in an ISO 8601 duration; ``ValueError`` when it is not one."""
    m = _DURATION.fullmatch(value)
    if m is None or value in ("P", "PT"):
        raise ValueError(f"not an ISO 8601 duration: {value!r}")
    parts = {k: float(v) if v else 0.0 for k, v in m.groupdict().items()}
    return (
        parts["w"] * 604800 + parts["d"] * 86400 + parts["h"] * 3600 + parts["m"] * 60 + parts["s"]
    )


def format_duration(seconds: int) -> str:
    """Whole seconds as YouTube writes them: 6007 → "PT1H40M7S", 0 → "P0D"."""
    if seconds <= 0:
        return "P0D"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    out = f"P{days}D" if days else "P"
    if hours or minutes or secs:
        out += "T"
        out += f"{hours}H" if hours else ""
        out += f"{minutes}M" if minutes else ""
        out += f"{secs}S" if secs else ""
    return out
