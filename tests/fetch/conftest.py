"""The replay server: pytest-httpserver on 127.0.0.1 serving responses in the exact real
formats (tests/fixtures/fetch/), and an HTTP client whose waits take no time."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from engagecore.fetch.http import HttpClient

FETCH_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "fetch"


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    return ("127.0.0.1", 0)


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
