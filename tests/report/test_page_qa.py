"""What a museum's community manager saw wrong on the page, read as a person reads it (h4's
first-hour walk-through): each test fails on the page as it was."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest
from report_data import Pages
from report_html import parse
from report_html import section_of as _section
from report_html import table_rows as _rows

import engagecore
from engagecore.report import build_html, collect, sections


def _times(cell: str) -> float:
    """'×4.3' or '×4,3 (percée)' → 4.3."""
    return float(cell.split()[0].lstrip("×").replace(",", "."))


def test_breakout_threshold_is_in_the_same_unit_as_the_overperformance(pages: Pages) -> None:
    # the column read "×0.0" (a rate printed as a ratio): a breakout is a post whose
    # overperformance is above its account's threshold, both actual ÷ expected
    with engagecore.open(pages.db, read_only=True) as eng:
        newest = collect(eng, ["louvre"]).breakouts  # the post metrics, newest first
    rows = _rows(_section(pages.single_en, "breakouts"))
    assert len(rows) == newest.height > 0
    for row, r in zip(rows, newest.iter_rows(named=True), strict=True):
        over, threshold = _times(row[4]), _times(row[5])
        assert threshold == round(r["breakout_threshold"] / r["expected"], 1)
        assert over > threshold > 1


_ENGLISH_MONTHS = ("January", "February", "March", "April", "June", "July", "August", "September")
_GROUPED = re.compile(r"^-?\d{1,3}(,\d{3})+$")  # 2,200,000
_POINT = re.compile(r"^-?\d+\.\d+%?$")  # 0.4% or 1.25


def _axis_labels(page: str) -> list[str]:
    return [t.text() for svg in parse(page).iter("svg") for t in svg.iter("text")]


def test_a_french_pages_charts_write_numbers_and_months_in_french(pages: Pages) -> None:
    # the text said "1 993 362" and "0,42 %" while the axes said "2,200,000", "0.4%", "March"
    fr = _axis_labels(pages.cohort_fr)
    assert fr, "no chart text on the French page"
    assert not [x for x in fr if _GROUPED.match(x) or _POINT.match(x)]
    assert not [x for x in fr if x in _ENGLISH_MONTHS]
    assert any(x in ("mars", "mai", "juillet", "septembre", "novembre") for x in fr)
    # the English page keeps its own
    en = _axis_labels(pages.cohort_en)
    assert any(_GROUPED.match(x) for x in en) and any(x in _ENGLISH_MONTHS for x in en)


def test_the_growth_charts_periods_run_in_time_order(pages: Pages) -> None:
    # a period one network lacks came last ("… 2025-Q3, 2024-Q2"): the axis followed the
    # order in which the networks' rows listed the periods
    with engagecore.open(pages.db, read_only=True) as eng:
        data = collect(eng, ["louvre"], period="quarter")
    changed = data.growth.filter(pl.col("change").is_not_null())
    first_net = changed["network"].min()
    earliest = changed["period_key"].min()
    assert changed.filter(pl.col("network") != first_net)["period_key"].min() == earliest
    data.growth = data.growth.filter(
        (pl.col("network") != first_net) | (pl.col("period_key") != earliest)
    )
    page = build_html(data, "en", [sections.growth])
    svg = next(s for s in parse(page).iter("svg") if s.attrs["id"] == "chart-growth")
    labels = [x.text() for x in svg.iter("text") if re.fullmatch(r"\d{4}-Q\d", x.text())]
    assert len(labels) >= 3
    assert labels == sorted(labels)


_LEGEND = re.compile(
    r'role-legend-symbol"[^>]*><path[^>]*fill="(#[0-9a-fA-F]+)".*?'
    r'role-legend-label"[^>]*><text[^>]*>([^<]+)</text>',
    re.DOTALL,
)


def _legends(page: str) -> dict[str, dict[str, str]]:
    """Each chart's legend: label → colour."""
    found: dict[str, dict[str, str]] = {}
    for m in re.finditer(r'<svg[^>]*\sid="(chart-[a-z-]+)"', page):
        svg = page[m.start() : page.index("</svg>", m.start())]
        found[m.group(1)] = {label: colour for colour, label in _LEGEND.findall(svg)}
    return found


def test_a_network_has_one_colour_on_the_whole_page(pages: Pages) -> None:
    # Threads was purple in the followers chart and green in the growth chart beside it:
    # each chart coloured the networks it showed in its own order
    for page in (pages.single_en, pages.cohort_fr):
        legends = _legends(page)
        assert "chart-followers" in legends and "chart-growth" in legends
        colour: dict[str, str] = {}
        for uid in ("chart-followers", "chart-growth", "chart-adoption"):
            for label, fill in legends.get(uid, {}).items():
                assert colour.setdefault(label, fill) == fill, (uid, label)
        assert len(set(colour.values())) == len(colour)  # and no two networks share one


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", "the uncertainty of its own posts does not move it from this rank"),
        ("fr", "l'incertitude de ses propres publications ne le fait pas changer de rang"),
    ],
)
def test_a_card_with_an_interval_of_no_width_does_not_say_likely_between_0_and_0(
    report_store: Path, lang: str, words: str
) -> None:
    # "it is likely between 0 and 0 (somewhere between 0 and 0 in 10)": the interval holds
    # the museum's own sampling error only (docs/scoring.md §2.6), never a certainty
    from engagecore.report.data import ReportData
    from engagecore.report.i18n import Texts
    from engagecore.report.sections import _museum_card

    with engagecore.open(report_store, read_only=True) as eng:
        scores = eng.score(with_growth=True)
    row = scores.filter(pl.col("engagement_score").is_not_null()).row(0, named=True)
    data = ReportData(
        scores=scores,
        history=pl.DataFrame(),
        posts=pl.DataFrame(),
        followers=pl.DataFrame(),
        leaderboard=pl.DataFrame(),
        names={},
        networks={},
        museums=[str(row["museum"])],
        focus=[str(row["museum"])],
        all_museums=False,
        period="quarter",
        young_band=(13, 24),
        store="store.duckdb",
    )
    t = Texts(lang)
    exact = {**row, "engagement_score_low": row["engagement_score"]}
    exact["engagement_score_high"] = row["engagement_score"]
    text = " ".join(" ".join(_museum_card(data, t, exact).lines).split())
    assert words in text
    assert "between 0 and 0" not in text and "entre 0 et 0" not in text
    wide = {**row, "engagement_score_low": 10.0, "engagement_score_high": 90.0}
    assert words not in " ".join(" ".join(_museum_card(data, t, wide).lines).split())
