"""``engage fetch`` with the Instagram fetcher against the local Graph API replay server."""

from __future__ import annotations

import gzip
import json
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cli_run import run
from fetch_replay import IG, TOKEN, GraphReplay, Media, make_media

from engagecore.museums import Museums
from engagecore.store import Store

NOW = datetime.now(UTC).replace(microsecond=0)
pytestmark = pytest.mark.usefixtures("no_backoff")


@pytest.fixture
def env(tmp_path: Path, graph: GraphReplay, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ENGAGE_META_TOKEN", TOKEN)
    monkeypatch.setenv("ENGAGE_INSTAGRAM_API_BASE", graph.base)
    monkeypatch.delenv("ENGAGE_INSTAGRAM_USER_ID", raising=False)
    db = tmp_path / "engage.duckdb"
    monkeypatch.setenv("ENGAGE_DB", str(db))
    with closing(Store(db)) as store:
        Museums(store).add("Musée du Louvre", slug="louvre")
        Museums(store).add("Musée d'Orsay", slug="orsay")
    return db


def _q(db: Path, sql: str) -> list[tuple[object, ...]]:
    with closing(Store(db, read_only=True)) as s:
        return s.fetchall(sql)


def test_business_discovery_of_another_account(
    env: Path, graph: GraphReplay, capsys: pytest.CaptureFixture[str]
) -> None:
    graph.accounts["museeorsay"] = make_media(120, NOW - timedelta(hours=2))
    code, out, err = run(["fetch", "instagram", "@MuseeOrsay", "--museum", "orsay"], capsys)
    assert code == 0, err
    assert graph.calls == ["accounts"] + ["discovery"] * 3
    assert _q(env, "SELECT count(*), count(reach) FROM posts") == [(120, 0)]  # public only
    assert _q(env, "SELECT account_id, museum, handle FROM accounts") == [
        ("museeorsay", "orsay", "museeorsay")
    ]
    assert _q(env, "SELECT DISTINCT followers FROM follower_snapshots") == [(487_000,)]
    assert {r[0] for r in _q(env, "SELECT importer FROM imports")} == {"instagram-graph"}
    assert "@museeorsay" in out and "120" in out

    # a re-run: two new posts, and the posts of the last 10 days refreshed from page 1
    graph.calls.clear()
    graph.accounts["museeorsay"][:0] = make_media(2, NOW - timedelta(minutes=5), "1791000")
    grown = graph.accounts["museeorsay"][2]
    grown.likes = 9_999
    code, out, err = run(["fetch", "orsay", "--refresh-days", "10"], capsys)
    assert code == 0, err
    assert graph.calls == ["accounts", "discovery"]
    assert _q(env, "SELECT count(*) FROM posts") == [(122,)]
    assert _q(env, f"SELECT likes FROM posts WHERE post_id = '{grown.id}'") == [(9_999,)]
    line = next(x for x in out.splitlines() if "@museeorsay" in x)
    assert " 2 " in line and " 10 " in line  # new posts, refreshed (0 .. 9 days old)


def test_owned_account_media_insights_and_ages(
    env: Path, graph: GraphReplay, capsys: pytest.CaptureFixture[str]
) -> None:
    graph.accounts["museedulouvre"] = make_media(60, NOW - timedelta(hours=1))
    code, _, err = run(["fetch", "instagram", "museedulouvre", "--museum", "louvre"], capsys)
    assert code == 0, err
    assert graph.calls == ["accounts", "user", "media", "media", "insights"]
    assert _q(
        env, "SELECT count(*), min(reach), max(views), max(saves), max(shares) FROM posts"
    ) == [(60, 500, 71544, 904, 377)]
    assert _q(env, "SELECT followers FROM follower_snapshots") == [(4_870_000,)]
    ages = _q(env, "SELECT age_band, basis FROM audience_age ORDER BY age_min")
    assert [a for a, _ in ages] == ["13-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+"]
    assert {b for _, b in ages} == {"followers"}
    folder = env.parent / "responses" / "instagram" / "museedulouvre"
    saved = [json.loads(gzip.decompress(p.read_bytes())) for p in sorted(folder.iterdir())]
    pages = [d for d in saved if "paging" in d]
    assert "next" in pages[0]["paging"] and "after=" in pages[0]["paging"]["next"]
    assert TOKEN not in json.dumps(saved) and "access_token" not in json.dumps(saved)


def test_owned_account_without_the_insights_permission(
    env: Path, graph: GraphReplay, capsys: pytest.CaptureFixture[str]
) -> None:
    graph.accounts["museedulouvre"] = make_media(3, NOW - timedelta(hours=1))
    graph.insights_allowed = False
    code, _, err = run(["fetch", "instagram", "museedulouvre", "--museum", "louvre"], capsys)
    assert code == 0, err
    assert _q(env, "SELECT count(*), count(reach), sum(likes) FROM posts") == [(3, 0, 303)]


@pytest.mark.parametrize(
    ("fixture", "expected", "wide"),
    [
        ("error_expired_token.json", "the Meta access token has expired or is invalid", True),
        ("error_permission.json", "the Meta token lacks a permission", True),
        ("error_rate_limit.json", "Meta's rate limit is reached", True),
        ("error_not_business.json", "no such business or creator account", False),
    ],
)
def test_graph_error_bodies_are_one_line(
    env: Path,
    graph: GraphReplay,
    capsys: pytest.CaptureFixture[str],
    fixture: str,
    expected: str,
    wide: bool,
) -> None:
    body = json.loads((IG / fixture).read_text())
    status = 400 if body["error"]["code"] in (190, 110, 100) else 403
    graph.accounts["museeorsay"] = [Media("17900000000000001", NOW - timedelta(days=1), 5)]
    graph.accounts["autre"] = [Media("17900000000000002", NOW - timedelta(days=1), 5)]
    with closing(Store(env)) as store:
        Museums(store).link("orsay", "instagram", "autre")
        Museums(store).link("orsay", "instagram", "museeorsay")
    graph.fail = lambda name, req: (status, body) if name == "discovery" else None
    code, out, err = run(["fetch", "orsay"], capsys)
    assert code == 1
    lines = err.strip().splitlines()
    # an error every account would meet is said once; the others are "not tried"
    assert len(lines) == (1 if wide else 2), err
    assert lines[0].startswith("engage: error: instagram account @autre: " + expected)
    assert ("not tried" in out) is wide
    assert _q(env, "SELECT count(*) FROM posts") == [(0,)]
