"""Mastodon is many hosts: a 401 or a 429 beyond the time budget from one instance stops
the run's requests to that instance only. The network's accounts on other instances are
fetched; the summary gives each account's status; the exit code is still 1."""

from __future__ import annotations

import json
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cli_run import run
from pytest_httpserver import HTTPServer
from test_fetch_mastodon import ACCOUNT_JSON, LOOKUP_PATH, status
from werkzeug import Request, Response

from engagecore.fetch import run as fetch_run
from engagecore.fetch.http import HttpClient
from engagecore.museums import Museums
from engagecore.store import Store

NOW = datetime.now(UTC).replace(microsecond=0)
pytestmark = pytest.mark.usefixtures("no_backoff")

#: museum slug -> (user, instance, account id on its instance); fetched in this order
ACCOUNTS = {
    "a-refused": ("refused", "mastodon.social", "1001"),
    "b-same": ("same", "mastodon.social", "1002"),
    "c-other": ("other", "mastodon.art", "1003"),
}


def _account(user: str, instance: str, ident: str) -> dict[str, Any]:
    return {
        **ACCOUNT_JSON,
        "id": ident,
        "username": user,
        "acct": user,
        "display_name": user.title(),
        "url": f"https://{instance}/@{user}",
        "uri": f"https://{instance}/users/{user}",
        "followers_count": int(ident),
    }


def _statuses(user: str, instance: str, ident: str, n: int) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        s = status(int(ident) * 100 + n - i, NOW - timedelta(hours=1 + i), boost=False)
        s["account"] = _account(user, instance, ident)
        s["uri"] = f"https://{instance}/users/{user}/statuses/{s['id']}"
        s["url"] = f"https://{instance}/@{user}/{s['id']}"
        out.append(s)
    return out


@dataclass
class Instances:
    """Every instance's public API on one local server (an --api-base replaces each host):
    accounts told apart by their user name and id."""

    base: str
    #: user -> (status, body, headers) answered to every request of that account
    refuse: dict[str, tuple[int, Any, dict[str, str]]] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)

    def __call__(self, request: Request) -> Response:
        if request.path == LOOKUP_PATH:
            user = request.args["acct"]
        else:
            ident = request.path.split("/")[4]
            user = next(u for u, _, i in ACCOUNTS.values() if i == ident)
        self.asked.append(user)
        if user in self.refuse:
            code, body, headers = self.refuse[user]
            return Response(json.dumps(body), code, headers, content_type="application/json")
        ((user, instance, ident),) = [a for a in ACCOUNTS.values() if a[0] == user]
        if request.path == LOOKUP_PATH:
            doc: Any = _account(user, instance, ident)
        else:
            doc = _statuses(user, instance, ident, 3) if "max_id" not in request.args else []
        return Response(json.dumps(doc), 200, content_type="application/json; charset=utf-8")


@pytest.fixture
def instances(
    httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, Instances]:
    replay = Instances(httpserver.url_for("/").rstrip("/"))
    httpserver.expect_request(LOOKUP_PATH).respond_with_handler(replay)
    for _, _, ident in ACCOUNTS.values():
        httpserver.expect_request(f"/api/v1/accounts/{ident}/statuses").respond_with_handler(replay)
    monkeypatch.setenv("ENGAGE_MASTODON_API_BASE", replay.base)
    db = tmp_path / "engage.duckdb"
    monkeypatch.setenv("ENGAGE_DB", str(db))
    with closing(Store(db)) as store:
        museums = Museums(store)
        for slug, (user, instance, _) in ACCOUNTS.items():
            museums.add(slug.title(), slug=slug)
            museums.link(slug, "mastodon", f"{user}@{instance}")
    return db, replay


def _posts_by_account(db: Path) -> dict[str, int]:
    with closing(Store(db, read_only=True)) as s:
        rows = s.fetchall("SELECT account_id, count(*) FROM posts GROUP BY 1")
    return {a: n for a, n in rows}


def test_a_401_from_one_instance_leaves_the_accounts_of_other_instances_fetched(
    instances: tuple[Path, Instances], capsys: pytest.CaptureFixture[str]
) -> None:
    db, replay = instances
    replay.refuse["refused"] = (401, {"error": "This method requires an authenticated user"}, {})
    code, out, err = run(["fetch", "--all", "--format", "csv"], capsys)
    assert code == 1
    (line,) = err.strip().splitlines()
    assert "mastodon account @refused@mastodon.social" in line
    assert "allows no public reading" in line
    status = {r.split(",")[0]: r.split(",")[-1] for r in out.strip().splitlines()[1:]}
    assert status == {"a-refused": "failed", "b-same": "not tried", "c-other": "ok"}
    # nothing asked of the stopped instance after its refusal; the other instance fetched
    assert "same" not in replay.asked
    assert _posts_by_account(db) == {"other@mastodon.art": 3}


def test_a_429_beyond_the_budget_stops_that_instance_only(
    instances: tuple[Path, Instances], sleeps: list[float]
) -> None:
    db, replay = instances
    reset = datetime.now(UTC) + timedelta(hours=2)
    replay.refuse["refused"] = (
        429,
        {"error": "Too many requests"},
        {"X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%M:%S.%fZ")},
    )
    with closing(Store(db)) as store, HttpClient(sleep=sleeps, budget=600) as client:
        report = fetch_run.run(store, all_museums=True, client=client, now=NOW)
    rows = {a.museum: a for a in report.accounts}
    assert rows["a-refused"].status == "failed"
    assert "rate limited" in (rows["a-refused"].error or "")
    assert (rows["b-same"].status, rows["b-same"].error, rows["b-same"].requests) == (
        "not tried",
        None,
        0,
    )
    assert rows["c-other"].status == "ok" and rows["c-other"].new_posts == 3
    assert len(report.errors) == 1 and sleeps == []  # two hours is beyond the budget
    assert _posts_by_account(db) == {"other@mastodon.art": 3}
    # the next run, the instance answering again: every account fetched
    replay.refuse.clear()
    with closing(Store(db)) as store, HttpClient(sleep=sleeps, budget=600) as client:
        report = fetch_run.run(store, all_museums=True, client=client, now=NOW)
    assert [a.status for a in report.accounts] == ["ok", "ok", "ok"]
    assert _posts_by_account(db) == {
        "refused@mastodon.social": 3,
        "same@mastodon.social": 3,
        "other@mastodon.art": 3,
    }
