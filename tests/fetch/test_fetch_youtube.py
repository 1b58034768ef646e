"""``engage fetch`` with the YouTube fetcher against the local Data API replay server."""

from __future__ import annotations

import gzip
import json
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cli_run import run
from fetch_replay import KEY, Video, YouTubeReplay, make_videos

from engagecore.fetch import run as fetch_run
from engagecore.fetch.http import HttpClient
from engagecore.store import Store


def _open(db: Path, read_only: bool = False) -> closing[Store]:
    return closing(Store(db, read_only=read_only))


NOW = datetime.now(UTC).replace(microsecond=0)
# commands run in process: their HTTP client retries without waiting
pytestmark = pytest.mark.usefixtures("no_backoff")


@pytest.fixture
def env(tmp_path: Path, youtube: YouTubeReplay, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ENGAGE_YOUTUBE_API_KEY", KEY)
    monkeypatch.setenv("ENGAGE_YOUTUBE_API_BASE", youtube.base)
    db = tmp_path / "engage.duckdb"
    monkeypatch.setenv("ENGAGE_DB", str(db))
    with _open(db) as store:
        from engagecore.museums import Museums

        Museums(store).add("Musée du Louvre", slug="louvre")
    return db


def _posts(db: Path) -> list[tuple[str, int]]:
    with _open(db, read_only=True) as s:
        return [(p, v) for p, v in s.fetchall("SELECT post_id, views FROM posts ORDER BY post_id")]


def _count(db: Path, sql: str) -> int:
    with _open(db, read_only=True) as s:
        return int(s.fetchall(sql)[0][0])


def test_fetch_links_then_fetches_every_upload(
    env: Path, youtube: YouTubeReplay, capsys: pytest.CaptureFixture[str]
) -> None:
    youtube.videos = make_videos(120, NOW - timedelta(hours=1))
    code, out, err = run(["fetch", "youtube", "@MuseeDuLouvre", "--museum", "louvre"], capsys)
    assert code == 0, err
    # 1 channels.list, 3 playlistItems pages (50, 50, 20), 3 videos.list batches: each batch
    # asked for while the next page of uploads is (so in no fixed order after the channel)
    assert youtube.calls[0] == "channels"
    assert sorted(youtube.calls) == ["channels"] + ["playlistItems"] * 3 + ["videos"] * 3
    assert len(_posts(env)) == 120
    with _open(env, read_only=True) as s:
        assert s.fetchall("SELECT account_id, museum, handle FROM accounts") == [
            ("UCfVvGxNuFTd9ktLB7jTu3Wg", "louvre", "museedulouvre")
        ]
        assert s.fetchall("SELECT followers FROM follower_snapshots") == [(1_230_000,)]
        paths = [r[0] for r in s.fetchall("SELECT path FROM imports ORDER BY path")]
        plugins = {r[0] for r in s.fetchall("SELECT importer FROM imports")}
        rows = sorted(r[0] for r in s.fetchall("SELECT rows FROM imports"))
    assert plugins == {"youtube-data-api"}
    # every response saved and imported: the channel, three playlistItems pages (read as
    # nothing: ids without counts) and three videos pages
    assert len(paths) == 7
    assert rows[:3] == [0, 0, 0] and all(n > 0 for n in rows[3:])
    # under the account as it was linked (by its id once known: see the re-run test)
    assert all(p.startswith("responses/youtube/MuseeDuLouvre/") for p in paths), paths
    saved = sorted((env.parent / "responses" / "youtube" / "MuseeDuLouvre").iterdir())
    doc = json.loads(gzip.decompress(saved[0].read_bytes()))
    assert doc["kind"] == "youtube#channelListResponse"
    assert datetime.fromisoformat(doc["engagecore_observed_at"]) >= NOW
    # the summary: one row, at 80 columns
    assert "@museedulouvre" in out and "120" in out and "ok" in out
    assert max(len(line) for line in out.splitlines()) <= 80


def test_rerun_asks_only_for_newer_posts_and_refreshes_recent_counts(
    env: Path, youtube: YouTubeReplay, capsys: pytest.CaptureFixture[str]
) -> None:
    youtube.videos = make_videos(60, NOW - timedelta(days=1))  # 1 .. 60 days old
    assert run(["fetch", "youtube", "@museedulouvre", "--museum", "louvre"], capsys)[0] == 0
    # every video read once: its reading is its posts row, no observation row
    assert _count(env, "SELECT count(*) FROM post_observations") == 0
    youtube.calls.clear()
    youtube.videos[0].views = 99_999  # a count that kept growing
    youtube.videos[:0] = [Video("new0000001", NOW - timedelta(hours=2), views=5)]
    code, out, err = run(["fetch", "louvre", "--refresh-days", "10"], capsys)
    assert code == 0, err
    # one page of uploads is enough: it reaches the newest stored video
    assert sorted(youtube.calls) == ["channels", "playlistItems", "videos", "videos"]
    posts = dict(_posts(env))
    assert len(posts) == 61 and posts["new0000001"] == 5
    assert posts["v0000000000"] == 99_999
    # the refresh added observations (posts 1 .. 9 days old) and kept the older readings:
    # both readings of each refreshed video, none of the others
    assert _count(env, "SELECT count(*) FROM post_observations") == 9 * 2
    assert _count(env, "SELECT count(*) FROM post_observations WHERE post_id = 'v0000000000'") == 2
    assert _count(env, "SELECT count(*) FROM follower_snapshots") == 2  # one per run
    lines = [line for line in out.splitlines() if "@museedulouvre" in line]
    assert lines and " 1 " in lines[0] and " 9 " in lines[0]


def test_since_and_max_posts(
    env: Path, youtube: YouTubeReplay, capsys: pytest.CaptureFixture[str]
) -> None:
    youtube.videos = make_videos(30, NOW - timedelta(hours=1))
    since = (NOW - timedelta(days=9, hours=12)).date().isoformat()
    code, _, err = run(
        ["fetch", "youtube", "museedulouvre", "--museum", "louvre", "--since", since], capsys
    )
    assert code == 0, err
    # --since is the day's start in UTC: which videos it keeps depends on the hour of NOW
    start = datetime.fromisoformat(since).replace(tzinfo=UTC)
    kept = sorted(v.id for v in youtube.videos if v.published >= start)
    assert len(kept) in (10, 11)
    assert sorted(p for p, _ in _posts(env)) == kept
    code, _, err = run(["fetch", "louvre", "--max-posts", "5", "--refresh-days", "0"], capsys)
    assert code == 0, err  # nothing newer than the newest stored: none
    assert sorted(p for p, _ in _posts(env)) == kept
    youtube.videos[:0] = make_videos(8, NOW - timedelta(minutes=5), "n", timedelta(minutes=1))
    assert run(["fetch", "louvre", "--max-posts", "5", "--refresh-days", "0"], capsys)[0] == 0
    new = [p for p, _ in _posts(env) if p.startswith("n")]
    assert new == [f"n{i:010d}" for i in range(5)]  # the five newest


def test_dry_run_sends_nothing(
    env: Path, youtube: YouTubeReplay, capsys: pytest.CaptureFixture[str]
) -> None:
    youtube.videos = make_videos(3, NOW)
    code, out, _ = run(
        ["fetch", "youtube", "@museedulouvre", "--museum", "louvre", "--dry-run"], capsys
    )
    assert code == 0 and youtube.calls == []
    assert "dry run" in out
    assert _count(env, "SELECT count(*) FROM accounts") == 0


@pytest.mark.parametrize(
    ("fixture", "status", "expected"),
    [
        ("error_quota_exceeded.json", 403, "daily quota of the API key is exhausted"),
        ("error_key_invalid.json", 400, "the API key is invalid; check ENGAGE_YOUTUBE_API_KEY"),
    ],
)
def test_youtube_error_bodies_are_one_line(
    env: Path,
    youtube: YouTubeReplay,
    capsys: pytest.CaptureFixture[str],
    fixture: str,
    status: int,
    expected: str,
) -> None:
    from fetch_replay import YT

    youtube.videos = make_videos(80, NOW - timedelta(hours=1))
    body = json.loads((YT / fixture).read_text())
    # the error comes on the second videos.list call: the first page was fetched and saved
    seen = {"videos": 0}

    def fail(name: str, _req: object) -> tuple[int, object] | None:
        if name == "videos":
            seen["videos"] += 1
            if seen["videos"] == 2:
                return status, body
        return None

    youtube.fail = fail
    code, _, err = run(["fetch", "youtube", "@museedulouvre", "--museum", "louvre"], capsys)
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("engage: error: youtube account @museedulouvre: ")
    assert expected in lines[0]
    # nothing half-imported: the account's pages wait for a complete fetch
    assert _count(env, "SELECT count(*) FROM posts") == 0
    assert _count(env, "SELECT count(*) FROM imports") == 0
    youtube.fail = None
    assert run(["fetch", "louvre"], capsys)[0] == 0
    assert _count(env, "SELECT count(*) FROM posts") == 80


def test_unknown_handle_and_missing_key(
    env: Path,
    youtube: YouTubeReplay,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, _, err = run(["fetch", "youtube", "@nobody", "--museum", "louvre"], capsys)
    assert code == 1
    assert err.strip() == (
        "engage: error: youtube account @nobody: no such channel; check the handle or "
        "channel id (UC…)"
    )
    monkeypatch.delenv("ENGAGE_YOUTUBE_API_KEY")
    code, _, err = run(["fetch", "louvre"], capsys)
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert "no API key; set ENGAGE_YOUTUBE_API_KEY" in err


def test_quota_is_counted_per_call(env: Path, youtube: YouTubeReplay, sleeps: list[float]) -> None:
    youtube.videos = make_videos(51, NOW - timedelta(hours=1))
    with _open(env) as store, HttpClient(sleep=sleeps) as client:
        report = fetch_run.run(
            store, link=("youtube", "@museedulouvre", "louvre"), client=client, now=NOW
        )
    (row,) = report.accounts
    assert (row.requests, row.quota, row.new_posts, row.status) == (5, 5, 51, "ok")
    assert sorted(youtube.calls) == [
        "channels",
        "playlistItems",
        "playlistItems",
        "videos",
        "videos",
    ]


def test_a_5xx_then_success_inside_a_fetch(
    env: Path, youtube: YouTubeReplay, sleeps: list[float]
) -> None:
    youtube.videos = make_videos(3, NOW - timedelta(hours=1))
    failed = []

    def fail(name: str, _req: object) -> tuple[int, object] | None:
        if name == "videos" and not failed:
            failed.append(name)
            return 503, {"error": {"code": 503, "message": "Backend Error"}}
        return None

    youtube.fail = fail
    with (
        _open(env) as store,
        HttpClient(sleep=sleeps, wait_initial=0.001, wait_jitter=0.001) as client,
    ):
        report = fetch_run.run(
            store, link=("youtube", "@museedulouvre", "louvre"), client=client, now=NOW
        )
    assert report.accounts[0].status == "ok"
    assert len(_posts(env)) == 3


def test_api_base_flag_and_secret_file(
    env: Path,
    youtube: YouTubeReplay,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    youtube.videos = make_videos(2, NOW - timedelta(hours=1))
    monkeypatch.delenv("ENGAGE_YOUTUBE_API_BASE")
    monkeypatch.delenv("ENGAGE_YOUTUBE_API_KEY")
    key = tmp_path / "youtube.key"
    key.write_text(KEY + "\n")
    key.chmod(0o640)
    args = ["fetch", "youtube", "@museedulouvre", "--museum", "louvre"]
    args += ["--api-base", youtube.base, "--secret-file", str(key)]
    code, _, err = run(args, capsys)
    assert code == 2 and youtube.calls == []  # refused before any request
    assert err.strip() == (
        f"engage: error: secret file {key}: readable by others (mode 640); make it private "
        f"with `chmod 600 {key}`"
    )
    key.chmod(0o600)
    code, _, err = run(args, capsys)
    assert code == 0, err
    assert youtube.calls[0] == "channels" and len(_posts(env)) == 2


def test_a_fetcher_of_an_unregistered_network_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    import engage_youtube

    from engagecore import plugins
    from engagecore.errors import PluginError

    class Stray(engage_youtube.YouTubeFetcher):
        network = "myspace"

    def register_fetchers(register: object) -> None:
        register(Stray())  # type: ignore[operator]

    pm = plugins.get_plugin_manager()
    (impl,) = [i for i in pm.hook.register_fetchers.get_hookimpls() if i.plugin_name == "youtube"]
    monkeypatch.setattr(impl, "function", register_fetchers)
    with pytest.raises(PluginError, match="plugin 'youtube': fetcher for network 'myspace'"):
        plugins.registry()


def test_the_python_api(env: Path, youtube: YouTubeReplay) -> None:
    import engagecore

    youtube.videos = make_videos(4, NOW - timedelta(hours=1))
    eng = engagecore.open(env)
    try:
        report = eng.fetch(link=("youtube", "@museedulouvre", "louvre"))
        assert report.errors == [] and report.table()["new posts"].to_list() == [4]
        report = eng.fetch("louvre", network="youtube", since=NOW.date(), refresh_days=0)
        assert report.table()["new posts"].to_list() == [0]
    finally:
        eng.close()


def test_an_account_of_a_network_without_fetcher_is_listed_not_fetched(
    env: Path, youtube: YouTubeReplay, capsys: pytest.CaptureFixture[str]
) -> None:
    youtube.videos = make_videos(2, NOW - timedelta(hours=1))
    with _open(env) as store:
        from engagecore.museums import Museums

        # peertube: the example plugin's network (tests/conftest.py), which has no fetcher
        Museums(store).link("louvre", "peertube", "museedulouvre@peertube.example.org")
        Museums(store).link("louvre", "youtube", "museedulouvre")
    code, out, err = run(["fetch", "louvre", "--format", "json"], capsys)
    assert code == 0, err
    rows = {r["network"]: r["status"] for r in json.loads(out)}
    assert rows == {"peertube": "no fetcher", "youtube": "ok"}


def test_the_time_budget_stops_a_fetch_in_one_line(
    env: Path, youtube: YouTubeReplay, sleeps: list[float]
) -> None:
    youtube.videos = make_videos(120, NOW - timedelta(hours=1))
    clock = [0.0]

    def tick() -> float:
        clock[0] += 1.0  # every look at the clock: one second later
        return clock[0]

    with _open(env) as store, HttpClient(budget=6, clock=tick, sleep=sleeps) as client:
        report = fetch_run.run(
            store, link=("youtube", "@museedulouvre", "louvre"), client=client, now=NOW
        )
        (row,) = report.accounts
        assert row.status == "failed" and row.error is not None
        assert "time budget of 6 s is spent" in row.error and "\n" not in row.error
        assert store.fetchall("SELECT count(*) FROM posts") == [(0,)]


def test_a_response_the_importer_refuses_stores_nothing_and_says_what_to_do(
    env: Path, youtube: YouTubeReplay, capsys: pytest.CaptureFixture[str]
) -> None:
    youtube.videos = make_videos(3, NOW - timedelta(hours=1))
    youtube.videos[1].published = datetime(1970, 1, 1, tzinfo=UTC)  # an unset date upstream
    code, _, err = run(["fetch", "youtube", "@museedulouvre", "--museum", "louvre"], capsys)
    assert code == 1
    (line,) = err.strip().splitlines()
    assert line.startswith(
        "engage: error: youtube account @museedulouvre: the saved responses could not be imported ("
    )
    assert "responses/youtube/museedulouvre/" in line and "1970" in line
    assert "; nothing of this account was stored: move the file named aside" in line
    assert line.endswith("move the file named aside (and report it), then run again")
    assert _count(env, "SELECT count(*) FROM posts") == 0


def test_a_write_failing_after_a_batch_says_the_batches_before_it_are_kept(
    env: Path,
    youtube: YouTubeReplay,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The import is written in batches, each its own transaction: a store write failing in
    the second batch keeps the first (whole files), and the line says so instead of "nothing
    was stored"."""
    from engagecore import ingest
    from engagecore.errors import StoreError

    youtube.videos = make_videos(120, NOW - timedelta(hours=1))
    monkeypatch.setattr(ingest, "TOGETHER_ROWS", 60)
    real = ingest._Prepared.write
    calls: list[int] = []

    def write(self: ingest._Prepared, store: Store) -> None:
        calls.append(1)
        if len(calls) == 2:
            raise StoreError("the store could not be written (disk full)")
        real(self, store)

    monkeypatch.setattr(ingest._Prepared, "write", write)
    code, _, err = run(["fetch", "youtube", "@museedulouvre", "--museum", "louvre"], capsys)
    assert code == 1
    (line,) = err.strip().splitlines()
    assert "disk full" in line
    kept = _count(env, "SELECT count(*) FROM posts")
    assert 0 < kept < 120
    # the first batch: the channel, the pages of uploads and of videos read with it
    first = _count(env, "SELECT count(*) FROM imports")
    assert f"; the {first} responses imported before its batch are kept: move the file" in line


def test_a_video_listed_again_after_an_upload_during_the_paging_is_asked_for_once(
    env: Path, youtube: YouTubeReplay, capsys: pytest.CaptureFixture[str]
) -> None:
    """An upload while the uploads playlist is paged shifts it by one: the first page's last
    video comes again at the top of the second. The fetcher remembers the ids of the last
    pages only (not every id of a long channel), which is enough to ask for it once."""
    youtube.videos = make_videos(120, NOW - timedelta(hours=1))
    asked: list[str] = []
    pages = 0

    def watch(name: str, req: Any) -> None:
        nonlocal pages
        if name == "videos":
            asked.extend(req.args["id"].split(","))
        elif name == "playlistItems":
            pages += 1
            if pages == 2:  # uploaded between the first page and the second
                youtube.videos.insert(0, Video("late000001", NOW - timedelta(minutes=1), views=3))

    youtube.fail = watch
    code, out, err = run(["fetch", "youtube", "@MuseeDuLouvre", "--museum", "louvre"], capsys)
    assert code == 0, err
    first_page_last = sorted(youtube.videos[1:], key=lambda v: v.published, reverse=True)[49].id
    assert pages == 3
    assert asked.count(first_page_last) == 1
    assert sorted(asked) == sorted(v.id for v in youtube.videos[1:])  # each once, no more
    assert len(_posts(env)) == 120
    lines = [line for line in out.splitlines() if "museedulouvre" in line]
    assert lines and " 120 " in lines[0], out
