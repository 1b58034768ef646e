"""The page's sections, one small function each: ``(ReportData, Texts) -> Section | None``.

A section reads frames, draws its charts with altair (rendered by :mod:`.charts`), and says
in words what each figure is and on which basis. To add a section (an analysis of
``engagecore.analysis``), write one more function of this shape and list it in
:data:`SECTIONS` (or pass ``sections=`` to :func:`engagecore.report.build_html`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import altair as alt
import polars as pl

from engagecore.analysis.themes import MODEL_TRAIN_MAX
from engagecore.report.charts import (
    NAME_SIZE,
    PALETTE,
    WIDTH,
    place_names,
    spaced_ticks,
    to_svg,
    wrapped,
)
from engagecore.report.data import ReportData
from engagecore.report.i18n import Texts
from engagecore.report.model import Card, Cell, Figure, Link, Missing, Section, Table
from engagecore.scoring.config import ScoringConfig
from engagecore.scoring.young_eb import basis_kind

SectionFn = Callable[[ReportData, Texts], Section | None]


# words --------------------------------------------------------------------------------------
def basis_word(t: Texts, basis: str | None) -> str:
    return (
        t(f"basis_{basis}") if basis in ("followers", "reach", "views", "mixed") else t("unknown")
    )


def young_basis_word(t: Texts, basis: str | None) -> str:
    """measured, estimated (the platform prior), estimated and adjusted to the museums that
    measure (docs/scoring.md §4.1), or partly measured."""
    if basis is not None and basis.startswith("estimated (museum-adjusted"):
        return t("estimated_adjusted")
    if basis is not None and basis.startswith("estimated"):
        return t("estimated")
    return t(basis) if basis in ("measured", "mixed") else t("unknown")


def in_ten(score: float) -> int:
    """A 0–100 score as "k in 10" (rounded to the nearest tenth)."""
    return max(0, min(10, math.floor(score / 10 + 0.5)))


def score_sentence(t: Texts, score: float, network: str | None) -> str:
    """ "Better than about 7 in 10 comparable museums on Instagram" (network None: all)."""
    return _in_ten_sentence(t, "better", "better_than", score, network)


def growth_sentence(t: Texts, score: float, network: str | None) -> str:
    """ "Its followers grew faster than about 7 in 10 comparable museums on Instagram, for its
    size" (network None: all networks together)."""
    return _in_ten_sentence(t, "growth", "growth_better", score, network)


def _in_ten_sentence(t: Texts, prefix: str, than: str, score: float, network: str | None) -> str:
    """A 0–100 score in words: ``{prefix}_almost_none`` / ``{prefix}_almost_all`` at the ends,
    else ``{than}`` with "k in 10"; each with ``_all`` for all networks together."""
    k = in_ten(score)
    suffix = "_all" if network is None else ""
    if k == 0:
        return t(f"{prefix}_almost_none{suffix}", network=network)
    if k == 10:
        return t(f"{prefix}_almost_all{suffix}", network=network)
    return t(than + suffix, k=k, network=network, comparable=t.comparable(k))


#: The scoring's growth notes (scoring/growth.py) the page words in its own language; any
#: other note is shown as the scoring wrote it.
_GROWTH_NOTES = {
    "growth: fewer than 2 follower snapshots in the period": "growth_why_few",
    "growth: no follower snapshot near the period's start and end": "growth_why_far",
}


def growth_reason(t: Texts, row: dict[str, Any]) -> str:
    """Why a row has no growth score, in the page's words: the scoring's note (too few
    snapshots, none near the period's bounds), else no snapshot at all, else alone in its
    cohort (a growth figure but no other museum of the network to rank it against)."""
    if row["network"] == "all":
        return t("growth_why_all")
    note = row.get("growth_note")
    if note:
        key = _GROWTH_NOTES.get(str(note))
        return t(key) if key else str(note)
    if row.get("follower_growth") is None:
        return t("growth_why_none")
    peers = row.get("growth_cohort_size")
    if peers is not None and peers >= 2:  # fewer than ScoringConfig.min_cohort_score
        return t("growth_why_few_peers", n=peers, min=ScoringConfig().min_cohort_score)
    return t("growth_why_alone")


#: Marks of the missing figures of one table, explained in its caption.
_MARKS = "¹²³⁴⁵⁶⁷⁸⁹"


class MissingMarks:
    """The missing figures of one table: each distinct reason gets a mark, the cell shows
    "—¹" (the reason as its tooltip) and :meth:`caption` lists the marks after the caption,
    so the reason is read where the table is described."""

    def __init__(self, t: Texts) -> None:
        self.t = t
        self.marks: dict[str, str] = {}

    def cell(self, reason: str) -> Missing:
        if reason not in self.marks:
            n = len(self.marks)
            self.marks[reason] = _MARKS[n] if n < len(_MARKS) else f"({n + 1})"
        return Missing(f"{self.t('none')}{self.marks[reason]}", reason)

    def caption(self, caption: str) -> str:
        if not self.marks:
            return caption
        marks = self.t("list_sep").join(f"{self.t('none')}{m} {r}" for r, m in self.marks.items())
        return f"{caption} {self.t('missing_marks', marks=marks)}"


def score_cells(
    t: Texts, row: dict[str, Any], column: str, missing: MissingMarks, reason: str
) -> list[Cell]:
    """A 0–100 score and its likely range (two cells), or the missing mark in both."""
    score = row.get(column)
    if score is None:
        gap = missing.cell(reason)
        return [gap, gap]
    low, high = row.get(f"{column}_low"), row.get(f"{column}_high")
    return [t.number(score), f"{t.number(low)}–{t.number(high)}"]


def score_with_range(
    t: Texts, row: dict[str, Any], column: str, missing: MissingMarks, reason: str
) -> Cell:
    """A 0–100 score and its likely range in one cell, "72 (68–78)", or the missing mark."""
    score, rng = score_cells(t, row, column, missing, reason)
    return score if isinstance(score, Missing) else f"{score} ({rng})"


#: The headers of :func:`three_scores`' cells.
SCORE_HEADERS = (
    "col_engagement_score",
    "col_interval",
    "col_growth_score",
    "col_growth_interval",
    "col_perf_score",
    "col_perf_interval",
)


def three_scores(t: Texts, row: dict[str, Any], missing: MissingMarks) -> list[Cell]:
    """The engagement, growth and performance scores of a score row side by side, each with
    its likely range (:data:`SCORE_HEADERS`); a missing one marked with its reason."""
    return [
        *score_cells(t, row, "engagement_score", missing, _reason(t, row)),
        *score_cells(t, row, "growth_score", missing, growth_reason(t, row)),
        *score_cells(t, row, "performance_score", missing, performance_reason(t, row)),
    ]


def _reason(t: Texts, row: Mapping[str, Any]) -> str:
    """Why a row has no engagement score, in the page's language."""
    return t.reason(str(row["reason"])) if row["reason"] else t("no_score_reason")


def performance_reason(t: Texts, row: dict[str, Any]) -> str:
    """Why a row has no performance score: no growth score (and why), else no engagement
    score."""
    if row.get("growth_score") is None:
        return growth_reason(t, row)
    return t("perf_why_engagement")


def _who(data: ReportData) -> str:
    return ", ".join(data.name(m) for m in data.focus)


def _fig(t: Texts, chart: alt.TopLevelMixin, uid: str, alt_text: str, caption: str) -> Figure:
    return Figure(svg=to_svg(chart, uid, alt_text, t.lang), alt=alt_text, caption=caption)


def _net_label(data: ReportData, t: Texts, key: str) -> str:
    return t("all_networks") if key == "all" else data.network(key)


def _net_colours(data: ReportData, t: Texts, labels: Iterable[str]) -> alt.Scale:
    """The colour scale of the networks a chart shows (their labels): each network keeps one
    colour on the whole page, whichever networks a chart holds."""
    order = [*sorted(data.networks), "all"]
    colour = {_net_label(data, t, key): PALETTE[i % len(PALETTE)] for i, key in enumerate(order)}
    shown = sorted(set(labels))
    return alt.Scale(domain=shown, range=[colour.get(label, "#111827") for label in shown])


# headline -----------------------------------------------------------------------------------
def headline(data: ReportData, t: Texts) -> Section:
    section = Section(id="headline", title=t("s_headline"))
    if data.single:
        museum = data.museums[0]
        rows = data.scores.filter(pl.col("museum") == museum).sort(
            pl.col("network") == "all", "network", descending=[True, False]
        )
        for row in rows.iter_rows(named=True):
            section.cards.append(_museum_card(data, t, row))
    else:
        section.cards.extend(_cohort_cards(data, t))
        if data.all_museums:
            section.notes.append(t("compared_top", n=len(data.focus)))
        else:
            section.notes.append(t("compared_note", names=_who(data)))
            if len(data.museums) > len(data.focus):
                section.notes.append(t("truncated", shown=len(data.focus), total=len(data.museums)))
    return section


def _museum_card(data: ReportData, t: Texts, row: dict[str, object]) -> Card:
    key = str(row["network"])
    is_all = key == "all"
    network = _net_label(data, t, key)
    score = row["engagement_score"]
    lines: list[str] = []
    if not isinstance(score, float):
        reason = _reason(t, row)
        return Card(
            title=network,
            figure=t("none"),
            lines=[
                # the "all" card's title is not a network to name in a sentence
                t("no_score_all", reason=reason)
                if is_all
                else t("no_score", network=network, reason=reason),
                *_growth_lines(t, row, network),
            ],
            tone="muted",
        )
    low_v, high_v = row["engagement_score_low"], row["engagement_score_high"]
    low = float(low_v) if isinstance(low_v, float) else score  # 0 is a bound, not a gap
    high = float(high_v) if isinstance(high_v, float) else score
    lines.append(score_sentence(t, score, None if is_all else network))
    # an interval of no width holds the museum's own sampling error only (docs/scoring.md
    # §2.6): never "likely between 0 and 0"
    exact = round(low) == round(high)
    lines.append(
        t(
            "interval_words_exact" if exact else "interval_words",
            score=round(score),
            low=round(low),
            high=round(high),
            klow=in_ten(low),
            khigh=in_ten(high),
        )
    )
    basis = basis_word(t, row["rate_basis"])  # type: ignore[arg-type]
    if is_all:
        lines.append(t("cohort_words_all"))
    else:
        cohort = row["cohort_size"]
        lines.append(t("cohort_words", n=cohort, network=network, basis=basis))
    lines.append(
        t(
            "headline_rate",
            rate=t.percent(row["engagement_rate"], 2),  # type: ignore[arg-type]
            basis=basis,
            posts=t.number(row["posts"]),  # type: ignore[arg-type]
            followers=t.number(row["followers"]),  # type: ignore[arg-type]
        )
    )
    if row["young_share"] is not None:
        lines.append(
            t(
                "young_band_words",
                lo=data.young_band[0],
                hi=data.young_band[1],
                share=t.percent(row["young_share"], 0),  # type: ignore[arg-type]
                reach=t.number(row["young_reach"]),  # type: ignore[arg-type]
                young_basis=young_basis_word(t, row["young_basis"]),  # type: ignore[arg-type]
            )
        )
    if row["small_sample"]:
        lines.append(t("small_sample"))
    lines.extend(_growth_lines(t, row, network))
    return Card(title=network, figure=f"{round(score)}/100", lines=lines)


def _growth_lines(t: Texts, row: dict[str, Any], network: str) -> list[str]:
    """The card's growth: the growth score in words with its likely range, the followers
    gained over the period, the performance score — or why there is no growth score."""
    is_all = row["network"] == "all"
    lines: list[str] = []
    change = row.get("follower_growth")
    start, end = row.get("followers_start"), row.get("followers_end")
    score = row.get("growth_score")
    if score is None:
        reason = growth_reason(t, row)
        lines.append(
            t("no_growth_all", reason=reason)
            if is_all
            else t("no_growth", network=network, reason=reason)
        )
    else:
        low, high = row["growth_score_low"], row["growth_score_high"]
        lines.append(
            t(
                "growth_interval_words",
                sentence=growth_sentence(t, score, None if is_all else network),
                score=round(score),
                low=round(low),
                high=round(high),
            )
        )
    if change is not None and start is not None and end is not None:
        lines.append(
            t(
                "growth_followers_words",
                change=t.signed_percent(change, 1),
                start=t.number(start),
                end=t.number(end),
            )
        )
    perf = row.get("performance_score")
    if perf is not None:
        lines.append(
            t(
                "performance_words",
                score=round(perf),
                low=round(row["performance_score_low"]),
                high=round(row["performance_score_high"]),
            )
        )
    return lines


def _cohort_cards(data: ReportData, t: Texts) -> list[Card]:
    rows = data.scores.filter(
        pl.col("museum").is_in(data.museums), pl.col("network") != "all", pl.col("posts") > 0
    )
    cards = []
    for (key,), part in sorted(rows.group_by("network"), key=lambda g: str(g[0][0])):
        scored = part.filter(pl.col("engagement_rate").is_not_null())
        main_basis = scored["rate_basis"].mode().sort().first() if scored.height else None
        same = scored.filter(pl.col("rate_basis") == main_basis) if scored.height else scored
        measured = part.filter(pl.col("young_basis") == "measured").height
        lines = [
            t(
                "cohort_card_rate",
                rate=t.percent(same["engagement_rate"].median() if same.height else None, 2),  # type: ignore[arg-type]
                basis=basis_word(t, main_basis),  # type: ignore[arg-type]
            ),
            t("cohort_card_followers", followers=t.number(float(part["followers"].sum()))),
            t(
                "cohort_card_young",
                reach=t.number(float(part["young_reach"].sum())),
                measured=measured,
                n=part.height,
            ),
        ]
        cards.append(
            Card(
                title=data.network(str(key)),
                figure=t("cohort_card_museums", n=part.height),
                lines=lines,
            )
        )
    return cards


# leaderboard --------------------------------------------------------------------------------
def leaderboard(data: ReportData, t: Texts) -> Section | None:
    if data.single:
        return None
    board = data.leaderboard.join(
        data.scores.filter(pl.col("network") == "all").select(
            "museum",
            "network",
            "rate_basis",
            "reason",
            "performance_score",
            "performance_score_low",
            "performance_score_high",
        ),
        on="museum",
        how="left",
    ).sort("rank")
    rows: list[list[Cell]] = []
    missing = MissingMarks(t)
    for i, r in enumerate(board.iter_rows(named=True), start=1):
        star = "*" if r["small_sample"] else ""
        rows.append(
            [
                str(i),
                (r["name"] or r["museum"]) + star,
                t.number(r["engagement_score"]),
                f"{t.number(r['engagement_score_low'])}–{t.number(r['engagement_score_high'])}",
                score_with_range(t, r, "growth_score", missing, growth_reason(t, r)),
                score_with_range(t, r, "performance_score", missing, performance_reason(t, r)),
                f"{t.percent(r['engagement_rate'], 2)} ({basis_word(t, r['rate_basis'])})",
                t.number(r["followers"]),
                t.percent(r["young_share"], 0),
                t.number(r["young_reach"]),
                t.number(r["posts"]),
            ]
        )
    table = Table(
        columns=[
            t("col_rank"),
            t("col_museum"),
            t("col_engagement_score"),
            t("col_interval"),
            t("col_growth_with_range"),
            t("col_perf_with_range"),
            t("col_rate"),
            t("col_followers"),
            t("col_young_share"),
            t("col_young_reach"),
            t("col_posts"),
        ],
        rows=rows,
        caption=missing.caption(t("leaderboard_caption")),
        numeric=frozenset({0, *range(2, 11)}),
        wrap=frozenset({4, 5, 6}),
        key=1,
    )
    return Section(
        id="leaderboard",
        title=t("s_leaderboard"),
        intro=t("leaderboard_intro"),
        tables=[table],
        notes=[t("star_small")],
    )


# score history ------------------------------------------------------------------------------
def history(data: ReportData, t: Texts) -> Section | None:
    rows = data.history.filter(pl.col("engagement_score").is_not_null())
    if rows.is_empty():
        return None
    period = t(f"period_{data.period}")
    frame = rows.select(
        pl.col("museum").replace_strict(data.names, default=pl.col("museum")).alias("who"),
        pl.col("network")
        .replace_strict(
            {k: _net_label(data, t, k) for k in rows["network"].unique().to_list()},
            default=pl.col("network"),
        )
        .alias("net"),
        pl.col("period"),
        pl.col("period_key"),
        pl.col("engagement_score").round(1).alias("score"),
        pl.col("engagement_score_low").round(1).alias("low"),
        pl.col("engagement_score_high").round(1).alias("high"),
    ).sort("period_key")
    x = alt.X("period:O", title=t("axis_period"), sort=None, axis=alt.Axis(labelAngle=-45))
    colour = "net:N" if data.single else "who:N"
    legend_title = t("axis_network") if data.single else t("axis_museum")
    scale = _net_colours(data, t, frame["net"]) if data.single else alt.Undefined
    band = (
        alt.Chart()
        .mark_area(opacity=0.15, aria=False)
        .encode(
            x=x,
            y=alt.Y("low:Q", scale=alt.Scale(domain=[0, 100])),
            y2="high:Q",
            color=alt.Color(colour, legend=None, scale=scale),
        )
    )
    line = (
        alt.Chart()
        .mark_line(point=True, aria=False)
        .encode(
            x=x,
            y=alt.Y("score:Q", title=t("axis_score"), scale=alt.Scale(domain=[0, 100])),
            color=alt.Color(colour, title=legend_title, scale=scale),
        )
    )
    nets = frame["net"].n_unique()
    chart = (
        alt.layer(band, line, data=frame)
        .properties(width=WIDTH // 2 - 40 if nets > 1 else WIDTH, height=150)
        .facet(facet=alt.Facet("net:N", title=None), columns=2 if nets > 1 else 1)
    )
    bases = sorted({basis_word(t, b) for b in rows["rate_basis"].drop_nulls().to_list()})
    who = _who(data)
    caption = t("history_caption", period=period, bases=", ".join(bases))
    fig = _fig(t, chart, "chart-history", t("history_alt", period=period, who=who), caption)
    return Section(
        id="history",
        title=t("s_history"),
        intro=t("history_intro", period=period),
        figures=[fig],
    )


# followers ----------------------------------------------------------------------------------
def followers(data: ReportData, t: Texts) -> Section | None:
    snaps = data.followers
    section = Section(id="followers", title=t("s_followers"))
    if snaps.is_empty():
        section.paragraphs.append(t("followers_none"))
        return section
    nets = {k: data.network(k) for k in snaps["network"].unique().to_list()}
    if data.all_museums:
        frame = _monthly_totals(snaps).with_columns(
            pl.col("network").replace_strict(nets, default=pl.col("network")).alias("net")
        )
        chart = (
            alt.Chart(frame)
            .mark_line(point=True, aria=False)
            .encode(
                x=alt.X("month:T", title=t("axis_date")),
                y=alt.Y("followers:Q", title=t("axis_followers")),
                color=alt.Color(
                    "net:N", title=t("axis_network"), scale=_net_colours(data, t, frame["net"])
                ),
            )
            .properties(width=WIDTH, height=260)
        )
        section.intro = t("followers_cohort_intro")
        alt_text = t("followers_cohort_alt")
    else:
        frame = snaps.filter(pl.col("museum").is_in(data.focus)).select(
            pl.col("observed_at").dt.strftime("%Y-%m-%d").alias("date"),
            "followers",
            pl.col("account").cast(pl.Utf8),
            pl.col("network").replace_strict(nets, default=pl.col("network")).alias("net"),
            pl.col("museum").replace_strict(data.names, default=pl.col("museum")).alias("who"),
        )
        base = alt.Chart(frame).mark_line(point=alt.OverlayMarkDef(size=12), aria=False)
        if data.single:
            chart = base.encode(
                x=alt.X("date:T", title=t("axis_date")),
                y=alt.Y("followers:Q", title=t("axis_followers")),
                color=alt.Color(
                    "net:N", title=t("axis_network"), scale=_net_colours(data, t, frame["net"])
                ),
                detail="account:N",
            ).properties(width=WIDTH, height=260)
        else:
            chart = (
                base.encode(
                    x=alt.X("date:T", title=t("axis_date")),
                    y=alt.Y("followers:Q", title=t("axis_followers"), scale=alt.Scale(type="log")),
                    color=alt.Color("who:N", title=t("axis_museum")),
                    detail="account:N",
                )
                .properties(width=WIDTH // 2 - 40, height=160)
                .facet(facet=alt.Facet("net:N", title=None), columns=2)
            )
        section.intro = t("followers_intro")
        alt_text = t("followers_alt", who=_who(data))
    section.figures.append(_fig(t, chart, "chart-followers", alt_text, t("followers_caption")))
    return section


def _monthly_totals(snaps: pl.DataFrame) -> pl.DataFrame:
    """Per network and month: the sum over accounts of each account's latest snapshot at or
    before the month's end (an account counts from its first snapshot on)."""
    last = (
        snaps.with_columns(
            month=pl.col("observed_at").dt.replace_time_zone(None).dt.truncate("1mo")
        )
        .sort("observed_at")
        .group_by("network", "account_id", "month")
        .agg(pl.col("followers").last())
    )
    months = last.select(pl.col("month").unique().sort())
    grid = last.select("network", "account_id").unique().join(months, how="cross")
    filled = (
        grid.join(last, on=["network", "account_id", "month"], how="left")
        .sort("network", "account_id", "month")
        .with_columns(pl.col("followers").forward_fill().over("network", "account_id"))
        .drop_nulls("followers")
    )
    return (
        filled.group_by("network", "month")
        .agg(pl.col("followers").sum())
        .sort("network", "month")
        .with_columns(pl.col("month").dt.strftime("%Y-%m-%d"))
    )


# size curve ---------------------------------------------------------------------------------
def fitted_curve(
    a: float, b: float, c: float, lo: float, hi: float, points: int = 25
) -> pl.DataFrame:
    """The cohort's size curve of docs/scoring.md §2.4, ``log R = a + b (log S − x̃)``, as
    ``size``/``rate`` points from log size ``lo`` to ``hi``."""
    step = (hi - lo) / (points - 1) if points > 1 else 0.0
    xs = [lo + step * i for i in range(points)]
    return pl.DataFrame(
        {"size": [math.exp(x) for x in xs], "rate": [math.exp(a + b * (x - c)) for x in xs]}
    )


def _extent(values: pl.Series) -> tuple[float, float]:
    lo, hi = float(values.min()), float(values.max())  # type: ignore[arg-type]
    return lo, hi


def _placed_names(
    marked: pl.DataFrame,
    xd: tuple[float, float],
    yd: tuple[float, float],
    width: float,
    height: float,
) -> pl.DataFrame:
    """The marked museums' names where they have room (see :func:`charts.place_names`), as
    (size, rate) anchors in the data's units, with their alignment and the full name."""

    def at(v: float, d: tuple[float, float], span: float) -> float:
        lo, hi = math.log(d[0]), math.log(d[1])
        return span / 2 if hi <= lo else span * (math.log(v) - lo) / (hi - lo)

    def back(p: float, d: tuple[float, float], span: float) -> float:
        lo, hi = math.log(d[0]), math.log(d[1])
        return d[0] if hi <= lo else math.exp(lo + (hi - lo) * p / span)

    rows = marked.select("size", "rate", "who").rows()
    spots = place_names(
        [(at(x, xd, width), height - at(y, yd, height), who) for x, y, who in rows],
        width,
        height,
    )
    out = [
        {
            "size": back(s[0], xd, width),
            "rate": back(height - s[1], yd, height),
            "who": s[2],
            "align": s[3],
            "full": row[2],
        }
        for row, s in zip(rows, spots, strict=True)
        if s is not None
    ]
    return pl.DataFrame(
        out,
        schema={
            "size": pl.Float64,
            "rate": pl.Float64,
            "who": pl.Utf8,
            "align": pl.Utf8,
            "full": pl.Utf8,
        },
    )


def size_curve(data: ReportData, t: Texts) -> Section | None:
    rows = data.scores.filter(
        pl.col("network") != "all",
        pl.col("engagement_rate") > 0,
        pl.col("log_size").is_not_null(),
        pl.col("rate_basis").is_not_null(),
    )
    section = Section(id="size", title=t("s_size"), intro=t("size_intro"))
    if rows.is_empty():
        section.paragraphs.append(t("size_none"))
        return section
    charts = []
    slopes = []
    bases = set()
    focus_names = {m: data.name(m) for m in data.focus}
    order = {m: i for i, m in enumerate(data.focus)}
    unnamed: list[str] = []
    for (net, basis), part in sorted(
        rows.group_by("network", "rate_basis"), key=lambda g: str(g[0])
    ):
        if part.height < 2:
            continue
        label = f"{data.network(str(net))} — {basis_word(t, str(basis))}"
        bases.add(basis_word(t, str(basis)))
        first = part.row(0, named=True)
        a, b, c = first["size_intercept"], first["size_slope"], first["size_center"]
        points = part.select(
            pl.col("log_size").exp().alias("size"),
            pl.col("engagement_rate").alias("rate"),
            pl.col("museum"),
        )
        width, height = WIDTH // 2 - 40, 200
        curve = None
        if a is not None and b is not None and c is not None:
            lo, hi = float(part["log_size"].min()), float(part["log_size"].max())  # type: ignore[arg-type]
            curve = fitted_curve(a, b, c, lo, hi)
        # explicit domains (the data's extent, as Vega's own with nice=False): the names are
        # placed in the chart's units, which these scales give
        xd = _extent(points["size"])
        yd = _extent(
            points["rate"] if curve is None else pl.concat([points["rate"], curve["rate"]])
        )
        x_scale = alt.Scale(type="log", nice=False, domain=list(xd))
        y_scale = alt.Scale(type="log", nice=False, domain=list(yd))
        layers = [
            alt.Chart(points.select("size", "rate"))
            .mark_circle(size=14, opacity=0.35, color="#9ca3af", aria=False)
            .encode(
                x=alt.X(
                    "size:Q",
                    scale=x_scale,
                    title=t("axis_size", basis=basis_word(t, str(basis))),
                    axis=alt.Axis(format="~s", tickCount=4, grid=False),
                ),
                y=alt.Y(
                    "rate:Q",
                    scale=y_scale,
                    title=t("axis_rate"),
                    axis=alt.Axis(format=".2~%", tickCount=4),
                ),
            )
        ]
        at_x, at_y = alt.X("size:Q", scale=x_scale), alt.Y("rate:Q", scale=y_scale)
        if curve is not None:
            layers.append(
                alt.Chart(curve)
                .mark_line(color="#111827", strokeWidth=2, aria=False)
                .encode(x=at_x, y=at_y)
            )
            fit = str(first["size_fit"] or "")
            slope = (
                t.number(b, 2) if fit == "huber" else t("no_fit", why=fit.removeprefix("none: "))
            )
            slopes.append(f"{data.network(str(net))} {slope}")
        marked = (
            points.filter(pl.col("museum").is_in(list(focus_names)))
            .with_columns(
                pl.col("museum").replace_strict(focus_names, default=pl.col("museum")).alias("who"),
                pl.col("museum").replace_strict(order, default=len(order)).alias("_order"),
            )
            .sort("_order", "who")
            .select("size", "rate", "who")
        )
        if marked.height:
            layers.append(
                alt.Chart(marked)
                .mark_point(size=90, filled=True, color="#c2410c", aria=False)
                .encode(x=at_x, y=at_y)
            )
            names = _placed_names(marked, xd, yd, width, height)
            for align in ("left", "right"):
                shown = names.filter(pl.col("align") == align)
                if shown.height:
                    layers.append(
                        alt.Chart(shown.select("size", "rate", "who"))
                        .mark_text(
                            align=align,
                            baseline="middle",
                            fontSize=NAME_SIZE,
                            color="#7c2d12",
                            aria=False,
                        )
                        .encode(x=at_x, y=at_y, text="who:N")
                    )
            unnamed += [
                f"{who} ({data.network(str(net))})"
                for who in marked["who"].to_list()
                if who not in set(names["full"].to_list())
            ]
        charts.append(alt.layer(*layers).properties(title=label, width=width, height=height))
    if not charts:
        section.paragraphs.append(t("size_none"))
        return section
    chart = alt.concat(*charts, columns=2)
    caption = t("size_caption", slopes="; ".join(slopes), bases=", ".join(sorted(bases)))
    if unnamed:
        caption += " " + t("size_unnamed", names=", ".join(unnamed))
    who = _who(data) if data.focus else t("none")
    section.figures.append(_fig(t, chart, "chart-size", t("size_alt", who=who), caption))
    return section


# young audience -----------------------------------------------------------------------------
def young(data: ReportData, t: Texts) -> Section | None:
    lo, hi = data.young_band
    rows = data.scores.filter(
        pl.col("museum").is_in(data.focus),
        pl.col("network") != "all",
        pl.col("young_share").is_not_null(),
    )
    section = Section(id="young", title=t("s_young"), intro=t("young_intro", lo=lo, hi=hi))
    if rows.is_empty():
        section.paragraphs.append(t("young_none"))
        return section
    frame = rows.select(
        pl.col("network").replace_strict(data.networks, default=pl.col("network")).alias("net"),
        pl.col("museum").replace_strict(data.names, default=pl.col("museum")).alias("who"),
        pl.col("young_share").alias("share"),
        pl.col("young_share_low").fill_null(pl.col("young_share")).alias("low"),
        pl.col("young_share_high").fill_null(pl.col("young_share")).alias("high"),
        basis_kind(pl.col("young_basis"))
        .replace_strict(
            {"measured": t("measured"), "estimated": t("estimated"), "mixed": t("mixed")},
            default=t("unknown"),
        )
        .alias("basis"),
    )
    y_field = "net:N" if data.single else "who:N"
    y_title = t("axis_network") if data.single else t("axis_museum")
    colours = alt.Scale(
        domain=[t("measured"), t("estimated"), t("mixed")], range=["#1f5fa8", "#bcd0ea", "#6d93c8"]
    )
    bars = (
        alt.Chart()
        .mark_bar(aria=False)
        .encode(
            x=alt.X("share:Q", title=t("axis_young_share"), axis=alt.Axis(format="%")),
            y=alt.Y(y_field, title=y_title),
            color=alt.Color("basis:N", title=t("axis_basis"), scale=colours),
        )
    )
    rules = (
        alt.Chart()
        .mark_rule(color="#111827", aria=False)
        .encode(x="low:Q", x2="high:Q", y=alt.Y(y_field))
    )
    layered = alt.layer(bars, rules, data=frame)
    if data.single:
        chart = layered.properties(width=WIDTH - 120, height=alt.Step(26))
    else:
        chart = layered.properties(width=WIDTH // 2 - 120, height=alt.Step(18)).facet(
            facet=alt.Facet("net:N", title=None), columns=2
        )
    section.figures.append(
        _fig(t, chart, "chart-young", t("young_alt", who=_who(data)), t("young_caption"))
    )
    table_rows: list[list[Cell]] = []
    for r in rows.sort("museum", "network").iter_rows(named=True):
        lead: list[Cell] = [] if data.single else [data.name(r["museum"])]
        table_rows.append(
            [
                *lead,
                data.network(r["network"]),
                t.percent(r["young_share"], 0),
                f"{t.percent(r['young_share_low'], 0)}–{t.percent(r['young_share_high'], 0)}",
                t.number(r["young_reach"]),
                young_basis_word(t, r["young_basis"]),
            ]
        )
    first = [] if data.single else [t("col_museum")]
    shift = len(first)
    section.tables.append(
        Table(
            columns=[
                *first,
                t("col_network"),
                t("col_young_share"),
                t("col_interval"),
                t("col_young_reach"),
                t("col_young_basis"),
            ],
            rows=table_rows,
            caption=t("young_table_caption"),
            numeric=frozenset({shift + 1, shift + 2, shift + 3}),
        )
    )
    return section


def young_cohort(data: ReportData, t: Texts) -> Section | None:
    if data.single:
        return None
    rows = data.scores.filter(
        pl.col("museum").is_in(data.museums),
        pl.col("network") != "all",
        pl.col("young_reach").is_not_null(),
    )
    section = Section(id="young-cohort", title=t("s_young_cohort"), intro=t("young_cohort_intro"))
    if rows.is_empty():
        section.paragraphs.append(t("young_none"))
        return section
    basis_names = {"measured": t("measured"), "estimated": t("estimated"), "mixed": t("mixed")}
    sums = (
        rows.with_columns(basis_kind(pl.col("young_basis")).alias("young_basis"))
        .group_by("network", "young_basis")
        .agg(pl.col("young_reach").sum().alias("reach"), pl.len().alias("museums"))
        .with_columns(
            pl.col("network").replace_strict(data.networks, default=pl.col("network")).alias("net"),
            basis_kind(pl.col("young_basis"))
            .replace_strict(basis_names, default=t("unknown"))
            .alias("basis"),
        )
        .sort("network", "young_basis")
    )
    colours = alt.Scale(
        domain=[t("measured"), t("estimated"), t("mixed")], range=["#1f5fa8", "#bcd0ea", "#6d93c8"]
    )
    chart = (
        alt.Chart(sums.select("net", "basis", "reach"))
        .mark_bar(aria=False)
        .encode(
            x=alt.X("reach:Q", title=t("axis_young_reach")),
            y=alt.Y("net:N", title=t("axis_network")),
            color=alt.Color("basis:N", title=t("axis_basis"), scale=colours),
        )
        .properties(width=WIDTH - 120, height=alt.Step(26))
    )
    section.figures.append(
        _fig(t, chart, "chart-young-cohort", t("young_cohort_alt"), t("young_cohort_caption"))
    )
    table_rows: list[list[Cell]] = [
        [str(r["net"]), str(r["basis"]), t.number(r["museums"]), t.number(r["reach"])]
        for r in sums.iter_rows(named=True)
    ]
    section.tables.append(
        Table(
            columns=[
                t("col_network"),
                t("col_young_basis"),
                t("col_museums"),
                t("col_young_reach"),
            ],
            rows=table_rows,
            caption=t("young_cohort_table_caption"),
            numeric=frozenset({2, 3}),
        )
    )
    return section


# top posts ----------------------------------------------------------------------------------
def _post_cells(data: ReportData, t: Texts, r: dict[str, Any], width: int = 160) -> list[Cell]:
    """The cells every table of posts starts with: museum (for a cohort), network, date,
    kind and the text cut to ``width`` characters."""
    text = " ".join((r["text"] or "").split())
    excerpt = text if len(text) <= width else text[: width - 3].rstrip() + "…"
    cells: list[Cell] = [] if data.single else [data.name(r["museum"])]
    return [
        *cells,
        data.network(r["network"]),
        r["posted_at"].strftime("%Y-%m-%d") if r["posted_at"] else t("none"),
        t.kind(r["kind"]),
        excerpt,
    ]


def _post_columns(data: ReportData, t: Texts) -> list[str]:
    """The headers of :func:`_post_cells`."""
    first = [] if data.single else [t("col_museum")]
    return [*first, t("col_network"), t("col_date"), t("col_kind"), t("col_text")]


def _post_link(t: Texts, url: str | None) -> Cell:
    return Link(t("open_post"), url) if url else t("none")


def top_posts(data: ReportData, t: Texts) -> Section | None:
    section = Section(id="posts", title=t("s_posts"), intro=t("posts_intro"))
    if data.posts.is_empty():
        section.paragraphs.append(t("posts_none"))
        return section
    rows: list[list[Cell]] = []
    for r in data.posts.iter_rows(named=True):
        over = f"×{t.number(r['overperformance'], 1)}"
        if r["breakout"]:
            over += f" ({t('breakout')})"
        rows.append(
            [
                *_post_cells(data, t, r),
                over,
                basis_word(t, r["rate_basis"]),
                _post_link(t, r.get("url")),
            ]
        )
    columns = _post_columns(data, t)
    section.tables.append(
        Table(
            columns=[*columns, t("col_over"), t("col_basis"), t("col_link")],
            rows=rows,
            caption=t("posts_caption"),
            numeric=frozenset({len(columns)}),
        )
    )
    return section


def how_to_read(data: ReportData, t: Texts) -> Section:
    return Section(id="how-to-read", title=t("s_howto"), html=t("howto"))


# what works ---------------------------------------------------------------------------------
#: The lift axis' ticks, halves to fourfold, in order of preference: those inside the chart's
#: range are drawn where their labels fit (1, no lift, always).
LIFT_TICKS = (1.0, 2.0, 0.5, 4.0, 0.25, 1.5, 0.67, 3.0, 1.25, 0.8, 1.1, 0.9)


def lift_ticks(domain: tuple[float, float], width: int, t: Texts) -> list[float]:
    """The ticks of :data:`LIFT_TICKS` in ``domain`` (a log scale ``width`` units wide) whose
    labels, written in the page's language, do not run into each other."""
    lo, hi = math.log(domain[0]), math.log(domain[1])
    inside = [(v, t.number(v, 2).rstrip("0").rstrip(".,")) for v in LIFT_TICKS]
    inside = [(v, text) for v, text in inside if domain[0] <= v <= domain[1]]
    return spaced_ticks(inside, lambda v: width * (math.log(v) - lo) / (hi - lo))


def _lift_chart(frame: pl.DataFrame, t: Texts, colour: str | None, width: int) -> Any:
    """Dots at each level's lift with its 95 % interval as a line, a rule at 1 (no lift);
    ``frame``: ``what``, ``lift``, ``low``, ``high`` (and ``colour`` when given)."""
    order = frame["what"].to_list()
    y = alt.Y("what:N", title=None, sort=order, axis=alt.Axis(labelLimit=220))
    lows = [v for v in frame["low"].to_list() if v is not None and v > 0]
    highs = [v for v in frame["high"].to_list() if v is not None and v > 0]
    domain = [min([1.0, *lows]) / 1.05, max([1.0, *highs]) * 1.05]
    x_scale = alt.Scale(type="log", nice=False, zero=False, domain=domain, clamp=True)
    # ticks on both sides of 1 (a log scale's own ticks can leave the gains unlabelled)
    ticks = lift_ticks((domain[0], domain[1]), width, t)
    colour_enc = (
        alt.Color(f"{colour}:N", title=t("axis_source")) if colour else alt.value("#1f5fa8")
    )
    interval = (
        alt.Chart()
        .mark_rule(strokeWidth=2, aria=False)
        .encode(y=y, x=alt.X("low:Q", scale=x_scale), x2="high:Q", color=colour_enc)
    )
    dots = (
        alt.Chart()
        .mark_point(filled=True, size=60, aria=False)
        .encode(
            y=y,
            x=alt.X(
                "lift:Q",
                scale=x_scale,
                title=wrapped(t("axis_lift"), width),
                axis=alt.Axis(values=ticks, format=".2~f", titleLimit=width),
            ),
            color=colour_enc,
        )
    )
    one = (
        alt.Chart(pl.DataFrame({"one": [1.0]}))
        .mark_rule(color="#111827", strokeDash=[4, 3], aria=False)
        .encode(x="one:Q")
    )
    return alt.layer(alt.layer(interval, dots, data=frame), one).properties(
        width=width, height=alt.Step(18)
    )


def _level_label(t: Texts, factor: str, level: str, label: str) -> str:
    if factor == "format":
        return t.kind(level)
    if factor == "weekday":
        return t(f"day_{level.lower()}")
    return label


def _lift_words(t: Texts, r: dict[str, object]) -> tuple[str, str]:
    lift, low, high = r["lift"], r["lift_low"], r["lift_high"]
    return (
        f"×{t.number(lift, 2)}",  # type: ignore[arg-type]
        f"×{t.number(low, 2)}–×{t.number(high, 2)}",  # type: ignore[arg-type]
    )


def what_works(data: ReportData, t: Texts) -> Section | None:
    report = data.themes
    section = Section(id="themes", title=t("s_themes"), intro=t("themes_intro"))
    lifts = report.lifts if report is not None else pl.DataFrame()
    if lifts.is_empty():
        section.paragraphs.append(t("themes_none"))
        return section
    who = data.name(data.museums[0]) if data.single else t("pooled", n=len(data.museums))
    basis = t("themes_basis", who=who)
    themes = lifts.filter(pl.col("factor") == "theme")
    themes = themes.with_columns(
        src=pl.col("source").replace_strict(
            {"rules": t("source_rules"), "model": t("source_model")}, default=pl.col("source")
        ),
        label=pl.Series(
            [
                t.theme(str(n), str(lb))
                for n, lb in zip(themes["level"], themes["label"], strict=True)
            ],
            dtype=pl.Utf8,
        ),
    )
    if themes.height:
        frame = themes.select(
            pl.concat_str(pl.col("label"), pl.lit(" ("), pl.col("src"), pl.lit(")")).alias("what"),
            "lift",
            pl.col("lift_low").alias("low"),
            pl.col("lift_high").alias("high"),
            "src",
        )
        chart = _lift_chart(frame, t, "src", WIDTH - 260).properties(
            padding={"left": 40, "right": 10, "top": 5, "bottom": 5}
        )
        section.figures.append(
            _fig(
                t,
                chart,
                "chart-themes",
                t("themes_alt", who=who),
                t("themes_caption", basis=basis),
            )
        )
        rows: list[list[Cell]] = []
        for r in themes.iter_rows(named=True):
            lift, interval = _lift_words(t, r)
            precision = t.percent(r["precision"], 0) if r["source"] == "model" else t("none")
            rows.append(
                [
                    str(r["label"]),
                    str(r["src"]),
                    lift,
                    interval,
                    t.number(r["posts"]),
                    t.number(r["museums"]),
                    precision,
                ]
            )
        section.tables.append(
            Table(
                columns=[
                    t("col_theme"),
                    t("col_source"),
                    t("col_lift"),
                    t("col_interval"),
                    t("col_posts"),
                    t("col_museums"),
                    t("col_precision"),
                ],
                rows=rows,
                caption=t("themes_table_caption", basis=basis),
                numeric=frozenset({2, 3, 4, 5, 6}),
            )
        )
    model = report.model
    if model is not None and model.overall_precision is not None:
        section.notes.append(
            t(
                "model_words",
                precision=t.percent(model.overall_precision, 0),
                n=t.number(MODEL_TRAIN_MAX),
            )
        )
    else:
        section.notes.append(t("model_none"))
    others = lifts.filter(pl.col("factor").is_in(["format", "weekday", "hour"]))
    charts = []
    for factor in ("format", "weekday", "hour"):
        part = others.filter(pl.col("factor") == factor)
        if part.is_empty():
            continue
        frame = part.select(
            pl.Series(
                "what",
                [
                    _level_label(t, factor, str(lv), str(lb))
                    for lv, lb in zip(part["level"], part["label"], strict=True)
                ],
            ),
            "lift",
            pl.col("lift_low").alias("low"),
            pl.col("lift_high").alias("high"),
        )
        charts.append(
            _lift_chart(frame, t, None, WIDTH // 2 - 80).properties(title=t(f"factor_{factor}"))
        )
    if charts:
        section.figures.append(
            _fig(
                t,
                alt.concat(*charts, columns=2).properties(
                    padding={"left": 30, "right": 60, "top": 5, "bottom": 5}
                ),
                "chart-timing",
                t("timing_alt", who=who),
                t("timing_caption", basis=basis),
            )
        )
    return section


# risks --------------------------------------------------------------------------------------
def risks(data: ReportData, t: Texts) -> Section | None:
    section = Section(id="risks", title=t("s_risks"), intro=t("risks_intro"))
    if data.risks.is_empty():
        section.paragraphs.append(t("risks_none"))
        return section
    rows: list[list[Cell]] = []
    for r in data.risks.iter_rows(named=True):
        what = str(r["risk"] or "") if t.lang == "en" else t("risk_may")
        source = str(r["rule_source"] or "")
        rule: Cell = Link(str(r["rule"] or source), source) if source else str(r["rule"] or "")
        if isinstance(rule, Link) and rule.safe_href is None:
            rule = f"{r['rule'] or ''} ({source})"
        rows.append(
            [
                *_post_cells(data, t, r),
                ", ".join(r["matched"] or []),
                what,
                rule,
                _post_link(t, r["url"]),
            ]
        )
    section.tables.append(
        Table(
            columns=[
                *_post_columns(data, t),
                t("col_matched"),
                t("col_risk"),
                t("col_rule"),
                t("col_link"),
            ],
            rows=rows,
            caption=t("risks_caption"),
        )
    )
    if data.risks_total > data.risks.height:
        section.notes.append(t("risks_more", shown=data.risks.height, total=data.risks_total))
    return section


# breakouts ----------------------------------------------------------------------------------
def _ratio(t: Texts, value: float | None, expected: float | None) -> str:
    if value is None or not expected:
        return "—"
    return f"×{t.number(value / expected, 1)}"


def breakouts(data: ReportData, t: Texts) -> Section | None:
    if data.breakouts.is_empty():
        return None
    section = Section(
        id="breakouts",
        title=t("s_breakouts"),
        intro=(
            t("breakouts_intro_one")
            if data.breakouts_total == 1
            else t("breakouts_intro", total=t.number(data.breakouts_total))
        ),
    )
    rows: list[list[Cell]] = []
    for r in data.breakouts.iter_rows(named=True):
        rows.append(
            [
                *_post_cells(data, t, r, width=120),
                f"×{t.number(r['overperformance'], 1)}",
                # the threshold is a rate: shown ÷ expected, in the overperformance's unit
                _ratio(t, r["breakout_threshold"], r["expected"]),
                basis_word(t, r["rate_basis"]),
                _post_link(t, r.get("url")),
            ]
        )
    columns = _post_columns(data, t)
    section.tables.append(
        Table(
            columns=[
                *columns,
                t("col_over"),
                t("col_threshold"),
                t("col_basis"),
                t("col_link"),
            ],
            rows=rows,
            caption=t("breakouts_caption"),
            numeric=frozenset({len(columns), len(columns) + 1}),
        )
    )
    return section


# young reach over time ----------------------------------------------------------------------
def young_time(data: ReportData, t: Texts) -> Section | None:
    rows = data.young_time.filter(pl.col("young_reach").is_not_null())
    lo, hi = data.young_band
    period = t(f"period_{data.period}")
    section = Section(
        id="young-time", title=t("s_young_time"), intro=t("young_time_intro", lo=lo, hi=hi)
    )
    if rows.is_empty():
        section.paragraphs.append(t("young_none"))
        return section
    basis_names = {"measured": t("measured"), "estimated": t("estimated"), "mixed": t("mixed")}
    frame = (
        rows.with_columns(basis_kind(pl.col("young_basis")).alias("young_basis"))
        .group_by("network", "period", "period_key", "young_basis")
        .agg(pl.col("young_reach").sum().alias("reach"))
        .with_columns(
            pl.col("network").replace_strict(data.networks, default=pl.col("network")).alias("net"),
            basis_kind(pl.col("young_basis"))
            .replace_strict(basis_names, default=t("unknown"))
            .alias("basis"),
        )
        .sort("period_key", "network", "young_basis")
        .select("net", "period", "basis", "reach")
    )
    colours = alt.Scale(
        domain=[t("measured"), t("estimated"), t("mixed")], range=["#1f5fa8", "#bcd0ea", "#6d93c8"]
    )
    nets = frame["net"].n_unique()
    chart = (
        alt.Chart(frame)
        .mark_bar(aria=False)
        .encode(
            x=alt.X("period:O", title=t("axis_period"), sort=None, axis=alt.Axis(labelAngle=-45)),
            y=alt.Y("reach:Q", title=t("axis_young_reach")),
            color=alt.Color("basis:N", title=t("axis_basis"), scale=colours),
        )
        .properties(width=WIDTH // 2 - 40 if nets > 1 else WIDTH, height=150)
        .facet(
            facet=alt.Facet("net:N", title=None),
            columns=2 if nets > 1 else 1,
        )
        .resolve_scale(y="independent")
    )
    who = _who(data)
    section.figures.append(
        _fig(
            t,
            chart,
            "chart-young-time",
            t("young_time_alt", period=period, who=who),
            t("young_time_caption", period=period, who=who),
        )
    )
    return section


# growth -------------------------------------------------------------------------------------
def growth(data: ReportData, t: Texts) -> Section | None:
    rows = data.growth.filter(pl.col("followers").is_not_null())
    period = t(f"period_{data.period}")
    section = Section(id="growth", title=t("s_growth"), intro=t("growth_intro", period=period))
    if rows.is_empty():
        section.paragraphs.append(t("followers_none"))
        return section
    sums = (
        rows.group_by("network", "period", "period_key")
        .agg(
            pl.col("followers").sum(),
            pl.col("change").sum().alias("change"),
            (pl.col("followers") - pl.col("change"))
            .filter(pl.col("change").is_not_null())
            .sum()
            .alias("before"),
            pl.col("change").is_not_null().sum().alias("accounts"),
            pl.len().alias("read"),  # accounts with a snapshot in the period: the total's
        )
        .with_columns(
            rate=pl.when((pl.col("accounts") > 0) & (pl.col("before") > 0)).then(
                pl.col("change") / pl.col("before")
            ),
            change=pl.when(pl.col("accounts") > 0).then(pl.col("change")),
            net=pl.col("network").replace_strict(data.networks, default=pl.col("network")),
        )
        .sort("network", "period_key")
    )
    plotted = sums.filter(pl.col("rate").is_not_null())
    # in time order, not in the order the networks' rows first list each period
    order = plotted.sort("period_key")["period"].unique(maintain_order=True).to_list()
    plotted = plotted.select("net", "period", "rate")
    if plotted.height:
        chart = (
            alt.Chart(plotted)
            .mark_bar(aria=False)
            .encode(
                x=alt.X(
                    "period:O", title=t("axis_period"), sort=order, axis=alt.Axis(labelAngle=-45)
                ),
                xOffset="net:N",
                y=alt.Y("rate:Q", title=t("axis_growth"), axis=alt.Axis(format="%")),
                color=alt.Color(
                    "net:N", title=t("axis_network"), scale=_net_colours(data, t, plotted["net"])
                ),
            )
            .properties(width=WIDTH, height=220)
        )
        section.figures.append(
            _fig(
                t,
                chart,
                "chart-growth",
                t("growth_alt", period=period),
                t("growth_caption", period=period),
            )
        )
    section.tables.append(
        Table(
            columns=[
                t("col_network"),
                t("col_period"),
                t("col_followers"),
                t("col_change"),
                t("col_change_rate"),
                # a total jumps when an account is first read: the row says how many it sums
                t("col_accounts"),
            ],
            rows=[
                [
                    str(r["net"]),
                    str(r["period"]),
                    t.number(r["followers"]),
                    t.signed_number(r["change"]),
                    t.signed_percent(r["rate"], 1),
                    t.number(r["read"]),
                ]
                for r in sums.iter_rows(named=True)
            ],
            caption=t("growth_table_caption", period=period),
            numeric=frozenset({2, 3, 4, 5}),
        )
    )
    # the growth score beside the engagement score (the whole period, docs/scoring.md §9)
    section.paragraphs.append(t("growth_score_intro"))
    section.tables.append(_growth_scores(data, t))
    if data.all_museums:
        section.notes.append(t("growth_scores_focus", n=len(data.focus)))
    return section


def _growth_scores(data: ReportData, t: Texts) -> Table:
    """Per museum and network, the whole period: the engagement score, the growth score and
    the performance score, each with its likely range, and the follower growth — for the
    museums named (with --all: those drawn one by one; the leaderboard has every museum)."""
    who = data.focus if data.all_museums else data.museums
    order = {m: i for i, m in enumerate(who)}
    rows = data.scores.filter(pl.col("museum").is_in(who)).sort(
        pl.col("museum").replace_strict(order, default=len(order), return_dtype=pl.Int64),
        pl.col("network") == "all",
        "network",
    )
    missing = MissingMarks(t)
    table_rows: list[list[Cell]] = []
    for r in rows.iter_rows(named=True):
        lead: list[Cell] = [] if data.single else [data.name(r["museum"])]
        change = r["follower_growth"]
        table_rows.append(
            [
                *lead,
                _net_label(data, t, str(r["network"])),
                *three_scores(t, r, missing),
                missing.cell(growth_reason(t, r))
                if change is None
                else t.signed_percent(change, 1),
            ]
        )
    first = [] if data.single else [t("col_museum")]
    shift = len(first)
    return Table(
        columns=[
            *first,
            t("col_network"),
            *(t(h) for h in SCORE_HEADERS),
            t("col_follower_growth"),
        ],
        rows=table_rows,
        caption=missing.caption(t("growth_scores_caption")),
        numeric=frozenset(range(shift + 1, shift + 8)),
    )


# adoption -----------------------------------------------------------------------------------
def adoption(data: ReportData, t: Texts) -> Section | None:
    if data.adoption is None:
        return None
    section = Section(id="adoption", title=t("s_adoption"), intro=t("adoption_intro"))
    frame = data.adoption
    if frame.is_empty():
        section.paragraphs.append(t("adoption_none"))
        return section
    names = {
        k: (t("any_network") if k == "any" else data.network(k))
        for k in frame["network"].unique().to_list()
    }
    # "any network" in black, each network its colour on the whole page
    nets = _net_colours(data, t, [v for k, v in names.items() if k != "any"])
    domain = ([names["any"]] if "any" in names else []) + list(nets.domain)
    colours = (["#111827"] if "any" in names else []) + list(nets.range)
    plotted = frame.select(
        pl.col("network").replace_strict(names, default=pl.col("network")).alias("net"),
        pl.col("year").cast(pl.Utf8),
        "share",
    )
    chart = (
        alt.Chart(plotted)
        .mark_line(point=True, aria=False)
        .encode(
            x=alt.X("year:O", title=t("axis_year"), axis=alt.Axis(labelAngle=-45)),
            y=alt.Y("share:Q", title=t("axis_share_registry"), axis=alt.Axis(format="%")),
            color=alt.Color(
                "net:N",
                title=t("axis_network"),
                scale=alt.Scale(domain=domain, range=colours),
                legend=alt.Legend(columns=4),
            ),
        )
        .properties(width=WIDTH, height=260)
    )
    basis = str(frame["registry_basis"][0])
    registry = t("registry_museofile" if basis == "museofile" else "registry_store")
    size = int(frame["registry"][0])
    section.figures.append(
        _fig(
            t,
            chart,
            "chart-adoption",
            t("adoption_alt"),
            t("adoption_caption", registry=registry, n=t.number(size)),
        )
    )
    last = frame.filter(pl.col("year") == pl.col("year").max()).sort("network")
    section.tables.append(
        Table(
            columns=[
                t("col_network"),
                t("col_year"),
                t("col_present"),
                t("col_registry"),
                t("col_share"),
            ],
            rows=[
                [
                    names.get(str(r["network"]), str(r["network"])),
                    str(r["year"]),
                    t.number(r["present"]),
                    t.number(r["registry"]),
                    t.percent(r["share"], 1),
                ]
                for r in last.iter_rows(named=True)
            ],
            caption=t("adoption_table_caption", registry=registry),
            numeric=frozenset({2, 3, 4}),
        )
    )
    return section


SECTIONS: list[SectionFn] = [
    headline,
    leaderboard,
    adoption,
    history,
    followers,
    growth,
    size_curve,
    young,
    young_cohort,
    young_time,
    top_posts,
    breakouts,
    what_works,
    risks,
    how_to_read,
]
