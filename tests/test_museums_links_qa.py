"""``engage museums links import`` of a file a person edited in a spreadsheet: the network as
they capitalise it, a profile's web address pasted for a handle (QA as a network's digital
team, h4)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_run import run
from test_museums_links import _accounts

import engagecore


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "links.duckdb"
    with engagecore.open(path) as eng:
        eng.museums.add("Musée du Louvre", slug="louvre", city="Paris", museofile_id="M5004")
        eng.museums.add("Musée d'Orsay", slug="orsay", city="Paris", museofile_id="M5010")
    return path


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


@pytest.mark.parametrize(
    "address",
    [
        "https://x.com/MuseeLouvre",
        "https://www.instagram.com/museelouvre/",
        "x.com/MuseeLouvre",
        "www.tiktok.com/@museelouvre",
    ],
)
def test_a_web_address_for_a_handle_is_refused_naming_the_line(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], address: str
) -> None:
    """It was stored as the handle: a second, bogus account of the museum."""
    f = tmp_path / "links.csv"
    f.write_text(f"museum,network,handle\norsay,x,MuseeOrsay\nlouvre,x,{address}\n", "utf-8")
    code, out, err = run(["museums", "links", "import", str(f), "--db", str(db)], capsys)
    assert code == 1 and out == ""
    assert err.strip() == (
        f"engage: error: {f}, record line 3: handle {address!r} is a web address; expected "
        "the account's handle alone (the last part of the address, without '@')"
    )
    assert _accounts(db) == []


def test_museums_link_refuses_a_web_address_too(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        ["museums", "link", "louvre", "--network", "x", "--handle", "https://x.com/MuseeLouvre",
         "--db", str(db)],
        capsys,
    )  # fmt: skip
    assert code != 0
    assert "handle 'https://x.com/MuseeLouvre' is a web address" in err
    assert len(err.strip().splitlines()) == 1
    assert _accounts(db) == []


def test_a_file_saved_by_excel_in_windows_1252_names_the_line_and_what_to_do(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Excel's plain "CSV" is Windows-1252 in France: 'é' is the byte 0xe9."""
    f = tmp_path / "links.csv"
    f.write_bytes(
        "museum;network;handle\nlouvre;x;MuseeLouvre\nmusée d'Orsay;x;o\n".encode("cp1252")
    )
    code, out, err = run(["museums", "links", "import", str(f), "--db", str(db)], capsys)
    assert code == 1 and out == ""
    assert err.strip() == (
        f"engage: error: {f}, record line 3: not UTF-8 text (byte 0xe9 at offset 46); "
        "save the file as UTF-8 (Excel: 'CSV UTF-8')"
    )
    assert _accounts(db) == []


@pytest.mark.parametrize("cell", ["5.567E+18", "5,567E+18", "5.56700083444934E+18"])
def test_an_account_id_a_spreadsheet_turned_into_a_rounded_number_is_refused(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], cell: str
) -> None:
    """A Facebook page id (5567000834449335547) opened in Excel comes back as 5,567E+18: it
    would be linked as an account of that name."""
    f = tmp_path / "links.csv"
    f.write_text(f'museum;network;handle;account_id\nlouvre;facebook;;"{cell}"\n', "utf-8")
    code, out, err = run(["museums", "links", "import", str(f), "--db", str(db)], capsys)
    assert code == 1 and out == ""
    assert err.strip() == (
        f"engage: error: {f}, record line 2: account_id {cell!r} is a number a spreadsheet "
        "rounded (scientific notation); give the handle, or format the column as text before "
        "typing the id"
    )
    assert _accounts(db) == []
