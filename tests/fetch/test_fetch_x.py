"""``engage fetch`` with the X fetcher (plugins/engage_x/fetch.py) against a local replay
server on 127.0.0.1 answering in X API v2's real formats: several timeline pages, since_id,
refresh by ids, 429 with x-rate-limit-reset, X's own error bodies; the saved responses are
imported by the x-api importer (reposts stored as not own)."""

from __future__ import annotations

import gzip
import json
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cli_run import run
from engage_x.fetch import TWEET_FIELDS, TWEPOCH_MS, since_id
from fetch_replay import fetch_all
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from engagecore.fetch.run import FetchReport
from engagecore.museums import Museums
from engagecore.store import Store

TOKEN = "AAAAAAAAAAAAAAAAAAAAAPLANTEDx%2Ftoken%3Dsecret"
UID = "1318554661"
NOW = datetime.now(UTC).replace(microsecond=0)
#: the HTTP client's wall clock where a wait is computed from it (a rate limit's reset)
WALL = NOW.timestamp()
pytestmark = pytest.mark.usefixtures("no_backoff")


def _open(db: Path, read_only: bool = False) -> closing[Store]:
    return closing(Store(db, read_only=read_only))


def snowflake(at: datetime, seq: int = 0) -> str:
    return str(((int(at.timestamp() * 1000) - TWEPOCH_MS) << 22) + seq)


def tweet(at: datetime, n: int, *, retweet: bool = False, note: bool = False) -> dict[str, Any]:
    tid = snowflake(at, n % 4096)
    t: dict[str, Any] = {
        "edit_history_tweet_ids": [tid],
        "author_id": UID,
        "lang": "fr",
        "id": tid,
        "created_at": at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "text": f"RT @MuseeLouvre: post {n}" if retweet else f"Post {n} #musee",
        "public_metrics": {
            "retweet_count": 10 + n, "reply_count": 2, "like_count": 100 + n,
            "quote_count": 1, "bookmark_count": 3, "impression_count": 5000 + n,
        },
        "entities": {"hashtags": [{"start": 7, "end": 13, "tag": "musee"}]},
    }  # fmt: skip
    if retweet:
        t["referenced_tweets"] = [{"type": "retweeted", "id": "1853590000000000000"}]
    if note:
        t["note_tweet"] = {"text": "Un long post " + "très " * 80 + "#expo"}
        t["attachments"] = {"media_keys": ["3_1"]}
    return t


USER = {
    "data": {
        "id": UID, "name": "Musée d'Orsay", "username": "MuseeOrsay", "protected": False,
        "created_at": "2013-03-25T10:01:02.000Z",
        "public_metrics": {
            "followers_count": 742318, "following_count": 512, "tweet_count": 21034,
            "listed_count": 3300, "like_count": 9100,
        },
    }
}  # fmt: skip


@dataclass
class XReplay:
    """X API v2 on 127.0.0.1: the user, its timeline (newest first) and /2/tweets."""

    server: HTTPServer
    tweets: list[dict[str, Any]] = field(default_factory=list)
    asked: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    #: (path suffix, status, body, headers) answered once instead of the real answer
    fail: list[tuple[str, int, Any, dict[str, str]]] = field(default_factory=list)
    followers: int = 742318

    @property
    def base(self) -> str:
        return self.server.url_for("/").rstrip("/")

    def __call__(self, request: Request) -> Response:
        assert request.headers.get("Authorization") == f"Bearer {TOKEN}"
        assert TOKEN not in request.url
        q = dict(request.args)
        path = request.path
        self.asked.append((path, q))
        for i, (suffix, status, body, headers) in enumerate(self.fail):
            if path.endswith(suffix):
                del self.fail[i]
                return Response(json.dumps(body), status, headers, content_type="application/json")
        if path.startswith("/2/users/by/username/") or path == f"/2/users/{UID}":
            doc = json.loads(json.dumps(USER))
            doc["data"]["public_metrics"]["followers_count"] = self.followers
            return self._json(doc)
        if path == f"/2/users/{UID}/tweets":
            return self._timeline(q)
        if path == "/2/tweets":
            ids = q["ids"].split(",")
            by_id = {t["id"]: t for t in self.tweets}
            doc: dict[str, Any] = {"data": [by_id[i] for i in ids if i in by_id]}
            gone = [i for i in ids if i not in by_id]
            if gone:
                doc["errors"] = [
                    {"value": i, "detail": f"Could not find tweet with ids: [{i}].",
                     "title": "Not Found Error", "resource_type": "tweet", "parameter": "ids",
                     "resource_id": i,
                     "type": "https://api.twitter.com/2/problems/resource-not-found"}
                    for i in gone
                ]  # fmt: skip
            if not doc["data"]:
                del doc["data"]
            return self._json(doc)
        return Response("not found", 404)

    def _timeline(self, q: dict[str, str]) -> Response:
        rows = self.tweets
        if "since_id" in q:
            rows = [t for t in rows if int(t["id"]) > int(q["since_id"])]
        if "start_time" in q:
            start = q["start_time"].replace("Z", "")
            rows = [t for t in rows if t["created_at"][:19] >= start]
        offset = int(q.get("pagination_token", "0").removeprefix("tok") or 0)
        size = int(q["max_results"])
        part = rows[offset : offset + size]
        if not part:
            return self._json({"meta": {"result_count": 0}})
        meta: dict[str, Any] = {
            "result_count": len(part), "newest_id": part[0]["id"], "oldest_id": part[-1]["id"],
        }  # fmt: skip
        if offset + size < len(rows):
            meta["next_token"] = f"tok{offset + size}"
        return self._json(
            {
                "data": part,
                "includes": {
                    "users": [{"id": UID, "name": "Musée d'Orsay", "username": "MuseeOrsay"}],
                    "media": [{"media_key": "3_1", "type": "photo"}],
                },
                "meta": meta,
            }
        )

    @staticmethod
    def _json(doc: Any) -> Response:
        return Response(json.dumps(doc), 200, content_type="application/json; charset=utf-8")


def make_tweets(n: int, newest: datetime) -> list[dict[str, Any]]:
    """``n`` posts an hour apart, newest first; the 4th a repost, the 5th a long post."""
    return [tweet(newest - timedelta(hours=i), i, retweet=i == 3, note=i == 4) for i in range(n)]


@pytest.fixture
def x(httpserver: HTTPServer) -> XReplay:
    replay = XReplay(httpserver)
    httpserver.expect_request("/2/users/by/username/MuseeOrsay").respond_with_handler(replay)
    httpserver.expect_request(f"/2/users/{UID}").respond_with_handler(replay)
    httpserver.expect_request(f"/2/users/{UID}/tweets").respond_with_handler(replay)
    httpserver.expect_request("/2/tweets").respond_with_handler(replay)
    return replay


@pytest.fixture
def env(tmp_path: Path, x: XReplay, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ENGAGE_X_BEARER_TOKEN", TOKEN)
    monkeypatch.setenv("ENGAGE_X_API_BASE", x.base)
    db = tmp_path / "engage.duckdb"
    monkeypatch.setenv("ENGAGE_DB", str(db))
    with _open(db) as store:
        Museums(store).add("Musée d'Orsay", slug="orsay")
    return db


def _q(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with _open(db, read_only=True) as s:
        return s.fetchall(sql)


def _fetch(db: Path, sleeps: list[float], now: datetime = NOW, **kw: Any) -> FetchReport:
    return fetch_all(db, sleeps, now, **kw)


def test_fetch_links_then_reads_every_page_and_the_importer_stores_them(
    env: Path, x: XReplay, capsys: pytest.CaptureFixture[str]
) -> None:
    x.tweets = make_tweets(230, NOW - timedelta(minutes=5))
    code, out, err = run(["fetch", "x", "@MuseeOrsay", "--museum", "orsay"], capsys)
    assert code == 0, err
    calls = [(p, q.get("pagination_token")) for p, q in x.asked]
    assert calls == [
        ("/2/users/by/username/MuseeOrsay", None),
        (f"/2/users/{UID}/tweets", None),
        (f"/2/users/{UID}/tweets", "tok100"),
        (f"/2/users/{UID}/tweets", "tok200"),
    ]
    assert x.asked[0][1]["user.fields"].startswith("public_metrics,created_at")
    for _, q in x.asked[1:]:
        assert q["max_results"] == "100" and q["tweet.fields"] == TWEET_FIELDS
        assert "since_id" not in q
    assert _q(env, "SELECT count(*), sum(is_own::INT) FROM posts") == [(230, 229)]
    assert _q(env, "SELECT account_id, museum, handle FROM accounts") == [
        (UID, "orsay", "MuseeOrsay")
    ]
    assert _q(env, "SELECT followers FROM follower_snapshots") == [(742318,)]
    # a repost's counts are the original post's: not stored as the museum's
    assert _q(env, "SELECT likes, is_own FROM posts WHERE text LIKE 'RT @%'") == [(None, False)]
    assert _q(env, "SELECT kind, right(text, 5) FROM posts WHERE text LIKE 'Un long%'") == [
        ("photo", "#expo")
    ]
    assert {r[0] for r in _q(env, "SELECT importer FROM imports")} == {"x-api"}
    saved = sorted((env.parent / "responses" / "x").rglob("*.json.gz"))
    assert len(saved) == 4
    for p in saved:
        raw = gzip.decompress(p.read_bytes()).decode()
        assert TOKEN not in raw and raw.startswith('{"data":')
        assert "engagecore_observed_at" in json.loads(raw)
    assert "@MuseeOrsay" in out and "230" in out


def test_rerun_asks_since_the_newest_post_and_refreshes_recent_counts(
    env: Path, x: XReplay, sleeps: list[float]
) -> None:
    with _open(env) as store:
        Museums(store).link("orsay", "x", "MuseeOrsay")
    x.tweets = make_tweets(150, NOW - timedelta(days=5))  # 150 hours: the last ~6 days
    first = _fetch(env, sleeps)
    assert first.accounts[0].new_posts == 150
    newest = datetime.fromisoformat(x.tweets[0]["created_at"].replace("Z", "+00:00"))
    x.tweets = make_tweets(3, NOW - timedelta(minutes=1)) + x.tweets[:-1]  # 3 new, 1 deleted
    for t in x.tweets[3:]:
        t["public_metrics"]["like_count"] += 1000
    x.asked.clear()
    report = _fetch(env, sleeps, NOW + timedelta(minutes=1))
    (row,) = report.accounts
    assert row.status == "ok", row.error
    timeline = [q for p, q in x.asked if p.endswith("/tweets") and p != "/2/tweets"]
    assert timeline[0]["since_id"] == since_id(newest)
    # the 149 own posts stored are refreshed (not the repost), 100 ids a request; the
    # deleted one is left out by X
    refresh = [q["ids"].split(",") for p, q in x.asked if p == "/2/tweets"]
    assert [len(r) for r in refresh] == [100, 49]
    assert (row.new_posts, row.refreshed_posts) == (3, 148)
    assert _q(env, "SELECT count(*) FROM posts") == [(153,)]
    # every refresh is a new observation (the newest stored post, asked again by since_id
    # at its second, too): each refreshed post keeps both its readings; a post read once
    # (the new ones, the deleted one) has its reading in its posts row only
    assert _q(env, "SELECT count(*) FROM post_observations") == [(148 * 2,)]
    assert _q(env, "SELECT count(*) FROM posts WHERE likes >= 1000") == [(148,)]
    # and a third run, nothing new: nothing duplicated
    report = _fetch(env, sleeps, NOW + timedelta(minutes=2))
    assert report.accounts[0].new_posts == 0
    assert _q(env, "SELECT count(*) FROM posts") == [(153,)]
    with _open(env, read_only=True) as s:
        assert s.duplicate_keys() == {"posts": 0, "post_observations": 0}


def test_since_and_max_posts(
    env: Path, x: XReplay, sleeps: list[float], capsys: pytest.CaptureFixture[str]
) -> None:
    x.tweets = make_tweets(120, NOW - timedelta(minutes=5))
    since = (NOW - timedelta(hours=50)).date()
    code, _, err = run(
        ["fetch", "x", "MuseeOrsay", "--museum", "orsay", "--since", since.isoformat(),
         "--max-posts", "30"],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    (tl,) = [q for p, q in x.asked if p == f"/2/users/{UID}/tweets"]
    assert tl["start_time"] == f"{since.isoformat()}T00:00:00Z" and tl["max_results"] == "30"
    assert _q(env, "SELECT count(*) FROM posts") == [(30,)]


def test_429_with_x_rate_limit_reset_is_waited_then_retried(
    env: Path, x: XReplay, sleeps: list[float]
) -> None:
    with _open(env) as store:
        Museums(store).link("orsay", "x", "MuseeOrsay")
    x.tweets = make_tweets(3, NOW - timedelta(minutes=5))
    reset = int(WALL) + 120
    x.fail.append(
        ("/tweets", 429,
         {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank",
          "status": 429},
         {"x-rate-limit-reset": str(reset), "x-rate-limit-remaining": "0"}),
    )  # fmt: skip
    report = _fetch(env, sleeps, wall=lambda: WALL)  # however long the run takes
    assert report.accounts[0].status == "ok", report.accounts[0].error
    assert len(sleeps) == 1 and 100 < sleeps[0] <= 121
    assert _q(env, "SELECT count(*) FROM posts") == [(3,)]


@pytest.mark.parametrize(
    ("suffix", "status", "body", "message"),
    [
        ("MuseeOrsay", 401,
         {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"},
         "x account @MuseeOrsay: HTTP 401 (Unauthorized); the bearer token was refused"),
        ("MuseeOrsay", 200,
         {"errors": [{"value": "MuseeOrsay",
                      "detail": "Could not find user with username: [MuseeOrsay].",
                      "title": "Not Found Error", "resource_type": "user",
                      "parameter": "username", "resource_id": "MuseeOrsay",
                      "type": "https://api.twitter.com/2/problems/resource-not-found"}]},
         "x account @MuseeOrsay: no such user on X (Not Found Error: Could not find user"),
        ("MuseeOrsay", 403,
         {"client_id": "123", "detail": "When authenticating requests to the Twitter API v2 "
          "endpoints, you must use keys and tokens from a Twitter developer App that is "
          "attached to a Project.", "registration_url": "https://developer.twitter.com/",
          "title": "Client Forbidden", "required_enrollment": "Appropriate Level of API Access",
          "reason": "client-not-enrolled",
          "type": "https://api.twitter.com/2/problems/client-forbidden"},
         "HTTP 403 (Client Forbidden: When authenticating"),
        ("/tweets", 429,
         {"title": "UsageCapExceeded", "detail": "Usage cap exceeded: Monthly product cap",
          "type": "https://api.twitter.com/2/problems/usage-capped", "period": "Monthly",
          "scope": "Product"},
         "the app's monthly post cap is used up"),
        ("/tweets", 200,
         {"errors": [{"title": "Authorization Error",
                      "type": "https://api.twitter.com/2/problems/not-authorized-for-resource",
                      "detail": f"Sorry, you are not authorized to see the user with id: [{UID}].",
                      "resource_type": "user", "parameter": "id", "resource_id": UID}]},
         "the account's posts are protected (a private account)"),
    ],
)  # fmt: skip
def test_xs_own_errors_are_one_line_name_the_account_and_store_nothing(
    env: Path,
    x: XReplay,
    capsys: pytest.CaptureFixture[str],
    suffix: str,
    status: int,
    body: Any,
    message: str,
) -> None:
    x.tweets = make_tweets(3, NOW - timedelta(minutes=5))
    x.fail.extend([(suffix, status, body, {})] * 3)  # as often as the client retries
    code, out, err = run(["fetch", "x", "@MuseeOrsay", "--museum", "orsay"], capsys)
    assert code != 0
    assert message in out + err, out + err
    assert TOKEN not in out + err
    assert _q(env, "SELECT count(*) FROM posts") == [(0,)]


def test_a_truncated_page_fails_the_account_and_keeps_nothing_half_imported(
    env: Path, x: XReplay, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    x.tweets = make_tweets(3, NOW - timedelta(minutes=5))
    httpserver.clear_all_handlers()
    httpserver.expect_request("/2/users/by/username/MuseeOrsay").respond_with_handler(x)
    httpserver.expect_request(f"/2/users/{UID}/tweets").respond_with_data(
        '{"data": [{"id": "1", "text": "cut', content_type="application/json"
    )
    code, out, err = run(["fetch", "x", "@MuseeOrsay", "--museum", "orsay"], capsys)
    assert code != 0 and TOKEN not in out + err
    assert _q(env, "SELECT count(*) FROM posts") == [(0,)]


def test_since_id_is_the_snowflake_of_the_newest_second() -> None:
    at = datetime(2024, 11, 5, 13, 24, 9, tzinfo=UTC)
    sid = int(since_id(at))
    assert sid < int(snowflake(at)) and sid + 1 == int(snowflake(at))
    # X's own id of a post of 2024-11-05 13:24:09 is above it, one of 13:24:08 below
    assert int("1853800000000000000") > int(since_id(datetime(2024, 11, 5, tzinfo=UTC)))
