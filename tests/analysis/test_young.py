"""``engage young`` / ``Engine.young``: young share and reach per period, measured and
estimated marked apart, the same figures as ``engage score``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from cli_run import run

import engagecore
from engagecore.analysis.young import YOUNG_COLUMNS, young_over_time

T0 = datetime(2024, 1, 3, tzinfo=UTC)

#: louvre's Instagram audience: read in April (0.40 young of 0.95 reported: 5 % withheld)
#: and in October (0.50 young of 1.0).
APRIL = [("13-17", 13, 17, 0.10), ("18-24", 18, 24, 0.30), ("25-34", 25, 34, 0.40)]
APRIL += [("35-44", 35, 44, 0.15)]
OCTOBER = [("13-17", 13, 17, 0.20), ("18-24", 18, 24, 0.30), ("25-64", 25, 64, 0.50)]


def _store(path: Path) -> Path:
    """louvre on instagram (audience ages measured) and x, orsay on instagram and x, a post
    every 4 days through 2024, follower snapshots in January and July."""
    with engagecore.open(path) as eng:
        eng.museums.add("Musée du Louvre", slug="louvre")
        eng.museums.add("Musée d'Orsay", slug="orsay")
        con = eng.store.con
        accounts = [
            ("instagram", "li", "louvre", 10_000),
            ("x", "lx", "louvre", 4_000),
            ("instagram", "oi", "orsay", 6_000),
            ("x", "ox", "orsay", 2_000),
        ]
        con.executemany(
            "INSERT INTO accounts (network, account_id, museum, handle) VALUES (?, ?, ?, ?)",
            [(n, a, m, a) for n, a, m, _ in accounts],
        )
        posts = [
            (n, f"{a}-{j}", a, T0 + timedelta(days=4 * j), 5 + (j * 7 + k) % 23)
            for k, (n, a, _, _) in enumerate(accounts)
            for j in range(90)
        ]
        con.executemany(
            "INSERT INTO posts (network, post_id, account_id, posted_at, kind, is_own, "
            "likes, comments, observed_at, import_id) "
            "VALUES (?, ?, ?, ?, 'photo', true, ?, 1, ?, 1)",
            [(*p, datetime(2025, 2, 1, tzinfo=UTC)) for p in posts],
        )
        snaps = [(n, a, datetime(2024, 1, 1, tzinfo=UTC), f) for n, a, _, f in accounts]
        snaps += [(n, a, datetime(2024, 7, 1, tzinfo=UTC), f * 6 // 5) for n, a, _, f in accounts]
        con.executemany("INSERT INTO follower_snapshots VALUES (?, ?, ?, ?, 1)", snaps)
        ages = [
            ("instagram", "li", when, band, lo, hi, share, "followers", 1)
            for when, bands in (
                (datetime(2024, 4, 15, tzinfo=UTC), APRIL),
                (datetime(2024, 10, 15, tzinfo=UTC), OCTOBER),
            )
            for band, lo, hi, share in bands
        ]
        con.executemany("INSERT INTO audience_age VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", ages)
        eng.store.refresh_followers()
    return path


def test_measured_and_estimated_young_reach_per_quarter(tmp_path: Path) -> None:
    db = _store(tmp_path / "s.duckdb")
    with engagecore.open(db, read_only=True) as eng:
        frame = eng.young()
    assert frame.columns == list(YOUNG_COLUMNS)
    assert "all" not in set(frame["network"])
    louvre = frame.filter(museum="louvre", network="instagram").sort("period_key").to_dicts()
    assert [r["period"] for r in louvre] == ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"]
    assert {r["young_basis"] for r in louvre} == {"measured"}
    # Q1–Q3: the April reading (Q1 has none before its end: the first after it)
    april = 0.40 / 0.95
    followers = [10_000, 10_000, 12_000, 12_000]
    shares = [april, april, april, 0.5]
    assert [r["young_share"] for r in louvre] == pytest.approx(shares)
    assert [r["young_reach"] for r in louvre] == [
        round(s * f) for s, f in zip(shares, followers, strict=True)
    ]
    # the withheld 5 %: all old (0.40) or all young (0.45); × the audience for the reach
    q1 = louvre[0]
    assert (q1["young_share_low"], q1["young_share_high"]) == pytest.approx((0.40, 0.45))
    assert (q1["young_reach_low"], q1["young_reach_high"]) == (4_000, 4_500)
    # the others have no age data: the network's prior, the same share everywhere
    estimated = frame.filter(pl.col("young_basis") == "estimated (platform prior)")
    assert set(zip(estimated["museum"], estimated["network"], strict=True)) == {
        ("louvre", "x"),
        ("orsay", "instagram"),
        ("orsay", "x"),
    }
    for network in ("x", "instagram"):
        rows = estimated.filter(network=network)
        assert rows["young_share"].n_unique() == 1
        assert rows["young_share"].to_list() == rows["typical_young_share"].to_list()
        assert rows["young_index"].to_list() == pytest.approx([1.0] * rows.height)


def test_young_figures_equal_those_of_engage_score(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _store(tmp_path / "s.duckdb")
    shared = [c for c in YOUNG_COLUMNS if not c.startswith("young_reach_")]
    for period in ("quarter", "year", "month"):
        code, out, _ = run(["score", "--db", str(db), "--period", period, "-f", "json"], capsys)
        assert code == 0, out
        scores = {(r["museum"], r["network"], r["period"]): r for r in json.loads(out)}
        code, out, _ = run(["young", "--db", str(db), "--period", period, "-f", "json"], capsys)
        assert code == 0
        young = json.loads(out)
        network_rows = [k for k in scores if k[1] != "all"]
        assert sorted((r["museum"], r["network"], r["period"]) for r in young) == sorted(
            network_rows
        )
        for row in young:
            score = scores[(row["museum"], row["network"], row["period"])]
            assert {c: row[c] for c in shared} == {c: score[c] for c in shared}


def test_filters_and_the_library_on_a_score_frame(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = _store(tmp_path / "s.duckdb")
    with engagecore.open(db, read_only=True) as eng:
        some = eng.young(["Musée d'Orsay"], networks=["x"], period="year")
        scores = eng.score(period="quarter")
        direct = eng.young()
    assert some.select("museum", "network", "period").rows() == [("orsay", "x", "2024")]
    assert young_over_time(scores).equals(direct)
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = run(["young", "louvre", "--db", str(db)], capsys)
    assert code == 0 and all(len(line) <= 80 for line in out.splitlines())
    assert "measured" in out and "estimated" in out and "42.1%" in out
    code, out, _ = run(["young", "--db", str(db), "-f", "csv", "--network", "x"], capsys)
    assert code == 0 and out.splitlines()[0].startswith("museum,network,period,young_basis")
    assert len(out.splitlines()) == 1 + 2 * 4
