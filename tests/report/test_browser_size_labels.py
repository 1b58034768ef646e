"""The size chart's museum names as a reader sees them in a browser: no two names overlap,
none is cut off by the edge of its chart, at the widths the page is read at."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from report_browser import browser, open_page, require_chromium
from report_data import Pages

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


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with browser(require_chromium()) as b:
        yield b


def _overlapping(names: list[list[Any]]) -> list[str]:
    found = []
    for k, a in enumerate(names):
        for b in names[k + 1 :]:
            dx = min(a[3], b[3]) - max(a[1], b[1])
            dy = min(a[4], b[4]) - max(a[2], b[2])
            if dx > 0.5 and dy > 0.5:
                found.append(f"{a[0]!r} and {b[0]!r} overlap by {dx:.1f} × {dy:.1f} px")
    return found


def test_overlapping_finds_two_names_on_each_other() -> None:
    a = ["A", 10.0, 0.0, 60.0, 12.0]
    assert _overlapping([a, ["B", 50.0, 6.0, 90.0, 18.0]]) == [
        "'A' and 'B' overlap by 10.0 × 6.0 px"
    ]
    assert _overlapping([a, ["B", 50.0, 12.0, 90.0, 24.0]]) == []  # one below the other


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
                problems += [f"chart {i}: {p}" for p in _overlapping(names)]
                problems += [
                    f"chart {i}: {n[0]!r} is cut off ({n[1]:.0f}–{n[3]:.0f} px outside "
                    f"{left:.0f}–{right:.0f} px)"
                    for n in names
                    if n[1] < left - 0.5 or n[3] > right + 0.5
                ]
            assert problems == [], (which, width)
