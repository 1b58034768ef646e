"""The youtube-data-api importer on small inputs (a fetched page: 50 videos) chooses and
orders its posts in Python, without polars frames per step: the same rows as its frame path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from engage_youtube import YouTubeDataApiImporter, data_api

from engagecore.pluginapi import ReadContext
from engagecore.sources import Source

API = YouTubeDataApiImporter()
CHANNEL = "UCfVvGxNuFTd9ktLB7jTu3Wg"


def _video(i: int, minute: int, views: int) -> dict[str, Any]:
    return {
        "kind": "youtube#video",
        "id": f"v{i:010d}",
        "snippet": {
            "publishedAt": f"2024-03-04T09:{minute:02d}:00Z",
            "channelId": CHANNEL,
            "title": f"Visite {i}",
        },
        "statistics": {"viewCount": str(views)},
    }


def _posts(path: Path) -> Any:
    source = Source.open(path)
    try:
        posts = API.read(source, ReadContext()).posts
    finally:
        source.close()
    assert posts is not None
    return posts


def test_small_read_keeps_the_last_observation_and_orders_as_the_frame_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "api"
    folder.mkdir()
    # one file: v1 twice at the same time (the later row wins), v2 and v3 at the same
    # minute (then by id), out of order
    same = [_video(3, 5, 30), _video(1, 9, 10), _video(2, 5, 20), _video(1, 9, 11)]
    (folder / "a.json").write_text(
        json.dumps(
            {
                "kind": "youtube#videoListResponse",
                "items": same,
                "engagecore_observed_at": "2024-05-01T00:00:00Z",
            }
        )
    )
    # an older observation of v2, read after: the newer one (a.json) wins
    (folder / "b.json").write_text(
        json.dumps(
            {
                "kind": "youtube#videoListResponse",
                "items": [_video(2, 5, 1)],
                "engagecore_observed_at": "2024-01-01T00:00:00Z",
            }
        )
    )
    small = _posts(folder)
    assert small.select("post_id", "views").rows() == [
        ("v0000000002", 20),
        ("v0000000003", 30),
        ("v0000000001", 11),
    ]
    monkeypatch.setattr(data_api, "_CHUNK", 1)  # every row a frame: the polars path
    assert _posts(folder).equals(small)
