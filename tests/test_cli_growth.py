"""``engage score --with-growth``: the growth score and the composite, in every format."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from built_once import copy_of, demo_build
from cli_run import run


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    built = demo_build(tmp_path_factory, museums=8, seed=1)
    return str(copy_of(built.db, tmp_path_factory.mktemp("growth") / "demo.duckdb"))


def test_table_shows_growth_and_performance_only_when_asked(
    db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    code, out, err = run(["score", "--db", db], capsys)
    assert code == 0, err
    header = next(line for line in out.splitlines() if line.startswith("museum"))
    assert "perf." not in out and "growth" not in header
    code, out, err = run(["score", "--db", db, "--with-growth"], capsys)
    assert code == 0, err
    header = next(line for line in out.splitlines() if line.startswith("museum")).split()
    assert header[header.index("score") + 1 : header.index("score") + 3] == ["growth", "perf."]
    assert "as Fanpage Karma's PPI" in " ".join(out.split())
    assert max(len(line) for line in out.splitlines()) <= 80


def test_csv_and_json_carry_the_growth_columns(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["score", "--db", db, "--format", "csv"], capsys)
    assert code == 0, err
    head = next(csv.reader(io.StringIO(out)))
    assert {"growth_score", "growth_score_low", "growth_score_high", "follower_growth"} <= set(head)
    assert "performance_score" not in head  # and the growth columns empty: not asked for
    code, out, err = run(["score", "--db", db, "--format", "json", "--with-growth"], capsys)
    assert code == 0, err
    rows = json.loads(out)
    scored = [r for r in rows if r["growth_score"] is not None]
    assert scored, "the demo's snapshots give some growth scores"
    for r in scored:
        assert r["growth_score_low"] <= r["growth_score"] <= r["growth_score_high"]
        if r["engagement_score"] is not None:
            assert r["performance_score"] == pytest.approx(
                (r["engagement_score"] * r["growth_score"]) ** 0.5
            )


def test_explain_shows_the_growth_steps(
    db: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out_file = tmp_path / "explain.csv"
    code, _, err = run(
        [
            *("score", "--db", db, "--explain", "louvre", "--with-growth"),
            *("--format", "csv", "--output", str(out_file)),
        ],
        capsys,
    )
    assert code == 0, err
    rows = list(csv.DictReader(out_file.open()))
    inputs = {r["input"] for r in rows if r["step"] == "9 growth"}
    assert {"growth score", "log growth g", "growth index e", "shrinkage weight w"} <= inputs


def test_sort_growth_ranks_by_the_growth_score_with_its_interval(
    db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # the ranking computes the growth score it sorts on, without --with-growth
    code, out, err = run(["score", "--db", db, "--sort", "growth", "--format", "json"], capsys)
    assert code == 0, err
    rows = json.loads(out)
    assert rows, "the demo's snapshots give some growth scores"
    scores = [r["growth_score"] for r in rows]
    assert scores == sorted(scores, reverse=True)
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    for r in rows:
        assert r["growth_score_low"] <= r["growth_score"] <= r["growth_score_high"]
    # the table: a growth column beside the score, "score [low–high]" in each cell
    monkeypatch.setenv("COLUMNS", "80")
    code, out, err = run(["score", "--db", db, "--sort", "growth", "--top", "3"], capsys)
    assert code == 0, err
    assert "by growth score" in out
    first = rows[0]
    cell = (
        f"{first['growth_score']:.0f} [{first['growth_score_low']:.0f}–"
        f"{first['growth_score_high']:.0f}]"
    )
    assert cell in out
    # other rankings show no growth unless it was computed
    code, out, err = run(["score", "--db", db, "--sort", "score", "--top", "3"], capsys)
    assert code == 0, err
    assert "growth" not in out


def test_compare_with_growth_shows_the_growth_score_and_interval(
    db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    code, out, err = run(["compare", "louvre", "pompidou", "--db", db, "--no-drivers"], capsys)
    assert code == 0, err
    assert "growth score" not in out
    code, out, err = run(
        ["compare", "louvre", "pompidou", "--db", db, "--with-growth", "--format", "json"], capsys
    )
    assert code == 0, err
    rows = json.loads(out)
    grown = [r for r in rows if r["louvre growth"] is not None]
    assert grown, "the demo's snapshots give louvre a growth score"
    for r in grown:
        assert r["louvre growth_low"] <= r["louvre growth"] <= r["louvre growth_high"]
    code, out, err = run(
        ["compare", "louvre", "pompidou", "--db", db, "--with-growth", "--no-drivers"], capsys
    )
    assert code == 0, err
    r = grown[0]
    assert "growth score" in out and "growth interval" in out
    assert f"{r['louvre growth_low']:.0f}–{r['louvre growth_high']:.0f}" in out
