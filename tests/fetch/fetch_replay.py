"""Replay servers for the fetch tests: the networks' APIs in their exact formats."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from engagecore.fetch import run as fetch_run
from engagecore.fetch.http import HttpClient
from engagecore.store import Store

FETCH_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "fetch"


# -- YouTube Data API v3 replay ---------------------------------------------------------------

YT = FETCH_FIXTURES / "youtube"
KEY = "AIzaSyPLANTED-key_0123456789abcdefghij"


def fetch_all(
    db: Path, sleeps: list[float], now: datetime, wall: Callable[[], float] = time.time, **kw: Any
) -> fetch_run.FetchReport:
    """``engage fetch --all`` on ``db`` through a client that records the waits it is asked
    for in ``sleeps``; ``wall`` is its wall clock (pinned where a wait is computed from it)."""
    with closing(Store(db)) as store, HttpClient(sleep=sleeps, budget=600, wall=wall) as client:
        return fetch_run.run(store, all_museums=True, client=client, now=now, **kw)


def _load(name: str) -> Any:
    return json.loads((YT / name).read_text(encoding="utf-8"))


@dataclass
class Video:
    id: str
    published: datetime
    views: int
    likes: int | None = 10
    comments: int | None = 1


@dataclass
class YouTubeReplay:
    """A channel served in the Data API's exact formats (templates from the fixtures):
    ``channels.list``, ``playlistItems.list`` (newest first, ``pageToken``) and
    ``videos.list`` (up to 50 ids). ``fail`` may answer a request instead (status, body)."""

    server: HTTPServer
    videos: list[Video] = field(default_factory=list)
    channel_id: str = "UCfVvGxNuFTd9ktLB7jTu3Wg"
    handle: str = "museedulouvre"
    subscribers: int = 1_230_000
    key: str = KEY
    calls: list[str] = field(default_factory=list)
    fail: Callable[[str, Request], tuple[int, Any] | None] | None = None

    def __post_init__(self) -> None:
        for path, fn in (
            ("/youtube/v3/channels", self._channels),
            ("/youtube/v3/playlistItems", self._playlist),
            ("/youtube/v3/videos", self._videos),
        ):
            self.server.expect_request(path).respond_with_handler(self._guard(path, fn))

    @property
    def base(self) -> str:
        return self.server.url_for("/").rstrip("/")

    def _guard(self, path: str, fn: Callable[[Request], Any]) -> Callable[[Request], Response]:
        def handler(req: Request) -> Response:
            name = path.rsplit("/", 1)[1]
            self.calls.append(name)
            if req.args.get("key") != self.key:
                return _json(400, _load("error_key_invalid.json"))
            if self.fail is not None:
                got = self.fail(name, req)
                if got is not None:
                    return _json(*got)
            return _json(200, fn(req))

        return handler

    def _channels(self, req: Request) -> Any:
        wanted = req.args.get("forHandle", "").lstrip("@").lower() or None
        if wanted not in (None, self.handle) or req.args.get("id") not in (None, self.channel_id):
            return _load("channels_list_none.json")
        doc = _load("channels_list.json")
        item = doc["items"][0]
        item["id"] = self.channel_id
        item["snippet"]["customUrl"] = "@" + self.handle
        item["contentDetails"]["relatedPlaylists"]["uploads"] = "UU" + self.channel_id[2:]
        item["statistics"]["subscriberCount"] = str(self.subscribers)
        item["statistics"]["videoCount"] = str(len(self.videos))
        return doc

    def _playlist(self, req: Request) -> Any:
        ordered = sorted(self.videos, key=lambda v: v.published, reverse=True)
        size = min(int(req.args.get("maxResults", "5")), 50)
        token = req.args.get("pageToken")
        start = int(token.removeprefix("EAAaB")) if token else 0
        items = []
        for v in ordered[start : start + size]:
            item = _load("playlist_item.json")
            item["contentDetails"] = {
                "videoId": v.id,
                "videoPublishedAt": v.published.strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
            items.append(item)
        doc: dict[str, Any] = {
            "kind": "youtube#playlistItemListResponse",
            "etag": "pI1st0000000000000000000000",
            "items": items,
            "pageInfo": {"totalResults": len(ordered), "resultsPerPage": size},
        }
        if start + size < len(ordered):
            doc["nextPageToken"] = f"EAAaB{start + size}"
        if start:
            doc["prevPageToken"] = f"EAAaB{max(0, start - size)}"
        return doc

    def _videos(self, req: Request) -> Any:
        ids = req.args.get("id", "").split(",")
        assert len(ids) <= 50
        by_id = {v.id: v for v in self.videos}
        items = []
        for vid in ids:
            v = by_id.get(vid)
            if v is None:
                continue  # deleted: videos.list leaves it out
            item = _load("video_item.json")
            item["id"] = v.id
            item["snippet"]["channelId"] = self.channel_id
            item["snippet"]["publishedAt"] = v.published.strftime("%Y-%m-%dT%H:%M:%SZ")
            item["snippet"]["title"] = f"Vidéo {v.id} — Musée du Louvre"
            stats = {"viewCount": str(v.views), "favoriteCount": "0"}
            if v.likes is not None:
                stats["likeCount"] = str(v.likes)
            if v.comments is not None:
                stats["commentCount"] = str(v.comments)
            item["statistics"] = stats
            items.append(item)
        return {
            "kind": "youtube#videoListResponse",
            "etag": "Xf3sR0o0x1m8Jb3G2a7Q9nq1pWc",
            "items": items,
            "pageInfo": {"totalResults": len(items), "resultsPerPage": len(items)},
        }


def _json(status: int, doc: Any) -> Response:
    return Response(json.dumps(doc), status=status, content_type="application/json; charset=UTF-8")


def make_videos(
    n: int, newest: datetime, prefix: str = "v", step: timedelta = timedelta(days=1)
) -> list[Video]:
    """``n`` videos, one every ``step`` back from ``newest``, ids like ``v0000000001``."""
    return [Video(f"{prefix}{i:010d}", newest - i * step, views=1000 + i) for i in range(n)]


# -- Instagram Graph API replay ---------------------------------------------------------------

IG = FETCH_FIXTURES / "instagram"
TOKEN = "EAAGplantedTOKEN0123456789abcdefZZZ"
ME = "17841401234567890"


def _ig(name: str) -> Any:
    return json.loads((IG / name).read_text(encoding="utf-8"))


@dataclass
class Media:
    id: str
    timestamp: datetime
    likes: int
    comments: int = 3
    reach: int = 500


@dataclass
class GraphReplay:
    """Instagram's Graph API on the local server, in its exact formats: ``/me/accounts``,
    Business Discovery (``media.after(c).limit(n)``), the owned user, ``/media`` with
    inline insights (``paging.next`` carrying the token, as Meta's does) and
    ``follower_demographics``. ``accounts``: username → media, newest first or not."""

    server: HTTPServer
    accounts: dict[str, list[Media]] = field(default_factory=dict)
    me_username: str = "museedulouvre"
    followers: int = 4_870_000
    token: str = TOKEN
    calls: list[str] = field(default_factory=list)
    insights_allowed: bool = True
    fail: Callable[[str, Request], tuple[int, Any] | None] | None = None

    def __post_init__(self) -> None:
        self.server.expect_request("/v23.0/me/accounts").respond_with_handler(
            self._guard("accounts", self._me_accounts)
        )
        self.server.expect_request(f"/v23.0/{ME}").respond_with_handler(
            self._guard("user", self._user)
        )
        self.server.expect_request(f"/v23.0/{ME}/media").respond_with_handler(
            self._guard("media", self._media)
        )
        self.server.expect_request(f"/v23.0/{ME}/insights").respond_with_handler(
            self._guard("insights", lambda req: _json(200, _ig("follower_demographics.json")))
        )

    @property
    def base(self) -> str:
        return self.server.url_for("/").rstrip("/")

    def _guard(self, name: str, fn: Callable[[Request], Any]) -> Callable[[Request], Response]:
        def handler(req: Request) -> Response:
            label = name
            if name == "user" and "business_discovery" in req.args.get("fields", ""):
                label = "discovery"
            self.calls.append(label)
            if req.args.get("access_token") != self.token:
                return _json(400, _ig("error_expired_token.json"))
            if self.fail is not None:
                got = self.fail(label, req)
                if got is not None:
                    return _json(*got)
            return fn(req)

        return handler

    def _me_accounts(self, req: Request) -> Response:
        return _json(
            200,
            {
                "data": [
                    {
                        "instagram_business_account": {"id": ME, "username": self.me_username},
                        "id": "104300000000001",
                    }
                ],
                "paging": {"cursors": {"before": "QVFIUmFh", "after": "QVFIUmFh"}},
            },
        )

    def _item(self, m: Media, username: str | None, insights: bool) -> dict[str, Any]:
        item = _ig("media_item.json")
        item["id"] = m.id
        item["timestamp"] = m.timestamp.strftime("%Y-%m-%dT%H:%M:%S+0000")
        item["like_count"] = m.likes
        item["comments_count"] = m.comments
        item["permalink"] = f"https://www.instagram.com/p/{m.id[-11:]}/"
        if username is not None:
            item["username"] = username
        if insights:
            ins = _ig("media_insights.json")
            for metric in ins["data"]:
                metric["id"] = f"{m.id}/insights/{metric['name']}/lifetime"
            ins["data"][0]["values"] = [{"value": m.reach}]
            item["insights"] = ins
        return item

    def _page(
        self, media: list[Media], after: str | None, limit: int, **item: Any
    ) -> tuple[list[Any], dict[str, Any], int]:
        ordered = sorted(media, key=lambda m: m.timestamp, reverse=True)
        start = int(after.removeprefix("QVFIU")) if after else 0
        chunk = ordered[start : start + limit]
        paging: dict[str, Any] = {
            "cursors": {"before": f"QVFIU{start}", "after": f"QVFIU{start + len(chunk)}"}
        }
        return [self._item(m, **item) for m in chunk], paging, start + len(chunk) < len(ordered)

    def _user(self, req: Request) -> Response:
        fields = req.args.get("fields", "")
        found = re.search(r"business_discovery\.username\(([^)]+)\)", fields)
        if found is None:
            return _json(
                200,
                {
                    "id": ME,
                    "username": self.me_username,
                    "name": "Musée du Louvre",
                    "followers_count": self.followers,
                    "media_count": len(self.accounts.get(self.me_username, [])),
                },
            )
        username = found.group(1)
        if username not in self.accounts:
            return _json(400, _ig("error_not_business.json"))
        edge = re.search(r"media(?:\.after\(([^)]+)\))?\.limit\((\d+)\)", fields)
        assert edge is not None, fields
        data, paging, more = self._page(
            self.accounts[username],
            edge.group(1),
            int(edge.group(2)),
            username=None,
            insights=False,
        )
        if not more:
            paging["cursors"].pop("after")
        return _json(
            200,
            {
                "business_discovery": {
                    "id": "17841400000000" + str(len(username)),
                    "username": username,
                    "name": username.title(),
                    "followers_count": self.followers // 10,
                    "media_count": len(self.accounts[username]),
                    "media": {"data": data, "paging": paging},
                },
                "id": ME,
            },
        )

    def _media(self, req: Request) -> Response:
        fields = req.args.get("fields", "")
        wants = "insights.metric(" in fields
        if wants and not self.insights_allowed:
            return _json(400, _ig("error_permission.json"))
        limit = int(req.args.get("limit", "25"))
        data, paging, more = self._page(
            self.accounts.get(self.me_username, []),
            req.args.get("after"),
            limit,
            username=self.me_username,
            insights=wants,
        )
        if more:
            paging["next"] = (
                f"https://graph.facebook.com/v23.0/{ME}/media?access_token={self.token}"
                f"&fields={fields}&limit={limit}&after={paging['cursors']['after']}"
            )
        return _json(200, {"data": data, "paging": paging})


def make_media(
    n: int, newest: datetime, prefix: str = "1790000", step: timedelta = timedelta(days=1)
) -> list[Media]:
    return [Media(f"{prefix}{i:010d}", newest - i * step, likes=100 + i) for i in range(n)]
