"""Requests a fetcher sends aside (``FetchSession.submit``): the YouTube fetcher asks for a
batch of videos while it asks for the next page of uploads; what such a request answers is
the account's, its error too, and nothing of a failed account is imported."""

from __future__ import annotations

import threading
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fetch_replay import KEY, YouTubeReplay, _load, make_videos
from pytest_httpserver import HTTPServer
from werkzeug import Request

from engagecore.fetch import run as fetch_run
from engagecore.fetch.http import HttpClient
from engagecore.museums import Museums
from engagecore.store import Store

NOW = datetime.now(UTC).replace(microsecond=0)
pytestmark = pytest.mark.usefixtures("no_backoff")


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ENGAGE_YOUTUBE_API_KEY", KEY)
    path = tmp_path / "engage.duckdb"
    with closing(Store(path)) as store:
        Museums(store).add("Musée du Louvre", slug="louvre")
    return path


def _fetch(db: Path, replay: YouTubeReplay) -> fetch_run.AccountReport:
    with closing(Store(db)) as store, HttpClient(timeout=10) as client:
        report = fetch_run.run(
            store,
            link=("youtube", "@museedulouvre", "louvre"),
            client=client,
            api_base=replay.base,
            now=datetime.now(UTC),
        )
    (row,) = report.accounts
    return row


def _posts(db: Path) -> int:
    with closing(Store(db, read_only=True)) as s:
        return int(s.fetchall("SELECT count(*) FROM posts")[0][0])


def test_a_batch_of_videos_is_asked_while_the_next_page_of_uploads_is(
    db: Path, threaded_server: HTTPServer
) -> None:
    replay = YouTubeReplay(threaded_server, videos=make_videos(120, NOW - timedelta(hours=1)))
    next_page = threading.Event()
    overlapped: list[bool] = []

    def hold(name: str, req: Request) -> tuple[int, Any] | None:
        if name == "playlistItems" and req.args.get("pageToken"):
            next_page.set()
        if name == "videos" and not overlapped:
            # the first batch answers only once the second page of uploads was asked for
            overlapped.append(next_page.wait(10))
        return None

    replay.fail = hold
    row = _fetch(db, replay)
    assert overlapped == [True]
    assert (row.status, row.new_posts, row.requests, row.quota) == ("ok", 120, 7, 7)
    assert _posts(db) == 120


def test_an_error_of_a_batch_sent_aside_fails_the_account_and_imports_nothing(
    db: Path, threaded_server: HTTPServer
) -> None:
    replay = YouTubeReplay(threaded_server, videos=make_videos(180, NOW - timedelta(hours=1)))
    seen = {"videos": 0}
    lock = threading.Lock()

    def quota_after_two(name: str, _req: Request) -> tuple[int, Any] | None:
        if name == "videos":
            with lock:
                seen["videos"] += 1
                if seen["videos"] == 3:
                    return 403, _load("error_quota_exceeded.json")
        return None

    replay.fail = quota_after_two
    row = _fetch(db, replay)
    assert row.status == "failed" and row.error is not None
    assert "youtube account @museedulouvre" in row.error
    assert "daily quota of the API key is exhausted" in row.error
    assert _posts(db) == 0  # the pages fetched before are kept on disk, not imported
    # the next run imports them with its own fetch: every video once
    replay.fail = None
    row = _fetch(db, replay)
    assert row.status == "ok" and _posts(db) == 180
    with closing(Store(db, read_only=True)) as s:
        assert s.fetchall("SELECT count(*), count(DISTINCT post_id) FROM posts") == [(180, 180)]
