"""``engage museums``: list, add, alias, link accounts, import the official registry."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import polars as pl
import typer

from engagecore.api import Engine
from engagecore.cli.output import (
    DbOption,
    Format,
    FormatOption,
    OutputOption,
    emit,
    err_console,
    printable,
)

#: How ``museums list --format csv`` joins a museum's aliases (names hold spaces, and ';').
ALIAS_SEPARATOR = " | "


def register(app: typer.Typer) -> None:
    museums = typer.Typer(
        help="Museums: slugs, aliases, accounts, the official registry.", no_args_is_help=True
    )
    app.add_typer(museums, name="museums")

    @museums.command("list")
    def list_(
        query: Annotated[
            list[str] | None,
            typer.Argument(
                metavar="WORDS",
                help="Only the museums these words find in their slug, name, city or aliases "
                "(case and accents ignored): 'orsay', 'beaux-arts lyon'.",
                show_default=False,
            ),
        ] = None,
        db: DbOption = None,
        fmt: FormatOption = Format.table,
        output: OutputOption = None,
    ) -> None:
        """List museums with their aliases and number of accounts (or search them by name)."""
        with Engine(db, read_only=True) as eng:  # a --db naming no store: an error, no new store
            found = eng.museums.list(" ".join(query or []))
        if fmt is Format.csv:  # aliases hold spaces: joined by spaces they could not be split
            found = found.with_columns(pl.col("aliases").list.join(ALIAS_SEPARATOR))
        emit(
            found,
            fmt,
            title="museums",
            output=output,
            priority=("slug", "name", "city", "accounts", "aliases", "region"),
        )

    @museums.command("add")
    def add(
        name: Annotated[
            str, typer.Argument(metavar="NAME", help="Official name, e.g. 'Musée du Louvre'.")
        ],
        slug: Annotated[
            str | None, typer.Option(metavar="SLUG", help="Stable short id (default from name).")
        ] = None,
        city: Annotated[str | None, typer.Option(metavar="CITY")] = None,
        region: Annotated[str | None, typer.Option(metavar="REGION")] = None,
        country: Annotated[str, typer.Option(metavar="CODE", help="Country code.")] = "FR",
        museofile: Annotated[
            str | None, typer.Option(metavar="ID", help="Muséofile id (M1234).")
        ] = None,
        alias: Annotated[
            list[str] | None, typer.Option(metavar="ALIAS", help="Another name (repeatable).")
        ] = None,
        db: DbOption = None,
    ) -> None:
        """Add a museum."""
        with Engine(db) as eng:
            s = eng.museums.add(
                name,
                slug=slug,
                city=city,
                region=region,
                country=country,
                museofile_id=museofile,
                aliases=alias or [],
            )
        typer.echo(s)

    @museums.command("alias")
    def alias_(
        museum: Annotated[
            str, typer.Argument(metavar="MUSEUM", help="The museum (slug, name or alias).")
        ],
        alias: Annotated[
            str, typer.Argument(metavar="ALIAS", help="The other name to find it by.")
        ],
        db: DbOption = None,
    ) -> None:
        """Give a museum another name."""
        with Engine(db) as eng:
            s = eng.museums.alias(museum, alias)
        typer.echo(f"{alias!r} → {s}")

    @museums.command("link")
    def link(
        museum: Annotated[
            str, typer.Argument(metavar="MUSEUM", help="The museum (slug, name or alias).")
        ],
        network: Annotated[
            str, typer.Option(metavar="NETWORK", help="Network key, e.g. x, instagram.")
        ],
        handle: Annotated[str, typer.Option(metavar="HANDLE", help="The account's handle or id.")],
        db: DbOption = None,
    ) -> None:
        """Attach a network account to a museum (moving it from another museum says so)."""
        with Engine(db) as eng:
            before = eng.museums.linked_to(network, handle)
            slug, account = eng.link(museum, network, handle)
        moved = [m for m in before if m != slug]
        was = f" (moved from {', '.join(moved)})" if moved else ""
        typer.echo(printable(f"{network}:{account} → {slug}{was}"))

    links_app = typer.Typer(
        help="Every museum ↔ account link (export), or load hand-curated links (import).",
        invoke_without_command=True,
    )
    museums.add_typer(links_app, name="links")

    @links_app.callback()
    def links_(
        ctx: typer.Context,
        db: DbOption = None,
        fmt: FormatOption = Format.table,
        output: OutputOption = None,
    ) -> None:
        """Every museum ↔ account link: museum, Muséofile id, network, handle, account id and
        who made it (user, import, discover, ingest)."""
        if ctx.invoked_subcommand is not None:
            return
        from engagecore.links import links

        with Engine(db) as eng:
            emit(
                links(eng.store),
                fmt,
                title="links",
                output=output,
                priority=("museum", "network", "handle", "linked_by", "account_id"),
            )

    @links_app.command("import")
    def links_import(
        file: Annotated[
            Path,
            typer.Argument(
                metavar="FILE",
                help="CSV: museum (or museofile_id), network, handle (or account_id); "
                "the export of `engage museums links --format csv` reads back.",
            ),
        ],
        db: DbOption = None,
        fmt: FormatOption = Format.table,
    ) -> None:
        """Link the accounts a CSV file lists to their museums (all or nothing)."""
        from engagecore.links import import_links

        with Engine(db) as eng:
            report = import_links(eng.store, file)
        emit(report.frame(file), fmt, title="links import")
        for moved in report.moved:
            err_console.print(printable(f"moved {moved}"), markup=False, highlight=False)

    @museums.command("discover")
    def discover_(
        museum: Annotated[
            list[str] | None,
            typer.Argument(
                metavar="MUSEUM", help="Only these museums (slug, name or alias); default: all."
            ),
        ] = None,
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help="List the proposals, link nothing.")
        ] = False,
        api_base: Annotated[
            str | None,
            typer.Option(
                "--api-base",
                metavar="URL",
                help="Replaces https://query.wikidata.org (also ENGAGE_WIKIDATA_API_BASE).",
            ),
        ] = None,
        db: DbOption = None,
        fmt: FormatOption = Format.table,
    ) -> None:
        """Propose the museums' accounts from Wikidata (by Muséofile id, else name and city)
        and link them, never moving a link already made."""
        from engagecore.discover import discover, lookups

        with Engine(db) as eng:
            slugs = [eng.museums.resolve(m) for m in museum or []]
            by_id, by_name, neither = lookups(eng.store, slugs or None)
            found = discover(eng.store, dry_run=dry_run, api_base=api_base, museums=slugs or None)
        emit(
            found,
            fmt,
            title="discover (dry run)" if dry_run else "discover",
            priority=("museum", "network", "handle", "status", "wikidata"),
        )
        if fmt is Format.table:
            done = found.filter(pl.col("status").is_in(["linked", "proposed"])).height
            verb = "to link (dry run: nothing linked)" if dry_run else "linked"
            matched = found["museum"].n_unique()
            err_console.print(
                f"asked Wikidata about {by_id + by_name} museum(s) ({by_id} by Muséofile id, "
                f"{by_name} by name and city; {neither} with neither, not asked); "
                f"{matched} found; {done} account(s) {verb}; {found.height} proposal(s) in all"
            )

    @museums.command("import-registry")
    def import_registry(
        file: Annotated[
            Path, typer.Argument(metavar="FILE", help="An official museum list (CSV).")
        ],
        db: DbOption = None,
        fmt: FormatOption = Format.table,
    ) -> None:
        """Import an official list of museums (France: Musées de France, both shapes)."""
        with Engine(db) as eng:
            reader, added, updated, total = eng.import_registry(file)
        emit(
            pl.DataFrame(
                {
                    "file": [str(file)],
                    "reader": [reader],
                    "museums": [total],
                    "added": [added],
                    "updated": [updated],
                }
            ),
            fmt,
            title="registry",
            # what the import did first; the reader's name is the first to leave
            priority=("file", "museums", "added", "updated", "reader"),
        )
        if fmt is Format.table:
            err_console.print(
                "attach accounts with `engage museums link MUSEUM --network NET --handle H`"
            )
