"""``engage report`` from the command line: the file, the language, and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_run import run
from report_data import Pages
from report_html import parse


def test_report_writes_the_page_and_says_where(
    pages: Pages, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.html"
    code, stdout, stderr = run(
        [
            "report",
            "louvre",
            "--db",
            str(pages.db),
            "--out",
            str(out),
            "--lang",
            "fr",
            "--period",
            "year",
        ],
        capsys,
    )
    assert code == 0, stderr
    assert str(out) in stdout and "MB" in stdout
    root = parse(out.read_text(encoding="utf-8"))
    assert root.iter("html")[0].attrs["lang"] == "fr"
    assert "par année" in root.text()
    assert not list(tmp_path.glob(".report-*"))  # no temporary file left


def test_language_defaults_to_the_locale(
    pages: Pages,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    out = tmp_path / "r.html"
    code, _, stderr = run(["report", "orsay", "--db", str(pages.db), "--out", str(out)], capsys)
    assert code == 0, stderr
    assert parse(out.read_text(encoding="utf-8")).iter("html")[0].attrs["lang"] == "fr"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["louvre", "--all"], "not both"),
        ([], "--all"),
        (["nosuchmuseum"], "nosuchmuseum"),
        (["louvre", "--period", "week"], "--period 'week'"),
        (["louvre", "--lang", "de"], "--lang 'de'"),
    ],
)
def test_bad_arguments_fail_in_one_line(
    pages: Pages,
    tmp_path: Path,
    args: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "r.html"
    code, _, stderr = run(["report", *args, "--db", str(pages.db), "--out", str(out)], capsys)
    assert code != 0
    assert message in stderr and len(stderr.strip().splitlines()) == 1, stderr
    assert not out.exists()


def test_out_in_a_missing_folder_fails_before_any_work(
    pages: Pages, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "missing" / "r.html"
    code, _, stderr = run(["report", "louvre", "--db", str(pages.db), "--out", str(out)], capsys)
    assert code != 0 and "does not exist" in stderr


def test_empty_store_says_what_to_do(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import engagecore

    db = tmp_path / "empty.duckdb"
    engagecore.open(db).close()
    out = tmp_path / "r.html"
    code, _, stderr = run(["report", "--all", "--db", str(db), "--out", str(out)], capsys)
    # a store without data is no usage error (2): the command line was right
    assert code == 1 and "engage ingest" in stderr and len(stderr.strip().splitlines()) == 1
    assert not out.exists()
