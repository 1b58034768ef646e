"""``engage fetch`` with the Mastodon fetcher (plugins/engage_mastodon/fetch.py) against a local
replay server on 127.0.0.1 answering as a Mastodon instance's public API does: the account
lookup, statuses pages newest first paged with ``max_id`` (and the ``Link`` header), a boost,
the API's error bodies and its 429 with an ISO ``X-RateLimit-Reset``; the saved responses are
read back by the ``mastodon-api`` importer."""

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
from fetch_replay import fetch_all
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from engagecore.fetch.run import FetchReport
from engagecore.museums import Museums
from engagecore.store import Store

ID = "109305671312345678"
ADDRESS = "CentrePompidou@mastodon.social"
ACCOUNT = "centrepompidou@mastodon.social"
NOW = datetime.now(UTC).replace(microsecond=0)
#: the HTTP client's wall clock where a wait is computed from it (a rate limit's reset)
WALL = NOW.timestamp()
LOOKUP_PATH = "/api/v1/accounts/lookup"
STATUSES_PATH = f"/api/v1/accounts/{ID}/statuses"
pytestmark = pytest.mark.usefixtures("no_backoff")


def _open(db: Path, read_only: bool = False) -> closing[Store]:
    return closing(Store(db, read_only=read_only))


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


ACCOUNT_JSON: dict[str, Any] = {
    "id": ID, "username": "CentrePompidou", "acct": "CentrePompidou",
    "display_name": "Centre Pompidou", "locked": False, "bot": False, "discoverable": True,
    "group": False, "created_at": "2022-11-08T00:00:00.000Z",
    "note": "<p>Musée national d&#39;art moderne</p>", "url": "https://mastodon.social/@CentrePompidou",
    "uri": "https://mastodon.social/users/CentrePompidou", "avatar": "", "avatar_static": "",
    "header": "", "header_static": "", "followers_count": 18342, "following_count": 212,
    "statuses_count": 1480, "last_status_at": "2024-05-06", "emojis": [], "fields": [],
}  # fmt: skip
OTHER = {**ACCOUNT_JSON, "id": "1094", "username": "expo", "acct": "expo@mastodon.art",
         "display_name": "Expo", "url": "https://mastodon.art/@expo"}  # fmt: skip


def status(n: int, at: datetime, *, boost: bool = False) -> dict[str, Any]:
    """Status ``n`` of the account at ``at`` (ids grow with time), or its boost then."""
    sid = str(112400000000000000 + n * 1000)
    base = {
        "id": sid, "created_at": _iso(at), "in_reply_to_id": None, "sensitive": False,
        "spoiler_text": "", "visibility": "public", "language": "fr",
        "uri": f"https://mastodon.social/users/CentrePompidou/statuses/{sid}",
        "url": f"https://mastodon.social/@CentrePompidou/{sid}",
        "replies_count": 1, "reblogs_count": 5 + n, "favourites_count": 20 + n,
        "content": f"<p>Œuvre {n} <a href=\"https://mastodon.social/tags/art\">#<span>art</span></a></p>",
        "reblog": None, "account": ACCOUNT_JSON, "media_attachments": [], "mentions": [],
        "tags": [{"name": "art", "url": "https://mastodon.social/tags/art"}], "emojis": [],
        "card": None, "poll": None,
    }  # fmt: skip
    if not boost:
        return base
    inner = {**base, "id": "9" + sid, "account": OTHER, "url": f"https://mastodon.art/@expo/9{sid}",
             "created_at": _iso(at - timedelta(days=1)), "favourites_count": 999}  # fmt: skip
    return {**base, "uri": base["uri"] + "/activity", "url": None, "content": "",
            "replies_count": 0, "reblogs_count": 0, "favourites_count": 0, "tags": [],
            "reblog": inner}  # fmt: skip


def make_statuses(n: int, newest: datetime, *, boost: int | None = 3, first: int = 0) -> list[Any]:
    """``n`` statuses an hour apart, newest first; the ``boost``-th a boost."""
    return [status(first + n - i, newest - timedelta(hours=i), boost=i == boost) for i in range(n)]


@dataclass
class MastodonReplay:
    """A Mastodon instance on 127.0.0.1: the lookup and the account's statuses (newest first,
    ``max_id`` excluding, ``Link`` header with the next page's ``max_id``)."""

    server: HTTPServer
    statuses: list[dict[str, Any]] = field(default_factory=list)
    asked: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    #: (path, status, body, headers) answered once instead of the real answer
    fail: list[tuple[str, int, Any, dict[str, str]]] = field(default_factory=list)
    truncate: bool = False

    @property
    def base(self) -> str:
        return self.server.url_for("/").rstrip("/")

    def __call__(self, request: Request) -> Response:
        assert "Authorization" not in request.headers  # public: no token sent
        q = dict(request.args)
        self.asked.append((request.path, q))
        for i, (path, code, body, headers) in enumerate(self.fail):
            if request.path == path:
                del self.fail[i]
                return Response(json.dumps(body), code, headers, content_type="application/json")
        if request.path == LOOKUP_PATH:
            if q["acct"].lower() != "centrepompidou":
                return self._json({"error": "Record not found"}, 404)
            return self._json(ACCOUNT_JSON)
        assert request.path == STATUSES_PATH
        rows = self.statuses
        if "max_id" in q:
            rows = [s for s in rows if int(s["id"]) < int(q["max_id"])]
        part = rows[: int(q.get("limit", 20))]
        headers = {}
        if part:
            nxt = f"{self.base}{STATUSES_PATH}?max_id={part[-1]['id']}"
            prev = f"{self.base}{STATUSES_PATH}?min_id={part[0]['id']}"
            headers["Link"] = f'<{nxt}>; rel="next", <{prev}>; rel="prev"'
        body = json.dumps(part)
        if self.truncate and part:
            body = body[: len(body) // 2]
        return Response(body, 200, headers, content_type="application/json; charset=utf-8")

    @staticmethod
    def _json(doc: Any, code: int = 200) -> Response:
        return Response(json.dumps(doc), code, content_type="application/json; charset=utf-8")


@pytest.fixture
def masto(httpserver: HTTPServer) -> MastodonReplay:
    replay = MastodonReplay(httpserver)
    httpserver.expect_request(LOOKUP_PATH).respond_with_handler(replay)
    httpserver.expect_request(STATUSES_PATH).respond_with_handler(replay)
    return replay


@pytest.fixture
def env(tmp_path: Path, masto: MastodonReplay, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ENGAGE_MASTODON_API_BASE", masto.base)
    db = tmp_path / "engage.duckdb"
    monkeypatch.setenv("ENGAGE_DB", str(db))
    with _open(db) as store:
        Museums(store).add("Centre Pompidou", slug="pompidou")
    return db


def _q(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with _open(db, read_only=True) as s:
        return s.fetchall(sql)


def _fetch(db: Path, sleeps: list[float], now: datetime = NOW, **kw: Any) -> FetchReport:
    return fetch_all(db, sleeps, now, **kw)


def _pages(masto: MastodonReplay) -> list[dict[str, str]]:
    return [q for p, q in masto.asked if p == STATUSES_PATH]


def test_fetch_links_by_address_pages_with_max_id_and_the_importer_stores_it(
    env: Path, masto: MastodonReplay, capsys: pytest.CaptureFixture[str]
) -> None:
    masto.statuses = make_statuses(95, NOW - timedelta(minutes=5))
    code, _, err = run(["fetch", "mastodon", f"@{ADDRESS}", "--museum", "pompidou"], capsys)
    assert code == 0, err
    assert masto.asked[0] == (LOOKUP_PATH, {"acct": "CentrePompidou"})
    pages = _pages(masto)
    # 40 + 40 + 15, then an empty page: the end; each max_id is the previous page's last id
    assert [q.get("max_id") for q in pages] == [
        None,
        masto.statuses[39]["id"],
        masto.statuses[79]["id"],
        masto.statuses[94]["id"],
    ]
    assert all(q["limit"] == "40" for q in pages)
    assert _q(env, "SELECT account_id, handle, museum FROM accounts") == [
        (ACCOUNT, ADDRESS, "pompidou")
    ]
    assert _q(env, "SELECT count(*), count(*) FILTER (WHERE is_own) FROM posts") == [(95, 94)]
    boost = masto.statuses[3]
    assert _q(
        env, f"SELECT likes, comments, shares, url FROM posts WHERE post_id = '{boost['id']}'"
    ) == [(None, None, None, boost["reblog"]["url"])]
    top = masto.statuses[0]
    assert _q(env, f"SELECT likes, shares FROM posts WHERE post_id = '{top['id']}'") == [
        (top["favourites_count"], top["reblogs_count"])
    ]
    assert _q(env, "SELECT followers FROM follower_snapshots") == [(18342,)]
    # the saved responses are what the importer read: gzip, with engagecore_observed_at
    saved = sorted((env.parent / "responses" / "mastodon").rglob("*.json.gz"))
    docs = [json.loads(gzip.decompress(p.read_bytes())) for p in saved]
    assert all(d["engagecore_observed_at"] for d in docs)
    assert sum(len(d.get("statuses", [])) for d in docs) == 95


def test_a_rerun_asks_only_for_what_is_new(
    env: Path, masto: MastodonReplay, sleeps: list[float]
) -> None:
    with _open(env) as store:
        Museums(store).link("pompidou", "mastodon", ADDRESS)
    masto.statuses = make_statuses(50, NOW - timedelta(hours=2))
    report = _fetch(env, sleeps, refresh_days=0)
    assert report.accounts[0].new_posts == 50, report.accounts[0].error
    masto.asked.clear()
    masto.statuses = make_statuses(2, NOW - timedelta(minutes=1), boost=None, first=50) + (
        masto.statuses
    )
    report = _fetch(env, sleeps, refresh_days=0)
    assert (report.accounts[0].status, report.accounts[0].new_posts) == ("ok", 2)
    assert len(_pages(masto)) == 1  # the first page reaches back past the newest stored
    assert _q(env, "SELECT count(*) FROM posts") == [(52,)]


def test_max_posts_and_since_bound_a_first_run(
    env: Path, masto: MastodonReplay, sleeps: list[float]
) -> None:
    with _open(env) as store:
        Museums(store).link("pompidou", "mastodon", ADDRESS)
    masto.statuses = make_statuses(95, NOW - timedelta(minutes=5))
    report = _fetch(env, sleeps, max_posts=10, refresh_days=0)
    assert report.accounts[0].new_posts == 10
    assert len(_pages(masto)) == 1
    assert _q(env, "SELECT count(*) FROM posts") == [(10,)]
    since = NOW - timedelta(hours=30)
    report = _fetch(env, sleeps, since=since, refresh_days=0)
    assert _q(env, f"SELECT count(*) FROM posts WHERE posted_at < '{since.isoformat()}'") == [(0,)]


def test_429_with_an_iso_rate_limit_reset_is_waited_then_retried(
    env: Path, masto: MastodonReplay, sleeps: list[float]
) -> None:
    with _open(env) as store:
        Museums(store).link("pompidou", "mastodon", ADDRESS)
    masto.statuses = make_statuses(3, NOW - timedelta(minutes=5))
    reset = datetime.fromtimestamp(WALL, UTC) + timedelta(seconds=120)
    masto.fail.append(
        (STATUSES_PATH, 429, {"error": "Too many requests"},
         {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0",
          "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%M:%S.%fZ")}),
    )  # fmt: skip
    report = _fetch(env, sleeps, wall=lambda: WALL)  # however long the run takes
    assert report.accounts[0].status == "ok", report.accounts[0].error
    assert len(sleeps) == 1 and 100 < sleeps[0] <= 121
    assert _q(env, "SELECT count(*) FROM posts") == [(3,)]


def test_an_unknown_account_is_one_line_and_stores_nothing(
    env: Path, masto: MastodonReplay, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        ["fetch", "mastodon", "@nobody@mastodon.social", "--museum", "pompidou"], capsys
    )
    assert code != 0
    assert (
        "mastodon account @nobody@mastodon.social: HTTP 404 (Record not found); no such "
        "account on its instance"
    ) in out + err
    assert _q(env, "SELECT count(*) FROM posts") == [(0,)]


def test_an_instance_that_allows_no_public_reading_says_so(
    env: Path, masto: MastodonReplay, sleeps: list[float]
) -> None:
    with _open(env) as store:
        Museums(store).link("pompidou", "mastodon", ADDRESS)
    masto.fail.append(
        (STATUSES_PATH, 401, {"error": "This method requires an authenticated user"}, {})
    )
    report = _fetch(env, sleeps)
    (row,) = report.accounts
    assert row.status == "failed" and row.error is not None
    assert "allows no public reading" in row.error and "\n" not in row.error
    assert _q(env, "SELECT count(*) FROM posts") == [(0,)]


def test_a_truncated_page_fails_the_account_and_imports_nothing(
    env: Path, masto: MastodonReplay, sleeps: list[float]
) -> None:
    with _open(env) as store:
        Museums(store).link("pompidou", "mastodon", ADDRESS)
    masto.statuses = make_statuses(5, NOW - timedelta(minutes=5))
    masto.truncate = True
    report = _fetch(env, sleeps)
    (row,) = report.accounts
    assert row.status == "failed" and row.error and "mastodon account" in row.error
    assert _q(env, "SELECT count(*) FROM posts") == [(0,)]
    assert _q(env, "SELECT count(*) FROM follower_snapshots") == [(0,)]


def test_an_account_linked_without_its_instance_is_refused(
    env: Path, masto: MastodonReplay, sleeps: list[float]
) -> None:
    with _open(env) as store:
        Museums(store).link("pompidou", "mastodon", "CentrePompidou")
    report = _fetch(env, sleeps)
    (row,) = report.accounts
    assert row.status == "failed" and row.error is not None
    assert "expected a Mastodon address like @user@instance" in row.error
    assert masto.asked == []


def test_a_rerun_refreshes_the_counts_of_young_statuses_as_new_observations(
    env: Path, masto: MastodonReplay, sleeps: list[float]
) -> None:
    with _open(env) as store:
        Museums(store).link("pompidou", "mastodon", ADDRESS)
    masto.statuses = make_statuses(45, NOW - timedelta(hours=1), boost=None)
    _fetch(env, sleeps, now=NOW - timedelta(minutes=30), refresh_days=0)
    top = masto.statuses[0]["id"]
    masto.statuses[0] = {**masto.statuses[0], "favourites_count": 500}
    masto.asked.clear()
    report = _fetch(env, sleeps, refresh_days=1)
    (row,) = report.accounts
    # statuses younger than a day (the 24 of the last day) read again; none is new
    assert (row.status, row.new_posts, row.refreshed_posts) == ("ok", 0, 24)
    assert len(_pages(masto)) == 1
    assert _q(env, f"SELECT likes FROM posts WHERE post_id = '{top}'") == [(500,)]
    assert _q(env, f"SELECT count(*) FROM post_observations WHERE post_id = '{top}'") == [(2,)]
