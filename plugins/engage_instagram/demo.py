"""``engage demo`` for Instagram: simulated data written as a professional account's
"Download your information" export, so that it goes through the real importer.

Everything is written as Meta writes it: strings and keys as UTF-8 bytes escaped one by one
(``"Mus\\u00c3\\u00a9e"``), English insight labels, counts as strings with thousands
separators, follower ages as one "13-17: 0.6%, ..." string.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from engage_instagram.common import NETWORK_NAME
from engagecore.plugin import DemoAccountData, DemoWriter

#: Column → English label of past_instagram_insights (the labels Meta uses in English).
_LABELS = {
    "impressions": "Impressions",
    "reach": "Accounts reached",
    "likes": "Likes",
    "comments": "Comments",
    "shares": "Shares",
    "saves": "Saves",
    "views": "Views",
}


def meta_encode(obj: Any) -> Any:
    """The inverse of Meta-mojibake repair: each string's UTF-8 bytes as code points."""
    if isinstance(obj, str):
        return obj.encode("utf-8").decode("latin-1")
    if isinstance(obj, list):
        return [meta_encode(v) for v in obj]
    if isinstance(obj, dict):
        return {meta_encode(k): meta_encode(v) for k, v in obj.items()}
    return obj


def _dump(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(meta_encode(data), indent=2, ensure_ascii=True), encoding="utf-8")


def _media_number(post_id: str) -> str:
    """Instagram media ids are numbers; any other demo id maps to a stable number."""
    if post_id.isdigit():
        return post_id
    return str(int(hashlib.sha1(post_id.encode()).hexdigest()[:14], 16))


def _unix(ts: datetime) -> int:
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return int(ts.timestamp())


def _media(folder: str, number: str, ts: int, ext: str, title: str) -> dict[str, Any]:
    month = datetime.fromtimestamp(ts, tz=UTC).strftime("%Y%m")
    meta: dict[str, Any] = {"video_metadata" if ext == "mp4" else "photo_metadata": {}}
    return {
        "uri": f"media/{folder}/{month}/{number[-9:]}_{ts}_n_{number}.{ext}",
        "creation_timestamp": ts,
        "media_metadata": meta,
        "title": title,
    }


class InstagramDemoWriter(DemoWriter):
    """Writes one account as ``instagram-HANDLE-YYYY-MM-DD-demo/`` (Meta's naming, so the
    importer dates the counts at the export date)."""

    network = NETWORK_NAME

    def write(self, data: DemoAccountData, folder: Path) -> list[Path]:
        handle = data.handle.lstrip("@").lower()
        root = folder / f"instagram-{handle}-{data.export_date:%Y-%m-%d}-demo"
        feed: list[dict[str, Any]] = []
        reels: list[dict[str, Any]] = []
        stories: list[dict[str, Any]] = []
        insights: dict[str, list[dict[str, Any]]] = {"posts": [], "reels": [], "stories": []}
        for post in data.posts.sort("posted_at").iter_rows(named=True):
            number = _media_number(str(post["post_id"]))
            ts = _unix(post["posted_at"])
            text = post.get("text") or ""
            kind = post["kind"]
            ext = "mp4" if kind in ("video", "reel", "live") else "jpg"
            if kind == "reel":
                first = _media("reels", number, ts, ext, text)
                reels.append({"media": [first]})
                target = "reels"
            elif kind == "story":
                first = _media("stories", number, ts, ext, text)
                stories.append(first)
                target = "stories"
            elif kind == "carousel":
                first = _media("posts", number, ts, "jpg", "")
                second = _media("posts", _media_number(f"{number}-2"), ts, "jpg", "")
                feed.append({"media": [first, second], "title": text, "creation_timestamp": ts})
                target = "posts"
            else:
                first = _media("posts", number, ts, ext, text)
                feed.append({"media": [first]})
                target = "posts"
            counts = {
                label: {"href": "", "value": f"{post[col]:,}", "timestamp": 0}
                for col, label in _LABELS.items()
                if post.get(col) is not None
            }
            if counts:
                insights[target].append(
                    {
                        "media_map_data": {
                            "Media Thumbnail": {
                                "uri": first["uri"],
                                "creation_timestamp": ts,
                                "title": text,
                            }
                        },
                        "string_map_data": counts,
                    }
                )
        activity = root / "your_instagram_activity" / "media"
        _dump(activity / "posts_1.json", feed)
        if reels:
            _dump(activity / "reels.json", {"ig_reels_media": reels})
        if stories:
            _dump(activity / "stories.json", {"ig_stories": stories})
        _dump(
            root / "personal_information" / "personal_information" / "personal_information.json",
            {
                "profile_user": [
                    {
                        "media_map_data": {},
                        "string_map_data": {
                            "Username": {"href": "", "value": handle, "timestamp": 0},
                            "Name": {"href": "", "value": data.museum_name, "timestamp": 0},
                        },
                    }
                ]
            },
        )
        past = root / "logged_information" / "past_instagram_insights"
        for target, entries in insights.items():
            if entries:
                _dump(past / f"{target}.json", {f"organic_insights_{target}": entries})
        audience = _audience(data)
        if audience:
            _dump(
                past / "audience_insights.json",
                {
                    "organic_insights_audience": [
                        {"media_map_data": {}, "string_map_data": audience}
                    ]
                },
            )
        return [root]


def _audience(data: DemoAccountData) -> dict[str, Any]:
    """audience_insights.json string_map_data: latest follower count and age shares."""
    out: dict[str, Any] = {}
    followers = data.followers
    if followers.height:
        latest = followers.sort("observed_at")["followers"][-1]
        if latest is not None:
            out["Followers"] = {"href": "", "value": f"{latest:,}", "timestamp": 0}
    ages = data.audience_age
    if ages is not None and ages.height:
        basis = "followers" if (ages["basis"] == "followers").any() else ages["basis"][0]
        chosen = ages.filter(pl.col("basis") == basis)
        chosen = chosen.filter(pl.col("observed_at") == chosen["observed_at"].max())
        text = ", ".join(
            f"{row['age_band']}: {row['share'] * 100:.1f}%"
            for row in chosen.sort("age_min").iter_rows(named=True)
        )
        out["Follower percentage by age for all genders"] = {
            "href": "",
            "value": text,
            "timestamp": 0,
        }
    return out
