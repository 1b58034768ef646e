"""``tiktok-studio-download``: TikTok Studio's "Download data", the tables beside Content.

Studio's analytics page downloads one zip per tab, its entries at the zip's root (what is
known of them comes from third-party projects that read real downloads, not from TikTok:
see docs/importers.md):

- ``Overview_<first day>_<epoch>_<handle>.zip``: ``Overview.csv`` (``Date,Video Views,
  Profile Views,Likes,Comments,Shares``): the account's daily totals;
- ``Content_<handle>.zip``: ``Content.csv`` (read by ``tiktok-studio``, :mod:`.studio`);
- ``Followers_<handle>.zip``: ``FollowerHistory.csv`` (``Date,Followers,Difference in
  followers from previous day``), ``FollowerActivity.csv`` (``Date,Hour,Active followers``),
  ``FollowerGender.csv`` (``Gender,Distribution``) and ``FollowerTopTerritories.csv``
  (``Top territories,Distribution``);
- ``Viewers_<handle>.zip``: ``Viewers.xlsx`` (or ``.csv``: ``Date,Total Viewers,New Viewers,
  Returning Viewers``).

The CSVs have a UTF-8 BOM, every field quoted and no final newline; the audience tables may
hold their header only; ``undefined`` is "not available". Their days are written without a
year (``September 25``).

Only ``FollowerHistory`` is stored (a follower snapshot per day), when the year of its days
can be established: from the name of the Overview zip of the same download beside it (its
first day, with its year), else from the file's own date (the export's, which the last day
must be within a week of). Every other table of the download is recognised, each file one
import of nothing whose note says what it holds and why it is not stored: a download's
files are read one by one (a source holding more than one table is not claimed, so the walk
offers each file on its own), because an import reports one line, and a note only when it
stores nothing. Tables with their year and XLSX workbooks are read alike (the XLSX reading
of :mod:`.studio`).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path, PurePosixPath

import polars as pl

from engagecore import plugin
from engagecore.plugin import (
    Batch,
    FormatError,
    Importer,
    ReadContext,
    Source,
    check_named,
    given_account,
    option,
)

from .common import _MONTHS, NETWORK_NAME, count, handle_of, modified_at, month_day, zone
from .studio import WHOLE, _display, _xlsx_rows, first_row, is_workbook

#: Header (its first columns, any case) → the table it announces.
HEADERS: dict[str, tuple[str, ...]] = {
    "follower_history": ("Date", "Followers", "Difference in followers from previous day"),
    "follower_activity": ("Date", "Hour", "Active followers"),
    "follower_gender": ("Gender", "Distribution"),
    "follower_territories": ("Top territories", "Distribution"),
    "viewers": ("Date", "Total Viewers", "New Viewers", "Returning Viewers"),
    "overview_daily": ("Date", "Video Views", "Profile Views", "Likes", "Comments", "Shares"),
}

#: What each table not stored holds, and why it is not stored.
_UNSTORED = {
    "overview_daily": (
        "Overview",
        "the account's daily totals",
        "engagecore keeps each video's counts (Content), not daily sums",
    ),
    "follower_activity": (
        "FollowerActivity",
        "active followers per hour",
        "no activity-by-hour table in the model",
    ),
    "follower_gender": (
        "FollowerGender",
        "followers by gender",
        "no gender in the model (it keeps ages, which Studio does not export)",
    ),
    "follower_territories": (
        "FollowerTopTerritories",
        "followers by country",
        "no territories in the model",
    ),
    "viewers": (
        "Viewers",
        "total, new and returning viewers per day",
        "no daily-viewers table in the model",
    ),
}
#: The zip of the download each table comes in.
_ZIP_OF = {
    "overview_daily": "overview",
    "follower_history": "followers",
    "follower_activity": "followers",
    "follower_gender": "followers",
    "follower_territories": "followers",
    "viewers": "viewers",
}
#: A part of a download by its zip's (or its unpacked folder's) name; browsers add " (1)".
_PART = re.compile(
    r"^(?P<part>Overview|Content|Followers|Viewers)_"
    r"(?:(?P<start>\d{4}-\d{2}-\d{2})_(?P<epoch>\d{9,11})_)?"
    r"(?P<handle>[A-Za-z0-9._]{1,64}?)(?: ?\(\d+\))?(?:\.zip)?$",
    re.IGNORECASE,
)
#: How far the last day may be from the export's date (Studio's figures lag two days).
_EXPORT_LAG = timedelta(days=7)
#: How far the first day may be from the Overview zip's first day.
_START_SLACK = timedelta(days=7)
_NOT_AVAILABLE = frozenset({"undefined", "nan", "--", "-", ""})


def table_kind(names: Iterable[str]) -> str | None:
    """The download table a header announces (a key of :data:`HEADERS`), or None."""
    folded = tuple(n.strip().lstrip("\ufeff").casefold() for n in names)
    for kind, header in HEADERS.items():
        if folded[: len(header)] == tuple(h.casefold() for h in header):
            return kind
    return None


def part_of(name: str) -> tuple[str, str, date | None] | None:
    """``(part, handle, first day)`` from a download zip's or unpacked folder's name
    (``Overview_2026-06-18_1786845545_museedemo.zip``), or None."""
    m = _PART.match(name)
    if m is None:
        return None
    start = None
    if m["start"]:
        try:
            start = date.fromisoformat(m["start"])
        except ValueError:
            return None
    return m["part"].lower(), handle_of(m["handle"]), start


def _container(source: Source) -> tuple[str | None, list[str]]:
    """The name of the zip or folder holding a table (``Followers_h.zip``; a zip or folder
    read whole: its own name), and the names beside that zip or folder: on disk, or in the
    zip on disk that holds it (a download zipped whole)."""
    name = source.names()[0] if source.kind == "file" else ""
    if source.kind == "file" and source.local_path(name) is not None:
        return _on_disk(source.path.absolute().parent)
    if source.kind == "folder":
        return _on_disk(source.path.absolute())
    if is_workbook(source):  # one XLSX file on disk (a zip itself)
        return _on_disk(source.path.absolute().parent)
    # a zip read whole, or a table in a zip: ``a.zip[:inner.zip][:folder/]``
    shown = source.display()
    shown = shown[: -len(name)] if name and shown.endswith(name) else shown
    at = next((i for i, c in enumerate(shown) if c == ":" and Path(shown[:i]).is_file()), None)
    if at is None or not shown[at + 1 :]:  # a zip on disk, or a table at its root
        return _on_disk(Path(shown if at is None else shown[:at]).absolute())
    parts = shown[at + 1 :].split(":")
    if not parts[-1]:
        parts.pop()  # a table at the root of a zip inside the zip on disk
    holder = PurePosixPath(parts[-1].rstrip("/"))
    if len(parts) > 1:  # in a zip inside a zip inside the zip on disk: its name only
        return holder.name, []
    level = "" if str(holder.parent) == "." else f"{holder.parent}/"
    outer = Source.open(shown[:at])
    try:
        beside = {n[len(level) :].split("/")[0] for n in outer.names() if n.startswith(level)}
    finally:
        outer.close()
    return holder.name, sorted(beside)


def _on_disk(path: Path) -> tuple[str, list[str]]:
    """A zip, folder or file on disk: its name, and the names beside it."""
    try:
        beside = sorted(p.name for p in path.parent.iterdir())
    except OSError:
        beside = []
    return path.name, beside


def _rows(source: Source, name: str) -> tuple[str, list[str], list[tuple[str, list[str]]]]:
    """A table's header and non-blank rows (``(record, cells)``), CSV or XLSX. A header
    with no row and no final newline is a whole table here: Studio writes them so."""
    where = _display(source, name)
    if name == WHOLE or name.lower().endswith(".xlsx"):
        table = _xlsx_rows(source, name)
        header = table[0] if table else []
        body = [(f"row {i}", row) for i, row in enumerate(table[1:], start=2)]
    else:
        # strict: an unclosed quote is an error (Studio quotes every field, so a file cut
        # short ends inside one: with no final newline, it is the sign of a truncated file)
        reader = csv.reader(io.StringIO(source.read_text(name), newline=""), strict=True)
        try:
            header = next(reader, [])
            body = [(f"line {reader.line_num}", row) for row in reader]
        except csv.Error as exc:
            raise FormatError(
                where, f"not a readable CSV: {exc} (a file cut short?)", f"line {reader.line_num}"
            ) from None
    header = [h.strip().lstrip("\ufeff") for h in header]
    while header and not header[-1]:
        header.pop()
    rows = []
    for record, row in body:
        if not any(c.strip() for c in row):
            continue
        if len(row) < len(header) or any(c.strip() for c in row[len(header) :]):
            raise FormatError(
                where,
                f"expected {len(header)} columns as in the header, got {len(row)} (a file cut "
                "short?)",
                record,
            )
        rows.append((record, row[: len(header)]))
    return where, header, rows


def _head_kind(source: Source, name: str) -> str | None:
    """The table a file's first line (a workbook's first row) announces. A header alone,
    with no newline after it, is read too: Studio writes its empty tables so."""
    first = first_row(source, name)
    return None if first is None else table_kind(first)


class TikTokStudioDownloadImporter(Importer):
    """The tables of TikTok Studio's "Download data" zips but Content (which
    ``tiktok-studio`` reads): FollowerHistory stored, the others recognised and said so."""

    name = "tiktok-studio-download"
    network = NETWORK_NAME
    description = (
        "TikTok Studio's Download data zips (Overview_, Followers_, Viewers_): FollowerHistory "
        "(→ follower snapshots, the account and the year from the zips' names); Overview, "
        "FollowerActivity, FollowerGender, FollowerTopTerritories and Viewers recognised, not "
        "stored"
    )

    def _member(self, source: Source) -> tuple[str, str] | None:
        """The one table ``source`` is (a file, a workbook, or a zip or folder holding one
        table only: a zip of the download holding several tables is walked into, each of
        its files an import of its own)."""
        if is_workbook(source):
            kind = _head_kind(source, WHOLE)
            return (WHOLE, kind) if kind else None
        names = source.names()
        if len(names) != 1:
            return None
        kind = _head_kind(source, names[0])
        return (names[0], kind) if kind else None

    def detect(self, source: Source) -> float:
        return 0.95 if self._member(source) else 0.0

    def read(self, source: Source, ctx: ReadContext) -> Batch:
        found = self._member(source)
        if found is None:
            raise FormatError(
                source.display(),
                "expected one table of TikTok Studio's Download data (a header starting with "
                f"{'; '.join(','.join(h[:3]) for h in HEADERS.values())})",
            )
        name, kind = found
        if kind == "follower_history":
            return _follower_history(source, name, ctx)
        return _unstored(source, name, kind, ctx)


def _named_account(source: Source, part: str, ctx: ReadContext) -> str | None:
    """The account a download's zip (or folder) name gives, checked against ``--account``;
    else ``--account``; else None."""
    holder, _ = _container(source)
    found = part_of(holder) if holder else None
    if found is not None and found[0] == part:
        check_named(ctx, source.display(), [(found[1], found[1])])
        return found[1]
    given = given_account(ctx)
    return handle_of(given) if given is not None else None


def _account_frame(handle: str | None) -> pl.DataFrame | None:
    if handle is None:
        return None
    return plugin.frame(
        "accounts", [{"network": NETWORK_NAME, "account_id": handle, "handle": handle}]
    )


def _unstored(source: Source, name: str, kind: str, ctx: ReadContext) -> Batch:
    """A table engagecore does not store: read, counted, and said so; no account (there is
    nothing to attach to it), so never an error for want of one."""
    _, _, rows = _rows(source, name)
    title, holds, why = _UNSTORED[kind]
    size = f"{len(rows)} row{'s' if len(rows) != 1 else ''}" if rows else "header only"
    _named_account(source, _ZIP_OF[kind], ctx)  # a zip named for another account: refused
    return Batch(empty_reason=f"TikTok Studio {title}: {holds} ({size}); not stored: {why}")


def _on(year: int, month_day: tuple[int, int]) -> date | None:
    try:
        return date(year, *month_day)
    except ValueError:  # February 29 of a common year
        return None


def _walk(days: list[tuple[int, int]], first: date, records: list[str], where: str) -> list[date]:
    """Each day after ``first`` (the first row's), in order: the next date with that month
    and day. A day more than a month after the one before is out of order."""
    out = [first]
    for md, record in zip(days[1:], records[1:], strict=True):
        prev = out[-1]
        nxt = next((d for y in (prev.year, prev.year + 1) if (d := _on(y, md)) and d > prev), None)
        if nxt is None or nxt - prev > timedelta(days=31):
            raise FormatError(
                where,
                f"column 'Date': {_MONTHS[md[0] - 1].title()} {md[1]} does not follow "
                f"{_MONTHS[prev.month - 1].title()} {prev.day}: expected one row per day, in order",
                record,
            )
        out.append(nxt)
    return out


def _closest(md: tuple[int, int], to: date) -> date | None:
    found = [d for y in (to.year - 1, to.year, to.year + 1) if (d := _on(y, md))]
    return min(found, key=lambda d: abs(d - to)) if found else None


def _years(
    days: list[tuple[int, int]],
    records: list[str],
    where: str,
    starts: list[date],
    exported: date | None,
) -> list[date] | None:
    """The dates of days written without a year, or None when the year cannot be
    established: the first day near an Overview zip's first day, else the last day within
    :data:`_EXPORT_LAG` before the export's date."""
    for start in sorted(starts, key=lambda s: abs((_closest(days[0], s) or s) - s)):
        first = _closest(days[0], start)
        if first is not None and abs(first - start) <= _START_SLACK:
            return _walk(days, first, records, where)
    if exported is None:
        return None
    last = max(
        (
            d
            for y in (exported.year - 1, exported.year)
            if (d := _on(y, days[-1])) and d <= exported + timedelta(days=1)
        ),
        default=None,
    )
    if last is None or exported - last > _EXPORT_LAG:
        return None
    # the first day, counted back from the last: then every day forwards, checked
    back = [last]
    for md in reversed(days[:-1]):
        prev = back[-1]
        d = next((d for y in (prev.year, prev.year - 1) if (d := _on(y, md)) and d < prev), None)
        if d is None:
            break
        back.append(d)
    return _walk(days, back[-1], records, where)


def _overview_starts(beside: list[str], handle: str | None) -> list[date]:
    """The first days named by the Overview zips (or unpacked folders) of ``handle``
    among ``beside``."""
    starts = []
    for entry in beside:
        found = part_of(entry)
        if found and found[0] == "overview" and found[1] == handle and found[2] is not None:
            starts.append(found[2])
    return starts


def _follower_history(source: Source, name: str, ctx: ReadContext) -> Batch:
    """``FollowerHistory``: a follower snapshot at the end of each day (local time) whose
    ``Followers`` is given, when the year of its days can be established."""
    where, header, rows = _rows(source, name)
    handle = _named_account(source, "followers", ctx)
    day_at, total_at = header.index("Date"), header.index("Followers")
    records = [record for record, _ in rows]
    cells = [month_day(row[day_at], where, record, "Date") for record, row in rows]
    tz = zone(ctx)
    dated: list[date] = [c for c in cells if isinstance(c, date)]
    if len(dated) != len(cells):
        md = [c for c in cells if isinstance(c, tuple)]
        if dated:
            raise FormatError(where, "column 'Date': days with and without a year, mixed")
        _, beside = _container(source)
        exported: date | None = modified_at(source, name).astimezone(tz).date()
        if exported is not None and exported.year <= 1980:  # a zip that keeps no times
            exported = None
        found = _years(md, records, where, _overview_starts(beside, handle), exported)
        if found is None:
            raise FormatError(
                where,
                f"its days ({_MONTHS[md[0][0] - 1].title()} {md[0][1]}, …) are written without "
                "a year, and neither the Overview zip of the same download beside it "
                "(Overview_<first day>_<number>_<handle>.zip, whose name gives the year) nor "
                "the file's date (the export's) tells it: import the Followers zip beside the "
                "Overview zip of its download, both as downloaded",
            )
        dated = found
    if rows and handle is None:
        raise FormatError(
            where,
            "TikTok Studio's FollowerHistory table names no account: import it in its "
            f"Followers_<handle>.zip, as downloaded, or pass {option('account', 'HANDLE')}",
        )
    snapshots = []
    for (record, row), day in zip(rows, dated, strict=True):
        cell = row[total_at]
        total = (
            None
            if cell.strip().lower() in _NOT_AVAILABLE
            else count(cell, where, record, "Followers")
        )
        if total is not None:
            end = datetime.combine(day, time(23, 59, 59), tz).astimezone(UTC)
            snapshots.append(
                {
                    "network": NETWORK_NAME,
                    "account_id": handle,
                    "observed_at": end,
                    "followers": total,
                }
            )
    batch = Batch(accounts=_account_frame(handle))
    if snapshots:
        batch.follower_snapshots = plugin.frame("follower_snapshots", snapshots)
        if len(snapshots) < len(rows):  # said, not dropped without a word
            batch.notes.append(
                f"FollowerHistory: {len(rows) - len(snapshots)} of {len(rows)} days without a "
                "follower total ('undefined'): no snapshot for them; the 'Difference in "
                "followers from previous day' column is not read"
            )
    else:
        batch.empty_reason = (
            "TikTok Studio's FollowerHistory table holds no day with a follower total "
            f"({'header only' if not rows else 'every total undefined'})"
        )
    return batch
