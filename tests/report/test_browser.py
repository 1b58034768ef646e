"""The generated page in headless Chromium: no error, no request, charts drawn, a screenshot,
hostile text shown as text and never run, French titles, a phone's width, print."""

from __future__ import annotations

from typing import Any

import pytest
from report_browser import open_page
from report_data import IMG, NAME, SCRIPT, Pages

from engagecore.report import i18n

PAGES = ["single_en", "cohort_fr", "cohort_en"]


@pytest.mark.parametrize("which", PAGES)
def test_page_opens_without_error_or_any_request(chromium: Any, pages: Pages, which: str) -> None:
    path = pages.folder / f"{which}.html"
    with open_page(chromium, path) as (page, visit):
        page.wait_for_timeout(200)  # anything late (a lazy image, a font) would show here
        assert visit.errors == []
        assert visit.blocked == []
        assert visit.requests == [visit.url]
        assert page.locator("h1").inner_text().strip()


@pytest.mark.parametrize("which", PAGES)
def test_every_chart_is_drawn_with_a_size(chromium: Any, pages: Pages, which: str) -> None:
    with open_page(chromium, pages.folder / f"{which}.html") as (page, _):
        charts = page.locator("figure svg[role=img]")
        assert charts.count() >= 4
        for i in range(charts.count()):
            box = charts.nth(i).bounding_box()
            assert box is not None and box["width"] > 100 and box["height"] > 50, box
            assert charts.nth(i).get_attribute("aria-label")


def test_a_screenshot_is_produced(chromium: Any, pages: Pages) -> None:
    with open_page(chromium, pages.folder / "cohort_en.html") as (page, _):
        png = page.screenshot(full_page=True, type="png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
    (pages.folder / "cohort_en.png").write_bytes(png)


@pytest.mark.parametrize("which", ["single_en", "cohort_en"])
def test_hostile_captions_show_as_text_and_never_run(
    chromium: Any, pages: Pages, which: str
) -> None:
    with open_page(chromium, pages.folder / f"{which}.html") as (page, visit):
        body = page.locator("body").inner_text()
        assert SCRIPT in body and IMG in body and NAME in body
        assert page.get_by_text(SCRIPT).first.is_visible()
        assert page.locator("body script, body img").count() == 0
        # hover and click where the planted markup is shown: nothing runs
        page.get_by_text(NAME).first.hover()
        page.get_by_text(IMG).first.click()
        page.wait_for_timeout(200)
        assert visit.dialogs == [] and visit.errors == []
        assert page.evaluate("document.querySelectorAll('[onerror],[onmouseover]').length") == 0


def test_french_page_has_no_english_title(chromium: Any, pages: Pages) -> None:
    english = {v for k, v in i18n.EN.items() if k.startswith("s_")} | {i18n.EN["page_title"]}
    with open_page(chromium, pages.folder / "cohort_fr.html") as (page, _):
        titles = page.locator("h1, h2, h3, nav a").all_inner_texts()
        assert titles
        assert not [t for t in titles if t.strip() in english]
        assert "Comment lire cette page" in titles


def test_readable_on_a_phone(chromium: Any, pages: Pages) -> None:
    with open_page(chromium, pages.folder / "cohort_en.html", width=390, height=844) as (page, _):
        assert page.evaluate("document.documentElement.scrollWidth") <= 391
        widths = page.evaluate(
            "[...document.querySelectorAll('figure svg')].map(s => s.getBoundingClientRect().width)"
        )
        assert widths and all(0 < w <= 390 for w in widths)
        size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
        assert size >= 14


def test_printable(chromium: Any, pages: Pages) -> None:
    with open_page(chromium, pages.folder / "single_en.html") as (page, visit):
        page.emulate_media(media="print")
        assert not page.locator("nav").is_visible()
        pdf = page.pdf(format="A4")
        assert pdf[:5] == b"%PDF-" and len(pdf) > 10_000
        assert visit.requests == [visit.url]


def test_without_chromium_skip_or_fail_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    import report_browser as module

    monkeypatch.setattr(module, "chromium_path", lambda: None)
    with pytest.raises(pytest.skip.Exception, match="apt install chromium"):
        module.require_chromium({})
    with pytest.raises(pytest.fail.Exception, match="CI is set"):
        module.require_chromium({"CI": "1"})
