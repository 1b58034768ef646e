"""An account's saved responses are imported as one unit: one validation per table, one
transaction, each file still recorded with its digest, a refused file named."""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from cli_run import run
from fetch_replay import KEY, YouTubeReplay, make_videos

from engagecore import ingest, schema
from engagecore.store import Store

NOW = datetime.now(UTC).replace(microsecond=0)
pytestmark = pytest.mark.usefixtures("no_backoff")


@pytest.fixture
def env(tmp_path: Path, youtube: YouTubeReplay, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ENGAGE_YOUTUBE_API_KEY", KEY)
    monkeypatch.setenv("ENGAGE_YOUTUBE_API_BASE", youtube.base)
    db = tmp_path / "engage.duckdb"
    monkeypatch.setenv("ENGAGE_DB", str(db))
    with closing(Store(db)) as store:
        from engagecore.museums import Museums

        Museums(store).add("Musée du Louvre", slug="louvre")
    return db


def _saved(db: Path) -> list[Path]:
    return sorted((db.parent / "responses" / "youtube").rglob("*.json.gz"))


def _dump(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table the fetch writes (imports without their clock time)."""
    with closing(Store(db, read_only=True)) as s:
        out = {
            t: sorted(s.fetchall(f"SELECT * FROM {t}"), key=repr)
            for t in ("accounts", "posts", "post_observations", "follower_snapshots")
        }
        out["imports"] = s.fetchall(
            "SELECT import_id, importer, network, path, sha256, rows FROM imports ORDER BY 1"
        )
        return out


def _spy_validation(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    calls: list[tuple[str, int]] = []
    real: Callable[..., pl.DataFrame] = ingest.validate_frame

    def spy(table: str, df: pl.DataFrame, **kw: Any) -> pl.DataFrame:
        calls.append((table, df.height))
        return real(table, df, **kw)

    monkeypatch.setattr(ingest, "validate_frame", spy)
    return calls


def test_a_run_of_many_pages_is_validated_once_per_table_and_records_every_file(
    env: Path,
    youtube: YouTubeReplay,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    youtube.videos = make_videos(230, NOW - timedelta(hours=1))
    calls = _spy_validation(monkeypatch)
    code, _, err = run(["fetch", "youtube", "@museedulouvre", "--museum", "louvre"], capsys)
    assert code == 0, err
    files = _saved(env)
    # channels.list, 5 playlistItems.list pages, 5 videos.list pages (50 … 30)
    assert len(files) == 1 + 5 + 5
    # one validation of each table over every page, not one per page and table
    assert sorted(t for t, _ in calls) == ["accounts", "follower_snapshots", "posts"]
    assert dict(calls)["posts"] == 230
    with closing(Store(env, read_only=True)) as s:
        imports = s.fetchall("SELECT import_id, path, sha256, rows FROM imports ORDER BY path")
        # every file has its own import: its path beside the store, its digest, its rows
        assert [(p, d) for _, p, d, _ in imports] == [
            (f.relative_to(env.parent).as_posix(), hashlib.sha256(f.read_bytes()).hexdigest())
            for f in files
        ]
        # the channel (account, snapshot), the uploads' pages (read as nothing), the videos
        # (posts, the account): in no fixed order, a batch being asked for beside a page
        assert sorted(r for *_, r in imports) == [0] * 5 + [2, 30 + 1] + [50 + 1] * 4
        # each post keeps the import of the page it came from
        per_import = s.fetchall(
            "SELECT i.path, count(*) FROM posts p JOIN imports i USING (import_id) "
            "GROUP BY 1 ORDER BY 1"
        )
        assert sorted(n for _, n in per_import) == [30, 50, 50, 50, 50]
        assert [p for p, _ in per_import] == [p for _, p, _, r in imports if r > 2]


def test_a_rerun_and_an_ingest_of_the_responses_folder_add_nothing(
    env: Path, youtube: YouTubeReplay, capsys: pytest.CaptureFixture[str]
) -> None:
    youtube.videos = make_videos(120, NOW - timedelta(hours=1))
    assert run(["fetch", "youtube", "@museedulouvre", "--museum", "louvre"], capsys)[0] == 0
    before = _dump(env)
    assert len(before["imports"]) == len(_saved(env)) == 1 + 3 + 3
    code, out, err = run(["ingest", str(env.parent / "responses")], capsys)
    assert code == 0, err
    assert _dump(env) == before
    # seven rows "already imported", or the one value they share said under the table
    assert out.count("already imported") == 7 or "status: already imported" in out


def test_a_refused_last_page_leaves_the_store_as_it_was_and_names_its_file(
    env: Path, youtube: YouTubeReplay, capsys: pytest.CaptureFixture[str]
) -> None:
    youtube.videos = make_videos(3, NOW - timedelta(days=2))
    assert run(["fetch", "youtube", "@museedulouvre", "--museum", "louvre"], capsys)[0] == 0
    before = _dump(env)
    first = set(_saved(env))
    # 120 newer videos (3 pages), then the refresh of the 3 stored ones comes last: one of
    # them now has a count no video can have (refused by the validation, not by the reader)
    youtube.videos[:0] = make_videos(120, NOW - timedelta(hours=1), "n", timedelta(minutes=1))
    youtube.videos[-1].views = schema.MAX_COUNT + 1
    code, _, err = run(["fetch", "louvre"], capsys)
    assert code == 1
    (line,) = err.strip().splitlines()
    new = sorted(set(_saved(env)) - first)
    assert len(new) == 1 + 3 + 3 + 1  # the channel, 3 pages of uploads, 3 + 1 of videos
    # the refresh is asked for last, yet may be saved before the last new batch
    (last,) = [
        f for f in new if str(schema.MAX_COUNT + 1).encode() in gzip.decompress(f.read_bytes())
    ]
    assert f"responses/youtube/{youtube.channel_id}/{last.name}" in line, line
    assert "column 'views'" in line and str(schema.MAX_COUNT + 1) in line
    for other in new:
        assert other == last or other.name not in line
    assert _dump(env) == before  # nothing of the 5 files, not even the good pages
    # the file set aside, the next run imports the good pages it left, once
    last.rename(env.parent / "refused.json.gz")
    youtube.videos[-1].views = 7
    assert run(["fetch", "louvre"], capsys)[0] == 0
    with closing(Store(env, read_only=True)) as s:
        assert s.fetchall("SELECT count(*) FROM posts") == [(123,)]
        assert s.fetchall("SELECT views FROM posts WHERE post_id = 'v0000000002'") == [(7,)]


def test_pages_are_validated_and_written_in_bounded_batches(
    env: Path,
    youtube: YouTubeReplay,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ingest, "TOGETHER_ROWS", 120)
    youtube.videos = make_videos(400, NOW - timedelta(hours=1))
    calls = _spy_validation(monkeypatch)
    assert run(["fetch", "youtube", "@museedulouvre", "--museum", "louvre"], capsys)[0] == 0
    posts = [n for t, n in calls if t == "posts"]
    # 8 pages of 50 posts (+1 account row each): a batch closes past 120 rows, every 3 pages
    assert posts == [150, 150, 100]
    with closing(Store(env, read_only=True)) as s:
        assert s.fetchall("SELECT count(*), count(DISTINCT import_id) FROM posts") == [(400, 8)]


def test_a_refused_page_in_a_later_batch_keeps_the_batches_before_it_whole(
    env: Path,
    youtube: YouTubeReplay,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each batch is read, validated and written in its own transaction (the import holds
    one batch at a time): a file refused in a later batch leaves the batches before it
    stored, whole files each, nothing of its own batch; the line names the file and says
    how many responses were kept, and the next run imports the others once."""
    monkeypatch.setattr(ingest, "TOGETHER_ROWS", 120)
    youtube.videos = make_videos(400, NOW - timedelta(hours=1))
    youtube.videos[-1].views = schema.MAX_COUNT + 1  # the oldest: asked for last
    code, _, err = run(["fetch", "youtube", "@museedulouvre", "--museum", "louvre"], capsys)
    assert code == 1
    (line,) = err.strip().splitlines()
    files = _saved(env)
    (refused,) = [
        f for f in files if str(schema.MAX_COUNT + 1).encode() in gzip.decompress(f.read_bytes())
    ]
    assert refused.name in line and "column 'views'" in line
    with closing(Store(env, read_only=True)) as s:
        imported = dict(s.fetchall("SELECT import_id, rows FROM imports"))
        per_import = dict(s.fetchall("SELECT import_id, count(*) FROM posts GROUP BY 1"))
        followers = s.fetchall("SELECT count(*) FROM posts WHERE followers_at_post IS NULL")
    assert f"; the {len(imported)} responses imported before its batch are kept" in line
    assert 0 < len(imported) < len(files)
    assert all(imported[i] == n + 1 for i, n in per_import.items())  # whole pages of videos
    assert 0 < sum(per_import.values()) < 400
    assert followers == [(0,)]  # each batch's posts got their followers as of the post
    # the file set aside, the next run imports the files the refused batch left, once
    refused.rename(env.parent / "refused.json.gz")
    youtube.videos[-1].views = 7
    code, _, err = run(["fetch", "louvre"], capsys)
    assert code == 0, err
    with closing(Store(env, read_only=True)) as s:
        # every video, once (the uploads are listed again: those set aside come back)
        assert s.fetchall("SELECT count(*), count(DISTINCT post_id) FROM posts") == [(400, 400)]
        assert s.fetchall("SELECT views FROM posts WHERE views > 1e15") == []
        paths = [r[0] for r in s.fetchall("SELECT path FROM imports")]
    assert len(paths) == len(set(paths))  # no response imported twice
    saved = {f.relative_to(env.parent).as_posix() for f in files}
    assert saved - {refused.relative_to(env.parent).as_posix()} <= set(paths)
