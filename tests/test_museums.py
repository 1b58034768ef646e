"""Museum slugs, aliases, resolution and the official registry."""

from __future__ import annotations

from pathlib import Path

import pytest

import engagecore
from engagecore.errors import AmbiguousMuseum, MuseumNotFound, UsageError
from engagecore.museums import name_key, short_key, slugify


def test_keys_ignore_case_accents_and_articles() -> None:
    assert name_key("Le Musée du LOUVRE") == "musee du louvre"
    assert short_key("musée du Louvre") == short_key("Louvre") == "louvre"
    assert short_key("Muséum de Toulouse") == "toulouse"
    assert slugify("Musée d'Orsay") == "orsay"


@pytest.fixture
def eng(tmp_path: Path) -> engagecore.Engine:
    e = engagecore.open(tmp_path / "m.duckdb")
    e.museums.add("Musée du Louvre", city="Paris")
    e.museums.add("Centre Pompidou", slug="pompidou", aliases=["Beaubourg"])
    e.museums.add("Musée des Beaux-Arts", city="Lyon", slug="mba-lyon")
    e.museums.add("Musée des Beaux-Arts", city="Bordeaux", slug="mba-bordeaux")
    return e


@pytest.mark.parametrize(
    "name", ["Louvre", "louvre", "musée du louvre", "MUSEE DU LOUVRE", "le Louvre"]
)
def test_resolution_variants(eng: engagecore.Engine, name: str) -> None:
    assert eng.museums.resolve(name) == "louvre"


def test_alias_and_slug(eng: engagecore.Engine) -> None:
    assert eng.museums.resolve("beaubourg") == "pompidou"
    assert eng.museums.resolve("centre pompidou") == "pompidou"
    eng.museums.alias("pompidou", "MNAM")
    assert eng.museums.resolve("mnam") == "pompidou"


def test_ambiguous_name_lists_candidates(eng: engagecore.Engine) -> None:
    with pytest.raises(AmbiguousMuseum) as err:
        eng.museums.resolve("musée des beaux-arts")
    assert "mba-lyon" in str(err.value) and "mba-bordeaux" in str(err.value)


def test_unknown_name_suggests(eng: engagecore.Engine) -> None:
    with pytest.raises(MuseumNotFound, match="did you mean louvre"):
        eng.museums.resolve("louvres")


def test_alias_clash_and_bad_slug(eng: engagecore.Engine) -> None:
    with pytest.raises(UsageError, match="already names louvre"):
        eng.museums.alias("pompidou", "Louvre")
    with pytest.raises(UsageError, match="slug"):
        eng.museums.add("X", slug="Not A Slug")


def test_link_before_and_after_import(eng: engagecore.Engine, tmp_path: Path) -> None:
    eng.link("louvre", "x", "@MuseeLouvre")
    csv = tmp_path / "p.csv"
    csv.write_text(
        "network,account,post_id,posted_at,likes\nx,MuseeLouvre,1,2024-01-01T00:00:00Z,3\n",
        encoding="utf-8",
    )
    eng.ingest([csv])
    acc = eng.accounts().filter(museum="louvre")
    assert acc.height == 1 and acc["posts"][0] == 1


def test_registry_museofile_base(tmp_path: Path, fixtures: Path) -> None:
    with engagecore.open(tmp_path / "r.duckdb") as eng:
        reader, added, _updated, rows = eng.import_registry(fixtures / "registry" / "museofile.csv")
        assert (reader, added, rows) == ("museofile-base", 5, 5)
        m = eng.museums.list()
        louvre = m.filter(slug="louvre").row(0, named=True)
        assert louvre["museofile_id"] == "M5031" and louvre["region"] == "Île-de-France"
        assert m.filter(museofile_id="M1136")["name"][0] == "M1136 (Trélon)"
        # same-named museums both get their city in the slug; the short name is ambiguous
        assert {"beaux-arts-lyon", "beaux-arts-bordeaux"} <= set(m["slug"])
        with pytest.raises(AmbiguousMuseum):
            eng.museums.resolve("Musée des Beaux-Arts")
        # the second shape matches on the Muséofile id: nothing duplicated
        before = eng.store.table_digest()
        reader2, added2, _, rows2 = eng.import_registry(fixtures / "registry" / "located.csv")
        assert reader2 == "musees-de-france-located-list" and rows2 == 2 and added2 == 1
        assert eng.museums.resolve("muséum de toulouse") == "toulouse"
        eng.import_registry(fixtures / "registry" / "located.csv")
        assert eng.store.table_digest() != before  # toulouse was added once...
        after = eng.store.table_digest()
        eng.import_registry(fixtures / "registry" / "located.csv")
        assert eng.store.table_digest() == after  # ...and a re-import changes nothing


def test_real_registry_files(tmp_path: Path, shared_data: Path) -> None:
    with engagecore.open(tmp_path / "r.duckdb") as eng:
        _, added, _, rows = eng.import_registry(
            shared_data / "registry" / "liste-et-localisation-des-musees-de-france.csv"
        )
        assert rows == added and 1200 <= rows <= 1226  # ids repeat in this file: deduplicated
        _, added2, _, rows2 = eng.import_registry(
            shared_data / "registry" / "musees-de-france-base-museofile.csv"
        )
        assert rows2 >= 1220 and added2 < 20  # nearly all matched by Muséofile id
        assert eng.museums.resolve("Musée du Louvre") == "louvre"
        assert eng.museums.list().filter(slug="louvre")["museofile_id"][0] == "M5031"


def test_a_museum_with_several_registry_names_keeps_them_as_aliases(tmp_path: Path) -> None:
    """The located list gives a row per name of a museum (the real file: M7042 is "musée des
    Confluences", "musée Guimet" and "muséum d'histoire naturelle", all in Lyon); the
    Muséofile base joins them in one field with " ; ". The later names were dropped."""
    header = (
        "region_administrative;departement;identifiant_museofile;commune;nom_officiel_du_musee;"
        "adresse;lieu;code_postal;telephone;url;latitude;longitude\n"
    )
    row = "Auvergne-Rhône-Alpes;Rhône;M7042;Lyon;{};86 quai Perrache;;69002;;;45.7;4.8\n"
    located = tmp_path / "located.csv"
    located.write_text(
        header
        + row.format("musée des Confluences")
        + row.format("musée Guimet")
        + "Île-de-France;Paris;M0787;Paris;musée d'Orsay;;;75007;;;48.8;2.3\n"
        + row.format("muséum d'histoire naturelle"),
        encoding="utf-8",
    )
    base = tmp_path / "base.csv"
    base.write_text(
        "Identifiant,Nom_officiel,Adresse,Lieu,Code_postal,Ville,Departement,Région,URL\n"
        "M7042,musée des Confluences ; musée Guimet ; muséum d'histoire naturelle,"
        "86 quai Perrache,,69002,Lyon,Rhône,Auvergne-Rhône-Alpes,\n",
        encoding="utf-8",
    )
    for path, museums in ((located, 2), (base, 1)):
        with engagecore.open(tmp_path / f"{path.stem}.duckdb") as eng:
            _, added, _, listed = eng.import_registry(path)
            assert (added, listed) == (museums, museums)
            lyon = eng.museums.list().filter(museofile_id="M7042").row(0, named=True)
            assert lyon["name"] == "musée des Confluences"
            for other in (
                "muséum d'histoire naturelle",
                "Musée Guimet",
                "MUSÉUM D’HISTOIRE NATURELLE",
            ):
                assert eng.museums.resolve(other) == lyon["slug"], other


def test_linked_to_reads_a_handle_as_link_does(tmp_path: Path) -> None:
    """`museums link` says "moved from" with what linked_to finds: it must take the handle as
    link takes it (blanks, '@', any case), or a move goes unsaid."""
    with engagecore.open(tmp_path / "l.duckdb") as eng:
        eng.museums.add("Musée du Louvre", slug="louvre")
        eng.museums.add("Musée d'Orsay", slug="orsay")
        eng.link("louvre", "x", "MuseeLouvre")
        assert eng.museums.linked_to("x", " @museelouvre ") == ["louvre"]
        assert eng.museums.linked_to("x", "someone_else") == []
