"""``engage posts``, ``engage themes`` and ``engage risks``: thin wrappers over the
:class:`~engagecore.api.Engine` analyses (docs/analyses.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import polars as pl
import typer

from engagecore.api import Engine
from engagecore.cli.nothing import nothing_to_show, tell_why_empty
from engagecore.cli.output import (
    DbOption,
    Format,
    FormatOption,
    OutputOption,
    emit,
    err_console,
    percent_text,
)
from engagecore.cli.score_cmd import NetworkOpt, SinceOpt, UntilOpt, _when

#: Under a table of posts: the caption is shown once, as its excerpt.
WHOLE_TEXT = "whole text: --format json|csv"


def _once(frame: pl.DataFrame, fmt: Format) -> pl.DataFrame:
    """The posts of a table without ``text``: its ``excerpt`` beside it showed the same
    words again whenever the terminal had room. json, csv and parquet keep both."""
    return frame.drop("text", strict=False) if fmt is Format.table else frame


MuseumsArg = Annotated[
    list[str] | None,
    typer.Argument(
        metavar="MUSEUM",
        help="Museums (names resolve; @handle for an unlinked account). None: every museum.",
        show_default=False,
    ),
]


def register(app: typer.Typer) -> None:
    @app.command("posts")
    def posts(
        museums: MuseumsArg = None,
        network: NetworkOpt = None,
        top: Annotated[int, typer.Option(min=1, metavar="N", help="How many posts to show.")] = 20,
        breakouts: Annotated[
            bool,
            typer.Option(
                "--breakouts", help="Only breakouts (rate above 2 × the 90th percentile)."
            ),
        ] = False,
        since: SinceOpt = None,
        until: UntilOpt = None,
        db: DbOption = None,
        fmt: FormatOption = Format.table,
        output: OutputOption = None,
    ) -> None:
        """Top posts: own posts ranked by overperformance (rate ÷ what the account's previous
        posts of the same kind led to expect), with an excerpt, the kind, the link and the
        rate's basis. --breakouts keeps only breakouts."""
        with Engine(db, read_only=True) as eng:
            since_at, until_at = _when(since, "--since"), _when(until, "--until")
            where = dict(museums=museums, networks=network, since=since_at, until=until_at)
            frame = eng.top_posts(
                museums,
                networks=network,
                top=top,
                breakouts=breakouts,
                since=since_at,
                until=until_at,
            )
            tell_why_empty(
                eng,
                frame,
                "no ranked post: a post needs 10 earlier posts of the same account and "
                "kind for an expectation (import more with `engage ingest`, or run "
                "`engage demo`)",
                where,
            )
        if nothing_to_show(frame, fmt, output):
            return
        emit(
            _once(frame, fmt),
            fmt,
            title="breakouts" if breakouts else "top posts",
            output=output,
            priority=(
                "rank",
                "museum",
                "overperformance",
                "excerpt",
                "network",
                "posted_at",  # when it was posted tells more than its kind
                "kind",
                "rate_basis",
                "breakout",
                "link",
            ),
            caption="overperformance = rate ÷ expected (mean of the middle 50 % of the "
            f"account's previous 100 posts of the same kind and basis); {WHOLE_TEXT}",
        )

    @app.command("themes")
    def themes(
        museums: MuseumsArg = None,
        network: NetworkOpt = None,
        since: SinceOpt = None,
        until: UntilOpt = None,
        themes_file: Annotated[
            Path | None,
            typer.Option(
                "--themes",
                metavar="FILE",
                help="Your themes file (TOML), merged over the packaged data/themes.toml.",
            ),
        ] = None,
        timezone: Annotated[
            str, typer.Option(metavar="ZONE", help="Time zone of weekdays and hours (IANA name).")
        ] = "Europe/Paris",
        min_posts: Annotated[
            int,
            typer.Option(min=1, metavar="N", help="Leave out levels with fewer posts compared."),
        ] = 10,
        model: Annotated[
            bool,
            typer.Option(
                "--model/--no-model",
                help="Also label, with a text model, the posts no rule labels.",
            ),
        ] = True,
        db: DbOption = None,
        fmt: FormatOption = Format.table,
        output: OutputOption = None,
    ) -> None:
        """What works: the lift of each theme, format, weekday, hour, caption length and
        question on the size-adjusted rate, against the same account's other posts, with a
        95 % interval (1.8 = 80 % more engagement than the museum's other posts). Themes from
        hashtags and keywords (source rules) and from a text model for the posts the rules
        miss (source model, with its held-out precision)."""
        from engagecore.analysis.themes import summarize_precision

        with Engine(db, read_only=True) as eng:
            since_at, until_at = _when(since, "--since"), _when(until, "--until")
            where = dict(museums=museums, networks=network, since=since_at, until=until_at)
            report = eng.themes(
                museums,
                networks=network,
                since=since_at,
                until=until_at,
                themes=themes_file,
                timezone=timezone,
                min_posts=min_posts,
                with_model=model,
            )
            frame = report.lifts
            tell_why_empty(
                eng,
                frame,
                "no lift: too few rated posts (import more with `engage ingest`, or run "
                "`engage demo`)",
                where,
            )
        if nothing_to_show(frame, fmt, output):
            return
        precision = summarize_precision(report.model) if model else "text model: off"
        if fmt is not Format.table or output is not None:
            err_console.print(precision, highlight=False)
        if fmt is Format.table:  # the label says what the level is; the share in %
            frame = frame.drop("level").with_columns(percent_text("share"))
        emit(
            frame,
            fmt,
            title="what works",
            output=output,
            priority=("factor", "label", "lift", "lift_low", "lift_high", "posts", "source"),
            caption="lift = the posts' size-adjusted rate ÷ that of the same account's other "
            f"posts (95 % interval: lift_low-lift_high); times in {timezone}. {precision}",
        )

    @app.command("risks")
    def risks(
        museums: MuseumsArg = None,
        network: NetworkOpt = None,
        since: SinceOpt = None,
        until: UntilOpt = None,
        rules: Annotated[
            Path | None,
            typer.Option(
                metavar="FILE", help="Another rules file (default: the packaged policy_risks.toml)."
            ),
        ] = None,
        db: DbOption = None,
        fmt: FormatOption = Format.table,
        output: OutputOption = None,
    ) -> None:
        """Posts that MAY be removed or restricted under their network's nudity rules: the
        caption names nudity or a famous nude (nu, nue, nudité, Vénus, Olympia, odalisque,
        nude, naked…) and the post has an image or a video. A warning to look, never a
        prediction: the matched words and the rule's source are listed."""
        with Engine(db, read_only=True) as eng:
            since_at, until_at = _when(since, "--since"), _when(until, "--until")
            where = dict(museums=museums, networks=network, since=since_at, until=until_at)
            frame = eng.risks(
                museums, networks=network, since=since_at, until=until_at, rules=rules
            )
            tell_why_empty(
                eng, frame, "no post names nudity in its caption: nothing flagged", where
            )
        if nothing_to_show(frame, fmt, output):
            return
        emit(
            _once(frame, fmt),
            fmt,
            title="posts that may be removed or restricted",
            output=output,
            priority=("museum", "network", "matched", "risk", "excerpt", "posted_at", "kind"),
            caption='"may": the caption names nudity; most networks allow art, but automated '
            "review has removed museum posts before. Rules and sources: --format json|csv "
            f"(rule, rule_source) or docs/analyses.md; {WHOLE_TEXT}",
        )
