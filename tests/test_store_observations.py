"""Observations only for posts read more than once (schema v5): a post read once has its one
reading in its ``posts`` row; a post read at two or more times has every reading in
``post_observations``. Each write case, through both ways in (frames, staged Parquet), on
both kinds of store, and the v5 migration of an existing store."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest

from engagecore import schema
from engagecore.store import Store

T1 = datetime(2024, 1, 2, tzinfo=UTC)
T2 = datetime(2024, 2, 1, tzinfo=UTC)
T3 = datetime(2024, 3, 1, tzinfo=UTC)

#: post_id, observed_at, likes, comments, import_id
Reading = tuple[str, datetime, int | None, int | None, int]


def posts(*readings: Reading) -> pl.DataFrame:
    """A validated posts frame (with its ``import_id``): one row per reading."""
    rows = [
        {
            "network": "x",
            "post_id": pid,
            "account_id": "a1",
            "posted_at": datetime(2024, 1, 1, 10, tzinfo=UTC),
            "kind": "text",
            "is_own": True,
            "text": "hi",
            "likes": likes,
            "comments": comments,
            "observed_at": at,
            "import_id": imp,
        }
        for pid, at, likes, comments, imp in readings
    ]
    frame = pl.DataFrame(rows, schema={**schema.POSTS, "import_id": pl.Int64}, strict=False)
    return frame.select(*schema.POSTS.names(), "import_id")


def via_frame(store: Store, df: pl.DataFrame, tmp: Path) -> None:
    store.write_posts(df)


def via_files(store: Store, df: pl.DataFrame, tmp: Path) -> None:
    f = tmp / f"part-{len(list(tmp.glob('part-*')))}.parquet"
    df.write_parquet(f)
    store.write_posts_files([f])


WAYS = [via_frame, via_files]
Write = Callable[[Store, pl.DataFrame, Path], None]


def observations(store: Store) -> list[tuple[object, ...]]:
    return store.fetchall(
        "SELECT post_id, observed_at, likes, comments, import_id FROM post_observations "
        "ORDER BY post_id, observed_at"
    )


def post_row(store: Store, pid: str) -> tuple[object, ...]:
    return store.fetchall(
        "SELECT observed_at, likes, comments, import_id FROM posts WHERE post_id = ?", [pid]
    )[0]


@pytest.fixture(params=["plain", "small_appends"])
def store(tmp_path: Path, request: pytest.FixtureRequest) -> Store:
    """Every write case on a plain store and on one opened for small appends (``engage
    fetch``'s), whose writes skip the stored keys when the batch's hashes are not among
    them (engagecore.postkeys)."""
    return Store(tmp_path / "s.duckdb", small_appends=request.param == "small_appends")


@pytest.mark.parametrize("write", WAYS)
def test_a_new_post_goes_to_posts_only(store: Store, tmp_path: Path, write: Write) -> None:
    write(store, posts(("1", T1, 10, 1, 1), ("2", T1, 5, None, 1)), tmp_path)
    assert store.counts()["posts"] == 2
    assert observations(store) == []
    assert post_row(store, "1") == (T1, 10, 1, 1)


@pytest.mark.parametrize("write", WAYS)
def test_a_second_reading_moves_the_stored_one_into_observations_first(
    store: Store, tmp_path: Path, write: Write
) -> None:
    write(store, posts(("1", T1, 10, 1, 1), ("2", T1, 5, 0, 1)), tmp_path)
    write(store, posts(("1", T2, 25, None, 2)), tmp_path)
    # both readings of post 1, each with the import that read it; post 2 read once: none
    assert observations(store) == [("1", T1, 10, 1, 1), ("1", T2, 25, None, 2)]
    assert post_row(store, "1") == (T2, 25, 1, 2)  # newest likes, comments kept
    # a third reading joins them
    write(store, posts(("1", T3, 30, 3, 3)), tmp_path)
    assert [o[1] for o in observations(store)] == [T1, T2, T3]
    assert post_row(store, "1") == (T3, 30, 3, 3)
    assert store.duplicate_keys() == {"posts": 0, "post_observations": 0}


@pytest.mark.parametrize("write", WAYS)
def test_the_same_reading_again_adds_nothing(store: Store, tmp_path: Path, write: Write) -> None:
    write(store, posts(("1", T1, 10, 1, 1)), tmp_path)
    write(store, posts(("1", T1, 10, 1, 2)), tmp_path)
    assert observations(store) == []
    assert store.fetchall("SELECT count(*) FROM posts")[0][0] == 1
    # once a post has observations, the same reading again adds none either
    write(store, posts(("1", T2, 20, 1, 3)), tmp_path)
    write(store, posts(("1", T2, 20, 1, 4), ("1", T1, 10, 1, 4)), tmp_path)
    assert [o[1] for o in observations(store)] == [T1, T2]
    assert store.duplicate_keys() == {"posts": 0, "post_observations": 0}


@pytest.mark.parametrize("write", WAYS)
def test_two_readings_in_one_batch_are_both_kept(
    store: Store, tmp_path: Path, write: Write
) -> None:
    write(store, posts(("1", T2, 25, None, 1), ("1", T1, 10, 1, 1), ("2", T1, 3, 0, 1)), tmp_path)
    assert observations(store) == [("1", T1, 10, 1, 1), ("1", T2, 25, None, 1)]
    assert post_row(store, "1") == (T2, 25, 1, 1)
    assert post_row(store, "2") == (T1, 3, 0, 1)


@pytest.mark.parametrize("write", WAYS)
def test_a_stored_post_read_twice_in_a_batch_at_its_stored_time_and_another(
    store: Store, tmp_path: Path, write: Write
) -> None:
    write(store, posts(("1", T1, 10, 1, 1)), tmp_path)
    write(store, posts(("1", T1, 11, 1, 2), ("1", T2, 20, 2, 2)), tmp_path)
    # the stored reading at T1 is kept (the first one kept at a time stays), T2 added
    assert observations(store) == [("1", T1, 10, 1, 1), ("1", T2, 20, 2, 2)]
    assert post_row(store, "1") == (T2, 20, 2, 2)


@pytest.mark.parametrize("write", WAYS)
def test_an_older_reading_imported_later_adds_its_observation_without_rolling_back(
    store: Store, tmp_path: Path, write: Write
) -> None:
    write(store, posts(("1", T2, 25, None, 1)), tmp_path)
    write(store, posts(("1", T1, 10, 1, 2)), tmp_path)
    assert observations(store) == [("1", T1, 10, 1, 2), ("1", T2, 25, None, 1)]
    # newest likes kept; the older reading fills the comments the newer lacks
    assert post_row(store, "1") == (T2, 25, 1, 1)


def test_the_v5_migration_keeps_only_the_posts_read_more_than_once(tmp_path: Path) -> None:
    path = tmp_path / "v4.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ)"
    )
    from engagecore.store import MIGRATIONS

    for v in (1, 2, 3, 4):
        for ddl in MIGRATIONS[v]:
            con.execute(ddl)
        con.execute("INSERT INTO schema_migrations VALUES (?, now())", [v])
    # a v4 store: every reading of every post in post_observations
    con.execute(
        "INSERT INTO posts (network, post_id, account_id, posted_at, kind, is_own, likes, "
        "observed_at, import_id) VALUES "
        "('x', '1', 'a1', TIMESTAMPTZ '2024-01-01 10:00:00+00', 'text', true, 25, ?, 2), "
        "('x', '2', 'a1', TIMESTAMPTZ '2024-01-01 10:00:00+00', 'text', true, 5, ?, 1), "
        "('y', '1', 'a1', TIMESTAMPTZ '2024-01-01 10:00:00+00', 'text', true, 7, ?, 1)",
        [T2, T1, T1],
    )
    con.execute(
        "INSERT INTO post_observations (network, post_id, observed_at, likes, import_id) "
        "VALUES ('x', '1', ?, 10, 1), ('x', '1', ?, 25, 2), ('x', '2', ?, 5, 1), "
        "('y', '1', ?, 7, 1)",
        [T1, T2, T1, T1],
    )
    con.close()
    store = Store(path)
    assert store.schema_version == schema.SCHEMA_VERSION
    assert store.fetchall(
        "SELECT network, post_id, observed_at, likes FROM post_observations ORDER BY ALL"
    ) == [("x", "1", T1, 10), ("x", "1", T2, 25)]
    assert store.counts()["posts"] == 3  # posts untouched
    # the migrated store takes the next reading of a post read once as before
    store.write_posts(posts(("2", T2, 9, 0, 3)))
    assert observations(store)[-2:] == [("2", T1, 5, None, 1), ("2", T2, 9, 0, 3)]
    store.close()


def test_the_accrual_estimate_is_the_same_as_with_every_reading_kept(tmp_path: Path) -> None:
    """A store with posts read twice and posts read once: the accrual curve estimated from it
    is the one estimated from the same store with every reading in ``post_observations`` (as
    schema v4 kept them), and the v5 migration brings that store back to this one."""
    import numpy as np

    from engagecore import plugins
    from engagecore.pluginapi import AccrualCurve
    from engagecore.scoring import ScoringConfig, accrual, load_inputs

    planted = AccrualCurve(half_life_hours=8.0, shape=0.8)
    rng = np.random.default_rng(5)
    early, late, once = [], [], []
    for i in range(40):
        posted = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=i)
        age = float(np.exp(rng.uniform(np.log(0.5), np.log(30.0))))
        final = int(rng.integers(60, 200))
        seen = int(rng.binomial(final, planted.fraction(age)))
        early.append((f"r{i}", posted, posted + timedelta(hours=age), seen))
        late.append((f"r{i}", posted, posted + timedelta(days=120), final))
        once.append((f"o{i}", posted, posted + timedelta(days=60), int(rng.integers(60, 200))))

    def frame(rows: list[tuple[str, datetime, datetime, int]], imp: int) -> pl.DataFrame:
        return (
            pl.DataFrame(
                {
                    "network": "x",
                    "post_id": [r[0] for r in rows],
                    "account_id": "a1",
                    "posted_at": [r[1] for r in rows],
                    "kind": "photo",
                    "is_own": True,
                    "likes": [r[3] for r in rows],
                    "observed_at": [r[2] for r in rows],
                    "import_id": imp,
                },
                schema_overrides={"posted_at": schema.UTC_TS, "observed_at": schema.UTC_TS},
            )
            .with_columns(
                pl.lit(None, c_type).alias(c)
                for c, c_type in schema.POSTS.items()
                if c
                not in (
                    "network",
                    "post_id",
                    "account_id",
                    "posted_at",
                    "kind",
                    "is_own",
                    "likes",
                    "observed_at",
                )
            )
            .select(*schema.POSTS.names(), pl.col("import_id").cast(pl.Int64))
        )

    networks = {"x": plugins.registry().networks["x"]}
    config = ScoringConfig(min_accrual_posts=30)
    store = Store(tmp_path / "s.duckdb")
    store.write_accounts(
        pl.DataFrame(
            {
                "network": ["x"],
                "account_id": ["a1"],
                "museum": [None],
                "handle": ["a1"],
                "display_name": [None],
            },
            schema_overrides={"museum": pl.Utf8, "display_name": pl.Utf8},
        )
    )
    store.write_posts(frame(early + once, 1))
    store.write_posts(frame(late, 2))
    assert store.counts()["post_observations"] == 80  # the 40 posts read twice, both readings
    now = accrual.resolve(load_inputs(store.con), networks, config)
    assert now["x"].basis == "estimated from 40 posts"
    v5 = observations(store)
    # as schema v4 kept them: the reading of each post read once, too
    store.con.execute(
        "INSERT INTO post_observations SELECT network, post_id, observed_at, likes, comments, "
        "shares, quotes, saves, views, impressions, reach, import_id FROM posts p "
        "WHERE NOT EXISTS (SELECT 1 FROM post_observations o WHERE o.post_id = p.post_id)"
    )
    assert store.counts()["post_observations"] == 120
    every = accrual.resolve(load_inputs(store.con), networks, config)
    assert every == now
    for ddl in schema.DDL_V5:
        store.con.execute(ddl)
    assert observations(store) == v5
    store.close()
