"""What a museum's community manager saw wrong on the page, read as a person reads it (h4's
first-hour walk-through): each test fails on the page as it was."""

from __future__ import annotations

import engagecore
from report_data import Pages
from report_html import Node, parse

from engagecore.report import collect


def _section(page: str, sid: str) -> Node:
    found = [s for s in parse(page).iter("section") if s.attrs["id"] == sid]
    assert found, f"no section {sid}"
    return found[0]


def _rows(section: Node, table: int = 0) -> list[list[str]]:
    body = section.iter("table")[table].iter("tbody")[0]
    return [[td.text() for td in tr.iter("td")] for tr in body.iter("tr")]


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
