"""``tiktok-studio``: TikTok Studio's analytics exports, CSV (UTF-8 with a BOM).

Three tables, each a file of its own, recognised by its header wherever it is (a file, or a
folder or zip holding only Studio tables):

- **Content**, one row per video: ``Video title,Video link,Post time,Video views,Likes,
  Comments,Shares,Add to Favorites``. ``Post time`` is local time without a zone
  (``2025/10/31 18:19:10``), read in ``--timezone``; the account's handle and the video id
  come from ``Video link`` (``https://www.tiktok.com/@handle/video/7567452112981069079``);
  "Add to Favorites" are saves. The table states no date: its counts are observed at the
  file's modification time.
- **Followers**, one row per day: ``Date,New followers,Total followers,Reached audience,
  Engaged audience`` → a follower snapshot at the end of each day (local time) whose
  ``Total followers`` is given.
- **Overview**, one row per day: ``Date,Video views,Reached audience,Profile views,Likes,
  Shares,Comments,…,Net growth,New followers,Lost followers``: the account's daily totals,
  which the model does not store (no follower total either); recognised so that a folder
  holding it imports, and alone it is an import of nothing that says why.

The same tables exported as XLSX (the first sheet, its first row the header) are read with
openpyxl: a number cell is a count, a date cell is the local time it shows.

``--``, ``NAN`` and empty cells are "not available": NULL, never 0. The Followers and
Overview tables name no account: it comes from a Content table beside them, else from
``--account``.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any

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
    option,
)

from .common import (
    NETWORK_NAME,
    VIDEO_LINK,
    count,
    day_end,
    handle_of,
    local_time,
    modified_at,
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
#: Content column → count column.
METRICS = {
    "Video views": "views",
    "Likes": "likes",
    "Comments": "comments",
    "Shares": "shares",
    "Add to Favorites": "saves",
}
_KNOWN = tuple(dict.fromkeys((*CONTENT, *FOLLOWERS, *OVERVIEW, *_OVERVIEW_REST, *_FOLLOWERS_REST)))


def table_kind(header: list[str]) -> str | None:
    """Which Studio table a header is ("content", "followers", "overview"), or None."""
    names = tuple(h.strip() for h in header)
    if names[: len(CONTENT)] == CONTENT:
        return "content"
    if names[: len(FOLLOWERS)] == FOLLOWERS:
        return "followers"
    if names[: len(OVERVIEW)] == OVERVIEW:
        return "overview"
    return None


def head_kind(source: Source, name: str) -> str | None:
    """The table a member's first line announces (cheap: its first bytes only; an XLSX
    workbook's first row)."""
    if name.lower().endswith(".xlsx"):
        return _xlsx_kind(source, name)
    if not name.lower().endswith(".csv"):
        return None
    head = source.head(name, 2048).decode("utf-8", "ignore").lstrip("\ufeff")
    try:
        first = next(csv.reader(io.StringIO(head.partition("\n")[0])), [])
    except csv.Error:
        return None
    return table_kind(first)


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


def _xlsx_kind(source: Source, name: str) -> str | None:
    try:
        rows = _xlsx_rows(source, name, limit=1)
    except FormatError:
        return None
    return table_kind(rows[0]) if rows else None


class _Tables:
    """What one read found: posts by video id, snapshots, the accounts the links name."""

    def __init__(self, source: Source, ctx: ReadContext) -> None:
        self.source = source
        self.ctx = ctx
        self.zone = zone(ctx)
        self.posts: dict[str, dict[str, Any]] = {}
        self.handles: dict[str, str] = {}  # handle → where it was seen first
        self.snapshots: dict[datetime, int] = {}
        self.overviews = 0

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
        where, header, rows = self.rows(name)
        at = {h: header.index(h) for h in CONTENT}
        seen = modified_at(self.source, name)
        for record, row in rows:
            link = row[at["Video link"]]
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
            title = row[at["Video title"]]
            post: dict[str, Any] = {
                "network": NETWORK_NAME,
                "post_id": video,
                "account_id": handle,
                "posted_at": local_time(
                    row[at["Post time"]], self.zone, where, record, "Post time"
                ),
                "kind": "video",
                "is_own": True,
                "text": title if title.strip() else None,
                "hashtags": plugin.hashtags(title),
                "mentions": plugin.mentions(title),
                "url": f"https://www.tiktok.com/@{handle}/video/{video}",
                "observed_at": seen,
            }
            for column, field in METRICS.items():
                post[field] = count(row[at[column]], where, record, column)
            self.posts[video] = post

    def followers(self, name: str) -> None:
        where, header, rows = self.rows(name)
        day_at, total_at = header.index("Date"), header.index("Total followers")
        for record, row in rows:
            observed = day_end(row[day_at], self.zone, where, record, "Date")
            total = count(row[total_at], where, record, "Total followers")
            if total is not None:
                self.snapshots[observed] = total

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


class TikTokStudioImporter(Importer):
    """TikTok Studio's Content, Followers and Overview tables (CSV)."""

    name = "tiktok-studio"
    network = NETWORK_NAME
    description = (
        "TikTok Studio analytics exports (CSV or XLSX): Content (per video: views, likes, comments, "
        "shares, saves), Followers (daily totals → follower snapshots), Overview"
    )

    def _members(self, source: Source) -> dict[str, str]:
        if is_workbook(source):
            kind = _xlsx_kind(source, WHOLE)
            return {WHOLE: kind} if kind else {}
        names = source.names()
        if source.kind == "file":
            kind = head_kind(source, names[0]) if names else None
            return {names[0]: kind} if kind else {}
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
                f"{','.join(CONTENT[:3])}, {','.join(FOLLOWERS)} or {','.join(OVERVIEW)})",
            )
        tables = _Tables(source, ctx)
        for name, kind in sorted(members.items()):
            if kind == "content":
                tables.content(name)
            elif kind == "followers":
                tables.followers(name)
            else:
                tables.rows(name)  # checked whole, nothing stored
                tables.overviews += 1
        account = tables.account()
        posts = sorted(tables.posts.values(), key=lambda r: (r["posted_at"], r["post_id"]))
        batch = Batch(
            accounts=plugin.frame(
                "accounts", [{"network": NETWORK_NAME, "account_id": account, "handle": account}]
            ),
            posts=plugin.frame("posts", posts),
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
        if not posts and not tables.snapshots and tables.overviews:
            batch.empty_reason = (
                "TikTok Studio's Overview table holds the account's daily totals (views, "
                "profile views, net growth), which are not stored: import the Content and "
                "Followers tables"
            )
        return batch
