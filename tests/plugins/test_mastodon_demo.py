"""The Mastodon demo writer (plugins/engage_mastodon/demo.py): a simulated account written as
its real archive and API responses, read back by the plugin's own importers.

The writer is registered (``register_demo_writers``): ``engage demo`` gives some simulated
museums a Mastodon account, written in these formats and imported by the real importers. Each
network has its own random stream in the simulator, so this leaves the other networks'
simulated data as it was (tests/test_simulate.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest
from built_once import demo_build
from engage_mastodon.demo import MastodonDemoWriter

import engagecore
from engagecore import plugins
from engagecore.plugin import ReadContext, Source, choose_importer
from engagecore.testing import sample_account


def _account() -> engagecore.plugin.DemoAccountData:
    data = sample_account("mastodon", posts=4)
    boost = data.posts.tail(1).with_columns(
        post_id=pl.lit("1700000000099999"),
        is_own=pl.lit(False),
        posted_at=pl.lit(datetime(2024, 5, 1, 12, tzinfo=UTC)),
    )
    data.posts = pl.concat([data.posts, boost])
    return data


def test_engage_demo_brings_mastodon_archives_and_api_responses(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    assert "mastodon" in plugins.registry().demo_writers
    db = demo_build(tmp_path_factory, museums=12, seed=0).db  # run_demo(db, 12, seed=0)
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.sql(
            "SELECT i.importer, count(*) FROM posts p JOIN imports i USING (import_id) "
            "WHERE p.network = 'mastodon' GROUP BY 1"
        ).fetchall()
    assert {name for name, n in rows if n > 0} <= {"mastodon-archive", "mastodon-api"}
    assert sum(n for _, n in rows) > 0


def test_each_file_written_is_claimed_and_read_back(tmp_path: Path) -> None:
    data = _account()
    paths = MastodonDemoWriter().write(data, tmp_path)
    assert [p.name for p in paths] == ["archive", "api"]
    outbox = (paths[0] / "outbox.json").read_text(encoding="utf-8")
    assert outbox.count('"orderedItems"') == 2  # the real archives' trap, written too
    importers = list(plugins.registry().importers.values())
    written = set(data.posts["post_id"])
    for path, name in zip(paths, ("mastodon-archive", "mastodon-api"), strict=True):
        src = Source.open(path)
        try:
            chosen = choose_importer(src, importers)
            assert chosen is not None and chosen[0].name == name
            batch = chosen[0].read(src, ReadContext())
        finally:
            src.close()
        assert batch.posts is not None and set(batch.posts["post_id"]) == written
        own = batch.posts.filter(pl.col("is_own"))
        first = data.posts.sort("posted_at").row(0, named=True)
        assert first["text"] in set(own["text"])  # the HTML gives the text back
        assert [first["hashtags"]] == own.sort("posted_at")["hashtags"].head(1).to_list()


def test_the_archive_and_the_api_land_on_one_account_with_the_counts(tmp_path: Path) -> None:
    data = _account()
    paths = MastodonDemoWriter().write(data, tmp_path / "demo")
    db = tmp_path / "e.duckdb"
    with engagecore.open(db) as eng:
        eng.ingest(paths)
    with duckdb.connect(str(db), read_only=True) as con:
        accounts = con.sql("SELECT account_id, display_name FROM accounts").fetchall()
        stored = con.sql("SELECT post_id, likes, comments, shares, is_own FROM posts").fetchall()
        followers = con.sql("SELECT followers FROM follower_snapshots").fetchall()
    assert accounts == [(f"{data.handle.lower()}@mastodon.social", data.museum_name)]
    expected = {
        (r["post_id"], r["likes"], r["comments"], r["shares"], True)
        if r["is_own"]
        else (r["post_id"], None, None, None, False)
        for r in data.posts.to_dicts()
    }
    assert set(stored) == expected
    assert followers == [(12345,)]
    doc = json.loads(next((paths[1]).glob("statuses-*.json")).read_text(encoding="utf-8"))
    boost = next(s for s in doc["statuses"] if s["reblog"])
    assert boost["favourites_count"] == 0  # as the API gives a boost: its counts are not read
