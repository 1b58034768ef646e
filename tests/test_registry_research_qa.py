"""QA as a researcher building a dataset (h8): a store whose museums were added by hand (or by
`engage demo`) before the registry is imported must end with one museum per Muséofile id, so
that a join with the registry, and `engage adoption`'s count of it, are right."""

from __future__ import annotations

from pathlib import Path

import pytest

import engagecore

LOCATED = "liste-et-localisation-des-musees-de-france.csv"
BASE = "musees-de-france-base-museofile.csv"


@pytest.mark.parametrize("first", [LOCATED, BASE])
def test_a_museum_added_by_name_takes_every_registry_row_of_its_id(
    tmp_path: Path, shared_data: Path, first: str
) -> None:
    """Lyon's M7042 is listed as "musée des Confluences", "musée Guimet" and "muséum
    d'histoire naturelle": the museum added as "Musée des Confluences" matches the first by
    name and city, and takes the other two as aliases, not as museums of their own."""
    with engagecore.open(tmp_path / "r.duckdb") as eng:
        eng.museums.add("Musée des Confluences", slug="confluences", city="Lyon")
        for name in (first, *({LOCATED, BASE} - {first})):
            eng.import_registry(shared_data / "registry" / name)
        m = eng.museums.list()
        with_id = m.filter(m["museofile_id"].is_not_null())
        assert with_id["museofile_id"].n_unique() == with_id.height  # one museum per id
        (slug,) = with_id.filter(with_id["museofile_id"] == "M7042")["slug"]
        assert slug == "confluences"
        aliases = eng.store.fetchall("SELECT alias FROM museum_aliases WHERE slug = 'confluences'")
        assert {"musée Guimet", "muséum d'histoire naturelle"} <= {a for (a,) in aliases}
        registry = eng.adoption()["registry"].unique().to_list()
        assert registry in ([], [with_id.height])


@pytest.mark.parametrize("first", [LOCATED, BASE])
def test_each_region_is_spelt_one_way_whatever_the_registry_file(
    tmp_path: Path, shared_data: Path, first: str
) -> None:
    """The located list writes "Île-de-France", "Pays-de-la-Loire" and
    "Provence-Alpes-Côte-d'Azur", the Muséofile base "Ile-de-France", "Pays de la Loire" and
    "Provence-Alpes-Côte d'Azur": a `GROUP BY region` must not split a region in two. The
    regions get their official names (INSEE); the overseas groupings, which the two files
    cut differently, stay as written."""
    from engagecore.museums import fold

    with engagecore.open(tmp_path / "r.duckdb") as eng:
        eng.museums.add("Musée fictif", city="Nantes", region="pays de la loire")
        for name in (first, *({LOCATED, BASE} - {first})):
            eng.import_registry(shared_data / "registry" / name)
        regions = dict(eng.store.fetchall("SELECT region, count(*) FROM museums GROUP BY region"))
    by_key: dict[str, list[str]] = {}
    for region in regions:
        by_key.setdefault(fold(region or ""), []).append(region)
    assert [v for v in by_key.values() if len(v) > 1] == []
    assert {"Île-de-France", "Pays de la Loire", "Provence-Alpes-Côte d'Azur"} <= set(regions)
    assert regions["Île-de-France"] > 130 and regions["Pays de la Loire"] > 50
