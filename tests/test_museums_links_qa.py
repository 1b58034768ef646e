"""``engage museums links import`` of a file a person edited in a spreadsheet: the network as
they capitalise it, a profile's web address pasted for a handle (QA as a network's digital
team, h4)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_run import run

import engagecore
from engagecore.store import Store


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "links.duckdb"
    with engagecore.open(path) as eng:
        eng.museums.add("Musée du Louvre", slug="louvre", city="Paris", museofile_id="M5004")
        eng.museums.add("Musée d'Orsay", slug="orsay", city="Paris", museofile_id="M5010")
    return path


def _accounts(path: Path) -> list[tuple[str, str, str | None, str | None]]:
    store = Store(path, read_only=True)
    try:
        return [
            tuple(r)  # type: ignore[misc]
            for r in store.fetchall(
                "SELECT network, account_id, museum, linked_by FROM accounts ORDER BY ALL"
            )
        ]
    finally:
        store.close()


def test_network_names_are_read_in_any_case(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "links.csv"
    f.write_bytes(
        "\ufeffmuseum;network;handle\r\nlouvre;X;MuseeLouvre\r\norsay; Instagram ;@museeorsay\r\n".encode()
    )
    code, _, err = run(["museums", "links", "import", str(f), "--db", str(db)], capsys)
    assert code == 0, err
    assert _accounts(db) == [
        ("instagram", "museeorsay", "orsay", "import"),
        ("x", "MuseeLouvre", "louvre", "import"),
    ]
