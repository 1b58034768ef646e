"""Writes simulated posts as a real X archive folder, so the demo goes through the importer.

The folder holds ``data/account.js``, ``data/manifest.js`` (follower count and generation
date) and ``data/tweets.js`` (``{"tweet": {...}}`` elements, counts as strings, reposts as
"RT @user: ..." with counts "0", as X writes them). An archive only knows today's follower
count, so the newest follower snapshot is written. Media t.co links are not appended to the
text, so that the text reads back unchanged.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from engage_x import common as C
from engagecore.plugin import DemoAccountData, DemoWriter

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_URL_RE = re.compile(r"https?://\S+")
_MEDIA = {"photo": "photo", "carousel": "photo", "video": "video", "reel": "video", "live": "video"}


def _utc(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def created_at(dt: datetime) -> str:
    """X's ``created_at`` ("Tue Nov 05 13:24:09 +0000 2024"), locale-independent."""
    dt = _utc(dt)
    return (
        f"{_DAYS[dt.weekday()]} {_MONTHS[dt.month - 1]} {dt.day:02d} {dt:%H:%M:%S} +0000 {dt.year}"
    )


def _iso(dt: datetime) -> str:
    return _utc(dt).strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _tco(url: str) -> str:
    return "https://t.co/" + hashlib.sha1(url.encode()).hexdigest()[:10]


def _dump(global_name: str, value: Any) -> str:
    body = json.dumps(value, indent=2, separators=(",", " : "), ensure_ascii=False)
    return f"window.{global_name} = {body}"


def _indices(text: str, token: str) -> list[str]:
    at = text.find(token)
    return [str(max(at, 0)), str(max(at, 0) + len(token))]


def _tweet(post: dict[str, Any], handle: str) -> dict[str, Any]:
    pid = str(post["post_id"])
    text = post["text"] or ""
    own = bool(post["is_own"])
    mentions = list(post["mentions"] or [])
    if not own and not text.startswith("RT @"):
        who = mentions[0] if mentions else "museum"
        text = f"RT @{who}: {text}"
        mentions = [who, *[m for m in mentions if m != who]]
    urls = []
    for long in dict.fromkeys(_URL_RE.findall(text)):
        short = _tco(long)
        urls.append(
            {"url": short, "expanded_url": long, "display_url": long.split("://", 1)[1][:26]}
        )
    if post["kind"] == "link" and not urls:
        long = f"https://museum.example/{handle}/{pid}"
        urls.append({"url": _tco(long), "expanded_url": long, "display_url": long[8:34]})
    full = _escape(text)
    for u in urls:
        full = full.replace(_escape(u["expanded_url"]), u["url"])
    for u in urls:
        u["indices"] = _indices(full, u["url"])
    entities: dict[str, Any] = {
        "hashtags": [
            {"text": h, "indices": _indices(text, "#" + h)} for h in post["hashtags"] or []
        ],
        "symbols": [],
        "user_mentions": [
            {
                "name": m,
                "screen_name": m,
                "indices": _indices(text, "@" + m),
                "id_str": "0",
                "id": "0",
            }
            for m in mentions
        ],
        "urls": urls,
    }
    tweet: dict[str, Any] = {
        "retweeted": False,
        "source": '<a href="https://mobile.twitter.com" rel="nofollow">Twitter Web App</a>',
        "entities": entities,
        "display_text_range": ["0", str(len(full))],
        "favorite_count": str(post["likes"] or 0) if own else "0",
        "id_str": pid,
        "truncated": False,
        "retweet_count": str(post["shares"] or 0) if own else "0",
        "id": pid,
        "created_at": created_at(post["posted_at"]),
        "favorited": False,
        "full_text": full,
        "lang": post["language"] or "und",
    }
    media_type = _MEDIA.get(post["kind"])
    if media_type:
        media = [
            {
                "expanded_url": f"https://x.com/{handle}/status/{pid}/{media_type}/1",
                "url": _tco(pid),
                "id_str": pid,
                "id": pid,
                "type": media_type,
                "display_url": f"pic.x.com/{_tco(pid)[13:]}",
            }
        ]
        entities["media"] = media
        tweet["extended_entities"] = {"media": media}
    return {"tweet": tweet}


class XDemoWriter(DemoWriter):
    """Writes one simulated account as the archive folder X would send it."""

    network = C.NETWORK

    def write(self, data: DemoAccountData, folder: Path) -> list[Path]:
        root = folder / f"x-archive-{data.handle}"
        out = root / "data"
        out.mkdir(parents=True, exist_ok=True)
        posts = data.posts.sort("posted_at", descending=True)
        tweets = [_tweet(p, data.handle) for p in posts.iter_rows(named=True)]
        account = [
            {
                "account": {
                    "username": data.handle,
                    "accountId": data.account_id,
                    "createdAt": "2010-01-01T00:00:00.000Z",
                    "accountDisplayName": data.museum_name,
                }
            }
        ]
        followers = data.followers.sort("observed_at")["followers"]
        data_types: dict[str, Any] = {
            "account": {
                "files": [
                    {"fileName": "data/account.js", "globalName": "YTD.account.part0", "count": "1"}
                ]
            },
            "tweets": {
                "files": [
                    {
                        "fileName": "data/tweets.js",
                        "globalName": "YTD.tweets.part0",
                        "count": str(len(tweets)),
                    }
                ]
            },
        }
        if followers.len():
            data_types["follower"] = {
                "files": [
                    {
                        "fileName": "data/follower.js",
                        "globalName": "YTD.follower.part0",
                        "count": str(followers[-1]),
                    }
                ]
            }
        manifest = {
            "userInfo": {
                "accountId": data.account_id,
                "userName": data.handle,
                "displayName": data.museum_name,
            },
            "archiveInfo": {"generationDate": _iso(data.export_date), "isPartialArchive": False},
            "dataTypes": data_types,
        }
        (out / "account.js").write_text(_dump("YTD.account.part0", account), encoding="utf-8")
        (out / "manifest.js").write_text(_dump("__THAR_CONFIG", manifest), encoding="utf-8")
        (out / "tweets.js").write_text(_dump("YTD.tweets.part0", tweets), encoding="utf-8")
        return [root]
