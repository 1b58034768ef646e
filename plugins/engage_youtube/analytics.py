"""YouTube Analytics API age reports: ``dimensions=ageGroup,gender&metrics=viewerPercentage``.

The report (``youtubeAnalytics#resultTable``) gives the percentage of views per age group and
gender; summed over gender and divided by 100 it is the channel's audience age, basis
"viewers" (a share of views, not of subscribers). The response does not name the channel:
it comes from an ``engagecore_channel_id`` field, from an ``ids=channel==UC...`` request echo
saved in the file, or from ``--account``.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from engagecore.plugin import Batch, FormatError, Importer, ReadContext, Source, frame, observed_at

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


def _channel_id(doc: dict[str, Any], text: str, where: str, ctx: ReadContext) -> str:
    """The channel the report is about: from the file first, else ``--account``."""
    explicit = doc.get(CHANNEL_ID_FIELD)
    if isinstance(explicit, str) and explicit.strip():
        check_channel(ctx, where, [(explicit.strip(), None)])
        return explicit.strip()
    echoed = {m for m in _IDS_ECHO.findall(text) if m != "MINE"}
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


def read_report(
    source: Source, member: str, ctx: ReadContext
) -> tuple[str, datetime, dict[str, float]]:
    """One report: its channel, when it was observed, and the share of views per ageGroup."""
    where = source.display(member)
    doc = load_json(source, member)
    if not isinstance(doc, dict):
        raise FormatError(where, "expected an Analytics report object with columnHeaders and rows")
    age_i, pct_i, width = _columns(doc, where)
    channel = _channel_id(doc, source.read_text(member), where, ctx)
    rows = doc.get("rows") or []  # the API omits rows when the channel has too few views
    if not isinstance(rows, list):
        raise FormatError(where, "expected 'rows' to be a list")
    shares: dict[str, float] = {}
    for i, row in enumerate(rows):
        record = f"rows[{i}]"
        if not isinstance(row, list) or len(row) != width:
            raise FormatError(where, f"expected a row of {width} values, got {row!r}", record)
        group = row[age_i]
        if not isinstance(group, str) or group not in AGE_GROUPS:
            raise FormatError(
                where, f"expected an ageGroup among {list(AGE_GROUPS)}, got {group!r}", record
            )
        shares[group] = shares.get(group, 0.0) + _share(row[pct_i], where, record)
    return channel, observed_at(source, member, doc), shares


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
