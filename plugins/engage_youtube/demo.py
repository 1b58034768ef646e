"""Writes a simulated channel as the Data API and Analytics JSON a museum would have saved.

Layout under ``folder/youtube-<account>/``: ``data-api/`` holds one ``channels.list``
response per follower snapshot (``subscriberCount`` a string rounded to three significant
figures, as the API rounds it) and ``videos.list`` pages of 50 videos (string counts, ISO
durations, absent counts where the simulated count is NULL); ``analytics-age-<date>.json``
holds an ageGroup × gender viewerPercentage report per audience snapshot. Each file carries
``engagecore_observed_at`` so a re-read gives the simulated observation times.

Earlier readings of some videos (``DemoAccountData.readings``: the counts earlier fetches saw)
are written as ``refresh-<k>/videos.json``, a JSON array of the ``videos.list`` responses
those fetches saved (one per time, each with its ``engagecore_observed_at``), the k-th
earliest reading of each video in the k-th folder: each folder is its own import unit, since
an import keeps one reading per video (the latest), so that the store holds every reading as
a repeated observation of the video (``post_observations``). (``engage ingest`` of the whole
``youtube-<account>/`` folder, when no other importer's file is in it, reads it as one
export: then only each video's latest reading is kept.)
"""

from __future__ import annotations

import json
import re
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from engagecore.plugin import OBSERVED_AT_KEY, UTC_TS, DemoAccountData, DemoWriter

from .common import AGE_GROUPS, CHANNEL_ID_FIELD, format_duration

PAGE_SIZE = 50  # videos.list's maxResults ceiling
_GROUP_OF_BAND = {band: group for group, (band, _, _) in AGE_GROUPS.items()}
_FEMALE = 0.55  # how a simulated band's share is split over the report's gender rows


def round_subscribers(n: int) -> int:
    """Cut to three significant figures, as channels.list reports subscriberCount (1,234,567
    → 1,230,000: YouTube abbreviates downwards)."""
    if n < 1000:
        return n
    step = 10 ** (len(str(n)) - 3)
    return n // step * step


def _iso(ts: datetime) -> str:
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _write(path: Path, doc: dict[str, Any]) -> None:
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")


def _video(post: dict[str, Any], data: DemoAccountData) -> dict[str, Any]:
    """A ``youtube#video`` resource; the duration is derived from the id, so it is stable."""
    text = post.get("text") or ""
    title, _, description = text.partition("\n\n")
    snippet: dict[str, Any] = {
        "publishedAt": _iso(post["posted_at"]),
        "channelId": data.account_id,
        "title": title,
        "description": description,
        "channelTitle": data.museum_name,
        "liveBroadcastContent": "none",
    }
    if post.get("language"):
        snippet["defaultLanguage"] = post["language"]
    seed = zlib.crc32(str(post["post_id"]).encode())
    short = post.get("kind") == "reel"
    seconds = 15 + seed % 45 if short else 60 + seed % 1200
    item: dict[str, Any] = {
        "kind": "youtube#video",
        "etag": f"demo{seed:08x}",
        "id": post["post_id"],
        "snippet": snippet,
        "contentDetails": {"duration": format_duration(seconds), "definition": "hd"},
        "statistics": {},
    }
    if post.get("kind") == "live":
        start = post["posted_at"]
        item["liveStreamingDetails"] = {
            "actualStartTime": _iso(start),
            "actualEndTime": _iso(start + timedelta(seconds=seconds)),
        }
    stats = item["statistics"]
    for key, column in (("viewCount", "views"), ("likeCount", "likes")):
        if post.get(column) is not None:
            stats[key] = str(post[column])
    stats["favoriteCount"] = "0"
    if post.get("comments") is not None:
        stats["commentCount"] = str(post["comments"])
    return item


def _slug(text: str) -> str:
    return re.sub(r"[^\w-]+", "-", text).strip("-") or "channel"


class YouTubeDemoWriter(DemoWriter):
    """Writes one simulated account as Data API responses and an Analytics age report."""

    network = "youtube"

    def write(self, data: DemoAccountData, folder: Path) -> list[Path]:
        root = Path(folder) / f"youtube-{_slug(data.account_id)}"
        api = root / "data-api"
        api.mkdir(parents=True, exist_ok=True)
        self._channels(data, api)
        self._videos(data, api)
        return [api, *self._refreshes(data, root), *self._analytics(data, root)]

    def _channels(self, data: DemoAccountData, api: Path) -> None:
        snapshots = data.followers.sort("observed_at").to_dicts()
        if not snapshots:  # the channel is still worth a channels.list, without a count
            snapshots = [{"observed_at": data.export_date, "followers": None}]
        for i, snap in enumerate(snapshots):
            stats: dict[str, Any] = {"viewCount": "0", "videoCount": str(data.posts.height)}
            if snap["followers"] is None:
                stats["hiddenSubscriberCount"] = True
            else:
                stats["subscriberCount"] = str(round_subscribers(int(snap["followers"])))
                stats["hiddenSubscriberCount"] = False
            doc = {
                "kind": "youtube#channelListResponse",
                "etag": f"demo-channel-{i}",
                "pageInfo": {"totalResults": 1, "resultsPerPage": 5},
                "items": [
                    {
                        "kind": "youtube#channel",
                        "etag": f"demo-channel-item-{i}",
                        "id": data.account_id,
                        "snippet": {
                            "title": data.museum_name,
                            "description": "",
                            "customUrl": "@" + data.handle.removeprefix("@"),
                            "publishedAt": "2010-01-01T00:00:00Z",
                        },
                        "statistics": stats,
                    }
                ],
                OBSERVED_AT_KEY: _iso(snap["observed_at"]),
            }
            _write(api / f"channels-{i + 1:04d}.json", doc)

    def _videos(self, data: DemoAccountData, api: Path) -> None:
        export = data.export_date
        export = export.replace(tzinfo=UTC) if export.tzinfo is None else export.astimezone(UTC)
        posts = data.posts.with_columns(
            pl.col("observed_at").fill_null(pl.lit(export, dtype=UTC_TS))
        ).sort("posted_at", "post_id", descending=[True, False])
        page_no = 0
        for (seen,), group in posts.group_by("observed_at", maintain_order=True):
            rows = group.to_dicts()
            pages = [rows[i : i + PAGE_SIZE] for i in range(0, len(rows), PAGE_SIZE)]
            for k, page in enumerate(pages):
                page_no += 1
                doc: dict[str, Any] = {
                    "kind": "youtube#videoListResponse",
                    "etag": f"demo-videos-{page_no}",
                    "items": [_video(p, data) for p in page],
                    "pageInfo": {"totalResults": len(rows), "resultsPerPage": PAGE_SIZE},
                    OBSERVED_AT_KEY: _iso(seen),
                }
                if k + 1 < len(pages):
                    doc["nextPageToken"] = f"DEMO{page_no + 1}"
                _write(api / f"videos-{page_no:04d}.json", doc)

    def _refreshes(self, data: DemoAccountData, root: Path) -> list[Path]:
        """The earlier readings: file k holds each video's k-th earliest one."""
        readings = data.readings
        if readings is None or readings.is_empty():
            return []
        counts = [c for c in readings.columns if c not in ("network", "post_id", "observed_at")]
        videos = data.posts.drop(*counts, "observed_at", strict=False)
        ranked = readings.drop("network", strict=False).with_columns(
            k=pl.col("observed_at").rank("ordinal").over("post_id")
        )
        paths = []
        for (k,), part in sorted(ranked.partition_by("k", as_dict=True).items()):
            rows = videos.join(part.drop("k"), on="post_id").sort("observed_at", "post_id")
            pages = [
                {
                    "kind": "youtube#videoListResponse",
                    "etag": f"demo-refresh-{k}-{i}",
                    "items": [_video(p, data) for p in group.to_dicts()],
                    "pageInfo": {"totalResults": group.height, "resultsPerPage": PAGE_SIZE},
                    OBSERVED_AT_KEY: _iso(seen),
                }
                for i, ((seen,), group) in enumerate(
                    rows.group_by("observed_at", maintain_order=True)
                )
            ]
            path = root / f"refresh-{k}"
            path.mkdir(exist_ok=True)
            text = json.dumps(pages, ensure_ascii=False)
            (path / "videos.json").write_text(text, encoding="utf-8")
            paths.append(path)
        return paths

    def _analytics(self, data: DemoAccountData, root: Path) -> list[Path]:
        ages = data.audience_age
        if ages is None or ages.is_empty():
            return []
        # The report is a share of views: keep the viewers basis when the simulation has it,
        # and one row per band and date whatever the basis.
        if "basis" in ages.columns and (ages["basis"] == "viewers").any():
            ages = ages.filter(pl.col("basis") == "viewers")
        ages = ages.unique(["observed_at", "age_band"], keep="first", maintain_order=True)
        paths = []
        for (seen,), group in ages.sort("observed_at").group_by("observed_at", maintain_order=True):
            rows = []
            for band, share in group.select("age_band", "share").iter_rows():
                if band not in _GROUP_OF_BAND:
                    raise ValueError(
                        f"age band {band!r} has no YouTube ageGroup; expected one of "
                        f"{sorted(_GROUP_OF_BAND)}"
                    )
                pct = float(share) * 100.0
                female = round(pct * _FEMALE, 6)
                rows.append([_GROUP_OF_BAND[band], "female", female])
                rows.append([_GROUP_OF_BAND[band], "male", round(pct - female, 6)])
            assert isinstance(seen, datetime)
            doc = {
                "kind": "youtubeAnalytics#resultTable",
                "columnHeaders": [
                    {"name": "ageGroup", "columnType": "DIMENSION", "dataType": "STRING"},
                    {"name": "gender", "columnType": "DIMENSION", "dataType": "STRING"},
                    {"name": "viewerPercentage", "columnType": "METRIC", "dataType": "FLOAT"},
                ],
                "rows": rows,
                CHANNEL_ID_FIELD: data.account_id,
                OBSERVED_AT_KEY: _iso(seen),
            }
            path = root / f"analytics-age-{seen:%Y%m%dT%H%M%S}.json"
            _write(path, doc)
            paths.append(path)
        return paths
