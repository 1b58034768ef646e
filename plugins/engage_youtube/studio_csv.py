"""YouTube Studio "Export current view" CSV: ``Table data.csv``, alone or in its zip.

Studio exports a zip of ``Table data.csv``, ``Chart data.csv`` and ``Totals.csv``; only the
table has one row per video. Its columns depend on the metrics the user chose, but always
start with ``Content,Video title,Video publish time``; row 2 is a ``Total`` row; an empty cell
means "not available" (NULL); ids may carry a leading space (Studio's guard against ids that
start with "-"); dates are "Dec 15, 2023", a calendar day without a time, stored at 12:00
local time (``--timezone``) that day, as TikTok Studio's day-only tables are, and said in the
import's notes. The file does not name the channel, so ``--account`` must.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from engagecore.plugin import (
    Batch,
    FormatError,
    Importer,
    ReadContext,
    Source,
    UsageError,
    check_csv_records,
    frame,
    hashtags,
    mentions,
    modified_at,
    parse_count,
)

from .common import channel_from_options

NETWORK = "youtube"
TABLE = "Table data.csv"
_STUDIO_MEMBERS = frozenset({"Table data.csv", "Chart data.csv", "Totals.csv"})
HEADER_START = ("Content", "Video title", "Video publish time")

#: Studio column → count column; every other metric (watch time, CTR, ...) is ignored.
METRICS: dict[str, str] = {
    "Views": "views",
    "Likes": "likes",
    "Comments added": "comments",
    "Shares": "shares",
    "Impressions": "impressions",
}

_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
#: The local time a video is stored at (Studio gives its publish day only): midday, so that
#: its day is the same in UTC wherever the zone is within ±12 hours.
_DAY_ONLY_AT = time(12)
_DATE = re.compile(r"(?P<mon>[A-Za-z]+)\.? (?P<day>\d{1,2}), (?P<year>\d{4})")


def _month(word: str) -> int | None:
    w = word.lower()
    for i, full in enumerate(_MONTHS, start=1):
        if len(w) >= 3 and (full.startswith(w) or (full == "september" and w == "sept")):
            return i
    return None


def parse_studio_date(value: str) -> tuple[int, int, int] | None:
    """(year, month, day) of "Dec 15, 2023" (also "December 15, 2023" and "2023-12-15")."""
    s = value.strip()
    m = _DATE.fullmatch(s)
    if m is not None:
        month = _month(m.group("mon"))
        if month is None:
            return None
        ymd = (int(m.group("year")), month, int(m.group("day")))
    elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
        ymd = (int(s[:4]), int(s[5:7]), int(s[8:10]))
    else:
        return None
    try:
        datetime(*ymd)
    except ValueError:
        return None
    return ymd


def _header_ok(source: Source, member: str) -> bool:
    head = source.head(member, 2048).decode("utf-8", "ignore").lstrip("\ufeff")
    try:
        first = next(csv.reader(io.StringIO(head.partition("\n")[0])), [])
    except csv.Error:  # e.g. NUL bytes: a UTF-16 file, not ours
        return False
    return tuple(c.strip() for c in first[:3]) == HEADER_START


def _zone(ctx: ReadContext) -> ZoneInfo:
    try:
        return ZoneInfo(ctx.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(
            f"unknown time zone {ctx.timezone!r}; expected an IANA name like Europe/Paris"
        ) from None


#: Studio columns besides our metrics, for recognising a header cut short.
_OTHER_COLUMNS = (
    "Watch time (hours)",
    "Average view duration",
    "Average percentage viewed (%)",
    "Subscribers",
    "Subscribers gained",
    "Subscribers lost",
    "Impressions click-through rate (%)",
    "Duration",
    "Estimated revenue (USD)",
    "Dislikes",
)


def _read_table(source: Source, member: str, channel: str, zone: ZoneInfo) -> list[dict[str, Any]]:
    where = source.display(member)
    text = source.read_text(member)
    known = (*HEADER_START, *METRICS, *_OTHER_COLUMNS)
    check_csv_records(text, where, known_headers=known)
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader, [])]
    if tuple(header[:3]) != HEADER_START:
        raise FormatError(
            where, f"expected a header starting with {','.join(HEADER_START)}, got {header[:3]}", 1
        )
    metric_at = {col: header.index(name) for name, col in METRICS.items() if name in header}
    seen = modified_at(source, member)
    rows = []
    for row in reader:
        record = f"line {reader.line_num}"
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise FormatError(where, f"expected {len(header)} columns, got {len(row)}", record)
        vid = row[0].strip()
        if vid == "Total":
            continue
        if not vid:
            raise FormatError(where, "expected a video id in the Content column", record)
        ymd = parse_studio_date(row[2])
        if ymd is not None and not 1 < ymd[0] < 9999:
            ymd = None  # a day the time zone would shift out of the calendar
        if ymd is None:
            raise FormatError(
                where, f'expected Video publish time like "Dec 15, 2023", got {row[2]!r}', record
            )
        title = row[1]
        out: dict[str, Any] = {
            "network": NETWORK,
            "post_id": vid,
            "account_id": channel,
            "posted_at": datetime.combine(datetime(*ymd).date(), _DAY_ONLY_AT, zone).astimezone(
                UTC
            ),
            "kind": "video",
            "is_own": True,
            "text": title or None,
            "hashtags": hashtags(title),
            "mentions": mentions(title),
            "url": f"https://www.youtube.com/watch?v={vid}",
            "observed_at": seen,
        }
        for col, i in metric_at.items():
            try:
                out[col] = parse_count(row[i])
            except ValueError:
                raise FormatError(
                    where, f"expected a number in column {header[i]!r}, got {row[i]!r}", record
                ) from None
        rows.append(out)
    return rows


class YouTubeStudioCsvImporter(Importer):
    """Reads YouTube Studio's per-video ``Table data.csv`` (needs ``--account``)."""

    name = "youtube-studio-csv"
    network = NETWORK
    description = (
        "YouTube Studio 'Export current view' Table data.csv (or its zip): views, likes, "
        "comments, shares, impressions per video; pass the channel id with --account"
    )

    def detect(self, source: Source) -> float:
        names = source.names()
        if source.kind == "file":
            return 0.95 if names and _header_ok(source, names[0]) else 0.0
        tables = source.glob(TABLE)
        if not tables:
            return 0.0
        # A folder is claimed only when it is a bare Studio export; others are walked into.
        if source.kind == "folder" and any(
            n.rsplit("/", 1)[-1] not in _STUDIO_MEMBERS for n in names
        ):
            return 0.0
        return 0.95 if all(_header_ok(source, t) for t in tables) else 0.0

    def read(self, source: Source, ctx: ReadContext) -> Batch:
        members = source.names() if source.kind == "file" else source.glob(TABLE)
        if not members:
            raise FormatError(source.display(), f"expected a YouTube Studio {TABLE!r}")
        channel = channel_from_options(
            ctx, source.display(members[0]), "a YouTube Studio CSV export"
        )
        zone = _zone(ctx)
        posts: dict[str, dict[str, Any]] = {}
        for member in members:
            for row in _read_table(source, member, channel, zone):
                old = posts.get(row["post_id"])
                if old is None or row["observed_at"] >= old["observed_at"]:
                    posts[row["post_id"]] = row
        ordered = sorted(posts.values(), key=lambda r: (r["posted_at"], r["post_id"]))
        n = len(ordered)
        notes = (
            [
                "YouTube Studio's Video publish time gives the day only ("
                + ("the video" if n == 1 else f"each of the {n:,} videos")
                + f" stored as published at 12:00 local time that day, {zone.key})"
            ]
            if n
            else []
        )
        return Batch(
            accounts=frame("accounts", [{"network": NETWORK, "account_id": channel}]),
            posts=frame("posts", ordered),
            notes=notes,
        )
