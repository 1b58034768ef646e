"""``engage fetch``'s import runs with DuckDB's allocator giving freed pages back at once
(engagecore.fetch.allocator), and only it: the settings are put back after."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fetch_replay import KEY, YouTubeReplay, make_videos

from engagecore import ingest
from engagecore.fetch import allocator
from engagecore.fetch import run as fetch_run
from engagecore.museums import Museums
from engagecore.store import Store

pytestmark = pytest.mark.usefixtures("no_backoff")

needs_symbol = pytest.mark.skipif(
    not allocator.settings(), reason="this DuckDB has no duckdb_je_mallctl"
)


@needs_symbol
def test_the_block_sets_every_arena_s_decay_to_zero_then_puts_back_what_it_found() -> None:
    before = allocator.settings()
    assert before["arenas.dirty_decay_ms"] > 0  # DuckDB's default keeps freed pages a while
    with allocator.pages_back_at_once():
        inside = allocator.settings()
        assert inside and set(inside.values()) == {0}, inside
    after = allocator.settings()
    assert {k: after[k] for k in before} == before


@needs_symbol
def test_pages_a_statement_freed_are_given_back_inside_the_block() -> None:
    """In a fresh interpreter (RSS of its own): a DuckDB aggregate of ~200 MB, run inside
    the block, leaves RSS near where it was; the same query with the decay DuckDB's
    allocator had (a value long enough that nothing is given back meanwhile) keeps them."""
    script = """
import json, sys
import duckdb
from engagecore.fetch import allocator

def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20

con = duckdb.connect()
con.execute("SET threads = 1")
query = "SELECT count(*) FROM (SELECT i % 3000000 AS k, count(*) FROM range(6000000) t(i) GROUP BY k)"
con.execute(query).fetchall()  # warm up: the first run's own allocations
if sys.argv[1] == "block":
    with allocator.pages_back_at_once():
        start = rss()
        con.execute(query).fetchall()
        end = rss()
else:
    old = allocator.set_decay(100_000)
    start = rss()
    con.execute(query).fetchall()
    end = rss()
    allocator.restore(old)
print(json.dumps({"kept": end - start}))
"""

    def kept(mode: str) -> float:
        out = subprocess.run(
            [sys.executable, "-c", script, mode], capture_output=True, text=True, check=True
        )
        return float(json.loads(out.stdout.strip().splitlines()[-1])["kept"])

    kept_outside = kept("keep")
    kept_inside = kept("block")
    assert kept_outside > 40, kept_outside  # the query's pages stayed
    assert kept_inside < kept_outside / 2, (kept_inside, kept_outside)


def test_without_the_symbol_the_block_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(allocator, "_mallctl", lambda: None)
    with allocator.pages_back_at_once():
        assert allocator.settings() == {}
    assert allocator.set_decay(0) == {}


@needs_symbol
def test_fetch_imports_inside_the_block_and_puts_the_settings_back(
    tmp_path: Path, youtube: YouTubeReplay, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENGAGE_YOUTUBE_API_KEY", KEY)
    youtube.videos = make_videos(60, fetch_run.datetime.now(fetch_run.UTC))
    seen: list[dict[str, int]] = []
    real = ingest.run

    def watched(*args: Any, **kw: Any) -> Any:
        seen.append(allocator.settings())
        return real(*args, **kw)

    monkeypatch.setattr(ingest, "run", watched)
    before = allocator.settings()
    store = Store(tmp_path / "engage.duckdb")
    try:
        Museums(store).add("Musée du Louvre", slug="louvre")
        Museums(store).link("louvre", "youtube", "UCfVvGxNuFTd9ktLB7jTu3Wg")
        report = fetch_run.run(store, museums=["louvre"], api_base=youtube.base)
        assert not report.errors, report.errors
        assert store.fetchall("SELECT count(*) FROM posts")[0][0] == 60
    finally:
        store.close()
    assert len(seen) == 1 and set(seen[0].values()) == {0}, seen
    after = allocator.settings()
    assert {k: after[k] for k in before} == before
