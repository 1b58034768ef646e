"""The Facebook plugin: Graph API responses (posts pages, insights old and new, page objects,
ages), Meta Business Suite CSV exports (Facebook and Instagram, English and French), the
demo writer, detection and malformed input."""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from engage_facebook import NETWORK
from engage_facebook.business_csv import MetaBusinessSuiteCsvImporter
from engage_facebook.demo import FacebookDemoWriter
from engage_facebook.graph import FacebookGraphImporter
from engage_facebook.graph import posts as graph_posts
from engage_facebook.graph.detect import classify
from engage_facebook.graph.large_page import array_span
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engagecore import plugins, schema, testing
from engagecore.errors import FormatError, UsageError
from engagecore.pluginapi import Batch, ReadContext
from engagecore.sources import Source
from engagecore.validate import validate_frame

GRAPH = FacebookGraphImporter()
CSV = MetaBusinessSuiteCsvImporter()
PAGE = "104958162837"


def utc(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, tzinfo=UTC)


@pytest.fixture
def fb(fixtures: Path) -> Path:
    return fixtures / "facebook"


def read(
    importer: FacebookGraphImporter | MetaBusinessSuiteCsvImporter,
    path: Path,
    ctx: ReadContext | None = None,
) -> Batch:
    source = Source.open(path)
    try:
        assert importer.detect(source) >= 0.6, f"{path} not claimed by {importer.name}"
        batch = importer.read(source, ctx or ReadContext())
    finally:
        source.close()
    for table, df in batch.frames().items():
        validate_frame(table, df, plugin="facebook", path=str(path))
        assert df.schema == schema.PRODUCED[table][0]
    return batch


def post(batch: Batch, post_id: str) -> dict[str, Any]:
    assert batch.posts is not None
    rows = batch.posts.filter(pl.col("post_id") == post_id)
    assert rows.height == 1, f"post {post_id}: {rows.height} rows"
    return rows.row(0, named=True)


# --- Graph API --------------------------------------------------------------------------


def test_graph_folder_posts_counts_and_kinds(fb: Path) -> None:
    batch = read(GRAPH, fb / "graph")
    assert batch.posts is not None and batch.posts.height == 6
    first = post(batch, "1209384756120021")
    assert first["account_id"] == PAGE
    assert first["posted_at"] == utc(2026, 4, 6, 17, 50, 9)
    assert first["text"].startswith("Nocturne ce jeudi 🌙 : visite des salles #XIXesiècle")
    assert first["hashtags"] == ["XIXesiècle", "nocturne", "musée"]
    assert first["mentions"] == ["museesdelyon"]
    assert (first["likes"], first["comments"], first["shares"]) == (1240, 37, 42)
    # Embedded old names (post_impressions, post_impressions_unique) and the standalone
    # response's new post_media_view all land; embedded wins for reach.
    assert (first["impressions"], first["reach"], first["views"]) == (20450, 15230, 40210)
    assert first["kind"] == "photo" and first["is_own"] is True
    newer = post(batch, "1207555444333222")
    assert (newer["views"], newer["reach"], newer["impressions"]) == (31000, 18400, None)
    kinds = dict(batch.posts.select("post_id", "kind").iter_rows())
    assert kinds == {
        "1209384756120021": "photo",
        "1209112233445566": "text",
        "1208999888777666": "reel",
        "1208777666555444": "link",
        "1207555444333222": "carousel",
        "1206000111222333": "link",
    }


def test_graph_shares_absent_is_zero_only_when_fetched(fb: Path) -> None:
    batch = read(GRAPH, fb / "graph")
    assert post(batch, "1209112233445566")["shares"] == 0  # absent, reactions fetched
    assert post(batch, "1207555444333222")["shares"] == 0
    bare = read(GRAPH, fb / "graph-extra" / "posts_no_counts.json")
    assert bare.posts is not None
    assert bare.posts["shares"].to_list() == [None, None]
    assert bare.posts["likes"].to_list() == [None, None]
    assert bare.posts["account_id"].unique().to_list() == ["555000111"]


def test_graph_shared_post_of_another_page_is_not_own(fb: Path) -> None:
    batch = read(GRAPH, fb / "graph")
    assert post(batch, "1208777666555444")["is_own"] is False
    assert batch.posts is not None and batch.posts["is_own"].sum() == 5


def test_graph_observed_at_is_export_stamp_else_file_mtime(fb: Path, tmp_path: Path) -> None:
    folder = tmp_path / "graph"
    shutil.copytree(fb / "graph", folder)
    stamp = utc(2026, 4, 7, 6, 30).timestamp()
    os.utime(folder / "posts_page1.json", (stamp, stamp))
    batch = read(GRAPH, folder)
    assert post(batch, "1209384756120021")["observed_at"] == utc(2026, 4, 7, 6, 30)
    assert post(batch, "1207555444333222")["observed_at"] == utc(2026, 4, 8, 9)


def test_graph_followers_page_object_and_daily_insights(fb: Path) -> None:
    batch = read(GRAPH, fb / "graph")
    assert batch.follower_snapshots is not None
    got = dict(batch.follower_snapshots.select("observed_at", "followers").iter_rows())
    assert got == {
        utc(2024, 2, 28, 8): 90010,  # page_fans (old name)
        utc(2024, 2, 29, 8): 90044,
        utc(2025, 11, 14, 8): 97002,  # both names that day: page_follows wins over page_fans
        utc(2025, 11, 16, 8): 97350,  # page_follows (new name)
        utc(2026, 4, 8, 9): 98120,  # page object's followers_count at its stamp
    }


def test_graph_audience_age_summed_over_genders(fb: Path) -> None:
    batch = read(GRAPH, fb / "graph")
    age = batch.audience_age
    assert age is not None and age.height == 7
    assert set(age["basis"]) == {"followers"}
    assert set(age["observed_at"]) == {utc(2024, 3, 1, 8)}
    shares = dict(age.select("age_band", "share").iter_rows())
    assert shares["18-24"] == pytest.approx(0.25)  # F 1500 + M 900 + U 100 of 10,000
    assert shares["25-34"] == pytest.approx(0.5)
    assert sum(shares.values()) == pytest.approx(1.0)
    old = age.filter(pl.col("age_band") == "65+").row(0, named=True)
    assert (old["age_min"], old["age_max"]) == (65, None)


def test_graph_accounts_and_museum_hint(fb: Path) -> None:
    batch = read(GRAPH, fb / "graph")
    assert batch.accounts is not None
    assert batch.accounts.drop("created_at").rows() == [
        ("facebook", PAGE, "mbalyon", "Musée des Beaux-Arts de Lyon")
    ]
    assert batch.museum_hints == {PAGE: "Musée des Beaux-Arts de Lyon"}


def test_graph_page_object_with_posts_edge(fb: Path) -> None:
    batch = read(GRAPH, fb / "graph-extra" / "page_with_posts.json")
    assert batch.posts is not None and batch.posts["post_id"].to_list() == ["777000333"]
    assert batch.posts["observed_at"].to_list() == [utc(2026, 2, 10, 12)]
    assert batch.follower_snapshots is not None
    assert batch.follower_snapshots["followers"].to_list() == [12400]  # "12,400"
    assert batch.museum_hints == {"555000111": "Musée de la Chasse et de la Nature"}


def test_graph_zip_reads_like_the_folder(fb: Path, tmp_path: Path) -> None:
    archive = tmp_path / "graph.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for p in sorted((fb / "graph").iterdir()):
            zf.write(p, f"export/{p.name}")
    from_zip = read(GRAPH, archive)
    from_folder = read(GRAPH, fb / "graph")
    assert from_zip.posts is not None and from_folder.posts is not None
    keep = [c for c in schema.POSTS if c != "observed_at"]
    assert (
        from_zip.posts.select(keep)
        .sort("post_id")
        .equals(from_folder.posts.select(keep).sort("post_id"))
    )
    assert from_zip.audience_age is not None and from_zip.audience_age.height == 7


def test_graph_streamed_large_page_equals_whole_read(
    fb: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = read(GRAPH, fb / "graph")
    monkeypatch.setattr(graph_posts, "STREAM_THRESHOLD", 0)

    def no_whole_read(*args: object) -> None:
        raise AssertionError("a page was read whole instead of streamed")

    monkeypatch.setattr(graph_posts.PostsReader, "_read_pages", no_whole_read)
    streamed = read(GRAPH, fb / "graph")
    assert whole.posts is not None and streamed.posts is not None
    assert streamed.posts.sort("post_id").equals(whole.posts.sort("post_id"))


def test_graph_post_insights_without_posts_is_an_error(fb: Path, tmp_path: Path) -> None:
    lone = tmp_path / "post_insights.json"
    shutil.copy(fb / "graph" / "post_insights.json", lone)
    with pytest.raises(FormatError, match=r"post_insights\.json: post insights without"):
        GRAPH.read(Source.open(lone), ReadContext())


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "posts_bad_time.json",
            r"posts_bad_time\.json, record 1 \(id 104958162837_2\): expected 'created_time' "
            r"like 2026-04-06T17:50:09\+0000, got '06/04/2026 17:50'",
        ),
        (
            "posts_bad_count.json",
            r"posts_bad_count\.json, record 1 \(id 104958162837_2\): .*'reactions': expected "
            r"an integer count, got 'lots'",
        ),
        ("posts_truncated.json", r"posts_truncated\.json: expected a Graph API posts page"),
        (
            "age_bad_key.json",
            r"age_bad_key\.json, record 0 \(page_fans_gender_age\): expected keys like "
            r"'F\.25-34'.*got 'teenagers'",
        ),
    ],
)
def test_graph_malformed_names_file_and_record(fb: Path, name: str, message: str) -> None:
    with pytest.raises(FormatError, match=message) as info:
        GRAPH.read(Source.open(fb / "malformed" / name), ReadContext())
    assert "\n" not in str(info.value)


def test_graph_saved_error_response_says_so(fb: Path) -> None:
    with pytest.raises(FormatError, match=r"Graph API error response \(OAuthException 190"):
        GRAPH.read(Source.open(fb / "graph-extra" / "graph_error.json"), ReadContext())


def test_graph_unknown_member_of_a_folder_is_named(fb: Path, tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    shutil.copytree(fb / "graph", folder)
    (folder / "notes.json").write_text('{"todo": ["relancer la DRAC"]}', encoding="utf-8")
    assert GRAPH.detect(Source.open(folder)) == 0.0
    with pytest.raises(FormatError, match=r"notes\.json: expected a Facebook Graph API"):
        GRAPH.read(Source.open(folder), ReadContext())


def _page_doc(messages: list[str], paging: dict[str, object]) -> dict[str, object]:
    data = [
        {"id": f"{PAGE}_{i}", "message": m, "created_time": "2026-01-02T03:04:05+0000"}
        for i, m in enumerate(messages)
    ]
    return {"data": data, "paging": paging, "engagecore_observed_at": "2026-01-03T00:00:00Z"}


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    messages=st.lists(
        st.text(alphabet=st.sampled_from('ab]["{}\\, é🌙\n'), max_size=12), max_size=4
    ),
    after=st.text(alphabet=st.sampled_from('x]["}'), max_size=8),
)
def test_array_span_finds_exactly_the_data_array(
    tmp_path: Path, messages: list[str], after: str
) -> None:
    doc = _page_doc(messages, {"cursors": {"after": after}, "next": f"https://g/?q={after}"})
    path = tmp_path / "page.json"
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=None), encoding="utf-8")
    span = array_span(path)
    assert span is not None
    raw = path.read_bytes()[span.start : span.end]
    assert json.loads(raw) == doc["data"]
    assert span.meta["paging"] == doc["paging"]
    assert span.meta["engagecore_observed_at"] == "2026-01-03T00:00:00Z"


def test_array_span_far_from_the_end(tmp_path: Path) -> None:
    doc = _page_doc(["[x]"] * 3, {"cursors": {"after": "]" * 9000}})
    doc["summary"] = {"notes": [{"a": "]}"}] * 2000}  # arrays of objects after data, 20 KB
    path = tmp_path / "page.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    span = array_span(path)
    assert span is not None
    assert json.loads(path.read_bytes()[span.start : span.end]) == doc["data"]
    assert span.meta["summary"] == doc["summary"]


def test_array_span_refuses_nested_data(tmp_path: Path) -> None:
    path = tmp_path / "wrapped.json"
    path.write_text(json.dumps({"page": {"data": [1, 2]}, "data": 3}), encoding="utf-8")
    assert array_span(path) is None


# --- Business Suite CSV -------------------------------------------------------------------


def test_csv_english_views_bom_multiline_thousands(fb: Path) -> None:
    batch = read(CSV, fb / "business_suite" / "fb_en_views.csv")
    assert batch.posts is not None and batch.posts.height == 6
    assert set(batch.posts["network"]) == {"facebook"}
    first = post(batch, "1209384756120021")
    assert first["account_id"] == PAGE
    assert first["text"] == (
        "Nocturne ce jeudi 🌙\r\nVisite des salles du « XIXe siècle » avec @museesdelyon.\r\n"
        "#nocturne #musée"
    )
    assert first["hashtags"] == ["nocturne", "musée"] and first["mentions"] == ["museesdelyon"]
    assert (first["likes"], first["comments"], first["shares"]) == (12400, 37, 42)
    assert (first["views"], first["reach"], first["impressions"]) == (40210, 15230, None)
    assert first["kind"] == "photo" and first["is_own"] is True
    shared = post(batch, "1208000000000005")
    assert shared["is_own"] is False and shared["kind"] == "link"
    assert (shared["views"], shared["reach"]) == (None, None)  # empty cells: not available
    assert batch.accounts is not None
    assert batch.accounts.drop("created_at").rows() == [
        ("facebook", PAGE, None, "Musée des Beaux-Arts de Lyon")
    ]
    assert batch.museum_hints == {PAGE: "Musée des Beaux-Arts de Lyon"}
    # The export states no date: counts are as of the newest publish time in it.
    assert set(batch.posts["observed_at"]) == {utc(2026, 4, 6, 17, 50)}


def test_csv_publish_times_across_daylight_saving(fb: Path) -> None:
    batch = read(CSV, fb / "business_suite" / "fb_en_views.csv")
    assert batch.posts is not None
    times = dict(batch.posts.select("post_id", "posted_at").iter_rows())
    assert times["1208000000000001"] == utc(2025, 3, 30, 0, 30)  # 01:30 CET
    assert times["1208000000000002"] == utc(2025, 3, 30, 1, 30)  # 02:30 skipped: as CET
    assert times["1208000000000003"] == utc(2025, 3, 30, 1, 30)  # 03:30 CEST
    assert times["1208000000000004"] == utc(2025, 10, 26, 0, 30)  # 02:30 twice: the first
    assert times["1208000000000005"] == utc(2025, 10, 26, 2, 30)  # 03:30 CET
    assert times["1209384756120021"] == utc(2026, 4, 6, 17, 50)  # 19:50 CEST


def test_csv_timezone_option(fb: Path) -> None:
    ctx = ReadContext(timezone="America/Montreal")
    batch = read(CSV, fb / "business_suite" / "fb_en_views.csv", ctx)
    assert post(batch, "1209384756120021")["posted_at"] == utc(2026, 4, 6, 23, 50)
    with pytest.raises(UsageError, match="unknown timezone 'Europe/Lyon'"):
        CSV.read(
            Source.open(fb / "business_suite" / "fb_en_views.csv"),
            ReadContext(timezone="Europe/Lyon"),
        )


def test_csv_french_headers_impressions_and_spaces(fb: Path) -> None:
    batch = read(CSV, fb / "business_suite" / "fb_fr_impressions.csv")
    assert batch.posts is not None and batch.posts.height == 2
    expo = post(batch, "1207555444333222")
    assert expo["posted_at"] == utc(2025, 11, 20, 16, 5)  # 17:05 CET
    assert (expo["likes"], expo["comments"], expo["shares"]) == (12400, 25, 0)  # "12 400"
    assert (expo["impressions"], expo["reach"], expo["views"]) == (31000, 18400, None)
    assert expo["kind"] == "photo"
    holidays = post(batch, "1206000111222333")
    assert holidays["text"] == "Programme des vacances\n— ateliers enfants\n— visites contées"
    assert holidays["kind"] == "link" and holidays["posted_at"] == utc(2025, 7, 14, 8)
    assert (holidays["impressions"], holidays["reach"]) == (2100, 1650)


def test_csv_instagram_variant_rows_are_instagram(fb: Path) -> None:
    batch = read(CSV, fb / "business_suite" / "ig_en.csv")
    assert batch.posts is not None and set(batch.posts["network"]) == {"instagram"}
    reel = post(batch, "17912345678905678")
    assert reel["kind"] == "reel" and reel["account_id"] == "17841400000000001"
    assert (reel["likes"], reel["comments"], reel["shares"], reel["saves"]) == (2210, 95, 140, 400)
    assert (reel["views"], reel["reach"]) == (52010, 30900)
    assert post(batch, "17912345678901234")["kind"] == "carousel"
    assert batch.accounts is not None
    assert batch.accounts.drop("created_at").rows() == [
        ("instagram", "17841400000000001", "mba_lyon", "Musée des Beaux-Arts de Lyon")
    ]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "bs_bad_count.csv",
            r"bs_bad_count\.csv, record 2 \(post 2\): column 'reactions': expected a count "
            r"like 12,400, got 'beaucoup'",
        ),
        (
            "bs_bad_time.csv",
            r"bs_bad_time\.csv, record 2 \(post 2\): column 'Publish time': expected "
            r"MM/DD/YYYY HH:MM, got 'hier soir'",
        ),
    ],
)
def test_csv_malformed_names_file_and_record(fb: Path, name: str, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        CSV.read(Source.open(fb / "malformed" / name), ReadContext())


def test_csv_without_page_column_names_what_is_missing(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text('"Post ID","Publish time",Reactions\n1,04/06/2026 19:50,3\n', encoding="utf-8")
    with pytest.raises(FormatError, match=r"export\.csv: expected a 'Page ID' column"):
        CSV.read(Source.open(path), ReadContext())


# --- Detection ----------------------------------------------------------------------------

FOREIGN_JSON = {
    "ig_media.json": {
        "data": [
            {
                "id": "1789",
                "caption": "x",
                "media_type": "IMAGE",
                "media_product_type": "FEED",
                "timestamp": "2019-04-05T07:56:32+0000",
                "like_count": 3,
                "comments_count": 1,
            }
        ]
    },
    "ig_user.json": {"id": "1784", "username": "musee", "followers_count": 1200, "media_count": 40},
    "ig_insights.json": {
        "data": [
            {
                "name": "reach",
                "period": "lifetime",
                "values": [{"value": 12}],
                "id": "1789/insights/reach/lifetime",
            }
        ]
    },
    "x_api.json": {
        "data": [
            {
                "id": "1",
                "created_at": "2024-11-05T13:24:09.000Z",
                "text": "hi",
                "public_metrics": {"like_count": 1},
            }
        ],
        "meta": {"next_token": "a"},
    },
    "youtube_videos.json": {
        "kind": "youtube#videoListResponse",
        "items": [{"id": "a", "snippet": {"publishedAt": "2023-08-14T03:10:32Z"}}],
    },
    "mastodon.json": [{"id": "1", "created_at": "2023-02-09T12:37:15.426Z", "content": "<p>x</p>"}],
}


def test_detection_claims_each_real_format(fb: Path) -> None:
    for name in (
        "posts_page1.json",
        "post_insights.json",
        "page_fans_gender_age.json",
        "page_insights_follows.json",
        "page.json",
    ):
        assert GRAPH.detect(Source.open(fb / "graph" / name)) >= 0.9, name
    assert GRAPH.detect(Source.open(fb / "graph")) >= 0.9
    for name in ("fb_en_views.csv", "fb_fr_impressions.csv", "ig_en.csv"):
        assert CSV.detect(Source.open(fb / "business_suite" / name)) >= 0.9, name
        assert GRAPH.detect(Source.open(fb / "business_suite" / name)) == 0.0, name
    for name in ("posts_page1.json", "page.json"):
        assert CSV.detect(Source.open(fb / "graph" / name)) == 0.0


def test_detection_is_zero_on_other_networks_files(tmp_path: Path) -> None:
    for name, doc in FOREIGN_JSON.items():
        path = tmp_path / name
        path.write_text(json.dumps(doc), encoding="utf-8")
        assert GRAPH.detect(Source.open(path)) == 0.0, name
        assert CSV.detect(Source.open(path)) == 0.0, name
    studio = tmp_path / "Table data.csv"
    studio.write_text(
        "Content,Video title,Video publish time,Views\nTotal,,,12\n", encoding="utf-8"
    )
    assert CSV.detect(Source.open(studio)) == 0.0


def test_detection_is_zero_on_the_real_samples(shared_data: Path) -> None:
    for path in sorted(p for p in shared_data.rglob("*") if p.is_file()):
        assert GRAPH.detect(Source.open(path)) == 0.0, path
        assert CSV.detect(Source.open(path)) == 0.0, path


def test_classify_needs_page_or_post_metric_names() -> None:
    found = classify(b'{"data":[{"name":"page_follows","period":"day","values":[]}]}')
    assert found is not None and found.kind == "insights"
    assert classify(b'{"data":[{"name":"reach","period":"day","values":[]}]}') is None
    assert classify(b"[1, 2, 3]") is None


# --- Plugin wiring and demo writer --------------------------------------------------------


def test_plugin_registers_importers_and_demo_writer(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    foreign_file = tmp_path / "notes.txt"
    foreign_file.write_text("Liste de courses : pain, fromage.\n", encoding="utf-8")
    monkeypatch.setenv("ENGAGE_LOAD_PLUGINS", "facebook")
    plugins.reset()
    reg = plugins.registry()
    testing.check_network(NETWORK)
    assert reg.networks["facebook"] is NETWORK
    for name in ("facebook-graph", "meta-business-csv"):
        testing.check_importer(reg.importers[name], foreign_file)
    assert isinstance(reg.demo_writers["facebook"], FacebookDemoWriter)


def test_demo_writer_round_trip(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ENGAGE_LOAD_PLUGINS", "facebook")
    plugins.reset()
    posts = testing.check_demo_roundtrip("facebook", tmp_path)
    data = testing.sample_account("facebook")
    cols = [
        "post_id",
        "account_id",
        "posted_at",
        "kind",
        "is_own",
        "text",
        "hashtags",
        "mentions",
        "likes",
        "comments",
        "shares",
        "views",
        "impressions",
        "reach",
        "observed_at",
    ]
    assert posts.select(cols).sort("post_id").equals(data.posts.select(cols).sort("post_id"))


def test_demo_writer_files_carry_followers_ages_and_paging(tmp_path: Path) -> None:
    data = testing.sample_account("facebook", posts=150)
    data.posts = data.posts.with_columns(
        pl.when(pl.int_range(pl.len()) % 2 == 0)
        .then(0)
        .otherwise(pl.col("shares"))
        .alias("shares"),
        pl.when(pl.int_range(pl.len()) == 3)
        .then(pl.lit("video"))
        .otherwise(pl.col("kind"))
        .alias("kind"),
        (pl.int_range(pl.len()) != 5).alias("is_own"),
    )
    (folder,) = FacebookDemoWriter().write(data, tmp_path)
    assert sorted(p.name for p in folder.iterdir()) == [
        "page.json",
        "page_fans_gender_age.json",
        "page_follows.json",
        "posts_0001.json",
        "posts_0002.json",
    ]
    first = json.loads((folder / "posts_0001.json").read_text(encoding="utf-8"))
    assert "next" in first["paging"] and len(first["data"]) == 100
    assert any("shares" not in p for p in first["data"])  # zero shares are omitted, as Meta does
    batch = read(GRAPH, folder)
    assert batch.posts is not None
    back = batch.posts.sort("post_id")
    want = data.posts.sort("post_id")
    for col in ("shares", "kind", "is_own", "likes", "reach"):
        assert back[col].to_list() == want[col].to_list(), col
    assert batch.follower_snapshots is not None
    assert batch.follower_snapshots["followers"].to_list() == [12345]
    assert batch.audience_age is not None
    age = dict(batch.audience_age.select("age_band", "share").iter_rows())
    assert data.audience_age is not None
    for band, share in data.audience_age.select("age_band", "share").iter_rows():
        assert age[band] == pytest.approx(share, abs=1e-4)
