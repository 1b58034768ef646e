"""The TikTok plugin: TikTok Studio's Content, Followers and Overview tables (CSV), the
"Download your data" JSON export, its network spec (young prior, views first), and
``engage ingest`` of each into a real store."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import engage_tiktok
import polars as pl
import pytest
from built_once import copy_of, demo_build
from cli_run import run
from engage_tiktok import NETWORK, TikTokApiImporter, TikTokExportImporter, TikTokStudioImporter
from engage_tiktok.business import AGE_GROUPS, TikTokBusinessImporter
from engage_tiktok.demo import TikTokDemoWriter

import engagecore
from engagecore import plugins, schema
from engagecore.errors import FormatError
from engagecore.pluginapi import Batch, ReadContext
from engagecore.sources import Source
from engagecore.testing import check_demo_roundtrip, check_importer, check_network, sample_account
from engagecore.validate import validate_frame

STUDIO = TikTokStudioImporter()
EXPORT = TikTokExportImporter()
API = TikTokApiImporter()
BUSINESS = TikTokBusinessImporter()
#: 2025-11-02 10:00:00 UTC: the modification time given to the files read here.
MTIME = 1762077600


@pytest.fixture
def tt(fixtures: Path, tmp_path: Path) -> Path:
    """A copy of tests/fixtures/tiktok whose files were modified at MTIME."""
    out = tmp_path / "tiktok"
    shutil.copytree(fixtures / "tiktok", out)
    for f in out.rglob("*"):
        os.utime(f, (MTIME, MTIME))
    return out


@pytest.fixture
def registered() -> Iterator[None]:
    """The plugin registered as its entry point would (the test venv may predate it)."""
    plugins.reset()
    pm = plugins.get_plugin_manager()
    if not pm.has_plugin("tiktok"):
        pm.register(engage_tiktok, name="tiktok")
    yield
    plugins.reset()


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def read(
    importer: TikTokStudioImporter | TikTokExportImporter | TikTokBusinessImporter,
    path: Path,
    **options: str,
) -> Batch:
    source = Source.open(path)
    try:
        assert importer.detect(source) >= 0.85, f"{path} not claimed by {importer.name}"
        tz = options.pop("timezone", "Europe/Paris")
        batch = importer.read(source, ReadContext(timezone=tz, options=dict(options)))
    finally:
        source.close()
    for table, df in batch.frames().items():
        assert df.schema == schema.PRODUCED[table][0], table
    return batch


# -- the network ------------------------------------------------------------------------------


def test_the_network_rates_by_views_first_and_brings_its_prior_and_simulation() -> None:
    check_network(NETWORK)
    assert NETWORK.basis_order == ("views", "followers")
    assert dict(NETWORK.interactions) == {
        "likes": 1.0,
        "comments": 1.0,
        "shares": 1.0,
        "saves": 1.0,
    }
    prior = NETWORK.young_prior
    assert prior is not None and abs(sum(prior.bands.values()) - 1) < 1e-3
    assert prior.bands["18-24"] == 0.1740 and "Pew" in prior.sources[0]
    # the simulated ages are written as the API for Business's followers by age
    assert NETWORK.simulation["age_basis"] == "followers"
    assert NETWORK.simulation["split"] == {
        "likes": 0.9,
        "comments": 0.03,
        "shares": 0.04,
        "saves": 0.03,
    }


def test_the_importers_claim_no_foreign_file(tmp_path: Path) -> None:
    foreign = tmp_path / "notes.txt"
    foreign.write_text("Liste de courses : pain, fromage.\n", encoding="utf-8")
    other = tmp_path / "Table data.csv"
    other.write_text('Content,Video title,Video publish time,Views\nabc,t,"Dec 15, 2023",3\n')
    for importer in (STUDIO, EXPORT, API, BUSINESS):
        check_importer(importer, foreign)
        check_importer(importer, other)


# -- TikTok Studio: Content -------------------------------------------------------------------


def test_content_table_counts_times_nulls_and_text(tt: Path) -> None:
    batch = read(STUDIO, tt / "studio" / "Content.csv")
    posts = batch.posts
    assert posts is not None and batch.accounts is not None
    assert batch.accounts["account_id"].to_list() == ["museedemo"]  # "@MuseeDemo" in a link too
    assert posts["post_id"].to_list() == [
        "7400000000000000004",
        "7488000000000000003",
        "7565000000000000002",
        "7567452112981069079",
    ]
    assert posts["posted_at"].to_list() == [
        utc(2024, 8, 1, 7, 0),  # 09:00 in Paris, summer time
        utc(2025, 3, 30, 1, 15),  # 03:15 just after the clocks went forward
        utc(2025, 10, 26, 0, 30),  # 02:30 happened twice that night: the first
        utc(2025, 10, 31, 17, 19, 10),  # winter time again
    ]
    by_id = {r["post_id"]: r for r in posts.iter_rows(named=True)}
    first = by_id["7567452112981069079"]
    assert (first["views"], first["likes"], first["comments"], first["shares"], first["saves"]) == (
        12840,
        1032,
        41,
        17,
        88,
    )
    assert first["text"] == "Nocturne au musée ✨ #museum #nuitdesmusées, venez nombreux !"
    assert first["hashtags"] == ["museum", "nuitdesmusées"]
    assert first["url"] == "https://www.tiktok.com/@museedemo/video/7567452112981069079"
    assert first["kind"] == "video" and first["is_own"] is True
    second = by_id["7565000000000000002"]
    assert second["likes"] is None and second["comments"] is None  # "--" and "NAN"
    assert (second["views"], second["shares"], second["saves"]) == (5210, 3, 12)
    assert "\n" in second["text"] and second["hashtags"] == ["博物馆"]
    assert second["mentions"] == ["atelier.restauration"]
    assert by_id["7488000000000000003"]["saves"] is None
    assert by_id["7400000000000000004"]["text"] is None  # an empty title
    assert by_id["7400000000000000004"]["likes"] == 0  # 0 stays 0
    assert set(posts["observed_at"].to_list()) == {datetime.fromtimestamp(MTIME, UTC)}
    assert posts["quotes"].null_count() == posts.height  # TikTok has none
    validate_frame("posts", posts, plugin="tiktok", path="Content.csv")


def test_content_post_time_is_read_in_the_given_time_zone(tt: Path) -> None:
    posts = read(STUDIO, tt / "studio" / "Content.csv", timezone="America/New_York").posts
    assert posts is not None
    at = dict(zip(posts["post_id"].to_list(), posts["posted_at"].to_list(), strict=True))
    assert at["7567452112981069079"] == utc(2025, 10, 31, 22, 19, 10)  # EDT, UTC-4


def test_content_of_another_account_than_the_one_given_is_refused(tt: Path) -> None:
    with pytest.raises(FormatError, match=r"Content\.csv: the file is of account @museedemo"):
        read(STUDIO, tt / "studio" / "Content.csv", account="louvre")
    assert read(STUDIO, tt / "studio" / "Content.csv", account="@MuseeDemo").posts is not None


@pytest.mark.parametrize(
    ("name", "pattern"),
    [
        (
            "Content_truncated.csv",
            r"Content_truncated\.csv, record line 4: expected 8 columns as in the header, got 3: "
            r"the record is cut short",
        ),
        (
            "Content_bad_count.csv",
            r"Content_bad_count\.csv, record line 3: column 'Video views': expected a count, "
            r"got '12abc'",
        ),
        (
            "Content_bad_link.csv",
            r"Content_bad_link\.csv, record line 2: column 'Video link': expected "
            r"https://www\.tiktok\.com/@handle/video/ID, got 'https://www\.tiktok\.com/@museedemo'",
        ),
    ],
)
def test_a_bad_content_table_is_refused_naming_file_and_record(
    tt: Path, name: str, pattern: str
) -> None:
    with pytest.raises(FormatError, match=pattern):
        read(STUDIO, tt / "bad" / name)


def test_a_post_time_that_is_no_time_is_refused(tt: Path, tmp_path: Path) -> None:
    path = tmp_path / "Content.csv"
    text = (tt / "studio" / "Content.csv").read_text(encoding="utf-8-sig")
    path.write_text(text.replace("2025/10/31 18:19:10", "31/10/2025 6pm"), encoding="utf-8")
    with pytest.raises(
        FormatError,
        match=r"record line 2: column 'Post time': expected a time like 2025/10/31 18:19:10, "
        r"got '31/10/2025 6pm'",
    ):
        read(STUDIO, path)


def test_cells_the_column_parse_leaves_out_are_read_row_by_row(tmp_path: Path) -> None:
    # a local time the clocks skipped, another spelling of the time, a count with a
    # thousands separator: parsed as the row-by-row reading does, in their rows' order
    path = tmp_path / "Content.csv"
    link = "https://www.tiktok.com/@museedemo/video/"
    path.write_text(
        "\ufeffVideo title,Video link,Post time,Video views,Likes,Comments,Shares,Add to Favorites\n"
        f'a,{link}7488000000000000001,2025/03/30 02:30:00,"1,234",1,1,1,1\n'
        f"b,{link}7488000000000000002,2025-03-29 10:00,5,NAN,1,1,1\n"
        f"c,{link}7488000000000000003,2025/03/29 09:00:00,7,2,1,1,1\n",
        encoding="utf-8",
    )
    posts = read(STUDIO, path).posts
    assert posts is not None
    rows = {r["text"]: r for r in posts.iter_rows(named=True)}
    assert rows["a"]["posted_at"] == utc(2025, 3, 30, 1, 30)  # read with the offset before
    assert rows["a"]["views"] == 1234
    assert rows["b"]["posted_at"] == utc(2025, 3, 29, 9, 0) and rows["b"]["likes"] is None
    assert rows["c"]["posted_at"] == utc(2025, 3, 29, 8, 0) and rows["c"]["views"] == 7
    assert posts["text"].to_list() == ["c", "b", "a"]  # sorted by time


#: A Content table with every spelling the fast path leaves to the row-by-row reading: a
#: skipped local time, a repeated one, another time spelling, "1,234", "007", "+5" (refused
#: row by row: not here), " 12 ", "n/a", "Null", an m. link, a link with a query and an
#: upper-case handle, a whitespace-only row, a blank line, a caption with a quoted newline
#: and emoji, and the same video listed twice (the last kept).
_SPELLINGS = (
    "\ufeffVideo title,Video link,Post time,Video views,Likes,Comments,Shares,Add to Favorites\r\n"
    'a,https://www.tiktok.com/@museedemo/video/7488000000000000001,2025/03/30 02:30:00,"1,234",'
    "1,1,1,1\r\n"
    "b,https://www.tiktok.com/@museedemo/video/7488000000000000002,2025-03-29 10:00,5,NAN,1,1,1\r\n"
    '"c 🎨\r\n#Été @amis.du.musee",https://m.tiktok.com/@MuseeDemo/video/7488000000000000003?lang=fr,'
    "2025/10/26 02:30:00, 12 ,007,n/a,Null,--\r\n"
    "\t, ,,,,,,\r\n"
    "\r\n"
    "d,https://www.tiktok.com/@museedemo/video/7488000000000000004,2025/01/05 9:03:04,0,0,0,0,0\r\n"
    "e,https://www.tiktok.com/@museedemo/video/7488000000000000001,2025/03/30 03:30:00,9,9,9,9,9\r\n"
)


def test_the_duckdb_reading_gives_what_the_other_readings_give(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fast path (DuckDB) against the polars path and the row-by-row path (as XLSX
    rows are read), on every spelling the fast path leaves aside: the same posts."""
    from engage_tiktok import studio

    path = tmp_path / "Content.csv"
    path.write_bytes(_SPELLINGS.encode("utf-8"))
    taken: list[str] = []
    for reading in ("_content_duckdb", "_content_polars", "_content_rows"):
        original = getattr(studio._Tables, reading)

        def spy(self: object, name: str, _f: object = original, _n: str = reading) -> object:
            taken.append(_n)
            return _f(self, name)  # type: ignore[operator]

        monkeypatch.setattr(studio._Tables, reading, spy)
    fast = read(STUDIO, path).posts
    assert taken == ["_content_duckdb"]  # the file is on disk: no other reading
    monkeypatch.setattr(studio._Tables, "_content_duckdb", lambda self, name: False)
    by_polars = read(STUDIO, path).posts
    monkeypatch.setattr(studio._Tables, "_content_csv", studio._Tables._content_rows)
    by_rows = read(STUDIO, path).posts
    assert fast is not None and by_polars is not None and by_rows is not None
    assert fast.equals(by_polars) and fast.equals(by_rows)
    rows = {r["post_id"][-1]: r for r in fast.iter_rows(named=True)}
    assert sorted(rows) == ["1", "2", "3", "4"]  # the blank rows are no records
    assert rows["1"]["text"] == "e" and rows["1"]["views"] == 9  # listed twice: the last
    c = rows["3"]
    assert c["account_id"] == "museedemo" and c["text"] == "c 🎨\r\n#Été @amis.du.musee"
    assert c["posted_at"] == utc(2025, 10, 26, 0, 30)  # repeated: the first (summer time)
    assert (c["views"], c["likes"], c["comments"], c["shares"], c["saves"]) == (
        12,
        7,
        None,
        None,
        None,
    )
    assert c["hashtags"] == ["Été"] and c["mentions"] == ["amis.du.musee"]
    assert rows["4"]["posted_at"] == utc(2025, 1, 5, 8, 3, 4)


def test_a_file_name_duckdb_would_read_as_a_pattern_is_read_by_the_other_path(
    tt: Path, tmp_path: Path
) -> None:
    """ "Content [1].csv" as a DuckDB path is a glob (it would match "Content 1.csv"): the
    table is read without DuckDB, the same posts."""
    decoy = tmp_path / "Content 1.csv"
    shutil.copy(tt / "studio" / "Content.csv", decoy)
    decoy.write_text(decoy.read_text(encoding="utf-8-sig").replace("12840", "99999"))
    path = tmp_path / "Content [1].csv"
    shutil.copy(tt / "studio" / "Content.csv", path)
    posts = read(STUDIO, path).posts
    assert posts is not None and posts.height == 4
    assert 12840 in posts["views"].to_list() and 99999 not in posts["views"].to_list()


def test_what_duckdb_would_read_as_a_number_but_is_no_count_is_refused(tmp_path: Path) -> None:
    """DuckDB reads "+5", "1e3", "0x10", "1_000" as numbers: the row-by-row reading
    refuses them, naming the line, as before the fast path."""
    link = "https://www.tiktok.com/@museedemo/video/7488000000000000001"
    for cell in ("+5", "1e3", "0x10", "1_000"):
        path = tmp_path / "Content.csv"
        path.write_text(
            "Video title,Video link,Post time,Video views,Likes,Comments,Shares,Add to Favorites\n"
            f"ok,{link},2025/03/29 10:00:00,1,1,1,1,1\n"
            f"x,{link[:-1]}2,2025/03/29 10:00:00,{cell},1,1,1,1\n",
            encoding="utf-8",
        )
        with pytest.raises(
            FormatError,
            match=rf"Content\.csv, record line 3: column 'Video views': expected a count, "
            rf"got '{re.escape(cell)}'",
        ):
            read(STUDIO, path)


def test_a_row_with_too_many_cells_is_refused_naming_its_line(tt: Path, tmp_path: Path) -> None:
    path = tmp_path / "Content.csv"
    text = (tt / "studio" / "Content.csv").read_text(encoding="utf-8-sig")
    path.write_text(
        text + "x,https://www.tiktok.com/@museedemo/video/7400000000000000009,"
        "2024/08/01 09:00:00,1,1,1,1,1,1\r\n",
        encoding="utf-8",
    )
    with pytest.raises(
        FormatError, match=r"Content\.csv, record line 7: expected 8 columns, got 9"
    ):
        read(STUDIO, path)


# -- TikTok Studio: Followers and Overview ----------------------------------------------------


def test_followers_table_gives_a_snapshot_at_the_end_of_each_day(tt: Path) -> None:
    batch = read(STUDIO, tt / "studio" / "Followers.csv", account="MuseeDemo")
    snaps = batch.follower_snapshots
    assert snaps is not None and batch.posts is not None and batch.posts.height == 0
    assert snaps["account_id"].unique().to_list() == ["museedemo"]
    assert snaps["observed_at"].to_list() == [
        utc(2025, 10, 29, 22, 59, 59),  # 23:59:59 in Paris (UTC+1)
        utc(2025, 10, 31, 22, 59, 59),
    ]  # 2025/10/30 says NAN: no snapshot, not 0
    assert snaps["followers"].to_list() == [4810, 4845]


def test_followers_table_alone_needs_the_account(tt: Path) -> None:
    with pytest.raises(FormatError, match=r"name no account: pass (--account |account=)HANDLE"):
        read(STUDIO, tt / "studio" / "Followers.csv")


def test_the_three_tables_together_take_the_account_from_the_content_links(tt: Path) -> None:
    batch = read(STUDIO, tt / "studio")
    assert batch.posts is not None and batch.posts.height == 4
    assert batch.follower_snapshots is not None
    assert batch.follower_snapshots["account_id"].to_list() == ["museedemo", "museedemo"]
    assert batch.empty_reason is None


def test_overview_alone_is_an_import_of_nothing_that_says_why(tt: Path) -> None:
    batch = read(STUDIO, tt / "studio" / "Overview.csv", account="museedemo")
    assert batch.rows() == 1  # the account only
    assert batch.empty_reason is not None and "Overview" in batch.empty_reason


def test_the_same_tables_as_xlsx_give_the_same_rows(tt: Path) -> None:
    pytest.importorskip("openpyxl", reason="openpyxl is a dependency: reinstall engagecore")
    from_csv = read(STUDIO, tt / "studio" / "Content.csv")
    from_xlsx = read(STUDIO, tt / "studio_xlsx" / "Content.xlsx")
    assert from_csv.posts is not None and from_xlsx.posts is not None
    assert from_xlsx.posts.equals(from_csv.posts)  # times, NULLs ("--", "NAN") and counts
    both = read(STUDIO, tt / "studio_xlsx")
    assert both.follower_snapshots is not None
    assert both.follower_snapshots["followers"].to_list() == [4810, 4845]
    assert both.follower_snapshots["account_id"].to_list() == ["museedemo", "museedemo"]


def test_a_damaged_xlsx_is_refused_naming_the_file(tt: Path, tmp_path: Path) -> None:
    pytest.importorskip("openpyxl", reason="openpyxl is a dependency: reinstall engagecore")
    path = tmp_path / "Content.xlsx"
    data = (tt / "studio_xlsx" / "Content.xlsx").read_bytes()
    path.write_bytes(data[: len(data) // 2])  # cut: its zip directory is gone
    source = Source.open(path)
    assert STUDIO.detect(source) == 0.0
    with pytest.raises(FormatError, match=r"Content\.xlsx: expected a TikTok Studio table"):
        STUDIO.read(source, ReadContext())


# -- "Download your data" ---------------------------------------------------------------------


def test_download_your_data_gives_posts_with_likes_only(tt: Path) -> None:
    batch = read(EXPORT, tt / "export")
    posts = batch.posts
    assert posts is not None and batch.accounts is not None
    assert batch.accounts["account_id"].to_list() == ["museedemo"]  # userName "MuseeDemo"
    assert posts["post_id"].to_list() == [
        "7488000000000000003",
        "7499000000000000001",
        "7516000000000000004",
    ]
    assert posts["posted_at"].to_list() == [
        utc(2025, 3, 30, 1, 30),
        utc(2025, 5, 1, 12, 0),
        utc(2025, 6, 15, 8, 5, 9),
    ]  # the export's times are UTC, whatever --timezone says
    assert posts["likes"].to_list() == [0, 1204, 12500]
    for column in ("views", "comments", "shares", "saves"):
        assert posts[column].null_count() == 3, column
    assert posts["text"].to_list()[0] is None
    assert posts["hashtags"].to_list()[1] == ["rodin", "museum"]
    assert posts["mentions"].to_list()[2] == ["guide.officiel"]
    assert (
        posts["url"].to_list()[1] == "https://www.tiktok.com/@museedemo/video/7499000000000000001"
    )
    assert set(posts["observed_at"].to_list()) == {datetime.fromtimestamp(MTIME, UTC)}
    assert batch.empty_reason is None


def test_download_your_data_of_2022_has_its_videos_under_video(tt: Path) -> None:
    posts = read(EXPORT, tt / "export_2022" / "user_data.json").posts
    assert posts is not None
    assert posts["account_id"].unique().to_list() == ["musee.ancien"]
    assert posts["posted_at"].to_list() == [utc(2020, 2, 14, 9), utc(2021, 11, 2, 17, 45)]
    assert posts["likes"].to_list() == [3, 87]


def test_an_export_of_an_account_that_never_posted_is_zero_posts_with_a_note(tt: Path) -> None:
    batch = read(EXPORT, tt / "export_no_posts")
    assert batch.posts is not None and batch.posts.height == 0
    assert batch.accounts is not None and batch.accounts["account_id"].to_list() == [
        "musee.discret"
    ]
    assert batch.empty_reason is not None and "no posted video" in batch.empty_reason


def test_a_truncated_export_is_refused_naming_the_file(tt: Path) -> None:
    source = Source.open(tt / "bad" / "user_data_tiktok_truncated.json")
    with pytest.raises(FormatError, match=r"user_data_tiktok_truncated\.json: not valid JSON"):
        EXPORT.read(source, ReadContext())


def test_a_video_without_its_link_is_refused_naming_the_record(tt: Path, tmp_path: Path) -> None:
    data = json.loads((tt / "export" / "user_data_tiktok.json").read_text(encoding="utf-8"))
    data["Post"]["Posts"]["VideoList"][1]["Link"] = ""
    path = tmp_path / "user_data_tiktok.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(
        FormatError, match=r"record VideoList\[1\]: 'Link': expected a TikTok video link, got ''"
    ):
        read(EXPORT, path)
    data["Post"]["Posts"]["VideoList"][1]["Link"] = "https://www.tiktokv.com/share/video/7/"
    data["Post"]["Posts"]["VideoList"][1]["Likes"] = "beaucoup"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(FormatError):
        read(EXPORT, path)


# -- API v2 responses --------------------------------------------------------------------------


def test_display_api_pages_and_user_info_give_posts_and_a_follower_snapshot(tt: Path) -> None:
    batch = read(API, tt / "api")
    posts, snaps = batch.posts, batch.follower_snapshots
    assert posts is not None and snaps is not None and batch.accounts is not None
    assert posts["post_id"].to_list() == ["7565000000000000002", "7567452112981069079"]
    assert posts["posted_at"].to_list() == [utc(2025, 10, 26, 0, 30), utc(2025, 10, 31, 17, 19, 10)]
    assert posts["views"].to_list() == [5210, 12840]
    assert posts["likes"].to_list() == [310, 1032]
    assert posts["comments"].to_list() == [None, 41]  # left out of the response: NULL
    assert posts["shares"].to_list() == [None, 17]
    assert posts["text"].to_list() == [
        "Les coulisses 🖼️ @atelier.restauration",  # the description when the title is empty
        "Nocturne au musée ✨ #museum",
    ]
    assert (
        posts["url"].to_list()[1] == "https://www.tiktok.com/@museedemo/video/7567452112981069079"
    )
    assert posts["account_id"].unique().to_list() == ["museedemo"]
    assert snaps["followers"].to_list() == [4845]
    assert snaps["observed_at"].to_list() == [datetime.fromtimestamp(MTIME, UTC)]
    assert batch.accounts["display_name"].to_list() == ["Musée Démo"]
    assert batch.museum_hints == {"museedemo": "Musée Démo"}


def test_a_page_past_the_last_result_is_an_import_of_nothing(tt: Path) -> None:
    batch = read(API, tt / "api" / "video_list_page2.json", account="museedemo")
    assert batch.posts is not None and batch.posts.height == 0
    assert batch.empty_reason is not None


def test_an_error_response_is_refused_with_tiktoks_code(tt: Path) -> None:
    with pytest.raises(
        FormatError,
        match=r"video_list_error\.json, record 0: the response is an error: "
        r"access_token_invalid: The access token is invalid",
    ):
        read(API, tt / "bad" / "video_list_error.json")


# -- API for Business: /business/get/ (followers and their ages) ------------------------------

#: tests/fixtures/tiktok/business/business_get.json's audience_ages, read by hand
BUSINESS_AGES = {
    "18-24": 0.3861788617886179,
    "25-34": 0.2926829268292683,
    "35-44": 0.1463414634146341,
    "45-54": 0.0894308943089431,
    "55+": 0.0853658536585366,
}


def test_business_get_gives_followers_and_their_ages(tt: Path, tmp_path: Path) -> None:
    """As TikTok answers it (the fixture less the engagecore_observed_at a saved response
    may carry): observed at the file's modification time."""
    doc = json.loads((tt / "business" / "business_get.json").read_text(encoding="utf-8"))
    del doc["engagecore_observed_at"]
    path = tmp_path / "business_get.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    os.utime(path, (MTIME, MTIME))
    batch = read(BUSINESS, path)
    assert batch.accounts is not None
    assert batch.accounts.select("account_id", "handle", "display_name").rows() == [
        ("museedemo", "museedemo", "Musée Démo")  # "MuseeDemo": a handle is lower case
    ]
    assert batch.follower_snapshots is not None
    assert batch.follower_snapshots.select("observed_at", "followers").rows() == [
        (utc(2025, 10, 30, 23, 59, 59), 4838),  # metrics[].date is a UTC day: its end
        (utc(2025, 10, 31, 23, 59, 59), 4845),
        (datetime.fromtimestamp(MTIME, UTC), 4845),  # followers_count, when saved
    ]
    ages = batch.audience_age
    assert ages is not None
    assert ages.select("age_band", "age_min", "age_max", "share", "basis").rows() == [
        (band, lo, hi, BUSINESS_AGES[band], "followers")
        for band, lo, hi in [
            ("18-24", 18, 24),
            ("25-34", 25, 34),
            ("35-44", 35, 44),
            ("45-54", 45, 54),
            ("55+", 55, None),
        ]
    ]
    assert set(ages["observed_at"]) == {datetime.fromtimestamp(MTIME, UTC)}
    assert batch.posts is None  # no videos in this response


def test_each_tiktok_api_response_goes_to_its_importer(tt: Path) -> None:
    for path, importer in (
        (tt / "business" / "business_get.json", BUSINESS),
        (tt / "bad" / "business_get_error.json", BUSINESS),
        (tt / "api" / "user_info.json", API),
        (tt / "api" / "video_list_page1.json", API),
    ):
        src = Source.open(path)
        try:
            claims = {i.name: i.detect(src) for i in (API, BUSINESS)}
        finally:
            src.close()
        assert max(claims, key=lambda k: claims[k]) == importer.name, (path, claims)
        assert sorted(claims.values())[0] == 0.0, (path, claims)


def test_a_business_video_list_page_is_not_taken_for_a_display_api_page(tmp_path: Path) -> None:
    """/business/video/list/ (API for Business) also has data.videos and create_time, with
    other fields (item_id, video_views): neither TikTok API importer claims it."""
    page = {
        "code": 0,
        "message": "OK",
        "request_id": "20251102091500C3D4E5F6A7B8C9D0E1F2",
        "data": {
            "videos": [
                {
                    "item_id": "7567452112981069079",
                    "create_time": "1761931150",
                    "caption": "Nocturne au musée ✨ #museum",
                    "video_views": 12840,
                    "likes": 1032,
                    "comments": 41,
                    "shares": 17,
                }
            ],
            "cursor": 1761931150000,
            "has_more": False,
        },
    }
    path = tmp_path / "business_video_list.json"
    path.write_text(json.dumps(page, ensure_ascii=False), encoding="utf-8")
    src = Source.open(path)
    try:
        assert API.detect(src) == 0.0 and BUSINESS.detect(src) == 0.0
    finally:
        src.close()


def test_business_get_without_username_needs_the_account(tt: Path, tmp_path: Path) -> None:
    doc = json.loads((tt / "business" / "business_get.json").read_text(encoding="utf-8"))
    del doc["data"]["username"], doc["data"]["display_name"]
    path = tmp_path / "business_get.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(FormatError, match=r"business_get\.json: the response names no account"):
        read(BUSINESS, path)
    batch = read(BUSINESS, path, account="@MuseeDemo")
    assert batch.audience_age is not None
    assert set(batch.audience_age["account_id"]) == {"museedemo"}
    assert set(batch.audience_age["observed_at"]) == {utc(2025, 11, 2, 9, 0, 12)}


def test_business_get_without_demographics_gives_followers_only(tt: Path, tmp_path: Path) -> None:
    """Under 100 followers TikTok returns no audience_ages: a snapshot, no age rows."""
    doc = json.loads((tt / "business" / "business_get.json").read_text(encoding="utf-8"))
    for key in ("audience_ages", "audience_genders", "audience_countries", "metrics"):
        del doc["data"][key]
    doc["data"]["followers_count"] = 87
    path = tmp_path / "business_get.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    batch = read(BUSINESS, path)
    assert batch.audience_age is None
    assert batch.follower_snapshots is not None
    assert batch.follower_snapshots["followers"].to_list() == [87]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"age": "13-17", "percentage": 0.1},
            r"business_get\.json, record audience_ages\[5\]: expected an age group among "
            r"18-24, 25-34, 35-44, 45-54, 55\+, got '13-17'",
        ),
        (
            {"age": "65+", "percentage": 38.6},
            r"record audience_ages\[5\]: expected an age group",
        ),
        (
            {"age": "55+", "percentage": 38.6},  # a percent, not the documented fraction
            r"record audience_ages\[5\]: expected a percentage as a fraction between 0 and 1, "
            r"got 38\.6",
        ),
        (
            {"age": "55+", "percentage": 0.5},
            r"business_get\.json: expected audience_ages percentages adding up to at most 1, "
            r"got 1\.5000",
        ),
    ],
)
def test_bad_audience_ages_are_refused_naming_the_group(
    tt: Path, tmp_path: Path, change: dict[str, object], message: str
) -> None:
    doc = json.loads((tt / "business" / "business_get.json").read_text(encoding="utf-8"))
    doc["data"]["audience_ages"].append(change)
    path = tmp_path / "business_get.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(FormatError, match=message):
        read(BUSINESS, path)


def test_a_business_error_response_is_refused_with_tiktoks_code(tt: Path) -> None:
    with pytest.raises(
        FormatError,
        match=r"business_get_error\.json: the response is an error: code 40105: "
        r"The access token is invalid",
    ):
        read(BUSINESS, tt / "bad" / "business_get_error.json")


def test_engage_score_measures_tiktok_young_share_from_business_ages(
    tt: Path, tmp_path: Path, registered: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """Studio's videos (rated by views) and /business/get/'s followers by age: the TikTok row
    has a measured young share (13-24: TikTok's 18-24 group; the withheld mass, none here)."""
    db = tmp_path / "s.duckdb"
    for args in (
        [str(tt / "business" / "business_get.json")],  # its display name names the museum
        [str(tt / "studio"), "--timezone", "Europe/Paris"],
    ):
        code, _, err = run(["ingest", *args, "--db", str(db)], capsys)
        assert code == 0, err
    bad = tt / "bad" / "business_get_error.json"
    with engagecore.open(db) as eng:
        before = eng.store.table_digest()
    code, _, err = run(["ingest", str(bad), "--db", str(db)], capsys)
    assert code != 0 and "business_get_error.json: the response is an error" in err
    assert len(err.strip().splitlines()) == 1
    with engagecore.open(db) as eng:
        assert eng.store.table_digest() == before  # the refused file changed nothing
        ages = eng.query("SELECT age_band, share, basis FROM audience_age ORDER BY age_min").rows()
        score = eng.score().filter(pl.col("network") == "tiktok").to_dicts()
    assert ages == [(b, s, "followers") for b, s in BUSINESS_AGES.items()]
    assert len(score) == 1
    row = score[0]
    assert (row["museum"], row["posts"], row["rate_basis"]) == ("demo", 4, "views")
    assert row["young_basis"] == "measured"
    assert row["young_source"].startswith("owned audience age (followers")
    assert row["young_share"] == pytest.approx(BUSINESS_AGES["18-24"])


# -- engage ingest ----------------------------------------------------------------------------


def test_engage_ingest_stores_studio_tables_and_an_empty_export(
    tt: Path, tmp_path: Path, registered: None, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "s.duckdb"
    code, _, err = run(["ingest", str(tt / "studio"), "--db", str(db)], capsys)
    assert code == 0, err
    code, _, err = run(["ingest", str(tt / "export_no_posts"), "--db", str(db)], capsys)
    assert code == 0, err
    with duckdb.connect(str(db), read_only=True) as con:
        posts = con.sql(
            "SELECT post_id, posted_at, views, likes, saves FROM posts WHERE network = 'tiktok' "
            "ORDER BY posted_at"
        ).pl()
        snaps = con.sql("SELECT followers FROM follower_snapshots ORDER BY observed_at").pl()
        accounts = con.sql("SELECT account_id FROM accounts WHERE network='tiktok' ORDER BY 1").pl()
    assert posts.height == 4 and posts["views"].to_list() == [0, 980, 5210, 12840]
    assert posts["likes"].to_list()[2] is None
    assert snaps["followers"].to_list() == [4810, 4845]
    assert accounts["account_id"].to_list() == ["musee.discret", "museedemo"]


def test_a_folder_of_several_accounts_studio_folders_imports_each_on_its_own(
    tt: Path, tmp_path: Path, registered: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """A folder holding one Studio folder per account (as `engage demo --keep-files` writes
    them) is walked into: each account's tables are one import, not one import refusing
    several accounts."""
    tree = tmp_path / "tree"
    shutil.copytree(tt / "studio", tree / "museedemo")
    other = tree / "autre-musee"
    other.mkdir()
    text = (tt / "studio" / "Content.csv").read_text(encoding="utf-8")
    (other / "Content.csv").write_text(
        text.replace("@museedemo/", "@autre.musee/")
        .replace("@MuseeDemo/", "@autre.musee/")
        .replace("/video/75", "/video/85")
        .replace("/video/74", "/video/84"),
        encoding="utf-8",
    )
    db = tmp_path / "s.duckdb"
    code, _, err = run(["ingest", str(tree), "--db", str(db)], capsys)
    assert code == 0, err
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.sql(
            "SELECT account_id, count(*) FROM posts WHERE network = 'tiktok' GROUP BY 1 ORDER BY 1"
        ).fetchall()
        ((imports,),) = con.sql(
            "SELECT count(*) FROM imports WHERE importer = 'tiktok-studio'"
        ).fetchall()
    assert rows == [("autre.musee", 4), ("museedemo", 4)]
    assert imports == 2


# -- the demo writer ---------------------------------------------------------------------------


def test_the_demo_writer_writes_studio_tables_that_read_back(
    registered: None, tmp_path: Path
) -> None:
    data = sample_account("tiktok")
    data.handle = "MBA.Test"
    posts = check_demo_roundtrip("tiktok", tmp_path)
    root = tmp_path / "tiktok-mba_test"
    assert sorted(p.name for p in root.iterdir()) == ["Content.csv", "Followers.csv"]
    raw = (root / "Content.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfVideo title,Video link,Post time,Video views,Likes,")
    assert b"\r\n" in raw
    # Post time is Paris local time without zone: 2024-03-04 09:30 UTC is 10:30 in Paris
    assert ",2024/03/04 10:30:00," in raw.decode("utf-8")
    written = {p: t for p, t in zip(data.posts["post_id"], data.posts["posted_at"], strict=True)}
    assert dict(zip(posts["post_id"], posts["posted_at"], strict=True)) == written
    assert posts.sort("post_id")["views"].to_list() == [1000, 1100, 1200, 1300, 1400]
    assert posts.sort("post_id")["saves"].to_list() == [0, 3, 6, 9, 12]
    # the counts are observed when the simulation observed them (the file's time)
    assert set(posts["observed_at"]) == {datetime(2024, 6, 1, tzinfo=UTC)}
    batch = STUDIO.read(Source.open(root), ReadContext())
    assert batch.follower_snapshots is not None
    assert batch.follower_snapshots["followers"].to_list() == [12345]


def test_the_demo_writer_gives_an_account_without_videos_its_data_export(
    registered: None, tmp_path: Path
) -> None:
    data = sample_account("tiktok", posts=0, with_age=False)
    paths = TikTokDemoWriter().write(data, tmp_path)
    assert [p.name for p in paths] == ["user_data_tiktok.json"]
    batch = read(EXPORT, paths[0])
    assert batch.rows() == 1 and batch.empty_reason is not None
    assert batch.accounts is not None and batch.accounts["account_id"].to_list() == ["mba_test"]


def test_the_demo_writer_saves_the_followers_ages_as_a_business_get_response(
    registered: None, tmp_path: Path
) -> None:
    """An account with age data gets the /business/get/ response tiktok-business reads:
    TikTok's five groups (no one under 18), fractions of those it reports, basis followers."""
    data = sample_account("tiktok")
    paths = TikTokDemoWriter().write(data, tmp_path)
    assert [p.name for p in paths] == ["tiktok-mba_test", "tiktok-mba_test-business"]
    doc = json.loads((paths[1] / "business_get.json").read_text(encoding="utf-8"))
    assert doc["code"] == 0 and doc["data"]["username"] == "mba_test"
    assert [g["age"] for g in doc["data"]["audience_ages"]] == list(AGE_GROUPS)
    batch = read(BUSINESS, paths[1])
    assert batch.accounts is not None and batch.accounts["account_id"].to_list() == ["mba_test"]
    assert batch.audience_age is not None
    ages = dict(zip(batch.audience_age["age_band"], batch.audience_age["share"], strict=True))
    # the sample's bands: 13-17 5 %, 18-24 25 %, …, 55-64 6 % and 65+ 4 % (→ 55+ 10 %)
    assert ages["18-24"] == pytest.approx(0.25 / 0.95, abs=1e-6)
    assert ages["55+"] == pytest.approx(0.10 / 0.95, abs=1e-6)
    assert sum(ages.values()) == pytest.approx(1.0, abs=1e-5)
    assert set(batch.audience_age["basis"]) == {"followers"}
    assert set(batch.audience_age["observed_at"]) == {data.export_date}
    assert batch.follower_snapshots is not None
    assert batch.follower_snapshots["followers"].to_list() == [12345]


def test_the_demo_writer_gives_no_ages_under_100_followers(
    registered: None, tmp_path: Path
) -> None:
    """TikTok returns audience_ages only from 100 followers: the response has none below."""
    data = sample_account("tiktok")
    data.followers = data.followers.with_columns(followers=pl.lit(87, dtype=pl.Int64))
    paths = TikTokDemoWriter().write(data, tmp_path)
    batch = read(BUSINESS, paths[-1])
    assert batch.audience_age is None
    assert batch.follower_snapshots is not None
    assert batch.follower_snapshots["followers"].to_list() == [87]


def test_engage_demo_brings_tiktok_studio_exports_rated_by_views(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    # the store `engage demo --museums 12 --seed 0` writes (built once for the run; the
    # Studio folders its writer makes: test_the_demo_writer_writes_studio_tables_that_read_back)
    db = copy_of(demo_build(tmp_path_factory, museums=12, seed=0).db, tmp_path / "demo.duckdb")
    with duckdb.connect(str(db), read_only=True) as con:
        ((n,),) = con.sql("SELECT count(*) FROM posts WHERE network = 'tiktok'").fetchall()
        studio = con.sql(
            "SELECT path FROM imports WHERE network = 'tiktok' AND importer = 'tiktok-studio'"
        ).fetchall()
    assert studio, "some simulated museums are on TikTok, in Studio exports"
    assert n > 0 and all(re.fullmatch(r"tiktok-[a-z0-9_.-]+", path) for (path,) in studio), studio
    code, out, err = run(
        ["score", "--db", str(db), "--network", "tiktok", "--format", "json"], capsys
    )
    assert code == 0, err
    rows = json.loads(out)
    rows = rows if isinstance(rows, list) else rows.get("rows", rows)
    tiktok = [r for r in rows if r.get("network") == "tiktok"]
    assert tiktok and all(r["rate_basis"] == "views" for r in tiktok)
