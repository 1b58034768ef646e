"""The replay server: pytest-httpserver on 127.0.0.1 serving responses in the exact real
formats (tests/fixtures/fetch/), and an HTTP client whose waits take no time."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
import stamina
from fetch_replay import GraphReplay, YouTubeReplay
from pytest_httpserver import HTTPServer

from engagecore.fetch.http import HttpClient

# the replay server's access log (it shows the planted key the client sent, as a real
# server's log would): kept out of the tests' captured output
logging.getLogger("werkzeug").setLevel(logging.WARNING)


@pytest.fixture
def no_backoff() -> Iterator[None]:
    """stamina's test mode: retries without their backoff waits (at most 3 attempts), so a
    command run in process against a failing server ends at once."""
    with stamina.set_testing(True, attempts=3, cap=True):
        yield


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    return ("127.0.0.1", 0)


@pytest.fixture
def threaded_server() -> Iterator[HTTPServer]:
    """A replay server answering each request in its own thread: a retry after a timeout
    is served while the timed-out request's slow handler still sleeps (the shared
    ``httpserver`` answers one request at a time, so on a loaded machine the retry would
    wait behind it and time out too)."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    try:
        yield server
    finally:
        server.clear()
        server.stop()


class Sleeps(list[float]):
    """Records the waits asked for instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def client(sleeps: Sleeps) -> Iterator[HttpClient]:
    """A client with tiny backoffs and recorded (not slept) 429 and usage waits."""
    with HttpClient(
        timeout=2.0,
        attempts=3,
        wait_initial=0.001,
        wait_max=0.01,
        wait_jitter=0.001,
        sleep=sleeps,
    ) as c:
        yield c


@pytest.fixture
def youtube(httpserver: HTTPServer) -> YouTubeReplay:
    return YouTubeReplay(httpserver)


@pytest.fixture
def graph(httpserver: HTTPServer) -> GraphReplay:
    return GraphReplay(httpserver)
