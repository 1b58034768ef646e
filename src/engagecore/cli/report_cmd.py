"""``engage report``: the HTML page, a thin wrapper over :meth:`Engine.report`."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from engagecore.api import Engine
from engagecore.cli.output import DbOption
from engagecore.errors import UsageError


def register(app: typer.Typer) -> None:
    @app.command("report")
    def report(
        museums: Annotated[
            list[str] | None,
            typer.Argument(
                metavar="MUSEUM", help="Museums (names resolve), or @handle of an unlinked account."
            ),
        ] = None,
        all_museums: Annotated[
            bool, typer.Option("--all", help="Every museum of the store that has posts.")
        ] = False,
        out: Annotated[
            Path, typer.Option("--out", "-o", metavar="FILE", help="The HTML file to write.")
        ] = Path("report.html"),
        period: Annotated[
            str,
            typer.Option(
                metavar="PERIOD", help="Grain of the score history: month, quarter or year."
            ),
        ] = "quarter",
        lang: Annotated[
            str | None,
            typer.Option(
                metavar="LANG", help="fr or en (default: from LC_ALL / LANG).", show_default=False
            ),
        ] = None,
        young_band: Annotated[
            str,
            typer.Option("--young-band", metavar="AGES", help="Young ages, e.g. 13-24 (default)."),
        ] = "13-24",
        db: DbOption = None,
    ) -> None:
        """One self-contained HTML page (charts inline, works offline): headline scores in
        words, score history, followers, the size curve, young audience, top posts."""
        from engagecore.cli.score_cmd import _band

        if lang is not None and lang not in ("fr", "en"):
            raise UsageError(f"--lang {lang!r}: expected fr or en")
        if out.is_dir():
            raise UsageError(f"--out {out}: is a folder; expected a file name such as report.html")
        if not out.parent.exists():
            raise UsageError(f"--out {out}: folder {out.parent} does not exist")
        with Engine(db, read_only=True) as eng:
            page = eng.report(
                museums or [],
                all_museums=all_museums,
                period=period,
                lang=lang,
                young_band=_band(young_band),
            )
        # written whole or not at all: a reader never finds half a page
        fd, tmp = tempfile.mkstemp(prefix=".report-", suffix=".html", dir=out.parent)
        try:
            # mkstemp's 0600 would stay on the page: give it the mode of any file written
            umask = os.umask(0)
            os.umask(umask)
            os.fchmod(fd, 0o666 & ~umask)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(page)
            os.replace(tmp, out)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        size = len(page.encode("utf-8"))
        typer.echo(f"wrote {out} ({size / 1e6:.2f} MB)")
