"""Replay servers for the fetch tests: the networks' APIs in their exact formats."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

FETCH_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "fetch"


# -- YouTube Data API v3 replay ---------------------------------------------------------------

YT = FETCH_FIXTURES / "youtube"
KEY = "AIzaSyPLANTED-key_0123456789abcdefghij"


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
