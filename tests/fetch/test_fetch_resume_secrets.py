"""A planted key appears nowhere; kill -9 mid-fetch, then a re-run, gives exactly the posts of
an uninterrupted run; saved gzip responses read like plain ones."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import threading
import time
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cli_run import run
from fetch_replay import KEY, YouTubeReplay, make_videos
from pytest_httpserver import HTTPServer

from engagecore.museums import Museums
from engagecore.sources import Source
from engagecore.store import Store

NOW = datetime.now(UTC).replace(microsecond=0)
# commands run in process: their HTTP client retries without waiting
pytestmark = pytest.mark.usefixtures("no_backoff")


def _store(db: Path) -> None:
    with closing(Store(db)) as store:
        Museums(store).add("Musée du Louvre", slug="louvre")
        Museums(store).link("louvre", "youtube", "@museedulouvre")


def _killed_and_whole(replay: YouTubeReplay, tmp_path: Path) -> tuple[dict[str, str], Path, Path]:
    """The environment pointing at ``replay``, and two stores linked alike: one to be
    killed mid-fetch, one fetched whole."""
    env = {**os.environ, "ENGAGE_YOUTUBE_API_KEY": KEY, "ENGAGE_YOUTUBE_API_BASE": replay.base}
    killed, whole = tmp_path / "killed" / "engage.duckdb", tmp_path / "whole" / "engage.duckdb"
    for db in (killed, whole):
        db.parent.mkdir()
        _store(db)
    return env, killed, whole


def _everything_on_disk(root: Path) -> bytes:
    """Every byte under ``root``, gzip files decompressed."""
    out = []
    for p in sorted(root.rglob("*")):
        if p.is_file():
            data = p.read_bytes()
            out.append(gzip.decompress(data) if p.name.endswith(".gz") else data)
    return b"\n".join(out)


def test_a_planted_key_appears_nowhere(
    tmp_path: Path,
    youtube: YouTubeReplay,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db = tmp_path / "engage.duckdb"
    _store(db)
    monkeypatch.setenv("ENGAGE_YOUTUBE_API_KEY", KEY)
    monkeypatch.setenv("ENGAGE_YOUTUBE_API_BASE", youtube.base)
    monkeypatch.setenv("ENGAGE_DB", str(db))
    youtube.videos = make_videos(70, NOW - timedelta(hours=1))
    # an API that echoes the request (as Graph's paging.next does): the key must not be saved
    real = youtube._videos

    def echoing(req: object) -> object:
        doc = real(req)  # type: ignore[arg-type]
        doc["items"][0]["snippet"]["description"] = f"see {youtube.base}/x?key={KEY}&a=1"
        return doc

    youtube._videos = echoing  # type: ignore[method-assign]
    code, out1, err1 = run(["fetch", "louvre"], capsys)
    assert code == 0, err1
    # a failing run: the server errors on every request
    youtube.fail = lambda name, req: (500, {"error": {"code": 500, "message": "Backend Error"}})
    monkeypatch.setenv("ENGAGE_DEBUG", "1")
    code, out2, err2 = run(["fetch", "louvre", "--refresh-days", "90"], capsys)
    assert code == 1 and "youtube account @museedulouvre" in err2
    assert KEY not in out1 + err1 + out2 + err2
    disk = _everything_on_disk(tmp_path)
    assert b"Backend" not in disk  # the failed run saved nothing
    assert KEY.encode() not in disk
    assert b"museedulouvre" in disk  # the scan does see the store's contents


def test_saved_gzip_responses_import_like_plain_ones(tmp_path: Path, fixtures: Path) -> None:
    plain = fixtures / "youtube" / "videos_list.json"
    gz = tmp_path / "videos_list.json.gz"
    gz.write_bytes(gzip.compress(plain.read_bytes()))
    src = Source.open(gz)
    assert src.names() == ["videos_list.json"] and src.display() == str(gz)
    assert src.read_json("videos_list.json") == json.loads(plain.read_bytes())
    assert src.local_path("videos_list.json") is None
    with closing(Store(tmp_path / "a.duckdb")) as a, closing(Store(tmp_path / "b.duckdb")) as b:
        from engagecore import ingest

        ingest.run(a, [plain])
        ingest.run(b, [gz])
        q = "SELECT post_id, views, likes, text FROM posts ORDER BY post_id"
        assert a.fetchall(q) == b.fetchall(q) and len(a.fetchall(q)) == 5
    cut = tmp_path / "cut.json.gz"
    cut.write_bytes(gzip.compress(plain.read_bytes())[:-20])
    from engagecore.errors import FormatError

    with pytest.raises(FormatError, match=r"cut\.json\.gz: damaged gzip file"):
        Source.open(cut).read_json("cut.json")


def _engage(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "engagecore", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_kill_9_mid_fetch_then_rerun_gives_the_posts_of_an_uninterrupted_run(
    tmp_path: Path,
) -> None:
    videos = make_videos(180, NOW - timedelta(hours=1))
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    try:
        replay = YouTubeReplay(server, videos=videos)
        reached, release = threading.Event(), threading.Event()
        seen = {"videos": 0}

        def hang(name: str, _req: object) -> tuple[int, object] | None:
            if name == "videos":
                seen["videos"] += 1
                if seen["videos"] == 3:  # two pages saved, the third in flight
                    reached.set()
                    release.wait(20)
            return None

        replay.fail = hang
        env, killed, whole = _killed_and_whole(replay, tmp_path)
        proc = _engage(["fetch", "louvre", "--db", str(killed)], env)
        try:
            assert reached.wait(60), proc.communicate(timeout=5)
            folder = killed.parent / "responses" / "youtube" / "museedulouvre"
            # the pages answered before the hung one are all saved (it gave up after 5 s and
            # killed anyway, and the count below failed on a loaded machine)
            deadline = time.monotonic() + 60
            while len(list(folder.glob("*.json.gz"))) < 7:
                assert time.monotonic() < deadline, "the answered pages were not saved"
                time.sleep(0.05)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)
        finally:
            release.set()
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode == -signal.SIGKILL
        saved = [gzip.decompress(f.read_bytes()) for f in folder.glob("*.json.gz")]
        videos_pages = sum(b"youtube#videoListResponse" in b for b in saved)
        # the channel, the four pages of uploads, two or three pages of videos (a batch is
        # asked for while the next page of uploads is: the fourth may pass the third)
        assert len(saved) - videos_pages == 5 and videos_pages in (2, 3)
        with closing(Store(killed, read_only=True)) as s:
            assert s.fetchall("SELECT count(*) FROM posts") == [(0,)]  # nothing half-imported
        replay.fail = None
        for db in (killed, whole):
            done = _engage(["fetch", "louvre", "--db", str(db)], env)
            _, err = done.communicate(timeout=60)
            assert done.returncode == 0, err.decode()
        q = "SELECT post_id, account_id, posted_at, views FROM posts ORDER BY post_id"
        with (
            closing(Store(killed, read_only=True)) as a,
            closing(Store(whole, read_only=True)) as b,
        ):
            assert a.fetchall(q) == b.fetchall(q)
            assert len(a.fetchall(q)) == 180
            assert a.duplicate_keys() == {k: 0 for k in a.duplicate_keys()}
            # every saved response was imported once: the killed run's too
            paths = [r[0] for r in a.fetchall("SELECT path FROM imports")]
            assert len(paths) == len(set(paths)) == len(saved) + 9
    finally:
        server.clear()
        server.stop()


#: ``engage`` with batches of ~120 rows, killed (SIGKILL) as the import's third batch is
#: about to be written: the first two are committed, their files whole
_KILLED_AT_THIRD_BATCH = """
import os, signal, sys
from engagecore import ingest
from engagecore.cli import main
ingest.TOGETHER_ROWS = 120
real = ingest._Prepared.write
calls = []
def write(self, store, *rest):
    calls.append(1)
    if len(calls) == 3:
        os.kill(os.getpid(), signal.SIGKILL)
    real(self, store, *rest)
ingest._Prepared.write = write
sys.argv = ["engage", *sys.argv[1:]]
main()
"""


def test_kill_9_between_two_batches_of_the_import_then_rerun_gives_the_posts_of_an_uninterrupted_run(
    tmp_path: Path,
) -> None:
    """An account's responses are written in batches, each its own transaction: killed
    between two, the store holds whole files only (every post with the import of its
    file, every imported file with all its rows), the rest unrecorded; the next run imports
    the rest, and the store equals an uninterrupted run's."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    try:
        replay = YouTubeReplay(server, videos=make_videos(400, NOW - timedelta(hours=1)))
        env, killed, whole = _killed_and_whole(replay, tmp_path)
        proc = subprocess.run(
            [sys.executable, "-c", _KILLED_AT_THIRD_BATCH, "fetch", "louvre", "--db", str(killed)],
            env=env,
            capture_output=True,
            timeout=120,
        )
        assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()
        folder = killed.parent / "responses" / "youtube" / "museedulouvre"
        saved = sorted(folder.glob("*.json.gz"))
        assert len(saved) == 1 + 8 + 8  # the fetch was complete: channel, 8 + 8 pages
        with closing(Store(killed, read_only=True)) as s:
            imported = dict(s.fetchall("SELECT import_id, rows FROM imports"))
            # two batches of about 120 rows (pages of 50 posts + the account) committed
            assert 0 < len(imported) < len(saved)
            per_import = dict(
                s.fetchall("SELECT import_id, count(*) FROM posts GROUP BY import_id")
            )
            assert set(per_import) <= set(imported)  # no post without its file's import
            # a page of videos: its 50 posts and the account row, all there
            assert all(imported[i] == n + 1 for i, n in per_import.items())
            assert 0 < sum(per_import.values()) < 400
        for db in (killed, whole):
            done = _engage(["fetch", "louvre", "--db", str(db)], env)
            _, err = done.communicate(timeout=120)
            assert done.returncode == 0, err.decode()
        q = (
            "SELECT post_id, account_id, posted_at, views, followers_at_post "
            "FROM posts ORDER BY post_id"
        )
        with (
            closing(Store(killed, read_only=True)) as a,
            closing(Store(whole, read_only=True)) as b,
        ):
            assert a.fetchall(q) == b.fetchall(q)
            assert len(a.fetchall(q)) == 400
            assert a.duplicate_keys() == {k: 0 for k in a.duplicate_keys()}
            # every response the killed run saved was imported once, by the next run
            paths = [r[0] for r in a.fetchall("SELECT path FROM imports")]
            assert len(paths) == len(set(paths))
            recorded = {p.rsplit("/", 1)[-1] for p in paths}
            assert {f.name for f in saved} <= recorded
    finally:
        server.clear()
        server.stop()
