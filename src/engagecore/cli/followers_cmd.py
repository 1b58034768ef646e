"""``engage followers``: record a follower count by hand, list the snapshots."""

from __future__ import annotations

from typing import Annotated

import typer

from engagecore.api import Engine
from engagecore.cli.nothing import nothing_to_show
from engagecore.cli.output import DbOption, Format, FormatOption, OutputOption, emit, err_console


def register(app: typer.Typer) -> None:
    followers = typer.Typer(
        help="Follower counts: record one by hand, list the snapshots.", no_args_is_help=True
    )
    app.add_typer(followers, name="followers")

    # "-5" reaches the command (and its one-line error) instead of reading as an option
    @followers.command("add", context_settings={"ignore_unknown_options": True})
    def add(
        network: Annotated[
            str, typer.Argument(metavar="NETWORK", help="Network key, e.g. youtube, instagram.")
        ],
        handle: Annotated[
            str, typer.Argument(metavar="HANDLE", help="The account's handle or id.")
        ],
        count: Annotated[
            str, typer.Argument(metavar="N", help="Followers (subscribers), e.g. 12500.")
        ],
        date: Annotated[
            str | None,
            typer.Option(
                metavar="DATE", help="When the count was seen (YYYY-MM-DD, 00:00 UTC); default now."
            ),
        ] = None,
        db: DbOption = None,
    ) -> None:
        """Record an account's follower count by hand (for exports that carry none, such as
        a YouTube Studio CSV or an Instagram export); scores use it at once."""
        with Engine(db) as eng:
            snap = eng.add_followers(network, handle, count, date=date)
        who = snap.handle or snap.account_id
        museum = f" ({snap.museum})" if snap.museum else " (not linked to a museum)"
        was = f", replacing {snap.replaced:,}" if snap.replaced is not None else ""
        typer.echo(
            f"{snap.network}:{who}{museum}: {snap.followers:,} followers at "
            f"{snap.observed_at:%Y-%m-%d %H:%M} UTC{was} (import {snap.import_id})"
        )

    @followers.command("list")
    def list_(
        network: Annotated[
            str | None, typer.Option(metavar="NETWORK", help="Only this network.")
        ] = None,
        museum: Annotated[
            str | None,
            typer.Option(
                "--museum", "-m", metavar="MUSEUM", help="Only this museum (names resolve)."
            ),
        ] = None,
        db: DbOption = None,
        fmt: FormatOption = Format.table,
        output: OutputOption = None,
    ) -> None:
        """List the follower snapshots, newest first per account, with their source."""
        # read only: a --db naming no store is an error, never a new empty store
        with Engine(db, read_only=True) as eng:
            frame = eng.followers(network=network, museum=museum)
        if nothing_to_show(frame, fmt, output):  # the line below, not an empty table
            err_console.print("no follower snapshot; record one with `engage followers add`")
            return
        emit(
            frame,
            fmt,
            title="follower snapshots",
            output=output,
            # the count and its date first: the account (museum and network say it) may leave
            priority=("network", "museum", "observed_at", "followers", "account", "source"),
        )
