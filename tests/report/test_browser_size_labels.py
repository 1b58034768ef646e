"""The size chart's museum names as a reader sees them in a browser: no two names overlap,
none is cut off by the edge of its chart, at the widths the page is read at."""

from __future__ import annotations

from typing import Any

import pytest
from report_browser import open_page
from report_data import Pages
from test_browser_labels import overlaps

#: The museum names drawn on the size chart's points: (cell, text, box), and the boxes of
#: each cell's plot area (the chart of one network).
NAMES_JS = """
() => {
  const svg = document.querySelector('#chart-size');
  if (!svg) return null;
  const cells = [...svg.querySelectorAll('g.mark-group.role-scope')];
  return cells.map((cell, i) => {
    const bg = cell.querySelector('path.background, rect.background') || cell;
    const c = bg.getBoundingClientRect();
    const names = [...cell.querySelectorAll('g.mark-text.role-mark text')]
      .filter(t => t.textContent.trim())
      .map(t => { const r = t.getBoundingClientRect();
                  return [t.textContent, r.left, r.top, r.right, r.bottom]; });
    return [i, [c.left, c.top, c.right, c.bottom], names];
  });
}
"""

WIDTHS = (390, 700, 1000)


@pytest.mark.parametrize("which", ["single_en", "cohort_fr", "cohort_en"])
def test_no_museum_names_overlap_on_the_size_chart(chromium: Any, pages: Pages, which: str) -> None:
    with open_page(chromium, pages.folder / f"{which}.html", width=WIDTHS[0]) as (page, _):
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            cells = page.evaluate(NAMES_JS)
            assert cells, "the page has a size chart"
            shown = [n for _, _, names in cells for n in names]
            assert shown, "some museum is named on the size chart"
            problems = []
            for i, (left, _top, right, _bottom), names in cells:
                problems += overlaps([[f"chart {i}", 0, *n] for n in names])
                problems += [
                    f"chart {i}: {n[0]!r} is cut off ({n[1]:.0f}–{n[3]:.0f} px outside "
                    f"{left:.0f}–{right:.0f} px)"
                    for n in names
                    if n[1] < left - 0.5 or n[3] > right + 0.5
                ]
            assert problems == [], (which, width)
