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


@pytest.mark.parametrize("command", ["score", "young"])
def test_an_empty_result_says_which_filter_left_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    """A researcher asking for a registry museum that has no account, or for dates with no
    post, is told so — not to "import some" posts into a store that has them."""
    from cli_run import run

    db = tmp_path / "store.duckdb"
    fixtures = Path(__file__).resolve().parent / "fixtures"
    code, _, err = run(["ingest", str(fixtures / "spreadsheet"), "--db", str(db)], capsys)
    assert code == 0, err
    with engagecore.open(db) as eng:
        eng.museums.add("Musée Oberlin", slug="oberlin", city="Waldersbach")
    museum = ("--museum", "oberlin") if command == "score" else ("oberlin",)
    cases = {
        museum: "oberlin has no linked account",
        ("--network", "tiktok"): "no post on tiktok",
    }
    if command == "young":  # score gives each account a row: "no posts in the period"
        cases[("--since", "2099-01-01")] = "no post from 2099-01-01"
    for args, said in cases.items():
        code, out, err = run([command, *args, "--db", str(db), "--format", "csv"], capsys)
        assert code == 0, err
        (line,) = err.strip().splitlines()
        assert said in line and "import some" not in line, (args, line)
        assert len(out.strip().splitlines()) == 1  # the header: a script reads no row
