"""``tiktok-studio``: TikTok Studio's analytics exports, CSV (UTF-8 with a BOM).

Four tables, each a file of its own, recognised by its header wherever it is (a file, or a
folder or zip holding only Studio tables, all in one folder: a folder of one subfolder per
account is walked into, each subfolder one import):

- **Content**, one row per video: ``Video title,Video link,Post time,Video views,Likes,
  Comments,Shares,Add to Favorites``. ``Post time`` is local time without a zone
  (``2025/10/31 18:19:10``), read in ``--timezone``; the account's handle and the video id
  come from ``Video link`` (``https://www.tiktok.com/@handle/video/7567452112981069079``);
  "Add to Favorites" are saves. The table states no date: its counts are observed at the
  file's modification time.
- **Content, totals** (:data:`CONTENT_TOTALS`), one row per video: ``Time,Video title,
  Video link,Post time,Total likes,Total comments,Total shares,Total views``: ``Time`` the
  export's day, ``Post time`` the video's, both without a year (``October 31``): the year
  from the file's date; each video at 12:00 local time on its day; no saves. Said in the
  import's notes.
- **Followers**, one row per day: ``Date,New followers,Total followers,Reached audience,
  Engaged audience`` → a follower snapshot at the end of each day (local time) whose
  ``Total followers`` is given.
- **Overview**, one row per day: ``Date,Video views,Reached audience,Profile views,Likes,
  Shares,Comments,…,Net growth,New followers,Lost followers``: the account's daily totals,
  which the model does not store (no follower total either); recognised so that a folder
  holding it imports, and alone it is an import of nothing that says why.

The same tables exported as XLSX (the first sheet, its first row the header) are read with
openpyxl: a number cell is a count, a date cell is the local time it shows.

A Content CSV on disk is parsed and checked by DuckDB's CSV reader in one query; the cells
not in Studio's own spelling are read row by row (see :meth:`_Tables._content_duckdb`).

``--``, ``NAN`` and empty cells are "not available": NULL, never 0, counted in a note of the
import (``Batch.notes``), as an Overview table read beside the others is. The Followers and
Overview tables name no account: it comes from a Content table beside them, else from
``--account``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from engagecore import plugin
from engagecore.plugin import (
    Batch,
    FormatError,
    Importer,
    ReadContext,
    Source,
    check_csv_records,
    check_named,
    given_account,
    human_size,
    memory_connection,
    option,
)

from .common import (
    _MONTHS,
    _NOT_AVAILABLE,
    _TIME_FORMATS,
    NETWORK_NAME,
    VIDEO_LINK,
    count,
    day_end,
    handle_of,
    local_time,
    modified_at,
    month_day,
    zone,
)

CONTENT = (
    "Video title",
    "Video link",
    "Post time",
    "Video views",
    "Likes",
    "Comments",
    "Shares",
    "Add to Favorites",
)
FOLLOWERS = ("Date", "New followers", "Total followers")
OVERVIEW = ("Date", "Video views", "Reached audience", "Profile views")
_OVERVIEW_REST = (
    "Likes",
    "Shares",
    "Comments",
    "Phone number clicks",
    "Leads submission",
    "Net growth",
    "New followers",
    "Lost followers",
)
_FOLLOWERS_REST = ("Reached audience", "Engaged audience")
#: The other Content table of Studio's downloads, as third-party projects that read real ones
#: describe it (a Vietnamese project's notes on two accounts' downloads, a Japanese project's
#: reader and its tests; TikTok documents none): one row per video (the period's top videos,
#: about 15), ``Time`` the day of the export (the same on every row), ``Post time`` the
#: video's day, both without a year (``September 6``); totals, no saves.
CONTENT_TOTALS = (
    "Time",
    "Video title",
    "Video link",
    "Post time",
    "Total likes",
    "Total comments",
    "Total shares",
    "Total views",
)
#: CONTENT_TOTALS column → count column.
TOTALS = {
    "Total views": "views",
    "Total likes": "likes",
    "Total comments": "comments",
    "Total shares": "shares",
}
#: The local time a video of CONTENT_TOTALS is stored at (its table gives the day only):
#: midday, so that its day is the same in UTC wherever the zone is within ±12 hours.
_DAY_ONLY_AT = time(12)
#: How long after the export day a file may be dated before its year is said to be a guess.
_EXPORT_LAG = timedelta(days=7)
#: Content column → count column.
METRICS = {
    "Video views": "views",
    "Likes": "likes",
    "Comments": "comments",
    "Shares": "shares",
    "Add to Favorites": "saves",
}
#: The columns of a Content table's posts as parsed column by column.
_FAST_COLUMNS = (
    "_row",
    "Video title",
    "post_id",
    "account_id",
    "posted_at",
    "views",
    "likes",
    "comments",
    "shares",
    "saves",
)
_KNOWN = tuple(
    dict.fromkeys(
        (*CONTENT, *FOLLOWERS, *OVERVIEW, *_OVERVIEW_REST, *_FOLLOWERS_REST, *CONTENT_TOTALS)
    )
)


def table_kind(header: list[str]) -> str | None:
    """Which Studio table a header is ("content", "content_totals", "followers",
    "overview"), or None."""
    names = tuple(h.strip() for h in header)
    if names[: len(CONTENT)] == CONTENT:
        return "content"
    if names[: len(CONTENT_TOTALS)] == CONTENT_TOTALS:
        return "content_totals"
    if names[: len(FOLLOWERS)] == FOLLOWERS:
        return "followers"
    if names[: len(OVERVIEW)] == OVERVIEW:
        return "overview"
    return None


def _file_name(where: str) -> str:
    """A table's file name, as a note names it (``a.zip:x/Content.csv`` → ``Content.csv``)."""
    return where.replace(":", "/").rstrip("/").rsplit("/", 1)[-1]


def _on_day(year: int, month_day: tuple[int, int]) -> date | None:
    try:
        return date(year, *month_day)
    except ValueError:  # February 29 of a common year
        return None


def _shown_day(d: date) -> str:
    """``September 13, 2026`` (English month names, as Studio writes them: not the locale's)."""
    return f"{_MONTHS[d.month - 1].title()} {d.day}, {d.year}"


def head_kind(source: Source, name: str) -> str | None:
    """The table a member's first line announces (cheap: its first bytes only; an XLSX
    workbook's first row)."""
    first = first_row(source, name)
    return None if first is None else table_kind(first)


def _csv_lines(text: str) -> list[str]:
    """Each data row's line ("line N", as errors name it), blank rows left out."""
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader, None)
    return [f"line {reader.line_num}" for row in reader if any(c.strip() for c in row)]


def _cell(value: object) -> str:
    """An XLSX cell as the CSV export writes it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%Y/%m/%d %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%Y/%m/%d")
    return str(value)


def _header_of(head: bytes) -> list[str] | None:
    """A CSV's header from its first bytes, or None when its first line does not end in
    them."""
    text = head.decode("utf-8", "ignore").lstrip("\ufeff")
    line, newline, _ = text.partition("\n")
    if not newline:
        return None
    try:
        return next(csv.reader(io.StringIO(line.rstrip("\r"))), None)
    except csv.Error:
        return None


#: The one spelling of a link the fast path reads (the others go row by row).
_LINK_PREFIX = "https://www.tiktok.com/@"
_FAST_LINK = r"https://www\.tiktok\.com/@[A-Za-z0-9._]{1,64}/video/[0-9]{6,25}"


def _duckdb_content(path: Path, header: list[str]) -> pl.DataFrame:
    """A Content CSV read and parsed by DuckDB in one query (see
    :meth:`_Tables._content_duckdb`): per non-blank row, in file order, the title, the
    parsed columns of :data:`_FAST_COLUMNS` (but ``_row``; the time ``_local``, naive), the
    video's ``url``, and ``_bad`` with the row's raw cells (``_raw``: link, time and counts)
    when a cell is not in Studio's own spelling (the parsed columns of such a row are
    meaningless: it is read again row by row). Raises ``duckdb.Error`` on a file its strict
    reader refuses.

    The link is checked by one full match of :data:`_FAST_LINK` (the same test without a
    regular expression — prefix, '/'-parts, lengths, the id cast and back — measured
    slower), a count by a cast round trip (it passes when written as the digits of its
    value), the time by ``try_strptime``."""
    at = [header.index(h) for h in CONTENT]
    columns = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(header)))
    names = ["t", "l", "p", *(f"n{i}" for i in range(len(METRICS)))]
    # an empty cell is NULL (unquoted) or '' (quoted ""): both are handled below
    cells = ", ".join(f"c{i} AS {n}" for i, n in zip(at, names, strict=True))
    # "not available" as Studio and spreadsheets write it (others go row by row)
    spellings = sorted({v for n in _NOT_AVAILABLE for v in (n, n.upper(), n.capitalize())})
    na = ", ".join(f"'{v}'" for v in spellings)
    # DuckDB also reads "+12", "1e3", "0x10", "1_000" as numbers: only the digits a
    # number is written as pass (the other spellings go row by row, which refuses those)
    good = " AND ".join(
        [
            f"regexp_full_match(l, '{_FAST_LINK}')",
            "_local IS NOT NULL",
            *(
                f"coalesce(CAST(v{i} AS VARCHAR) = n{i}, coalesce(n{i}, '') IN ({na}))"
                for i in range(len(METRICS))
            ),
        ]
    )
    # the link matched _FAST_LINK: its 4th and 6th '/'-parts are '@handle' and the id, and
    # it is the video's address as stored when the handle is in lower case already
    fields = ", ".join(
        [
            't AS "Video title"',
            "account_id",
            "post_id",
            "_local",
            *(f"v{i} AS {field}" for i, field in enumerate(METRICS.values())),
            f"CASE WHEN account_id = handle THEN l ELSE '{_LINK_PREFIX}' || account_id"
            " || '/video/' || post_id END AS url",
            "_bad",
            "contains(t, chr(0)) AS _nul",
            f"CASE WHEN _bad THEN [{', '.join(names[1:])}] END AS _raw",
        ]
    )
    file = str(path).replace("'", "''")
    query = f"""
        WITH raw AS (
            SELECT {cells} FROM read_csv('{file}', columns = {{{columns}}}, header = true,
                delim = ',', quote = '"', escape = '"', strict_mode = true,
                null_padding = false, auto_detect = false)
        ), parsed AS (
            SELECT *,
                substr(split_part(l, '/', 4), 2) AS handle,
                lower(handle) AS account_id,
                split_part(l, '/', 6) AS post_id,
                try_strptime(p, '{_TIME_FORMATS[0]}') AS _local,
                {", ".join(f"TRY_CAST(n{i} AS BIGINT) AS v{i}" for i in range(len(METRICS)))}
            FROM raw
            WHERE {" OR ".join(f"{n} <> ''" for n in names)}
        )
        SELECT {fields} FROM (SELECT *, NOT coalesce({good}, false) AS _bad FROM parsed)
    """
    with memory_connection(path.stat().st_size) as con:
        # polars reads DuckDB's Arrow stream itself (no pyarrow in between)
        return pl.DataFrame(con.sql(query))


#: The member name of a workbook opened on its own (an XLSX file is a zip: its Source lists
#: the workbook's parts, the whole file is the table).
WHOLE = ""
#: The largest workbook read (its sheets are inflated by openpyxl, outside the zip guards).
MAX_WORKBOOK = 64 * 1024 * 1024


def is_workbook(source: Source) -> bool:
    """Whether ``source`` is one XLSX file (which opens as a zip of its parts)."""
    return (
        source.kind == "zip"
        and source.name.lower().endswith(".xlsx")
        and "xl/workbook.xml" in source.names()
    )


def _display(source: Source, name: str) -> str:
    return source.display() if name == WHOLE else source.display(name)


def _xlsx_rows(source: Source, name: str, limit: int | None = None) -> list[list[str]]:
    """The first sheet's rows as text (``limit``: that many rows at most)."""
    where = _display(source, name)
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - a dependency of engagecore
        raise FormatError(where, "reading XLSX needs openpyxl (pip install openpyxl)") from None
    try:
        if name == WHOLE:
            if source.path.stat().st_size > MAX_WORKBOOK:
                raise FormatError(where, f"a workbook larger than {human_size(MAX_WORKBOOK)}")
            data = source.path.read_bytes()
        else:
            with source.stream(name) as fh:
                data = fh.read(MAX_WORKBOOK + 1)
        if len(data) > MAX_WORKBOOK:
            raise FormatError(where, f"a workbook larger than {human_size(MAX_WORKBOOK)}")
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        del data
        try:
            sheet = book.worksheets[0]
            rows = []
            for row in sheet.iter_rows(values_only=True):
                rows.append([_cell(v) for v in row])
                if limit is not None and len(rows) >= limit:
                    break
        finally:
            book.close()
    except FormatError:
        raise
    except Exception as exc:  # openpyxl's errors on a damaged workbook are many and internal
        raise FormatError(where, f"not a readable XLSX workbook ({exc})") from None
    while rows and not any(c.strip() for c in rows[-1]):
        rows.pop()
    return rows


def first_row(source: Source, name: str) -> list[str] | None:
    """The row a Studio table announces itself by, read cheaply: a CSV's first line (from
    its first bytes; a header alone with no newline after it is read too), an XLSX
    workbook's first row (a ``.xlsx`` member, or :data:`WHOLE` for a workbook opened on its
    own). None for another file, or one that cannot be read."""
    if name == WHOLE or name.lower().endswith(".xlsx"):
        try:
            rows = _xlsx_rows(source, name, limit=1)
        except FormatError:
            return None
        return rows[0] if rows else None
    if not name.lower().endswith(".csv"):
        return None
    head = source.head(name, 2048).decode("utf-8", "ignore").lstrip("\ufeff")
    try:
        return next(csv.reader([head.partition("\n")[0].rstrip("\r")]), [])
    except csv.Error:
        return None


class _Tables:
    """What one read found: the posts of each Content table, snapshots, the accounts named."""

    def __init__(self, source: Source, ctx: ReadContext) -> None:
        self.source = source
        self.ctx = ctx
        self.zone = zone(ctx)
        #: the Content tables' posts, one frame per table, in the order read
        self.posts_frames: list[pl.DataFrame] = []
        self.handles: dict[str, str] = {}  # handle → where it was seen first
        self.snapshots: dict[datetime, int] = {}
        self.overviews = 0
        #: what the tables tell beside the rows stored (``Batch.notes``)
        self.notes: list[str] = []

    def rows(self, name: str) -> tuple[str, list[str], list[tuple[str, list[str]]]]:
        where = _display(self.source, name)
        if name == WHOLE or name.lower().endswith(".xlsx"):
            table = _xlsx_rows(self.source, name)
            header = [h.strip() for h in table[0]] if table else []
            while header and not header[-1]:
                header.pop()
            out = []
            for i, row in enumerate(table[1:], start=2):
                row = row + [""] * (len(header) - len(row))
                if any(c.strip() for c in row[len(header) :]):
                    raise FormatError(where, f"expected {len(header)} columns", f"row {i}")
                if any(c.strip() for c in row):
                    out.append((f"row {i}", row[: len(header)]))
            return where, header, out
        text = self.source.read_text(name)
        header = [h.strip() for h in check_csv_records(text, where, known_headers=_KNOWN)]
        reader = csv.reader(io.StringIO(text, newline=""))
        next(reader, None)
        out = []
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            record = f"line {reader.line_num}"
            if len(row) != len(header):
                raise FormatError(where, f"expected {len(header)} columns, got {len(row)}", record)
            out.append((record, row))
        return where, header, out

    def content(self, name: str) -> None:
        if name == WHOLE or name.lower().endswith(".xlsx"):
            self._content_rows(name)
        else:
            self._content_csv(name)

    def _content_rows(self, name: str) -> None:
        """The Content table row by row (an XLSX sheet's rows as text)."""
        where, header, rows = self.rows(name)
        at = {h: header.index(h) for h in CONTENT}
        seen = modified_at(self.source, name)
        posts = [
            self._post(where, record, [row[at[h]] for h in CONTENT], seen) for record, row in rows
        ]
        df = plugin.frame("posts", posts).drop("hashtags", "mentions")
        self._unknown_counts(df, where, METRICS.values())
        self.posts_frames.append(df)

    def _unknown_counts(self, df: pl.DataFrame, where: str, fields: Iterable[str]) -> None:
        """A note of the counts a Content table gives as not available (``--``, ``NAN``,
        empty): stored as unknown (NULL), said rather than dropped without a word."""
        missing = [
            f"{field} of {n} video{'s' if n > 1 else ''}"
            for field in fields
            if (n := df[field].null_count())
        ]
        if missing:
            self.notes.append(
                f"{_file_name(where)}: not available ('--', 'NAN' or empty), stored as unknown: "
                f"{', '.join(missing)} (of {df.height})"
            )

    def content_totals(self, name: str) -> None:
        """The other Content table (:data:`CONTENT_TOTALS`), row by row (about 15 rows):
        its days have no year, which the file's own date gives (see :meth:`_export_day`);
        a video is stored at midday local time of its day (the time is not in the table);
        ``Time`` bounds when the counts were seen."""
        where, header, rows = self.rows(name)
        at = {h: header.index(h) for h in CONTENT_TOTALS}
        file_at = modified_at(self.source, name)
        file_day = file_at.astimezone(self.zone).date()
        posts = []
        exports: set[date] = set()
        day_only = 0
        for record, row in rows:
            time_cell = month_day(row[at["Time"]], where, record, "Time")
            export = self._export_day(time_cell, file_day, where, record)
            exports.add(export)
            cells = [row[at[h]] for h in ("Video title", "Video link", "Post time")]
            posted, had_hour = self._day_posted(cells[2], export, where, record)
            day_only += not had_hour
            # the title and the link as a Content row's; its time read above, its counts below
            post = self._post(
                where, record, [*cells[:2], "", *[""] * len(METRICS)], file_at, posted=posted
            )
            for column, field in TOTALS.items():
                post[field] = count(row[at[column]], where, record, column)
            post["observed_at"] = min(
                file_at, datetime.combine(export, time(23, 59, 59), self.zone).astimezone(UTC)
            )
            posts.append(post)
        df = plugin.frame("posts", posts).drop("hashtags", "mentions")
        self.posts_frames.append(df)
        late = sorted(d for d in exports if file_day - d > _EXPORT_LAG)
        self.notes.append(
            f"{_file_name(where)}: TikTok Studio's Content table of totals (Time, …, Total "
            f"views), {df.height} video{'s' if df.height != 1 else ''}: "
            + (
                "Post time gives the day only (each video stored as posted at 12:00 local time "
                "that day"
                + (f", {day_only} of {df.height}" if 0 < day_only < df.height else "")
                + "); "
                if day_only
                else ""
            )
            + "no saves in it (NULL)"
            + (
                f"; its Time ({_shown_day(late[0])}) is {(file_day - late[0]).days} days before "
                f"the file's date ({file_day.isoformat()}): its year taken as {late[0].year}, "
                "the latest before the file's date"
                if late
                else ""
            )
        )
        self._unknown_counts(df, where, TOTALS.values())

    def _export_day(
        self, value: date | tuple[int, int], file_day: date, where: str, record: str
    ) -> date:
        """The export's day from a ``Time`` cell: written with its year, or without one
        (``September 13``): the latest such day on or before ``file_day`` (a table is never
        dated before its export; Studio's figures lag about two days behind it)."""
        if isinstance(value, date):
            return value
        found = next(
            (
                d
                for y in range(file_day.year, file_day.year - 8, -1)
                if (d := _on_day(y, value)) is not None and d <= file_day
            ),
            None,
        )
        if found is None:  # February 30, say
            raise FormatError(
                where, f"no such day: {_MONTHS[value[0] - 1].title()} {value[1]}", record
            )
        return found

    def _day_posted(
        self, value: str, export: date, where: str, record: str
    ) -> tuple[datetime, bool]:
        """A video's ``Post time`` in CONTENT_TOTALS, and whether it gave its hour: a day
        (``September 6``: the latest such day on or before the export's; or with its year)
        at :data:`_DAY_ONLY_AT` local time; or a full local time (``2025/09/06 18:19:10``),
        read as the Content table's."""
        at: datetime | None = None
        try:
            day = month_day(value, where, record, "Post time")
        except FormatError:
            if ":" not in value:
                raise
            at = local_time(value, self.zone, where, record, "Post time")
            day = at.astimezone(self.zone).date()
        if not isinstance(day, date):
            day = self._export_day(day, export, where, record)
        elif day > export:
            raise FormatError(
                where,
                f"column 'Post time': {value.strip()} is after the table's Time "
                f"({_shown_day(export)}): a video posted after the export",
                record,
            )
        if at is not None:
            return at, True
        return datetime.combine(day, _DAY_ONLY_AT, self.zone).astimezone(UTC), False

    def _post(
        self,
        where: str,
        record: str,
        cells: list[str],
        seen: datetime,
        posted: datetime | None = None,
    ) -> dict[str, Any]:
        """One Content row (its cells in CONTENT's order) as a posts row (``posted``: its
        time, read already)."""
        title, link = cells[0], cells[1]
        m = VIDEO_LINK.match(link)
        if m is None:
            raise FormatError(
                where,
                "column 'Video link': expected https://www.tiktok.com/@handle/video/ID, "
                f"got {link!r}",
                record,
            )
        handle, video = handle_of(m["handle"]), m["id"]
        self.handles.setdefault(handle, where)
        post: dict[str, Any] = {
            "network": NETWORK_NAME,
            "post_id": video,
            "account_id": handle,
            "posted_at": (
                local_time(cells[2], self.zone, where, record, "Post time")
                if posted is None
                else posted
            ),
            "kind": "video",
            "is_own": True,
            "text": title if title.strip() else None,
            "url": f"https://www.tiktok.com/@{handle}/video/{video}",
            "observed_at": seen,
        }
        for column, value in zip(CONTENT[3:], cells[3:], strict=True):
            post[METRICS[column]] = count(value, where, record, column)
        return post

    def _content_csv(self, name: str) -> None:
        """The Content table of a CSV: parsed and checked by DuckDB's CSV reader in one
        pass when the file is on disk (:meth:`_content_duckdb`), else (a zip member, or a
        file DuckDB refuses) by polars then row by row (:meth:`_content_polars`), which names
        the line of what is wrong."""
        if self._content_duckdb(name):
            return
        self._content_polars(name)

    def _content_duckdb(self, name: str) -> bool:
        """The fast path: DuckDB's ``read_csv`` (strict: a row of another width or an
        unclosed quote is an error, then the file is read again by :meth:`_content_polars`
        to name it) parses every cell in the one query that reads the file; only the cells
        in Studio's own spelling pass (``https://www.tiktok.com/@handle/video/ID``,
        ``2025/10/31 18:19:10``, a count written as its digits, ``--``/``NAN``/empty); a row
        with any other cell goes row by row (:meth:`_post`), which reads the other
        spellings or refuses the row naming its line. False when the file is not on disk or
        DuckDB refuses it."""
        path = self.source.local_path(name)
        header = _header_of(self.source.head(name, 4096))
        if path is None or header is None or table_kind(header) != "content":
            return False
        path = path.absolute()
        if any(c in str(path) for c in "*?[]{}"):
            return False  # DuckDB would read the name as a glob pattern
        where = _display(self.source, name)
        try:
            df = _duckdb_content(path, [h.strip() for h in header])
        except duckdb.Error:
            return False
        if df["_nul"].any():
            return False  # refused by the reading that names the line
        if df["_bad"].any():
            # Rows DuckDB left aside whose every cell is blank (spaces, tabs) are no records.
            cells = pl.concat_list(pl.col("Video title"), pl.col("_raw")).list.eval(
                pl.element().fill_null("").str.strip_chars() == ""
            )
            df = df.filter(~pl.col("_bad") | ~cells.list.all())
        df = df.with_row_index("_row")
        local = pl.col("_local")
        df = df.with_columns(
            posted_at=local.dt.replace_time_zone(
                self.zone.key, ambiguous="earliest", non_existent="null"
            ).dt.convert_time_zone("UTC")
        )
        seen = modified_at(self.source, name)
        columns = (*_FAST_COLUMNS, "url")
        redo = df.filter(pl.col("_bad") | pl.col("posted_at").is_null())
        df = df.select(columns)
        if redo.height:
            fixed = []
            lines: list[str] | None = None
            for r in redo.iter_rows(named=True):
                if not r["_bad"]:
                    # a local time the clocks skipped: read as the row-by-row reading does
                    r["posted_at"] = local_time(
                        r["_local"].strftime(_TIME_FORMATS[0]),
                        self.zone,
                        where,
                        f"row {r['_row'] + 1}",
                        "Post time",
                    )
                    fixed.append(r)
                    continue
                values = [r["Video title"] or "", *(v or "" for v in r["_raw"])]
                try:
                    post = self._post(where, f"row {r['_row'] + 1}", values, seen)
                except FormatError:
                    lines = lines or _csv_lines(self.source.read_text(name))
                    post = self._post(where, lines[r["_row"]], values, seen)  # raises again
                fixed.append({"_row": r["_row"], "Video title": r["Video title"], **post})
            redone = pl.DataFrame(
                [{k: p[k] for k in columns} for p in fixed],
                schema={k: df.schema[k] for k in columns},
            )
            # each row read again in its place (``_row`` is the row's position in ``df``);
            # only its time changed when every such row was a local time the clocks skipped
            at = redone["_row"]
            changed = columns[1:] if redo["_bad"].any() else ("posted_at",)
            df = df.with_columns(df[c].scatter(at, redone[c]) for c in changed)
        self._add_content(df, where, seen)
        return True

    def _add_content(self, df: pl.DataFrame, where: str, seen: datetime) -> None:
        """Keep a Content table's posts (columns :data:`_FAST_COLUMNS`, in file order, and
        the video's ``url`` when it was read already)."""
        handles = df["account_id"]
        if handles.len() and handles.null_count() == 0 and (handles == handles[0]).all():
            handles = handles.head(1)  # one account (as a Content table is): not hashed
        for handle in handles.unique(maintain_order=True).to_list():
            self.handles.setdefault(handle, where)
        self._unknown_counts(df, where, METRICS.values())
        title = pl.col("Video title")
        url = (
            []
            if "url" in df.columns
            else [pl.format("https://www.tiktok.com/@{}/video/{}", "account_id", "post_id")]
        )
        self.posts_frames.append(
            df.with_columns(
                *(u.alias("url") for u in url),
                network=pl.lit(NETWORK_NAME),
                kind=pl.lit("video"),
                is_own=pl.lit(True),
                text=pl.when(title.str.strip_chars() == "").then(None).otherwise(title),
                observed_at=pl.lit(seen, dtype=pl.Datetime("us", "UTC")),
            ).drop("Video title", "_row")
        )

    def _content_polars(self, name: str) -> None:
        """The Content table of a CSV, read by polars' CSV reader and parsed column by
        column (1M videos: seconds, not minutes); a cell that does not parse is looked at
        again row by row, to refuse it naming its line as the row-by-row reading would."""
        where = _display(self.source, name)
        text = self.source.read_text(name)
        header = [h.strip() for h in check_csv_records(text, where, known_headers=_KNOWN)]
        width = len(header)
        try:
            raw = pl.read_csv(
                text.encode(),
                infer_schema=False,
                has_header=True,
                new_columns=[f"c{i}" for i in range(width)],
                empty_string_is_null=False,
                truncate_ragged_lines=False,
            )
        except pl.exceptions.PolarsError:
            # a row polars cannot split as Python's csv module does: read row by row, which
            # refuses what is wrong naming its line
            del text
            self._content_rows(name)
            return
        del text
        cells = [pl.col(f"c{header.index(h)}").fill_null("") for h in CONTENT]
        df = raw.select([c.alias(h) for c, h in zip(cells, CONTENT, strict=True)])
        del raw
        df = df.filter(pl.any_horizontal([pl.col(h).str.strip_chars() != "" for h in CONTENT]))
        df = df.with_row_index("_row")
        link = pl.col("Video link").str.extract_groups(VIDEO_LINK.pattern)
        # Studio's own format; the rare other spellings go row by row (see below)
        posted = (
            pl.col("Post time")
            .str.strip_chars()
            .str.strptime(pl.Datetime("us"), _TIME_FORMATS[0], strict=False)
        )
        counts = []
        for column, field in METRICS.items():
            v = pl.col(column).str.strip_chars()
            number = v.cast(pl.Int64, strict=False)  # NULL for "--", "NAN", "" and the bad
            counts.append(number.alias(field))
            na = v.str.to_lowercase().is_in(sorted(_NOT_AVAILABLE))
            counts.append((number.is_null() & ~na).alias(f"_bad_{field}"))
        df = df.with_columns(
            link.struct.field("handle").str.to_lowercase().alias("account_id"),
            link.struct.field("id").alias("post_id"),
            posted.dt.replace_time_zone(self.zone.key, ambiguous="earliest", non_existent="null")
            .dt.convert_time_zone("UTC")
            .alias("posted_at"),
            posted.is_null().alias("_bad_time"),
            *counts,
        )
        bad = df.filter(
            pl.col("post_id").is_null()
            | pl.col("_bad_time")
            | pl.col("posted_at").is_null()
            | pl.any_horizontal([pl.col(f"_bad_{f}") for f in METRICS.values()])
        )
        seen = modified_at(self.source, name)
        if bad.height:
            # cells polars' parse leaves out: refused (naming the line) or parsed row by row
            # ("1,234", a local time the clocks skipped). The rows' line numbers, a pass of
            # Python's csv reader over the whole file, are only worked out for an error.
            fixed = []
            for r in bad.iter_rows(named=True):
                values = [r[h] for h in CONTENT]
                try:
                    post = self._post(where, f"row {r['_row'] + 1}", values, seen)
                except FormatError:
                    lines = _csv_lines(self.source.read_text(name))
                    post = self._post(where, lines[r["_row"]], values, seen)  # raises again
                fixed.append({"_row": r["_row"], "Video title": r["Video title"], **post})
            redo = pl.DataFrame(
                [{k: p[k] for k in _FAST_COLUMNS} for p in fixed],
                schema={k: df.schema[k] for k in _FAST_COLUMNS},
            )
            df = pl.concat(
                [
                    df.filter(~pl.col("_row").is_in(bad["_row"].implode())).select(_FAST_COLUMNS),
                    redo,
                ]
            ).sort("_row")
        else:
            df = df.select(_FAST_COLUMNS)
        self._add_content(df, where, seen)

    def followers(self, name: str) -> None:
        where, header, rows = self.rows(name)
        day_at, total_at = header.index("Date"), header.index("Total followers")
        unknown = 0
        for record, row in rows:
            observed = day_end(row[day_at], self.zone, where, record, "Date")
            total = count(row[total_at], where, record, "Total followers")
            if total is not None:
                self.snapshots[observed] = total
            else:
                unknown += 1
        if unknown:
            self.notes.append(
                f"{_file_name(where)}: {unknown} of {len(rows)} days without a follower total "
                "('--', 'NAN' or empty): no snapshot for them"
            )

    def account(self) -> str:
        where = self.source.display()
        if len(self.handles) > 1:
            shown = ", ".join(f"@{h}" for h in sorted(self.handles))
            raise FormatError(
                where, f"holds videos of several accounts ({shown}); import each one on its own"
            )
        if self.handles:
            handle = next(iter(self.handles))
            check_named(self.ctx, where, [(handle, handle)])
            return handle
        given = given_account(self.ctx)
        if given is None:
            raise FormatError(
                where,
                "TikTok Studio's Followers and Overview tables name no account: pass "
                f"{option('account', 'HANDLE')} (or import them with the Content table)",
            )
        return handle_of(given)


def _distinct(ids: pl.Series) -> bool:
    """Whether no value repeats. Cheap when the values are in strictly increasing or
    decreasing order (Studio lists videos newest first, and their ids grow with time):
    then none can repeat; else counted."""
    if ids.len() < 2 or ids.null_count():
        return bool(ids.n_unique() == ids.len())
    head, tail = ids.slice(0, ids.len() - 1), ids.slice(1)
    if (head < tail).all() or (head > tail).all():
        return True
    return bool(ids.n_unique() == ids.len())


def _in_time_order(posts: pl.DataFrame) -> pl.DataFrame:
    """``posts.sort("posted_at", "post_id")``, cheaper when it can be: no two posts at the
    same time (then ``post_id`` never decides), the rows reversed when they are newest first
    (as Studio lists them) or sorted by time alone."""
    at = posts["posted_at"]
    if at.null_count() == 0 and posts.height > 1:
        head, tail = at.slice(0, at.len() - 1), at.slice(1)
        if (head < tail).all():
            return posts
        if (head > tail).all():
            return posts.reverse()
        order = at.arg_sort()
        ordered = at.gather(order)
        if (ordered.slice(0, at.len() - 1) < ordered.slice(1)).all():
            return posts[order]
    return posts.sort("posted_at", "post_id")


class TikTokStudioImporter(Importer):
    """TikTok Studio's Content (both kinds), Followers and Overview tables (CSV, XLSX)."""

    name = "tiktok-studio"
    network = NETWORK_NAME
    description = (
        "TikTok Studio analytics exports (CSV or XLSX): Content (per video: views, likes, comments, "
        "shares, saves; or its totals table, Time … Total views), Followers (daily totals → "
        "follower snapshots), Overview"
    )

    def _members(self, source: Source) -> dict[str, str]:
        if is_workbook(source):
            kind = head_kind(source, WHOLE)
            return {WHOLE: kind} if kind else {}
        names = source.names()
        if source.kind == "file":
            kind = head_kind(source, names[0]) if names else None
            return {names[0]: kind} if kind else {}
        if len({name.rpartition("/")[0] for name in names}) > 1:
            # tables in several folders (one per account, as `engage demo` keeps them): each
            # folder is an export of its own, walked into
            return {}
        found = {}
        for name in names:
            kind = head_kind(source, name)
            if kind is None:
                return {}  # a folder holding something else: walk into it instead
            found[name] = kind
        return found

    def detect(self, source: Source) -> float:
        return 0.95 if self._members(source) else 0.0

    def read(self, source: Source, ctx: ReadContext) -> Batch:
        members = self._members(source)
        if not members:
            raise FormatError(
                source.display(),
                "expected a TikTok Studio table (a header starting with "
                f"{','.join(CONTENT[:3])}, {','.join(CONTENT_TOTALS[:4])}, "
                f"{','.join(FOLLOWERS)} or {','.join(OVERVIEW)})",
            )
        tables = _Tables(source, ctx)
        overviews = []
        for name, kind in sorted(members.items()):
            if kind == "content":
                tables.content(name)
            elif kind == "content_totals":
                tables.content_totals(name)
            elif kind == "followers":
                tables.followers(name)
            else:
                where, _, days = tables.rows(name)  # checked whole, nothing stored
                tables.overviews += 1
                overviews.append(
                    f"{_file_name(where)}: the account's daily totals ({len(days)} days: views, "
                    "profile views, net growth), not stored"
                )
        account = tables.account()
        frames = [plugin.frame("posts", f) for f in tables.posts_frames]
        posts = frames[0] if len(frames) == 1 else pl.concat(frames or [plugin.frame("posts", [])])
        if not _distinct(posts["post_id"]):  # a video listed twice: the last
            posts = posts.unique("post_id", keep="last", maintain_order=True)
        posts = _in_time_order(posts).with_columns(
            hashtags=plugin.hashtags_expr("text"), mentions=plugin.mentions_expr("text")
        )
        batch = Batch(
            accounts=plugin.frame(
                "accounts", [{"network": NETWORK_NAME, "account_id": account, "handle": account}]
            ),
            posts=posts,
        )
        if tables.snapshots:
            batch.follower_snapshots = plugin.frame(
                "follower_snapshots",
                [
                    {
                        "network": NETWORK_NAME,
                        "account_id": account,
                        "observed_at": at,
                        "followers": n,
                    }
                    for at, n in sorted(tables.snapshots.items())
                ],
            )
        if posts.is_empty() and not tables.snapshots and tables.overviews:
            batch.empty_reason = (
                "TikTok Studio's Overview table holds the account's daily totals (views, "
                "profile views, net growth), which are not stored: import the Content and "
                "Followers tables"
            )
        else:  # beside tables stored: each Overview said, not passed over without a word
            tables.notes.extend(overviews)
        batch.notes = tables.notes
        return batch
