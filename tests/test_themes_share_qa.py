"""``engage themes`` at a terminal gives each factor's share of the posts in %, one decimal
("27.2%", "0.7%"); it printed fractions whose decimals varied with their size (0.27 beside
0.00706). json keeps the fraction."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from built_once import copy_of, demo_build
from cli_run import run


def test_themes_share_is_a_percent_with_one_decimal_at_a_terminal(
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db = copy_of(demo_build(tmp_path_factory, museums=12, seed=0).db, tmp_path / "d.duckdb")
    monkeypatch.setenv("COLUMNS", "80")
    code, out, err = run(["themes", "--db", str(db), "--format", "json"], capsys)
    assert code == 0, err
    rows = json.loads(out)
    shares = {(r["factor"], r["label"]): r["share"] for r in rows}
    assert any(s < 0.01 for s in shares.values())  # a small share, as the bug showed it
    code, out, err = run(["themes", "--db", str(db)], capsys)
    assert code == 0, err
    lines = out.splitlines()
    header = next(line for line in lines if line.startswith("factor"))
    assert header.rstrip().endswith("share")
    at = header.index("share")
    table = lines[lines.index(header) + 2 :]
    seen = {}
    for line in table:
        if not line.strip() or line.startswith("lift =") or not line[:1].strip():
            continue  # the caption, a wrapped label's second line
        if not line.startswith(("theme", "format", "weekday", "hour", "length", "daypart")):
            continue
        cell = line[at - 2 :].strip()
        assert re.fullmatch(r"\d{1,3}\.\d%", cell), line
        seen[line.split()[0]] = cell
    assert len(seen) >= 3
    shown = sorted(float(c.rstrip("%")) for c in re.findall(r"(\d+\.\d)%", out))
    expected = sorted(round(s * 100, 1) for s in shares.values())
    assert len(shown) == len(expected)
    assert all(abs(a - b) <= 0.051 for a, b in zip(shown, expected, strict=True))
