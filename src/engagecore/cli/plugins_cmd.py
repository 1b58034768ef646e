"""``engage plugins``: what is loaded, at which version, implementing which hooks."""

from __future__ import annotations

from typing import Annotated

import polars as pl
import typer

from engagecore import plugins
from engagecore.cli.output import Format, FormatOption, emit


def register(app: typer.Typer) -> None:
    @app.command("plugins")
    def list_plugins(
        all_: Annotated[
            bool,
            typer.Option(
                "--all", help="Also list every network and importer each plugin registers."
            ),
        ] = False,
        fmt: FormatOption = Format.table,
    ) -> None:
        """List installed plugins, their versions and hooks."""
        infos = plugins.plugin_infos()
        rows = [
            {
                "name": i.name,
                "version": i.version,
                "distribution": i.distribution,
                "module": i.module,
                "hooks": i.hooks,
            }
            for i in infos
        ]
        df = pl.DataFrame(
            rows,
            schema={
                "name": pl.Utf8,
                "version": pl.Utf8,
                "distribution": pl.Utf8,
                "module": pl.Utf8,
                "hooks": pl.List(pl.Utf8),
            },
        )
        if all_:
            reg = plugins.registry()
            provided: dict[str, list[str]] = {}
            for n in reg.networks.values():
                provided.setdefault(plugins.owner_name(n), []).append(f"network:{n.name}")
            for imp in reg.importers.values():
                # the networks it may emit; one no loaded plugin registers is said so
                nets = ", ".join(
                    "any network"
                    if n == plugins.ANY_NETWORK
                    else n
                    if n in reg.networks
                    else f"{n}: not registered"
                    for n in sorted(imp.networks)
                )
                provided.setdefault(plugins.owner_name(imp), []).append(f"importer:{imp.name} ({nets})")
            for r in reg.registry_readers.values():
                provided.setdefault(plugins.owner_name(r), []).append(f"registry:{r.name}")
            for w in reg.demo_writers.values():
                provided.setdefault(plugins.owner_name(w), []).append(f"demo-writer:{w.network}")
            df = df.with_columns(
                pl.col("name")
                .map_elements(lambda n: provided.get(n, []), return_dtype=pl.List(pl.Utf8))
                .alias("provides")
            )
        emit(df, fmt, title="plugins", priority=("name", "provides", "hooks", "version"))
