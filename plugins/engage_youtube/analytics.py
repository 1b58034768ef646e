"""YouTube Analytics API age reports: ``dimensions=ageGroup,gender&metrics=viewerPercentage``.

The report (``youtubeAnalytics#resultTable``) gives the percentage of views per age group and
gender; summed over gender and divided by 100 it is the channel's audience age, basis
"viewers" (a share of views, not of subscribers). The response does not name the channel:
it comes from an ``engagecore_channel_id`` field, from an ``ids=channel==UC...`` request echo
saved in the file, or from ``--account``.

A report file on disk larger than :data:`STREAM_OVER` bytes is read row by row
(:meth:`engagecore.plugin.JsonStream.walk`; twice when its ``columnHeaders`` come after its
``rows``): parsed whole (and searched as text for the request echo), a 200 MB report cost
11.8× its size.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from engagecore.plugin import (
    Batch,
    FormatError,
    Importer,
    JsonStream,
    ReadContext,
    Source,
    frame,
    observed_at,
)

from .common import (
    AGE_GROUPS,
    CHANNEL_ID_FIELD,
    channel_from_options,
    check_channel,
    load_json,
)

NETWORK = "youtube"

_IDS_ECHO = re.compile(r"channel==([\w-]+)")
_SUMMED_OVER = frozenset({"gender"})
#: A report file larger than this (bytes) is read row by row.
STREAM_OVER = 4 * 1024 * 1024
#: The longest row, and the longest other value, of a streamed report (characters).
MAX_VALUE_CHARS = 16 * 1024 * 1024


class _HeadersLater(Exception):
    """The rows come before the column headers: the report is read again."""


def _streamable(source: Source, member: str) -> bool:
    """Whether a member (a file, or in a zip or gzip file) is large enough to be read item by
    item."""
    return JsonStream.larger(source, member, STREAM_OVER)


def _channel_id(doc: dict[str, Any], echoes: set[str], where: str, ctx: ReadContext) -> str:
    """The channel the report is about: from the file first, else ``--account``.

    :param echoes: the ``channel==...`` the file's text holds."""
    explicit = doc.get(CHANNEL_ID_FIELD)
    if isinstance(explicit, str) and explicit.strip():
        check_channel(ctx, where, [(explicit.strip(), None)])
        return explicit.strip()
    echoed = {m for m in echoes if m != "MINE"}
    if len(echoed) > 1:
        raise FormatError(
            where,
            f"names several channels ({', '.join(sorted(echoed))}); "
            "expected one report per channel",
        )
    if echoed:
        channel = echoed.pop()
        check_channel(ctx, where, [(channel, None)])
        return channel
    return channel_from_options(ctx, where, "a YouTube Analytics report")


def _columns(doc: dict[str, Any], where: str) -> tuple[int, int, int]:
    """Indexes of ageGroup and viewerPercentage, and the expected row length."""
    headers = doc.get("columnHeaders")
    if not isinstance(headers, list) or not all(isinstance(h, dict) for h in headers):
        raise FormatError(where, "expected an Analytics report with a 'columnHeaders' list")
    names = [str(h.get("name", "")) for h in headers]
    if "ageGroup" not in names or "viewerPercentage" not in names:
        raise FormatError(
            where,
            "expected a report of dimensions=ageGroup,gender and metrics=viewerPercentage, "
            f"got columns {names}",
        )
    other = [
        str(h.get("name"))
        for h in headers
        if h.get("columnType") == "DIMENSION" and h.get("name") not in ("ageGroup", *_SUMMED_OVER)
    ]
    if other:
        raise FormatError(
            where,
            f"expected dimensions=ageGroup,gender only; this report also splits by {other}, "
            "so its percentages do not add up to one audience",
        )
    return names.index("ageGroup"), names.index("viewerPercentage"), len(names)


def _share(value: Any, where: str, record: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise FormatError(where, f"expected viewerPercentage as a number, got {value!r}", record)
    try:
        pct = float(value)
    except ValueError:
        raise FormatError(
            where, f"expected viewerPercentage as a number, got {value!r}", record
        ) from None
    if not 0.0 <= pct <= 100.0:
        raise FormatError(where, f"expected viewerPercentage between 0 and 100, got {pct}", record)
    return pct / 100.0


def _add_row(
    row: Any, i: int, columns: tuple[int, int, int], where: str, shares: dict[str, float]
) -> None:
    age_i, pct_i, width = columns
    record = f"rows[{i}]"
    if not isinstance(row, list) or len(row) != width:
        raise FormatError(where, f"expected a row of {width} values, got {row!r}", record)
    group = row[age_i]
    if not isinstance(group, str) or group not in AGE_GROUPS:
        raise FormatError(
            where, f"expected an ageGroup among {list(AGE_GROUPS)}, got {group!r}", record
        )
    shares[group] = shares.get(group, 0.0) + _share(row[pct_i], where, record)


def read_report(
    source: Source, member: str, ctx: ReadContext
) -> tuple[str, datetime, dict[str, float]]:
    """One report: its channel, when it was observed, and the share of views per ageGroup."""
    where = source.display(member)
    if _streamable(source, member):
        return _stream_report(source, member, ctx)
    doc = load_json(source, member)
    if not isinstance(doc, dict):
        raise FormatError(where, "expected an Analytics report object with columnHeaders and rows")
    columns = _columns(doc, where)
    channel = _channel_id(doc, set(_IDS_ECHO.findall(source.read_text(member))), where, ctx)
    rows = doc.get("rows") or []  # the API omits rows when the channel has too few views
    if not isinstance(rows, list):
        raise FormatError(where, "expected 'rows' to be a list")
    shares: dict[str, float] = {}
    for i, row in enumerate(rows):
        _add_row(row, i, columns, where, shares)
    return channel, observed_at(source, member, doc), shares


def _stream_report(
    source: Source, member: str, ctx: ReadContext
) -> tuple[str, datetime, dict[str, float]]:
    """:func:`read_report` of a large report, row by row."""
    where = source.display(member)
    shares: dict[str, float] = {}
    echoes: set[str] = set()
    known: list[tuple[int, int, int]] = []

    def route(path: tuple[str | int, ...]) -> str:
        if path == ():
            return JsonStream.DESCEND
        return JsonStream.ITEMS if path == ("rows",) else JsonStream.KEEP

    def row(path: tuple[str | int, ...], i: int, value: Any) -> None:
        if not known:
            top = docs[-1].parents[-1]
            if "columnHeaders" not in top:
                raise _HeadersLater
            known.append(_columns(top, where))
        _add_row(value, i, known[0], where, shares)
        if isinstance(value, list):
            for v in value:
                if isinstance(v, str) and "channel==" in v:
                    echoes.update(_IDS_ECHO.findall(v))

    def walk(on_row: Any) -> Any:
        with source.stream(member) as fh:
            docs.append(JsonStream(fh, where))
            return docs[-1].walk(
                route, on_row, item_limit=MAX_VALUE_CHARS, value_limit=MAX_VALUE_CHARS
            )

    docs: list[JsonStream] = []
    try:
        top = walk(row)
    except _HeadersLater:
        top = walk(None)
        if isinstance(top, dict):
            known.append(_columns(top, where))
            top = walk(row)
    if not isinstance(top, dict):
        raise FormatError(where, "expected an Analytics report object with columnHeaders and rows")
    if not known:
        known.append(_columns(top, where))
    rows = top.get("rows")
    if rows and not isinstance(rows, JsonStream.Streamed | list):
        raise FormatError(where, "expected 'rows' to be a list")
    echoes.update(_IDS_ECHO.findall(json.dumps(top, default=str, ensure_ascii=False)))
    channel = _channel_id(top, echoes, where, ctx)
    return channel, observed_at(source, member, top), shares


class YouTubeAnalyticsImporter(Importer):
    """Reads YouTube Analytics ageGroup × gender viewerPercentage reports into audience age."""

    name = "youtube-analytics"
    network = NETWORK
    description = (
        "YouTube Analytics API JSON report, dimensions=ageGroup,gender, "
        "metrics=viewerPercentage → audience age (basis viewers)"
    )

    def detect(self, source: Source) -> float:
        if source.kind != "file":
            return 0.0
        head = source.head(source.names()[0], 8192).decode("utf-8", "ignore")
        if not head.lstrip("\ufeff \t\r\n").startswith("{"):
            return 0.0
        if '"columnHeaders"' in head and '"ageGroup"' in head:
            return 0.95
        return 0.0

    def read(self, source: Source, ctx: ReadContext) -> Batch:
        members = source.names() if source.kind == "file" else source.glob("*.json")
        if not members:
            raise FormatError(source.display(), "expected YouTube Analytics report files (*.json)")
        rows: dict[tuple[str, datetime, str], dict[str, Any]] = {}
        accounts: dict[str, dict[str, Any]] = {}
        for member in members:
            channel, seen, shares = read_report(source, member, ctx)
            accounts[channel] = {"network": NETWORK, "account_id": channel}
            for group, share in sorted(shares.items(), key=lambda kv: AGE_GROUPS[kv[0]][1]):
                band, low, high = AGE_GROUPS[group]
                rows[(channel, seen, band)] = {
                    "network": NETWORK,
                    "account_id": channel,
                    "observed_at": seen,
                    "age_band": band,
                    "age_min": low,
                    "age_max": high,
                    "share": share,
                    "basis": "viewers",
                }
        return Batch(
            accounts=frame("accounts", list(accounts.values())),
            audience_age=frame("audience_age", list(rows.values())),
        )
