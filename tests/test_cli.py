"""The ``engage`` command line, in process and through the installed executable."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from built_once import copy_of, demo_build, replay_demo
from cli_run import run

import engagecore
from engagecore import __version__
from engagecore.cli import main


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
    assert by_name["peertube"]["distribution"] == "engagecore-example"
    assert by_name["mastodon"]["distribution"] == "engagecore"
    assert set(by_name["x"]) == {"name", "version", "distribution", "module", "hooks"}
    code, out, _ = run(["plugins", "--all", "--format", "json"], capsys)
    by_name = {r["name"]: r for r in json.loads(out)}
    assert "importer:spreadsheet (any network)" in by_name["spreadsheet"]["provides"]


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
    assert code == 2 and err.startswith("engage: error: no museum called 'nowhere'")
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
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The README's first command, small: demo, then score and compare on its store."""
    monkeypatch.chdir(tmp_path)
    # the store an earlier `engage demo --museums 6 --seed 3` left (built once for the run)
    copy_of(demo_build(tmp_path_factory, museums=6, seed=3).db, tmp_path / "engage-demo.duckdb")
    code, out, err = run(["demo", "--museums", "6", "--seed", "3"], capsys)
    assert code == 0, err  # the default demo store is replaced, not refused
    assert "engage compare louvre pompidou" in out and "Next, try:" in out
    db = ["--db", "engage-demo.duckdb"]
    code, out, _ = run(["score", *db, "--format", "json", "--network", "instagram"], capsys)
    rows = json.loads(out)
    assert code == 0 and {r["network"] for r in rows} == {"instagram", "all"}
    for r in rows:
        s = r["engagement_score"]
        assert s is None or 0 <= s <= 100
        assert r["rate_basis"] in ("followers", "reach", "views", None)
        basis = r["young_basis"]
        assert basis in ("measured", "estimated (platform prior)", "estimated", None) or (
            basis.startswith("estimated (museum-adjusted, n = ")
        )
        assert "young_index_museums" in r and "typical_young_share_museums" in r
    code, out, _ = run(["score", *db, "--format", "csv", "--museum", "Musée du Louvre"], capsys)
    table = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and table and {r["museum"] for r in table} == {"louvre"}
    assert "young_index" in table[0] and "young_index_museums" in table[0]
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


def _scored_store(path: Path) -> Path:
    """A small store: museums on x, one museum named like rich markup, an unlinked account
    whose handle is markup too, and an instagram account alone in its cohort."""
    from datetime import UTC, datetime, timedelta

    t0 = datetime(2024, 3, 1, tzinfo=UTC)
    with engagecore.open(path) as eng:
        for i in range(8):
            eng.museums.add(f"Musée numéro {i}", slug=f"musee-{i}")
        eng.museums.add("[/] Musée [bold]crochet[/]", slug="crochet")  # markup in a name
        con = eng.store.con
        accounts = [("x", f"a{i}", f"musee-{i}", f"handle{i}") for i in range(6)]
        accounts += [("x", "a9", "crochet", "crochet"), ("x", "u1", None, "[/]")]
        accounts += [("instagram", "i1", "musee-0", "ig0")]
        # on x too: an account whose export has no counts, one with no follower count
        accounts += [("x", "nc", "musee-6", "nocounts"), ("x", "nf", "musee-7", "nofollowers")]
        con.executemany(
            "INSERT INTO accounts (network, account_id, museum, handle) VALUES (?, ?, ?, ?)",
            accounts,
        )
        rows = []
        for k, (net, acc, _, _) in enumerate(accounts):
            for j in range(15):
                likes = None if acc == "nc" else 10 * (k + 1) + j
                rows.append((net, f"{acc}-{j}", acc, t0 + timedelta(days=3 * j), likes))
        con.executemany(
            "INSERT INTO posts (network, post_id, account_id, posted_at, kind, is_own, "
            "hashtags, likes, observed_at, import_id) "
            "VALUES (?, ?, ?, ?, 'photo', true, ['expo'], ?, ?, 1)",
            [(*r, t0 + timedelta(days=100)) for r in rows],
        )
        con.executemany(
            "INSERT INTO follower_snapshots VALUES (?, ?, ?, ?, 1)",
            [
                (net, acc, t0, 1000 * (k + 1))
                for k, (net, acc, _, _) in enumerate(accounts)
                if acc != "nf"
            ],
        )
        eng.store.refresh_followers()
    return path


def _cli_at(width: int, args: list[str]) -> str:
    """The CLI's output in a terminal of ``width`` columns (in process, ``COLUMNS`` set as a
    shell would set it: the console reads it at each print)."""
    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(width)
    try:
        with contextlib.redirect_stdout(io.StringIO()) as buf:
            try:
                main(args)
            except SystemExit as exc:
                assert not exc.code, exc
    finally:
        if old is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = old
    return buf.getvalue()


def _numbers(text: str) -> set[str]:
    import re

    return set(re.findall(r"\d[\d,.]*%?", text))


def _fits(args: list[str], width: int) -> str:
    """The output at ``width`` columns: no line longer, and no number split across lines
    (every number it shows is one that the unconstrained, 400-column output shows)."""
    out = _cli_at(width, args)
    lines = out.splitlines()
    assert lines and all(len(line) <= width for line in lines), max(lines, key=len)
    wide = _numbers(_cli_at(400, args))
    assert _numbers(out) <= wide, _numbers(out) - wide
    return out


def test_score_table_unlinked_accounts_reasons_and_markup(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(_scored_store(tmp_path / "s.duckdb"))
    code, out, _ = run(["score", "--db", db, "--format", "json"], capsys)
    rows = json.loads(out)
    unlinked = [r for r in rows if r["museum"] == "@[/]" and r["network"] == "x"]
    assert code == 0 and unlinked and unlinked[0]["linked"] is False
    assert unlinked[0]["engagement_score"] is not None  # scored among the x accounts
    for width in (80, 60):
        out = _fits(["score", "--db", db], width)
        assert "@[/]" in out  # printed as it is, not read as markup
        flat = " ".join(out.split())
        assert "alone" in out and "alone in its cohort" in flat  # instagram: one account
        assert "no counts: no interaction counts in this export" in flat
        assert "no followers: no followers known — `engage followers add" in flat
        assert "engage museums link MUSEUM --network NET --handle HANDLE" in " ".join(out.split())
        header = "\n".join(out.splitlines()[1:3])
        assert "share" in header and "reach" in header  # young share, young reach
    # the ranking and a comparison print markup-like names and handles as they are
    board = _fits(["score", "--db", db, "--top", "10"], 80)
    # the name wraps in its column at 80 (two spaces between columns): "[/] Musée" then
    # "[bold]crochet[/]" on the next line, each as it is
    assert "[/] Musée" in board and "[bold]crochet[/]" in board and "@[/]" in board
    cards = _fits(["compare", "@[/]", "crochet", "--db", db], 60)
    assert "@[/]" in cards and "crochet" in cards
    # compare an unlinked account by its label; explain it
    code, out, err = run(["compare", "@[/]", "musee-1", "--db", db, "-f", "json"], capsys)
    assert code == 0, err
    table = json.loads(out)
    assert any(r["network"] == "x" and r["@[/] score"] is not None for r in table)
    code, out, err = run(["score", "--explain", "@[/]", "--db", db, "-f", "json"], capsys)
    assert code == 0 and json.loads(out)[0]["museum"] == "@[/]"


def _same_rows(a: list[dict[str, object]], b: list[dict[str, object]]) -> bool:
    """Rows with the same keys and values, floats within a relative 1e-12."""
    if len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=True):
        if x.keys() != y.keys():
            return False
        for k, v in x.items():
            w = y[k]
            if isinstance(v, float) and isinstance(w, float):
                if not math.isclose(v, w, rel_tol=1e-12, abs_tol=1e-15):
                    return False
            elif v != w:
                return False
    return True


def test_score_sort_top_is_the_demo_leaderboard(
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    # `engage demo --museums 8 --seed 1` prints what run_demo returned for that cohort and
    # seed: the run made once for the test run (built_once), its store copied where the
    # command asked for it (the demo itself runs in test_demo_score_compare_commands)
    replay_demo(demo_build(tmp_path_factory, museums=8, seed=1), monkeypatch)
    code, demo_out, err = run(["demo", "--museums", "8", "--seed", "1"], capsys)
    assert code == 0, err
    db = ["--db", "engage-demo.duckdb"]
    code, out, _ = run(["score", *db, "--top", "10"], capsys)
    assert code == 0
    board = out.split("\n*:")[0].rstrip("\n").splitlines()
    assert board[0].startswith("top museums") and len(board) >= 5
    demo_lines = demo_out.splitlines()
    start = demo_lines.index(board[0])
    assert demo_lines[start : start + len(board)] == board  # same rows, same look
    code, out, _ = run(["demo", "--museums", "8", "--seed", "1", "-f", "json"], capsys)
    demo_top = json.loads(out)
    code, out, _ = run(["score", *db, "--sort", "score", "--top", "10", "-f", "json"], capsys)
    # the same rows; floats equal but for their last bits (DuckDB's parallel sums may add in
    # another order in another process)
    assert _same_rows(json.loads(out), demo_top)
    # other sorts: ranked on their column, highest first
    for sort, column in (
        ("rate", "engagement_rate"),
        ("young", "young_reach"),
        ("young_share", "young_share"),
        ("followers", "followers"),
    ):
        code, out, _ = run(["score", *db, "--sort", sort, "--top", "3", "-f", "json"], capsys)
        ranked = json.loads(out)
        values = [r[column] for r in ranked]
        assert code == 0 and len(ranked) == 3 and values == sorted(values, reverse=True)
        assert [r["rank"] for r in ranked] == [1, 2, 3]
    with engagecore.open("engage-demo.duckdb", read_only=True) as eng:
        api = eng.score(sort="rate", top=3)
        assert api.get_column("rank").to_list() == [1, 2, 3]
        assert api.equals(eng.leaderboard(sort="rate", top=3))
    code, _, err = run(["score", *db, "--sort", "beauty"], capsys)
    assert code == 2 and "expected one of score, rate, young" in err
    for width in (80, 60):
        _fits(["score", *db, "--top", "10"], width)


def test_compare_and_explain_fit_the_terminal(
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    # the store `engage demo --museums 6 --seed 3` writes (built once for the run)
    copy_of(demo_build(tmp_path_factory, museums=6, seed=3).db, tmp_path / "engage-demo.duckdb")
    db = ["--db", "engage-demo.duckdb"]
    for width in (80, 60):
        out = _fits(["compare", "louvre", "pompidou", *db], width)
        flat = " ".join(out.split())
        assert "interval separation" in flat and "all — " in flat
        assert "after the size adjustment" in flat  # the "why" sentence
        assert "young share" in flat and "young reach" in flat
        out = _fits(["score", "--explain", "louvre", *db], width)
        # one block of network columns per width's worth (the demo's eight networks make
        # two at 80 columns, three at 60): each block stays short. The numbered notes under
        # the blocks (one per distinct source or reason) grow with the networks: not counted
        lines = out.splitlines()
        table = lines[: next(i for i, line in enumerate(lines) if line.startswith("(1) "))]
        blocks = sum(re.match(r"step +input", line) is not None for line in table)
        assert blocks >= 1 and len(table) < 100 * blocks
        assert "engagement" in out and "meaning" in out
