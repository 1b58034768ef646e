"""The leaderboard as a reader sees it: at 1000 px (a laptop) it fits the page, no sideways
scrolling; on a phone (390 px) it may scroll, but the museum column stays in view; at every
width a range ("68–78") is read on one line."""

from __future__ import annotations

from typing import Any

import pytest
from report_browser import open_page
from report_data import Pages

#: the leaderboard's scrolling box: its visible and its whole width
WIDTHS_JS = """
() => {
  const box = document.querySelector('#leaderboard table').parentElement;
  return [box.clientWidth, box.scrollWidth, document.documentElement.scrollWidth,
          document.documentElement.clientWidth];
}
"""

#: after scrolling the table to its right end: the museum column's first cell and the
#: scrolling box, as boxes on screen
SCROLLED_JS = """
() => {
  const box = document.querySelector('#leaderboard table').parentElement;
  const cell = box.querySelector('tbody tr td:nth-child(2)');
  cell.scrollIntoView({block: 'center'});
  box.scrollLeft = box.scrollWidth;
  const c = cell.getBoundingClientRect(), b = box.getBoundingClientRect();
  const at = document.elementFromPoint(c.left + c.width / 2, c.top + c.height / 2);
  return [box.scrollLeft, c.left, c.right, b.left, b.right, cell.contains(at)];
}
"""

#: every range in the leaderboard's cells ("68–78", "(68–78)"): its text and the number of
#: lines the browser drew it on
RANGES_JS = """
() => {
  const found = [];
  for (const td of document.querySelectorAll('#leaderboard table tbody td')) {
    const nodes = [];
    const walk = document.createTreeWalker(td, NodeFilter.SHOW_TEXT);
    while (walk.nextNode()) nodes.push(walk.currentNode);
    const text = nodes.map(n => n.data).join('');
    const at = (i) => {  // the text node and offset of the i-th character of the cell
      for (const n of nodes) { if (i <= n.data.length) return [n, i]; i -= n.data.length; }
      return [nodes[nodes.length - 1], nodes[nodes.length - 1].data.length];
    };
    for (const m of text.matchAll(/[^\\s]*\u2013[^\\s]*/g)) {
      const range = document.createRange();
      range.setStart(...at(m.index));
      range.setEnd(...at(m.index + m[0].length));
      const tops = new Set([...range.getClientRects()]
        .filter(r => r.width > 0).map(r => Math.round(r.top)));
      found.push([m[0], tops.size]);
    }
  }
  return found;
}
"""

WIDTHS = (390, 700, 1000)


@pytest.mark.parametrize("which", ["cohort_fr", "cohort_en"])
def test_the_leaderboard_fits_at_1000_px(chromium: Any, pages: Pages, which: str) -> None:
    with open_page(chromium, pages.folder / f"{which}.html", width=1000) as (page, _):
        visible, whole, page_whole, page_visible = page.evaluate(WIDTHS_JS)
    assert whole <= visible, f"the leaderboard scrolls sideways by {whole - visible} px"
    assert page_whole <= page_visible


@pytest.mark.parametrize("which", ["cohort_fr", "cohort_en"])
def test_on_a_phone_the_museum_column_stays_in_view(
    chromium: Any, pages: Pages, which: str
) -> None:
    with open_page(chromium, pages.folder / f"{which}.html", width=390) as (page, _):
        visible, whole, page_whole, page_visible = page.evaluate(WIDTHS_JS)
        assert page_whole <= page_visible  # the page itself never scrolls sideways
        if whole <= visible:
            return  # the table fits the phone too
        scrolled, left, right, box_left, box_right, on_top = page.evaluate(SCROLLED_JS)
    assert scrolled > 0
    assert box_left - 0.5 <= left and right <= box_right + 0.5, "the museum column scrolled away"
    assert on_top, "another cell covers the museum's name"


@pytest.mark.parametrize("which", ["cohort_fr", "cohort_en"])
def test_a_range_is_never_broken_across_lines(chromium: Any, pages: Pages, which: str) -> None:
    """A score and its range, "72 (68–78)", may wrap between the two, never inside "68–78"."""
    with open_page(chromium, pages.folder / f"{which}.html", width=WIDTHS[0]) as (page, _):
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            ranges = page.evaluate(RANGES_JS)
            assert any(text.startswith("(") for text, _ in ranges), "a score with its range"
            broken = sorted({text for text, lines in ranges if lines > 1})
            assert broken == [], f"at {width} px these ranges wrap inside: {broken}"
