"""One output path for every command that prints data: ``--format table|json|csv|parquet``."""

from __future__ import annotations

import io
import json
import sys
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import polars as pl
import typer
from rich.console import Console
from rich.table import Table

from engagecore.errors import UsageError


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    parquet = "parquet"


FormatOption = Annotated[
    Format,
    typer.Option("--format", "-f", help="Output format: table, json (array of objects), csv."),
]
DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db",
        envvar="ENGAGE_DB",
        help="DuckDB store file (default ./engage.duckdb; env ENGAGE_DB).",
        show_default=False,
    ),
]
OutputOption = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Write to this file instead of standard output."),
]

console = Console()
err_console = Console(stderr=True)


def _jsonable(v: Any) -> Any:
    if isinstance(v, datetime | date):
        return v.isoformat()
    if isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))):
        return None
    return v


def _flat_for_csv(df: pl.DataFrame) -> pl.DataFrame:
    lists = [c for c, t in df.schema.items() if isinstance(t, pl.List)]
    return df.with_columns([pl.col(c).list.join(" ") for c in lists]) if lists else df


def emit(
    df: pl.DataFrame,
    fmt: Format,
    *,
    title: str | None = None,
    output: Path | None = None,
) -> None:
    """Print (or write to ``output``) a frame in the chosen format."""
    if fmt is Format.parquet:
        if output is None:
            if sys.stdout.isatty():
                raise UsageError("--format parquet writes binary data: give --output FILE")
            buf = io.BytesIO()
            df.write_parquet(buf)
            sys.stdout.buffer.write(buf.getvalue())
            sys.stdout.flush()
        else:
            df.write_parquet(output)
        return
    if fmt is Format.json:
        rows = [{k: _jsonable(v) for k, v in r.items()} for r in df.iter_rows(named=True)]
        text = json.dumps(rows, ensure_ascii=False, indent=2, default=str) + "\n"
    elif fmt is Format.csv:
        text = _flat_for_csv(df).write_csv()
    else:
        if output is not None:
            text = str(df) + "\n"
        else:
            console.print(_rich_table(df, title))
            return
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        output.write_text(text, encoding="utf-8")


def _cell(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        if v != v:
            return "—"
        if abs(v) < 0.01 and v != 0:
            return f"{v:.3e}" if abs(v) < 1e-4 else f"{v:.5f}"
        return f"{v:,.2f}"
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}"
    if isinstance(v, list):
        return ", ".join(map(str, v))
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%d %H:%M")
    return str(v)


def _rich_table(df: pl.DataFrame, title: str | None) -> Table:
    table = Table(title=title, show_lines=False, header_style="bold")
    for name, dtype in df.schema.items():
        table.add_column(name, justify="right" if dtype.is_numeric() else "left", overflow="fold")
    for row in df.iter_rows():
        table.add_row(*(_cell(v) for v in row))
    return table
