"""``engage score`` and ``engage compare``: thin wrappers over :meth:`Engine.score` / ``compare``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

import polars as pl
import typer
from rich.table import Table
from rich.text import Text

from engagecore.api import Engine
from engagecore.cli.output import (
    COLUMN_GAP,
    DbOption,
    Format,
    FormatOption,
    OutputOption,
    compact_number,
    emit,
)
from engagecore.durations import duration
from engagecore.errors import NoScoreError, UsageError


def _when(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option} {value!r}: expected a date such as 2024-01-31") from None


NetworkOpt = Annotated[
    list[str] | None,
    typer.Option("--network", "-n", metavar="NETWORK", help="Only this network (repeatable)."),
]
SinceOpt = Annotated[
    str | None, typer.Option(metavar="DATE", help="Posts published on or after (YYYY-MM-DD).")
]
UntilOpt = Annotated[
    str | None, typer.Option(metavar="DATE", help="Posts published before (YYYY-MM-DD).")
]
PeriodOpt = Annotated[
    str, typer.Option(metavar="PERIOD", help="all (default), month, quarter or year.")
]
BandOpt = Annotated[
    str, typer.Option("--young-band", metavar="AGES", help="Young ages, e.g. 13-24 (default).")
]


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
            typer.Option(
                "--museum",
                "-m",
                metavar="MUSEUM",
                help="Only this museum (repeatable; names resolve).",
            ),
        ] = None,
        since: SinceOpt = None,
        until: UntilOpt = None,
        period: PeriodOpt = "all",
        young_band: BandOpt = "13-24",
        explain: Annotated[
            str | None,
            typer.Option(metavar="MUSEUM", help="Show every input of the formula for this museum."),
        ] = None,
        sort: Annotated[
            str | None,
            typer.Option(
                metavar="KEY",
                help="Rank the museums (composite rows): score, rate, young (young reach), "
                "young_share, followers or growth (the growth score, computed for it).",
                show_default=False,
            ),
        ] = None,
        top: Annotated[
            int | None,
            typer.Option(
                metavar="N", help="Show the first N museums of the ranking.", show_default=False
            ),
        ] = None,
        with_growth: Annotated[
            bool,
            typer.Option(
                "--with-growth",
                help="Also show the growth score and the composite of engagement and growth "
                "(√(engagement × growth), after Fanpage Karma's PPI).",
            ),
        ] = False,
        db: DbOption = None,
        fmt: FormatOption = Format.table,
        output: OutputOption = None,
    ) -> None:
        """Engagement score (0–100 within each network's cohort) and young-audience reach.

        The table shows the main figures (fitted to the terminal); --format json, csv or
        parquet give every input (the growth score too), --explain MUSEUM the formula step
        by step.
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
            if with_growth:
                kwargs["with_growth"] = True
            if explain:
                frame = eng.explain(explain, **kwargs)
                if fmt is Format.table and output is None:
                    show_explain(frame)
                else:
                    emit(frame, fmt, title=f"explain {explain}", output=output)
                return
            if sort is not None or top is not None:
                ranked = eng.score(sort=sort, top=top, **kwargs)
                if fmt is Format.table and output is None:
                    show_leaderboard(ranked, sort or "score")
                else:
                    emit(ranked, fmt, title="top museums", output=output)
                return
            frame = eng.score(**kwargs)
            if frame.is_empty():
                from engagecore.cli.nothing import nothing_to_show, tell_why_empty

                where = dict(
                    museums=museum, networks=network, since=kwargs["since"], until=kwargs["until"]
                )
                tell_why_empty(
                    eng,
                    frame,
                    "no scored posts: import some with `engage ingest` or run `engage demo`",
                    where,
                )
                if nothing_to_show(frame, fmt, output):
                    return
        if fmt is Format.table and output is None:
            # The terminal gets the figures a reader needs, formatted to fit beside each
            # other; json/csv/parquet carry every input (and the table to a file, the columns
            # of SUMMARY_COLUMNS).
            show_scores(frame, young_band, with_growth=with_growth)
            return
        if fmt is Format.table:
            from engagecore.scoring import PERFORMANCE_COLUMNS, SUMMARY_COLUMNS

            summary = [*SUMMARY_COLUMNS, *PERFORMANCE_COLUMNS]
            frame = frame.select([c for c in summary if c in frame.columns])
        emit(frame, fmt, title="engagement scores", output=output)

    @app.command("compare")
    def compare(
        museums: Annotated[
            list[str],
            typer.Argument(
                metavar="MUSEUM",
                help="Two or more museums (names resolve), or @handle of an unlinked account.",
            ),
        ],
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
        with_growth: Annotated[
            bool,
            typer.Option(
                "--with-growth",
                help="Also compare the growth score (follower growth after size) and its interval.",
            ),
        ] = False,
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
            since_at, until_at = _when(since, "--since"), _when(until, "--until")
            try:
                result = eng.compare(
                    museums,
                    networks=network,
                    since=since_at,
                    until=until_at,
                    young_band=_band(young_band),
                    **({"growth": True} if with_growth else {}),
                )
            except NoScoreError as exc:
                from engagecore.cli.nothing import why_nothing

                reasons = [
                    why_nothing(eng, museums=[m], networks=network, since=since_at, until=until_at)
                    for m in exc.museums
                ]
                if None in reasons:
                    raise
                reasons = list(dict.fromkeys(reasons))  # "the store has no posts" once
                raise UsageError(f"nothing to compare: {'; '.join(map(str, reasons))}") from None
        if fmt is Format.table and output is None:
            show_comparison(result.table)
            if drivers is not False and not result.drivers.is_empty():
                show_drivers(result.drivers)
        else:
            emit(result.drivers if drivers else result.table, fmt, output=output)


@dataclass(frozen=True)
class Col:
    """A column of a terminal table: its header (``\n`` for a two-line header), how it is
    justified, when it leaves a narrow terminal (0: never; 1 first, then 2, ...), and whether
    it takes the width left and wraps at spaces (text) instead of keeping its full width."""

    header: str
    justify: str = "right"
    drop: int = 0
    flex: bool = False
    least: int = 12  # a text column's narrowest width (or its longest word's)


def _width(text: str) -> int:
    return max((len(line) for line in text.split("\n")), default=0)


def fit_table(
    cols: list[Col], rows: list[list[str]], *, title: str | None = None, width: int | None = None
) -> tuple[Table, list[str]]:
    """A borderless table whose columns fit ``width`` (the terminal's by default): every
    figure at its full width, the columns that do not fit left out (the most droppable
    first; their headers are returned for the caption), text columns wrapping at spaces.
    Cells are plain text (never read as markup: a museum named ``[/]`` prints as it is)."""
    from engagecore.cli.output import console

    width = width or console.width
    natural = [max([_width(c.header)] + [_width(r[i]) for r in rows]) for i, c in enumerate(cols)]
    # a text column can shrink to its longest word (or 12), never splitting a word
    least = [
        min(natural[i], max(c.least, *(len(w) for r in rows for w in r[i].split()), 1))
        if c.flex
        else natural[i]
        for i, c in enumerate(cols)
    ]
    keep = list(range(len(cols)))

    def total() -> int:
        return sum(least[i] for i in keep) + COLUMN_GAP * (len(keep) - 1)

    while total() > width:
        droppable = [i for i in keep if cols[i].drop > 0]
        if not droppable:
            break
        keep.remove(min(droppable, key=lambda i: (cols[i].drop, -i)))
    spare = max(0, width - total())
    # what is left goes to the text columns, in proportion to what each would still take
    wants = {i: natural[i] - least[i] for i in keep if cols[i].flex}
    asked = sum(wants.values())
    grant = {i: (spare * w // asked if asked > spare else w) for i, w in wants.items()}
    table = Table(
        title=Text(title, style="bold") if title else None,
        title_justify="left",
        header_style="bold",
        box=None,
        padding=(0, COLUMN_GAP, 0, 0),  # no box: the padding is the gap
        pad_edge=False,
        show_edge=False,
    )
    for i in keep:
        c = cols[i]
        w = least[i] + grant.get(i, 0)
        table.add_column(
            Text(c.header),
            justify=c.justify,  # type: ignore[arg-type]
            no_wrap=not c.flex,
            overflow="fold",
            width=w,
        )
    for r in rows:
        table.add_row(*(Text(r[i]) for i in keep))
    dropped = [cols[i].header.replace("\n", " ") for i in range(len(cols)) if i not in keep]
    return table, dropped


def _print_notes(notes: list[str]) -> None:
    from engagecore.cli.output import console

    for note in notes:
        console.print(Text(note, style="dim"))


def _fmt(template: str, value: object) -> str:
    if value is None:
        return "—"
    try:
        return template.format(value)
    except (ValueError, TypeError):
        return str(value)


def _pct(rate: object) -> str:
    """A rate (a fraction) in % with two significant digits."""
    return "—" if not isinstance(rate, int | float) else f"{100 * rate:.2g}%"


def _share(value: object) -> str:
    return "—" if not isinstance(value, int | float) else f"{value:.0%}"


_YOUNG_BASIS = {"estimated": "est.", "measured": "meas.", "mixed": "mixed"}


def _young_basis_short(basis: str | None) -> str:
    """The young basis in a table cell: "meas.", "est." (the platform prior), "adj." (the
    prior adjusted to the museums that measure, docs/scoring.md §4.1) or "mixed"."""
    text = basis or ""
    if "museum-adjusted" in text:
        return "adj."
    if text.startswith("estimated"):
        return "est."
    return _YOUNG_BASIS.get(text, "")


_LINK_NOTE = (
    "@handle: an account linked to no museum, scored under its own handle; link it with "
    "`engage museums link MUSEUM --network NET --handle HANDLE`"
)

def _dropped_note(dropped: Sequence[str]) -> list[str]:
    """The caption naming the columns left out, worded and cut as every other table's
    (:func:`engagecore.cli.output.left_out_lines`)."""
    from engagecore.cli.output import console, left_out_lines

    return left_out_lines(dropped, console.width)


def _growth_cell(row: dict[str, Any], column: str, notes: dict[str, str]) -> str:
    """A growth or performance score with its interval, or "—" (and a note) without one."""
    score = row.get(column)
    if score is None:
        if row.get("growth_score") is None:
            notes["growth —"] = (
                "no growth score: fewer than 2 follower snapshots near the period's start "
                "and end, or fewer than 5 museums with a growth figure in the cohort "
                "(growth_note and growth_cohort_size in --format json)"
            )
        return "—"
    low, high = row.get(f"{column}_low"), row.get(f"{column}_high")
    return f"{score:.0f} [{_fmt('{:.0f}', low)}–{_fmt('{:.0f}', high)}]"


def _score_cell(row: dict[str, Any], notes: dict[str, str]) -> str:
    """The score with its interval (``*`` on a small sample), or why there is none."""
    score = row.get("engagement_score")
    if score is None:
        from engagecore.scoring.engagement import no_score_note

        short, meaning = no_score_note(row.get("reason"))
        notes[short] = meaning
        return short
    low, high = row.get("engagement_score_low"), row.get("engagement_score_high")
    cell = f"{score:.0f} [{_fmt('{:.0f}', low)}–{_fmt('{:.0f}', high)}]"
    if row.get("small_sample"):
        cell += "*"
        notes["*"] = "small sample, shrunk toward the cohort"
    return cell


def _age(hours: float) -> str:
    """A maturity age as people say it, as every surface does: 11 h, 4.4 days."""
    return duration(hours)


def _too_young_lines(frame: pl.DataFrame) -> list[str]:
    """How many posts were left out as read before their network's maturity age, and the
    maturity ages and curves used (docs/scoring.md §1.5); nothing when none was."""
    if "posts_too_young" not in frame.columns or not frame.height:
        return []
    rows = frame.filter(pl.col("network") != "all")
    total = int(rows.get_column("posts_too_young").fill_null(0).sum())
    if not total:
        return []
    per = (
        rows.filter(pl.col("posts_too_young") > 0)
        .group_by("network")
        .agg(
            pl.col("posts_too_young").sum(),
            pl.col("maturity_hours").first(),
            pl.col("accrual_basis").first(),
        )
        .sort("network")
    )
    parts = [
        f"{r['network']} {r['posts_too_young']} (maturity {_age(r['maturity_hours'])}, "
        f"{r['accrual_basis']})"
        for r in per.iter_rows(named=True)
    ]
    return [
        f"too young: {total} post(s) read before their network's maturity age left out "
        f"of rates and scores — {'; '.join(parts)}"
    ]


def show_scores(
    frame: pl.DataFrame, young_band: str = "13-24", *, with_growth: bool = False
) -> None:
    """The score rows as a reader wants them, fitted to the terminal: the rate in %, the
    score with its interval (or why it is missing), young share and young reach, small
    samples marked; ``with_growth``: the growth score and the performance score (engagement
    and growth) after the score, the last columns to leave a narrow terminal. A column every row shares
    (the period, the rate basis) goes to the caption instead. Every figure is in
    ``--format json``."""
    from engagecore.cli.output import console

    periods = frame["period"].unique().to_list() if frame.height else []
    bases = frame["rate_basis"].drop_nulls().unique().to_list() if frame.height else []
    show_period = len(periods) > 1
    show_basis = len(bases) > 1
    cols = [Col("museum", "left"), Col("network", "left")]
    cols += [Col("period", "left")] if show_period else []
    cols += [Col("posts", drop=2), Col("followers", drop=4), Col("rate", drop=7)]
    cols += [Col("basis", "left", drop=3)] if show_basis else []
    cols += [Col("score")]
    # asked for: they stay after the rate has left (a narrow terminal: the caption names them)
    cols += [Col("growth", drop=9), Col("perf.", drop=8)] if with_growth else []
    cols += [
        Col("young\nshare", drop=5),
        Col("young\nreach", drop=6),
        Col("young\nindex", "left", drop=1),
        Col("vs\nmuseums", drop=1),
    ]
    notes: dict[str, str] = {}
    rows: list[list[str]] = []
    unlinked = False
    for r in frame.iter_rows(named=True):
        unlinked = unlinked or r.get("linked") is False
        cells = [r["museum"], r["network"]]
        cells += [str(r["period"])] if show_period else []
        cells += [compact_number(r.get("posts")), compact_number(r.get("followers"))]
        cells += [_pct(r.get("engagement_rate"))]
        cells += [r.get("rate_basis") or "—"] if show_basis else []
        index = r.get("young_index")
        museums_index = r.get("young_index_museums")
        cells += [_score_cell(r, notes)]
        if with_growth:
            cells += [
                _growth_cell(r, "growth_score", notes),
                _growth_cell(r, "performance_score", notes),
            ]
        cells += [
            _share(r.get("young_share")),
            compact_number(r.get("young_reach")),
            "—"
            if index is None
            else f"{index:.2f} {_young_basis_short(r.get('young_basis'))}".strip(),
            "—" if museums_index is None else f"{museums_index:.2f}",
        ]
        rows.append(cells)
    table, dropped = fit_table(cols, rows, title="engagement scores")
    console.print(table)
    lines = []
    if not show_period and periods:
        lines.append(f"period: {periods[0]}")
    if not show_basis and bases:
        lines.append(f"rates by {bases[0]} (winsorized mean per post; peers' ΣI/ΣF in json)")
    lines.append("score: 0–100 within the network's cohort [95 % interval]")
    if with_growth:
        lines.append(
            "growth: follower growth score, 0–100 within the cohort after size; perf.: "
            "√(score × growth), as Fanpage Karma's PPI (docs/scoring.md §9)"
        )
    lines += _too_young_lines(frame)
    young = f"young share: share of the audience aged {young_band.replace('-', '–')}"
    young += "; young reach: those people"
    if "young index" not in dropped:
        young += (
            "; young index: share ÷ the network's typical share (meas.: owned age data; est.: "
            "the network's prior; adj.: the prior adjusted to the museums that measure)"
        )
    if "vs museums" not in dropped:
        young += "; vs museums: share ÷ the museums' typical share on the network"
    lines.append(young)
    lines += [f"{k}: {v}" for k, v in notes.items()]
    if unlinked:
        lines.append(_LINK_NOTE)
    if dropped:
        lines += _dropped_note(dropped)
    lines.append("every input and the reasons: --format json|csv|parquet or --explain MUSEUM")
    _print_notes(lines)


_SORT_TITLES = {
    "score": "composite engagement score (0–100, interval)",
    "rate": "engagement rate",
    "young": "young reach (people)",
    "young_reach": "young reach (people)",
    "young_share": "young share of the audience",
    "followers": "followers",
    "growth": "growth score (0–100, interval; follower growth after size)",
}


def show_leaderboard(top: pl.DataFrame, sort: str = "score") -> None:
    """The museums ranked (``leaderboard``): the demo's "top museums" and
    ``engage score --sort … --top N`` print this same table."""
    from engagecore.cli.output import console

    show_period = top.height > 0 and top["period"].n_unique() > 1
    cols = [Col("#")]
    cols += [Col("period", "left")] if show_period else []
    cols += [
        Col("museum", "left"),
        Col("name", "left", drop=2, flex=True, least=18),
        Col("score"),
        Col("rate", drop=3),
        Col("young\nshare", drop=5),
        Col("young\nreach", drop=4),
        Col("followers", drop=1),
    ]
    growth = "growth_score" in top.columns and top["growth_score"].is_not_null().any()
    if growth:  # computed (--sort growth, --with-growth): beside the score, its interval too
        cols.insert(cols.index(Col("score")) + 1, Col("growth", drop=0 if sort == "growth" else 6))
    notes: dict[str, str] = {}
    rows = []
    unlinked = False
    for r in top.iter_rows(named=True):
        unlinked = unlinked or r.get("linked") is False
        cells = [str(r["rank"])]
        cells += [str(r["period"])] if show_period else []
        cells += [
            r["museum"],
            r.get("name") or ("(not linked)" if r.get("linked") is False else ""),
            _score_cell(r, notes),
            *([_growth_cell(r, "growth_score", notes)] if growth else []),
            _pct(r.get("engagement_rate")),
            _share(r.get("young_share")),
            compact_number(r.get("young_reach")),
            compact_number(r.get("followers")),
        ]
        rows.append(cells)
    title = f"top museums — by {_SORT_TITLES.get(sort, sort)}"
    table, dropped = fit_table(cols, rows, title=title)
    console.print(table)
    lines = [f"{k}: {v}" for k, v in notes.items()]
    if growth:
        lines.append(_GROWTH_NOTE)
    if unlinked:
        lines.append(_LINK_NOTE)
    if dropped:
        lines += _dropped_note(dropped)
    _print_notes(lines)


_GROWTH_NOTE = (
    "growth: follower growth score, 0–100 within the cohort after size, [95 % interval] "
    "(docs/scoring.md §9)"
)

#: The comparison card's rows: (label, figure of the comparison table, format).
_CARD_ROWS = (
    ("followers", "followers", "{:,.0f}"),
    ("posts", "posts", "{:,.0f}"),
    ("engagement rate", "rate", "{:.3%}"),
    ("peers' rate ΣI/ΣF", "peer_rate", "{:.3%}"),
    ("rate basis", "basis", "{}"),
    ("engagement score", "score", "{:.0f}"),
    ("score interval", None, ""),
    ("young share", "young_share", "{:.0%}"),
    ("young reach", "young_reach", "{:,.0f}"),
    ("young index", "young_index", "{:.2f}"),
    ("young basis", "young_basis", "{}"),
)
#: With --with-growth: the growth score and its interval (docs/scoring.md §9).
_GROWTH_CARD_ROWS = (
    ("growth score", "growth", "{:.0f}"),
    ("growth interval", None, ""),
)


def show_comparison(table: pl.DataFrame) -> None:
    """Per network: the verdict (winner or why none, and the test), one sentence of why,
    then a card — metrics as rows, museums as columns (texts wrapping between their words; in
    several cards if the museums do not fit the terminal side by side even so)."""
    from rich.table import Table

    from engagecore.cli.output import console

    suffix = " posts"
    museums = [c[: -len(suffix)] for c in table.columns if c.endswith(suffix)]
    growth = any(
        table[f"{m} growth"].is_not_null().any() for m in museums if f"{m} growth" in table.columns
    )
    card_rows = (*_CARD_ROWS, *(_GROWTH_CARD_ROWS if growth else ()))
    label_width = max(len(label) for label, _, _ in card_rows)
    for row in table.iter_rows(named=True):
        winner = row.get("winner")
        period = row.get("period")
        head = Text(str(row["network"]), style="bold")
        if period not in (None, "all"):
            head.append(f" · {period}")
        head.append(" — ")
        head.append(str(row.get("verdict") or ""), style="green" if winner else "")
        console.print()
        console.print(head)
        if row.get("why"):
            console.print(Text(str(row["why"]), style="dim"))
        cells = {}
        for m in museums:
            column = []
            for label, field, template in card_rows:
                if field is None:  # an interval: the score's, or the growth score's
                    which = "growth" if label.startswith("growth") else "score"
                    lo, hi = row.get(f"{m} {which}_low"), row.get(f"{m} {which}_high")
                    missing = lo is None and hi is None
                    interval = f"{_fmt('{:.0f}', lo)}–{_fmt('{:.0f}', hi)}"
                    column.append(_fmt("{}", None) if missing else interval)
                else:
                    column.append(_fmt(template, row.get(f"{m} {field}")))
            cells[m] = column
        # museums in groups that fit the terminal side by side (box: 3 characters a column),
        # each column at its narrowest: a text ("estimated (museum-adjusted, n = 7, pooled)")
        # wraps between its words rather than leaving the next museum for another card
        groups: list[list[str]] = [[]]
        used = label_width + 4
        for m in museums:
            need = 3 + max(len(m) + 2, *(len(w) for c in cells[m] for w in c.split()))
            if groups[-1] and used + need > console.width:
                groups.append([])
                used = label_width + 4
            groups[-1].append(m)
            used += need
        for group in groups:
            # the museums' columns one width: the same text wraps alike in each (rich
            # would shrink the widest first)
            natural = max(max(len(m) + 2, *(len(c) for c in cells[m])) for m in group)
            room = (console.width - label_width - 4) // len(group) - 3
            card = Table(header_style="bold")
            card.add_column("", no_wrap=True)
            for m in group:
                card.add_column(
                    Text(m + (" ★" if m == winner else "")),
                    justify="right",
                    width=max(1, min(natural, room)),
                )
            for k, (label, _, _) in enumerate(card_rows):
                card.add_row(label, *(cells[m][k] for m in group))
            console.print(card)
    if table.height and "test" in table.columns:
        tests = table.filter(pl.col("network") != "all")["test"].drop_nulls()
        if tests.len():
            _print_notes([f"test: {tests[0]}"])


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
    from engagecore.cli.output import console

    cols = [
        Col("museum", "left"),
        Col("what", "left", flex=True),
        Col("posts", drop=2),
        Col("rate", drop=1),
        Col("vs\nexpected"),
    ]
    for (network,), part in drivers.group_by("network", maintain_order=True):
        rows = [
            [
                row["museum"],
                _what(row),
                _fmt("{:,}", row.get("posts")),
                _fmt("{:.3%}", row.get("rate")),
                _fmt("×{:.2f}", row.get("overperformance")),
            ]
            for row in part.iter_rows(named=True)
        ]
        table, dropped = fit_table(cols, rows, title=f"{network} — what drives the gap")
        console.print()
        console.print(table)
        if dropped:
            _print_notes(_dropped_note(dropped))


def _explain_value(value: str | None) -> str:
    """An explain value for the terminal: counts with thousands separators, other numbers
    to 4 significant digits, text as it is."""
    if value in (None, ""):
        return "—"
    assert value is not None
    try:
        number = float(value)
    except ValueError:
        return value
    if abs(number) >= 1000 or (number.is_integer() and "e" not in value.lower()):
        return f"{number:,.0f}"
    return f"{number:.4g}"


def show_explain(frame: pl.DataFrame) -> None:
    """``--explain``'s table, fitted to the terminal: one row per input (step = the section
    of docs/scoring.md, input, value per network and period), as many network columns side
    by side as fit, then what each input means. ``--format json`` has every value in full."""
    from engagecore.cli.output import console

    if frame.is_empty():
        return
    museum = frame["museum"][0]
    frame = frame.with_columns(
        column=pl.when(pl.col("period") == "all")
        .then(pl.col("network"))
        .otherwise(pl.format("{} {}", "network", "period"))
    )
    columns = frame["column"].unique(maintain_order=True).to_list()
    inputs = frame.select("step", "input", "note").unique(maintain_order=True)
    values = {(r["column"], r["input"]): r["value"] for r in frame.iter_rows(named=True)}
    keep = [
        (step.split()[0], name, note)
        for step, name, note in inputs.iter_rows()
        if any(values.get((c, name)) not in (None, "") for c in columns)
    ]
    cells = {c: [_explain_value(values.get((c, name))) for _, name, _ in keep] for c in columns}
    # a long text (where the young prior comes from) goes under the table, whole
    long_texts: dict[tuple[str, str], list[str]] = {}  # (input, text) → columns
    for i, (_, name, _) in enumerate(keep):
        for c in columns:
            text = cells[c][i]
            if len(text) > 16:
                long_texts.setdefault((name, text), []).append(c)
                cells[c][i] = f"({list(long_texts).index((name, text)) + 1})"
    need = {c: COLUMN_GAP + max(len(c), *(len(v) for v in cells[c])) for c in columns}
    label = 4 + COLUMN_GAP + 24  # step, and the input at 24 characters (wrapping at spaces)
    groups: list[list[str]] = [[]]
    used = label
    for c in columns:
        if groups[-1] and used + need[c] > console.width:
            groups.append([])
            used = label
        groups[-1].append(c)
        used += need[c]
    shown_meaning = False
    for k, group in enumerate(groups):
        cols = [Col("step", "left"), Col("input", "left", flex=True)]
        cols += [Col(c) for c in group]
        last = k == len(groups) - 1
        cols += [Col("meaning", "left", drop=1, flex=True)] if last else []
        rows = [
            [step, name, *(cells[c][i] for c in group), *([note] if last else [])]
            for i, (step, name, note) in enumerate(keep)
        ]
        table, dropped = fit_table(cols, rows, title=f"explain {museum}" if k == 0 else None)
        shown_meaning = shown_meaning or (last and "meaning" not in dropped)
        console.print(table)
        console.print()
    if not shown_meaning:
        rows = [[step, name, note] for step, name, note in keep if note]
        cols = [
            Col("step", "left"),
            Col("input", "left", flex=True),
            Col("meaning", "left", flex=True),
        ]
        table, _ = fit_table(cols, rows, title="what each input means")
        console.print(table)
    notes = [
        f"({k}) {name} — {', '.join(where)}: {text}"
        for k, ((name, text), where) in enumerate(long_texts.items(), 1)
    ]
    notes.append("step: the section of docs/scoring.md that defines the input")
    empty = len(inputs) - len(keep)
    if empty:
        notes.append(f"{empty} inputs without a value not shown; --format json lists them all")
    _print_notes(notes)
