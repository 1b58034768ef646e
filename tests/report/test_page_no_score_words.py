"""A museum's first report from its own files, where no network has a score yet: the "all
networks" card said "No score on All networks together: …" (the card's title dropped into
a sentence, capital and all; in French "Pas de score sur Tous réseaux confondus : …")."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from report_html import section_of

import engagecore

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture(scope="module")
def own_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One museum, its posts from the spreadsheet template: no cohort, so no score."""
    folder = tmp_path_factory.mktemp("own")
    shutil.copy(FIXTURES / "spreadsheet" / "posts.csv", folder / "posts.csv")
    with engagecore.open(folder / "own.duckdb") as eng:
        eng.ingest(folder / "posts.csv")
    return folder / "own.duckdb"


@pytest.mark.parametrize(
    ("lang", "score", "growth", "wrong"),
    [
        ("en", "No overall score: ", "No overall growth score: ", "on All networks together"),
        (
            "fr",
            "Pas de score global : ",
            "Pas de score de croissance global : ",
            "sur Tous réseaux confondus",
        ),
    ],
)
def test_the_all_networks_card_says_no_overall_score(
    own_store: Path, tmp_path: Path, lang: str, score: str, growth: str, wrong: str
) -> None:
    with engagecore.open(own_store, read_only=True) as eng:
        museum = eng.museums.list()["slug"][0]
        page = eng.report([museum], lang=lang, out=tmp_path / "page.html")
    cards = [
        c for c in section_of(page, "headline").iter("div") if "card" in c.attrs.get("class", "")
    ]
    first = cards[0].text()  # the all-networks card comes first
    assert score in first and growth in first, first
    assert wrong not in section_of(page, "headline").text()
    # a network's card still names its network
    assert any("instagram" in c.text().lower() for c in cards[1:])
