"""Writes a simulated Threads account as the API responses a fetch of it would have saved.

Layout under ``folder/threads-<username>/``: ``me.json`` (the profile), ``threads-NNNN.json``
(``/me/threads`` pages of 25 posts, newest first, with paging cursors), ``media-insights.json``
(a JSON array of ``/{media-id}/insights`` responses, one per post, each metric's ``id``
naming its post; empty for a repost, as the API answers) and one ``threads_insights-<time>.json``
per follower snapshot or audience-age date (``followers_count``, ``follower_demographics`` by
age as follower counts). Each response carries ``engagecore_observed_at`` so that a re-read
gives the simulated observation times.
"""

from __future__ import annotations

import json
import re
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from engagecore.plugin import OBSERVED_AT_KEY, DemoAccountData, DemoWriter

from .common import AGE_BANDS, MEDIA_METRICS, NETWORK_NAME, username

PAGE_SIZE = 25  # /threads' default page size
#: The store's post kind → the media_type Threads would give it.
_MEDIA_TYPE = {
    "text": "TEXT_POST",
    "link": "TEXT_POST",
    "photo": "IMAGE",
    "story": "IMAGE",
    "carousel": "CAROUSEL_ALBUM",
    "video": "VIDEO",
    "reel": "VIDEO",
    "live": "VIDEO",
    "other": "AUDIO",
}
#: count column → the media insights metric it is read from (MEDIA_METRICS reversed)
_METRIC_OF = {column: metric for metric, column in MEDIA_METRICS.items()}
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _ts(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _shortcode(post_id: str) -> str:
    """A stable 11-character shortcode for a post id (Threads' are base64-like)."""
    n = int(post_id) if post_id.isdigit() else zlib.crc32(post_id.encode()) << 20
    out = ""
    for _ in range(11):
        n, r = divmod(n, 64)
        out = _ALPHABET[r] + out
    return out


def _write(path: Path, doc: Any) -> None:
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def _aware(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _slug(text: str) -> str:
    return re.sub(r"[^\w-]+", "-", text).strip("-") or "account"


class ThreadsDemoWriter(DemoWriter):
    """Writes one simulated account as saved Threads API responses."""

    network = NETWORK_NAME

    def write(self, data: DemoAccountData, folder: Path) -> list[Path]:
        user = username(data.handle)
        root = Path(folder) / f"threads-{_slug(user)}"
        root.mkdir(parents=True, exist_ok=True)
        export = _aware(data.export_date)
        _write(
            root / "me.json",
            {
                "id": data.account_id,
                "username": user,
                "name": data.museum_name,
                "threads_biography": f"{data.museum_name} sur Threads",
                OBSERVED_AT_KEY: _iso(export),
            },
        )
        posts = data.posts.sort("posted_at", "post_id", descending=[True, False]).to_dicts()
        self._pages(posts, user, data.account_id, export, root)
        _write(root / "media-insights.json", [_insights(p, export) for p in posts])
        self._user_insights(data, export, root)
        return [root]

    def _pages(
        self, posts: list[dict[str, Any]], user: str, user_id: str, export: datetime, root: Path
    ) -> None:
        pages = [posts[i : i + PAGE_SIZE] for i in range(0, len(posts), PAGE_SIZE)] or [[]]
        for k, page in enumerate(pages, start=1):
            doc: dict[str, Any] = {
                "data": [_media(p, user) for p in page],
                "paging": {
                    "cursors": {"before": f"QVFIUdemo{k:04d}b", "after": f"QVFIUdemo{k:04d}a"}
                },
                OBSERVED_AT_KEY: _iso(export),
            }
            if k < len(pages):
                doc["paging"]["next"] = (
                    f"https://graph.threads.net/v1.0/{user_id}/threads?limit={PAGE_SIZE}"
                    f"&after=QVFIUdemo{k:04d}a"
                )
            _write(root / f"threads-{k:04d}.json", doc)

    def _user_insights(self, data: DemoAccountData, export: datetime, root: Path) -> None:
        followers: dict[datetime, int] = {
            _aware(row["observed_at"]): int(row["followers"])
            for row in data.followers.to_dicts()
            if row["followers"] is not None
        }
        ages: dict[datetime, list[tuple[str, float]]] = {}
        if data.audience_age is not None and not data.audience_age.is_empty():
            age = data.audience_age.filter(pl.col("basis") == "followers")
            for row in age.sort("observed_at", "age_min").to_dicts():
                if row["age_band"] not in AGE_BANDS:
                    raise ValueError(
                        f"age band {row['age_band']!r} is not a Threads age bucket; expected "
                        f"one of {sorted(AGE_BANDS)}"
                    )
                ages.setdefault(_aware(row["observed_at"]), []).append(
                    (row["age_band"], float(row["share"]))
                )
        for seen in sorted(set(followers) | set(ages)):
            metrics: list[dict[str, Any]] = []
            if seen in followers:
                metrics.append(
                    {
                        "name": "followers_count",
                        "period": "day",
                        "title": "followers_count",
                        "total_value": {"value": followers[seen]},
                        "id": f"{data.account_id}/insights/followers_count/day",
                    }
                )
            if seen in ages:
                # counts of followers per bucket, as the API gives them
                base = followers.get(seen) or max(followers.values(), default=10_000)
                results = [
                    {"dimension_values": [band], "value": round(share * base)}
                    for band, share in ages[seen]
                ]
                metrics.append(
                    {
                        "name": "follower_demographics",
                        "period": "lifetime",
                        "title": "follower_demographics",
                        "total_value": {
                            "breakdowns": [{"dimension_keys": ["age"], "results": results}]
                        },
                        "id": f"{data.account_id}/insights/follower_demographics/lifetime",
                    }
                )
            _write(
                root / f"threads_insights-{seen:%Y%m%dT%H%M%S}.json",
                {"data": metrics, OBSERVED_AT_KEY: _iso(seen)},
            )


def _media(post: dict[str, Any], user: str) -> dict[str, Any]:
    """A media object of a /threads page, with the fields a museum's fetch asks for."""
    post_id = str(post["post_id"])
    code = _shortcode(post_id)
    item: dict[str, Any] = {
        "id": post_id,
        "media_product_type": "THREADS",
        "media_type": "REPOST_FACADE",
        "username": user,
        "timestamp": _ts(post["posted_at"]),
        "shortcode": code,
        "is_quote_post": False,
    }
    if not post["is_own"]:
        item["reposted_post"] = {"id": str(zlib.crc32(post_id.encode()) + 10**16)}
        return item
    kind = post.get("kind") or "other"
    item["media_type"] = _MEDIA_TYPE.get(kind, "TEXT_POST")
    item["permalink"] = f"https://www.threads.net/@{user}/post/{code}"
    if post.get("text"):
        item["text"] = post["text"]
    tags = post.get("hashtags") or []
    if tags:
        item["topic_tag"] = tags[0]
    if kind == "link":
        item["link_attachment_url"] = post.get("url") or f"https://www.example.org/{code}"
    return item


def _insights(post: dict[str, Any], export: datetime) -> dict[str, Any]:
    """The /{media-id}/insights response of a post (empty for a repost)."""
    post_id = str(post["post_id"])
    seen = _aware(post["observed_at"]) if post.get("observed_at") else export
    metrics = []
    if post["is_own"]:
        for column, metric in _METRIC_OF.items():
            value = post.get(column)
            if value is not None:
                metrics.append(
                    {
                        "name": metric,
                        "period": "lifetime",
                        "values": [{"value": int(value)}],
                        "title": metric,
                        "id": f"{post_id}/insights/{metric}/lifetime",
                    }
                )
    return {"data": metrics, OBSERVED_AT_KEY: _iso(seen)}
