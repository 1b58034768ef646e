"""TikTok Studio's other Content table (``Time,Video title,Video link,Post time,Total likes,
Total comments,Total shares,Total views``: one row per video, days without a year), and the
notes the Studio tables give beside what they store (``Batch.notes``)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cli_run import run
from engage_tiktok import TikTokExportImporter, TikTokStudioImporter

# the TikTok tests' fixtures: ``tt`` (tests/fixtures/tiktok modified at MTIME, 2025-11-02
# 10:00 UTC: two days after the totals table's Time), ``registered`` (the plugin)
from test_tiktok import MTIME
from test_tiktok import read as _checked_read
from test_tiktok import registered as _registered  # noqa: F401  (the fixture)
from test_tiktok import tt as _copied  # noqa: F401  (the fixture)

import engagecore
from engagecore import plugins
from engagecore.errors import FormatError
from engagecore.pluginapi import Batch, ReadContext
from engagecore.sources import Source
from engagecore.testing import check_read

STUDIO = TikTokStudioImporter()


@pytest.fixture
def tiktok(request: pytest.FixtureRequest) -> Path:
    """tests/fixtures/tiktok, copied, its files modified at MTIME (test_tiktok's ``tt``)."""
    path: Path = request.getfixturevalue("_copied")
    return path


HEADER = (
    '"Time","Video title","Video link","Post time","Total likes","Total comments",'
    '"Total shares","Total views"'
)
LINK = "https://www.tiktok.com/@MuseeDemo/video/"


def _table(tmp_path: Path, *rows: str, mtime: int = MTIME, name: str = "Content.csv") -> Path:
    """A table in Studio's download format: BOM, every field quoted, CRLF, no final newline."""
    path = tmp_path / name
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join([HEADER, *rows]).encode())
    os.utime(path, (mtime, mtime))
    return path


def _read(path: Path, **options: str) -> Batch:
    return _checked_read(STUDIO, path, **options)


# Read by hand from the fixture: Time "October 31" (2025: the latest October 31 on or before
# the file's date, 2025-11-02); each video at 12:00 in Paris on its day — summer time
# (UTC+2) until October 26, 03:00 —, December 28 the one of 2024 (after October 31, so of
# the year before); likes "5,431" with a thousands separator; "--" and "NAN" NULL; no saves.
POSTS = [
    ("7567452112981069079", "2025-10-27T11:00:00Z", 289568, 5431, 24, 461),
    ("7565001234567890123", "2025-10-25T10:00:00Z", 4120, None, 3, 0),
    ("7562000000000000001", "2025-10-26T11:00:00Z", 15007, 812, None, 12),
    ("7452000000000000002", "2024-12-28T11:00:00Z", 3001, 120, 2, 1),
]
EXPECT: dict[str, list[dict[str, object]]] = {
    "accounts": [{"account_id": "museedemo", "handle": "museedemo"}],
    "posts": [
        {
            "network": "tiktok",
            "post_id": post_id,
            "posted_at": posted_at,
            "views": views,
            "likes": likes,
            "comments": comments,
            "shares": shares,
            "saves": None,
            # the counts were seen by the end of the Time day (Paris), before the file's date
            "observed_at": "2025-10-31T22:59:59Z",
            "url": f"https://www.tiktok.com/@museedemo/video/{post_id}",
        }
        for post_id, posted_at, views, likes, comments, shares in POSTS
    ],
}
NOTES = ["Post time gives the day only", "likes of 1 video, comments of 1 video (of 4)"]


@pytest.mark.parametrize("sample", ["studio_totals/Content.csv", "studio_totals_xlsx/Content.xlsx"])
@pytest.mark.usefixtures("_registered")
def test_the_totals_content_table_passes_the_kit(tiktok: Path, sample: str) -> None:
    # a workbook is a zip: its sheet is the part to cut (the largest is its theme)
    cut = "xl/worksheets/sheet1.xml" if sample.endswith(".xlsx") else None
    frames = check_read(STUDIO, tiktok / sample, expect=EXPECT, notes=NOTES, truncate=cut)
    posts = frames["posts"]
    hashtags = dict(zip(posts["post_id"].to_list(), posts["hashtags"].to_list(), strict=True))
    assert hashtags["7562000000000000001"] == ["jourdefermeture"]  # "##jourdefermeture"
    text = dict(zip(posts["post_id"].to_list(), posts["text"].to_list(), strict=True))
    assert text["7565001234567890123"] == (
        "Les coulisses\nde l'expo « Été » #coulisses @amis.du.musee"
    )


def test_csv_and_xlsx_give_the_same_posts(tiktok: Path) -> None:
    csv, xlsx = _read(tiktok / "studio_totals/Content.csv"), _read(tiktok / "studio_totals_xlsx")
    assert csv.posts is not None and xlsx.posts is not None
    assert xlsx.posts.equals(csv.posts)
    assert [n.split(": ", 1)[1] for n in xlsx.notes] == [n.split(": ", 1)[1] for n in csv.notes]


def test_a_file_dated_long_after_its_time_says_which_year_was_taken(tmp_path: Path) -> None:
    # copied on 2026-03-01: October 31 is then the one of 2025, said in a note
    path = _table(
        tmp_path,
        f'"October 31","a","{LINK}7567452112981069079","October 27","1","2","3","4"',
        mtime=int(datetime(2026, 3, 1, tzinfo=UTC).timestamp()),
    )
    batch = _read(path)
    assert batch.posts is not None
    assert batch.posts["posted_at"].to_list() == [datetime(2025, 10, 27, 11, tzinfo=UTC)]
    assert any(
        "its Time (October 31, 2025) is 121 days before the file's date (2026-03-01): its "
        "year taken as 2025" in n
        for n in batch.notes
    ), batch.notes


def test_days_written_with_their_year_or_a_post_time_with_its_hour(tmp_path: Path) -> None:
    path = _table(
        tmp_path,
        f'"2025/10/31","a","{LINK}7567452112981069079","2025/10/27 18:19:10","1","2","3","4"',
        f'"2025-10-31","b","{LINK}7567452112981069080","2024-11-02","1","2","3","4"',
    )
    batch = _read(path)
    assert batch.posts is not None
    assert sorted(batch.posts["posted_at"].to_list()) == [
        datetime(2024, 11, 2, 11, tzinfo=UTC),  # a day: 12:00 in Paris (UTC+1)
        datetime(2025, 10, 27, 17, 19, 10, tzinfo=UTC),  # its own time, in Paris
    ]
    assert "(each video stored as posted at 12:00 local time that day, 1 of 2)" in batch.notes[0]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        # Studio in another language: refused naming the line and the column, not guessed
        (
            f'"18 tháng Tám","a","{LINK}7567452112981069079","14 tháng Tám","1","2","3","4"',
            r"line 2: column 'Time': expected a day like 'September 25' \(TikTok Studio in "
            r"English\), got '18 tháng Tám'",
        ),
        (
            f'"October 31","a","{LINK}7567452112981069079","2025/11/01","1","2","3","4"',
            r"line 2: column 'Post time': 2025/11/01 is after the table's Time \(October 31, "
            r"2025\)",
        ),
        (
            f'"October 31","a","{LINK}7567452112981069079","2025/11/01 09:00:00","1","2","3","4"',
            r"line 2: column 'Post time': 2025/11/01 09:00:00 is after the table's Time",
        ),
        (
            f'"February 30","a","{LINK}7567452112981069079","October 27","1","2","3","4"',
            r"line 2: no such day: February 30",
        ),
        (
            f'"October 31","a","{LINK}7567452112981069079","October 27","1.2K","2","3","4"',
            r"line 2: column 'Total likes': expected a count, got '1.2K'",
        ),
        (
            '"October 31","a","https://www.tiktok.com/@museedemo","October 27","1","2","3","4"',
            r"line 2: column 'Video link': expected https://www.tiktok.com/@handle/video/ID",
        ),
    ],
)
def test_a_bad_row_is_refused_naming_the_file_the_line_and_the_column(
    tmp_path: Path, row: str, message: str
) -> None:
    path = _table(tmp_path, row)
    with pytest.raises(FormatError, match=rf"Content.csv.*{message}"):
        _read(path)


def test_the_studio_tables_say_what_they_do_not_store(tiktok: Path) -> None:
    # the Content table's "--" and "NAN" counts (read by DuckDB), the Followers table's day
    # without a total, the Overview table beside them: each said, none dropped without a word
    batch = _read(tiktok / "studio")
    assert batch.notes == [
        "Content.csv: not available ('--', 'NAN' or empty), stored as unknown: likes of 1 "
        "video, comments of 1 video, saves of 1 video (of 4)",
        "Followers.csv: 1 of 3 days without a follower total ('--', 'NAN' or empty): no "
        "snapshot for them",
        "Overview.csv: the account's daily totals (2 days: views, profile views, net growth), "
        "not stored",
    ]
    assert _read(tiktok / "studio_xlsx" / "Content.xlsx").notes == [
        batch.notes[0].replace("Content.csv", "Content.xlsx")
    ]
    alone = _read(tiktok / "studio" / "Overview.csv", account="museedemo")
    assert alone.empty_reason is not None and alone.notes == []


def test_engage_ingest_reports_the_notes_and_keeps_them(
    tiktok: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "s.duckdb"
    table = tiktok / "studio_totals" / "Content.csv"
    code, _, err = run(["ingest", str(table), "--db", str(db)], capsys)
    assert code == 0, err
    notes = [line for line in err.splitlines() if line.startswith("note: ")]
    assert len(notes) == 2 and "Post time gives the day only" in notes[0], err
    with engagecore.open(db) as eng:
        assert eng.store.fetchall("SELECT count(*) FROM posts WHERE network = 'tiktok'") == [(4,)]
        [(kept,)] = eng.store.fetchall("SELECT notes FROM imports")
        assert [f"note: {table}: {n}" for n in kept] == notes


@pytest.mark.usefixtures("_registered")
def test_follower_history_says_the_days_without_a_total(fixtures: Path) -> None:
    sample = fixtures / "tiktok/studio_download/Followers_museedemo/FollowerHistory.csv"
    importer = plugins.registry().importers["tiktok-studio-download"]
    source = Source.open(sample)
    try:
        batch = importer.read(source, ReadContext(timezone="Europe/Paris"))
    finally:
        source.close()
    assert batch.follower_snapshots is not None
    assert batch.notes == [
        "FollowerHistory: 1 of 7 days without a follower total ('undefined'): no snapshot for "
        "them; the 'Difference in followers from previous day' column is not read"
    ]


def test_download_your_data_says_it_holds_likes_only(tiktok: Path) -> None:
    source = Source.open(tiktok / "export")
    try:
        batch = TikTokExportImporter().read(source, ReadContext())
    finally:
        source.close()
    assert batch.posts is not None and batch.posts.height == 3
    assert batch.notes == [
        "TikTok's Download your data gives each video's likes only: its views, comments, "
        "shares and saves are unknown (NULL); TikTok Studio's Content table has them"
    ]
