"""A date in a report's table reads on one line: the page of the real YouTube sample broke
"2024-01-22" after its second hyphen in "Posts that did best" (the post's text took the
width), at a laptop's width as on a phone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from report_browser import open_page
from report_data import Pages

import engagecore

REAL = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "real"

#: Cells of a date, a month or a period ("2024-01-22", "2024-01", "2024-Q1", "2024-W03"), and
#: how many lines each takes (the distinct tops of its text's boxes).
_LINES = """
() => [...document.querySelectorAll('td')]
  .filter(td => /^\\d{4}-(\\d{2}(-\\d{2})?|Q\\d|W\\d{2})$/.test(td.textContent.trim()))
  .map(td => {
    const range = document.createRange();
    range.selectNodeContents(td);
    const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
    return [td.textContent.trim(), tops.size];
  })
"""


def _broken(chromium: Any, path: Path, width: int) -> tuple[int, list[list[Any]]]:
    with open_page(chromium, path, width=width) as (page, _):
        cells = page.evaluate(_LINES)
    return len(cells), [c for c in cells if c[1] != 1]


@pytest.fixture(scope="module")
def real_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not REAL.is_dir():
        pytest.skip("../shared/data is absent (only a full workspace has the real samples)")
    folder = tmp_path_factory.mktemp("real-dates")
    with engagecore.open(folder / "real.duckdb") as eng:
        eng.museums.add("Musée du Louvre", slug="louvre", city="Paris")
        eng.ingest(REAL / "instagram-posts_1.json", account="museelouvre", museum="louvre")
        eng.ingest(REAL / "youtube-studio-table-data.csv", account="UCabcdefghij", museum="louvre")
        eng.report(["louvre"], lang="en", out=folder / "louvre.html")
    return folder / "louvre.html"


@pytest.mark.parametrize("width", [1280, 390])
def test_dates_of_the_real_samples_page_are_never_broken(
    chromium: Any, real_page: Path, width: int
) -> None:
    count, broken = _broken(chromium, real_page, width)
    assert count >= 10 and broken == [], broken


@pytest.mark.parametrize("which", ["single_en", "cohort_fr"])
@pytest.mark.parametrize("width", [1000, 390])
def test_dates_of_the_demo_pages_are_never_broken(
    chromium: Any, pages: Pages, which: str, width: int
) -> None:
    count, broken = _broken(chromium, pages.folder / f"{which}.html", width)
    assert count >= 10 and broken == [], broken
