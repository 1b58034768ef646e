"""Files read together: each row keeps the import of the file it came from, whatever the
files' sizes (none, one, many rows), as one series built per batch (``_import_ids``)."""

from __future__ import annotations

import gzip
import json
from contextlib import closing
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from engagecore import ingest
from engagecore.museums import Museums
from engagecore.store import Store


@given(st.lists(st.integers(min_value=0, max_value=60), max_size=40))
def test_each_row_gets_its_files_import(heights: list[int]) -> None:
    parts = [
        (SimpleNamespace(import_id=1000 + 7 * i), pl.DataFrame({"x": [0] * h}))
        for i, h in enumerate(heights)
    ]
    got = ingest._import_ids(cast(Any, parts), sum(heights))
    want = [1000 + 7 * i for i, h in enumerate(heights) for _ in range(h)]
    assert got.dtype == pl.Int64 and got.to_list() == want


def _page(ids: list[int]) -> dict[str, Any]:
    return {
        "kind": "youtube#videoListResponse",
        "items": [
            {
                "kind": "youtube#video",
                "id": f"v{i:010d}",
                "snippet": {
                    "publishedAt": f"2024-05-{1 + i % 28:02d}T10:00:00Z",
                    "channelId": "UCaaaaaaaaaaaaaaaaaaaaaa",
                    "title": f"video {i}",
                    "channelTitle": "Musée",
                },
                "statistics": {"viewCount": str(i)},
            }
            for i in ids
        ],
        "engagecore_observed_at": "2024-06-01T00:00:00+00:00",
    }


def test_a_page_without_videos_between_two_gives_each_post_its_own_file(tmp_path: Path) -> None:
    pages = [[1, 2, 3], [], [4], [5, 6]]
    files = []
    for n, ids in enumerate(pages):
        p = tmp_path / "responses" / f"p{n}.json.gz"
        p.parent.mkdir(exist_ok=True)
        p.write_bytes(gzip.compress(json.dumps(_page(ids)).encode()))
        files.append(p)
    with closing(Store(tmp_path / "engage.duckdb")) as store:
        Museums(store).add("Musée", slug="m")
        ingest.run(
            store, files, network="youtube", together=True, allow_empty=True, relative_to=tmp_path
        )
        rows = store.fetchall(
            "SELECT p.post_id, i.path FROM posts p JOIN imports i USING (import_id) ORDER BY 1"
        )
    page_of = {f"v{i:010d}": f"responses/p{n}.json.gz" for n, ids in enumerate(pages) for i in ids}
    assert rows == sorted(page_of.items())
