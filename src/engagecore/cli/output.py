"""One output path for every command that prints data: ``--format table|json|csv|parquet``.

``table`` is for a person at a terminal: :func:`render_table` fits it to the console's width
(``COLUMNS``, read at print time), choosing the columns that fit, shortening paths and large
numbers, moving the values every row shares to the caption, and never cutting a word or a
number across lines. ``json``, ``csv`` and ``parquet`` carry every column unchanged, except that
``csv`` neutralizes cells a spreadsheet would run as a formula (:func:`csv_safe`).

Every value from data is printed as plain text (rich :class:`~rich.text.Text`), never as console
markup: a museum named ``[/]`` or ``[link=…]`` shows as written.
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

import polars as pl
import typer
from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from engagecore.errors import UsageError


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    parquet = "parquet"


FormatOption = Annotated[
    Format,
    typer.Option(
        "--format",
        "-f",
        metavar="FORMAT",
        help="Output format: table (fitted to the terminal), json (array of objects, every "
        "column), csv (every column; cells starting with = + - @ get a leading ' so that a "
        "spreadsheet shows them as text), parquet.",
    ),
]
DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db",
        metavar="FILE",
        envvar="ENGAGE_DB",
        help="DuckDB store file (default ./engage.duckdb; env ENGAGE_DB).",
        show_default=False,
    ),
]
OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output", "-o", metavar="FILE", help="Write to this file instead of standard output."
    ),
]


class _Console(Console):
    """A console whose width follows the terminal and ``COLUMNS`` at each print.

    rich reads ``COLUMNS`` once, when a console is made, and keeps it; this module's consoles
    are made at import, before a test (or a wrapper) sets ``COLUMNS``. Without a width given
    here, every measure reads the terminal and ``COLUMNS`` again. An explicit ``width=`` stays.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if kwargs.get("width") is None:
            self._width = None

    def on_broken_pipe(self) -> None:
        """The reader left (``engage … | head``): the rest is dropped and the command ends as
        it would have (an import stays imported, exit 0), where rich would exit 1."""
        if not _discard(self.file):
            self.quiet = True


def _discard(stream: Any) -> bool:
    """Send what is still written to ``stream`` to the null device (its reader has left)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        return False
    return True


console: Console = _Console()
err_console: Console = _Console(stderr=True)


def err_line(text: str) -> None:
    """One line of plain text on stderr, as it is: no markup read in it, nothing coloured,
    never broken at the terminal's width (a file name or a note stays whole)."""
    err_console.print(text, highlight=False, markup=False, soft_wrap=True)


def _jsonable(v: Any) -> Any:
    if isinstance(v, datetime | date):
        return v.isoformat()
    if isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))):
        return None
    return v


def _flat_for_csv(df: pl.DataFrame) -> pl.DataFrame:
    """Lists joined by spaces; times spelt as ``--format json`` spells them
    (``datetime.isoformat``: ``2024-12-31T14:47:29+00:00``, microseconds only when there are
    some) rather than polars' ``…T14:47:29.000000+0000``."""
    lists = [c for c, t in df.schema.items() if isinstance(t, pl.List)]
    times = [c for c, t in df.schema.items() if isinstance(t, pl.Datetime)]
    if not lists and not times:
        return df
    return df.with_columns(
        [pl.col(c).cast(pl.List(pl.Utf8)).list.join(" ") for c in lists]
        + [_isoformat(c, df.schema[c]) for c in times]
    )


def _isoformat(name: str, dtype: Any) -> pl.Expr:
    zone = "%:z" if getattr(dtype, "time_zone", None) else ""
    col = pl.col(name)
    return (
        pl.when(col.dt.microsecond() == 0)
        .then(col.dt.to_string(f"%Y-%m-%dT%H:%M:%S{zone}"))
        .otherwise(col.dt.to_string(f"%Y-%m-%dT%H:%M:%S%.6f{zone}"))
        .alias(name)
    )


# A cell a spreadsheet would evaluate: OWASP's "CSV injection" first characters.
_FORMULA_START = "=+-@\t\r"
# ... except a plain number written as text (-0.5, +3, -1e-05): a spreadsheet reads a number.
_PLAIN_NUMBER = r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$"


def _neutral(text: str) -> str:
    if text and text[0] in _FORMULA_START and not re.match(_PLAIN_NUMBER, text):
        return "'" + text
    return text


def csv_safe(df: pl.DataFrame) -> pl.DataFrame:
    """``df`` with every text cell (and column name) that a spreadsheet would run as a formula
    prefixed by a single quote, following OWASP's CSV injection guidance: cells starting with
    ``=``, ``+``, ``-``, ``@``, a tab or a carriage return. Numeric columns, and text that is a
    plain number (``-0.5``), are unchanged."""
    df = _flat_for_csv(df)
    starts = "^[" + re.escape(_FORMULA_START) + "]"
    text_cols = [
        c for c, t in df.schema.items() if t in (pl.Utf8, pl.Categorical) or isinstance(t, pl.Enum)
    ]
    exprs = [
        pl.when(text.str.contains(starts) & ~text.str.contains(_PLAIN_NUMBER))
        .then(pl.lit("'") + text)
        .otherwise(text)
        .alias(c)
        for c in text_cols
        for text in [pl.col(c).cast(pl.Utf8)]
    ]
    if exprs:
        df = df.with_columns(exprs)
    renamed = {c: _neutral(c) for c in df.columns if _neutral(c) != c}
    return df.rename(renamed) if renamed else df


def emit(
    df: pl.DataFrame,
    fmt: Format,
    *,
    title: str | None = None,
    output: Path | None = None,
    priority: Sequence[str] = (),
    caption: str | None = None,
    unbroken: Sequence[str] = (),
) -> None:
    """Print (or write to ``output``) a frame in the chosen format.

    For ``table``: ``priority`` names the columns to keep first when the terminal is too narrow
    for all of them (the others follow in the frame's order; the last are left out first);
    ``caption`` is a line printed under the table; ``unbroken`` names columns of short labels
    never wrapped ("already imported"), as words are. A table written to ``output`` is the one
    the terminal would show, as plain text.
    """
    if fmt is Format.parquet:
        if output is None:
            if sys.stdout.isatty():
                raise UsageError("--format parquet writes binary data: give --output FILE")
            buf = io.BytesIO()
            df.write_parquet(buf, metadata=provenance())
            try:
                sys.stdout.buffer.write(buf.getvalue())
                sys.stdout.flush()
            except BrokenPipeError:
                _discard(sys.stdout)
        else:
            df.write_parquet(output, metadata=provenance())
        return
    if fmt is Format.json:
        rows = [{k: _jsonable(v) for k, v in r.items()} for r in df.iter_rows(named=True)]
        text = json.dumps(rows, ensure_ascii=False, indent=2, default=str) + "\n"
    elif fmt is Format.csv:
        text = csv_safe(df).write_csv()
    else:
        if output is None:
            print_table(
                console, df, title=title, priority=priority, caption=caption, unbroken=unbroken
            )
            return
        file_console = Console(
            file=io.StringIO(),
            width=console.width,
            color_system=None,
            force_terminal=False,
            legacy_windows=False,
        )
        print_table(
            file_console, df, title=title, priority=priority, caption=caption, unbroken=unbroken
        )
        assert isinstance(file_console.file, io.StringIO)
        text = file_console.file.getvalue()
    if output is None:
        try:
            sys.stdout.write(text)
            sys.stdout.flush()
        except BrokenPipeError:  # the reader left: see _Console.on_broken_pipe
            _discard(sys.stdout)
    else:
        output.write_text(text, encoding="utf-8")


def _current_context() -> Any:
    """The running command's click context, or ``None`` outside one: typer's own copy of
    click (recent typer, ``typer._click``) or click (older typer, which depends on it)."""
    import importlib

    for name in ("typer._click.globals", "click.globals"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        return module.get_current_context(silent=True)
    return None


def provenance() -> dict[str, str]:
    """What made an exported file, for its Parquet metadata: the engagecore version, the
    command and its options (JSON; a path never: the user's disk is no part of a dataset),
    and every plugin's version (JSON), so that a figure in a paper can be traced and made
    again."""
    from engagecore import __version__, plugins

    ctx = _current_context()
    options = {
        name: _jsonable(value)
        for name, value in (ctx.params if ctx else {}).items()
        if name not in ("db", "output") and not isinstance(value, Path | Format)
    }
    return {
        "engagecore_version": __version__,
        "engagecore_command": ctx.command_path if ctx else "engagecore",
        "engagecore_options": json.dumps(options, ensure_ascii=False, default=str),
        "engagecore_plugins": json.dumps(
            {p.name: p.version for p in plugins.plugin_infos()}, ensure_ascii=False
        ),
    }


# ---------------------------------------------------------------------------------------------
# numbers and paths in a few characters


def compact_number(n: object) -> str:
    """A count in a few characters: 9,876 · 12k · 866k · 1.2M · 12M · 3.4B (``—`` if none)."""
    if isinstance(n, bool) or not isinstance(n, int | float) or not math.isfinite(n):
        return "—"
    a = abs(n)
    if a < 10_000:
        return f"{n:,.0f}"
    for unit, scale in (("k", 1e3), ("M", 1e6), ("B", 1e9), ("T", 1e12)):
        if a < 999.5 * scale or unit == "T":
            value = n / scale
            return f"{value:.1f}{unit}" if abs(value) < 9.95 else f"{value:.0f}{unit}"
    raise AssertionError("unreachable")  # pragma: no cover


def shorten_path(path: str, width: int) -> str:
    """``path`` in at most ``width`` characters, keeping its end: ``…/folder/file.csv``."""
    if cell_len(path) <= width:
        return path
    parts = re.split(r"(?<=[/\\])", path)
    tail = ""
    for part in reversed(parts):
        if cell_len("…/" + part + tail) > width:
            break
        tail = part + tail
    if tail:
        return "…/" + tail
    name = parts[-1]
    return "…" + name[len(name) - max(0, width - 1) :] if width > 1 else "…"


def _cell(v: Any, compact: bool = False) -> str:
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        if not math.isfinite(v):
            return "—"
        if compact and abs(v) >= 10_000:
            return compact_number(v)
        if abs(v) < 0.01 and v != 0:
            return f"{v:.3e}" if abs(v) < 1e-4 else f"{v:.5f}"
        return f"{v:,.2f}"
    if isinstance(v, int):
        return compact_number(v) if compact else f"{v:,}"
    if isinstance(v, list):
        return ", ".join(_cell(x) for x in v)
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%d %H:%M")
    if isinstance(v, date):
        return v.isoformat()
    return printable(" ".join(str(v).split()))  # one line: newlines and tabs become spaces


# C0/C1 control characters (an escape sequence can colour, move the cursor or make a link)
# and the bidirectional overrides that reorder what is shown ("Trojan source")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` safe to print on a terminal: control characters written as ``\\x1b``,
    ``\\u202e``. (Markup is not interpreted where this module prints: it prints
    :class:`~rich.text.Text`.) Use it for any value from data echoed outside :func:`emit`."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


# ---------------------------------------------------------------------------------------------
# the table fitted to a width

Kind = Literal["number", "word", "text", "path"]
_PATH_NAMES = {"path", "file", "folder", "directory", "source_file"}
_PATH_VALUE = re.compile(r"^(/|~|\.{1,2}[/\\]|[A-Za-z]:[\\/])")
#: Characters between two columns of a terminal table (here: padding 1 and the box's space).
COLUMN_GAP = 2
_PLAIN_INT = re.compile(r"(^|[ _])(id|year|code)$", re.IGNORECASE)
LEAVE_OUT = "--format json|csv for every column"


def left_out_lines(names: Sequence[str], width: int) -> list[str]:
    """The caption naming the columns a table left out: one line when it fits in ``width``,
    else the names, then the way to every column on a line of its own (the line wrapped
    mid-phrase at 80 columns: "... — --format json|csv for every" / "column")."""
    listed = f"not shown: {', '.join(names)}"
    line = f"{listed} — {LEAVE_OUT}"
    if cell_len(line) <= width:
        return [line]
    return [listed, f"  — {LEAVE_OUT}"]


def _kind(name: str, dtype: pl.DataType, values: list[Any]) -> Kind:
    if dtype.is_numeric():
        return "number"
    if isinstance(dtype, pl.List):
        return "text"  # items joined by ", ": wrapped between items, never inside one
    if dtype.is_temporal() or dtype == pl.Boolean:
        return "word"
    texts = [str(v) for v in values if v is not None]
    if texts and (
        name.lower() in _PATH_NAMES
        or name.lower().endswith(("_path", "_file"))
        or all(_PATH_VALUE.match(t) for t in texts)
    ):
        return "path"
    return "text" if any(" " in " ".join(t.split()) for t in texts) else "word"


def _header_parts(name: str) -> list[str]:
    return [p for p in re.split(r"(?<=[ _-])", name) if p]


def _header(name: str, width: int) -> str:
    """The column's name broken after a space, '_' or '-' to fit ``width``, never inside."""
    lines: list[str] = []
    line = ""
    for part in _header_parts(name):
        if line and cell_len((line + part).rstrip()) > width:
            lines.append(line.rstrip())
            line = part
        else:
            line += part
    lines.append(line.rstrip())
    return "\n".join(lines)


@dataclass
class _Column:
    name: str
    kind: Kind
    values: list[Any]
    is_list: bool = False
    cells: list[str] = field(default_factory=list)
    _measures: dict[str, int] = field(default_factory=dict)

    def format(self, compact: bool) -> None:
        if self.kind == "number" and _PLAIN_INT.search(self.name):  # 2024, not 2,024 or 2k
            self.cells = [_cell(v) if v is None else str(v) for v in self.values]
        else:
            self.cells = [_cell(v, compact and self.kind == "number") for v in self.values]
        self._measures.clear()

    def _header_min(self) -> int:
        label = printable(self.name)
        return max(cell_len(p.rstrip()) for p in _header_parts(label)) if label else 0

    def natural(self) -> int:
        if "natural" not in self._measures:
            self._measures["natural"] = max(
                [cell_len(printable(self.name)), 1] + [cell_len(c) for c in self.cells]
            )
        return self._measures["natural"]

    def minimum(self, level: Literal["comfortable", "hard"], width: int) -> int:
        """The narrowest width at which the column still reads at ``level`` in a table
        ``width`` columns wide."""
        key = f"{level}:{width}"
        if key not in self._measures:
            self._measures[key] = self._minimum(level, width)
        return self._measures[key]

    def _minimum(self, level: Literal["comfortable", "hard"], width: int) -> int:
        nat = self.natural()
        if self.kind in ("number", "word"):
            return max([self._header_min(), 1] + [cell_len(c) for c in self.cells])
        if self.kind == "path":
            # the file's name whole ("…/" before it when folders are cut) up to half the
            # width (40 at 80 columns and fewer), then as much of its folders as fits; a
            # longer name keeps its end, which tells one export from the next (a date, a part)
            names = [re.split(r"[/\\]", c) for c in self.cells]
            base = max([0] + [cell_len(p[-1]) + (2 if len(p) > 1 else 0) for p in names])
            cap = max(40, width // 2)
            want = max(24, min(base, cap)) if level == "comfortable" else min(base, cap)
            return min(nat, max(self._header_min(), want, 8))
        if self.is_list:  # identifiers: wrapped between items, an item is never cut
            words = {_cell(x) + "," for v in self.values for x in (v or [])}
        else:
            words = {w for c in set(self.cells) for w in c.split(" ")}
        longest = max([0] + [cell_len(w) for w in words])
        # a word with a digit (a number, a date, an id) is never cut; other words longer than
        # 15 characters may lose their end ("…") when the terminal is narrow
        whole = max([0] + [cell_len(w) for w in words if any(ch.isdigit() for ch in w)])
        cap = 30 if self.is_list else 15
        want = max(20, min(longest, 30)) if level == "comfortable" else max(8, min(longest, cap))
        return min(nat, max(self._header_min(), whole, want))


def _columns(df: pl.DataFrame) -> list[_Column]:
    cols = []
    for name, dtype in df.schema.items():
        values = df[name].to_list()
        col = _Column(name, _kind(name, dtype, values), values, isinstance(dtype, pl.List))
        col.format(compact=False)
        cols.append(col)
    return cols


def _fit(
    cols: list[_Column], width: int, priority: Sequence[str]
) -> tuple[list[tuple[_Column, int]], list[_Column]]:
    """The columns shown with their widths (in the frame's order), and those left out."""
    order = [c for p in priority for c in cols if c.name == p]
    order += [c for c in cols if c not in order]

    def room(n: int) -> int:
        return width - COLUMN_GAP * (n - 1)

    if sum(c.natural() for c in cols) <= room(len(cols)):
        return [(c, c.natural()) for c in cols], []
    for c in cols:
        if c.kind == "number":
            c.format(compact=True)
    for n in range(len(order), 0, -1):
        kept = order[:n]
        for level in ("comfortable", "hard"):
            widths = {c.name: c.minimum(level, width) for c in kept}
            extra = room(n) - sum(widths.values())
            if extra < 0:
                continue
            # the room left goes, a character at a time, where it saves the most lines: to
            # the column with the most text for its width (lines ≈ text ÷ width)
            volume = {c.name: sum(cell_len(x) for x in c.cells) + 1 for c in kept}
            while extra > 0:
                open_ = [c for c in kept if widths[c.name] < c.natural()]
                if not open_:
                    break
                best = max(open_, key=lambda c: volume[c.name] / widths[c.name] ** 2)
                widths[best.name] += 1
                extra -= 1
            shown = [(c, widths[c.name]) for c in cols if c in kept]
            return shown, [c for c in cols if c not in kept]
    first = order[0]
    return [(first, max(1, width))], [c for c in cols if c is not first]


#: Zones spelt as a person knows them (DuckDB's TIMESTAMPTZ reads back as "Etc/UTC").
_ZONE_NAMES = {"Etc/UTC": "UTC", "Etc/GMT": "UTC", "GMT": "UTC", "Etc/Universal": "UTC"}


def render_table(
    df: pl.DataFrame,
    width: int,
    *,
    title: str | None = None,
    priority: Sequence[str] = (),
    caption: str | None = None,
    unbroken: Sequence[str] = (),
) -> tuple[Table, list[str]]:
    """A rich table of ``df`` no wider than ``width``, and the caption lines to print under it.

    Values every row shares go to the caption; when the columns do not fit, numbers are
    abbreviated (12k, 1.2M), paths keep their end (``…/folder/file.csv``), free text wraps at
    spaces, and then the columns last in ``priority`` (or in the frame) are left out, named in
    the caption. Numbers and words are never cut across lines; only free text longer than its
    column (or a path) loses characters, marked by "…". The columns named in ``unbroken``
    (short labels) are never wrapped.
    """
    cols = _columns(df)
    for c in cols:
        if c.name in unbroken and c.kind == "text" and not c.is_list:
            c.kind = "word"
    notes: list[str] = []
    if df.height >= 2:
        shared = [c for c in cols if len(set(c.cells)) == 1 and len(cols) > 1]
        if len(shared) == len(cols):
            shared = shared[1:]
        for c in shared:
            value = c.cells[0]
            if c.kind == "path":
                value = shorten_path(value, max(20, width - cell_len(c.name) - 2))
            notes.append(f"{c.name}: {value or '—'}")  # "" is a dash, as a missing value
        cols = [c for c in cols if c not in shared]
    shown, left_out = _fit(cols, width, priority)
    table = Table(
        title=Text(printable(title)) if title else None,
        title_style="bold",
        header_style="bold",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1, 0, 0),
        # a title wider than the columns would wrap at their width (a word per line over
        # one narrow column): the table is at least as wide as its title, up to the width
        min_width=min(width, cell_len(printable(title))) if title else None,
    )
    for col, w in shown:
        table.add_column(
            Text(_header(printable(col.name), w)),
            justify="right" if col.kind == "number" else "left",
            width=w,
            no_wrap=col.kind != "text",
            overflow="ellipsis",
        )
    for i in range(df.height):
        row = []
        for col, w in shown:
            cell = col.cells[i]
            row.append(Text(shorten_path(cell, w) if col.kind == "path" else cell))
        table.add_row(*row)
    lines = [" · ".join(notes)] if notes else []
    # a time is printed without its zone (2024-01-22 11:00): the caption names it once
    hidden = {c.name for c in left_out}
    zones = sorted(
        {
            _ZONE_NAMES.get(str(t.time_zone), str(t.time_zone))
            for name, t in df.schema.items()
            if isinstance(t, pl.Datetime) and t.time_zone and name not in hidden
        }
    )
    if zones and df.height:
        lines.append(f"times in {', '.join(zones)}")
    if left_out:
        lines += left_out_lines([c.name for c in left_out], width)
    if caption:
        lines.append(caption)
    return table, lines


def print_table(
    target: Console,
    df: pl.DataFrame,
    *,
    title: str | None = None,
    priority: Sequence[str] = (),
    caption: str | None = None,
    unbroken: Sequence[str] = (),
) -> None:
    """Print ``df`` on ``target`` as a table fitted to its width, with its caption."""
    table, lines = render_table(
        df, target.width, title=title, priority=priority, caption=caption, unbroken=unbroken
    )
    target.print(table)
    for line in lines:
        target.print(Text(printable(line), style="dim"), overflow="ellipsis")


def percent_text(col: str, signed: bool = False) -> pl.Expr:
    """A fraction as text in % with one decimal, for the terminal (json/csv keep the
    fraction): "27.1%", "0.7%", not 0.27 beside 0.00706."""
    sign = "+" if signed else ""
    value = pl.col(col) * 100
    text = value.map_elements(lambda v: f"{v:{sign}.1f}%", return_dtype=pl.Utf8)
    return pl.when(pl.col(col).is_not_null()).then(text).alias(col)
