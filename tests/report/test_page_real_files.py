"""The French page of a store holding only the real sample exports of ../shared/data (one
Instagram "Download your information" posts file, one YouTube Studio table), as a museum's
community manager makes it in the first hour: every sentence in French, no warning printed."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from report_html import parse

import engagecore

REAL = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "real"
ENGLISH = (
    "the source gives",
    "no interaction counts",
    "too young",
    "post(s)",
    "only museum",
    "no percentile",
    "no follower snapshot",
    "no network with a score",
    "for this account",
    "in the period",
)


@pytest.fixture(scope="module")
def real_page(tmp_path_factory: pytest.TempPathFactory) -> str:
    if not REAL.is_dir():
        pytest.skip("../shared/data is absent (only a full workspace has the real samples)")
    folder = tmp_path_factory.mktemp("real")
    with engagecore.open(folder / "real.duckdb") as eng:
        eng.museums.add("Musée du Louvre", slug="louvre", city="Paris")
        eng.ingest(REAL / "instagram-posts_1.json", account="museedulouvre", museum="louvre")
        eng.ingest(
            REAL / "youtube-studio-table-data.csv",
            account="UCabcdefghijklmnopqrstuv",
            museum="louvre",
        )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with engagecore.open(folder / "real.duckdb", read_only=True) as eng:
            page = eng.report(["louvre"], lang="fr", out=folder / "rapport.html")
    assert [str(w.message) for w in caught] == []
    # another store: the two files, two museums, a cohort whose Instagram has no rated post
    with engagecore.open(folder / "two.duckdb") as eng:
        eng.museums.add("Musée du Louvre", slug="louvre", city="Paris")
        eng.museums.add("Musée d'Orsay", slug="orsay", city="Paris")
        eng.ingest(REAL / "instagram-posts_1.json", account="museedulouvre", museum="louvre")
        eng.ingest(REAL / "youtube-studio-table-data.csv", account="UCorsay", museum="orsay")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with engagecore.open(folder / "two.duckdb", read_only=True) as eng:
            eng.report(all_museums=True, lang="fr")
    # polars' "UserWarning: Comparisons with None always result in null" reached the terminal
    assert [str(w.message) for w in caught] == []
    return page


def test_the_headline_says_why_a_score_is_missing_in_french(real_page: str) -> None:
    cards = next(s for s in parse(real_page).iter("section") if s.attrs["id"] == "headline")
    text = cards.text()
    assert "Pas de score sur Instagram" in text and "Pas de score sur YouTube" in text
    assert [e for e in ENGLISH if e in text] == []
    assert "aucun nombre d'interactions" in text  # the Instagram export has no counts
    # its newest post, read at its own time, has no counts: not "too young" (h10)
    assert "trop récente" not in text
    # the maturity age of a post that is too young, with a French decimal comma
    from engagecore.report.i18n import Texts

    reason = "2 post(s) too young left out: read before the maturity age (4.4 days, default (x))"
    assert "(4,4 jours, " in Texts("fr").reason(reason)


def test_one_breakout_is_singular_in_french(real_page: str) -> None:
    section = next(s for s in parse(real_page).iter("section") if s.attrs["id"] == "breakouts")
    intro = section.iter("p")[0].text()
    assert intro.startswith("1 publication a fait plus de deux fois mieux"), intro


def test_a_chart_alone_is_not_blown_up_to_the_pages_width(real_page: str) -> None:
    # 102 YouTube videos give one timing chart (weekdays): stretched to the page's 980 px its
    # title was 40 px high and its axis title cut ("Effet (× les autres publications du c…")
    svgs = [s for s in parse(real_page).iter("svg") if s.attrs.get("role") == "img"]
    assert any(s.attrs["id"] == "chart-timing" for s in svgs)
    for svg in svgs:
        natural = float(svg.attrs["viewbox"].split()[2])
        style = dict(
            part.split(":", 1) for part in svg.attrs.get("style", "").split(";") if ":" in part
        )
        assert float(style["max-width"].removesuffix("px")) <= 1.5 * natural, svg.attrs["id"]
