"""The TikTok Studio Content CSV's fast reading (DuckDB, then polars): the same posts as the
row-by-row reading across both DST changes, in time order, and its shortcuts (the order
and the duplicate test) equal to what they replace."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from engage_tiktok import TikTokStudioImporter, studio
from hypothesis import given, settings
from hypothesis import strategies as st

from engagecore.pluginapi import Batch, ReadContext
from engagecore.sources import Source

HEADER = "Video title,Video link,Post time,Video views,Likes,Comments,Shares,Add to Favorites"
LINK = "https://www.tiktok.com/@museedemo/video/"


def _read(path: Path, timezone: str) -> Batch:
    return TikTokStudioImporter().read(Source.open(path), ReadContext(timezone=timezone))


def _table(times: list[datetime], extra: str = "") -> str:
    """A Content table with one video every time given, in the order given."""
    rows = [
        f'"v{i} #t{i % 3} @m{i % 2}",{LINK}{7400000000000000000 + i},'
        f"{at:%Y/%m/%d %H:%M:%S},{i},{i % 7},--,,{i % 5}"
        for i, at in enumerate(times)
    ]
    return "\ufeff" + HEADER + "\r\n" + "\r\n".join(rows) + "\r\n" + extra


@pytest.mark.parametrize("timezone", ["Europe/Paris", "America/New_York", "Australia/Sydney"])
@pytest.mark.parametrize("newest_first", [True, False])
def test_both_dst_changes_read_as_the_row_by_row_reading_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, timezone: str, newest_first: bool
) -> None:
    """Local times every 7 minutes through the spring and autumn changes of 2025 (each
    zone's own nights, some times skipped, some repeated): the fast reading gives the posts
    the row-by-row reading gives, sorted by time then id."""
    nights = {
        "Europe/Paris": (datetime(2025, 3, 30, 0, 0), datetime(2025, 10, 26, 0, 0)),
        "America/New_York": (datetime(2025, 3, 9, 0, 0), datetime(2025, 11, 2, 0, 0)),
        "Australia/Sydney": (datetime(2025, 4, 6, 1, 0), datetime(2025, 10, 5, 0, 0)),
    }[timezone]
    times = [night + timedelta(minutes=7 * k) for night in nights for k in range(60)]
    if newest_first:
        times.reverse()
    path = tmp_path / "Content.csv"
    path.write_text(_table(times), encoding="utf-8", newline="")
    fast = _read(path, timezone).posts
    monkeypatch.setattr(studio._Tables, "_content_csv", studio._Tables._content_rows)
    by_rows = _read(path, timezone).posts
    assert fast is not None and by_rows is not None
    assert fast.height == len(times)
    assert fast.equals(by_rows)
    assert fast.equals(fast.sort("posted_at", "post_id"))


def test_a_quoted_empty_count_is_not_available(tmp_path: Path) -> None:
    path = tmp_path / "Content.csv"
    path.write_text(
        f'{HEADER}\na,{LINK}7400000000000000001,2025/03/29 10:00:00,"",1,"--",1,1\n',
        encoding="utf-8",
    )
    posts = _read(path, "Europe/Paris").posts
    assert posts is not None
    assert posts["views"].to_list() == [None] and posts["comments"].to_list() == [None]
    assert posts["likes"].to_list() == [1]


def test_an_upper_case_handle_gives_the_address_as_stored(tmp_path: Path) -> None:
    path = tmp_path / "Content.csv"
    path.write_text(
        f"{HEADER}\n"
        f"a,https://www.tiktok.com/@MuseeDemo/video/7400000000000000001,2025/03/29 10:00:00,"
        "1,1,1,1,1\n"
        f"b,{LINK}7400000000000000002,2025/03/29 11:00:00,1,1,1,1,1\n",
        encoding="utf-8",
    )
    posts = _read(path, "Europe/Paris").posts
    assert posts is not None
    assert posts["account_id"].to_list() == ["museedemo", "museedemo"]
    assert posts["url"].to_list() == [f"{LINK}7400000000000000001", f"{LINK}7400000000000000002"]


_AT = st.integers(min_value=0, max_value=40).map(
    lambda m: datetime(2025, 3, 30, tzinfo=UTC) + timedelta(minutes=m)
)
_ID = st.integers(min_value=0, max_value=60).map(lambda n: f"74{n:03d}")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.one_of(_AT, st.none()), _ID), max_size=12), st.booleans())
def test_the_time_order_equals_the_sort_it_replaces(
    rows: list[tuple[datetime | None, str]], reverse: bool
) -> None:
    """Ties, nulls, sorted and reversed runs: the same frame as sort(posted_at, post_id)."""
    if reverse:
        rows = sorted(rows, key=lambda r: (r[0] is not None, r[0] or 0, r[1]), reverse=True)
    df = pl.DataFrame(
        {"posted_at": [r[0] for r in rows], "post_id": [r[1] for r in rows]},
        schema={"posted_at": pl.Datetime("us", "UTC"), "post_id": pl.Utf8},
    ).with_row_index("i")
    assert studio._in_time_order(df).equals(df.sort("posted_at", "post_id"))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_ID, st.none()), max_size=12), st.sampled_from([None, False, True]))
def test_the_duplicate_test_equals_counting(ids: list[str | None], order: bool | None) -> None:
    if order is not None:
        ids = sorted(ids, key=lambda v: (v is not None, v or ""), reverse=order)
    s = pl.Series(ids, dtype=pl.Utf8)
    assert studio._distinct(s) == (s.n_unique() == s.len())
