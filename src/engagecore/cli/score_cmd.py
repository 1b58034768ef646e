"""``engage score`` and ``engage compare``: thin wrappers over :meth:`Engine.score` / ``compare``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import polars as pl
import typer

from engagecore.api import Engine
from engagecore.cli.output import DbOption, Format, FormatOption, OutputOption, emit, err_console
from engagecore.errors import UsageError


def _when(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option} {value!r}: expected a date such as 2024-01-31") from None


NetworkOpt = Annotated[
    list[str] | None, typer.Option("--network", "-n", help="Only this network (repeatable).")
]
SinceOpt = Annotated[str | None, typer.Option(help="Posts published on or after (YYYY-MM-DD).")]
UntilOpt = Annotated[str | None, typer.Option(help="Posts published before (YYYY-MM-DD).")]
PeriodOpt = Annotated[str, typer.Option(help="all (default), month, quarter or year.")]
BandOpt = Annotated[str, typer.Option("--young-band", help="Young ages, e.g. 13-24 (default).")]


def _band(text: str) -> tuple[int, int]:
    try:
        lo, hi = (int(x) for x in text.split("-"))
    except ValueError:
        raise UsageError(f"--young-band {text!r}: expected two ages such as 13-24") from None
    return lo, hi


def register(app: typer.Typer) -> None:
    @app.command("score")
    def score(
        network: NetworkOpt = None,
        museum: Annotated[
            list[str] | None,
            typer.Option("--museum", "-m", help="Only this museum (repeatable; names resolve)."),
        ] = None,
        since: SinceOpt = None,
        until: UntilOpt = None,
        period: PeriodOpt = "all",
        young_band: BandOpt = "13-24",
        explain: Annotated[
            str | None, typer.Option(help="Show every input of the formula for this museum.")
        ] = None,
        db: DbOption = None,
        fmt: FormatOption = Format.table,
        output: OutputOption = None,
    ) -> None:
        """Engagement score (0–100 within each network's cohort) and young-audience reach.

        The table shows the main figures (fitted to the terminal); --format json, csv or
        parquet give every input, --explain MUSEUM the formula step by step.
        """
        with Engine(db, read_only=True) as eng:
            kwargs: dict[str, Any] = dict(
                networks=network,
                museums=museum,
                since=_when(since, "--since"),
                until=_when(until, "--until"),
                period=period,
                young_band=_band(young_band),
            )
            if explain:
                emit(eng.explain(explain, **kwargs), fmt, title=f"explain {explain}", output=output)
                return
            frame = eng.score(**kwargs)
        if frame.is_empty():
            err_console.print(
                "no scored posts: import some with `engage ingest` or run `engage demo`"
            )
        if fmt is Format.table and output is None:
            # The terminal gets the figures a reader needs, formatted to fit beside each
            # other; json/csv/parquet carry every input (and the table to a file, the columns
            # of SUMMARY_COLUMNS).
            show_scores(frame)
            return
        if fmt is Format.table:
            from engagecore.scoring import SUMMARY_COLUMNS

            frame = frame.select([c for c in SUMMARY_COLUMNS if c in frame.columns])
        emit(frame, fmt, title="engagement scores", output=output)

    @app.command("compare")
    def compare(
        museums: Annotated[list[str], typer.Argument(help="Two or more museums (names resolve).")],
        network: NetworkOpt = None,
        since: SinceOpt = None,
        until: UntilOpt = None,
        young_band: BandOpt = "13-24",
        drivers: Annotated[
            bool | None,
            typer.Option(
                "--drivers/--no-drivers",
                help="The posts that drive the gap: shown under the table unless --no-drivers; "
                "with json/csv, --drivers prints them instead of the comparison.",
                show_default=False,
            ),
        ] = None,
        db: DbOption = None,
        fmt: FormatOption = Format.table,
        output: OutputOption = None,
    ) -> None:
        """Museums side by side per network and overall; a winner only when significant."""
        if len(museums) < 2:
            raise UsageError(
                "compare needs at least two museums, e.g. `engage compare louvre pompidou`"
            )
        with Engine(db, read_only=True) as eng:
            result = eng.compare(
                museums,
                networks=network,
                since=_when(since, "--since"),
                until=_when(until, "--until"),
                young_band=_band(young_band),
            )
        if fmt is Format.table and output is None:
            show_comparison(result.table)
            if drivers is not False and not result.drivers.is_empty():
                show_drivers(result.drivers)
        else:
            emit(result.drivers if drivers else result.table, fmt, output=output)


_CARD_ROWS = (
    ("followers", "followers", "{:,.0f}"),
    ("posts", "posts", "{:,.0f}"),
    ("engagement rate", "rate", "{:.4%}"),
    ("rate basis", "basis", "{}"),
    ("engagement score", "score", "{:.0f}"),
    ("score interval", None, ""),
    ("young reach", "young_reach", "{:,.0f}"),
    ("young index", "young_index", "{:.2f}"),
    ("young basis", "young_basis", "{}"),
)


def _fmt(template: str, value: object) -> str:
    if value is None:
        return "—"
    try:
        return template.format(value)
    except (ValueError, TypeError):
        return str(value)


def _compact(n: object) -> str:
    """A count in a few characters: 9,876 · 866k · 1.2M."""
    if not isinstance(n, int | float):
        return "—"
    if abs(n) < 10_000:
        return f"{n:,.0f}"
    if abs(n) < 1_000_000:
        return f"{n / 1000:.0f}k"
    return f"{n / 1_000_000:.1f}M"


_YOUNG_BASIS = {"estimated": "est.", "measured": "meas.", "mixed": "mixed"}


def show_scores(frame: pl.DataFrame) -> None:
    """The score rows as a reader wants them, in an 80-column terminal: the rate in %, the
    score with its interval, young reach and index with their basis, small samples marked.
    A column every row shares (the period, the rate basis) goes to the caption instead.
    Every figure is in ``--format json``."""
    from rich.table import Table

    from engagecore.cli.output import console

    periods = frame["period"].unique().to_list() if frame.height else []
    bases = frame["rate_basis"].drop_nulls().unique().to_list() if frame.height else []
    show_period = len(periods) > 1
    show_basis = len(bases) > 1
    table = Table(
        title="engagement scores",
        header_style="bold underline",
        box=None,  # no column rules: every character goes to the figures
        padding=(0, 1, 0, 0),
        pad_edge=False,
    )
    columns = [("museum", "left"), ("network", "left")]
    columns += [("period", "left")] if show_period else []
    columns += [("posts", "right"), ("followers", "right"), ("rate", "right")]
    columns += [("basis", "left")] if show_basis else []
    columns += [("score", "right"), ("young", "right"), ("index", "right"), ("", "left")]
    flagged = False
    rows: list[list[str]] = []
    for r in frame.iter_rows(named=True):
        score = r.get("engagement_score")
        cell = "—"
        if score is not None:
            low, high = r.get("engagement_score_low"), r.get("engagement_score_high")
            cell = f"{score:.0f} [{_fmt('{:.0f}', low)}–{_fmt('{:.0f}', high)}]"
            if r.get("small_sample"):
                cell += "*"
                flagged = True
        rate = r.get("engagement_rate")
        cells = [r["museum"], r["network"]]
        cells += [str(r["period"])] if show_period else []
        cells += [
            _compact(r.get("posts")),
            _compact(r.get("followers")),
            "—" if rate is None else f"{100 * rate:.2g}%",
        ]
        cells += [r.get("rate_basis") or "—"] if show_basis else []
        cells += [
            cell,
            _compact(r.get("young_reach")),
            _fmt("{:.2f}", r.get("young_index")),
            _YOUNG_BASIS.get(r.get("young_basis") or "", "—"),
        ]
        rows.append(cells)
    # every figure at its full width; the museum slug gets what is left (folding onto a
    # second line when long), so that the table fits an 80-column terminal
    # (a column's width counts its one space of right padding)
    widths = [
        1 + max([len(name)] + [len(c[i]) for c in rows]) for i, (name, _) in enumerate(columns)
    ]
    museum_width = max(9, min(widths[0], console.width - sum(widths[1:]) - 1))
    for i, (name, justify) in enumerate(columns):
        table.add_column(
            name,
            justify=justify,  # type: ignore[arg-type]
            no_wrap=i > 0,
            overflow="fold",
            width=museum_width if i == 0 else widths[i],
        )
    for cells in rows:
        table.add_row(*cells)
    console.print(table)
    notes = []
    if not show_period and periods:
        notes.append(f"period: {periods[0]}")
    if not show_basis and bases:
        notes.append(f"rates by {bases[0]}")
    notes.append("score: 0–100 within the network's cohort [95 % interval]")
    notes.append(
        "young: young people reached; index: their share ÷ the network's typical share "
        "(est. from priors, meas. from owned age data)"
    )
    if flagged:
        notes.append("* small sample, shrunk toward the cohort")
    notes.append("every input and the reasons: --format json|csv|parquet or --explain MUSEUM")
    console.print("[dim]" + "\n".join(notes) + "[/]")


def show_comparison(table: pl.DataFrame) -> None:
    """One small card per network: metrics as rows, museums as columns, the winner named
    only when the difference is significant."""
    from rich.table import Table

    from engagecore.cli.output import console

    suffix = " posts"
    museums = [c[: -len(suffix)] for c in table.columns if c.endswith(suffix)]
    for row in table.iter_rows(named=True):
        winner = row.get("winner")
        p = row.get("p_value")
        p_text = f" (p = {p:.2g})" if isinstance(p, float) else ""
        verdict = (
            f"[bold green]{winner}[/] ahead{p_text}"
            if winner
            else f"no significant difference{p_text}"
        )
        period = row.get("period")
        title = f"[bold]{row['network']}[/]" + (
            f" · {period}" if period not in (None, "all") else ""
        )
        card = Table(title=f"{title} — {verdict}", title_justify="left", header_style="bold")
        card.add_column("")
        for m in museums:
            card.add_column(m + (" ★" if m == winner else ""), justify="right")
        for label, field, template in _CARD_ROWS:
            if field is None:
                cells = [
                    f"{_fmt('{:.0f}', row.get(f'{m} score_low'))}–{_fmt('{:.0f}', row.get(f'{m} score_high'))}"
                    for m in museums
                ]
            else:
                cells = [_fmt(template, row.get(f"{m} {field}")) for m in museums]
            card.add_row(label, *cells)
        console.print(card)
    if table.height and "test" in table.columns:
        test = table["test"].drop_nulls()
        if test.len():
            console.print(f"[dim]test: {test[0]}[/]")


def _what(row: dict[str, Any]) -> str:
    driver = row.get("driver") or ""
    if driver.endswith("post"):
        when = row["posted_at"].strftime("%Y-%m-%d") if row.get("posted_at") else ""
        text = " ".join((row.get("text") or "").split())
        text = text if len(text) <= 60 else text[:59] + "…"
        arrow = "▲" if driver.startswith("top") else "▼"
        return f"{arrow} {when} {row.get('kind') or ''} « {text} »"
    return f"{driver}: {row.get('label')}"


def show_drivers(drivers: pl.DataFrame) -> None:
    """What drives the gap, per network: each museum's best and worst posts, kinds, hashtags."""
    from rich.table import Table

    from engagecore.cli.output import console

    for (network,), part in drivers.group_by("network", maintain_order=True):
        card = Table(
            title=f"[bold]{network}[/] — what drives the gap",
            title_justify="left",
            header_style="bold",
        )
        for col, justify in (
            ("museum", "left"),
            ("what", "left"),
            ("posts", "right"),
            ("rate", "right"),
            ("vs expected", "right"),
        ):
            card.add_column(col, justify=justify)  # type: ignore[arg-type]
        for row in part.iter_rows(named=True):
            over = row.get("overperformance")
            card.add_row(
                row["museum"],
                _what(row),
                _fmt("{:,}", row.get("posts")),
                _fmt("{:.4%}", row.get("rate")),
                _fmt("×{:.2f}", over),
            )
        console.print(card)
