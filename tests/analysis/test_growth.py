"""``engage growth`` / ``Engine.growth``: followers per period from planted snapshots."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from cli_run import run

import engagecore
from engagecore.errors import UsageError


def _d(y: int, m: int, d: int = 1, h: int = 12) -> datetime:
    return datetime(y, m, d, h, tzinfo=UTC)


def _store(path: Path, snapshots: list[tuple[str, str, datetime, int]]) -> Path:
    """Museums louvre (x and instagram) and orsay (x), an unlinked x account ``@solo``,
    one post each, and the given (network, account_id, observed_at, followers) snapshots."""
    with engagecore.open(path) as eng:
        eng.museums.add("Musée du Louvre", slug="louvre")
        eng.museums.add("Musée d'Orsay", slug="orsay")
        con = eng.store.con
        accounts = [
            ("x", "lx", "louvre", "MuseeLouvre"),
            ("instagram", "li", "louvre", "museelouvre"),
            ("x", "ox", "orsay", "MuseeOrsay"),
            ("x", "sx", None, "solo"),
        ]
        con.executemany(
            "INSERT INTO accounts (network, account_id, museum, handle) VALUES (?, ?, ?, ?)",
            accounts,
        )
        con.executemany(
            "INSERT INTO posts (network, post_id, account_id, posted_at, kind, is_own, "
            "likes, observed_at, import_id) VALUES (?, ?, ?, ?, 'photo', true, 1, ?, 1)",
            [(n, f"{a}-0", a, _d(2024, 1, 2), _d(2025, 6, 1)) for n, a, _, _ in accounts],
        )
        con.executemany("INSERT INTO follower_snapshots VALUES (?, ?, ?, ?, 1)", snapshots)
        eng.store.refresh_followers()
    return path


#: louvre on x grows 10 % a quarter through 2024; each quarter has an earlier, smaller
#: snapshot that must not be the one used.
PLANTED = [1000, 1100, 1210, 1331]
LOUVRE_X = [
    snap
    for q, followers in enumerate(PLANTED)
    for snap in (
        ("x", "lx", _d(2024, 3 * q + 1, 5), followers - 37),
        ("x", "lx", _d(2024, 3 * q + 3, 20), followers),
    )
]


def test_planted_quarterly_growth_is_read_from_the_last_snapshot_of_each_quarter(
    tmp_path: Path,
) -> None:
    db = _store(tmp_path / "s.duckdb", LOUVRE_X)
    with engagecore.open(db) as eng:
        rows = eng.growth(["Musée du Louvre"], networks=["x"]).to_dicts()
    assert [r["period"] for r in rows] == ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"]
    assert [r["followers"] for r in rows] == PLANTED
    assert [r["change"] for r in rows] == [None, 100, 110, 121]
    assert rows[0]["change_rate"] is None and rows[0]["note"] == "first snapshot"
    for r in rows[1:]:
        assert r["change_rate"] == pytest.approx(0.10)
        assert r["periods_spanned"] == 1 and r["note"] is None
    assert [r["previous_period"] for r in rows] == [None, "2024-Q1", "2024-Q2", "2024-Q3"]
    assert rows[3]["observed_at"] == _d(2024, 12, 20)
    # per year: the last snapshot of 2024 only
    with engagecore.open(db) as eng:
        year = eng.growth(["louvre"], networks=["x"], period="year").to_dicts()
    assert [(r["period"], r["followers"], r["change"]) for r in year] == [("2024", 1331, None)]
    # per month: each snapshot's month, the months between them gaps
    with engagecore.open(db) as eng:
        months = eng.growth(["louvre"], period="month")
    assert months.height == 12 and months["followers"].null_count() == 4


def test_a_period_without_snapshot_is_a_gap_and_the_change_says_what_it_spans(
    tmp_path: Path,
) -> None:
    snaps = [
        ("x", "ox", _d(2024, 2, 1), 500),
        ("x", "ox", _d(2024, 11, 1), 800),  # nothing in Q2 and Q3
        ("x", "ox", _d(2025, 1, 3), 760),
    ]
    db = _store(tmp_path / "s.duckdb", snaps)
    with engagecore.open(db) as eng:
        rows = eng.growth(["orsay"]).to_dicts()
        kept = eng.growth(["orsay"], gaps=False).to_dicts()
    assert [r["period"] for r in rows] == ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4", "2025-Q1"]
    gaps = rows[1:3]
    for gap in gaps:
        assert gap["followers"] is None and gap["change"] is None  # a gap, never a zero
        assert gap["note"] == "no snapshot: a gap, not a zero"
        assert gap["museum"] == "orsay" and gap["handle"] == "MuseeOrsay"
    q4 = rows[3]
    assert q4["change"] == 300 and q4["change_rate"] == pytest.approx(0.6)
    assert q4["periods_spanned"] == 3 and q4["previous_period"] == "2024-Q1"
    assert q4["note"] == "change over 3 quarters (2 without a snapshot)"
    assert rows[4]["change"] == -40 and rows[4]["change_rate"] == pytest.approx(-0.05)
    assert [r["period"] for r in kept] == ["2024-Q1", "2024-Q4", "2025-Q1"]


def test_a_single_snapshot_gives_one_row_without_change(tmp_path: Path) -> None:
    db = _store(tmp_path / "s.duckdb", [("instagram", "li", _d(2024, 5, 5), 42)])
    with engagecore.open(db) as eng:
        rows = eng.growth().to_dicts()
    assert len(rows) == 1
    row = rows[0]
    assert (row["museum"], row["network"], row["period"], row["followers"]) == (
        "louvre",
        "instagram",
        "2024-Q2",
        42,
    )
    assert row["change"] is None and row["change_rate"] is None and row["periods_spanned"] is None
    assert row["note"] == "first snapshot"


def test_zero_followers_before_give_no_rate_and_periods_are_utc(tmp_path: Path) -> None:
    paris = timezone(timedelta(hours=2))
    snaps = [
        ("x", "sx", _d(2024, 1, 10), 0),
        # 2024-04-01 00:30 in Paris (UTC+2) is still 2024-03-31 in UTC: Q1, and the last of it
        ("x", "sx", datetime(2024, 4, 1, 0, 30, tzinfo=paris), 10),
        ("x", "sx", _d(2024, 4, 10), 25),
    ]
    db = _store(tmp_path / "s.duckdb", snaps)
    with engagecore.open(db) as eng:
        rows = eng.growth(["@solo"]).to_dicts()
    assert [(r["museum"], r["period"], r["followers"]) for r in rows] == [
        ("@solo", "2024-Q1", 10),
        ("@solo", "2024-Q2", 25),
    ]
    with engagecore.open(db) as eng:
        month = eng.growth(["@solo"], period="month", gaps=False).to_dicts()
    assert month[1]["change"] == 10 and month[1]["change_rate"] is None  # from 0: no %
    assert month[2]["change_rate"] == pytest.approx(1.5)


def test_filters_and_bad_options(tmp_path: Path) -> None:
    snaps = [*LOUVRE_X, ("x", "ox", _d(2024, 2, 1), 500), ("instagram", "li", _d(2024, 2, 1), 9)]
    db = _store(tmp_path / "s.duckdb", snaps)
    with engagecore.open(db) as eng:
        assert set(eng.growth(networks=["x"])["museum"]) == {"louvre", "orsay"}
        assert set(eng.growth(["orsay"])["network"]) == {"x"}
        with pytest.raises(UsageError, match="period 'week'"):
            eng.growth(period="week")
        with pytest.raises(UsageError, match="unknown network 'myspace'"):
            eng.growth(networks=["myspace"])


def test_the_command_prints_the_same_rows_in_every_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = _store(tmp_path / "s.duckdb", [*LOUVRE_X, ("x", "ox", _d(2024, 2, 1), 500)])
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = run(["growth", "louvre", "--network", "x", "--db", str(db)], capsys)
    assert code == 0
    assert all(len(line) <= 80 for line in out.splitlines())
    assert "+10.0%" in out and "2024-Q4" in out and "first snapshot" in out
    code, out, _ = run(["growth", "--db", str(db), "--format", "json"], capsys)
    assert code == 0
    rows = json.loads(out)
    with engagecore.open(db, read_only=True) as eng:
        expected = eng.growth().to_dicts()
    assert [(r["museum"], r["period"], r["followers"]) for r in rows] == [
        (r["museum"], r["period"], r["followers"]) for r in expected
    ]
    code, out, _ = run(["growth", "--db", str(db), "--format", "csv", "--period", "year"], capsys)
    assert code == 0 and out.splitlines()[0].startswith("museum,network,handle,period,followers")
    code, _, err = run(["growth", "--db", str(db), "--period", "week"], capsys)
    assert code == 2 and err.count("\n") == 1 and "month, quarter, year" in err
