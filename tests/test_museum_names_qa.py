"""Finding a museum of the real Musées de France registry by the name people type (QA as a
network's digital team, h4): a registry name with a subtitle ("Petit Palais, musée des
beaux-arts de la ville de Paris") is found by its head too, so that a name two museums share
is an error naming both rather than a silent pick of one."""

from __future__ import annotations

from pathlib import Path

import pytest

import engagecore
from engagecore.errors import AmbiguousMuseum

#: ../shared/data beside the checkout, as conftest's ``shared_data`` (module-scoped here)
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
LOCATED = "registry/liste-et-localisation-des-musees-de-france.csv"


@pytest.fixture(scope="module")
def registry_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is absent (only a full workspace has the real samples)")
    path = tmp_path_factory.mktemp("names") / "r.duckdb"
    with engagecore.open(path) as eng:
        eng.import_registry(SHARED_DATA / LOCATED)
    return path


def test_a_name_two_registry_museums_share_is_ambiguous_naming_both(registry_db: Path) -> None:
    """'Petit Palais' resolved silently to Avignon's (musée du Petit Palais); Paris's is
    "Petit Palais, musée des beaux-arts de la ville de Paris"."""
    with engagecore.open(registry_db) as eng:
        with pytest.raises(AmbiguousMuseum) as err:
            eng.museums.resolve("Petit Palais")
        message = str(err.value)
        assert "petit (Petit Palais, musée des beaux-arts de la ville de Paris, Paris)" in message
        assert "petit-palais-avignon (musée du Petit Palais, Avignon)" in message
        assert eng.museums.resolve("petit palais, musée des beaux-arts de la ville de paris") == (
            "petit"
        )


@pytest.mark.parametrize(
    ("typed", "slug"),
    [
        ("Musée d'Orsay", "orsay"),
        ("musee d’orsay", "orsay"),
        ("ORSAY", "orsay"),
        ("Quai Branly", "quai-branly"),  # "musée du Quai Branly - Jacques Chirac"
        ("musée du quai Branly", "quai-branly"),
        ("Les Abattoirs", "abattoirs"),  # "Les Abattoirs, musée d'art moderne et contemporain"
        ("musée Fabre", "fabre"),
    ],
)
def test_names_people_type_still_resolve(registry_db: Path, typed: str, slug: str) -> None:
    with engagecore.open(registry_db) as eng:
        assert eng.museums.resolve(typed) == slug


def test_museums_list_csv_aliases_can_be_split_back(
    registry_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Aliases hold spaces ("Musée du Louvre"): joined by spaces, as other lists are, a
    researcher could not tell them apart."""
    import csv
    import io

    from cli_run import run

    with engagecore.open(registry_db) as eng:
        expected = dict(eng.museums.list().select("slug", "aliases").iter_rows())
    code, out, err = run(["museums", "list", "--db", str(registry_db), "--format", "csv"], capsys)
    assert code == 0, err
    rows = {r["slug"]: r["aliases"] for r in csv.DictReader(io.StringIO(out))}
    assert rows.keys() == expected.keys()
    for slug, aliases in expected.items():
        assert (rows[slug].split(" | ") if rows[slug] else []) == aliases, slug
    assert len(expected["cluny"]) > 1 and any(" " in a for a in expected["cluny"])


@pytest.mark.parametrize(
    ("query", "slugs"),
    [
        ("orsay", ["orsay"]),
        ("Musée d’Orsay", ["orsay"]),  # a typographic apostrophe, an accent
        ("PETIT PALAIS", ["petit", "petit-palais-avignon"]),
        ("beaux-arts lyon", ["mba-lyon"]),  # words of the name and the city, in any order
        ("nowhere at all", []),
    ],
)
def test_museums_list_finds_museums_by_the_words_people_type(
    registry_db: Path, capsys: pytest.CaptureFixture[str], query: str, slugs: list[str]
) -> None:
    import json

    from cli_run import run

    code, out, err = run(
        ["museums", "list", query, "--db", str(registry_db), "--format", "json"], capsys
    )
    assert code == 0, err
    assert [m["slug"] for m in json.loads(out)] == slugs
    with engagecore.open(registry_db) as eng:
        assert eng.museums.list(query)["slug"].to_list() == slugs


@pytest.mark.parametrize(
    ("query", "first"),
    [("louvre", "louvre"), ("orsay", "orsay"), ("musée du louvre", "louvre")],
)
def test_museums_list_puts_the_museum_named_first(
    registry_db: Path, query: str, first: str
) -> None:
    # "museums list louvre" listed ARCHÉA (in the town of Louvres) before the Louvre: the
    # rows came in slug order, a word's beginning counting as much as the whole word
    with engagecore.open(registry_db) as eng:
        found = eng.museums.list(query)["slug"].to_list()
    assert found[0] == first, found
