"""The charts' tick labels as a reader sees them in a browser: no two labels of an axis
overlap, at the widths the page is read at (a phone, a tablet, a laptop)."""

from __future__ import annotations

import math
from typing import Any

import pytest
from report_browser import open_page
from report_data import Pages

from engagecore.report.charts import LABEL_GAP, label_width
from engagecore.report.i18n import Texts
from engagecore.report.sections import LIFT_TICKS, lift_ticks

#: Every visible label of every axis of every chart: (chart id, axis number, text, box).
LABELS_JS = """
() => [...document.querySelectorAll('figure svg[role=img]')].flatMap(svg =>
  [...svg.querySelectorAll('g.role-axis')].flatMap((axis, i) =>
    [...axis.querySelectorAll('g.role-axis-label text')]
      .filter(t => t.textContent.trim() && getComputedStyle(t).opacity !== '0'
                   && t.getAttribute('opacity') !== '0')
      .map(t => {
        const r = t.getBoundingClientRect();
        return [svg.id, i, t.textContent, r.left, r.top, r.right, r.bottom];
      })))
"""


def overlaps(labels: list[list[Any]]) -> list[str]:
    """The pairs of labels of one axis whose boxes overlap (by more than a rounding error)."""
    found = []
    axes: dict[tuple[str, int], list[list[Any]]] = {}
    for label in labels:
        axes.setdefault((label[0], label[1]), []).append(label)
    for (chart, _), items in axes.items():
        for k, a in enumerate(items):
            for b in items[k + 1 :]:
                dx = min(a[5], b[5]) - max(a[3], b[3])
                dy = min(a[6], b[6]) - max(a[4], b[4])
                if dx > 0.5 and dy > 0.5:
                    found.append(f"{chart}: {a[2]!r} and {b[2]!r} overlap by {dx:.1f} px")
    return found


def test_overlaps_finds_two_labels_on_each_other() -> None:
    a = ["c", 0, "0.9", 10.0, 0.0, 30.0, 12.0]
    assert overlaps([a, ["c", 0, "1", 25.0, 0.0, 35.0, 12.0]]) == [
        "c: '0.9' and '1' overlap by 5.0 px"
    ]
    assert overlaps([a, ["c", 0, "1", 31.0, 0.0, 40.0, 12.0]]) == []  # side by side
    assert overlaps([a, ["c", 1, "1", 25.0, 0.0, 35.0, 12.0]]) == []  # another axis


#: The widths the page is read at: a phone, a tablet, a laptop (the page is 980 px at most).
WIDTHS = (390, 700, 1000)


@pytest.mark.parametrize("which", ["single_en", "cohort_fr", "cohort_en"])
def test_no_tick_labels_overlap(chromium: Any, pages: Pages, which: str) -> None:
    with open_page(chromium, pages.folder / f"{which}.html", width=WIDTHS[0]) as (page, _):
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            labels = page.evaluate(LABELS_JS)
            charts = {label[0] for label in labels}
            assert {"chart-themes", "chart-timing"} <= charts  # "what works" is measured
            assert overlaps(labels) == [], width


def test_lift_ticks_keep_1_and_leave_room_between_labels() -> None:
    for lang in ("en", "fr"):
        t = Texts(lang)
        for domain, width in [((0.45, 1.8), 200), ((0.85, 1.2), 200), ((0.2, 4.5), 300)]:
            ticks = lift_ticks(domain, width, t)
            assert 1.0 in ticks and ticks == sorted(ticks)
            lo, hi = math.log(domain[0]), math.log(domain[1])
            at = [width * (math.log(v) - lo) / (hi - lo) for v in ticks]
            half = [label_width(t.number(v, 2).rstrip("0").rstrip(".,")) / 2 for v in ticks]
            for i in range(len(ticks) - 1):
                assert at[i + 1] - at[i] >= half[i] + half[i + 1] + LABEL_GAP, (lang, ticks)
        # a wide chart shows every tick of its range
        wide = lift_ticks((0.2, 4.5), 4000, t)
        assert wide == sorted(LIFT_TICKS)
