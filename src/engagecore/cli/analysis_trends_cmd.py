"""``engage growth``, ``engage adoption`` and ``engage young``: thin wrappers over
:meth:`Engine.growth`, :meth:`Engine.adoption` and :meth:`Engine.young` (docs/analyses.md)."""

from __future__ import annotations

from typing import Annotated

import polars as pl
import typer

from engagecore.api import Engine
from engagecore.cli.nothing import nothing_to_show, tell_why_empty, why_no_adoption
from engagecore.cli.output import (
    DbOption,
    Format,
    FormatOption,
    OutputOption,
    emit,
    err_line,
    percent_text,
)
from engagecore.cli.score_cmd import BandOpt, NetworkOpt, SinceOpt, UntilOpt, _band, _when

MuseumsArg = Annotated[
    list[str] | None,
    typer.Argument(
        metavar="MUSEUM",
        help="Only these museums (names resolve; @handle for an unlinked account).",
        show_default=False,
    ),
]


def growth_table(frame: pl.DataFrame) -> pl.DataFrame:
    """What ``engage growth`` shows at a terminal: the change in %, the followers whole."""
    return frame.select(
        "museum",
        "network",
        "period",
        "followers",
        "change",
        percent_text("change_rate", signed=True).alias("change_%"),
        "note",
        "handle",
    )


def adoption_table(frame: pl.DataFrame) -> pl.DataFrame:
    """What ``engage adoption`` shows at a terminal: the share in %."""
    return frame.select(
        "network",
        "year",
        "new",
        "present",
        "registry",
        percent_text("share").alias("share"),
        "region",
        "registry_basis",
    )


def young_table(frame: pl.DataFrame) -> pl.DataFrame:
    """What ``engage young`` shows at a terminal: share and its interval in %, reach whole."""
    interval = pl.format(
        "{}–{}",
        (pl.col("young_share_low") * 100).round(0).cast(pl.Int64),
        (pl.col("young_share_high") * 100).round(0).cast(pl.Int64),
    )
    return frame.select(
        "museum",
        "network",
        "period",
        # "adjusted": the prior adjusted to the museums that measure (the full basis in json)
        pl.when(pl.col("young_basis").str.starts_with("estimated (museum-adjusted"))
        .then(pl.lit("adjusted"))
        .when(pl.col("young_basis").str.starts_with("estimated"))
        .then(pl.lit("estimated"))
        .otherwise(pl.col("young_basis"))
        .alias("basis"),
        percent_text("young_share").alias("young_share"),
        interval.alias("share_interval_%"),
        pl.col("young_reach").cast(pl.Int64),
        pl.col("audience").round(0).cast(pl.Int64),
    )


def register(app: typer.Typer) -> None:
    @app.command("growth")
    def growth(
        museums: MuseumsArg = None,
        network: NetworkOpt = None,
        period: Annotated[
            str, typer.Option(metavar="PERIOD", help="month, quarter (default) or year.")
        ] = "quarter",
        db: DbOption = None,
        fmt: FormatOption = Format.table,
        output: OutputOption = None,
    ) -> None:
        """Followers per account and period (the last snapshot in each), with the change
        since the previous period that has a snapshot; a period without one is a gap."""
        with Engine(db, read_only=True) as eng:
            frame = eng.growth(museums, networks=network, period=period)
        if frame.is_empty():
            err_line(
                "no follower snapshot: import exports that carry follower counts, or "
                "`engage followers add NETWORK HANDLE N`"
            )
        if nothing_to_show(frame, fmt, output):
            return
        if fmt is Format.table:
            emit(
                growth_table(frame),
                fmt,
                title=f"followers per {period}",
                output=output,
                priority=("museum", "network", "period", "followers", "change_%", "change"),
            )
        else:
            emit(frame, fmt, output=output)

    @app.command("adoption")
    def adoption(
        network: NetworkOpt = None,
        region: Annotated[
            str | None,
            typer.Option(
                metavar="REGION", help="Only the registry's museums of this region (e.g. Bretagne)."
            ),
        ] = None,
        db: DbOption = None,
        fmt: FormatOption = Format.table,
        output: OutputOption = None,
    ) -> None:
        """Per network and year: how many museums of the registry (those with a Muséofile
        id; every museum when none has one) are present by the year's end, and their share."""
        with Engine(db, read_only=True) as eng:
            frame = eng.adoption(networks=network, region=region)
            from engagecore.analysis.adoption import outside_registry

            left_out = outside_registry(eng.store.con, network)
            if frame.is_empty():
                err_line(why_no_adoption(eng, networks=network, region=region))
        if left_out:
            shown = ", ".join(left_out[:10]) + (", …" if len(left_out) > 10 else "")
            many = len(left_out) > 1
            err_line(
                f"note: {len(left_out)} museum{'s' if many else ''} with an account "
                f"{'have' if many else 'has'} no Muséofile id and {'are' if many else 'is'} "
                f"not counted: {shown} (engage museums import-registry links a museum of the "
                "registry by its name and city)"
            )
        if nothing_to_show(frame, fmt, output):
            return
        if fmt is Format.table:
            emit(
                adoption_table(frame),
                fmt,
                title="museums of the registry present on each network",
                output=output,
                priority=("network", "year", "present", "share", "registry", "new"),
            )
        else:
            emit(frame, fmt, output=output)

    @app.command("young")
    def young(
        museums: MuseumsArg = None,
        network: NetworkOpt = None,
        period: Annotated[
            str, typer.Option(metavar="PERIOD", help="quarter (default), month, year or all.")
        ] = "quarter",
        since: SinceOpt = None,
        until: UntilOpt = None,
        young_band: BandOpt = "13-24",
        db: DbOption = None,
        fmt: FormatOption = Format.table,
        output: OutputOption = None,
    ) -> None:
        """Young share and young reach (people) per museum, network and period, measured
        (owned audience-age data) or estimated (the network's prior): as `engage score`."""
        with Engine(db, read_only=True) as eng:
            since_at, until_at = _when(since, "--since"), _when(until, "--until")
            where = dict(museums=museums, networks=network, since=since_at, until=until_at)
            frame = eng.young(
                museums,
                networks=network,
                period=period,
                since=since_at,
                until=until_at,
                young_band=_band(young_band),
            )
            tell_why_empty(eng, frame, "no scored posts: import some with `engage ingest`", where)
        if nothing_to_show(frame, fmt, output):
            return
        if fmt is Format.table:
            emit(
                young_table(frame),
                fmt,
                title=f"young audience ({young_band}) per {period}",
                output=output,
                priority=("museum", "network", "period", "basis", "young_share", "young_reach"),
            )
        else:
            emit(frame, fmt, output=output)
