"""The ``engage`` command line, in process and through the installed executable."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import engagecore
from engagecore import __version__
from engagecore.cli import main


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_help_and_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["--help"], capsys)
    assert code == 0 and "ingest" in out and "museums" in out and "plugins" in out
    code, out, _ = run(["--version"], capsys)
    assert code == 0 and f"engage {__version__}" in out and "plugin x" in out


def test_plugins_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["plugins", "--format", "json"], capsys)
    rows = json.loads(out)
    assert code == 0 and isinstance(rows, list)
    by_name = {r["name"]: r for r in rows}
    assert by_name["mastodon"]["distribution"] == "engagecore-example"
    assert set(by_name["x"]) == {"name", "version", "distribution", "module", "hooks"}
    code, out, _ = run(["plugins", "--all", "--format", "json"], capsys)
    by_name = {r["name"]: r for r in json.loads(out)}
    assert "importer:spreadsheet" in by_name["spreadsheet"]["provides"]


def test_ingest_and_museums(
    tmp_path: Path, fixtures: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "c.duckdb")
    code, out, _ = run(
        ["ingest", str(fixtures / "spreadsheet"), "--db", db, "--format", "json"], capsys
    )
    assert code == 0
    rows = json.loads(out)
    assert rows[0]["status"] == "imported" and rows[0]["posts"] == 3
    code, out, _ = run(["museums", "list", "--db", db, "--format", "csv"], capsys)
    table = list(csv.DictReader(io.StringIO(out)))
    assert [r["slug"] for r in table] == ["louvre"] and table[0]["accounts"] == "2"
    code, out, _ = run(
        ["museums", "add", "Centre Pompidou", "--slug", "pompidou", "--db", db], capsys
    )
    assert code == 0 and out.strip() == "pompidou"
    code, out, _ = run(["museums", "alias", "pompidou", "Beaubourg", "--db", db], capsys)
    assert code == 0
    code, out, _ = run(
        [
            "museums",
            "link",
            "beaubourg",
            "--network",
            "x",
            "--handle",
            "CentrePompidou",
            "--db",
            db,
        ],
        capsys,
    )
    assert code == 0 and "pompidou" in out


def test_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "weird.bin"
    bad.write_bytes(b"\x00\x01garbage")
    db = str(tmp_path / "c.duckdb")
    code, _out, err = run(["ingest", str(bad), "--db", db], capsys)
    assert code == 1
    assert (
        err.count("\n") == 1
        and "binary data, not a JSON or CSV export" in err
        and "Traceback" not in err
    )
    code, _, err = run(["museums", "alias", "nowhere", "x", "--db", db], capsys)
    assert code == 1 and err.startswith("engage: error: no museum called 'nowhere'")
    code, _, err = run(["ingest", "--network", "nope", str(bad), "--db", db], capsys)
    assert code == 1 and "no importer for it" in err


def test_env_db_is_honoured(
    tmp_path: Path,
    fixtures: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ENGAGE_DB", str(tmp_path / "env.duckdb"))
    code, _, _ = run(["ingest", str(fixtures / "spreadsheet" / "posts.csv")], capsys)
    assert code == 0 and (tmp_path / "env.duckdb").exists()


def _engage() -> str:
    exe = Path(sys.executable).with_name("engage")
    found = str(exe) if exe.exists() else shutil.which("engage")
    assert found, "the engage console script is not installed"
    return found


def test_installed_executable_end_to_end(tmp_path: Path, fixtures: Path) -> None:
    env = {**os.environ, "ENGAGE_DB": str(tmp_path / "e.duckdb")}
    env.pop("ENGAGE_DEBUG", None)
    ok = subprocess.run(
        [_engage(), "ingest", str(fixtures / "spreadsheet" / "posts.csv"), "--format", "csv"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert "imported" in ok.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("network,account,post_id,posted_at,likes\nx,a,1,yesterday,3\n", encoding="utf-8")
    with engagecore.open(tmp_path / "e.duckdb") as eng:
        before = eng.store.table_digest()
    fail = subprocess.run(
        [_engage(), "ingest", str(bad)], capture_output=True, text=True, env=env, check=False
    )
    assert fail.returncode != 0
    lines = fail.stderr.strip().splitlines()
    assert (
        len(lines) == 1 and "bad.csv" in lines[0] and "'yesterday' is not a date-time" in lines[0]
    )
    assert "Traceback" not in fail.stderr
    with engagecore.open(tmp_path / "e.duckdb") as eng:
        assert eng.store.table_digest() == before  # the failed import kept nothing
    mod = subprocess.run(
        [sys.executable, "-m", "engagecore", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert mod.returncode == 0 and "engage" in mod.stdout


def test_demo_score_compare_commands(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's first command, small: demo, then score and compare on its store."""
    monkeypatch.chdir(tmp_path)
    code, out, err = run(["demo", "--museums", "6", "--seed", "3"], capsys)
    assert code == 0, err
    assert "engage compare louvre pompidou" in out and "Next, try:" in out
    assert (tmp_path / "engage-demo.duckdb").exists()
    code, out, err = run(["demo", "--museums", "6", "--seed", "3"], capsys)
    assert code == 0, err  # the default demo store is replaced, not refused
    db = ["--db", "engage-demo.duckdb"]
    code, out, _ = run(["score", *db, "--format", "json", "--network", "instagram"], capsys)
    rows = json.loads(out)
    assert code == 0 and {r["network"] for r in rows} == {"instagram", "all"}
    for r in rows:
        s = r["engagement_score"]
        assert s is None or 0 <= s <= 100
        assert r["rate_basis"] in ("followers", "reach", "views", None)
        assert r["young_basis"] in ("measured", "estimated", None)
    code, out, _ = run(["score", *db, "--format", "csv", "--museum", "Musée du Louvre"], capsys)
    table = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and table and {r["museum"] for r in table} == {"louvre"}
    code, out, _ = run(["compare", "louvre", "pompidou", *db, "--format", "json"], capsys)
    comp = json.loads(out)
    assert code == 0 and "louvre score" in comp[0] and "pompidou score" in comp[0]
    code, out, _ = run(["compare", "louvre", "pompidou", *db, "-f", "json", "--drivers"], capsys)
    drivers = json.loads(out)
    assert code == 0 and {d["museum"] for d in drivers} <= {"louvre", "pompidou"}
    code, out, _ = run(["score", *db, "--explain", "louvre", "--format", "json"], capsys)
    assert code == 0 and json.loads(out)
    # the terminal table: every line fits 80 columns, figures whole (never cut by "…")
    code, out, _ = run(["score", *db, "--museum", "louvre", "--period", "year"], capsys)
    assert code == 0 and all(len(line) <= 80 for line in out.splitlines())
    assert "…" not in out and "period" in out and "score" in out
    louvre = [r for r in rows if r["museum"] == "louvre" and r["network"] == "instagram"]
    first = next(r for r in louvre if r["engagement_score"] is not None)
    code, out, _ = run(["score", *db, "--network", "instagram"], capsys)
    low, high = first["engagement_score_low"], first["engagement_score_high"]
    assert f"{first['engagement_score']:.0f} [{low:.0f}–{high:.0f}]" in out
    assert "period: all" in out  # a column every row shares goes to the caption
    code, _, err = run(["compare", "louvre", *db], capsys)
    assert code == 2 and "at least two museums" in err
