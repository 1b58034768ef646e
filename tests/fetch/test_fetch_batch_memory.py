"""A fetch's import holds one batch at a time, and DuckDB's memory is bounded by the batch
(``limits.batch_memory_bytes``), not by the store it grows: each batch is written under its
own memory limit; the saved files are opened as they are reached, not all before the first
is read; and the per-file results a fetch never reads are not kept (benchmarks/fetch.py
measures the peak)."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from cli_run import run
from fetch_replay import YouTubeReplay, make_videos
from test_fetch_together import _saved, env  # noqa: F401 (the store and replay)
from test_store_small_appends import cached_mb, row_groups

from engagecore import ingest, limits
from engagecore.errors import DetectionError
from engagecore.sources import Source
from engagecore.store import Store

NOW = datetime.now(UTC).replace(microsecond=0)
pytestmark = pytest.mark.usefixtures("no_backoff")


def _duckdb_spelling(n: int) -> str:
    """How DuckDB prints a memory limit of ``n`` bytes (``current_setting``)."""
    with duckdb.connect() as con:
        con.execute(f"SET memory_limit = '{n}B'")
        return str(con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])


def test_the_batch_limit_is_a_share_of_the_ingest_limit_or_a_multiple_of_the_batch() -> None:
    mb = 1_000_000
    with limits.using(ingest_memory="512MB"):
        assert limits.batch_memory_bytes(0) == 64 * mb  # 512MB / 8
        assert limits.batch_memory_bytes(5 * mb) == 64 * mb
        assert limits.batch_memory_bytes(10 * mb) == 80 * mb  # 8 x a batch of 10 MB
        assert limits.batch_memory_bytes(100 * mb) == 512 * mb  # never above the ingest's
    with limits.using(ingest_memory="4GB"):  # raising ENGAGE_INGEST_MEMORY raises it
        assert limits.batch_memory_bytes(0) == 500 * mb
    assert limits.batch_memory_sql(10 * mb) == f"SET memory_limit = '{80 * mb}B'"


def _spy_limits(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """(DuckDB's memory limit, the batch's frames in bytes) as each batch is written."""
    seen: list[tuple[str, int]] = []
    write = ingest._Prepared.write
    sizes: list[int] = []
    frames_bytes = ingest._frames_bytes

    def spy_size(group: list[Any]) -> int:
        n = frames_bytes(group)
        sizes.append(n)
        return n

    def spy_write(self: Any, store: Store) -> None:
        (limit,) = store.fetchall("SELECT current_setting('memory_limit')")[0]
        seen.append((str(limit), sizes[-1]))
        write(self, store)

    monkeypatch.setattr(ingest, "_frames_bytes", spy_size)
    monkeypatch.setattr(ingest._Prepared, "write", spy_write)
    return seen


@pytest.mark.parametrize("ingest_memory", [None, "2GB"])
def test_each_batch_of_a_fetch_is_written_under_a_limit_bounded_by_the_batch(
    env: Path,  # noqa: F811
    youtube: YouTubeReplay,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    ingest_memory: str | None,
) -> None:
    if ingest_memory:
        monkeypatch.setenv("ENGAGE_INGEST_MEMORY", ingest_memory)
    monkeypatch.setattr(ingest, "TOGETHER_ROWS", 120)
    youtube.videos = make_videos(400, NOW - timedelta(hours=1))
    seen = _spy_limits(monkeypatch)
    code, _, err = run(["fetch", "youtube", "@museedulouvre", "--museum", "louvre"], capsys)
    assert code == 0, err
    assert len(seen) == 3  # batches of 3 pages of videos (test_fetch_together)
    whole = limits.current().memory_bytes()
    for limit, frames in seen:
        assert frames > 0
        expected = limits.batch_memory_bytes(frames)
        assert expected <= whole // 8 or expected == 8 * frames
        assert limit == _duckdb_spelling(expected)
        assert limit != _duckdb_spelling(whole)  # not the whole ingest's limit
    with closing(Store(env, read_only=True)) as s:
        assert s.fetchall("SELECT count(*) FROM posts") == [(400,)]


def test_each_batch_commits_under_the_ingest_limit(
    env: Path,  # noqa: F811
    youtube: YouTubeReplay,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A commit may checkpoint, and a checkpoint out of memory is fatal to DuckDB (the
    database is invalidated): the batch's limit never applies to it."""
    monkeypatch.setattr(ingest, "TOGETHER_ROWS", 120)
    youtube.videos = make_videos(400, NOW - timedelta(hours=1))
    seen = _spy_limits(monkeypatch)
    at_commit: list[str] = []
    real = Store.transaction
    depth = [0]

    @contextmanager
    def spy(self: Store) -> Iterator[None]:
        depth[0] += 1
        try:
            with real(self):
                yield
                if depth[0] == 1:
                    at_commit.append(
                        str(self.fetchall("SELECT current_setting('memory_limit')")[0][0])
                    )
        finally:
            depth[0] -= 1

    monkeypatch.setattr(Store, "transaction", spy)
    code, _, err = run(["fetch", "youtube", "@museedulouvre", "--museum", "louvre"], capsys)
    assert code == 0, err
    whole = _duckdb_spelling(limits.current().memory_bytes())
    assert len(seen) == 3 and all(limit != whole for limit, _ in seen)
    # the batches' commits (and the fetch's other transactions) under the ingest's limit
    # or DuckDB's default outside the import, never under a batch's
    assert at_commit and not {limit for limit, _ in seen} & set(at_commit)
    assert at_commit.count(whole) >= 3


@pytest.fixture
def pages(
    env: Path,  # noqa: F811
    youtube: YouTubeReplay,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> list[Path]:
    """400 videos fetched once into a first store; their saved responses, in fetch order."""
    youtube.videos = make_videos(400, NOW - timedelta(hours=1))
    assert run(["fetch", "youtube", "@museedulouvre", "--museum", "louvre"], capsys)[0] == 0
    return sorted(_saved(env), key=lambda p: p.name)


def _fresh(folder: Path) -> Iterator[Store]:
    folder.mkdir(parents=True, exist_ok=True)
    store = Store(folder / "again.duckdb")
    try:
        yield store
    finally:
        store.close()


def test_the_limit_is_put_back_after_a_batched_import(
    pages: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After the batches (each under its own limit), DuckDB's limit is the one the store
    had before the import."""
    monkeypatch.setattr(ingest, "TOGETHER_ROWS", 120)
    seen = _spy_limits(monkeypatch)
    for store in _fresh(tmp_path):
        before = store.fetchall("SELECT current_setting('memory_limit')")
        ingest.run(store, pages, network="youtube", allow_empty=True, together=True)
        assert len(seen) == 3 and all((limit,) != before[0] for limit, _ in seen)
        assert store.fetchall("SELECT current_setting('memory_limit')") == before


def test_the_files_are_opened_as_they_are_reached(
    pages: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ingest, "TOGETHER_ROWS", 120)
    opened: list[Path] = []
    real_open = Source.open

    def spy_open(path: str | Path) -> Source:
        opened.append(Path(path))
        return real_open(path)

    opened_at_writes: list[int] = []
    write = ingest._Prepared.write

    def spy_write(self: Any, store: Store) -> None:
        opened_at_writes.append(len(opened))
        write(self, store)

    monkeypatch.setattr(Source, "open", staticmethod(spy_open))
    monkeypatch.setattr(ingest._Prepared, "write", spy_write)
    for store in _fresh(tmp_path):
        ingest.run(store, pages, network="youtube", allow_empty=True, together=True)
        assert store.fetchall("SELECT count(*) FROM posts") == [(400,)]
    assert opened == pages  # each once, in order
    # each batch was written when only the files up to its own last had been opened
    # (all 17 were, before the first was read, when the units were made first)
    assert len(opened_at_writes) == 3
    assert opened_at_writes == sorted(set(opened_at_writes))
    assert opened_at_writes[0] < len(pages) and opened_at_writes[-1] == len(pages)


def test_a_file_no_importer_reads_stops_the_run_at_its_turn(
    pages: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ingest, "TOGETHER_ROWS", 120)
    stray = tmp_path / "stray.json.gz"
    stray.write_bytes(gzip.compress(b'{"kind": "not#aResponse", "nothing": []}'))
    for store in _fresh(tmp_path):
        with pytest.raises(DetectionError) as caught:
            ingest.run(store, [*pages, stray], network="youtube", allow_empty=True, together=True)
        assert "stray.json" in str(caught.value)
        # every page before it stored (in batches, each its own transaction), the stray not
        imported = store.fetchall("SELECT count(*) FROM imports")[0][0]
        assert 0 < imported < len(pages) + 1
        paths = {r[0] for r in store.fetchall("SELECT path FROM imports")}
        assert not any("stray" in p for p in paths)


def test_per_file_results_can_be_left_out_and_the_notes_still_counted(
    pages: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from engage_youtube import YouTubeDataApiImporter

    read = YouTubeDataApiImporter.read

    def read_with_note(self: YouTubeDataApiImporter, source: Source, ctx: Any) -> Any:
        batch = read(self, source, ctx)
        batch.notes = [*batch.notes, "noted"]
        return batch

    monkeypatch.setattr(YouTubeDataApiImporter, "read", read_with_note)
    reports = []
    for keep in (True, False):
        for store in _fresh(tmp_path / str(keep)):
            reports.append(
                ingest.run(
                    store,
                    pages,
                    network="youtube",
                    allow_empty=True,
                    together=True,
                    keep_units=keep,
                )
            )
            assert store.fetchall("SELECT count(*) FROM posts") == [(400,)]
    kept, left = reports
    assert len(kept.units) == len(pages) and left.units == []
    assert kept.notes == left.notes == {"noted": len(pages)}
    assert sum(u.notes.count("noted") for u in kept.units) == len(pages)


def test_a_fetch_writes_its_posts_in_small_row_groups(
    env: Path,  # noqa: F811
    youtube: YouTubeReplay,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`engage fetch` opens the store for small appends (``Store(small_appends=True)``): a
    commit's checkpoint then rewrites a small row group, not one of DuckDB's 122,880 rows
    (the row group size taken at 2,048 here, DuckDB's smallest)."""
    monkeypatch.setattr(limits, "SMALL_APPENDS_ROW_GROUP", 2048)  # DuckDB's smallest
    monkeypatch.setattr(ingest, "TOGETHER_ROWS", 1500)
    youtube.videos = make_videos(5000, NOW - timedelta(hours=1))
    code, _, err = run(["fetch", "youtube", "@museedulouvre", "--museum", "louvre"], capsys)
    assert code == 0, err
    with closing(Store(env, read_only=True)) as s:
        assert s.fetchall("SELECT count(*) FROM posts") == [(5000,)]
        groups = row_groups(s, "posts", "post_id")
    assert len(groups) >= 3 and all(n <= 2048 for n in groups), groups


def test_the_cache_is_dropped_after_each_batch_is_committed(
    env: Path,  # noqa: F811
    youtube: YouTubeReplay,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Between two batches DuckDB keeps no block of the posts it just wrote (they are in
    the file): ``Store.drop_cache`` after each commit, outside any transaction, the ingest's
    limit applied again."""
    monkeypatch.setattr(ingest, "TOGETHER_ROWS", 120)
    youtube.videos = make_videos(400, NOW - timedelta(hours=1))
    seen = _spy_limits(monkeypatch)
    dropped: list[tuple[bool, str, float]] = []
    real = Store.drop_cache

    def spy(self: Store, limit_sql: str) -> None:
        real(self, limit_sql)
        dropped.append((self._in_tx, limit_sql, cached_mb(self)))

    monkeypatch.setattr(Store, "drop_cache", spy)
    code, _, err = run(["fetch", "youtube", "@museedulouvre", "--museum", "louvre"], capsys)
    assert code == 0, err
    assert len(seen) == 3 and len(dropped) == 3  # once per batch
    for in_tx, limit_sql, cached in dropped:
        assert not in_tx and limit_sql == limits.ingest_memory_sql()
        assert cached < 1_000_000 / 2**20  # under 1,000,000 bytes: the posts' blocks given back
