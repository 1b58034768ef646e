"""The channel a file belongs to when the file itself does not say (``--account``).

Studio CSV exports and Analytics reports carry no channel id; the user names it with
``engage ingest --account UC...``. A channel URL is accepted and reduced to its id; a handle
is refused, because posts from the Data API are keyed by channel id and the two would not meet.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from engagecore.plugin import FormatError, ReadContext, UsageError, check_named, option

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
