"""The growth score on the page (docs/scoring.md §9): collected by the scoring's own pass,
shown beside the engagement score with its likely range — on the museum page's cards, in the
growth section's table and in the leaderboard — and, where it is missing, a mark whose
reason the table's caption gives (and the cell's tooltip), never a 0."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from report_browser import open_page
from report_data import Pages
from report_html import Node, parse

import engagecore
from engagecore.report import Missing, collect, i18n, sections
from engagecore.report.data import FOCUS_MAX

EN, FR = i18n.Texts("en"), i18n.Texts("fr")


def _section(page: str, sid: str) -> Node:
    found = [s for s in parse(page).iter("section") if s.attrs["id"] == sid]
    assert found, f"no section {sid}"
    return found[0]


def _table(section: Node, caption_start: str) -> Node:
    found = [
        t for t in section.iter("table") if t.iter("caption")[0].text().startswith(caption_start)
    ]
    assert len(found) == 1, caption_start
    return found[0]


def _rows(table: Node) -> list[list[str]]:
    body = table.iter("tbody")[0]
    return [[td.text() for td in tr.iter("td")] for tr in body.iter("tr")]


def _scores(db: Path, museums: list[str] | None = None) -> pl.DataFrame:
    with engagecore.open(db, read_only=True) as eng:
        return eng.score(museums=museums, with_growth=True)


def _networks(t: i18n.Texts) -> dict[str, str]:
    names = {k: s.display_name for k, s in engagecore.plugins.registry().networks.items()}
    return {**names, "all": t("all_networks")}


def _marks(caption: str, t: i18n.Texts) -> dict[str, str]:
    """The caption's "—¹ reason; —² reason" as {"—¹": reason}."""
    # "Where a figure is missing:", its spaces as the page's text gives them (no-break: one)
    head = " ".join(t("missing_marks", marks="")[:-1].split())
    assert head in caption, caption
    listed = caption.split(head, 1)[1].strip().rstrip(".")
    # split at the marks, not at "; ": a reason of several clauses joins them with "; " too
    none = re.escape(t("none"))
    parts = re.split(rf"(?:^|\s*{re.escape(t('list_sep').strip())}\s*)({none}\S+)\s", listed)
    return dict(zip(parts[1::2], (p.strip() for p in parts[2::2]), strict=True))


# data ---------------------------------------------------------------------------------------
def test_collect_takes_the_growth_score_from_the_scoring_pass(report_store: Path) -> None:
    """The report's scores are ``score(with_growth=True)``'s own figures: growth score,
    interval and performance score where snapshots allow, null with the scoring's note where
    they do not."""
    with engagecore.open(report_store, read_only=True) as eng:
        data = collect(eng, ["louvre"])
        direct = eng.score(with_growth=True)
    key = ["museum", "network"]
    cols = [
        "growth_score",
        "growth_score_low",
        "growth_score_high",
        "performance_score",
        "performance_score_low",
        "performance_score_high",
        "follower_growth",
        "growth_note",
    ]
    got = data.scores.select(*key, *cols).sort(key)
    want = direct.select(*key, *cols).sort(key)
    assert got.equals(want)
    louvre = got.filter(pl.col("museum") == "louvre", pl.col("network") != "all")
    grown = louvre.filter(pl.col("growth_score").is_not_null())
    assert grown.height >= 1  # the demo's snapshots give growth scores
    assert (grown["growth_score_low"] <= grown["growth_score"]).all()
    assert (grown["growth_score"] <= grown["growth_score_high"]).all()
    missing = louvre.filter(pl.col("growth_score").is_null())
    assert missing.height >= 1  # and networks read too rarely for one
    for r in missing.iter_rows(named=True):
        reason = sections.growth_reason(EN, r)
        assert reason and reason != EN("no_score_reason")
        assert r["performance_score"] is None


def test_growth_reason_words_each_case() -> None:
    base = {"network": "facebook", "growth_note": None, "follower_growth": None}
    few = {**base, "growth_note": "growth: fewer than 2 follower snapshots in the period"}
    far = {**base, "growth_note": "growth: no follower snapshot near the period's start and end"}
    assert sections.growth_reason(EN, few) == EN("growth_why_few")
    assert sections.growth_reason(FR, few) == FR("growth_why_few")
    assert sections.growth_reason(EN, far) == EN("growth_why_far")
    assert sections.growth_reason(EN, base) == EN("growth_why_none")
    assert sections.growth_reason(EN, {**base, "follower_growth": 0.1}) == EN("growth_why_alone")
    assert sections.growth_reason(FR, {**base, "network": "all"}) == FR("growth_why_all")
    other = {**base, "growth_note": "growth: something new"}
    assert sections.growth_reason(EN, other) == "growth: something new"


def test_missing_marks_number_each_reason_once() -> None:
    marks = sections.MissingMarks(FR)
    a, b, a2 = marks.cell("raison a"), marks.cell("raison b"), marks.cell("raison a")
    assert isinstance(a, Missing) and a == a2 and a.text == "—¹" and b.text == "—²"
    assert a.reason == "raison a"
    caption = marks.caption("Légende.")
    assert caption.startswith("Légende. Quand un chiffre manque\u00a0: —¹ raison a")
    assert "\u202f; —² raison b." in caption
    assert sections.MissingMarks(EN).caption("Caption.") == "Caption."


# the museum page ----------------------------------------------------------------------------
def test_museum_cards_give_the_growth_score_or_why_none(pages: Pages) -> None:
    rows = _scores(pages.db, ["louvre"]).filter(pl.col("museum") == "louvre")
    names = _networks(EN)
    cards = {
        c.iter("h3")[0].text(): c.text()
        for c in parse(pages.single_en).iter("div")
        if "card" in c.attrs.get("class", "").split()
    }
    seen = {"score": 0, "none": 0}
    for r in rows.iter_rows(named=True):
        card = cards[names[r["network"]]]
        if r["growth_score"] is None:
            reason = sections.growth_reason(EN, r)
            assert f"No growth score on {names[r['network']]}: {reason}." in card
            assert "Growth score" not in card
            seen["none"] += 1
        else:
            low, high = round(r["growth_score_low"]), round(r["growth_score_high"])
            assert (
                f"Growth score {round(r['growth_score'])} out of 100 "
                f"(likely between {low} and {high})." in card
            )
            seen["score"] += 1
        if r["performance_score"] is not None:
            assert f"(performance score): {round(r['performance_score'])} out of 100" in card
    assert seen["score"] >= 1 and seen["none"] >= 1


def test_growth_table_beside_the_engagement_score(pages: Pages) -> None:
    """One row per network (and all together): engagement, growth and performance scores
    with their ranges; a missing growth score is a mark the caption explains, never 0."""
    rows = _scores(pages.db, ["louvre"]).filter(pl.col("museum") == "louvre")
    table = _table(_section(pages.single_en, "growth"), EN("growth_scores_caption")[:30])
    headers = [th.text() for th in table.iter("th")]
    assert headers == [
        "Network",
        "Engagement score",
        "Likely range",
        "Growth score",
        "Growth likely range",
        "Performance score",
        "Performance likely range",
        "Follower growth",
    ]
    assert all(th.attrs.get("scope") == "col" for th in table.iter("th"))
    caption = table.iter("caption")[0].text()
    marks = _marks(caption, EN)
    shown = {r[0]: r for r in _rows(table)}
    names = _networks(EN)
    assert len(shown) == rows.height
    for r in rows.iter_rows(named=True):
        cells = shown[names[r["network"]]]
        g = r["growth_score"]
        if g is None:
            assert cells[3].startswith("—") and cells[3] != "0"
            assert marks[cells[3]] == sections.growth_reason(EN, r)
            assert cells[5] == cells[3]  # no growth score: no performance score either
        else:
            assert cells[3] == f"{g:,.0f}"
            assert cells[4] == f"{r['growth_score_low']:,.0f}–{r['growth_score_high']:,.0f}"
            if r["performance_score"] is not None:
                assert cells[5] == f"{r['performance_score']:,.0f}"
        change = r["follower_growth"]
        if change is not None:
            assert cells[7] == ("+" if change >= 0 else "\u2212") + f"{abs(change) * 100:.1f}%"


def test_growth_missing_cell_carries_its_reason_as_tooltip(pages: Pages) -> None:
    table = _table(_section(pages.single_en, "growth"), EN("growth_scores_caption")[:30])
    marks = _marks(table.iter("caption")[0].text(), EN)
    spans = [s for s in table.iter("span") if "title" in s.attrs]
    assert spans
    for span in spans:
        assert marks[span.text()] == span.attrs["title"]


# cohort pages -------------------------------------------------------------------------------
@pytest.mark.parametrize(("which", "lang"), [("cohort_en", "en"), ("cohort_fr", "fr")])
def test_leaderboard_shows_growth_and_performance(pages: Pages, which: str, lang: str) -> None:
    t = i18n.Texts(lang)
    scores = _scores(pages.db).filter(pl.col("network") == "all")
    by_name = {(r["museum"]): r for r in scores.iter_rows(named=True)}
    with engagecore.open(pages.db, read_only=True) as eng:
        names = {
            r["slug"]: r["name"]
            for r in eng.museums.list().select("slug", "name").iter_rows(named=True)
        }
    slug_of = {v: k for k, v in names.items()}
    table = _section(getattr(pages, which), "leaderboard").iter("table")[0]
    headers = [th.text() for th in table.iter("th")]
    g = headers.index(t("col_growth_with_range"))
    assert headers[g + 1] == t("col_perf_with_range")
    assert headers[g - 2 : g] == [t("col_engagement_score"), t("col_interval")]
    caption = table.iter("caption")[0].text()
    rows = _rows(table)
    assert rows
    for cells in rows:
        r = by_name[slug_of[cells[1].rstrip("*")]]
        if r["growth_score"] is None:
            assert _marks(caption, t)[cells[g]] == t("growth_why_all")
            assert cells[g + 1] == cells[g]
        else:
            for column, cell in (("growth_score", cells[g]), ("performance_score", cells[g + 1])):
                low, high = (t.number(r[f"{column}_{b}"]) for b in ("low", "high"))
                assert cell == f"{t.number(r[column])} ({low}–{high})"
    if which == "cohort_fr":  # --all: museums with and without a growth score
        assert any(c[g].startswith("—") for c in rows)
        assert any(not c[g].startswith("—") for c in rows)


def test_french_growth_table_in_french(pages: Pages) -> None:
    section = _section(pages.cohort_fr, "growth")
    table = _table(section, FR("growth_scores_caption")[:30])
    headers = [th.text() for th in table.iter("th")]
    assert FR("col_growth_score") in headers and FR("col_perf_interval") in headers
    assert "Growth score" not in section.text()
    changes = [r[-1] for r in _rows(table) if not r[-1].startswith("—")]
    assert changes and all(re.fullmatch(r"[+\u2212]\d+,\d %", c) for c in changes)
    # --all: the museums drawn one by one, as the note says (the leaderboard has them all)
    shown = {r[0] for r in _rows(table)}
    assert 1 < len(shown) <= FOCUS_MAX
    note = FR("growth_scores_focus", n=len(shown))
    assert " ".join(note.split()) in section.text()


# in the browser -----------------------------------------------------------------------------
@pytest.mark.parametrize(("which", "lang"), [("single_en", "en"), ("cohort_fr", "fr")])
def test_growth_table_as_a_person_sees_it(
    chromium: Any, pages: Pages, which: str, lang: str
) -> None:
    t = i18n.Texts(lang)
    with open_page(chromium, pages.folder / f"{which}.html") as (page, visit):
        table = page.get_by_role(
            "table", name=re.compile(re.escape(t("growth_scores_caption")[:30]))
        )
        assert table.count() == 1 and table.is_visible()
        header = table.get_by_role("columnheader", name=t("col_growth_score"), exact=True)
        assert header.is_visible()
        missing = table.locator("td span[title]")
        assert missing.count() >= 1
        first = missing.first
        first.scroll_into_view_if_needed()
        assert first.is_visible() and first.inner_text().startswith("—")
        reason = first.get_attribute("title")
        assert reason and reason in table.locator("caption").inner_text()
        numbers = table.locator("td.num").all_inner_texts()
        assert any(re.fullmatch(r"\d+", n) for n in numbers)  # growth scores drawn as numbers
        assert visit.errors == [] and visit.requests == [visit.url]


@pytest.mark.parametrize(("which", "t"), [("single_en", EN), ("cohort_fr", FR)])
def test_followers_table_signs_both_changes_alike(pages: Pages, which: str, t: i18n.Texts) -> None:
    # the count's change had its "+" and a hyphen for "-6 407", the percent none ("0,5 %",
    # "-2,1 %") while the chart's axis and the growth scores table write "−2 %" (stop 27)
    table = _table(_section(getattr(pages, which), "growth"), t("growth_table_caption")[:25])
    changed = [(r[3], r[4]) for r in _rows(table) if r[3] != t("none")]
    assert changed
    for count, rate in changed:
        assert re.fullmatch(r"[+\u2212]\d[\d,\s\u202f]*", count), count
        assert re.fullmatch(r"[+\u2212]\d+[.,]\d\s?%", rate.replace("\u202f", " ")), rate
        assert count[0] == rate[0] or count[1:].strip("0,\u202f") == "", (count, rate)
