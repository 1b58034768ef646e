"""``engage fetch`` with the Bluesky fetcher (plugins/engage_bluesky/fetch.py) against a local
replay server on 127.0.0.1 answering as the public AppView does: getProfile, getAuthorFeed
pages chained by ``cursor`` (the last page has none), a repost by the account, the AppView's
error bodies and its 429 with ``ratelimit-reset``; the saved responses are read back by the
``bluesky-profile`` and ``bluesky-feed`` importers."""

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

DID = "did:plc:q6gjnaw2blty4crticxkmujt"
HANDLE = "mba-lyon.bsky.social"
OTHER = "did:plc:7xkqv3mzl2ylf5wq4onhbrrd"
NOW = datetime.now(UTC).replace(microsecond=0)
#: the HTTP client's wall clock where a wait is computed from it (a rate limit's reset)
WALL = NOW.timestamp()
PROFILE_PATH = "/xrpc/app.bsky.actor.getProfile"
FEED_PATH = "/xrpc/app.bsky.feed.getAuthorFeed"
pytestmark = pytest.mark.usefixtures("no_backoff")


def _open(db: Path, read_only: bool = False) -> closing[Store]:
    return closing(Store(db, read_only=read_only))


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _author(did: str, handle: str, name: str) -> dict[str, Any]:
    return {
        "did": did, "handle": handle, "displayName": name,
        "avatar": f"https://cdn.bsky.app/img/avatar/plain/{did}/bafkreiavatar@jpeg",
        "associated": {"chat": {"allowIncoming": "following"}}, "labels": [],
        "createdAt": "2023-09-14T08:12:45.310Z",
    }  # fmt: skip


def _post(did: str, handle: str, rkey: str, at: datetime, n: int) -> dict[str, Any]:
    return {
        "uri": f"at://{did}/app.bsky.feed.post/{rkey}",
        "cid": f"bafyrei{rkey}",
        "author": _author(did, handle, "Musée des Beaux-Arts de Lyon"),
        "record": {
            "$type": "app.bsky.feed.post", "createdAt": _iso(at), "langs": ["fr"],
            "text": f"Post {n} #musee",
            "facets": [{"index": {"byteStart": 7, "byteEnd": 13},
                        "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "musee"}]}],
        },
        "replyCount": 2, "repostCount": 10 + n, "likeCount": 100 + n, "quoteCount": 1,
        "bookmarkCount": 3, "indexedAt": _iso(at + timedelta(seconds=1)), "labels": [],
    }  # fmt: skip


def item(at: datetime, n: int, *, repost: bool = False) -> dict[str, Any]:
    """One getAuthorFeed item: the account's post ``n`` at ``at``, or its repost then of
    another account's older post."""
    rkey = f"3lb{n:07d}"
    if not repost:
        return {"post": _post(DID, HANDLE, rkey, at, n)}
    return {
        "post": _post(OTHER, "amis-du-musee.bsky.social", rkey, at - timedelta(days=2), n),
        "reason": {
            "$type": "app.bsky.feed.defs#reasonRepost",
            "by": _author(DID, HANDLE, "Musée des Beaux-Arts de Lyon"),
            "uri": f"at://{DID}/app.bsky.feed.repost/3rp{n:07d}",
            "cid": f"bafyreirp{n}",
            "indexedAt": _iso(at),
        },
    }


def make_items(
    n: int,
    newest: datetime,
    *,
    step: timedelta = timedelta(hours=1),
    repost: int | None = 3,
    first: int = 0,
) -> list[dict[str, Any]]:
    """``n`` items ``step`` apart, newest first; the ``repost``-th a repost by the account."""
    return [item(newest - i * step, first + i, repost=i == repost) for i in range(n)]


def _sort_at(it: dict[str, Any]) -> str:
    return str(it["reason"]["indexedAt"] if "reason" in it else it["post"]["record"]["createdAt"])


@dataclass
class BskyReplay:
    """The public AppView on 127.0.0.1: getProfile and getAuthorFeed (newest first, a cursor
    being the time of a page's last item, as the AppView's own are)."""

    server: HTTPServer
    items: list[dict[str, Any]] = field(default_factory=list)
    asked: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    #: (path, status, body, headers) answered once instead of the real answer
    fail: list[tuple[str, int, Any, dict[str, str]]] = field(default_factory=list)
    followers: int = 4812

    @property
    def base(self) -> str:
        return self.server.url_for("/").rstrip("/")

    def __call__(self, request: Request) -> Response:
        assert "Authorization" not in request.headers  # public: no token sent
        q = dict(request.args)
        self.asked.append((request.path, q))
        for i, (path, status, body, headers) in enumerate(self.fail):
            if request.path == path:
                del self.fail[i]
                return Response(json.dumps(body), status, headers, content_type="application/json")
        if request.path == PROFILE_PATH:
            if q["actor"] not in (DID, HANDLE):
                return self._json({"error": "InvalidRequest", "message": "Profile not found"}, 400)
            return self._json({
                "did": DID, "handle": HANDLE, "displayName": "Musée des Beaux-Arts de Lyon",
                "avatar": f"https://cdn.bsky.app/img/avatar/plain/{DID}/bafkreiavatar@jpeg",
                "description": "Musée d'art et d'antiquités, Lyon — Palais Saint-Pierre",
                "associated": {"lists": 0, "feedgens": 0, "starterPacks": 1, "labeler": False},
                "followersCount": self.followers, "followsCount": 212, "postsCount": 388,
                "indexedAt": "2025-06-20T16:30:06.431Z", "createdAt": "2023-09-14T08:12:45.310Z",
                "viewer": {"muted": False, "blockedBy": False}, "labels": [],
            })  # fmt: skip
        assert request.path == FEED_PATH and q["actor"] == DID
        rows = self.items
        if "cursor" in q:
            rows = [it for it in rows if _sort_at(it) < q["cursor"]]
        part = rows[: int(q["limit"])]
        doc: dict[str, Any] = {"feed": part}
        if len(rows) > len(part):
            doc["cursor"] = _sort_at(part[-1])
        return self._json(doc)

    @staticmethod
    def _json(doc: Any, status: int = 200) -> Response:
        return Response(json.dumps(doc), status, content_type="application/json; charset=utf-8")


@pytest.fixture
def bsky(httpserver: HTTPServer) -> BskyReplay:
    replay = BskyReplay(httpserver)
    httpserver.expect_request(PROFILE_PATH).respond_with_handler(replay)
    httpserver.expect_request(FEED_PATH).respond_with_handler(replay)
    return replay


@pytest.fixture
def env(tmp_path: Path, bsky: BskyReplay, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ENGAGE_BLUESKY_API_BASE", bsky.base)
    db = tmp_path / "engage.duckdb"
    monkeypatch.setenv("ENGAGE_DB", str(db))
    with _open(db) as store:
        Museums(store).add("Musée des Beaux-Arts de Lyon", slug="mba-lyon")
    return db


def _q(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with _open(db, read_only=True) as s:
        return s.fetchall(sql)


def _fetch(db: Path, sleeps: list[float], now: datetime = NOW, **kw: Any) -> FetchReport:
    return fetch_all(db, sleeps, now, **kw)


def _feed_asks(bsky: BskyReplay) -> list[dict[str, str]]:
    return [q for p, q in bsky.asked if p == FEED_PATH]


def test_fetch_links_then_follows_the_cursor_and_the_importers_store_it(
    env: Path, bsky: BskyReplay, capsys: pytest.CaptureFixture[str]
) -> None:
    bsky.items = make_items(230, NOW - timedelta(minutes=5))
    code, out, err = run(["fetch", "bluesky", HANDLE, "--museum", "mba-lyon"], capsys)
    assert code == 0, err
    assert [p for p, _ in bsky.asked] == [PROFILE_PATH, FEED_PATH, FEED_PATH, FEED_PATH]
    assert bsky.asked[0][1] == {"actor": HANDLE}
    feed = _feed_asks(bsky)
    for q in feed:
        assert (q["actor"], q["limit"], q["filter"]) == (DID, "100", "posts_with_replies")
    # the cursor of each page is sent for the next; the last page has none: the end
    assert [q.get("cursor") for q in feed] == [
        None,
        _sort_at(bsky.items[99]),
        _sort_at(bsky.items[199]),
    ]
    assert _q(env, "SELECT count(*), sum(is_own::INT) FROM posts") == [(230, 229)]
    assert _q(env, "SELECT account_id, museum, handle FROM accounts") == [(DID, "mba-lyon", HANDLE)]
    assert _q(env, "SELECT followers FROM follower_snapshots") == [(4812,)]
    # a repost by the museum: stored as its row, not its own, without the original's counts
    assert _q(env, "SELECT post_id, likes, is_own FROM posts WHERE NOT is_own") == [
        ("repost:did:plc:7xkqv3mzl2ylf5wq4onhbrrd/3lb0000003", None, False)
    ]
    assert _q(env, "SELECT likes, shares, comments, quotes, saves, posted_at FROM posts "
                   "WHERE post_id = '3lb0000000'") == [
        (100, 10, 2, 1, 3, NOW - timedelta(minutes=5))
    ]  # fmt: skip
    assert {r[0] for r in _q(env, "SELECT importer FROM imports")} == {
        "bluesky-profile",
        "bluesky-feed",
    }
    saved = sorted((env.parent / "responses" / "bluesky").rglob("*.json.gz"))
    assert len(saved) == 4  # the profile and three pages
    for p in saved:
        assert "engagecore_observed_at" in json.loads(gzip.decompress(p.read_bytes()))
    assert "230" in out


def test_rerun_asks_only_what_is_new_and_refreshes_the_recent_posts(
    env: Path, bsky: BskyReplay, sleeps: list[float]
) -> None:
    with _open(env) as store:
        Museums(store).link("mba-lyon", "bluesky", HANDLE)
    # 5 posts of the last 5 days, then 200 an hour apart some 40 days ago
    recent = make_items(5, NOW - timedelta(hours=2), step=timedelta(days=1), repost=None)
    old = make_items(200, NOW - timedelta(days=40), first=5, repost=None)
    bsky.items = recent + old
    first = _fetch(env, sleeps)
    assert (first.accounts[0].status, first.accounts[0].new_posts) == ("ok", 205)
    assert len(_feed_asks(bsky)) == 3
    # two new posts; the recent ones' counts have grown
    bsky.items = make_items(2, NOW + timedelta(minutes=1), first=300, repost=None) + bsky.items
    for it in bsky.items[2:7]:
        it["post"]["likeCount"] += 1000
    bsky.asked.clear()
    report = _fetch(env, sleeps, NOW + timedelta(minutes=2))
    (row,) = report.accounts
    assert row.status == "ok", row.error
    # one page (it reaches back past the refresh window), asked from the newest: no cursor
    assert [p for p, _ in bsky.asked] == [PROFILE_PATH, FEED_PATH]
    assert _feed_asks(bsky)[0] == {"actor": DID, "limit": "100", "filter": "posts_with_replies"}
    # asked by the DID learnt on the first run, not the handle
    assert bsky.asked[0][1] == {"actor": DID}
    assert (row.new_posts, row.refreshed_posts) == (2, 5)
    assert _q(env, "SELECT count(*) FROM posts") == [(207,)]
    # the five refreshed posts keep both their readings; a post read once keeps its one
    # reading in its posts row only
    assert _q(env, "SELECT count(*) FROM post_observations") == [(5 * 2,)]
    assert _q(env, "SELECT count(*) FROM posts WHERE likes >= 1000") == [(5,)]
    assert _q(env, "SELECT count(*) FROM follower_snapshots") == [(2,)]
    # the posts of 40 days ago were not saved again
    saved = (env.parent / "responses" / "bluesky").rglob("*.json.gz")
    last = max(saved, key=lambda p: p.name)
    assert len(json.loads(gzip.decompress(last.read_bytes()))["feed"]) == 7
    with _open(env, read_only=True) as s:
        assert s.duplicate_keys() == {"posts": 0, "post_observations": 0}


def test_a_rerun_with_nothing_recent_asks_one_page_and_keeps_its_new_posts_only(
    env: Path, bsky: BskyReplay, sleeps: list[float]
) -> None:
    with _open(env) as store:
        Museums(store).link("mba-lyon", "bluesky", HANDLE)
    bsky.items = make_items(150, NOW - timedelta(days=60))
    _fetch(env, sleeps)
    bsky.items = make_items(3, NOW - timedelta(minutes=1), first=500) + bsky.items
    bsky.asked.clear()
    report = _fetch(env, sleeps, NOW + timedelta(minutes=1))
    assert [p for p, _ in bsky.asked] == [PROFILE_PATH, FEED_PATH]
    assert report.accounts[0].new_posts == 3
    assert _q(env, "SELECT count(*) FROM posts") == [(153,)]


def test_since_and_max_posts(
    env: Path, bsky: BskyReplay, capsys: pytest.CaptureFixture[str]
) -> None:
    bsky.items = make_items(250, NOW - timedelta(minutes=5))
    since = (NOW - timedelta(hours=50)).date()
    code, _, err = run(
        ["fetch", "bluesky", HANDLE, "--museum", "mba-lyon", "--since", since.isoformat(),
         "--max-posts", "30"],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    assert len(_feed_asks(bsky)) == 1
    assert _q(env, "SELECT count(*), min(post_id) FROM posts") == [(30, "3lb0000000")]
    # --since alone: the pages stop at the first one reaching back past it
    bsky.asked.clear()
    code, _, err = run(
        ["fetch", "bluesky", HANDLE, "--museum", "mba-lyon", "--since", since.isoformat()],
        capsys,
    )
    assert code == 0, err
    want = sum(1 for it in bsky.items if _sort_at(it) >= f"{since.isoformat()}T00:00:00")
    assert _q(env, "SELECT count(*) FROM posts") == [(want,)]
    assert len(_feed_asks(bsky)) == 1


def test_429_with_ratelimit_reset_is_waited_then_retried(
    env: Path, bsky: BskyReplay, sleeps: list[float]
) -> None:
    with _open(env) as store:
        Museums(store).link("mba-lyon", "bluesky", HANDLE)
    bsky.items = make_items(3, NOW - timedelta(minutes=5))
    reset = int(WALL) + 120
    bsky.fail.append(
        (FEED_PATH, 429, {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
         {"ratelimit-limit": "3000", "ratelimit-remaining": "0",
          "ratelimit-reset": str(reset), "ratelimit-policy": "3000;w=300"}),
    )  # fmt: skip
    report = _fetch(env, sleeps, wall=lambda: WALL)  # however long the run takes
    assert report.accounts[0].status == "ok", report.accounts[0].error
    assert len(sleeps) == 1 and 100 < sleeps[0] <= 121
    assert _q(env, "SELECT count(*) FROM posts") == [(3,)]


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        (None, None,
         "bluesky account @nobody.bsky.social: HTTP 400 (InvalidRequest: Profile not found); "
         "no such account on Bluesky: check the handle"),
        (PROFILE_PATH, {"error": "AccountTakedown", "message": "Account has been suspended"},
         "HTTP 400 (AccountTakedown: Account has been suspended); the account was taken down"),
        (FEED_PATH, {"error": "BlockedActor", "message": "Requester has blocked actor"},
         "the account cannot be read (blocked)"),
    ],
)  # fmt: skip
def test_the_appviews_errors_are_one_line_and_write_nothing(
    env: Path,
    bsky: BskyReplay,
    capsys: pytest.CaptureFixture[str],
    path: str | None,
    body: Any,
    message: str,
) -> None:
    bsky.items = make_items(3, NOW - timedelta(minutes=5))
    handle = HANDLE
    if path is None:
        handle = "nobody.bsky.social"
    else:
        bsky.fail.append((path, 400, body, {}))
    code, out, err = run(["fetch", "bluesky", handle, "--museum", "mba-lyon"], capsys)
    assert code != 0
    lines = [ln for ln in (out + err).splitlines() if message in ln]
    assert len(lines) == 1, out + err
    assert _q(env, "SELECT count(*) FROM posts") == [(0,)]
    assert _q(env, "SELECT count(*) FROM follower_snapshots") == [(0,)]
    assert _q(env, "SELECT count(*) FROM imports") == [(0,)]


def test_a_truncated_feed_page_fails_the_account_and_keeps_nothing_half_imported(
    env: Path, bsky: BskyReplay, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    httpserver.clear_all_handlers()
    httpserver.expect_request(PROFILE_PATH).respond_with_handler(bsky)
    httpserver.expect_request(FEED_PATH).respond_with_data(
        '{"feed": [{"post": {"uri": "at://did:plc:x/app.bsky.feed.post/3l',
        content_type="application/json",
    )
    code, out, err = run(["fetch", "bluesky", HANDLE, "--museum", "mba-lyon"], capsys)
    assert code != 0 and "bluesky account @" in out + err
    assert _q(env, "SELECT count(*) FROM posts") == [(0,)]
    assert _q(env, "SELECT count(*) FROM follower_snapshots") == [(0,)]
