"""What the store derives on each post (schema v2): followers as of the post
(engagecore.followers) and the account's integer key."""

from __future__ import annotations

import bisect
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl

from engagecore import ingest, schema
from engagecore.store import Store

T0 = datetime(2020, 1, 1, tzinfo=UTC)


def _post(net: str, acc: str, pid: str, at: datetime) -> tuple[object, ...]:
    return (net, pid, acc, at, "photo", True, T0, 1)


def _insert(con: duckdb.DuckDBPyConnection, posts: list[tuple[object, ...]], snaps: list) -> None:
    con.executemany(
        "INSERT INTO posts (network, post_id, account_id, posted_at, kind, is_own, observed_at, "
        "import_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        posts,
    )
    if snaps:
        con.executemany("INSERT INTO follower_snapshots VALUES (?, ?, ?, ?, 1)", snaps)


def _expected(snaps: list[tuple[str, str, datetime, int]], net: str, acc: str, at: datetime):
    """The reference: the latest snapshot at or before the post, else the first after."""
    own = sorted((t, f) for n, a, t, f in snaps if (n, a) == (net, acc))
    if not own:
        return None, None
    i = bisect.bisect_right([t for t, _ in own], at)
    return (own[i - 1][1], False) if i else (own[0][1], True)


def _stored(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[object, object]]:
    rows = con.execute(
        "SELECT post_id, followers_at_post, followers_fallback FROM posts"
    ).fetchall()
    return {pid: (f, fb) for pid, f, fb in rows}


def _ingest_csv(store: Store, path: Path, header: str, *lines: str) -> None:
    """Write a spreadsheet-template CSV and import it, as a user would."""
    path.write_text(header + "".join(line + "\n" for line in lines), encoding="utf-8")
    ingest.run(store, [path], network="spreadsheet")


def test_followers_at_post_match_a_plain_as_of_lookup(tmp_path: Path) -> None:
    rng = random.Random(5)
    store = Store(tmp_path / "s.duckdb")
    snaps = []
    posts = []
    for a in range(6):
        net = "alpha" if a % 2 else "beta"
        acc = f"a{a}"
        # irregular snapshots over ~3 years (a0: none at all), some posts exactly on one
        times = sorted(T0 + timedelta(days=rng.uniform(100, 1000)) for _ in range(a * 3))
        snaps += [(net, acc, t, 1000 * a + k) for k, t in enumerate(times)]
        for k in range(40):
            at = T0 + timedelta(days=rng.uniform(0, 1200), seconds=rng.randrange(86400))
            if times and k < 3:
                at = times[k]  # "as of" includes a snapshot taken at the same instant
            posts.append(_post(net, acc, f"{acc}-{k}", at))
    _insert(store.con, posts, snaps)
    store.refresh_followers()
    got = _stored(store.con)
    for net, pid, acc, at, *_ in posts:
        f, fallback = _expected(snaps, str(net), str(acc), at)  # type: ignore[arg-type]
        assert got[str(pid)] == (f, fallback), pid
    assert any(fb for _, fb in got.values()) and any(fb is False for _, fb in got.values())
    assert {v for v in got.values() if v[0] is None} == {(None, None)}  # a0 has no snapshot


def test_refresh_of_some_accounts_leaves_the_others(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    snaps = [("alpha", "a", T0, 10), ("alpha", "b", T0, 20)]
    _insert(store.con, [_post("alpha", "a", "pa", T0), _post("alpha", "b", "pb", T0)], snaps)
    store.refresh_followers(pl.DataFrame({"network": ["alpha"], "account_id": ["a"]}))
    assert _stored(store.con) == {"pa": (10, False), "pb": (None, None)}


def test_ingest_keeps_followers_at_post_current(tmp_path: Path) -> None:
    """A later export's snapshot changes the posts after it, and only those."""
    store = Store(tmp_path / "s.duckdb")
    header = "network,account,museum,post_id,posted_at,kind,text,likes,followers\n"
    first = tmp_path / "first.csv"
    _ingest_csv(
        store,
        first,
        header,
        "x,louvre,Louvre,1,2024-01-10T10:00:00Z,photo,a,10,1000",
        "x,louvre,Louvre,2,2024-03-10T10:00:00Z,photo,b,10,",
        "x,louvre,Louvre,3,2024-06-10T10:00:00Z,photo,c,10,",
    )
    assert {k: v[0] for k, v in _stored(store.con).items()} == {"1": 1000, "2": 1000, "3": 1000}
    _ingest_csv(
        store,
        tmp_path / "second.csv",
        header,
        "x,louvre,Louvre,4,2024-05-01T10:00:00Z,photo,d,10,3000",
    )
    got = _stored(store.con)
    assert {k: v[0] for k, v in got.items()} == {"1": 1000, "2": 1000, "3": 3000, "4": 3000}
    assert all(v[1] is False for v in got.values())
    # importing the first file again changes nothing
    before = store.table_digest()
    ingest.run(store, [first], network="spreadsheet")
    assert store.table_digest() == before


def test_a_version_1_store_is_migrated_with_its_followers(tmp_path: Path) -> None:
    path = tmp_path / "v1.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ)"
    )
    for ddl in schema.DDL_V1:
        con.execute(ddl)
    con.execute("INSERT INTO schema_migrations VALUES (1, now())")
    con.execute("INSERT INTO accounts VALUES ('alpha', 'a', NULL, 'h', NULL)")
    con.execute("INSERT INTO accounts VALUES ('alpha', 'b', NULL, 'h2', NULL)")
    _insert(
        con,
        [_post("alpha", "a", "old", T0 - timedelta(days=1)), _post("alpha", "a", "new", T0)],
        [("alpha", "a", T0, 42)],
    )
    con.close()
    store = Store(path)
    assert store.schema_version == schema.SCHEMA_VERSION
    assert store.fetchall("SELECT count(*) FROM schema_migrations WHERE version = 2")[0][0] == 1
    assert _stored(store.con) == {"old": (42, True), "new": (42, False)}
    keys = dict(store.fetchall("SELECT account_id, account_key FROM accounts"))
    assert None not in keys.values() and len(set(keys.values())) == 2
    assert {k for (k,) in store.fetchall("SELECT account_key FROM posts")} == {keys["a"]}


def _keys(store: Store) -> dict[str, int]:
    return dict(store.fetchall("SELECT account_id, account_key FROM accounts"))


def test_accounts_keep_one_integer_key_that_their_posts_carry(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    header = "network,account,museum,post_id,posted_at,kind,text,likes\n"
    _ingest_csv(
        store,
        tmp_path / "first.csv",
        header,
        "x,louvre,Louvre,1,2024-01-10T10:00:00Z,photo,a,10",
        "x,orsay,Orsay,2,2024-01-11T10:00:00Z,photo,b,10",
    )
    keys = _keys(store)
    assert len(set(keys.values())) == 2 and None not in keys.values()
    _ingest_csv(
        store,
        tmp_path / "second.csv",
        header,
        "x,louvre,Louvre,3,2024-02-10T10:00:00Z,photo,c,10",
        "x,cluny,Cluny,4,2024-02-11T10:00:00Z,photo,d,10",
    )
    again = _keys(store)
    assert {k: again[k] for k in keys} == keys  # stable
    assert len(set(again.values())) == 3
    carried = store.fetchall(
        "SELECT count(*) FROM posts p JOIN accounts a USING (network, account_id) "
        "WHERE p.account_key = a.account_key"
    )[0][0]
    assert carried == 4


def test_posts_written_before_their_account_get_its_key_on_refresh(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    _insert(store.con, [_post("alpha", "a", "p1", T0)], [])
    assert store.fetchall("SELECT account_key FROM posts") == [(None,)]
    store.con.execute(
        "INSERT INTO accounts (network, account_id, museum, handle) VALUES ('alpha', 'a', NULL, 'a')"
    )
    store.refresh_followers(pl.DataFrame({"network": ["alpha"], "account_id": ["a"]}))
    assert store.fetchall("SELECT account_key FROM posts") == [(_keys(store)["a"],)]
