"""A museum name typed with its words in another order ("Orsay museum" for the registry's
"Musée d'Orsay") gets a "did you mean", wherever a name is resolved (the Python API,
``engage compare``, ``engage report``, ``engage museums link``); accents and case still do
not matter."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_run import run

import engagecore
from engagecore.errors import MuseumNotFound

LOCATED = "registry/liste-et-localisation-des-musees-de-france.csv"


@pytest.fixture
def small_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "names.duckdb"
    monkeypatch.setenv("ENGAGE_DB", str(path))
    with engagecore.open(path) as eng:
        eng.museums.add("Musée d'Orsay", slug="orsay", city="Paris")
        eng.museums.add("Musée du Louvre", slug="louvre", city="Paris")
        eng.museums.add("Musée des Beaux-Arts de Lyon", slug="mba-lyon", city="Lyon")
    return path


@pytest.mark.parametrize(
    ("typed", "slug"),
    [
        ("Orsay museum", "orsay"),
        ("ORSAY MUSÉE", "orsay"),
        ("orsay musee", "orsay"),
        ("Louvre museum", "louvre"),
        ("musée de Lyon des beaux-arts", "mba-lyon"),
        ("Beaux-Arts Lyon", "mba-lyon"),
    ],
)
def test_words_in_another_order_get_a_did_you_mean(small_db: Path, typed: str, slug: str) -> None:
    with engagecore.open(small_db) as eng, pytest.raises(MuseumNotFound) as err:
        eng.museums.resolve(typed)
    assert f"did you mean {slug}?" in str(err.value)


def test_an_unrelated_name_gets_no_suggestion(small_db: Path) -> None:
    with engagecore.open(small_db) as eng, pytest.raises(MuseumNotFound) as err:
        eng.museums.resolve("Guggenheim museum")
    assert "did you mean" not in str(err.value)


@pytest.mark.parametrize(
    "args",
    [
        ["compare", "Orsay museum", "louvre"],
        ["report", "Orsay museum"],
        ["museums", "link", "Orsay museum", "--network", "youtube", "--handle", "@museeorsay"],
    ],
)
def test_every_command_resolving_a_name_suggests(
    small_db: Path, args: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    if args[0] == "report":
        args = [*args, "--out", str(tmp_path / "r.html")]
    code, _, err = run(args, capsys)
    assert code != 0
    (line,) = err.strip().splitlines()
    assert "no museum called 'Orsay museum'; did you mean orsay?" in line


def test_the_real_registry_suggests_orsay(shared_data: Path, tmp_path: Path) -> None:
    path = tmp_path / "registry.duckdb"
    with engagecore.open(path) as eng:
        eng.import_registry(shared_data / LOCATED)
        for typed in ("Orsay museum", "ORSAY MUSÉE", "orsay musee"):
            with pytest.raises(MuseumNotFound) as err:
                eng.museums.resolve(typed)
            hint = str(err.value).split("did you mean ", 1)[-1].split("?")[0].split(", ")
            assert "orsay" in hint, str(err.value)
