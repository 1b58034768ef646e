"""``--account`` names the account of every file of an ingest run. A folder holding an
Instagram export that names no account and a YouTube Studio CSV: the Instagram importer's
"pass --account" led the user to run the folder again with it, which filed the YouTube CSV
under the Instagram username. Now the message gives the command that imports that file on
its own, and ``--account`` is refused for a run holding files of several networks."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
from cli_run import run

import engagecore
from engagecore.errors import FormatError, UsageError


def _mixed(fixtures: Path, shared_data: Path, folder: Path) -> Path:
    folder.mkdir()
    shutil.copy(shared_data / "real" / "instagram-posts_1.json", folder)
    shutil.copy(fixtures / "youtube" / "table_data_engagement.csv", folder / "Table data.csv")
    return folder


def _digest(db: Path) -> dict[str, str]:
    with engagecore.open(db) as eng:
        return eng.store.table_digest()


def test_a_file_of_a_folder_that_needs_account_gets_its_own_command(
    fixtures: Path,
    shared_data: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    _mixed(fixtures, shared_data, tmp_path / "exports")
    code, _, err = run(["ingest", "exports", "--db", "e.duckdb"], capsys)
    assert code == 1
    line = err.strip()
    assert "\n" not in line
    # the first file that names no account: the command imports it alone
    assert "import it on its own: engage ingest 'exports/Table data.csv' --account UC..." in line


def test_the_python_message_gives_the_call(
    fixtures: Path, shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _mixed(fixtures, shared_data, tmp_path / "exports")
    with engagecore.open(tmp_path / "e.duckdb") as eng, pytest.raises(FormatError) as info:
        eng.ingest("exports")
    assert "import it on its own: ingest('exports/Table data.csv', account='UC...')" in str(
        info.value
    )


def test_a_single_file_still_says_pass_account(
    fixtures: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "Table data.csv"
    shutil.copy(fixtures / "youtube" / "table_data_engagement.csv", path)
    code, _, err = run(["ingest", str(path), "--db", str(tmp_path / "e.duckdb")], capsys)
    assert code == 1
    assert "pass the channel id with --account UC..." in err
    assert "on its own" not in err


def test_account_for_a_folder_of_several_networks_is_refused(
    fixtures: Path,
    shared_data: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    _mixed(fixtures, shared_data, tmp_path / "exports")
    with engagecore.open(tmp_path / "e.duckdb") as eng:
        eng.ingest(fixtures / "spreadsheet" / "posts.csv")  # something already stored
    before = _digest(tmp_path / "e.duckdb")
    args = ["ingest", "exports", "--account", "musee_test", "--db", "e.duckdb"]
    code, out, err = run(args, capsys)
    assert code == 2, (out, err)
    line = err.strip()
    assert "\n" not in line
    assert "--account names one account" in line
    assert "2 networks" in line and "instagram" in line and "youtube" in line
    assert "engage ingest FILE --account musee_test" in line
    assert _digest(tmp_path / "e.duckdb") == before  # nothing stored


def test_account_in_python_for_several_networks_is_refused(
    fixtures: Path, shared_data: Path, tmp_path: Path
) -> None:
    folder = _mixed(fixtures, shared_data, tmp_path / "exports")
    with engagecore.open(tmp_path / "e.duckdb") as eng, pytest.raises(UsageError) as info:
        eng.ingest(folder, account="musee_test")
    assert "account= names one account" in str(info.value)


def test_account_for_a_folder_of_one_network_applies_to_its_files(
    fixtures: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "studio"
    folder.mkdir()
    for name in ("table_data_engagement.csv", "table_data_watchtime.csv"):
        shutil.copy(fixtures / "youtube" / name, folder / name)
    db = tmp_path / "e.duckdb"
    code, _, err = run(["ingest", str(folder), "--account", "UCabc", "--db", str(db)], capsys)
    assert code == 0, err
    with engagecore.open(db) as eng:
        accounts = eng.query("SELECT DISTINCT network, account_id FROM posts").rows()
    assert accounts == [("youtube", "UCabc")]


def test_following_the_commands_imports_the_whole_folder(
    fixtures: Path,
    shared_data: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    _mixed(fixtures, shared_data, tmp_path / "exports")
    given = {"UC...": "UCabc", "USERNAME": "musee_test"}
    for _ in range(3):
        code, _, err = run(["ingest", "exports", "--db", "e.duckdb"], capsys)
        if code == 0:
            break
        command = re.search(r"import it on its own: engage (ingest .*)$", err.strip())
        assert command is not None, err
        args = [given.get(a, a) for a in shlex.split(command.group(1))]
        assert run([*args, "--db", "e.duckdb"], capsys)[0] == 0
    assert code == 0
    with engagecore.open(tmp_path / "e.duckdb") as eng:
        accounts = set(eng.query("SELECT DISTINCT network, account_id FROM posts").rows())
    assert accounts == {("youtube", "UCabc"), ("instagram", "musee_test")}
