"""The Instagram plugin: DYI export (every path variant, mojibake, insights in four UI
languages), Graph API responses, the demo writer, detection and malformed input."""

from __future__ import annotations

import os
import shutil
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from engage_instagram import NETWORK
from engage_instagram.demo import InstagramDemoWriter
from engage_instagram.export import InstagramExportImporter
from engage_instagram.graph import InstagramGraphImporter

from engagecore import plugins, schema
from engagecore.errors import FormatError
from engagecore.pluginapi import Batch, DemoAccountData, ReadContext
from engagecore.sources import Source

EXPORT = InstagramExportImporter()
GRAPH = InstagramGraphImporter()
E2025 = "dyi_2025/instagram-museedemo-2024-06-01-AbCdEf"


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def ts(unix: int) -> datetime:
    return datetime.fromtimestamp(unix, tz=UTC)


@pytest.fixture
def ig(fixtures: Path) -> Path:
    return fixtures / "instagram"


def read(
    importer: InstagramExportImporter | InstagramGraphImporter, path: Path, **options: str
) -> Batch:
    source = Source.open(path)
    try:
        assert importer.detect(source) >= 0.85, f"{path} not claimed by {importer.name}"
        batch = importer.read(source, ReadContext(options=dict(options)))
    finally:
        source.close()
    conforms(batch)
    return batch


def conforms(batch: Batch) -> None:
    """Each frame has its table's exact schema and no null where the model forbids it."""
    for table, df in batch.frames().items():
        target, required = schema.PRODUCED[table]
        assert df.schema == target, table
        for col in required:
            assert df[col].null_count() == 0, f"{table}.{col} has nulls"
        assert set(df["network"]) <= {"instagram"}
    if batch.posts is not None:
        assert set(tbl(batch, "posts")["kind"]) <= schema.POST_KINDS
        assert tbl(batch, "posts")["post_id"].is_unique().all()


def tbl(batch: Batch, table: str) -> pl.DataFrame:
    """A frame the batch must have."""
    df = getattr(batch, table)
    assert df is not None, f"no {table} frame"
    return df


def by_id(df: pl.DataFrame) -> dict[str, dict[str, object]]:
    return {r["post_id"]: r for r in df.iter_rows(named=True)}


def zip_folder(folder: Path, target: Path, prefix: str = "") -> Path:
    with zipfile.ZipFile(target, "w") as zf:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                zf.write(p, prefix + p.relative_to(folder).as_posix())
    return target


# -- the real sample ------------------------------------------------------------------------


def test_real_posts_file_reads_four_posts_with_emoji_repaired(shared_data: Path) -> None:
    path = shared_data / "real" / "instagram-posts_1.json"
    assert EXPORT.detect(Source.open(path)) >= 0.9
    assert GRAPH.detect(Source.open(path)) == 0.0
    posts = by_id(tbl(read(EXPORT, path, account="@Musee_Test"), "posts"))
    assert len(posts) == 4
    assert posts["17881210856973858"]["text"] == "Un Taxi 🇨🇴"
    assert posts["18013745996304514"]["text"] == "Happy llama, sad llama, totally rad llama 🇵🇪"
    assert posts["18032017582961826"]["text"] == "Great sem"
    assert posts["18032017582961826"]["kind"] == "photo"
    assert posts["18034864069664523"]["kind"] == "carousel"
    # multi-media post: its own creation_timestamp (1 s after its media's)
    assert posts["17881210856973858"]["posted_at"] == ts(1710165471)
    for p in posts.values():
        assert p["account_id"] == "musee_test"
        assert all(p[c] is None for c in schema.COUNT_COLUMNS)  # no counts: NULL, never 0
        assert p["observed_at"] == ts(1715566876)  # newest timestamp in the file


def test_real_posts_file_without_account_says_to_pass_it(shared_data: Path) -> None:
    path = shared_data / "real" / "instagram-posts_1.json"
    with pytest.raises(
        FormatError, match=r"instagram-posts_1\.json.*names no account.*account=USERNAME"
    ):
        EXPORT.read(Source.open(path), ReadContext())


# -- DYI export, 2025 layout (your_instagram_activity/media/) --------------------------------


def test_2025_export_posts_reels_stories_and_mojibake(ig: Path) -> None:
    batch = read(EXPORT, ig / E2025)
    posts = by_id(tbl(batch, "posts"))
    assert len(posts) == 7  # 3 in posts_1, 1 in posts_2, 1 reel, 1 story, 1 insight-only
    photo = posts["18032017582961826"]
    assert photo["text"] == "Nuit des musées 🌙 au Musée d’Orsay ! #NuitDesMusées @museeorsay"
    assert photo["hashtags"] == ["NuitDesMusées"]
    assert photo["mentions"] == ["museeorsay"]
    assert photo["posted_at"] == ts(1715566876)
    carousel = posts["17881210856973858"]
    assert carousel["kind"] == "carousel"
    assert carousel["text"] == "Coulisses de l'accrochage 🖼️ #jourdefermeture #Coulisses"
    assert carousel["hashtags"] == ["jourdefermeture", "Coulisses"]
    assert posts["17990000000000003"]["kind"] == "video"  # no extension: video_metadata
    assert posts["18034864069664523"]["kind"] == "video"  # .mp4, from posts_2.json
    assert posts["18100000000000001"]["kind"] == "reel"
    assert posts["18200000000000002"]["kind"] == "story"
    assert posts["18200000000000002"]["text"] == "Ce soir : entrée libre ✨"
    assert {p["account_id"] for p in posts.values()} == {"museedemo"}
    assert all(p["is_own"] for p in posts.values())


def test_2025_export_insights_join_on_media_id_and_timestamp(ig: Path) -> None:
    posts = by_id(tbl(read(EXPORT, ig / E2025), "posts"))
    photo = posts["18032017582961826"]  # joined on the thumbnail's media id
    assert (photo["impressions"], photo["reach"], photo["likes"]) == (2000, 1234, 80)
    assert (photo["comments"], photo["saves"]) == (5, 17)
    assert photo["shares"] is None  # "" is not available, not 0
    carousel = posts["17881210856973858"]  # thumbnail of another media: joined on the time
    assert (carousel["impressions"], carousel["reach"], carousel["likes"]) == (12400, 9876, 310)
    reel = posts["18100000000000001"]
    assert (reel["views"], reel["reach"], reel["likes"], reel["shares"]) == (
        61234,
        45000,
        3210,
        512,
    )
    archived = posts["17800000000000009"]  # insight with no post: still a post
    assert archived["text"] == "Archives 📦"
    assert archived["kind"] == "photo"
    assert archived["posted_at"] == ts(1673000000)
    assert (archived["likes"], archived["impressions"], archived["comments"]) == (20, 500, None)
    video = posts["17990000000000003"]  # no insight: counts stay NULL
    assert all(video[c] is None for c in schema.COUNT_COLUMNS)


def test_2025_export_account_audience_and_observed_at(ig: Path) -> None:
    batch = read(EXPORT, ig / E2025)
    assert tbl(batch, "accounts").drop("created_at").to_dicts() == [
        {
            "network": "instagram",
            "account_id": "museedemo",
            "handle": "museedemo",
            "display_name": "Musée Démo d’Art 🎨",
        }
    ]
    assert batch.museum_hints == {"museedemo": "Musée Démo d’Art 🎨"}
    observed = utc(2024, 6, 1)  # the date in Meta's export name, later than any post
    assert set(tbl(batch, "posts")["observed_at"]) == {observed}
    snap = tbl(batch, "follower_snapshots").to_dicts()
    assert snap == [
        {
            "network": "instagram",
            "account_id": "museedemo",
            "observed_at": observed,
            "followers": 12345,
        }
    ]
    ages = tbl(batch, "audience_age").sort("age_min")
    assert ages["age_band"].to_list() == [
        "13-17",
        "18-24",
        "25-34",
        "35-44",
        "45-54",
        "55-64",
        "65+",
    ]
    # the all-genders distribution, not the men's (50 %) nor the women's (35 %)
    assert ages["share"].to_list() == pytest.approx(
        [0.006, 0.411, 0.417, 0.104, 0.036, 0.006, 0.018]
    )
    assert ages.filter(pl.col("age_band") == "65+")["age_max"].to_list() == [None]
    assert ages["age_max"].to_list()[:2] == [17, 24]
    assert set(ages["basis"]) == {"followers"}


def test_2025_export_zip_reads_like_the_folder(ig: Path, tmp_path: Path) -> None:
    folder = read(EXPORT, ig / E2025)
    archive = zip_folder(ig / E2025, tmp_path / "instagram-museedemo-2024-06-01-AbCdEf.zip")
    zipped = read(EXPORT, archive)
    for table in ("accounts", "posts", "follower_snapshots", "audience_age"):
        assert getattr(zipped, table).equals(getattr(folder, table)), table


def test_export_inside_a_top_folder_of_the_zip(ig: Path, tmp_path: Path) -> None:
    archive = zip_folder(ig / "dyi_es", tmp_path / "download.zip", prefix="export/")
    batch = read(EXPORT, archive)
    assert tbl(batch, "posts").height == 2


# -- other UI languages and older layouts -----------------------------------------------------


def test_french_export_locale_numbers_and_the_net_followers_trap(ig: Path) -> None:
    batch = read(EXPORT, ig / "dyi_2023_fr", account="chateau_demo")
    posts = by_id(tbl(batch, "posts"))
    first = posts["17900000000000011"]
    assert first["text"] == "L’été au château — « Les Nymphéas » 🌸 #MuséeDeFrance #art"
    assert first["hashtags"] == ["MuséeDeFrance", "art"]
    # "1\u202f234" (narrow no-break space), "1 000"; labels "Comptes touchés", "J’aime"
    assert (first["impressions"], first["reach"], first["likes"]) == (1234, 1000, 56)
    assert (first["comments"], first["shares"], first["saves"]) == (7, 3, 9)
    second = posts["17900000000000012"]
    assert second["mentions"] == ["atelier.restauration"]
    assert (second["impressions"], second["likes"], second["views"]) == (2500, 1050, 3400)
    # "Followers" is the total; "Total des followers" (9,795) is the period's net change
    assert tbl(batch, "follower_snapshots")["followers"].to_list() == [102497]
    ages = tbl(batch, "audience_age").sort("age_min")
    assert ages["share"].to_list() == pytest.approx(
        [0.015, 0.223, 0.351, 0.204, 0.112, 0.06, 0.035]
    )
    assert tbl(batch, "accounts")["account_id"].to_list() == ["chateau_demo"]
    assert batch.museum_hints == {}
    # no date in the folder's name: the newest creation time of the export
    assert set(tbl(batch, "posts")["observed_at"]) == {ts(1686000000)}


def test_french_export_without_account_fails_naming_the_export(ig: Path) -> None:
    with pytest.raises(FormatError, match=r"dyi_2023_fr.*account=USERNAME"):
        EXPORT.read(Source.open(ig / "dyi_2023_fr"), ReadContext())


def test_german_export_content_folder_and_old_personal_information(ig: Path) -> None:
    batch = read(EXPORT, ig / "dyi_2022_de")
    assert tbl(batch, "accounts")["account_id"].to_list() == ["kunstmuseum_demo"]
    assert batch.museum_hints == {"kunstmuseum_demo": "Kunstmuseum Münster-Demo"}
    posts = by_id(tbl(batch, "posts"))
    spring = posts["17850000000000021"]
    assert spring["text"] == "Frühlingsausstellung 🌷 #Kunst #Museum"
    assert (spring["impressions"], spring["reach"], spring["likes"]) == (1234, 1001, 77)
    assert (spring["shares"], spring["saves"], spring["comments"]) == (2, 11, 6)
    carousel = posts["17850000000000022"]
    assert carousel["kind"] == "carousel"
    assert carousel["text"] == "Größte Schätze 💎"
    assert (carousel["likes"], carousel["impressions"]) == (1020, 10500)
    assert batch.follower_snapshots is None  # no audience file: no snapshot, not 0


def test_spanish_export_as_zip(ig: Path, tmp_path: Path) -> None:
    batch = read(EXPORT, zip_folder(ig / "dyi_es", tmp_path / "es.zip"))
    posts = by_id(tbl(batch, "posts"))
    photo = posts["17700000000000031"]
    assert photo["text"] == "¡Noche en el museo! 🦖 #MuseoDeCiencias"
    assert (photo["impressions"], photo["reach"], photo["likes"]) == (3456, 2345, 123)
    assert (photo["comments"], photo["shares"], photo["saves"]) == (9, 5, 14)
    reel = posts["17700000000000032"]
    assert (reel["kind"], reel["views"], reel["reach"], reel["likes"]) == (
        "reel",
        25500,
        20000,
        1500,
    )
    assert tbl(batch, "follower_snapshots")["followers"].to_list() == [4321]
    assert tbl(batch, "audience_age")["share"].sum() == pytest.approx(1.0)
    assert tbl(batch, "accounts")["display_name"].to_list() == ["Museo de Ciencias Naturales"]


def test_unknown_language_takes_the_age_distribution_naming_no_gender(ig: Path) -> None:
    batch = read(EXPORT, ig / "audience_it" / "audience_insights.json", account="museo")
    ages = tbl(batch, "audience_age").sort("age_min")
    assert ages["share"].to_list() == pytest.approx([0.25, 0.5, 0.25])
    assert tbl(batch, "follower_snapshots")["followers"].to_list() == [2000]


def test_legacy_media_json_groups_carousels(ig: Path) -> None:
    # profile.json names the account: another --account is refused, the same one accepted
    with pytest.raises(FormatError, match=r"of account @museeautrefois.*not account=other"):
        read(EXPORT, ig / "media_2019", account="other")
    batch = read(EXPORT, ig / "media_2019", account="@MuseeAutrefois")
    assert tbl(batch, "accounts")["account_id"].to_list() == ["museeautrefois"]
    assert batch.museum_hints == {"museeautrefois": "Musée d’Autrefois"}  # plain UTF-8 kept
    posts = by_id(tbl(batch, "posts"))
    assert len(posts) == 4  # 3 photos (2 of one carousel), 1 video, 1 story; profile ignored
    assert posts["a1b2c3d4e5f6"]["text"] == "Vernissage 🥂 #expo"  # no trailing number: stem
    assert posts["a1b2c3d4e5f6"]["posted_at"] == utc(2019, 4, 5, 7, 56, 32)
    assert posts["17840000000000041"]["kind"] == "carousel"
    video = posts["17840000000000043"]
    assert video["kind"] == "video"
    assert video["text"] is None
    assert video["posted_at"] == utc(2019, 6, 1, 10)  # naive time taken in Europe/Paris
    assert posts["17840000000000044"]["kind"] == "story"


@pytest.mark.parametrize(
    ("member", "count", "kind"),
    [
        ("your_instagram_activity/media/reels.json", 1, "reel"),
        ("your_instagram_activity/media/stories.json", 1, "story"),
        ("your_instagram_activity/media/posts_2.json", 1, "video"),
        ("logged_information/past_instagram_insights/posts.json", 3, None),
    ],
)
def test_single_export_files_import_on_their_own(
    ig: Path, member: str, count: int, kind: str | None
) -> None:
    batch = read(EXPORT, ig / E2025 / member, account="museedemo")
    assert tbl(batch, "posts").height == count
    if kind is not None:
        assert tbl(batch, "posts")["kind"].to_list() == [kind]
    else:  # insights alone: posts with counts, from the thumbnails
        assert tbl(batch, "posts")["likes"].to_list() == [20, 310, 80]


# -- malformed input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "pattern"),
    [
        ("bad/posts_1_no_uri.json", r"posts_1_no_uri\.json, record 1: media 0: expected a 'uri'"),
        (
            "bad/posts_1_bad_timestamp.json",
            r"posts_1_bad_timestamp\.json, record 0: media 0 creation_timestamp: expected unix "
            r"seconds, got 'hier'",
        ),
        (
            "bad/insights_bad_count",
            r"past_instagram_insights/posts\.json, record 1: 'Likes': expected a count, got "
            r"'beaucoup'",
        ),
        ("bad/posts_1_truncated.json", r"posts_1_truncated\.json: not valid JSON"),
    ],
)
def test_malformed_export_files_name_file_and_record(ig: Path, path: str, pattern: str) -> None:
    with pytest.raises(FormatError, match=pattern):
        EXPORT.read(Source.open(ig / path), ReadContext(options={"account": "x"}))


def test_html_export_is_claimed_and_refused_with_advice(ig: Path) -> None:
    source = Source.open(ig / "html_export")
    assert EXPORT.detect(source) >= 0.9
    with pytest.raises(FormatError, match=r"HTML.*JSON format"):
        EXPORT.read(source, ReadContext())


def test_two_exports_side_by_side_are_left_to_import_one_by_one(ig: Path, tmp_path: Path) -> None:
    shutil.copytree(ig / "dyi_es", tmp_path / "a")
    shutil.copytree(ig / "dyi_2022_de", tmp_path / "b")
    source = Source.open(tmp_path)
    assert EXPORT.detect(source) == 0.0
    with pytest.raises(FormatError, match="several Instagram exports"):
        EXPORT.read(source, ReadContext())


def test_a_folder_holding_an_export_is_left_for_the_export_itself(ig: Path) -> None:
    parent = Source.open(ig / "dyi_2025")  # the export is the folder inside
    assert EXPORT.detect(parent) == 0.0
    assert EXPORT.detect(Source.open(ig / E2025)) >= 0.9


# -- Graph API ---------------------------------------------------------------------------------


def test_graph_media_with_inline_insights_both_forms(ig: Path) -> None:
    batch = read(GRAPH, ig / "graph" / "media_with_insights.json")
    posts = by_id(tbl(batch, "posts"))
    feed = posts["17900000000000101"]
    assert feed["kind"] == "photo"
    assert feed["url"] == "https://www.instagram.com/p/C7AbCdEfGh/"
    assert feed["posted_at"] == utc(2024, 5, 18, 19, 30)
    assert feed["hashtags"] == ["NuitDesMusées"]
    assert (feed["likes"], feed["comments"], feed["reach"]) == (120, 8, 1500)
    assert (feed["saves"], feed["shares"], feed["views"]) == (30, 6, 2100)  # saved → saves
    reel = posts["17900000000000102"]  # total_value form; old "plays" → views
    assert (reel["kind"], reel["text"], reel["reach"], reel["views"], reel["saves"]) == (
        "reel",
        None,
        20000,
        31000,
        250,
    )
    carousel = posts["17900000000000103"]
    assert carousel["kind"] == "carousel"
    assert (carousel["likes"], carousel["comments"], carousel["reach"]) == (0, 0, None)
    story = posts["17900000000000104"]
    assert (story["kind"], story["impressions"], story["likes"]) == ("story", 800, None)
    assert posts["17900000000000105"]["kind"] == "video"  # AD: by its media type
    assert set(tbl(batch, "posts")["observed_at"]) == {utc(2024, 6, 2, 10)}
    assert tbl(batch, "accounts")["account_id"].to_list() == ["museedemo"]


def test_graph_folder_joins_standalone_insights_user_and_demographics(
    ig: Path, tmp_path: Path
) -> None:
    folder = shutil.copytree(ig / "graph_folder", tmp_path / "graph")
    fetched = datetime(2024, 6, 3, 8, 0, tzinfo=UTC).timestamp()
    for p in folder.iterdir():
        os.utime(p, (fetched, fetched))
    batch = read(GRAPH, folder)
    posts = by_id(tbl(batch, "posts"))
    photo = posts["17900000000000201"]
    assert photo["account_id"] == "museedemo"  # owner.id → the user object's username
    assert (photo["likes"], photo["comments"]) == (1234, 56)  # like_count wins over insights
    assert (photo["reach"], photo["impressions"], photo["saves"]) == (5000, 7000, 77)
    reel = posts["17900000000000202"]
    assert (reel["kind"], reel["views"], reel["shares"]) == ("reel", 4242, 21)
    # counts observed when the last file that holds them was written (insights: mtime)
    assert photo["observed_at"] == utc(2024, 6, 3, 8)
    assert tbl(batch, "accounts").drop("created_at").to_dicts() == [
        {
            "network": "instagram",
            "account_id": "museedemo",
            "handle": "museedemo",
            "display_name": "Musée Démo",
        }
    ]
    assert batch.museum_hints == {"museedemo": "Musée Démo"}
    assert tbl(batch, "follower_snapshots").to_dicts() == [
        {
            "network": "instagram",
            "account_id": "museedemo",
            "observed_at": utc(2024, 6, 1),
            "followers": 12345,
        }
    ]
    ages = tbl(batch, "audience_age").sort("age_min")
    assert ages["age_band"].to_list() == ["18-24", "25-34", "35-44", "65+"]
    assert ages["share"].to_list() == pytest.approx([0.3, 0.5, 0.15, 0.05])
    assert ages["age_max"].to_list() == [24, 34, 44, None]
    assert set(ages["account_id"]) == {"museedemo"}


def test_graph_folder_as_zip(ig: Path, tmp_path: Path) -> None:
    batch = read(GRAPH, zip_folder(ig / "graph_folder", tmp_path / "graph.zip"))
    assert tbl(batch, "posts").height == 2
    assert tbl(batch, "audience_age").height == 4


def test_graph_business_discovery_reads_a_public_account(ig: Path) -> None:
    batch = read(GRAPH, ig / "graph" / "business_discovery.json")
    assert tbl(batch, "posts")["account_id"].unique().to_list() == ["autremusee"]
    assert tbl(batch, "posts")["likes"].to_list() == [400, 300]
    assert tbl(batch, "follower_snapshots")["followers"].to_list() == [54321]
    assert batch.museum_hints == {"autremusee": "L'Autre Musée"}


def test_graph_demographics_by_age_and_gender_sum_over_gender(ig: Path) -> None:
    path = ig / "graph" / "demographics_age_gender.json"
    named = read(GRAPH, path, account="museedemo")
    assert tbl(named, "audience_age")["account_id"].unique().to_list() == ["museedemo"]
    assert tbl(named, "audience_age").sort("age_min")["share"].to_list() == pytest.approx(
        [0.4, 0.6]
    )
    unnamed = read(GRAPH, path)  # no username anywhere: the Instagram user id
    assert tbl(unnamed, "audience_age")["account_id"].unique().to_list() == ["17841400000000001"]


def test_graph_insights_without_their_media_fail_naming_the_media(ig: Path) -> None:
    with pytest.raises(FormatError, match=r"insights_alone\.json.*17900000000000999.*media list"):
        GRAPH.read(Source.open(ig / "graph" / "insights_alone.json"), ReadContext())


def test_graph_malformed_timestamp_names_file_and_media(ig: Path) -> None:
    with pytest.raises(
        FormatError, match=r"bad_media_no_timestamp\.json, record 17900000000000402: timestamp"
    ):
        GRAPH.read(Source.open(ig / "graph" / "bad_media_no_timestamp.json"), ReadContext())


def test_graph_media_without_any_account_needs_the_option(ig: Path) -> None:
    path = ig / "graph" / "media_no_account.json"
    with pytest.raises(FormatError, match=r"account=USERNAME"):
        GRAPH.read(Source.open(path), ReadContext())
    batch = read(GRAPH, path, account="museedemo")
    assert tbl(batch, "posts")["account_id"].to_list() == ["museedemo"]
    assert tbl(batch, "accounts")["handle"].to_list() == ["museedemo"]


# -- detection ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "tweets.js",
        "your_posts_1.json",
        "facebook_page_posts.json",
        "facebook_post_insights.json",
        "facebook_page.json",
        "mastodon_outbox.json",
        "tiktok_user_data.json",
        "youtube_videos_list.json",
        "bluesky_feed.json",
        "facebook_dyi",
    ],
)
def test_other_networks_files_are_not_claimed(ig: Path, name: str) -> None:
    source = Source.open(ig / "foreign" / name)
    assert EXPORT.detect(source) == 0.0
    assert GRAPH.detect(source) == 0.0


def test_real_youtube_csv_and_registry_are_not_claimed(shared_data: Path) -> None:
    for path in (
        shared_data / "real" / "youtube-studio-table-data.csv",
        shared_data / "registry" / "liste-et-localisation-des-musees-de-france.csv",
    ):
        source = Source.open(path)
        assert EXPORT.detect(source) == 0.0
        assert GRAPH.detect(source) == 0.0


def test_each_importer_leaves_the_other_ones_files(ig: Path) -> None:
    for dyi in (E2025, "dyi_2023_fr", "dyi_2022_de", "media_2019"):
        assert GRAPH.detect(Source.open(ig / dyi)) == 0.0
    for graph in ("graph_folder", "graph/media_with_insights.json", "graph/insights_alone.json"):
        assert EXPORT.detect(Source.open(ig / graph)) == 0.0


def test_plugin_registers_network_importers_and_demo_writer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ENGAGE_LOAD_PLUGINS", "instagram")  # only this plugin, as installed
    plugins.reset()
    reg = plugins.registry()
    assert reg.networks["instagram"] == NETWORK
    assert reg.importers["instagram-export"].network == "instagram"
    assert reg.importers["instagram-graph"].network == "instagram"
    assert isinstance(reg.demo_writers["instagram"], InstagramDemoWriter)


# -- demo writer -------------------------------------------------------------------------------


def _demo(post_ids: list[str]) -> DemoAccountData:
    kinds = ["photo", "video", "carousel", "reel", "story"]
    posts = pl.DataFrame(
        {
            "network": "instagram",
            "post_id": post_ids,
            "account_id": "museedemo",
            "posted_at": [utc(2024, 5, d, 10, 30, 15) for d in range(1, 6)],
            "kind": kinds,
            "is_own": True,
            "text": ["Musée d’Orsay 🎨 #art", "Vidéo «coulisses»", "Trois œuvres", "Réel ⏱️", None],
            "likes": [1234, 5, 0, 3210, None],
            "comments": [12, None, 0, 88, None],
            "shares": [None, 1, 2, 512, None],
            "saves": [40, None, None, 900, None],
            "views": [None, 2000, None, 61234, 150],
            "impressions": [12400, None, 300, None, None],
            "reach": [9876, 1500, 200, 45000, 120],
        },
    )
    followers = pl.DataFrame(
        {
            "network": "instagram",
            "account_id": "museedemo",
            "observed_at": [utc(2024, 1, 1), utc(2024, 6, 1)],
            "followers": [11000, 12345],
        },
    )
    ages = pl.DataFrame(
        {
            "network": "instagram",
            "account_id": "museedemo",
            "observed_at": utc(2024, 6, 1),
            "age_band": ["13-17", "18-24", "25-34", "35-64", "65+"],
            "age_min": [13, 18, 25, 35, 65],
            "age_max": [17, 24, 34, 64, None],
            "share": [0.012, 0.3, 0.4, 0.27, 0.018],
            "basis": "followers",
        },
    )
    return DemoAccountData(
        museum_name="Musée Démo d’Art",
        handle="museedemo",
        account_id="museedemo",
        posts=posts,
        followers=followers,
        audience_age=ages,
        export_date=utc(2024, 6, 2, 9),
    )


def test_demo_writer_round_trips_through_the_importer(tmp_path: Path) -> None:
    ids = [
        "18000000000000001",
        "18000000000000002",
        "18000000000000003",
        "18000000000000004",
        "18000000000000005",
    ]
    data = _demo(ids)
    [path] = InstagramDemoWriter().write(data, tmp_path)
    raw = (path / "your_instagram_activity" / "media" / "posts_1.json").read_text("utf-8")
    assert "Mus\\u00c3\\u00a9e" in raw  # written with Meta's mojibake
    batch = read(EXPORT, path)
    got = tbl(batch, "posts").sort("post_id")
    want = data.posts.sort("post_id")
    assert got["post_id"].to_list() == ids
    assert got["kind"].to_list() == want["kind"].to_list()
    assert got["text"].to_list() == want["text"].to_list()
    assert got["posted_at"].to_list() == [t.replace(microsecond=0) for t in want["posted_at"]]
    for col in ("likes", "comments", "shares", "saves", "views", "impressions", "reach"):
        assert got[col].to_list() == want[col].to_list(), col
    assert batch.museum_hints == {"museedemo": "Musée Démo d’Art"}
    assert tbl(batch, "follower_snapshots")["followers"].to_list() == [12345]
    ages = tbl(batch, "audience_age").sort("age_min")
    assert ages["age_band"].to_list() == ["13-17", "18-24", "25-34", "35-64", "65+"]
    assert ages["share"].to_list() == pytest.approx([0.012, 0.3, 0.4, 0.27, 0.018], abs=5e-4)
    assert set(got["observed_at"]) == {utc(2024, 6, 2)}  # the export date in the folder name


def test_demo_writer_maps_other_ids_to_stable_media_numbers(tmp_path: Path) -> None:
    data = _demo([f"demo-{i}" for i in range(5)])
    data.audience_age = None
    first = read(EXPORT, InstagramDemoWriter().write(data, tmp_path / "a")[0])
    second = read(EXPORT, InstagramDemoWriter().write(data, tmp_path / "b")[0])
    assert tbl(first, "posts")["post_id"].to_list() == tbl(second, "posts")["post_id"].to_list()
    assert all(p.isdigit() for p in tbl(first, "posts")["post_id"])
    assert first.audience_age is None
    assert tbl(first, "follower_snapshots")["followers"].to_list() == [12345]
