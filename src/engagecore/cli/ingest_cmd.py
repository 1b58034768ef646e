"""``engage ingest``: import exports (files, folders, zips) with auto-detected importers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from engagecore.api import Engine
from engagecore.cli.output import DbOption, Format, FormatOption, emit, err_console


def register(app: typer.Typer) -> None:
    @app.command("ingest")
    def ingest(
        paths: Annotated[
            list[Path], typer.Argument(help="Files, folders or zip archives to import.")
        ],
        network: Annotated[
            str | None,
            typer.Option(help="Force this network (or importer name) instead of auto-detection."),
        ] = None,
        museum: Annotated[
            str | None,
            typer.Option(help="Attach every imported account to this museum (name or alias)."),
        ] = None,
        account: Annotated[
            str | None,
            typer.Option(help="The account a file belongs to, when the file does not say."),
        ] = None,
        timezone: Annotated[
            str,
            typer.Option(help="Zone of times written without one (e.g. Meta CSV 'Publish time')."),
        ] = "Europe/Paris",
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help="Read and validate everything, store nothing.")
        ] = False,
        keep_paths: Annotated[
            bool,
            typer.Option(
                "--keep-paths",
                help="Record each file's absolute path in the store (default: its name only).",
            ),
        ] = False,
        db: DbOption = None,
        fmt: FormatOption = Format.table,
    ) -> None:
        """Import exports; the same file twice changes nothing; a failure keeps nothing."""
        options = {"account": account} if account else {}
        with Engine(db) as eng, progress_bar() as bar:
            task = bar.add_task("importing", total=None)

            def progress(done: int, total: int, label: str) -> None:
                bar.update(task, completed=done, total=total, description=_short(label))

            report = eng.ingest(
                paths,
                network=network,
                museum=museum,
                dry_run=dry_run,
                timezone=timezone,
                options=options,
                progress=progress,
                keep_paths=keep_paths,
            )
        table = report.table()
        emit(table, fmt, title="dry run: nothing stored" if dry_run else "imported")
        if fmt is Format.table:
            for f in report.skipped_files:
                err_console.print(f"[yellow]skipped[/] {f}: not recognised by any importer")
            for m in report.created_museums:
                err_console.print(f"[cyan]new museum[/] {m} (from the export's account name)")
            for a in report.unattached_accounts:
                err_console.print(
                    f"[yellow]unattached account[/] {a}: attach it with "
                    "`engage museums link MUSEUM --network NET --handle HANDLE`"
                )
            if table.is_empty() and not report.skipped_files:
                err_console.print("nothing to import")
            elif not table.is_empty():
                total = table.select(pl.col("posts").sum()).item()
                err_console.print(f"{table.height} source(s), {total} post(s)")


def _short(label: str, width: int = 50) -> str:
    return label if len(label) <= width else "…" + label[-(width - 1) :]


def progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        # Not on a terminal (pipes, CI, tests): no bar, so stderr holds only messages.
        disable=not err_console.is_terminal,
    )
