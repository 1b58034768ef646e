"""``engage fetch`` with the Facebook Page fetcher against a local Graph API replay server.

The replay (:class:`FacebookReplay`) serves Facebook's exact formats, from the templates in
``tests/fixtures/fetch/facebook/``: ``/me/accounts`` (the managed Pages, each with its own
Page token), the Page object by id or username, ``/{page-id}/posts`` newest first with
``since`` and cursor paging (``paging.next`` carrying the token, as Meta's does), inline
post insights answered to a Page token only (as Meta does), and Graph's error bodies.
"""

from __future__ import annotations

import copy
import gzip
import json
import re
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cli_run import run
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from engagecore.museums import Museums
from engagecore.store import Store

FB = Path(__file__).resolve().parents[1] / "fixtures" / "fetch" / "facebook"
TOKEN = "EAAGplantedUSERtoken0123456789abcdefQQQ"
PAGE_TOKEN = "EAAGplantedPAGEtoken9876543210zyxwvuRRR"
NOW = datetime.now(UTC).replace(microsecond=0)
pytestmark = pytest.mark.usefixtures("no_backoff")


def _fb(name: str) -> Any:
    return json.loads((FB / name).read_text(encoding="utf-8"))


def _json(status: int, doc: Any) -> Response:
    return Response(json.dumps(doc), status=status, content_type="application/json; charset=UTF-8")


@dataclass
class Post:
    id: str  # the post's own id (after "{page_id}_")
    created: datetime
    reactions: int
    comments: int = 4
    shares: int | None = 2  # None: Meta leaves "shares" out (nobody shared it)
    reach: int = 700
    views: int = 900


@dataclass
class Page:
    id: str
    username: str
    name: str
    followers: int
    posts: list[Post] = field(default_factory=list)


@dataclass
class FacebookReplay:
    """Pages served in the Graph API's formats; ``owned``: the Pages ``/me/accounts`` lists
    (with ``PAGE_TOKEN``); ``fail(name, req)`` may answer instead (status, body)."""

    server: HTTPServer
    pages: dict[str, Page] = field(default_factory=dict)
    owned: set[str] = field(default_factory=set)
    #: "all", "old" (only the pre-2025 metric names) or "none" (the permission refused)
    insights: str = "all"
    calls: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    fail: Callable[[str, Request], tuple[int, Any] | None] | None = None

    def __post_init__(self) -> None:
        self.server.expect_request(re.compile(r"^/v23\.0/.*$")).respond_with_handler(self._route)

    @property
    def base(self) -> str:
        return self.server.url_for("/").rstrip("/")

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]

    def add(self, page: Page) -> Page:
        self.pages[page.id] = page
        return page

    def _find(self, ident: str) -> Page | None:
        return self.pages.get(ident) or next(
            (p for p in self.pages.values() if p.username.lower() == ident.lower()), None
        )

    def _route(self, req: Request) -> Response:
        path = req.path.removeprefix("/v23.0/")
        name = "accounts" if path == "me/accounts" else "posts" if "/" in path else "page"
        self.calls.append((name, dict(req.args)))
        token = req.args.get("access_token")
        if token not in (TOKEN, PAGE_TOKEN):
            return _json(400, _fb("error_expired_token.json"))
        if self.fail is not None:
            got = self.fail(name, req)
            if got is not None:
                return _json(*got)
        if name == "accounts":
            doc = _fb("me_accounts.json")
            doc["data"] = [
                {"id": p.id, "username": p.username, "access_token": PAGE_TOKEN}
                for p in self.pages.values()
                if p.id in self.owned
            ]
            return _json(200, doc)
        page = self._find(path.split("/")[0])
        if page is None:
            return _json(400, _fb("error_unknown_page.json"))
        if name == "page":
            doc = _fb("page.json")
            doc.update(
                id=page.id,
                username=page.username,
                name=page.name,
                link=f"https://www.facebook.com/{page.username}",
                followers_count=page.followers,
                fan_count=page.followers - 1000,
            )
            return _json(200, doc)
        return self._posts(page, req, token == PAGE_TOKEN and page.id in self.owned)

    def _posts(self, page: Page, req: Request, page_token: bool) -> Response:
        fields = req.args.get("fields", "")
        asked = re.search(r"insights\.metric\(([^)]*)\)", fields)
        if asked is not None:
            if not page_token:
                return _json(400, _fb("error_page_token_required.json"))
            if self.insights == "none":
                return _json(403, _fb("error_insights_permission.json"))
            if self.insights == "old" and "post_total_media_view_unique" in asked.group(1):
                return _json(400, _fb("error_invalid_metric.json"))
        since = int(req.args["since"]) if "since" in req.args else None
        ordered = sorted(page.posts, key=lambda p: p.created, reverse=True)
        if since is not None:
            ordered = [p for p in ordered if p.created.timestamp() >= since]
        limit = int(req.args.get("limit", "25"))
        after = req.args.get("after")
        start = int(after.removeprefix("QVFIU")) if after else 0
        chunk = ordered[start : start + limit]
        data = [self._item(page, p, asked.group(1) if asked else None) for p in chunk]
        end = start + len(chunk)
        paging: dict[str, Any] = {"cursors": {"before": f"QVFIU{start}", "after": f"QVFIU{end}"}}
        if end < len(ordered):
            paging["next"] = (
                f"https://graph.facebook.com/v23.0/{page.id}/posts?access_token={req.args['access_token']}"
                f"&fields={fields}&limit={limit}"
                + (f"&since={since}" if since is not None else "")
                + f"&after=QVFIU{end}"
            )
        return _json(200, {"data": data, "paging": paging})

    def _item(self, page: Page, p: Post, metrics: str | None) -> dict[str, Any]:
        item = _fb("post_item.json")
        gid = f"{page.id}_{p.id}"
        item["id"] = gid
        item["created_time"] = p.created.strftime("%Y-%m-%dT%H:%M:%S+0000")
        item["permalink_url"] = f"https://www.facebook.com/{page.id}/posts/{p.id}"
        item["reactions"]["summary"]["total_count"] = p.reactions
        item["comments"]["summary"]["total_count"] = p.comments
        if p.shares is None:
            del item["shares"]
        else:
            item["shares"]["count"] = p.shares
        if metrics is not None:
            ins = _fb("post_insights.json")
            del ins["paging"]
            names = metrics.split(",")
            values = {names[0]: p.reach, names[1]: p.views}
            data = []
            for name, value in values.items():
                metric = copy.deepcopy(ins["data"][0])
                metric.update(name=name, id=f"{gid}/insights/{name}/lifetime")
                metric["values"] = [{"value": value}]
                data.append(metric)
            item["insights"] = {"data": data}
        return item


def make_posts(
    n: int, newest: datetime, prefix: str = "12090", step: timedelta = timedelta(days=1)
) -> list[Post]:
    return [Post(f"{prefix}{i:010d}", newest - i * step, reactions=100 + i) for i in range(n)]


@pytest.fixture
def fb(httpserver: HTTPServer) -> FacebookReplay:
    return FacebookReplay(httpserver)


@pytest.fixture
def env(tmp_path: Path, fb: FacebookReplay, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ENGAGE_META_TOKEN", TOKEN)
    monkeypatch.setenv("ENGAGE_FACEBOOK_API_BASE", fb.base)
    db = tmp_path / "engage.duckdb"
    monkeypatch.setenv("ENGAGE_DB", str(db))
    with closing(Store(db)) as store:
        Museums(store).add("Musée des Beaux-Arts de Lyon", slug="mba-lyon")
        Museums(store).add("Musée d'Orsay", slug="orsay")
    return db


def _q(db: Path, sql: str) -> list[tuple[object, ...]]:
    with closing(Store(db, read_only=True)) as s:
        return s.fetchall(sql)


def _lyon(**kw: Any) -> Page:
    return Page("104958162837", "mbalyon", "Musée des Beaux-Arts de Lyon", 98_120, **kw)


def _saved(db: Path, folder_name: str) -> list[Any]:
    folder = db.parent / "responses" / "facebook" / folder_name
    return [json.loads(gzip.decompress(p.read_bytes())) for p in sorted(folder.iterdir())]


def _no_secret_anywhere(root: Path, *texts: str) -> None:
    """Neither token in any file under ``root`` (the store included, gzip opened) nor in
    ``texts`` (the command's output)."""
    for text in texts:
        assert TOKEN not in text and PAGE_TOKEN not in text
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        if path.name.endswith(".gz"):
            data = gzip.decompress(data)
        for secret in (TOKEN, PAGE_TOKEN):
            assert secret.encode() not in data, path


# -- a public Page -----------------------------------------------------------------------------


def test_public_page_posts_over_several_pages(
    env: Path, fb: FacebookReplay, capsys: pytest.CaptureFixture[str]
) -> None:
    page = fb.add(_lyon(posts=make_posts(120, NOW - timedelta(hours=2))))
    page.posts[7].shares = None  # nobody shared it: Meta leaves "shares" out
    code, out, err = run(["fetch", "facebook", "mbalyon", "--museum", "mba-lyon"], capsys)
    assert code == 0, err
    # no managed Page: public figures only, three pages of 50 posts, without insights
    assert fb.names() == ["accounts", "page", "posts", "posts", "posts"]
    posts_calls = [args for name, args in fb.calls if name == "posts"]
    assert "insights" not in posts_calls[0]["fields"] and "since" not in posts_calls[0]
    assert posts_calls[1]["after"] == "QVFIU50" and posts_calls[2]["after"] == "QVFIU100"
    assert _q(env, "SELECT count(*), count(reach), count(views), sum(likes) FROM posts") == [
        (120, 0, 0, sum(100 + i for i in range(120)))
    ]
    shares = dict(_q(env, "SELECT post_id, shares FROM posts"))  # type: ignore[arg-type]
    assert shares[page.posts[7].id] == 0 and shares[page.posts[6].id] == 2  # absent: 0, no NULL
    first = page.posts[0]
    assert _q(
        env, f"SELECT posted_at, comments, url, is_own FROM posts WHERE post_id = '{first.id}'"
    ) == [
        (
            first.created,
            4,
            f"https://www.facebook.com/{page.id}/posts/{first.id}",
            True,
        )
    ]
    assert _q(env, "SELECT account_id, handle, display_name, museum FROM accounts") == [
        (page.id, "mbalyon", "Musée des Beaux-Arts de Lyon", "mba-lyon")
    ]
    assert _q(env, "SELECT followers FROM follower_snapshots") == [(98_120,)]
    assert {r[0] for r in _q(env, "SELECT importer FROM imports")} == {"facebook-graph"}
    line = next(x for x in out.splitlines() if "@mbalyon" in x)
    assert " 120 " in line and " ok" in line
    # saved as fetched, with paging.next stripped of its token
    saved = _saved(env, "mbalyon")  # linked by username: its folder
    nexts = [d["paging"]["next"] for d in saved if "next" in d.get("paging", {})]
    assert len(nexts) == 2 and all("after=QVFIU" in u for u in nexts)
    assert all("access_token" not in u for u in nexts)
    _no_secret_anywhere(env.parent, out, err)


def test_a_rerun_asks_only_for_newer_posts_then_a_refresh_adds_an_observation(
    env: Path, fb: FacebookReplay, capsys: pytest.CaptureFixture[str]
) -> None:
    page = fb.add(_lyon(posts=make_posts(30, NOW - timedelta(days=1))))
    assert run(["fetch", "facebook", "104958162837", "--museum", "mba-lyon"], capsys)[0] == 0
    newest = page.posts[0].created

    # two new posts; --refresh-days 0: only what is newer than the newest stored post
    fb.calls.clear()
    page.posts[:0] = make_posts(2, NOW - timedelta(minutes=10), "12091", timedelta(minutes=1))
    code, out, err = run(["fetch", "mba-lyon", "--refresh-days", "0"], capsys)
    assert code == 0, err
    assert fb.names() == ["accounts", "page", "posts"]
    assert fb.calls[2][1]["since"] == str(int(newest.timestamp()) + 1)
    assert _q(env, "SELECT count(*) FROM posts") == [(32,)]
    line = next(x for x in out.splitlines() if "@mbalyon" in x)
    assert re.search(r"\s2\s+0\s", line), line  # 2 new, 0 refreshed

    # a refresh of the last 5 days: counts grew; the older reading is kept
    fb.calls.clear()
    grown = page.posts[4]  # 3 days old
    grown.reactions = 5_000
    # the window starts 5 days before the run itself (not before this module's NOW, which a
    # long, loaded test session leaves minutes behind)
    before = datetime.now(UTC).timestamp()
    code, out, err = run(["fetch", "mba-lyon", "--refresh-days", "5"], capsys)
    after = datetime.now(UTC).timestamp()
    assert code == 0, err
    since = int(fb.calls[2][1]["since"])
    five_days = timedelta(days=5).total_seconds()
    assert before - five_days - 1 <= since <= after - five_days + 1
    assert _q(env, f"SELECT likes FROM posts WHERE post_id = '{grown.id}'") == [(5_000,)]
    readings = _q(
        env,
        f"SELECT likes FROM post_observations WHERE post_id = '{grown.id}' ORDER BY observed_at",
    )
    assert [r[0] for r in readings] == [102, 5_000]
    line = next(x for x in out.splitlines() if "@mbalyon" in x)
    assert re.search(r"\s0\s+6\s", line), line  # 0 new; 6 posts of the last 5 days refreshed
    assert _q(env, "SELECT count(*) FROM posts") == [(32,)]


def test_max_posts_and_since_bound_a_first_fetch(
    env: Path, fb: FacebookReplay, capsys: pytest.CaptureFixture[str]
) -> None:
    page = fb.add(_lyon(posts=make_posts(40, NOW - timedelta(hours=1))))
    day = (NOW - timedelta(days=20)).date()
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    code, _, err = run(
        ["fetch", "facebook", "mbalyon", "--museum", "mba-lyon", "--since", day.isoformat()],
        capsys,
    )
    assert code == 0, err
    assert fb.calls[2][1]["since"] == str(int(start.timestamp()))
    inside = sum(p.created >= start for p in page.posts)
    assert 20 <= inside < 40
    assert _q(env, "SELECT count(*) FROM posts") == [(inside,)]

    # --max-posts: the newest N only, asked for as the page size
    orsay = make_posts(30, NOW, prefix="13000")
    fb.add(Page("113000000000001", "museeorsay", "Musée d'Orsay", 40_000, orsay))
    code, _, err = run(
        ["fetch", "facebook", "museeorsay", "--museum", "orsay", "--max-posts", "7"], capsys
    )
    assert code == 0, err
    assert fb.calls[-1][1]["limit"] == "7" and fb.names()[-2:] == ["page", "posts"]
    assert _q(env, "SELECT account_id, count(*) FROM posts GROUP BY ALL ORDER BY 1") == [
        ("104958162837", inside),
        ("113000000000001", 7),
    ]


# -- a Page the token manages ------------------------------------------------------------------


def test_owned_page_with_insights_through_its_page_token(
    env: Path, fb: FacebookReplay, capsys: pytest.CaptureFixture[str]
) -> None:
    page = fb.add(_lyon(posts=make_posts(60, NOW - timedelta(hours=3))))
    fb.owned.add(page.id)
    code, out, err = run(["fetch", "facebook", "mbalyon", "--museum", "mba-lyon"], capsys)
    assert code == 0, err
    posts_calls = [args for name, args in fb.calls if name == "posts"]
    assert len(posts_calls) == 2
    assert all(a["access_token"] == PAGE_TOKEN for a in posts_calls)
    assert (
        "insights.metric(post_total_media_view_unique,post_media_view)" in posts_calls[0]["fields"]
    )
    assert _q(env, "SELECT count(*), min(reach), max(views) FROM posts") == [(60, 700, 900)]
    line = next(x for x in out.splitlines() if "@mbalyon" in x)
    assert "ok" in line and "insights" not in line
    saved = json.dumps(_saved(env, "mbalyon"))
    assert "access_token" not in saved
    _no_secret_anywhere(env.parent, out, err)


def test_owned_page_with_the_older_metric_names(
    env: Path, fb: FacebookReplay, capsys: pytest.CaptureFixture[str]
) -> None:
    page = fb.add(_lyon(posts=make_posts(3, NOW - timedelta(hours=3))))
    fb.owned.add(page.id)
    fb.insights = "old"
    code, _, err = run(["fetch", "facebook", "mbalyon", "--museum", "mba-lyon"], capsys)
    assert code == 0, err
    fields = [a["fields"] for n, a in fb.calls if n == "posts"]
    assert "insights.metric(post_impressions_unique,post_impressions)" in fields[-1]
    assert _q(env, "SELECT count(*), min(reach), max(impressions) FROM posts") == [(3, 700, 900)]


def test_insights_not_permitted_still_stores_the_posts(
    env: Path, fb: FacebookReplay, capsys: pytest.CaptureFixture[str]
) -> None:
    page = fb.add(_lyon(posts=make_posts(5, NOW - timedelta(hours=3))))
    fb.owned.add(page.id)
    fb.insights = "none"
    code, out, err = run(
        ["fetch", "facebook", "mbalyon", "--museum", "mba-lyon", "--format", "csv"], capsys
    )
    assert code == 0, err
    assert _q(env, "SELECT count(*), count(reach), sum(likes), sum(shares) FROM posts") == [
        (5, 0, 510, 10)
    ]
    assert "ok: insights not permitted (read_insights)" in out
    # the posts asked with insights (refused), then without
    fields = [a["fields"] for n, a in fb.calls if n == "posts"]
    assert ["insights.metric(" in f for f in fields] == [True, True, False]


@pytest.mark.parametrize(
    "body",
    [
        _fb("error_permission.json"),  # no pages_show_list
        {
            "error": {
                "message": "(#100) Tried accessing nonexisting field (accounts) on node type (Page)",
                "type": "OAuthException",
                "code": 100,
                "fbtrace_id": "AcD4fG6hJ8kL0mN2pQ4rS6t",
            }
        },  # the token is a Page's own
    ],
)
def test_no_managed_pages_known_still_fetches_public_figures(
    env: Path, fb: FacebookReplay, capsys: pytest.CaptureFixture[str], body: Any
) -> None:
    page = fb.add(_lyon(posts=make_posts(4, NOW - timedelta(hours=3))))
    fb.owned.add(page.id)
    fb.fail = lambda name, req: (400, body) if name == "accounts" else None
    code, _, err = run(["fetch", "facebook", "mbalyon", "--museum", "mba-lyon"], capsys)
    assert code == 0, err
    assert fb.names() == ["accounts", "page", "posts"]
    assert _q(env, "SELECT count(*), count(reach), sum(comments) FROM posts") == [(4, 0, 16)]


def test_an_expired_token_met_on_me_accounts_stops_the_network(
    env: Path, fb: FacebookReplay, capsys: pytest.CaptureFixture[str]
) -> None:
    fb.add(_lyon(posts=make_posts(4, NOW - timedelta(hours=3))))
    body = _fb("error_expired_token.json")
    fb.fail = lambda name, req: (400, body) if name == "accounts" else None
    code, _, err = run(["fetch", "facebook", "mbalyon", "--museum", "mba-lyon"], capsys)
    assert code == 1
    assert err.strip() == (
        "engage: error: facebook account @mbalyon: the Meta access token has expired or is "
        "invalid; create a new one and set ENGAGE_META_TOKEN (docs/fetch.md)"
    )
    assert fb.names() == ["accounts"]
    assert _q(env, "SELECT count(*) FROM posts") == [(0,)]


def test_me_accounts_failing_is_an_error_not_a_silent_fetch_without_insights(
    env: Path, fb: FacebookReplay, capsys: pytest.CaptureFixture[str]
) -> None:
    page = fb.add(_lyon(posts=make_posts(4, NOW - timedelta(hours=3))))
    fb.owned.add(page.id)
    body = {
        "error": {
            "message": "An unexpected error has occurred. Please retry your request later.",
            "type": "OAuthException",
            "is_transient": True,
            "code": 2,
            "fbtrace_id": "AbC1dE3fG5hI7jK9lM1nO3p",
        }
    }
    fb.fail = lambda name, req: (500, body) if name == "accounts" else None
    code, _, err = run(["fetch", "facebook", "mbalyon", "--museum", "mba-lyon"], capsys)
    assert code == 1
    assert err.startswith("engage: error: facebook account @mbalyon: Graph API error 2: ")
    assert fb.names() == ["accounts"] * 3  # retried (3 attempts in the tests), then given up
    assert _q(env, "SELECT count(*) FROM posts") == [(0,)]


# -- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "status", "expected", "wide"),
    [
        ("error_expired_token.json", 400, "the Meta access token has expired or is invalid", True),
        ("error_permission.json", 403, "the Meta token lacks a permission for this Page", False),
        ("error_insights_permission.json", 403, "the Meta token lacks a permission", False),
        ("error_unknown_page.json", 400, "no such Facebook Page", False),
        ("error_rate_app.json", 403, "Meta's rate limit is reached", True),
        ("error_rate_user.json", 403, "Meta's rate limit is reached", True),
        ("error_rate_page.json", 403, "Meta's rate limit is reached", True),
        ("error_rate_613.json", 403, "Meta's rate limit is reached", True),
    ],
)
def test_graph_error_bodies_are_one_line(
    env: Path,
    fb: FacebookReplay,
    capsys: pytest.CaptureFixture[str],
    fixture: str,
    status: int,
    expected: str,
    wide: bool,
) -> None:
    body = _fb(fixture)
    fb.add(_lyon(posts=make_posts(3, NOW - timedelta(days=1))))
    orsay = make_posts(3, NOW, prefix="13000")
    fb.add(Page("113000000000001", "museeorsay", "Musée d'Orsay", 40_000, orsay))
    with closing(Store(env)) as store:
        Museums(store).link("orsay", "facebook", "mbalyon")
        Museums(store).link("orsay", "facebook", "museeorsay")
    fb.fail = lambda name, req: (status, body) if name == "page" else None
    code, out, err = run(["fetch", "orsay"], capsys)
    assert code == 1
    lines = err.strip().splitlines()
    # an error every account would meet is said once; the other account is "not tried"
    assert len(lines) == (1 if wide else 2), err
    assert lines[0].startswith("engage: error: facebook account @mbalyon: " + expected), err
    assert ("not tried" in out) is wide
    assert _q(env, "SELECT count(*) FROM posts") == [(0,)]
    _no_secret_anywhere(env.parent, out, err)


def test_a_failure_keeps_only_complete_imports_and_a_rerun_completes(
    env: Path, fb: FacebookReplay, capsys: pytest.CaptureFixture[str]
) -> None:
    orsay = fb.add(Page("113000000000001", "museeorsay", "Musée d'Orsay", 40_000))
    orsay.posts = make_posts(70, NOW - timedelta(hours=1), prefix="13000")
    lyon = fb.add(_lyon(posts=make_posts(80, NOW - timedelta(hours=2))))
    with closing(Store(env)) as store:
        Museums(store).link("orsay", "facebook", "mbalyon")
        Museums(store).link("orsay", "facebook", "museeorsay")
    # Lyon's second page of posts fails with a (non network-wide) unknown error body
    broken = {
        "error": {
            "message": "An unknown error occurred",
            "type": "OAuthException",
            "code": 1,
            "error_subcode": 99,
            "fbtrace_id": "AxY",
        }
    }
    fb.fail = lambda name, req: (
        (400, broken)
        if name == "posts" and req.path.endswith(f"{lyon.id}/posts") and "after" in req.args
        else None
    )
    code, out, err = run(["fetch", "orsay"], capsys)
    assert code == 1
    assert "facebook account @mbalyon: Graph API error 1: An unknown error occurred" in err
    # Orsay complete, nothing of Lyon (its first page is saved, not imported)
    assert _q(env, "SELECT account_id, count(*) FROM posts GROUP BY ALL") == [(orsay.id, 70)]
    assert _q(env, "SELECT count(*) FROM follower_snapshots") == [(1,)]
    fb.fail = None
    code, out, err = run(["fetch", "orsay"], capsys)
    assert code == 0, err
    assert sorted(_q(env, "SELECT account_id, count(*) FROM posts GROUP BY ALL")) == [
        (lyon.id, 80),
        (orsay.id, 70),
    ]
    assert _q(
        env, "SELECT count(*) FROM (SELECT post_id FROM posts GROUP BY ALL HAVING count(*) > 1)"
    ) == [(0,)]
    _no_secret_anywhere(env.parent, out, err)


def test_the_saved_responses_read_back_with_the_importer(
    env: Path, fb: FacebookReplay, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each fetched file is what ``engage ingest`` reads: the importer alone gives the
    posts, counts, UTC times and NULLs of the replay (check_read, its truncated copy too)."""
    from engage_facebook.graph import FacebookGraphImporter

    from engagecore.testing import check_read

    page = fb.add(_lyon(posts=make_posts(3, datetime(2026, 4, 6, 17, 50, 9, tzinfo=UTC))))
    page.posts[1].shares = None
    fb.owned.add(page.id)
    fb.insights = "old"
    assert run(["fetch", "facebook", "mbalyon", "--museum", "mba-lyon"], capsys)[0] == 0
    files = sorted((env.parent / "responses" / "facebook" / "mbalyon").iterdir())
    assert [f.name.endswith(".json.gz") for f in files] == [True, True]  # page, posts page
    docs = [json.loads(gzip.decompress(f.read_bytes())) for f in files]
    observed = docs[0]["engagecore_observed_at"]
    assert "followers_count" in docs[0] and "data" in docs[1]
    check_read(
        FacebookGraphImporter(),
        files[0],
        expect={
            "accounts": [{"account_id": page.id, "handle": "mbalyon", "display_name": page.name}],
            "follower_snapshots": [
                {"account_id": page.id, "observed_at": observed, "followers": 98_120}
            ],
        },
    )
    check_read(
        FacebookGraphImporter(),
        files[1],
        expect={
            "accounts": [{"account_id": page.id}],
            "posts": [
                {
                    "post_id": p.id,
                    "account_id": page.id,
                    "posted_at": p.created,
                    "observed_at": observed,
                    "likes": p.reactions,
                    "comments": 4,
                    "shares": 0 if p.shares is None else p.shares,
                    "reach": 700,
                    "impressions": 900,
                    "views": None,
                    "is_own": True,
                }
                for p in page.posts
            ],
        },
    )
