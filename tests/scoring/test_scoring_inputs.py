"""load_inputs on a real DuckDB store file: joins, filters, and scoring straight from the store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest
from scoring_builders import NETS, cohort, inputs

from engagecore.scoring import ScoringConfig, load_inputs, post_metrics, score
from engagecore.store import Store

T0 = datetime(2024, 3, 1, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    db = Store(tmp_path / "engage.duckdb")  # the real, migrated store
    con = db.con
    for slug in ("louvre", "orsay"):
        con.execute(
            "INSERT INTO museums VALUES (?, ?, NULL, NULL, NULL, NULL, ?)", [slug, slug, T0]
        ).fetchall()
    accounts = [
        ("alpha", "1", "louvre"),
        ("alpha", "2", "orsay"),
        ("beta", "3", "louvre"),
        ("alpha", "9", None),  # an account attached to no museum: scored as "@h"
    ]
    con.executemany(
        "INSERT INTO accounts (network, account_id, museum, handle, display_name) "
        "VALUES (?, ?, ?, 'h', 'd')",
        accounts,
    )
    rows = []
    for acc, likes in (("1", 30), ("2", 10), ("3", 5), ("9", 99)):
        net = "beta" if acc == "3" else "alpha"
        for k in range(12):
            rows.append((net, f"{acc}-{k}", acc, T0 + timedelta(days=10 * k), likes + k))
    con.executemany(
        "INSERT INTO posts (network, post_id, account_id, posted_at, kind, is_own, hashtags, "
        "likes, observed_at, import_id) VALUES (?, ?, ?, ?, 'photo', true, ['expo'], ?, ?, 1)",
        [(*r, T0 + timedelta(days=200)) for r in rows],
    )
    con.executemany(
        "INSERT INTO follower_snapshots VALUES (?, ?, ?, ?, 1)",
        [
            ("alpha", "1", T0, 1000),
            ("alpha", "2", T0, 500),
            ("beta", "3", T0, 100),
            ("alpha", "9", T0, 10),
        ],
    )
    con.executemany(
        "INSERT INTO audience_age VALUES ('alpha', '1', ?, ?, ?, ?, ?, 'followers', 1)",
        [
            (T0, "13-17", 13, 17, 0.1),
            (T0, "18-24", 18, 24, 0.3),
            (T0, "25-34", 25, 34, 0.4),
            (T0, "65+", 65, None, 0.2),
        ],
    )
    db.refresh_followers()  # what every ingest run does for the accounts it wrote
    return con


def test_accounts_without_museum_are_scored_under_their_handle(
    store: duckdb.DuckDBPyConnection,
) -> None:
    inp = load_inputs(store)
    posts = inp.posts.collect()
    assert set(posts.get_column("museum")) == {"louvre", "orsay", "@h"}
    assert posts.schema["posted_at"] == pl.Datetime("us", "UTC")
    assert inp.followers.collect().height == 4
    df = score(inp, NETS, ScoringConfig(min_cohort_score=2))  # a cohort of 3 scored
    assert set(df.get_column("museum")) == {"louvre", "orsay", "@h"}
    alone = df.filter(pl.col("museum") == "@h", pl.col("network") == "alpha").row(0, named=True)
    assert alone["linked"] is False and alone["posts"] == 12
    assert alone["engagement_score"] is not None  # in the alpha cohort with louvre and orsay
    assert alone["cohort_size"] == 3
    assert df.filter(pl.col("museum") == "louvre")["linked"].all()
    metrics = post_metrics(inp, NETS)
    unlinked = metrics.filter(pl.col("museum") == "@h")
    assert unlinked.height == 12 and not unlinked["linked"].any()
    assert metrics.filter(pl.col("museum") == "louvre")["linked"].all()
    # only the chosen labels' posts with a museum filter
    only = load_inputs(store, museums=["@h"]).posts.collect()
    assert set(only["museum"]) == {"@h"} and only.height == 12


def test_same_handle_unlinked_on_two_networks_gets_the_network_in_its_label(
    store: duckdb.DuckDBPyConnection,
) -> None:
    store.execute(
        "INSERT INTO accounts (network, account_id, museum, handle) VALUES ('beta', '8', NULL, 'H')"
    ).fetchall()
    labels = set(load_inputs(store).accounts.collect().get_column("museum"))
    assert {"alpha:@h", "beta:@H", "louvre", "orsay"} == labels
    # a network filter does not change a label
    only_alpha = load_inputs(store, networks=["alpha"]).accounts.collect()
    assert "alpha:@h" in set(only_alpha["museum"])


def test_filters_are_pushed_into_the_store(store: duckdb.DuckDBPyConnection) -> None:
    inp = load_inputs(
        store,
        networks=["alpha"],
        museums=["louvre"],
        since=T0 + timedelta(days=30),
        until=datetime(2024, 5, 1),  # naive: taken as UTC
    )
    posts = inp.posts.collect()
    assert set(posts.get_column("account_id")) == {"1"}
    assert posts.get_column("posted_at").min() >= T0 + timedelta(days=30)
    assert posts.get_column("posted_at").max() < datetime(2024, 5, 1, tzinfo=UTC)
    df = score(inp, NETS)
    assert df.filter(pl.col("network") == "alpha").get_column("posts").to_list() == [posts.height]


def test_score_from_the_store_uses_snapshots_and_measured_age(
    store: duckdb.DuckDBPyConnection,
) -> None:
    df = score(load_inputs(store), NETS, ScoringConfig(period="quarter"))
    lv = df.filter((pl.col("museum") == "louvre") & (pl.col("network") == "alpha"))
    q1 = lv.filter(pl.col("period") == "2024-Q1").row(0, named=True)
    assert q1["followers"] == 1000 and q1["rate_basis"] == "followers"
    assert q1["young_basis"] == "measured" and q1["young_share"] == pytest.approx(0.4)
    assert q1["young_reach"] == 400
    beta = df.filter((pl.col("museum") == "louvre") & (pl.col("network") == "beta")).row(
        0, named=True
    )
    assert beta["young_basis"] is None and "no young prior" in beta["reason"]
    pm = post_metrics(load_inputs(store), NETS)
    assert pm.filter(pl.col("museum") == "louvre").height == 24


def test_scoring_from_frames_opens_no_database_and_drops_its_tables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Inputs from frames (notebooks, tests) are scored on the process's in-memory database
    (engagecore.memdb), not on a database of their own: their tables in a schema of their
    own, read by the scoring's second cursor too, dropped once the inputs are no longer used."""
    import gc

    from engagecore.plugin import memory_connection

    memory_connection().close()  # the process's database made (once per process)
    opened: list[tuple] = []
    connect = duckdb.connect

    def counting_connect(*args: object, **kwargs: object) -> duckdb.DuckDBPyConnection:
        opened.append(args)
        return connect(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(duckdb, "connect", counting_connect)
    posts, followers, _ = cohort(12, 10)
    scored = inputs(posts, followers)
    ns = scored.sql().posts.split()[-1].split(".")[0]
    rows = score(scored, NETS)
    assert rows.filter(pl.col("engagement_score").is_not_null()).height > 0
    assert opened == []

    def schemas() -> set[str]:
        with memory_connection() as con:
            return {r[0] for r in con.sql("SELECT schema_name FROM duckdb_schemas()").fetchall()}

    assert ns.startswith("inputs_") and ns in schemas()
    del scored
    gc.collect()
    assert ns not in schemas()
