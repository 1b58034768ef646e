"""``engage ingest``: import exports (files, folders, zips) with auto-detected importers."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from engagecore.api import Engine
from engagecore.cli.output import (
    DbOption,
    Format,
    FormatOption,
    emit,
    err_console,
    err_line,
    printable,
)
from engagecore.errors import StoreBusy, cli_options
from engagecore.ingest import IngestReport
from engagecore.store import default_db_path


def register(app: typer.Typer) -> None:
    @app.command("ingest")
    def ingest(
        paths: Annotated[
            list[Path],
            typer.Argument(metavar="PATH", help="Files, folders or zip archives to import."),
        ],
        network: Annotated[
            str | None,
            typer.Option(
                metavar="NETWORK",
                help="Force this network (or importer name) instead of auto-detection.",
            ),
        ] = None,
        museum: Annotated[
            str | None,
            typer.Option(
                metavar="MUSEUM",
                help="Attach every imported account to this museum (name or alias).",
            ),
        ] = None,
        account: Annotated[
            str | None,
            typer.Option(
                metavar="ACCOUNT", help="The account a file belongs to, when the file does not say."
            ),
        ] = None,
        timezone: Annotated[
            str,
            typer.Option(
                metavar="ZONE",
                help="Zone of times written without one (e.g. Meta CSV 'Publish time').",
            ),
        ] = "Europe/Paris",
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help="Read and validate everything, store nothing.")
        ] = False,
        allow_empty: Annotated[
            bool,
            typer.Option(
                "--allow-empty",
                help="Accept a file that yields no posts, followers or ages (by default an error).",
            ),
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
        """Import exports; the same file twice changes nothing; a failure keeps nothing.

        Folders and zips are walked at any depth; files no importer reads are listed.
        """
        target = db if db is not None else default_db_path()
        new_store = not target.exists()
        try:
            with cli_options(), Engine(db) as eng, progress_bar() as bar:
                task = bar.add_task("importing", total=None)

                def progress(done: int, total: int, label: str) -> None:
                    bar.update(task, completed=done, total=total, description=escape(_short(label)))

                report = eng.ingest(
                    paths,
                    network=network,
                    museum=museum,
                    account=account,
                    dry_run=dry_run,
                    timezone=timezone,
                    allow_empty=allow_empty,
                    progress=progress,
                    keep_paths=keep_paths,
                )
                # an account linked to no museum: the hint adds a museum first when none exists
                no_museum = bool(report.unattached_accounts) and eng.museums.list().is_empty()
        except BaseException as exc:
            # a failed first import leaves no store behind (the store is as it was: absent);
            # a busy store is another process's, created meanwhile: never ours to remove
            if new_store and not isinstance(exc, StoreBusy):
                _remove_new_store(target)
            raise
        if dry_run and new_store:  # a dry run stores nothing, not even an empty store
            _remove_new_store(target)
        # The import is committed: nothing printed from here on may turn it into a failure.
        try:
            _print_report(report, fmt, dry_run, no_museum)
        except Exception as exc:  # pragma: no cover - a last resort, see the tests
            print(f"engage: imported, but the summary could not be shown: {exc!r}", file=sys.stderr)


def _remove_new_store(path: Path) -> None:
    """Remove the store file (and its write-ahead log) this command created."""
    for created in (path, path.with_name(path.name + ".wal")):
        created.unlink(missing_ok=True)


def _print_report(report: IngestReport, fmt: Format, dry_run: bool, no_museum: bool) -> None:
    table = report.table()
    # the table's cells are data, printed as text, fitted to the width, by emit()
    emit(
        table,
        fmt,
        title="dry run: nothing stored" if dry_run else "imported",
        priority=("path", "status", "posts", "network", "accounts", "importer"),
        unbroken=("status",),
    )
    width = max(40, err_console.width)
    if report.skipped_files:  # on stderr whatever the format: never dropped without a word
        n = len(report.skipped_files)
        names = [printable(_tail(f)) for f in report.skipped_files]
        line = _fit(f"skipped: {n} file{'s' if n > 1 else ''} no importer reads: ", names, width)
        err_line(line)
    if report.registry_files:  # the official museum list: its own command
        names = [printable(_tail(f)) for f in report.registry_files]
        line = "  museum registry, import it with `engage museums import-registry FILE`: "
        err_line(line + ", ".join(names))
    for unit in report.units:  # what importers said beside what they stored: never dropped
        for note in unit.notes:
            line = f"note: {printable(unit.path)}: {printable(note)}"
            err_line(line)
    if fmt is not Format.table:
        return
    if report.created_museums:
        n = len(report.created_museums)
        museums = [printable(m) for m in report.created_museums]
        line = _fit(f"{n} new museum(s), named after the accounts: ", museums, width)
        err_line(line)
    if report.unattached_accounts:
        n = len(report.unattached_accounts)
        accounts = [printable(a) for a in report.unattached_accounts]
        line = _fit(f"{n} account(s) linked to no museum: ", accounts, width)
        err_line(line)
        for hint in _link_hints(report.unattached_accounts, no_museum, width):
            err_line(hint)
    if table.is_empty() and not report.skipped_files:
        err_console.print("nothing to import", markup=False)
    elif not table.is_empty():
        total = table.select(pl.col("posts").sum()).item()
        err_console.print(f"{table.height} source(s), {total:,} post(s)", markup=False)


def _link_hints(accounts: list[str], no_museum: bool, width: int) -> list[str]:
    """The commands that link an account the import left unlinked, filled in with the first
    one's network and handle (``youtube:UC…``, maybe followed by `` (name … is ambiguous)``),
    each on lines of its own to copy (a long one continued with a shell backslash); in a
    store without museums, the command that adds one comes first (it prints the slug to put
    for MUSEUM)."""
    from engagecore.cli.demo_cmd import shell_lines

    network, _, rest = accounts[0].partition(":")
    handle = printable(rest.split(" (name ", 1)[0])
    link = shell_lines(
        f"engage museums link MUSEUM --network {shlex.quote(network)} "
        f"--handle {shlex.quote(handle)}",
        width,
        indent="    ",
    )
    if no_museum:
        return [
            "  no museum in the store yet: add yours, then link the account to its slug:",
            '    engage museums add "Musée …"',
            *link,
        ]
    return [f"  link {'it' if len(accounts) == 1 else 'one'} with:", *link]


def _tail(path: str) -> str:
    """The last part of a path or zip member name (``a.zip:x/notes.txt`` → ``notes.txt``)."""
    return path.replace(":", "/").rstrip("/").rsplit("/", 1)[-1]


def _fit(prefix: str, items: list[str], width: int) -> str:
    """``prefix`` and as many of ``items`` as fit in ``width`` columns, then ``…``."""
    line = prefix
    for i, item in enumerate(items):
        piece = (", " if i else "") + item
        rest = len(items) - i - 1
        reserve = len(", …") if rest else 0
        if len(line) + len(piece) + reserve > width:
            if i == 0:  # not even one: cut it
                return line + _short(item, max(2, width - len(line)), head=True)
            return line + ", …"
        line += piece
    return line


def _short(label: str, width: int = 50, head: bool = False) -> str:
    """``…/tail`` of a path that does not fit (or ``start…`` with ``head``)."""
    if len(label) <= width:
        return label
    if head:
        return label[: width - 1] + "…"
    tail = label[-(width - 2) :]
    cut = tail.find("/")
    if 0 <= cut < len(tail) - 1:
        tail = tail[cut + 1 :]
    return "…/" + tail


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
