"""The YouTube plugin: Data API JSON, Analytics age reports, Studio CSV and the demo writer."""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from cli_run import run
from engage_youtube import (
    YouTubeAnalyticsImporter,
    YouTubeDataApiImporter,
    YouTubeDemoWriter,
    YouTubeStudioCsvImporter,
)
from engage_youtube.common import format_duration, parse_duration
from engage_youtube.demo import round_subscribers

from engagecore import plugins, schema
from engagecore.errors import FormatError, UsageError, cli_options
from engagecore.pluginapi import Batch, DemoAccountData, Importer, ReadContext
from engagecore.sources import Source

CHANNEL = "UCfVvGxNuFTd9ktLB7jTu3Wg"
MTIME = datetime(2024, 6, 30, 12, 0, tzinfo=UTC)
API = YouTubeDataApiImporter()
ANALYTICS = YouTubeAnalyticsImporter()
STUDIO = YouTubeStudioCsvImporter()
IMPORTERS: list[Importer] = [API, ANALYTICS, STUDIO]
WITH_ACCOUNT = ReadContext(options={"account": CHANNEL})


@pytest.fixture
def yt(fixtures: Path, tmp_path: Path) -> Path:
    """A copy of tests/fixtures/youtube whose files all have a known modification time."""
    out = tmp_path / "yt"
    shutil.copytree(fixtures / "youtube", out)
    for p in out.iterdir():
        os.utime(p, (MTIME.timestamp(), MTIME.timestamp()))
    return out


def detect(importer: Importer, path: Path) -> float:
    src = Source.open(path)
    try:
        return importer.detect(src)
    finally:
        src.close()


def read(importer: Importer, path: Path, ctx: ReadContext | None = None) -> Batch:
    src = Source.open(path)
    try:
        return importer.read(src, ctx or ReadContext())
    finally:
        src.close()


def api_posts(path: Path) -> pl.DataFrame:
    posts = read(API, path).posts
    assert posts is not None
    return posts


def by_id(df: pl.DataFrame) -> dict[str, dict[str, Any]]:
    return {r["post_id"]: r for r in df.to_dicts()}


def write_json(path: Path, doc: Any) -> Path:
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


# --- registration -------------------------------------------------------------------------


def test_plugin_registers_importers_and_demo_writer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENGAGE_LOAD_PLUGINS", "youtube")
    plugins.reset()
    reg = plugins.registry()
    assert {"youtube-data-api", "youtube-analytics", "youtube-studio-csv"} <= set(reg.importers)
    assert isinstance(reg.demo_writers["youtube"], YouTubeDemoWriter)
    owner = reg.owner(reg.importers["youtube-data-api"])
    assert owner is not None and owner.name == "youtube"


# --- durations ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("PT1H40M7S", 6007), ("PT30S", 30), ("P0D", 0), ("PT0S", 0), ("P1DT2H", 93600), ("PT4M", 240)],
)
def test_parse_duration(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "P", "PT", "1H", "PT1H40", "P1.5X"])
def test_parse_duration_refuses_non_durations(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


@pytest.mark.parametrize("seconds", [0, 30, 6007, 93600, 86400 + 61])
def test_format_duration_round_trips(seconds: int) -> None:
    assert parse_duration(format_duration(seconds)) == seconds


# --- Data API: videos.list ----------------------------------------------------------------


def test_videos_list_posts(yt: Path) -> None:
    batch = read(API, yt / "videos_list.json")
    assert batch.posts is not None
    assert batch.posts.schema == schema.POSTS
    posts = by_id(batch.posts)
    assert set(posts) == {"Zk3vQ9pL2aE", "-aB3dE5fG7h", "Qw3rTy7uI9o", "L1veNow0001", "PastLive002"}

    joconde = posts["Zk3vQ9pL2aE"]
    assert joconde["posted_at"] == datetime(2023, 8, 14, 3, 10, 32, tzinfo=UTC)
    assert joconde["text"].startswith("La Joconde dévoilée 🎨 — Musée du Louvre\n\nPlongez dans l’")
    assert (joconde["views"], joconde["likes"], joconde["comments"]) == (12400, 870, 53)
    assert joconde["shares"] is None and joconde["impressions"] is None
    # hashtags come from title and description only: snippet.tags are not hashtags, C# is not
    assert joconde["hashtags"] == ["Louvre", "ArtHistory", "MuséeDuLouvre"]
    assert joconde["mentions"] == ["PetitPalais"]
    assert joconde["url"] == "https://www.youtube.com/watch?v=Zk3vQ9pL2aE"
    assert joconde["language"] == "fr"  # defaultLanguage wins over defaultAudioLanguage
    assert joconde["account_id"] == CHANNEL and joconde["is_own"] is True
    assert joconde["observed_at"] == MTIME


def test_videos_list_hidden_and_disabled_counts_are_null_not_zero(yt: Path) -> None:
    posts = by_id(api_posts(yt / "videos_list.json"))
    assert posts["-aB3dE5fG7h"]["likes"] is None  # likes hidden
    assert posts["-aB3dE5fG7h"]["comments"] == 12
    assert posts["Qw3rTy7uI9o"]["comments"] is None  # comments disabled
    assert posts["PastLive002"]["comments"] == 0  # a real zero stays zero


def test_videos_list_kinds_and_text(yt: Path) -> None:
    posts = by_id(api_posts(yt / "videos_list.json"))
    assert posts["-aB3dE5fG7h"]["kind"] == "video"  # PT30S: no Shorts guessing
    assert posts["L1veNow0001"]["kind"] == "live"  # P0D
    assert posts["PastLive002"]["kind"] == "live"  # liveStreamingDetails
    assert posts["Zk3vQ9pL2aE"]["kind"] == "video"
    # no description: the title alone, no trailing blank line; a leading '#' is a hashtag
    assert posts["-aB3dE5fG7h"]["text"] == "#jourdefermeture : le musée vide"
    assert posts["-aB3dE5fG7h"]["hashtags"] == ["jourdefermeture"]
    # videos.list titles are plain text: '&' stays as written
    assert posts["Qw3rTy7uI9o"]["text"].startswith("Visite guidée & ateliers\n\n")


def test_videos_list_names_the_channel(yt: Path) -> None:
    batch = read(API, yt / "videos_list.json")
    assert batch.accounts is not None
    assert batch.accounts.to_dicts() == [
        {
            "network": "youtube",
            "account_id": CHANNEL,
            "handle": None,
            "display_name": "Musée du Louvre",
            "created_at": None,  # videos.list does not say when the channel was created
        }
    ]
    assert batch.museum_hints == {CHANNEL: "Musée du Louvre"}
    assert batch.follower_snapshots is None


def test_observed_at_field_overrides_mtime(yt: Path, tmp_path: Path) -> None:
    doc = json.loads((yt / "videos_list.json").read_text(encoding="utf-8"))
    doc["engagecore_observed_at"] = "2024-07-01T08:00:00+02:00"
    batch = read(API, write_json(tmp_path / "v.json", doc))
    assert batch.posts is not None
    assert batch.posts["observed_at"].unique().to_list() == [datetime(2024, 7, 1, 6, tzinfo=UTC)]


# --- Data API: channels.list --------------------------------------------------------------


def test_channels_list_accounts_and_subscribers(yt: Path) -> None:
    batch = read(API, yt / "channels_list.json")
    assert batch.posts is None
    assert batch.accounts is not None
    accounts = {r["account_id"]: r for r in batch.accounts.to_dicts()}
    assert accounts[CHANNEL]["handle"] == "museedulouvre"
    assert accounts["UCh1ddenSubs0000000000aa"]["display_name"] == "Musée d’Orsay – archives"
    assert batch.museum_hints[CHANNEL] == "Musée du Louvre"
    assert batch.follower_snapshots is not None
    # the hidden subscriber count gives no snapshot at all (not a 0)
    assert batch.follower_snapshots.to_dicts() == [
        {"network": "youtube", "account_id": CHANNEL, "observed_at": MTIME, "followers": 1230000}
    ]


def test_folder_of_pages_is_one_unit(yt: Path, tmp_path: Path) -> None:
    folder = tmp_path / "api"
    folder.mkdir()
    shutil.copy(yt / "channels_list.json", folder / "channels.json")
    page = json.loads((yt / "videos_list.json").read_text(encoding="utf-8"))
    older = dict(page, engagecore_observed_at="2024-01-01T00:00:00Z")
    newer = dict(page, engagecore_observed_at="2024-05-01T00:00:00Z")
    newer["items"] = [dict(page["items"][0], statistics={"viewCount": "20000"})]
    write_json(folder / "videos-2.json", newer)
    write_json(folder / "videos-1.json", older)
    assert detect(API, folder) >= 0.9
    batch = read(API, folder)
    assert batch.posts is not None and batch.posts.height == 5
    joconde = by_id(batch.posts)["Zk3vQ9pL2aE"]
    # the newest observation of a video wins, with its own NULLs
    assert (joconde["views"], joconde["likes"]) == (20000, None)
    assert joconde["observed_at"] == datetime(2024, 5, 1, tzinfo=UTC)
    assert batch.accounts is not None
    handles = dict(zip(batch.accounts["account_id"], batch.accounts["handle"], strict=True))
    assert handles[CHANNEL] == "museedulouvre"  # channels.list wins over the videos' channel


def test_folder_with_a_foreign_file_is_not_claimed(yt: Path, tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    shutil.copy(yt / "videos_list.json", folder)
    (folder / "notes.txt").write_text("hello", encoding="utf-8")
    assert detect(API, folder) == 0.0


def test_json_array_of_pages(yt: Path, tmp_path: Path) -> None:
    videos = json.loads((yt / "videos_list.json").read_text(encoding="utf-8"))
    channels = json.loads((yt / "channels_list.json").read_text(encoding="utf-8"))
    path = write_json(tmp_path / "pages.json", [videos, channels])
    assert detect(API, path) == 0.95
    batch = read(API, path)
    assert batch.posts is not None and batch.posts.height == 5
    assert batch.follower_snapshots is not None and batch.follower_snapshots.height == 1


def test_response_trimmed_with_fields_has_no_kind(tmp_path: Path) -> None:
    doc = {
        "items": [
            {
                "id": "abcdefghijk",
                "snippet": {
                    "publishedAt": "2024-04-02T10:00:00Z",
                    "channelId": CHANNEL,
                    "title": "Nuit des musées",
                },
                "statistics": {"viewCount": "5"},
            }
        ]
    }
    path = write_json(tmp_path / "trimmed.json", doc)
    assert 0.5 <= detect(API, path) < 0.9
    posts = read(API, path).posts
    assert posts is not None
    assert posts.select("post_id", "views", "likes").row(0) == ("abcdefghijk", 5, None)


@pytest.mark.parametrize(
    ("name", "what"),
    [("search_list.json", "search.list"), ("playlist_items.json", "playlistItems.list")],
)
def test_search_and_playlist_responses_are_not_videos_list(yt: Path, name: str, what: str) -> None:
    assert detect(API, yt / name) == 0.0
    with pytest.raises(FormatError, match=rf"{what}.*videos\.list") as err:
        read(API, yt / name)
    assert str(yt / name) in str(err.value)


def _video_doc(**changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "kind": "youtube#video",
        "id": "okVideo0001",
        "snippet": {"publishedAt": "2024-01-01T10:00:00Z", "channelId": CHANNEL, "title": "ok"},
        "contentDetails": {"duration": "PT1M"},
        "statistics": {"viewCount": "1"},
    }
    bad = json.loads(json.dumps(item))
    bad["id"] = "badVideo002"
    for path, value in changes.items():
        target = bad
        *parents, leaf = path.split("__")
        for p in parents:
            target = target[p]
        if value is None:
            target.pop(leaf)
        else:
            target[leaf] = value
    return {"kind": "youtube#videoListResponse", "items": [item, bad]}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"snippet__publishedAt": None}, "snippet.publishedAt"),
        ({"snippet__publishedAt": "2024-01-01 10:00"}, "time zone"),
        ({"snippet__channelId": None}, "snippet.channelId"),
        ({"contentDetails__duration": "1 minute"}, "ISO 8601 duration"),
        ({"statistics__viewCount": "beaucoup"}, "statistics.viewCount"),
        ({"snippet": None}, "part=snippet"),
    ],
)
def test_malformed_video_names_file_and_record(
    tmp_path: Path, changes: dict[str, Any], expected: str
) -> None:
    path = write_json(tmp_path / "bad.json", _video_doc(**changes))
    with pytest.raises(FormatError, match=expected) as err:
        read(API, path)
    msg = str(err.value)
    assert str(path) in msg and "items[1]" in msg and "badVideo002" in msg
    assert "\n" not in msg


def test_invalid_json_names_the_position(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"kind": "youtube#videoListResponse", "items": [', encoding="utf-8")
    with pytest.raises(FormatError, match=r"broken\.json.*not valid JSON \(line 1"):
        read(API, path)


def test_saved_api_error_is_explained(tmp_path: Path) -> None:
    doc = {"error": {"code": 403, "message": "The request cannot be completed: quota exceeded."}}
    path = write_json(tmp_path / "err.json", doc)
    assert detect(API, path) == 0.0
    with pytest.raises(FormatError, match="403: The request cannot be completed"):
        read(API, path)


# --- Analytics ----------------------------------------------------------------------------


def test_analytics_age_report_sums_genders(yt: Path) -> None:
    path = yt / "analytics_age_gender.json"
    assert detect(ANALYTICS, path) == 0.95
    batch = read(ANALYTICS, path)  # the channel comes from the ids=channel==... echo
    age = batch.audience_age
    assert age is not None and age.schema == schema.AUDIENCE_AGE
    assert age["age_band"].to_list() == [
        "13-17",
        "18-24",
        "25-34",
        "35-44",
        "45-54",
        "55-64",
        "65+",
    ]
    rows = {r["age_band"]: r for r in age.to_dicts()}
    assert rows["18-24"]["share"] == pytest.approx(0.174)  # 9.8 + 7.4 + 0.2 (user_specified)
    assert (rows["18-24"]["age_min"], rows["18-24"]["age_max"]) == (18, 24)
    assert (rows["65+"]["age_min"], rows["65+"]["age_max"]) == (65, None)
    assert age["share"].sum() == pytest.approx(1.0)
    assert set(age["basis"]) == {"viewers"}
    assert set(age["account_id"]) == {CHANNEL}
    assert set(age["observed_at"]) == {MTIME}
    assert batch.accounts is not None and batch.accounts["account_id"].to_list() == [CHANNEL]


def test_analytics_without_channel_needs_account(yt: Path) -> None:
    path = yt / "analytics_age_only.json"
    with pytest.raises(FormatError, match=r"account=UC\.\.\.") as err:
        read(ANALYTICS, path)
    assert str(path) in str(err.value)
    age = read(ANALYTICS, path, WITH_ACCOUNT).audience_age
    assert age is not None
    assert dict(zip(age["age_band"], age["share"], strict=True)) == pytest.approx(
        {"18-24": 0.305, "25-34": 0.4425, "65+": 0.2525}
    )
    assert set(age["account_id"]) == {CHANNEL}


def test_analytics_channel_field_and_channel_url_option(yt: Path, tmp_path: Path) -> None:
    doc = json.loads((yt / "analytics_age_only.json").read_text(encoding="utf-8"))
    doc["engagecore_channel_id"] = "UCotherChannel000000000a"
    age = read(ANALYTICS, write_json(tmp_path / "a.json", doc)).audience_age
    assert age is not None and set(age["account_id"]) == {"UCotherChannel000000000a"}
    ctx = ReadContext(options={"account": f"https://www.youtube.com/channel/{CHANNEL}"})
    age = read(ANALYTICS, yt / "analytics_age_only.json", ctx).audience_age
    assert age is not None and set(age["account_id"]) == {CHANNEL}


def test_a_handle_is_not_a_channel_id(yt: Path) -> None:
    ctx = ReadContext(options={"account": "@museedulouvre"})
    with pytest.raises(UsageError, match="channel id"):
        read(ANALYTICS, yt / "analytics_age_only.json", ctx)


def test_analytics_malformed(yt: Path, tmp_path: Path) -> None:
    doc = json.loads((yt / "analytics_age_gender.json").read_text(encoding="utf-8"))
    doc["rows"][3] = ["age21-30", "female", 1.0]
    path = write_json(tmp_path / "bad.json", doc)
    with pytest.raises(FormatError, match=r"bad\.json, record rows\[3\]: expected an ageGroup"):
        read(ANALYTICS, path)
    doc = json.loads((yt / "analytics_age_gender.json").read_text(encoding="utf-8"))
    doc["columnHeaders"].insert(0, {"name": "country", "columnType": "DIMENSION"})
    doc["rows"] = [["FR", *r] for r in doc["rows"]]
    with pytest.raises(FormatError, match="splits by"):
        read(ANALYTICS, write_json(tmp_path / "country.json", doc))


def test_analytics_without_rows_is_empty(tmp_path: Path, yt: Path) -> None:
    doc = json.loads((yt / "analytics_age_only.json").read_text(encoding="utf-8"))
    del doc["rows"]  # the API omits rows when a channel has too few views
    age = read(ANALYTICS, write_json(tmp_path / "empty.json", doc), WITH_ACCOUNT).audience_age
    assert age is not None and age.is_empty() and age.schema == schema.AUDIENCE_AGE


# --- Studio CSV ---------------------------------------------------------------------------


def test_studio_csv_engagement_metrics(yt: Path) -> None:
    path = yt / "table_data_engagement.csv"
    assert detect(STUDIO, path) == 0.95
    posts = read(STUDIO, path, WITH_ACCOUNT).posts
    assert posts is not None and posts.schema == schema.POSTS
    rows = by_id(posts)
    assert set(rows) == {"Zk3vQ9pL2aE", "-aB3dE5fG7h", "Qw3rTy7uI9o"}  # no Total, id stripped
    j = rows["Zk3vQ9pL2aE"]
    assert (j["views"], j["likes"], j["comments"], j["shares"], j["impressions"]) == (
        12400,
        870,
        53,
        40,
        150000,
    )
    assert j["text"] == "La Joconde dévoilée 🎨 #Louvre #ArtHistory"
    assert j["hashtags"] == ["Louvre", "ArtHistory"]
    assert j["observed_at"] == MTIME and j["kind"] == "video" and j["account_id"] == CHANNEL
    # a day, not an instant: "Aug 14, 2023" is stored at 12:00 in Paris (summer time),
    # "Jan 5, 2024" at 12:00 in winter time, each on its own day in UTC too
    assert j["posted_at"] == datetime(2023, 8, 14, 10, tzinfo=UTC)
    assert rows["-aB3dE5fG7h"]["posted_at"] == datetime(2024, 1, 5, 11, tzinfo=UTC)
    # empty cells are "not available"
    assert rows["-aB3dE5fG7h"]["likes"] is None and rows["-aB3dE5fG7h"]["shares"] is None
    assert rows["Qw3rTy7uI9o"]["comments"] is None
    assert rows["Qw3rTy7uI9o"]["text"] == "Visite guidée, ateliers & goûters"


def test_studio_csv_other_metrics_and_timezone(yt: Path) -> None:
    ctx = ReadContext(timezone="America/Montreal", options={"account": CHANNEL})
    posts = read(STUDIO, yt / "table_data_watchtime.csv", ctx).posts
    assert posts is not None
    rows = by_id(posts)
    assert set(rows) == {"Zk3vQ9pL2aE", "-aB3dE5fG7h"}
    j = rows["Zk3vQ9pL2aE"]
    assert (j["views"], j["impressions"]) == (4100, 60000)  # "4,100" with a separator
    # no Likes / Comments added column: those counts are unknown; Subscribers is ignored
    assert (j["likes"], j["comments"], j["shares"]) == (None, None, None)
    assert j["posted_at"] == datetime(2023, 8, 14, 16, tzinfo=UTC)  # 12:00 in Montreal


def test_studio_csv_says_its_dates_are_days(yt: Path) -> None:
    # the Video publish time is a day: the import's note says where in the day it is put
    batch = read(STUDIO, yt / "table_data_engagement.csv", WITH_ACCOUNT)
    assert batch.notes == [
        "YouTube Studio's Video publish time gives the day only (each of the 3 videos stored "
        "as published at 12:00 local time that day, Europe/Paris)"
    ]
    ctx = ReadContext(timezone="America/Montreal", options={"account": CHANNEL})
    notes = read(STUDIO, yt / "table_data_watchtime.csv", ctx).notes
    assert notes == [
        "YouTube Studio's Video publish time gives the day only (each of the 2 videos stored "
        "as published at 12:00 local time that day, America/Montreal)"
    ]


def test_a_studio_day_is_its_own_day_in_engage_posts(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # h4 met "Dec 15, 2023" shown as 2023-12-14 23:00 (UTC), the day before
    path = shared_data / "real" / "youtube-studio-table-data.csv"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    db = str(tmp_path / "s.duckdb")
    code, _, err = run(["ingest", str(path), "--account", CHANNEL, "--db", db], capsys)
    assert code == 0, err
    assert "Video publish time gives the day only" in err
    code, out, err = run(["posts", "--db", db, "-f", "json", "--top", "200"], capsys)
    assert code == 0, err
    shown = {r["post_id"]: r["posted_at"] for r in json.loads(out)}
    assert shown["M1fTBQ96BRM"].startswith("2023-12-15")  # "Dec 15, 2023"
    assert shown["OrVFdHWj3p4"].startswith("2024-02-02")  # "Feb 2, 2024"


def test_studio_csv_needs_account(yt: Path) -> None:
    path = yt / "table_data_engagement.csv"
    with pytest.raises(FormatError, match=r"account=UC\.\.\.") as err:
        read(STUDIO, path)
    with cli_options(), pytest.raises(FormatError, match=r"--account UC\.\.\."):
        read(STUDIO, path)
    assert str(path) in str(err.value)


def test_studio_zip_export(yt: Path, tmp_path: Path) -> None:
    archive = tmp_path / "Content 2023-08-01_2024-06-30 Musée.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(yt / "table_data_engagement.csv", "Table data.csv")
        zf.writestr("Chart data.csv", "Date,Views\n2024-06-01,120\n")
        zf.writestr("Totals.csv", "Date,Views\n2024-06-01,120\n")
    assert detect(STUDIO, archive) == 0.95
    assert detect(API, archive) == 0.0
    posts = read(STUDIO, archive, WITH_ACCOUNT).posts
    assert posts is not None and posts.height == 3


def test_studio_folder_is_claimed_only_when_bare(yt: Path, tmp_path: Path) -> None:
    folder = tmp_path / "studio"
    folder.mkdir()
    shutil.copy(yt / "table_data_engagement.csv", folder / "Table data.csv")
    (folder / "Totals.csv").write_text("Date,Views\n", encoding="utf-8")
    assert detect(STUDIO, folder) == 0.95
    (folder / "notes.txt").write_text("hello", encoding="utf-8")
    assert detect(STUDIO, folder) == 0.0


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('abcdefghijk,t,"15/12/2023",1,2,3,4,5', "Video publish time"),
        ('abcdefghijk,t,"Dec 15, 2023",many,2,3,4,5', "column 'Views'"),
        ('abcdefghijk,t,"Dec 15, 2023",1,2', "expected 8 columns"),
        (',t,"Dec 15, 2023",1,2,3,4,5', "video id"),
    ],
)
def test_studio_malformed_names_file_and_line(tmp_path: Path, line: str, expected: str) -> None:
    path = tmp_path / "Table data.csv"
    header = "Content,Video title,Video publish time,Views,Likes,Comments added,Shares,Impressions"
    path.write_text(f"{header}\nTotal,,,1,2,3,4,5\n{line}\n", encoding="utf-8")
    with pytest.raises(FormatError, match=expected) as err:
        read(STUDIO, path, WITH_ACCOUNT)
    assert f"{path}, record line 3:" in str(err.value)


def test_studio_real_sample(shared_data: Path) -> None:
    path = shared_data / "real" / "youtube-studio-table-data.csv"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    assert detect(STUDIO, path) == 0.95
    assert detect(API, path) == detect(ANALYTICS, path) == 0.0
    posts = read(STUDIO, path, WITH_ACCOUNT).posts
    assert posts is not None
    assert posts.height == 102  # 104 lines: header and Total row excluded
    assert posts["post_id"].n_unique() == 102
    rows = by_id(posts)
    m = rows["M1fTBQ96BRM"]
    assert (m["views"], m["likes"], m["impressions"]) == (4835, 134, 618)
    assert m["comments"] is None  # no "Comments added" column in this export
    assert m["posted_at"] == datetime(2023, 12, 15, 11, tzinfo=UTC)  # Dec 15, 2023, 12:00 Paris
    assert m["hashtags"] == ["selfimprovement", "motivation"]
    assert "-GhQQTIylYY" in rows  # written " -GhQQTIylYY" in the file


# --- detection on other networks' files ---------------------------------------------------

FOREIGN = {
    "tweets.js": 'window.YTD.tweets.part0 = [{"tweet": {"id_str": "1", "full_text": "hi", '
    '"created_at": "Tue Nov 05 13:24:09 +0000 2024", "favorite_count": "3"}}]',
    "fb_posts.json": '{"data": [{"id": "1_2", "message": "Bonjour", "created_time": '
    '"2026-04-06T17:50:09+0000", "shares": {"count": 3}}], "paging": {"next": "x"}}',
    "ig_media.json": '{"data": [{"id": "17", "caption": "hi", "media_type": "IMAGE", '
    '"timestamp": "2019-04-05T07:56:32+0000", "like_count": 3}]}',
    "ig_demographics.json": '{"data": [{"name": "follower_demographics", "total_value": '
    '{"breakdowns": [{"results": [{"dimension_values": ["18-24"], "value": 30}]}]}}]}',
    "tiktok.json": '{"data": {"videos": [{"id": "7", "create_time": 1700000000, "title": "t", '
    '"view_count": 4}], "cursor": 1, "has_more": false}}',
    "bluesky.json": '{"feed": [{"post": {"uri": "at://did:plc:x/app.bsky.feed.post/3k", '
    '"record": {"text": "hi", "createdAt": "2024-01-01T00:00:00Z"}, "likeCount": 2}}]}',
    "outbox.json": '{"@context": "https://www.w3.org/ns/activitystreams", "type": '
    '"OrderedCollection", "orderedItems": []}',
    "meta_suite.csv": '\ufeff"Post ID","Page ID","Page name",Title,Description,"Publish time",'
    "Views,Reach\n1,2,Louvre,t,d,04/06/2026 17:50,10,5\n",
    "registry.csv": "region_administrative;departement;identifiant_museofile;commune;"
    "nom_officiel_du_musee\nIle-de-France;Paris;M0001;Paris;Louvre\n",
}


@pytest.mark.parametrize("name", sorted(FOREIGN))
@pytest.mark.parametrize("importer", IMPORTERS, ids=lambda i: i.name)
def test_other_networks_files_are_not_claimed(
    tmp_path: Path, name: str, importer: Importer
) -> None:
    path = tmp_path / name
    path.write_text(FOREIGN[name], encoding="utf-8")
    assert detect(importer, path) == 0.0


@pytest.mark.parametrize("importer", IMPORTERS, ids=lambda i: i.name)
def test_real_instagram_file_is_not_claimed(shared_data: Path, importer: Importer) -> None:
    path = shared_data / "real" / "instagram-posts_1.json"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    assert detect(importer, path) == 0.0


def test_each_fixture_is_claimed_by_one_importer_only(yt: Path) -> None:
    expected = {
        "videos_list.json": API,
        "channels_list.json": API,
        "analytics_age_gender.json": ANALYTICS,
        "analytics_age_only.json": ANALYTICS,
        "table_data_engagement.csv": STUDIO,
        "table_data_watchtime.csv": STUDIO,
    }
    for name, owner in expected.items():
        scores = {i.name: detect(i, yt / name) for i in IMPORTERS}
        assert scores[owner.name] >= 0.9, name
        assert all(s == 0.0 for n, s in scores.items() if n != owner.name), (name, scores)


# --- demo writer --------------------------------------------------------------------------


def _demo_account(n: int = 120) -> DemoAccountData:
    start = datetime(2024, 1, 1, 9, tzinfo=UTC)
    export = datetime(2024, 6, 30, tzinfo=UTC)
    texts = [
        f"Atelier n°{i} 🎨\n\nDans les réserves du musée #coulisses #Musée{i} avec @amis_du_musee"
        if i % 3
        else f"Visite express n°{i}"
        for i in range(n)
    ]
    posts = pl.DataFrame(
        {
            "network": ["youtube"] * n,
            "post_id": [f"vid{i:08d}" for i in range(n)],
            "account_id": [CHANNEL] * n,
            "posted_at": [start + timedelta(days=i, minutes=7 * i) for i in range(n)],
            "kind": [
                "live" if i % 10 == 0 else "reel" if i % 4 == 0 else "video" for i in range(n)
            ],
            "is_own": [True] * n,
            "text": texts,
            "language": ["fr"] * n,
            "likes": [None if i % 7 == 0 else 10 * i for i in range(n)],
            "comments": [None if i % 11 == 0 else i for i in range(n)],
            "views": [1000 + 37 * i for i in range(n)],
            "observed_at": [export] * n,
        }
    )
    followers = pl.DataFrame(
        {
            "network": ["youtube"] * 3,
            "account_id": [CHANNEL] * 3,
            "observed_at": [start, start + timedelta(days=60), export],
            "followers": [999, 123_456, 1_234_567],
        }
    )
    age = pl.DataFrame(
        {
            "network": ["youtube"] * 7,
            "account_id": [CHANNEL] * 7,
            "observed_at": [export] * 7,
            "age_band": ["13-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+"],
            "age_min": [13, 18, 25, 35, 45, 55, 65],
            "age_max": [17, 24, 34, 44, 54, 64, None],
            "share": [0.031, 0.2047, 0.3, 0.18, 0.12, 0.09, 0.0743],
            "basis": ["viewers"] * 7,
        }
    )
    from engagecore.textutil import frame

    return DemoAccountData(
        museum_name="Musée des Beaux-Arts de Lyon",
        handle="mbalyon",
        account_id=CHANNEL,
        posts=frame("posts", posts),
        followers=frame("follower_snapshots", followers),
        audience_age=frame("audience_age", age),
        export_date=export,
    )


def test_demo_writer_round_trip(tmp_path: Path) -> None:
    data = _demo_account()
    paths = YouTubeDemoWriter().write(data, tmp_path)
    batches: dict[str, list[Batch]] = {}
    for path in paths:
        scores = {i.name: detect(i, path) for i in IMPORTERS}
        best = max(IMPORTERS, key=lambda i: scores[i.name])
        assert scores[best.name] >= 0.9 and sorted(scores.values())[-2] == 0.0
        batches.setdefault(best.name, []).append(read(best, path))
    (api,) = batches["youtube-data-api"]
    assert len(list(paths[0].glob("videos-*.json"))) == 3  # 50 videos a page

    assert api.posts is not None
    got = api.posts.sort("post_id")
    want = data.posts.sort("post_id")
    assert got["post_id"].to_list() == want["post_id"].to_list()
    for col in ("posted_at", "text", "language", "likes", "comments", "views", "observed_at"):
        assert got[col].to_list() == want[col].to_list(), col
    # YouTube kinds: a live stays live, everything else is a video
    expected_kinds = ["live" if k == "live" else "video" for k in want["kind"]]
    assert got["kind"].to_list() == expected_kinds
    assert got["hashtags"][1].to_list() == ["coulisses", "Musée1"]

    assert api.accounts is not None
    assert api.accounts.row(0)[:4] == (
        "youtube",
        CHANNEL,
        "mbalyon",
        "Musée des Beaux-Arts de Lyon",
    )
    assert api.museum_hints == {CHANNEL: "Musée des Beaux-Arts de Lyon"}
    assert api.follower_snapshots is not None
    snaps = api.follower_snapshots.sort("observed_at")
    assert snaps["observed_at"].to_list() == data.followers["observed_at"].to_list()
    # channels.list cuts subscriberCount to three significant figures
    assert snaps["followers"].to_list() == [999, 123_000, 1_230_000]

    (analytics,) = batches["youtube-analytics"]
    assert analytics.audience_age is not None
    shares = dict(
        zip(analytics.audience_age["age_band"], analytics.audience_age["share"], strict=True)
    )
    simulated = data.audience_age
    assert simulated is not None
    want_shares = dict(zip(simulated["age_band"], simulated["share"], strict=True))
    assert shares == pytest.approx(want_shares, abs=1e-6)
    assert set(analytics.audience_age["observed_at"]) == {data.export_date}


def test_round_subscribers() -> None:
    assert [round_subscribers(n) for n in (0, 999, 1000, 1999, 123_456, 9_876_543)] == [
        0,
        999,
        1000,
        1990,
        123_000,
        9_870_000,
    ]


def test_demo_writer_writes_earlier_readings_as_refresh_responses(tmp_path: Path) -> None:
    """``DemoAccountData.readings`` become one videos.list refresh folder per rank of reading;
    imported with the rest, the store holds every reading of those videos, and each video's
    counts are still the latest ones."""
    import engagecore
    from engagecore.textutil import frame

    data = _demo_account()
    first, second = data.posts["post_id"][3], data.posts["post_id"][4]
    posted = dict(zip(data.posts["post_id"], data.posts["posted_at"], strict=True))
    rows = [  # (post, hours after publication, views, likes, comments)
        (first, 2, 100, 1, 0),
        (first, 30, 400, 10, 2),
        (second, 5, 200, None, 1),
    ]
    data.readings = frame(
        "posts",
        [
            {
                "network": "youtube",
                "post_id": p,
                "observed_at": posted[p] + timedelta(hours=h),
                "views": v,
                "likes": lk,
                "comments": c,
            }
            for p, h, v, lk, c in rows
        ],
    ).select("network", "post_id", "observed_at", *schema.COUNT_COLUMNS)
    paths = YouTubeDemoWriter().write(data, tmp_path)
    refreshes = [p for p in paths if p.name.startswith("refresh-")]
    assert [p.name for p in refreshes] == ["refresh-1", "refresh-2"]
    pages = json.loads((refreshes[0] / "videos.json").read_text(encoding="utf-8"))
    assert [len(page["items"]) for page in pages] == [1, 1]  # one response per time
    with engagecore.open(tmp_path / "store.duckdb") as engine:
        engine.ingest(paths)
        ids = f"('{first}', '{second}')"
        seen = engine.query(
            "SELECT post_id, observed_at, views FROM post_observations "
            f"WHERE post_id IN {ids} ORDER BY post_id, observed_at"
        )
        latest = engine.query(f"SELECT post_id, views FROM posts WHERE post_id IN {ids}")
    final = dict(zip(data.posts["post_id"], data.posts["views"], strict=True))
    assert seen.filter(pl.col("post_id") == first)["views"].to_list() == [100, 400, final[first]]
    assert seen.filter(pl.col("post_id") == second)["views"].to_list() == [200, final[second]]
    assert seen["observed_at"].min() == posted[first] + timedelta(hours=2)
    assert latest["views"].to_list() == [final[p] for p in latest["post_id"]]
