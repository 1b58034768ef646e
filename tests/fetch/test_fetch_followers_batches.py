"""Followers as of each post, set batch by batch as ``engage fetch`` imports: a batch's own
posts (its import ids), and, where it brings a snapshot, every post of the account whose value
changes — the same values as a full refresh."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl

from engagecore.store import Store

T0 = datetime(2024, 1, 1, tzinfo=UTC)
ACCOUNT = pl.DataFrame({"network": ["alpha"], "account_id": ["a"]})


def _add(store: Store, import_id: int, posts: dict[str, datetime]) -> None:
    for pid, at in posts.items():
        store.con.execute(
            "INSERT INTO posts (network, post_id, account_id, posted_at, kind, is_own, "
            "observed_at, import_id) VALUES ('alpha', ?, 'a', ?, 'video', true, ?, ?)",
            [pid, at, at, import_id],
        )


def _snapshot(store: Store, at: datetime, followers: int) -> None:
    store.con.execute(
        "INSERT INTO follower_snapshots VALUES ('alpha', 'a', ?, ?, 1)", [at, followers]
    )


def _followers(store: Store) -> dict[str, tuple[object, object]]:
    rows = store.fetchall("SELECT post_id, followers_at_post, followers_fallback FROM posts")
    return {pid: (f, fb) for pid, f, fb in rows}


def test_a_batch_sets_its_own_posts_and_a_new_snapshot_the_changed_ones(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    _snapshot(store, T0 + timedelta(days=10), 100)
    _add(store, 1, {"old": T0, "mid": T0 + timedelta(days=20)})
    _add(store, 2, {"new": T0 + timedelta(days=40)})
    # the batch of import 2: its post only
    store.refresh_followers(ACCOUNT, changed_only=True, imports=(2, 2))
    assert _followers(store) == {"old": (None, None), "mid": (None, None), "new": (100, False)}
    # a snapshot between "mid" and "new" arrives: every post of the account whose value
    # changes is set, as a full refresh would
    _snapshot(store, T0 + timedelta(days=30), 150)
    store.refresh_followers(ACCOUNT, changed_only=True)
    got = _followers(store)
    assert got == {"old": (100, True), "mid": (100, False), "new": (150, False)}
    store.refresh_followers(ACCOUNT)  # the full refresh agrees
    assert _followers(store) == got
    store.close()
