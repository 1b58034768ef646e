"""Museum ↔ account links: every link as a table (``engage museums links``) and hand-curated
links loaded from a CSV file (``engage museums links import FILE``), all or nothing.

A link's origin (``accounts.linked_by``) says who made it: ``user`` (``engage museums link``),
``import`` (a links file), ``discover`` (``engage museums discover``, from Wikidata), ``ingest``
(stored NULL: an export's import attached the account, by ``--museum`` or by its name).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from engagecore import plugins
from engagecore.errors import EngageError, FormatError
from engagecore.museums import Museums, check_handle
from engagecore.store import Store

#: The columns of the export, in order; an import reads the same file back.
COLUMNS = (
    "museum",
    "museum_name",
    "museofile_id",
    "network",
    "handle",
    "account_id",
    "linked_by",
)

#: What a stored NULL origin is shown as: an ingest attached the account.
INGEST = "ingest"

_NEWLINE = b"\n"
#: A long numeric id (a Facebook page's) as a spreadsheet writes it back: 5,567E+18.
_ROUNDED = re.compile(r"\d[.,]?\d*[eE]\+?\d+")

#: The export's formula guard (``'`` before a cell starting with one of these), undone on import.
_GUARDED = "=+-@\t\r"


def links(store: Store) -> pl.DataFrame:
    """Every account attached to a museum, one row each, sorted by museum, network, handle."""
    return store.frame(
        f"""
        SELECT m.slug AS museum, m.name AS museum_name, m.museofile_id, a.network,
               a.handle, a.account_id, coalesce(a.linked_by, '{INGEST}') AS linked_by
        FROM accounts a JOIN museums m ON m.slug = a.museum
        ORDER BY m.slug, a.network, lower(coalesce(a.handle, a.account_id)), a.account_id
        """
    )


@dataclass
class LinksReport:
    """What a links import did: rows read, links made, already there, moved from another
    museum (``moved``: ``network:handle old → new``)."""

    rows: int = 0
    linked: int = 0
    unchanged: int = 0
    moved: list[str] = field(default_factory=list)

    def frame(self, path: Path) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "file": [str(path)],
                "rows": [self.rows],
                "linked": [self.linked],
                "unchanged": [self.unchanged],
                "moved": [len(self.moved)],
            }
        )


def _cell(value: str | None) -> str:
    text = (value or "").strip()
    if len(text) > 1 and text[0] == "'" and text[1] in _GUARDED:
        return text[1:]  # the export's formula guard
    return text


def _rows(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header (folded) and each data row with its line number (header = line 1)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FormatError(str(path), f"cannot be read ({exc.strerror or exc})") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:  # Excel's plain "CSV" is Windows-1252 in France
        raise FormatError(
            str(path),
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); save the file "
            "as UTF-8 (Excel: 'CSV UTF-8')",
            record=f"line {raw.count(_NEWLINE, 0, exc.start) + 1}",
        ) from exc
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
        if header is None:
            raise FormatError(str(path), f"empty; expected a header with {_expected()}")
        names = [_cell(h).lower() for h in header]
        out = []
        for row in reader:
            if not any(c.strip() for c in row):
                continue
            if len(row) > len(names):
                raise FormatError(
                    str(path),
                    f"{len(row)} cells for {len(names)} columns",
                    record=f"line {reader.line_num}",
                )
            out.append((reader.line_num, dict(zip(names, (_cell(c) for c in row), strict=False))))
    except csv.Error as exc:
        raise FormatError(str(path), f"not a CSV file ({exc})", record=reader.line_num) from exc
    return names, out


def _expected() -> str:
    return "museum (or museofile_id), network, and handle or account_id"


def import_links(store: Store, path: str | Path) -> LinksReport:
    """Link the accounts a CSV file lists to their museums, all or nothing.

    Columns (any order, other columns ignored: the export of :func:`links` reads back):
    ``museum`` (slug, name or alias) or ``museofile_id``, ``network`` (a registered network),
    ``handle`` or ``account_id``. Every row is checked before anything is written: an unknown
    museum or network, or a row without an account, is a one-line error naming the file and
    the line, and the store is left as it was. A listed account already attached to another
    museum moves to the file's (the file is the user's word); the links made are ``import``.
    """
    path = Path(path)
    names, rows = _rows(path)
    if (
        "network" not in names
        or not ({"museum", "museofile_id"} & set(names))
        or not ({"handle", "account_id"} & set(names))
    ):
        raise FormatError(
            str(path), f"header {', '.join(names) or '(none)'}; expected columns {_expected()}"
        )
    museums = Museums(store)
    networks = plugins.registry().networks
    by_museofile = {
        mid: slug
        for slug, mid in store.fetchall(
            "SELECT slug, museofile_id FROM museums WHERE museofile_id IS NOT NULL"
        )
    }
    planned: list[tuple[str, str, str]] = []
    for line, row in rows:
        where = f"line {line}"
        net = row.get("network", "").lower()  # "X", "Instagram" as a spreadsheet has them
        if net not in networks:
            known = ", ".join(sorted(networks))
            raise FormatError(
                str(path), f"network {net!r} is not a registered network (known: {known})", where
            )
        account = row.get("handle") or row.get("account_id") or ""
        if not row.get("handle") and _ROUNDED.fullmatch(account):
            raise FormatError(
                str(path),
                f"account_id {account!r} is a number a spreadsheet rounded (scientific "
                "notation); give the handle, or format the column as text before typing the id",
                where,
            )
        try:
            account = check_handle(account)
        except EngageError as exc:
            raise FormatError(str(path), str(exc), where) from exc
        if not account:
            raise FormatError(str(path), "no handle nor account_id", where)
        name, mid = row.get("museum", ""), row.get("museofile_id", "")
        try:
            slug = museums.resolve(name) if name else by_museofile.get(mid)
        except EngageError as exc:
            raise FormatError(str(path), str(exc), where) from exc
        if slug is None:
            what = f"Muséofile id {mid!r}" if mid else "no museum nor museofile_id"
            raise FormatError(
                str(path), f"{what}: no museum of the store has it (import the registry)", where
            )
        planned.append((slug, net, account))
    report = LinksReport(rows=len(rows))
    with store.transaction():
        for slug, net, account in planned:
            before = store.fetchall(
                "SELECT museum, coalesce(handle, account_id) FROM accounts WHERE network = ? "
                "AND (lower(handle) = lower(?) OR account_id = ?)",
                [net, account, account],
            )
            old = {m for m, _ in before if m}
            if old == {slug}:
                report.unchanged += 1
                continue
            museums.link(slug, net, account, origin="import")
            report.linked += 1
            report.moved.extend(f"{net}:{account} {m} → {slug}" for m in sorted(old - {slug}))
    return report
