"""``engage adoption`` / ``Engine.adoption``: planted first-post years give the planted curve."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta, timezone
from itertools import pairwise
from pathlib import Path

import pytest
from cli_run import run

import engagecore
from engagecore.analysis.adoption import PRESENT_AT, presence_sql
from engagecore.errors import UsageError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
REGISTRY = FIXTURES / "registry" / "adoption.csv"  # 10 museums: 6 in Bretagne, 4 in Occitanie
BRETAGNE = {"M7001", "M7002", "M7023", "M7004", "M7005", "M7006"}

#: Muséofile id → network → the years of its accounts' first posts (two accounts: two years).
PLANTED: dict[str, dict[str, list[int]]] = {
    "M7001": {"x": [2009], "instagram": [2012]},
    "M7002": {"x": [2009]},
    "M7023": {"x": [2010]},
    "M7004": {"x": [2013]},
    "M7005": {"instagram": [2014]},
    "M7101": {"x": [2012, 2011], "instagram": [2014]},
    "M7102": {"x": [2013]},
}


def _post(con: object, network: str, account: str, when: datetime, n: int) -> None:
    con.execute(  # type: ignore[attr-defined]
        "INSERT INTO posts (network, post_id, account_id, posted_at, kind, is_own, likes, "
        "observed_at, import_id) VALUES (?, ?, ?, ?, 'photo', true, 1, ?, 1)",
        [network, f"{account}-{n}", account, when, datetime(2025, 1, 1, tzinfo=UTC)],
    )


def _account(con: object, network: str, account: str, museum: str | None) -> None:
    con.execute(  # type: ignore[attr-defined]
        "INSERT INTO accounts (network, account_id, museum, handle) VALUES (?, ?, ?, ?)",
        [network, account, museum, account],
    )


def _planted_store(path: Path, planted: dict[str, dict[str, list[int]]] = PLANTED) -> Path:
    """The fixture registry, each planted account's first post in its year (and later ones
    up to 2014), plus a museum outside the registry and an unlinked account, both on x
    since 2008: neither may be counted."""
    with engagecore.open(path) as eng:
        eng.import_registry(REGISTRY)
        con = eng.store.con
        for mid, nets in planted.items():
            slug = eng.store.fetchall("SELECT slug FROM museums WHERE museofile_id = ?", [mid])[0][
                0
            ]
            for net, years in nets.items():
                for k, year in enumerate(years):
                    account = f"{net}-{mid}-{k}"
                    _account(con, net, account, slug)
                    _post(con, net, account, datetime(2014, 11, 1, tzinfo=UTC), 1)  # a later one
                    _post(con, net, account, datetime(year, 6, 15, tzinfo=UTC), 0)
        eng.museums.add("Musée hors registre", slug="hors", region="Bretagne")
        _account(con, "x", "x-hors", "hors")
        _post(con, "x", "x-hors", datetime(2008, 3, 1, tzinfo=UTC), 0)
        _account(con, "x", "x-unlinked", None)
        _post(con, "x", "x-unlinked", datetime(2008, 3, 1, tzinfo=UTC), 0)
    return path


def _expected(
    planted: dict[str, dict[str, list[int]]], network: str, years: range, only: set[str] | None
) -> list[int]:
    """The cumulative curve straight from the plan: a museum counts from its earliest year."""
    first: dict[str, int] = {}
    for mid, nets in planted.items():
        if only is not None and mid not in only:
            continue
        chosen = [y for net, ys in nets.items() if network in (net, "any") for y in ys]
        if chosen:
            first[mid] = min(chosen)
    return [sum(1 for y0 in first.values() if y0 <= y) for y in years]


def test_planted_first_post_years_give_the_planted_cumulative_curve(tmp_path: Path) -> None:
    db = _planted_store(tmp_path / "s.duckdb")
    with engagecore.open(db) as eng:
        frame = eng.adoption()
    years = range(2009, 2015)  # the first presence to the newest post
    assert set(frame["network"]) == {"x", "instagram", "any"}
    for network in ("x", "instagram", "any"):
        rows = frame.filter(network=network).sort("year").to_dicts()
        assert [r["year"] for r in rows] == list(years)
        want = _expected(PLANTED, network, years, None)
        assert [r["present"] for r in rows] == want, network
        assert [r["new"] for r in rows] == [want[0]] + [b - a for a, b in pairwise(want)]
        assert all(r["registry"] == 10 for r in rows)
        assert [r["share"] for r in rows] == pytest.approx([p / 10 for p in want])
        assert {r["registry_basis"] for r in rows} == {"museofile"}
        assert {r["region"] for r in rows} == {"all"}
    x = frame.filter(network="x").sort("year")
    # 2009: 2 museums; M7101's second account (2011) counts once, from its earlier year
    assert x["present"].to_list() == [2, 3, 4, 4, 6, 6]
    assert frame.filter(network="any", year=2014)["present"].item() == 7


def test_region_filter_counts_and_sizes_the_registry_of_the_region(tmp_path: Path) -> None:
    db = _planted_store(tmp_path / "s.duckdb")
    with engagecore.open(db) as eng:
        frame = eng.adoption(networks=["x"], region="bretagne")  # case ignored
        accents = eng.adoption(region="OCCITANIE")
        with pytest.raises(UsageError, match="known: Bretagne, Occitanie"):
            eng.adoption(region="Corse")
    assert set(frame["network"]) == {"x"}  # --network: no "any" rows
    years = range(2009, 2015)
    assert frame.sort("year")["present"].to_list() == _expected(PLANTED, "x", years, BRETAGNE)
    assert set(frame["registry"]) == {6} and set(frame["region"]) == {"Bretagne"}
    occitanie = {"M7101", "M7102", "M7103", "M7104"}
    inst = accents.filter(network="instagram").sort("year")
    # the years start at the region's own first presence (M7101 on x, 2011)
    assert inst["year"].to_list() == [2011, 2012, 2013, 2014]
    assert inst["present"].to_list() == _expected(
        PLANTED, "instagram", range(2011, 2015), occitanie
    )
    assert set(accents["registry"]) == {4}


def test_a_named_network_without_presence_has_zero_rows(tmp_path: Path) -> None:
    db = _planted_store(tmp_path / "s.duckdb")
    with engagecore.open(db) as eng:
        frame = eng.adoption(networks=["x", "youtube"])
        with pytest.raises(UsageError, match="unknown network 'myspace'"):
            eng.adoption(networks=["myspace"])
    youtube = frame.filter(network="youtube")
    assert youtube.height == 6 and set(youtube["present"]) == {0}


def test_presence_is_counted_in_utc_years(tmp_path: Path) -> None:
    new_york = timezone(timedelta(hours=-5))
    with engagecore.open(tmp_path / "s.duckdb") as eng:
        eng.import_registry(REGISTRY)
        con = eng.store.con
        slug = eng.store.fetchall("SELECT slug FROM museums WHERE museofile_id = 'M7006'")[0][0]
        _account(con, "x", "a", slug)
        # 31 December 2015, 23:30 in New York is 2016 in UTC
        _post(con, "x", "a", datetime(2015, 12, 31, 23, 30, tzinfo=new_york), 0)
        frame = eng.adoption(networks=["x"])
    assert frame.select("year", "present").rows() == [(2016, 1)]


def test_without_a_registry_every_museum_of_the_store_is_counted(tmp_path: Path) -> None:
    with engagecore.open(tmp_path / "s.duckdb") as eng:
        for i in range(4):
            eng.museums.add(f"Musée {i}", slug=f"m{i}")
        con = eng.store.con
        for i, year in enumerate([2015, 2017]):
            _account(con, "instagram", f"i{i}", f"m{i}")
            _post(con, "instagram", f"i{i}", datetime(year, 1, 5, tzinfo=UTC), 0)
        frame = eng.adoption(networks=["instagram"])
    assert frame.select("year", "present", "registry").rows() == [
        (2015, 1, 4),
        (2016, 1, 4),
        (2017, 2, 4),
    ]
    assert set(frame["registry_basis"]) == {"store"}


def test_the_presence_date_is_defined_in_one_place() -> None:
    assert PRESENT_AT == "least(min(p.posted_at), min(a.created_at))"
    rest = presence_sql().replace(PRESENT_AT, "")
    assert presence_sql().count(PRESENT_AT) == 2
    assert "posted_at" not in rest and "created_at" not in rest


def test_an_accounts_creation_date_counts_when_earlier_than_its_first_post(
    tmp_path: Path,
) -> None:
    """M7004's x account was created in 2010 (first post 2013); M7006's was created in 2011
    and has no post in the store; M7002's creation date (2015) is after its first post."""
    db = _planted_store(tmp_path / "s.duckdb")
    with engagecore.open(db) as eng:
        con = eng.store.con
        con.execute(
            "UPDATE accounts SET created_at = TIMESTAMPTZ '2010-02-01 00:00:00+00' "
            "WHERE account_id = 'x-M7004-0'"
        )
        con.execute(
            "UPDATE accounts SET created_at = TIMESTAMPTZ '2015-01-01 00:00:00+00' "
            "WHERE account_id = 'x-M7002-0'"
        )
        slug = eng.store.fetchall("SELECT slug FROM museums WHERE museofile_id = 'M7006'")[0][0]
        con.execute(
            "INSERT INTO accounts (network, account_id, museum, handle, created_at) VALUES "
            "('x', 'x-M7006-0', ?, 'x-M7006-0', TIMESTAMPTZ '2011-07-01 00:00:00+00')",
            [slug],
        )
        frame = eng.adoption(networks=["x"])
    planted = {**PLANTED, "M7004": {"x": [2010]}, "M7006": {"x": [2011]}}
    rows = frame.sort("year")
    years = range(2009, 2015)
    assert rows["year"].to_list() == list(years)
    assert rows["present"].to_list() == _expected(planted, "x", years, None)
    assert rows["present"].to_list() == [2, 4, 6, 6, 7, 7]


def test_the_real_registry_sizes_the_share(tmp_path: Path, shared_data: Path) -> None:
    located = shared_data / "registry" / "liste-et-localisation-des-musees-de-france.csv"
    with located.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f, delimiter=";"))
    ids = {r["identifiant_museofile"] for r in rows if r["identifiant_museofile"]}
    bretagne = {
        r["identifiant_museofile"]
        for r in rows
        if r["identifiant_museofile"] and r["region_administrative"] == "Bretagne"
    }
    picked = sorted(bretagne)[:3]
    with engagecore.open(tmp_path / "s.duckdb") as eng:
        eng.import_registry(located)
        con = eng.store.con
        for k, (mid, year) in enumerate(zip(picked, [2009, 2010, 2010], strict=True)):
            slug = eng.store.fetchall("SELECT slug FROM museums WHERE museofile_id = ?", [mid])[0][
                0
            ]
            _account(con, "x", f"a{k}", slug)
            _post(con, "x", f"a{k}", datetime(year, 2, 1, tzinfo=UTC), 0)
        whole = eng.adoption(networks=["x"])
        region = eng.adoption(networks=["x"], region="Bretagne")
    assert whole.select("year", "present").rows() == [(2009, 1), (2010, 3)]
    assert set(whole["registry"]) == {len(ids)} and len(ids) > 1000
    assert whole["share"].to_list() == pytest.approx([1 / len(ids), 3 / len(ids)])
    assert set(region["registry"]) == {len(bretagne)}


def test_the_command_prints_the_curve_in_every_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = _planted_store(tmp_path / "s.duckdb")
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = run(["adoption", "--db", str(db), "--network", "x"], capsys)
    assert code == 0 and all(len(line) <= 80 for line in out.splitlines())
    assert "60.0%" in out and "registry: 10" in out and "registry_basis: museofile" in out
    code, out, _ = run(["adoption", "--db", str(db), "--format", "json"], capsys)
    rows = json.loads(out)
    first_x = next(r for r in rows if r["network"] == "x")
    assert code == 0 and len(rows) == 18 and rows[-1]["network"] == "any"
    assert (first_x["year"], first_x["share"]) == (2009, pytest.approx(0.2))
    code, out, _ = run(["adoption", "--db", str(db), "--format", "csv"], capsys)
    assert code == 0 and out.splitlines()[0] == (
        "network,year,new,present,registry,share,region,registry_basis"
    )
    code, _, err = run(["adoption", "--db", str(db), "--region", "Atlantis"], capsys)
    assert code == 2 and err.count("\n") == 1 and "'Atlantis'" in err and "Bretagne" in err


def test_the_museums_left_out_of_the_registry_are_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A researcher's museums with accounts but no Muséofile id are not counted: stderr says how
    many and which (QA h8: 28 of the demo's museums with accounts were left out without a word)."""
    db = _planted_store(tmp_path / "s.duckdb")
    code, out, err = run(["adoption", "--db", str(db), "--format", "csv"], capsys)
    assert code == 0 and out.startswith("network,year")
    (line,) = err.strip().splitlines()
    assert line == (
        "note: 1 museum with an account has no Muséofile id and is not counted: hors "
        "(engage museums import-registry links a museum of the registry by its name and city)"
    )
    code, _, err = run(["adoption", "--db", str(db), "--network", "instagram"], capsys)
    assert code == 0 and "not counted" not in err  # hors posts on x only
