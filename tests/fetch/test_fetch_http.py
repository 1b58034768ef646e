"""The HTTP client against a local server: pages, 429, 5xx, timeouts, truncation, secrets."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from engagecore.errors import UsageError
from engagecore.fetch.http import (
    BudgetExhausted,
    FetchError,
    HttpClient,
    NetworkError,
    graph_usage,
    read_secret,
    redact,
    strip_secrets,
    strip_secrets_deep,
    with_base,
)

SECRET = "AIzaPLANTEDsecret-123/+="


def test_several_pages(httpserver: HTTPServer, client: HttpClient) -> None:
    for n in range(3):
        httpserver.expect_ordered_request("/page", query_string={"p": str(n)}).respond_with_json(
            {"n": n}
        )
    got = [client.get(httpserver.url_for("/page"), params={"p": n}).json()["n"] for n in range(3)]
    assert got == [0, 1, 2]
    assert client.sent == 3
    httpserver.check_assertions()


def test_429_retry_after_seconds_is_honoured(
    httpserver: HTTPServer, client: HttpClient, sleeps: list[float]
) -> None:
    httpserver.expect_ordered_request("/x").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "7"}
    )
    httpserver.expect_ordered_request("/x").respond_with_json({"ok": True})
    assert client.get(httpserver.url_for("/x")).json() == {"ok": True}
    assert sleeps == [7.0]
    assert client.waits == [("429", 7.0)]


def test_429_retry_after_date_and_x_reset(httpserver: HTTPServer, sleeps: list[float]) -> None:
    now = 1_800_000_000.0
    when = format_datetime(datetime.fromtimestamp(now + 20, UTC), usegmt=True)
    httpserver.expect_ordered_request("/x").respond_with_data(
        "", status=429, headers={"Retry-After": when}
    )
    httpserver.expect_ordered_request("/x").respond_with_data(
        "", status=429, headers={"x-rate-limit-reset": str(int(now + 45))}
    )
    httpserver.expect_ordered_request("/x").respond_with_json({"ok": 1})
    with HttpClient(attempts=4, wait_initial=0.001, sleep=sleeps, wall=lambda: now) as c:
        assert c.get(httpserver.url_for("/x")).json() == {"ok": 1}
    assert sleeps == [20.0, 45.0]


def test_429_bluesky_ratelimit_reset_is_honoured(
    httpserver: HTTPServer, sleeps: list[float]
) -> None:
    now = 1_800_000_000.0
    httpserver.expect_ordered_request("/x").respond_with_json(
        {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
        status=429,
        headers={"ratelimit-limit": "3000", "ratelimit-remaining": "0",
                 "ratelimit-reset": str(int(now + 30)), "ratelimit-policy": "3000;w=300"},
    )  # fmt: skip
    httpserver.expect_ordered_request("/x").respond_with_json({"ok": 1})
    with HttpClient(attempts=4, wait_initial=0.001, sleep=sleeps, wall=lambda: now) as c:
        assert c.get(httpserver.url_for("/x")).json() == {"ok": 1}
    assert sleeps == [30.0]


def test_429_longer_than_the_budget_gives_up(httpserver: HTTPServer, sleeps: list[float]) -> None:
    httpserver.expect_request("/x").respond_with_data(
        "", status=429, headers={"Retry-After": "3600"}
    )
    with HttpClient(budget=60, sleep=sleeps) as c:
        resp = c.get(httpserver.url_for("/x"))
    assert resp.status == 429
    assert sleeps == []


def test_500_then_success(httpserver: HTTPServer, client: HttpClient) -> None:
    httpserver.expect_ordered_request("/x").respond_with_data("oops", status=500)
    httpserver.expect_ordered_request("/x").respond_with_data("oops", status=503)
    httpserver.expect_ordered_request("/x").respond_with_json({"ok": True})
    assert client.get(httpserver.url_for("/x")).json() == {"ok": True}
    assert client.sent == 3


def test_500_every_time_returns_the_last_answer(httpserver: HTTPServer, client: HttpClient) -> None:
    httpserver.expect_request("/x").respond_with_data("oops", status=502)
    resp = client.get(httpserver.url_for("/x"))
    assert resp.status == 502
    assert client.sent == 3  # every attempt


def test_timeout_then_success(sleeps: list[float]) -> None:
    # a threaded server: the retry is answered while the first request still sleeps
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    release = threading.Event()

    def slow(_: Request) -> Response:
        release.wait(30)
        return Response(json.dumps({"late": True}), content_type="application/json")

    server.expect_ordered_request("/x").respond_with_handler(slow)
    server.expect_ordered_request("/x").respond_with_json({"ok": True})
    server.start()
    try:
        # the timeout must also let the retry's answer through: 0.3 s did not always, on a
        # loaded machine (the slow handler holds its request until the end of the test)
        with HttpClient(timeout=2.0, attempts=3, wait_initial=0.001, sleep=sleeps) as c:
            assert c.get(server.url_for("/x")).json() == {"ok": True}
            assert c.sent == 2
    finally:
        release.set()
        server.clear()
        server.stop()


def test_timeout_every_time_is_one_line_without_the_key() -> None:
    # its own threaded server: no request left hanging on the shared one for the next test
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    release = threading.Event()

    def slow(_: Request) -> Response:
        release.wait(5)
        return Response("{}", content_type="application/json")

    server.expect_request("/x").respond_with_handler(slow)
    server.start()
    try:
        with (
            HttpClient(timeout=0.1, attempts=2, wait_initial=0.001, secrets=[SECRET]) as c,
            pytest.raises(NetworkError) as err,
        ):
            c.get(server.url_for("/x"), params={"key": SECRET})
    finally:
        release.set()
        server.clear()
        server.stop()
    msg = str(err.value)
    assert "\n" not in msg and "127.0.0.1" in msg and "2 attempts" in msg
    assert SECRET not in msg
    assert err.value.__cause__ is None and err.value.__suppress_context__


def test_truncated_body_is_retried(httpserver: HTTPServer, client: HttpClient) -> None:
    body = json.dumps({"items": [{"id": "a"}, {"id": "b"}]})
    httpserver.expect_ordered_request("/x").respond_with_data(
        body[: len(body) // 2], content_type="application/json"
    )
    httpserver.expect_ordered_request("/x").respond_with_data(body, content_type="application/json")
    assert client.get(httpserver.url_for("/x")).json()["items"][1]["id"] == "b"
    assert client.sent == 2


def test_truncated_every_time_is_an_error(httpserver: HTTPServer, client: HttpClient) -> None:
    httpserver.expect_request("/x").respond_with_data(
        '{"items": [', content_type="application/json"
    )
    with pytest.raises(NetworkError, match="truncated body"):
        client.get(httpserver.url_for("/x"))


def test_malformed_json_of_another_type_raises_on_parse(
    httpserver: HTTPServer, client: HttpClient
) -> None:
    httpserver.expect_request("/x").respond_with_data("<html>", content_type="text/html")
    with pytest.raises(FetchError, match="truncated or malformed JSON"):
        client.get(httpserver.url_for("/x")).json()


def test_graph_usage_above_90_percent_slows_down(
    httpserver: HTTPServer, sleeps: list[float]
) -> None:
    httpserver.expect_ordered_request("/a").respond_with_json(
        {}, headers={"X-App-Usage": json.dumps({"call_count": 95, "total_time": 3})}
    )
    httpserver.expect_ordered_request("/b").respond_with_json({})
    httpserver.expect_ordered_request("/c").respond_with_json({})
    with HttpClient(slowdown=12.0, sleep=sleeps) as c:
        for p in "abc":
            c.get(httpserver.url_for("/" + p))
    assert len(sleeps) == 1 and 11.0 < sleeps[0] <= 12.0


def test_graph_usage_headers() -> None:
    buc = {"1784": [{"type": "instagram", "call_count": 40, "estimated_time_to_regain_access": 5}]}
    assert graph_usage(httpx.Headers({"X-Business-Use-Case-Usage": json.dumps(buc)})) == (
        40.0,
        300.0,
    )
    assert graph_usage(httpx.Headers({"X-App-Usage": '{"call_count":91}'}))[0] == 91.0
    assert graph_usage(httpx.Headers({"X-App-Usage": "not json"})) == (0.0, 0.0)


def test_budget(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/x").respond_with_json({})
    t = [0.0]
    with HttpClient(budget=10, clock=lambda: t[0]) as c:
        c.get(httpserver.url_for("/x"))
        t[0] = 11.0
        with pytest.raises(BudgetExhausted, match="time budget of 10 s"):
            c.get(httpserver.url_for("/x"))


def test_per_host_concurrency_limit(httpserver: HTTPServer) -> None:
    active = [0, 0]
    lock = threading.Lock()

    both = threading.Event()

    def handler(_: Request) -> Response:
        with lock:
            active[0] += 1
            active[1] = max(active[1], active[0])
            if active[0] == 2:
                both.set()
        # the first request is held until a second one runs beside it (rather than hoping two
        # overlap within a 0.05 s sleep on a loaded machine), then each stays a moment so that a
        # third one, were the limit not kept, would be seen beside them
        both.wait(30)
        time.sleep(0.05)
        with lock:
            active[0] -= 1
        return Response("{}", content_type="application/json")

    httpserver.expect_request("/x").respond_with_handler(handler)
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.expect_request("/x").respond_with_handler(handler)
    server.start()
    try:
        with HttpClient(per_host=2) as c:
            threads = [
                threading.Thread(target=c.get, args=(server.url_for("/x"),)) for _ in range(6)
            ]
            for th in threads:
                th.start()
            for th in threads:
                th.join()
    finally:
        server.clear()
        server.stop()
    assert active[1] == 2


def test_with_base() -> None:
    official = "https://www.googleapis.com/youtube/v3/videos"
    assert with_base(official, None) == official
    assert with_base(official, "http://127.0.0.1:8123") == "http://127.0.0.1:8123/youtube/v3/videos"
    assert with_base(official, "http://h:1/prefix/") == "http://h:1/prefix/youtube/v3/videos"
    with pytest.raises(UsageError, match="expected a URL"):
        with_base(official, "localhost:8000")


def test_strip_and_redact_secrets() -> None:
    url = f"https://graph.facebook.com/v23.0/1/media?access_token={SECRET}&after=QVF&limit=25"
    assert strip_secrets(url) == "https://graph.facebook.com/v23.0/1/media?after=QVF&limit=25"
    doc = {"paging": {"next": url, "cursors": {"after": "QVF"}}, "data": [{"caption": "a ?"}]}
    assert SECRET not in json.dumps(strip_secrets_deep(doc))
    assert strip_secrets_deep(doc)["data"] == doc["data"]
    encoded = httpx.URL("https://h/x", params={"key": SECRET})
    assert SECRET not in redact(f"failed: {encoded}", [SECRET])
    assert redact(f"a {SECRET} b", [SECRET]) == "a *** b"


def test_secrets_never_reach_the_logs(
    httpserver: HTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    httpserver.expect_request("/x").respond_with_json({})
    with caplog.at_level(logging.DEBUG), HttpClient(secrets=[SECRET]) as c:
        resp = c.get(httpserver.url_for("/x"), params={"key": SECRET})
    assert SECRET not in caplog.text and "HTTP Request" in caplog.text
    assert SECRET not in resp.url and "key=" not in resp.url


def test_read_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENGAGE_TEST_KEY", " key-0123456789 \n")
    assert read_secret("ENGAGE_TEST_KEY") == "key-0123456789"
    monkeypatch.delenv("ENGAGE_TEST_KEY")
    assert read_secret("ENGAGE_TEST_KEY") is None
    f = tmp_path / "key.txt"
    f.write_text(SECRET + "\n")
    os.chmod(f, 0o644)
    with pytest.raises(UsageError, match=r"readable by others \(mode 644\); .*chmod 600") as err:
        read_secret("ENGAGE_TEST_KEY", f)
    assert SECRET not in str(err.value)
    os.chmod(f, 0o600)
    assert read_secret("ENGAGE_TEST_KEY", f) == SECRET
    with pytest.raises(UsageError, match="cannot be read"):
        read_secret("X", tmp_path / "none")
    monkeypatch.setenv("ENGAGE_TEST_KEY", "k")  # would be redacted out of every word
    with pytest.raises(UsageError, match=r"ENGAGE_TEST_KEY: expected a key or token .* got 1 "):
        read_secret("ENGAGE_TEST_KEY")


def test_stamina_retries_print_nothing(httpserver: HTTPServer) -> None:
    import subprocess
    import sys

    code = (
        "from engagecore.fetch.http import HttpClient\n"
        f"c = HttpClient(attempts=2, wait_initial=0.001, wait_jitter=0.001)\n"
        f"print(c.get({httpserver.url_for('/x')!r}).status)\n"
    )
    httpserver.expect_request("/x").respond_with_data("", status=503)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "503"
    assert done.stderr == ""


def test_waits_are_short_in_tests() -> None:
    # the defaults are for the network; the test client above keeps the suite fast
    assert timedelta(seconds=HttpClient().wait_initial) <= timedelta(seconds=1)
