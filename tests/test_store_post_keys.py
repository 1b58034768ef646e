"""A store opened for small appends (``engage fetch``) keeps the hashes of its posts' keys
(engagecore.postkeys): a batch of new posts is inserted without reading every stored key,
so that a long fetch's memory does not grow with the posts it has stored. The keys are only
ever a shortcut: a batch that may hold a stored post (a refresh, a hash shared by two keys)
takes the exact path, and the store holds exactly what a plain store holds."""

from __future__ import annotations

import base64
import hashlib
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from test_store_observations import posts, via_files, via_frame
from test_store_small_appends import cached_mb

from engagecore.postkeys import PostKeys
from engagecore.store import Store

T0 = datetime(2024, 3, 1, tzinfo=UTC)


class _Recorder:
    """A connection that records the statements run through it."""

    def __init__(self, con: Any) -> None:
        self._con = con
        self.statements: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)

    def execute(self, sql: str, *args: Any) -> Any:
        self.statements.append(" ".join(sql.split()))
        return self._con.execute(sql, *args)


def _reads_stored_keys(statements: list[str]) -> list[str]:
    """The statements that read the stored posts' keys to find a batch's posts among them."""
    return [s for s in statements if "JOIN posts q" in s or "FROM posts q" in s]


def _batch(first: int, n: int, day: int, imp: int) -> pl.DataFrame:
    at = T0 + timedelta(days=day)
    return posts(*((f"p{i}", at, i % 7, i % 3, imp) for i in range(first, first + n)))


def _video_id(i: int) -> str:
    """An id as scattered as a YouTube video id (11 characters of base64): the stored
    ids' ranges never let DuckDB skip a block (ids that grow with time, as most networks'
    do, let its zone maps skip most)."""
    return base64.urlsafe_b64encode(hashlib.blake2b(str(i).encode()).digest())[:11].decode()


def _history(store: Store, tmp: Path) -> None:
    """A fetch's sequence of batches: new posts; new posts again; a refresh of some stored
    posts with new ones; a post read twice in one batch; a batch rolled back, then written
    again; staged Parquet as the import writes it."""
    via_frame(store, _batch(0, 50, 0, 1), tmp)
    via_files(store, _batch(50, 50, 0, 2), tmp)
    via_frame(store, pl.concat([_batch(40, 20, 3, 3), _batch(100, 10, 3, 3)]), tmp)
    via_files(store, pl.concat([_batch(110, 5, 4, 4), _batch(110, 5, 5, 4)]), tmp)
    with pytest.raises(RuntimeError), store.transaction():
        via_frame(store, _batch(200, 30, 6, 5), tmp)
        raise RuntimeError("interrupted")
    via_frame(store, _batch(200, 30, 6, 5), tmp)
    via_files(store, _batch(0, 5, 9, 6), tmp)


def test_small_appends_store_exactly_what_a_plain_store_stores(tmp_path: Path) -> None:
    digests = {}
    for kind in ("plain", "small"):
        tmp = tmp_path / kind
        tmp.mkdir()
        with closing(Store(tmp / "s.duckdb", small_appends=kind == "small")) as store:
            _history(store, tmp)
            assert store.duplicate_keys() == {"posts": 0, "post_observations": 0}
            assert store.fetchall("SELECT count(*) FROM posts")[0][0] == 145
            digests[kind] = store.table_digest()
    assert digests["small"] == digests["plain"]


def test_a_batch_of_new_posts_never_reads_the_stored_keys(tmp_path: Path) -> None:
    with closing(Store(tmp_path / "s.duckdb", small_appends=True)) as store:
        via_frame(store, _batch(0, 100, 0, 1), tmp_path)  # the keys' hashes loaded here
        spy = _Recorder(store.con)
        store.con = spy  # type: ignore[assignment]
        via_frame(store, _batch(100, 100, 0, 2), tmp_path)
        via_files(store, _batch(200, 100, 0, 3), tmp_path)
        assert _reads_stored_keys(spy.statements) == []
        # one stored post among new ones: the exact path, the post merged, not doubled
        via_frame(store, pl.concat([_batch(150, 1, 2, 4), _batch(300, 10, 2, 4)]), tmp_path)
        assert _reads_stored_keys(spy.statements)
        assert store.fetchall("SELECT count(*), count(DISTINCT post_id) FROM posts") == [(310, 310)]
        assert store.fetchall("SELECT observed_at FROM posts WHERE post_id = 'p150'") == [
            (T0 + timedelta(days=2),)
        ]
    # a plain store reads them for every batch
    with closing(Store(tmp_path / "plain.duckdb")) as plain:
        via_frame(plain, _batch(0, 100, 0, 1), tmp_path)
        spy = _Recorder(plain.con)
        plain.con = spy  # type: ignore[assignment]
        via_frame(plain, _batch(100, 100, 0, 2), tmp_path)
        assert _reads_stored_keys(spy.statements)


def test_keys_sharing_a_hash_take_the_exact_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every key hashed alike: every batch may hold a stored post, and the store is still
    exactly right (a shared hash costs a read, never a post)."""
    monkeypatch.setattr(
        Store,
        "_key_hash_chunks",
        lambda self, rel: iter(
            [np.zeros(self.fetchall(f"SELECT count(*) FROM {rel}")[0][0], dtype=np.uint64)]
        ),
    )
    with closing(Store(tmp_path / "s.duckdb", small_appends=True)) as store:
        via_frame(store, _batch(0, 20, 0, 1), tmp_path)
        spy = _Recorder(store.con)
        store.con = spy  # type: ignore[assignment]
        via_frame(store, _batch(20, 20, 0, 2), tmp_path)
        assert _reads_stored_keys(spy.statements)
        via_frame(store, _batch(10, 20, 1, 3), tmp_path)
        assert store.fetchall("SELECT count(*), count(DISTINCT post_id) FROM posts") == [(40, 40)]
        assert store.fetchall("SELECT count(*) FROM post_observations") == [
            (40,)
        ]  # 20 posts, 2 readings


def test_a_batch_of_new_posts_leaves_the_stored_posts_blocks_unread(tmp_path: Path) -> None:
    """What the shortcut is for: DuckDB's cache after a batch of new posts holds about what
    the batch wrote, not the blocks of every stored key (a plain store's cache does)."""
    cached = {}

    def _ids(first: int, n: int, imp: int) -> pl.DataFrame:
        return _batch(first, n, 0, imp).with_columns(
            pl.Series("post_id", [_video_id(i) for i in range(first, first + n)])
        )

    for kind in ("plain", "small"):
        with closing(Store(tmp_path / f"{kind}.duckdb", small_appends=kind == "small")) as store:
            store.con.execute("SET threads = 1")  # one scan order: the same blocks each run
            with store.transaction():
                via_frame(store, _ids(0, 60_000, 1), tmp_path)
            with store.transaction():  # a batch: the keys' hashes loaded here
                via_frame(store, _ids(60_000, 100, 2), tmp_path)
            store.con.execute("CHECKPOINT")
            store.drop_cache("SET memory_limit = '256MB'")
            before = cached_mb(store)
            with store.transaction():
                via_frame(store, _ids(60_100, 100, 3), tmp_path)
            cached[kind] = cached_mb(store) - before
    assert cached["small"] < 0.25
    assert cached["plain"] > 0.5  # the blocks of the 60,000 stored ids


def test_post_keys_find_what_was_added_and_nothing_else() -> None:
    loads = []

    def load() -> np.ndarray:
        loads.append(1)
        return np.array([5, 1, 5, 9], dtype=np.uint64)

    keys = PostKeys(lambda: [load()])
    assert not loads  # loaded on first use only
    assert keys.any_stored(np.array([9], dtype=np.uint64))
    assert not keys.any_stored(np.array([0, 2, 10, 2**64 - 1], dtype=np.uint64))
    assert not keys.any_stored(np.array([], dtype=np.uint64))
    keys.add(np.array([2**64 - 1, 3], dtype=np.uint64))
    assert keys.any_stored(np.array([0, 2**64 - 1], dtype=np.uint64))
    assert keys.any_stored(np.array([3], dtype=np.uint64))
    assert len(keys) == 6 and loads == [1]  # a hash stored twice is counted twice
    assert not PostKeys(lambda: [np.array([], dtype=np.uint64)]).any_stored(
        np.array([1], dtype=np.uint64)
    )


def test_post_keys_merge_their_runs_and_still_find_every_hash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("engagecore.postkeys.MAX_RUNS", 3)
    rng = np.random.default_rng(7)
    batches = [rng.integers(0, 2**63, size=50, dtype=np.uint64) for _ in range(10)]
    keys = PostKeys(lambda: [])
    for n, batch in enumerate(batches):
        assert not keys.any_stored(batch)
        keys.add(batch)
        assert len(keys._sorted_runs()) <= 3
        assert all(keys.any_stored(b[i : i + 1]) for b in batches[: n + 1] for i in (0, 49))
    assert len(keys) == 500


def test_an_engine_for_small_appends_keeps_them_after_a_query(tmp_path: Path) -> None:
    """``Engine.query`` and ``tables`` close the store and reopen it: a fetch's engine must come
    back opened for small appends (small row groups, frequent checkpoints, the keys' hashes)."""
    from engagecore.api import Engine

    with Engine(tmp_path / "s.duckdb", small_appends=True) as eng:
        via_frame(eng.store, _batch(0, 20, 0, 1), tmp_path)
        assert eng.query("SELECT count(*) AS n FROM posts")["n"].to_list() == [20]
        assert not eng.tables().is_empty()
        (threshold,) = eng.store.fetchall("SELECT current_setting('checkpoint_threshold')")[0]
        with closing(Store(tmp_path / "plain.duckdb")) as plain:
            (default,) = plain.fetchall("SELECT current_setting('checkpoint_threshold')")[0]
        assert threshold != default
        spy = _Recorder(eng.store.con)
        eng.store.con = spy  # type: ignore[assignment]
        via_frame(eng.store, _batch(20, 20, 0, 2), tmp_path)
        via_frame(eng.store, _batch(40, 20, 0, 3), tmp_path)
        assert _reads_stored_keys(spy.statements) == []


def _mapped_runs() -> list[str]:
    """The keys' files mapped into this process now."""
    with open("/proc/self/maps") as maps:
        return [line for line in maps if "engage-postkeys-" in line]


def test_post_keys_are_files_mapped_only_while_looked_up(tmp_path: Path) -> None:
    """The hashes are not held by the process between lookups (8 bytes a post were what a
    long fetch's memory grew with): each run is a file, mapped during a lookup only."""
    rng = np.random.default_rng(3)
    stored = rng.integers(0, 2**63, size=5_000, dtype=np.uint64)
    keys = PostKeys(lambda: [stored])
    new = rng.integers(2**63, 2**64 - 1, size=200, dtype=np.uint64)
    assert not keys.any_stored(new)
    keys.add(new)
    assert keys.any_stored(new[7:8]) and keys.any_stored(stored[-1:])
    assert _mapped_runs() == []
    runs = keys._sorted_runs()
    assert [n for _, n in runs] == [5_000, 200]
    for path, n in runs:  # each run sorted, in its own file
        on_disk = np.load(path)
        assert on_disk.size == n and bool((np.diff(on_disk.astype(np.float64)) >= 0).all())
    held = [a for a in vars(keys).values() if isinstance(a, np.ndarray)]
    assert held == []
    folder = runs[0][0].parent
    keys.close()
    assert not folder.exists()


def test_a_store_loads_its_keys_in_runs_of_bounded_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stored posts' hashes arrive in chunks (a store's every post is never one array)
    and no run, loaded or merged, is longer than MAX_RUN; every stored post is still found,
    and the keys' files go with the store."""
    monkeypatch.setattr("engagecore.postkeys.MAX_RUN", 40)
    monkeypatch.setattr("engagecore.postkeys.MAX_RUNS", 4)
    with closing(Store(tmp_path / "plain.duckdb")) as plain:
        via_frame(plain, _batch(0, 100, 0, 1), tmp_path)
    with closing(Store(tmp_path / "plain.duckdb", small_appends=True)) as store:
        keys = store._post_keys
        assert keys is not None
        spy = _Recorder(store.con)
        store.con = spy  # type: ignore[assignment]
        for n in range(6):  # new posts, 25 a batch
            via_frame(store, _batch(100 + 25 * n, 25, 0, 2 + n), tmp_path)
        assert _reads_stored_keys(spy.statements) == []
        runs = keys._sorted_runs()
        assert max(size for _, size in runs) <= 40 and len(keys) == 250
        folder = runs[0][0].parent
        # a stored post among new ones, from the loaded runs and from the added ones
        for old in (3, 180):
            spy.statements.clear()
            via_frame(store, pl.concat([_batch(old, 1, 2, 9), _batch(400 + old, 5, 2, 9)]), tmp_path)
            assert _reads_stored_keys(spy.statements)
        assert store.fetchall("SELECT count(*), count(DISTINCT post_id) FROM posts") == [(260, 260)]
        assert folder.exists()
    assert not folder.exists()
