"""Implausible values are refused (issue 15.1): times outside the network's life, counts
beyond 10^12, NUL characters, over-long text. One check in the core (validate_frame) holds
every importer to them; the error names the file, the record and the value, and a refused
import leaves the store as it was."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from fixture_copy import edited_fixture

import engagecore
from engagecore import ingest, schema, textutil
from engagecore.errors import EngageError, FormatError
from engagecore.validate import validate_frame

CHANNEL = "UCfVvGxNuFTd9ktLB7jTu3Wg"


def _unix(year: int) -> int:
    return int(datetime(year, 3, 11, 12, 0, tzinfo=UTC).timestamp())


# importer → (fixture, member to edit ("" = the file itself), old text, new text for a year,
# ingest options)
CASES: dict[str, tuple[str, str, str, Any, dict[str, str]]] = {
    "x-archive": (
        "x/archive",
        "data/tweets.js",
        '"Tue Nov 05 13:24:09 +0000 2024"',
        lambda y: f'"Tue Nov 05 13:24:09 +0000 {y}"',
        {},
    ),
    "x-api": (
        "x/api/tweets-page.json",
        "",
        '"2024-11-05T13:24:09.000Z"',
        lambda y: f'"{y}-11-05T13:24:09.000Z"',
        {},
    ),
    "instagram-export": (
        "instagram/dyi_2022_de",
        "content/posts_1.json",
        '"creation_timestamp": 1647000000',
        lambda y: f'"creation_timestamp": {_unix(y)}',
        {},
    ),
    "instagram-graph": (
        "instagram/graph/media_with_insights.json",
        "",
        '"2024-05-18T19:30:00+0000"',
        lambda y: f'"{y}-05-18T19:30:00+0000"',
        {},
    ),
    "facebook-graph": (
        "facebook/graph",
        "posts_page1.json",
        '"2026-04-06T17:50:09+0000"',
        lambda y: f'"{y}-04-06T17:50:09+0000"',
        {},
    ),
    "meta-business-csv": (
        "facebook/business_suite/fb_en_views.csv",
        "",
        "04/06/2026 19:50",
        lambda y: f"04/06/{y} 19:50",
        {},
    ),
    "youtube-data-api": (
        "youtube/videos_list.json",
        "",
        '"2023-08-14T03:10:32Z"',
        lambda y: f'"{y}-08-14T03:10:32Z"',
        {},
    ),
    "youtube-studio-csv": (
        "youtube/table_data_engagement.csv",
        "",
        '"Aug 14, 2023"',
        lambda y: f'"Aug 14, {y}"',
        {"account": CHANNEL},
    ),
    "spreadsheet": (
        "spreadsheet/posts.csv",
        "",
        "2024-03-05T14:30:00Z",
        lambda y: f"{y}-03-05T14:30:00Z",
        {},
    ),
    "mastodon-api": (
        "mastodon/api/statuses.json",
        "",
        '"2024-05-02T10:15:00.000Z"',
        lambda y: f'"{y}-05-02T10:15:00.000Z"',
        {},
    ),
}


def _copy_edited(tmp: Path, case: str, new: str | None) -> Path:
    """The case's fixture copied under ``tmp``, its first ``old`` text replaced by ``new``."""
    rel, member, old, _, _ = CASES[case]
    return edited_fixture(tmp, rel, member, old, new)


def _refused(db: Path, path: Path, options: dict[str, str]) -> str:
    """Ingest ``path`` expecting an error; the store must not change. The message."""
    with engagecore.open(db) as eng:
        eng.ingest([Path(__file__).parent / "fixtures" / "spreadsheet" / "posts.csv"])
        before = eng.store.table_digest()
        with pytest.raises(EngageError) as err:
            eng.ingest([path], options=options)
        assert eng.store.table_digest() == before
    message = str(err.value)
    assert "\n" not in message and "\r" not in message
    return message


@pytest.mark.parametrize("case", sorted(CASES))
def test_fixture_is_accepted_unchanged(case: str, tmp_path: Path) -> None:
    """The control: the same fixture with its real date imports."""
    path = _copy_edited(tmp_path, case, None)
    with engagecore.open(tmp_path / "e.duckdb") as eng:
        report = eng.ingest([path], options=CASES[case][4])
    assert [u.importer for u in report.units] == [case]
    assert sum(u.posts for u in report.units) > 0


@pytest.mark.parametrize("year", [1899, 1970, 2999])
@pytest.mark.parametrize("case", sorted(CASES))
def test_posting_date_outside_the_network_life_is_refused(
    case: str, year: int, tmp_path: Path
) -> None:
    new = CASES[case][3](year)
    path = _copy_edited(tmp_path, case, new)
    message = _refused(tmp_path / "e.duckdb", path, CASES[case][4])
    assert str(path) in message
    shown = re.escape(str(_unix(year))) if case == "instagram-export" else None
    assert str(year) in message or (shown and re.search(shown, message)), message
    assert "expected" in message


def test_future_insight_time_is_refused_naming_its_entry(fixtures: Path, tmp_path: Path) -> None:
    """Issue 15.1: one creation_timestamp of year 3000 in the insights file made every
    row's observed_at 3000-01-01, so no later export ever became the newest reading."""
    src = fixtures / "instagram" / "dyi_2025"
    dest = tmp_path / "dyi"
    shutil.copytree(src, dest)
    insights = next(dest.rglob("past_instagram_insights/posts.json"))
    text = insights.read_text(encoding="utf-8")
    stamps = re.findall(r'"creation_timestamp": (\d+)', text)
    assert stamps
    year_3000 = int(datetime(3000, 1, 1, tzinfo=UTC).timestamp())
    insights.write_text(text.replace(stamps[-1], str(year_3000), 1), encoding="utf-8")
    message = _refused(tmp_path / "e.duckdb", dest, {})
    assert "past_instagram_insights/posts.json" in message
    assert "3000-01-01" in message and "record" in message


def test_future_observation_time_is_refused(fixtures: Path, tmp_path: Path) -> None:
    page = tmp_path / "tweets-page.json"
    text = (fixtures / "x" / "api" / "tweets-page.json").read_text(encoding="utf-8")
    page.write_text(
        text.replace("{", '{"engagecore_observed_at": "3000-01-01T00:00:00Z", ', 1),
        encoding="utf-8",
    )
    message = _refused(tmp_path / "e.duckdb", page, {})
    assert "observed_at" in message and "3000-01-01" in message and str(page) in message


def test_count_above_the_limit_is_refused_and_the_limit_accepted(
    fixtures: Path, tmp_path: Path
) -> None:
    src = (fixtures / "spreadsheet" / "posts.csv").read_text(encoding="utf-8")
    assert ",1200,45," in src
    at_limit = tmp_path / "ok" / "posts.csv"
    at_limit.parent.mkdir()
    at_limit.write_text(src.replace(",1200,45,", f",{schema.MAX_COUNT},45,"), encoding="utf-8")
    with engagecore.open(tmp_path / "ok.duckdb") as eng:
        eng.ingest([at_limit])
        likes = eng.posts().filter(pl.col("post_id") == "IG-1")["likes"].to_list()
    assert likes == [schema.MAX_COUNT]
    over = tmp_path / "over" / "posts.csv"
    over.parent.mkdir()
    over.write_text(src.replace(",1200,45,", f",{schema.MAX_COUNT + 1},45,"), encoding="utf-8")
    message = _refused(tmp_path / "e.duckdb", over, {})
    assert str(over) in message and "IG-1" in message and str(schema.MAX_COUNT + 1) in message


def test_graph_count_above_the_limit_is_refused(fixtures: Path, tmp_path: Path) -> None:
    dest = tmp_path / "graph"
    shutil.copytree(fixtures / "facebook" / "graph", dest)
    page = dest / "posts_page1.json"
    text = page.read_text(encoding="utf-8")
    m = re.search(r'"total_count": (\d+)', text)
    assert m
    page.write_text(text.replace(m.group(0), '"total_count": 50000000000000', 1), "utf-8")
    message = _refused(tmp_path / "e.duckdb", dest, {})
    assert "50000000000000" in message and "post_id" in message


def test_nul_character_in_text_is_refused(fixtures: Path, tmp_path: Path) -> None:
    page = tmp_path / "statuses.json"
    text = (fixtures / "mastodon" / "api" / "statuses.json").read_text(encoding="utf-8")
    m = re.search(r'"content": "', text)
    assert m
    page.write_text(text.replace(m.group(0), m.group(0) + "Hello\\u0000", 1), "utf-8")
    message = _refused(tmp_path / "e.duckdb", page, {})
    assert "NUL" in message and str(page) in message and "post_id" in message


def _x_page(fixtures: Path, tmp: Path, text_chars: int) -> Path:
    import json

    doc = json.loads((fixtures / "x" / "api" / "tweets-page.json").read_text(encoding="utf-8"))
    doc["data"][0]["text"] = "é" * text_chars
    doc["data"][0].pop("note_tweet", None)
    doc["data"][0].pop("entities", None)
    path = tmp / f"page-{text_chars}.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_text_longer_than_the_limit_is_refused(fixtures: Path, tmp_path: Path) -> None:
    ok = _x_page(fixtures, tmp_path, schema.MAX_TEXT_CHARS)
    with engagecore.open(tmp_path / "ok.duckdb") as eng:
        eng.ingest([ok])
        texts = eng.posts()["text"].str.len_chars().to_list()
    assert max(texts) == schema.MAX_TEXT_CHARS
    over = _x_page(fixtures, tmp_path, schema.MAX_TEXT_CHARS + 1)
    message = _refused(tmp_path / "e.duckdb", over, {})
    assert f"{schema.MAX_TEXT_CHARS:,}" in message and "'text'" in message


# -- the window itself, on frames ---------------------------------------------------------

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def _posts(posted: datetime, network: str = "x", observed: datetime | None = None) -> pl.DataFrame:
    return textutil.frame(
        "posts",
        [
            {
                "network": network,
                "post_id": "p1",
                "account_id": "a",
                "posted_at": posted,
                "kind": "text",
                "is_own": True,
                "observed_at": observed or posted,
            }
        ],
    )


def _check(df: pl.DataFrame, launched: dict[str, date] | None = None) -> None:
    validate_frame(
        "posts",
        df,
        plugin="p",
        path="f.json",
        now=NOW,
        launched=launched or {"x": date(2006, 3, 21)},
    )


def test_window_ends_one_day_after_now() -> None:
    _check(_posts(NOW + timedelta(hours=23, minutes=59)))
    with pytest.raises(FormatError, match=r"f\.json, record post_id p1: column 'posted_at'"):
        _check(_posts(NOW + timedelta(days=1, minutes=1)))
    with pytest.raises(FormatError, match="observed_at"):
        _check(_posts(NOW, observed=NOW + timedelta(days=2)))


def test_window_starts_on_the_launch_day() -> None:
    _check(_posts(datetime(2006, 3, 21, tzinfo=UTC)))
    with pytest.raises(
        FormatError, match=r"2006-03-20T23:59:00\+00:00 .*2006-03-21 \(x launched\)"
    ):
        _check(_posts(datetime(2006, 3, 20, 23, 59, tzinfo=UTC)))


def test_network_without_launch_date_gets_the_core_default() -> None:
    _check(_posts(schema_day(schema.EARLIEST_LAUNCH), network="newnet"))
    with pytest.raises(FormatError, match="newnet launched"):
        _check(_posts(schema_day(schema.EARLIEST_LAUNCH) - timedelta(seconds=1), "newnet"))


def test_a_year_python_cannot_hold_is_refused_as_a_format_error() -> None:
    df = _posts(NOW).with_columns(
        posted_at=pl.lit(-63_200_000_000_000_000, dtype=schema.UTC_TS)  # about year -33
    )
    with pytest.raises(FormatError, match=r"column 'posted_at': .*-0033-"):
        _check(df)


def test_mixed_networks_each_get_their_launch_day() -> None:
    df = pl.concat(
        [
            _posts(datetime(2008, 1, 1, tzinfo=UTC), network="x"),
            _posts(datetime(2008, 1, 1, tzinfo=UTC), network="instagram"),
        ]
    )
    with pytest.raises(FormatError, match="instagram launched"):
        _check(df, {"x": date(2006, 3, 21), "instagram": date(2010, 10, 6)})


def test_registered_networks_declare_their_launch_day() -> None:
    from engagecore import plugins

    nets = plugins.registry().networks
    assert nets["x"].launched == date(2006, 3, 21)
    assert nets["instagram"].launched == date(2010, 10, 6)
    assert nets["facebook"].launched == date(2004, 2, 4)
    assert nets["youtube"].launched == date(2005, 4, 23)


def test_follower_count_beyond_the_limit_is_refused() -> None:
    df = textutil.frame(
        "follower_snapshots",
        [{"network": "x", "account_id": "a", "observed_at": NOW, "followers": 10**13}],
    )
    with pytest.raises(FormatError, match=r"record #1 \(account_id a\): column 'followers'"):
        validate_frame("follower_snapshots", df, plugin="p", path="f", now=NOW, launched={})


def test_readcontext_now_sets_the_window(fixtures: Path, tmp_path: Path) -> None:
    """ingest.run(now=...) reaches the check: a 2024 post is in the future of 2020."""
    with (
        engagecore.open(tmp_path / "e.duckdb") as eng,
        pytest.raises(FormatError, match="now \\+ 1 day"),
    ):
        ingest.run_or_dry(
            eng.store,
            [fixtures / "spreadsheet" / "posts.csv"],
            now=datetime(2020, 1, 1, tzinfo=UTC),
        )


def schema_day(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, tzinfo=UTC)
