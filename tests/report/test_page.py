"""The page's HTML, read without a browser: sections, alt texts, no outside resource, no
script, escaping, the language, and the headline's words."""

from __future__ import annotations

import math
import re
from pathlib import Path

import polars as pl
import pytest
from report_data import BAD_URL, IMG, NAME, SCRIPT, Pages
from report_html import Node, parse

import engagecore
from engagecore.analysis.risks import load_rules
from engagecore.report import Link, i18n, sections
from engagecore.report.charts import finish_svg

SINGLE_SECTIONS = [
    "headline",
    "history",
    "followers",
    "growth",
    "size",
    "young",
    "young-time",
    "posts",
    "breakouts",
    "themes",
    "risks",
    "how-to-read",
]
COHORT_SECTIONS = [
    "headline",
    "leaderboard",
    "history",
    "followers",
    "growth",
    "size",
    "young",
    "young-cohort",
    "young-time",
    "posts",
    "breakouts",
    "themes",
    "risks",
    "how-to-read",
]
# --all: the adoption curves over the registry come after the leaderboard
ALL_SECTIONS = [*COHORT_SECTIONS[:2], "adoption", *COHORT_SECTIONS[2:]]
EN_TITLES = {" ".join(v.split()) for k, v in i18n.EN.items() if k.startswith("s_")}
FR_TITLES = {" ".join(v.split()) for k, v in i18n.FR.items() if k.startswith("s_")}


def _sections(root: Node) -> list[str]:
    return [s.attrs["id"] for s in root.iter("section")]


def test_single_museum_page_has_every_section(pages: Pages) -> None:
    assert _sections(parse(pages.single_en)) == SINGLE_SECTIONS


def test_cohort_page_has_leaderboard_and_compared_sections(pages: Pages) -> None:
    assert _sections(parse(pages.cohort_en)) == COHORT_SECTIONS
    assert _sections(parse(pages.cohort_fr)) == ALL_SECTIONS


@pytest.mark.parametrize("which", ["single_en", "cohort_fr", "cohort_en"])
def test_every_chart_has_alt_text_and_a_caption(pages: Pages, which: str) -> None:
    root = parse(getattr(pages, which))
    svgs = root.iter("svg")
    assert len(svgs) >= 4
    for svg in svgs:
        assert svg.attrs.get("role") == "img"
        assert len(svg.attrs.get("aria-label", "")) > 20
        titles = [c for c in svg.children if c.tag == "title"]
        assert titles and titles[0].text() == " ".join(svg.attrs["aria-label"].split())
        assert "viewbox" in svg.attrs and "width" not in svg.attrs  # scales with the page
        figure = svg.parent
        assert figure is not None and figure.tag == "figure"
        caption = [c for c in figure.children if c.tag == "figcaption"]
        assert caption and len(caption[0].text()) > 20


@pytest.mark.parametrize("which", ["single_en", "cohort_fr", "cohort_en"])
def test_every_figure_names_its_basis(pages: Pages, which: str) -> None:
    root = parse(getattr(pages, which))
    lang = root.iter("html")[0].attrs["lang"]
    word = "Basis" if lang == "en" else "Base"
    for fig in root.iter("figure"):
        caption = fig.iter("figcaption")[0].text().replace("\u00a0", " ")
        assert f"{word}:" in caption or f"{word} :" in caption, caption


@pytest.mark.parametrize("which", ["single_en", "cohort_fr", "cohort_en"])
def test_no_outside_resource_and_no_script(pages: Pages, which: str) -> None:
    page = getattr(pages, which)
    root = parse(page)
    assert not root.iter("script") and "<script" not in page.lower().replace("&lt;script", "")
    assert not root.iter("link") and not root.iter("iframe") and not root.iter("img")
    with engagecore.open(pages.db, read_only=True) as eng:
        post_urls = set(eng.query("SELECT url FROM posts WHERE url IS NOT NULL")["url"])
    # and the policy rules' source addresses (the risks table)
    post_urls |= {r.source for r in load_rules().networks.values()}
    for node in root.iter():
        for attr in ("src", "href", "xlink:href", "action", "data", "poster"):
            value = node.attrs.get(attr, "")
            if re.match(r"\s*(https?:)?//", value):
                # only the posts' own addresses, as plain anchors
                assert node.tag == "a" and attr == "href" and value in post_urls, (node.tag, value)
                assert "noopener" in node.attrs.get("rel", "")
            assert not value.strip().lower().startswith("javascript:"), (node.tag, value)
    style = " ".join(s.text() for s in root.iter("style"))
    assert "@import" not in style and "url(" not in style and "@font-face" not in style


def test_lang_attribute_follows_the_language(pages: Pages) -> None:
    assert parse(pages.single_en).iter("html")[0].attrs["lang"] == "en"
    assert parse(pages.cohort_fr).iter("html")[0].attrs["lang"] == "fr"


def test_french_page_has_no_english_title(pages: Pages) -> None:
    root = parse(pages.cohort_fr)
    headings = [
        h.text() for tag in ("h1", "h2", "h3", "caption", "figcaption") for h in root.iter(tag)
    ]
    assert headings
    h2 = [h.text() for h in root.iter("h2")]
    assert set(h2) <= FR_TITLES
    assert not set(h2) & EN_TITLES
    english = {v for v in i18n.EN.values() if len(v) > 12} - set(i18n.FR.values())
    for text in headings:
        assert text not in english, text
    for word in ("Score over time", "Followers", "How to read", "Leaderboard", "Basis:"):
        assert word not in pages.cohort_fr


def test_hostile_text_is_escaped(pages: Pages) -> None:
    for page in (pages.single_en, pages.cohort_en):
        root = parse(page)
        text = root.text()
        assert SCRIPT in text and IMG in text  # shown as text...
        assert "<script>alert(1)" not in page and "<img src=x" not in page  # ...never markup
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert not [n for n in root.iter() if any(a.startswith("on") for a in n.attrs)]
        assert "Musée du Louvre <b onmouseover=alert(4)>&amp;" in text or NAME in text
        # the javascript: address of a post is shown as text, not as a link
        assert BAD_URL not in [a.attrs.get("href") for a in root.iter("a")]


def test_chart_svg_with_active_content_is_refused() -> None:
    with pytest.raises(ValueError, match="active"):
        finish_svg('<svg viewBox="0 0 1 1"><script>x()</script></svg>', "c", "alt")
    svg = finish_svg(
        '<svg width="10" height="5" viewBox="0 0 10 5"><clipPath id="clip1"/>'
        '<g clip-path="url(#clip1)"/></svg>',
        "chart-a",
        'a "quoted" <alt>',
    )
    assert 'id="chart-a-clip1"' in svg and "url(#chart-a-clip1)" in svg
    assert 'aria-label="a &quot;quoted&quot; &lt;alt&gt;"' in svg and 'width="10"' not in svg


@pytest.mark.parametrize("which", ["single_en", "cohort_fr", "cohort_en"])
def test_ids_are_unique_across_charts(pages: Pages, which: str) -> None:
    ids = re.findall(r'\bid="([^"]+)"', getattr(pages, which))
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(
    ("href", "safe"),
    [
        ("https://x.com/a/status/1", True),
        ("http://example.org/p", True),
        (BAD_URL, False),
        (" JavaScript:alert(1)", False),
        ("data:text/html,<b>x</b>", False),
        ("//evil.example/x", False),
        ("https:///nohost", False),
    ],
)
def test_only_http_links_become_links(href: str, safe: bool) -> None:
    assert (Link("open", href).safe_href is not None) is safe


@pytest.mark.parametrize(
    ("score", "k"), [(0.0, 0), (4.9, 0), (5.0, 1), (68.0, 7), (64.9, 6), (95.0, 10), (100.0, 10)]
)
def test_score_in_ten(score: float, k: int) -> None:
    assert sections.in_ten(score) == k


def test_score_sentence_words() -> None:
    en, fr = i18n.Texts("en"), i18n.Texts("fr")
    assert sections.score_sentence(en, 68, "Instagram") == (
        "Better than about 7 in 10 comparable museums on Instagram."
    )
    assert sections.score_sentence(fr, 68, "Instagram") == (
        "Mieux qu'environ 7 musées comparables sur 10 sur Instagram."
    )
    assert "almost every" in sections.score_sentence(en, 2, "X")
    assert "all networks" in sections.score_sentence(en, 50, None)


def test_headline_says_each_networks_score_in_words(pages: Pages) -> None:
    with engagecore.open(pages.db, read_only=True) as eng:
        rows = eng.score(museums=["louvre"]).filter(pl.col("engagement_score").is_not_null())
        specs = {k: s.display_name for k, s in engagecore.plugins.registry().networks.items()}
    root = parse(pages.single_en)
    cards = {
        c.iter("h3")[0].text(): c.text()
        for c in root.iter("div")
        if "card" in c.attrs.get("class", "").split()
    }
    assert rows.height >= 3
    for r in rows.iter_rows(named=True):
        title = "All networks together" if r["network"] == "all" else specs[r["network"]]
        card = cards[title]
        k = sections.in_ten(r["engagement_score"])
        if 0 < k < 10:
            assert f"about {k} in 10" in card
        low, high = round(r["engagement_score_low"]), round(r["engagement_score_high"])
        assert f"between {low} and {high}" in card
        assert f"{round(r['engagement_score'])}/100" in card


def test_size_chart_draws_the_curve_the_scoring_fitted(report_store: Path) -> None:
    """rate ÷ curve(size) is the museum's size-adjusted rate ÷ the curve at the median size:
    the curve drawn is the one the score used."""
    with engagecore.open(report_store, read_only=True) as eng:
        scores = eng.score()
    rows = scores.filter(pl.col("network") != "all", pl.col("engagement_rate") > 0)
    assert rows.height > 5
    checked = 0
    for r in rows.iter_rows(named=True):
        a, b, c = r["size_intercept"], r["size_slope"], r["size_center"]
        curve = sections.fitted_curve(a, b, c, r["log_size"], r["log_size"], 1)
        expected = curve["rate"][0]
        assert math.isclose(
            r["engagement_rate"] / expected, r["adjusted_rate"] / math.exp(a), rel_tol=1e-9
        )
        checked += 1
    assert checked == rows.height
    fitted = rows.filter(pl.col("size_fit") == "huber")
    assert fitted.height > 10 and (fitted["size_slope"].abs() > 0.01).any()  # b ≠ 0 checked


def test_size_caption_gives_each_slope_or_why_none(pages: Pages) -> None:
    with engagecore.open(pages.db, read_only=True) as eng:
        rows = eng.score().filter(
            pl.col("network") != "all",
            pl.col("engagement_rate") > 0,
            pl.col("log_size").is_not_null(),  # a size to draw the museum at
        )
    size = next(s for s in parse(pages.single_en).iter("section") if s.attrs["id"] == "size")
    caption = size.iter("figcaption")[0].text()
    for (net,), part in rows.group_by("network"):
        if part.height < 2:  # one museum: no panel, no curve
            continue
        first = part.row(0, named=True)
        name = engagecore.plugins.registry().networks[str(net)].display_name
        if first["size_fit"] == "huber":
            assert f"{name} {first['size_slope']:.2f}" in caption
        else:
            assert f"{name} flat, no size adjustment" in caption


def test_french_page_names_kinds_in_french(pages: Pages) -> None:
    root = parse(pages.cohort_fr)
    table = next(s for s in root.iter("section") if s.attrs["id"] == "posts").iter("table")[0]
    kinds = {row.iter("td")[3].text() for row in table.iter("tbody")[0].iter("tr")}
    assert kinds and not kinds & {"text", "video", "link", "carousel"}
    assert kinds <= set(i18n.KINDS_FR.values())


def test_large_cohort_page_stays_bounded(pages: Pages) -> None:
    """One chart per section (two for what works: themes, then formats and timing),
    whatever the number of museums (charts aggregate)."""
    for page in (pages.cohort_fr, pages.cohort_en):
        root = parse(page)
        for section in root.iter("section"):
            assert len(section.iter("svg")) <= (2 if section.attrs["id"] == "themes" else 1)


def test_lang_from_the_locale() -> None:
    assert i18n.lang_from_env({"LANG": "fr_FR.UTF-8"}) == "fr"
    assert i18n.lang_from_env({"LC_ALL": "en_US.UTF-8", "LANG": "fr_FR.UTF-8"}) == "en"
    assert i18n.lang_from_env({"LC_ALL": "fr_CA"}) == "fr"
    assert i18n.lang_from_env({}) == "en"
    assert i18n.lang_from_env({"LANG": "C.UTF-8"}) == "en"


def test_both_languages_have_the_same_words() -> None:
    assert set(i18n.EN) == set(i18n.FR)
    for key, text in i18n.EN.items():
        assert re.findall(r"{(\w+)}", text) == re.findall(r"{(\w+)}", i18n.FR[key]) or sorted(
            re.findall(r"{(\w+)}", text)
        ) == sorted(re.findall(r"{(\w+)}", i18n.FR[key])), key
