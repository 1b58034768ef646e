"""The youtube-data-api importer on small inputs (a fetched page: 50 videos) chooses and
orders its posts in Python, without polars frames per step: the same rows as its frame path."""

from __future__ import annotations

import gzip
import json
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from engage_youtube import YouTubeDataApiImporter, data_api

from engagecore import ingest
from engagecore.errors import FormatError
from engagecore.pluginapi import ReadContext
from engagecore.sources import Source
from engagecore.store import Store

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


def _listing(observed: bool) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "kind": "youtube#playlistItemListResponse",
        "etag": "pI1st0000000000000000000000",
        "items": [
            {
                "kind": "youtube#playlistItem",
                "id": f"UExpc3Q{i}",
                "contentDetails": {
                    "videoId": f"v{i:010d}",
                    "videoPublishedAt": f"2024-03-04T09:{i:02d}:00Z",
                },
            }
            for i in range(3)
        ],
        "pageInfo": {"totalResults": 3, "resultsPerPage": 50},
    }
    if observed:  # as engage fetch saves it: the field last
        doc["engagecore_observed_at"] = "2024-05-01T00:00:00+00:00"
    return doc


def test_a_listing_engage_fetch_saved_is_read_as_nothing_a_users_is_refused(
    tmp_path: Path,
) -> None:
    saved = tmp_path / "fetched.json.gz"
    saved.write_bytes(gzip.compress(json.dumps(_listing(True)).encode()))
    source = Source.open(saved)
    try:
        assert API.detect(source) == 0.9
        batch = API.read(source, ReadContext())
    finally:
        source.close()
    assert batch.rows() == 0 and batch.posts is None
    assert batch.empty_reason is not None and "playlistItems.list" in batch.empty_reason
    # the same page saved by a user (no engagecore_observed_at): not claimed, and refused
    # with the advice when read anyway
    own = tmp_path / "own.json"
    own.write_text(json.dumps(_listing(False)))
    source = Source.open(own)
    try:
        assert API.detect(source) == 0.0
        with pytest.raises(FormatError, match=r"playlistItems\.list.*videos\.list"):
            API.read(source, ReadContext())
    finally:
        source.close()


def test_a_folder_of_a_fetchs_responses_imports_with_its_listings(tmp_path: Path) -> None:
    folder = tmp_path / "responses"
    folder.mkdir()
    (folder / "0001.json").write_text(json.dumps(_listing(True)))
    videos = {
        "kind": "youtube#videoListResponse",
        "items": [_video(i, i, 100 + i) for i in range(3)],
        "engagecore_observed_at": "2024-05-01T00:00:00+00:00",
    }
    (folder / "0002.json").write_text(json.dumps(videos))
    db = tmp_path / "engage.duckdb"
    with closing(Store(db)) as store:
        report = ingest.run(store, [folder])
        assert [u.importer for u in report.units] == ["youtube-data-api"]
        assert store.fetchall("SELECT post_id, views FROM posts ORDER BY 1") == [
            (f"v{i:010d}", 100 + i) for i in range(3)
        ]
    # and file by file, as engage fetch imports them: the listing gives no row
    with closing(Store(tmp_path / "other.duckdb")) as store:
        files = sorted(folder.iterdir())
        report = ingest.run(store, files, network="youtube", together=True)
        assert [u.posts for u in report.units] == [0, 3]
        assert "empty" in report.units[0].status
        assert store.fetchall("SELECT count(*) FROM posts") == [(3,)]


def test_a_language_that_is_no_text_is_refused_naming_the_video(tmp_path: Path) -> None:
    # a page's frame is built in the table's schema at once, which would turn 5 into "5":
    # the importer checks the language itself
    bad = _video(1, 1, 10)
    bad["snippet"]["defaultLanguage"] = 5
    path = tmp_path / "videos.json"
    path.write_text(json.dumps({"kind": "youtube#videoListResponse", "items": [bad]}))
    with pytest.raises(FormatError, match=r"items\[0\] \(video v0000000001\).*defaultLanguage"):
        _posts(path)
