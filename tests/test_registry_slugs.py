"""Registry imports give each museum a short, unique, resolvable slug that never changes."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl
import pytest

import engagecore
from engagecore.cli import main
from engagecore.errors import AmbiguousMuseum
from engagecore.museums import long_slug

EXPECTED = {
    "M5031": "louvre",  # the curated table (data/museums.toml)
    "M5050": "pompidou",  # ditto, though the registry names it "musée national d'art moderne"
    "M9001": "beaux-arts-rouen",  # a name shared by several museums: with the city
    "M9002": "beaux-arts-dijon",
    "M9003": "vayrac",  # "musée municipal": nothing but generic words, the city alone
    "M9004": "mer-biarritz",  # "mer" is claimed by two museums
    "M9005": "mer-peche",
    "M9006": "jean-aicard-garde",  # a person's name stays whole
    "M9007": "jean-aicard-sollies-ville",
    "M9008": "liberation",  # the subtitles after " - " are left out
    "M9009": "grenoble",
    "M9010": "ceramique",
}


def _slugs(eng: engagecore.Engine) -> dict[str, str]:
    return dict(eng.museums.list().select("museofile_id", "slug").iter_rows())


def test_fixture_registry_gets_short_slugs_with_long_aliases(
    tmp_path: Path, fixtures: Path
) -> None:
    with engagecore.open(tmp_path / "r.duckdb") as eng:
        eng.import_registry(fixtures / "registry" / "slugs.csv")
        assert _slugs(eng) == EXPECTED
        for slug in EXPECTED.values():
            assert eng.museums.resolve(slug) == slug
        # the long slug (every word, then the city) stays usable as an alias
        assert (
            eng.museums.resolve(
                "liberation-de-paris-musee-du-general-leclerc-musee-jean-moulin-paris"
            )
            == "liberation"
        )
        assert eng.museums.resolve("Beaubourg") == "pompidou"  # the curated table's aliases
        assert eng.museums.resolve("musée de Grenoble") == "grenoble"
        with pytest.raises(AmbiguousMuseum):
            eng.museums.resolve("musée des Beaux-Arts")
        # a re-import changes nothing
        before = eng.store.table_digest()
        eng.import_registry(fixtures / "registry" / "slugs.csv")
        assert eng.store.table_digest() == before


def test_a_slug_once_given_never_changes(tmp_path: Path, fixtures: Path) -> None:
    with engagecore.open(tmp_path / "r.duckdb") as eng:
        # given earlier (by hand, or by an older engagecore's registry import)
        eng.museums.add("musée des Beaux-Arts", slug="beaux-arts", city="Rouen")
        eng.import_registry(fixtures / "registry" / "slugs.csv")
        slugs = _slugs(eng)
        assert slugs["M9001"] == "beaux-arts"  # matched by name and city: kept
        assert slugs["M9002"] == "beaux-arts-dijon"
        # a later registry brings one more "musée des Beaux-Arts": it does not take the
        # short name from the others, nor any slug already given
        extra = tmp_path / "more.csv"
        extra.write_text(
            "region_administrative;identifiant_museofile;commune;nom_officiel_du_musee\n"
            "Grand Est;M9101;Nancy;musée des Beaux-Arts\n"
            "Occitanie;M9102;Lunel;musée municipal\n"
            "Occitanie;M9103;Vayrac;musée d'art\n",
            encoding="utf-8",
        )
        eng.import_registry(extra)
        after = _slugs(eng)
        assert {k: after[k] for k in slugs} == slugs
        assert after["M9101"] == "beaux-arts-nancy"
        assert after["M9102"] == "lunel"
        assert after["M9103"] == "art-vayrac"  # "art" is claimed by the art-moderne museum


def test_real_registry_slugs_are_short_unique_resolvable_and_stable(
    tmp_path: Path, shared_data: Path
) -> None:
    located = shared_data / "registry" / "liste-et-localisation-des-musees-de-france.csv"
    base = shared_data / "registry" / "musees-de-france-base-museofile.csv"
    with engagecore.open(tmp_path / "r.duckdb") as eng:
        eng.import_registry(located)
        eng.import_registry(base)
        m = eng.museums.list()
        slugs = m["slug"]
        assert slugs.n_unique() == m.height > 1200
        lengths = slugs.str.len_chars()
        # measured: median 14, 90 % ≤ 24, max 39 characters (the long slugs: median 19,
        # max 98)
        assert lengths.median() <= 16  # type: ignore[operator]
        assert (lengths <= 24).mean() >= 0.85  # type: ignore[operator]
        assert lengths.max() <= 45  # type: ignore[operator]
        ids = dict(m.select("museofile_id", "slug").iter_rows())
        assert (ids["M5031"], ids["M5050"], ids["M5060"]) == ("louvre", "pompidou", "orsay")
        for slug, name, city in m.select("slug", "name", "city").iter_rows():
            assert eng.museums.resolve(slug) == slug
            assert eng.museums.resolve(long_slug(name, city)) == slug  # the alias
        before = eng.store.table_digest()
        eng.import_registry(located)
        eng.import_registry(base)
        assert eng.store.table_digest() == before
    # the same files into a new store give the same slugs
    with engagecore.open(tmp_path / "again.duckdb") as eng:
        eng.import_registry(located)
        eng.import_registry(base)
        again = eng.museums.list().select("museofile_id", "name", "slug")
    assert again.sort("slug").equals(m.select("museofile_id", "name", "slug").sort("slug"))


def test_museums_list_shows_the_city(
    tmp_path: Path, fixtures: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "r.duckdb"
    with engagecore.open(db) as eng:
        eng.import_registry(fixtures / "registry" / "slugs.csv")
    with pytest.raises(SystemExit) as done:
        main(["museums", "list", "--db", str(db), "--format", "csv"])
    assert done.value.code in (0, None)
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert list(rows[0])[:4] == ["slug", "name", "city", "accounts"]
    by_slug = {r["slug"]: r["city"] for r in rows}
    assert by_slug["beaux-arts-rouen"] == "Rouen" and by_slug["vayrac"] == "Vayrac"
    assert pl.DataFrame(rows).height == len(EXPECTED)
