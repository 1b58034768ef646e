"""``engage fetch``: fetch linked accounts from the networks' APIs and import the responses.

``engage fetch MUSEUM… | --all [--network N…] [--since DATE] [--max-posts N]
[--refresh-days D] [--dry-run] [--api-base URL]`` and ``engage fetch NETWORK HANDLE
--museum M`` (link an account, then fetch it). docs/fetch.md has the keys and tokens.
"""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from engagecore import plugins
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
from engagecore.errors import UsageError, cli_options
from engagecore.fetch import run as fetch_run

#: the exit code of a run that had no linked account to fetch (cron tells it from a run
#: that fetched everything, 0, and one where an account failed, 1)
NOTHING_TO_DO = 3


def _since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--since {value!r}: expected a date like 2025-01-31") from None
    return datetime.combine(day, time(), UTC)


def register(app: typer.Typer) -> None:
    @app.command("fetch")
    def fetch(
        targets: Annotated[
            list[str] | None,
            typer.Argument(
                metavar="TARGET",
                help="Museums (names, slugs or aliases) whose linked accounts to fetch; or "
                "NETWORK HANDLE with --museum to link that account and fetch it.",
                show_default=False,
            ),
        ] = None,
        all_museums: Annotated[
            bool, typer.Option("--all", help="Fetch the accounts of every museum.")
        ] = False,
        network: Annotated[
            list[str] | None,
            typer.Option(
                "--network", metavar="NETWORK", help="Only these networks (repeat the option)."
            ),
        ] = None,
        museum: Annotated[
            str | None,
            typer.Option(
                metavar="MUSEUM", help="With NETWORK HANDLE: the museum to link the account to."
            ),
        ] = None,
        since: Annotated[
            str | None,
            typer.Option(
                metavar="DATE",
                help="No posts older than this day (YYYY-MM-DD).",
                show_default=False,
            ),
        ] = None,
        max_posts: Annotated[
            int | None,
            typer.Option(min=1, metavar="N", help="At most this many new posts per account."),
        ] = None,
        refresh_days: Annotated[
            int,
            typer.Option(
                min=0,
                metavar="DAYS",
                help="Fetch again the counts of posts younger than this (days).",
            ),
        ] = 30,
        dry_run: Annotated[
            bool,
            typer.Option(
                "--dry-run",
                help="Show what would be fetched and whether each network's key is set; send no request.",
            ),
        ] = False,
        api_base: Annotated[
            str | None,
            typer.Option(
                metavar="URL",
                help="Replace the API's scheme and host (one network; tests and proxies); "
                "default: ENGAGE_<NETWORK>_API_BASE.",
                show_default=False,
            ),
        ] = None,
        secret_file: Annotated[
            Path | None,
            typer.Option(
                metavar="FILE",
                help="Read the key or token from this file (readable by you only) instead "
                "of the environment; needs a single --network.",
                show_default=False,
            ),
        ] = None,
        budget: Annotated[
            float | None,
            typer.Option(
                min=1, metavar="SECONDS", help="Stop sending requests after this many seconds."
            ),
        ] = None,
        db: DbOption = None,
        fmt: FormatOption = Format.table,
    ) -> None:
        """Fetch followers, posts and counts from the networks' APIs, on your keys.

        Responses are saved under responses/ beside the store, then imported.
        A re-run asks only for newer posts and refreshes recent counts (docs/fetch.md).
        """
        names = list(targets or [])
        networks = list(network or [])
        link = None
        with cli_options():
            if museum is not None:
                if len(names) != 2 or all_museums:
                    raise UsageError("with --museum, give NETWORK HANDLE (e.g. youtube @louvre)")
                link = (names[0], names[1], museum)
                names = []
            elif all_museums and names:
                raise UsageError("give museums or --all, not both")
            secret_files = {}
            if secret_file is not None:
                chosen = [link[0]] if link else networks
                if len(chosen) != 1:
                    raise UsageError("--secret-file needs a single --network")
                secret_files[chosen[0]] = secret_file
            since_at = _since(since)
            from engagecore.fetch.http import HttpClient

            with (
                Engine(db, small_appends=True) as eng,
                HttpClient(budget=budget) as client,
                _bar() as bar,
            ):
                plugins.registry()
                task = bar.add_task("fetching", total=None)

                def progress(
                    event: str, label: str, done: int, total: int, posts: int, quota: int
                ) -> None:
                    bar.update(
                        task,
                        completed=done,
                        total=total,
                        description=escape(f"{label[:30]} · {posts:,} posts · {quota:,} quota"),
                    )

                report = fetch_run.run(
                    eng.store,
                    museums=names,
                    all_museums=all_museums,
                    networks=networks,
                    since=since_at,
                    max_posts=max_posts,
                    refresh_days=refresh_days,
                    dry_run=dry_run,
                    api_base=api_base,
                    secret_files=secret_files,
                    client=client,
                    progress=progress,
                    link=link,
                )
        if not report.accounts:  # a cron job that lost its links, or a --network none has
            print(
                "engage: nothing to fetch: no linked account (link one with: engage fetch "
                "NETWORK HANDLE --museum M, or engage museums discover)",
                file=sys.stderr,
            )
            raise typer.Exit(NOTHING_TO_DO)
        # every account skipped for want of its key: nothing was tried, the error line says
        # all there is to say (a table of "skipped" rows above it was noise); json and csv
        # keep their rows
        untried = not report.dry_run and all(a.kind == "skipped" for a in report.accounts)
        if not (untried and fmt is Format.table):
            _print(report, fmt)
        for line in report.import_notes:  # as `engage ingest` prints them, whatever the format
            err_line(f"note: {printable(line)}")
        for net, line in report.keys.items():  # a dry run: each network's key, there or not
            if net not in report.missing_keys:
                print(f"engage: {line}", file=sys.stderr)
        for line in report.notes:  # networks without a key, skipped: the run goes on
            print(f"engage: note: {line}", file=sys.stderr)
        if report.errors:
            for line in report.errors:
                print(f"engage: error: {line}", file=sys.stderr)
            raise typer.Exit(1)


def _print(report: fetch_run.FetchReport, fmt: Format) -> None:
    table = report.table()
    if fmt is Format.table:
        # a status's detail ("skipped: no API key", "dry run: newest …") would wrap its row
        # in an 80-column log: the table shows the kind, the detail is a line after it, whole
        table = table.with_columns(status=pl.Series([a.kind for a in report.accounts]))
    emit(
        table,
        fmt,
        title="dry run" if report.dry_run else "fetched",
        priority=("account", "status", "new posts", "network", "quota", "refreshed", "requests"),
    )
    if fmt is Format.table:  # the totals a log reader looks for, whole (csv/json: the rows)
        for a in report.accounts:
            if a.status != a.kind:
                print(printable(f"{a.network} {a.account}: {a.status}"))
        print(f"total: {report.totals()}", flush=True)


def _bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} accounts"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    )
