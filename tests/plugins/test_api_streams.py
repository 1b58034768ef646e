"""Saved API responses read item by item (issue 15.5: peak memory ≤ 3× the largest file):
a large response gives the batch its whole read gives, without being parsed whole, and a
file cut short is refused naming the file and the item it ends in."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from engagecore import jsonstream, rows
from engagecore.errors import FormatError
from engagecore.pluginapi import Importer, ReadContext
from engagecore.sources import Source

MTIME = datetime(2024, 6, 30, 12, 0, tzinfo=UTC)


def fixture(fixtures: Path, *parts: str) -> Any:
    return json.loads((fixtures / Path(*parts)).read_text("utf-8"))


def write(path: Path, doc: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    os.utime(path, (MTIME.timestamp(), MTIME.timestamp()))
    return path


def frames(importer: Importer, path: Path, **options: Any) -> dict[str, pl.DataFrame]:
    source = Source.open(path)
    try:
        batch = importer.read(source, ReadContext(options=options))
    finally:
        source.close()
    out = batch.frames()
    out["hints"] = pl.DataFrame(sorted(batch.museum_hints.items()), orient="row")
    return out


@pytest.fixture
def streamed(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Any], None]]:
    """``streamed(module)``: every file of ``module`` streamed, 7 bytes a read (inside
    strings, numbers and the UTF-8 of accents and emoji), rows kept in frames of 2, and
    nothing parsed whole."""

    def whole(self: Source, name: str) -> Any:
        raise AssertionError(f"{name} parsed whole")

    def go(module: Any) -> None:
        monkeypatch.setattr(module, "STREAM_OVER", 0)
        monkeypatch.setattr(jsonstream, "_READ_SIZE", 7)
        monkeypatch.setattr(rows, "CHUNK", 2)
        monkeypatch.setattr(Source, "read_json", whole)
        monkeypatch.setattr(Source, "read_text", whole)
        monkeypatch.setattr(Source, "read_bytes", whole)

    yield go


def assert_same(whole: dict[str, pl.DataFrame], got: dict[str, pl.DataFrame]) -> None:
    assert whole.keys() == got.keys()
    for name, df in whole.items():
        assert got[name].equals(df), (name, df, got[name])


def assert_cut_refused(
    importer: Importer, path: Path, at: str, record: str, **options: Any
) -> None:
    """The file cut just after ``at`` (the last occurrence) is refused in one line naming
    the file and ``record``."""
    text = path.read_text("utf-8")
    path.write_text(text[: text.rindex(at) + len(at)], encoding="utf-8")
    with pytest.raises(FormatError) as err:
        frames(importer, path, **options)
    message = str(err.value)
    assert str(path) in message and record in message and "\n" not in message, message


# -- TikTok API ----------------------------------------------------------------------------


def _tiktok_pages(fixtures: Path) -> list[Any]:
    page = fixture(fixtures, "tiktok", "api", "video_list_page1.json")
    videos = page["data"]["videos"]
    pages = []
    for p in range(3):
        batch = []
        for i in range(5):
            v = dict(videos[i % 2])
            vid = str(7567452112981069079 - p * 3 - i)  # pages overlap: the later wins
            v.update(id=vid, create_time=1761931150 - 60 * (p * 3 + i), like_count=p * 100 + i)
            v["share_url"] = f"https://www.tiktok.com/@museedemo/video/{vid}"
            batch.append(v)
        pages.append({**page, "data": {**page["data"], "videos": batch}})
    return pages


def test_tiktok_api_a_large_response_is_read_video_by_video(
    fixtures: Path, tmp_path: Path, streamed: Callable[[Any], None]
) -> None:
    from engage_tiktok import api
    from engage_tiktok.api import TikTokApiImporter

    pages = _tiktok_pages(fixtures)
    one = write(tmp_path / "one" / "videos.json", pages[0])
    many = write(tmp_path / "many" / "pages.json", pages)
    user = fixture(fixtures, "tiktok", "api", "user_info.json")
    write(tmp_path / "many" / "user.json", user)
    importer = TikTokApiImporter()
    whole = {p: frames(importer, p) for p in (one, many.parent)}
    posts = whole[many.parent]["posts"]
    assert posts.height == 11  # 15 videos, 4 seen twice: the later page's counts kept
    assert posts.filter(pl.col("post_id") == "7567452112981069076")["likes"].item() == 100
    streamed(api)
    for path, expected in whole.items():
        assert_same(expected, frames(importer, path))


def test_tiktok_api_a_streamed_response_cut_short_or_an_error_is_refused(
    fixtures: Path, tmp_path: Path, streamed: Callable[[Any], None]
) -> None:
    from engage_tiktok import api
    from engage_tiktok.api import TikTokApiImporter

    streamed(api)
    path = write(tmp_path / "pages.json", _tiktok_pages(fixtures))
    assert_cut_refused(TikTokApiImporter(), path, '"like_count": 201', "record [2].data.videos[1]")
    bad = _tiktok_pages(fixtures)[0]
    bad["error"] = {"code": "access_token_invalid", "message": "expired", "log_id": "x"}
    write(path, bad)
    with pytest.raises(FormatError, match="access_token_invalid: expired"):
        frames(TikTokApiImporter(), path)


# -- TikTok "Download your data" -----------------------------------------------------------


def _tiktok_export(fixtures: Path) -> dict[str, Any]:
    doc = fixture(fixtures, "tiktok", "export", "user_data_tiktok.json")
    first = doc["Post"]["Posts"]["VideoList"][0]
    doc["Activity"]["Video Browsing History"] = {
        "VideoList": [{"Date": "2025-01-01 10:00:00", "Link": "https://x/video/1/"}] * 4
    }
    videos = []
    for i in range(9):
        vid = 7567452112981069079 - i % 7  # two videos twice: the later kept
        videos.append(
            {
                **first,
                "Date": f"2025-0{1 + i % 5}-1{i} 12:00:00",
                "Link": f"https://www.tiktokv.com/share/video/{vid}/",
                "Likes": str(i),
            }
        )
    doc["Post"]["Posts"]["VideoList"] = videos
    return doc


def test_tiktok_export_a_large_export_is_read_video_by_video(
    fixtures: Path, tmp_path: Path, streamed: Callable[[Any], None]
) -> None:
    from engage_tiktok import export
    from engage_tiktok.export import TikTokExportImporter

    path = write(tmp_path / "user_data_tiktok.json", _tiktok_export(fixtures))
    old = fixture(fixtures, "tiktok", "export_2022", "user_data.json")
    older = write(tmp_path / "old" / "user_data.json", old)  # videos under Video.Videos
    importer = TikTokExportImporter()
    whole = {p: frames(importer, p) for p in (path, older)}
    assert whole[path]["posts"].height == 7
    streamed(export)
    for p, expected in whole.items():
        assert_same(expected, frames(importer, p))
    assert_cut_refused(importer, path, '"Likes": "7"', "record Post.Posts.VideoList[7]")


# -- Bluesky getAuthorFeed -----------------------------------------------------------------


def test_bluesky_feed_large_pages_are_read_item_by_item(
    fixtures: Path, tmp_path: Path, streamed: Callable[[Any], None]
) -> None:
    from engage_bluesky import feed
    from engage_bluesky.feed import BlueskyFeedImporter

    one = fixture(fixtures, "bluesky", "feed", "page-0001.json")
    two = fixture(fixtures, "bluesky", "feed", "page-0002.json")
    # the observation time after the feed (read again with it), pages in an array, the
    # same posts observed twice (the newer observation kept), a page without a time
    late = {"feed": one["feed"], "cursor": "c", "engagecore_observed_at": "2025-07-01T00:00:00Z"}
    write(tmp_path / "folder" / "a.json", [late, two])
    write(tmp_path / "folder" / "b.json", one)
    single = write(tmp_path / "single.json", late)
    importer = BlueskyFeedImporter()
    whole = {p: frames(importer, p) for p in (tmp_path / "folder", single)}
    posts = whole[tmp_path / "folder"]["posts"]
    assert posts.height and posts["observed_at"].max() == datetime(2025, 7, 1, tzinfo=UTC)
    streamed(feed)
    for p, expected in whole.items():
        assert_same(expected, frames(importer, p))
    assert_cut_refused(importer, single, '"likeCount": ', "record feed[3]")


# -- Threads API ---------------------------------------------------------------------------


def test_threads_large_responses_are_read_item_by_item(
    fixtures: Path, tmp_path: Path, streamed: Callable[[Any], None]
) -> None:
    import shutil

    from engage_threads import api
    from engage_threads.api import ThreadsApiImporter

    folder = tmp_path / "fetch"
    shutil.copytree(fixtures / "threads" / "fetch", folder)
    page = json.loads((folder / "threads-page-1.json").read_text("utf-8"))
    for post in page["data"]:  # no username: named by the profile of their owner's id
        post.pop("username", None)
        post["owner"] = {"id": "17841401234567890"}
    page["data"].append(dict(page["data"][0], text="the same post again: the first is kept"))
    page["engagecore_observed_at"] = "2024-11-08T09:00:00Z"  # after the data: read again
    write(folder / "threads-page-1.json", page)
    insights = folder / "insights" / "18050000000000001.json"
    doc = json.loads(insights.read_text("utf-8"))
    for metric in doc["data"]:
        metric.pop("id")
    doc["engagecore_media_id"] = "18050000000000001"  # after the data too
    write(insights, doc)
    pages = write(tmp_path / "pages.json", fixture(fixtures, "threads", "threads-pages.json"))
    importer = ThreadsApiImporter()
    whole = {p: frames(importer, p) for p in (folder, pages)}
    posts = whole[folder]["posts"]
    assert posts.filter(pl.col("post_id") == "18050000000000001")["views"].item() == 5230
    assert "the first is kept" not in str(posts["text"].to_list())
    streamed(api)
    for p, expected in whole.items():
        assert_same(expected, frames(importer, p))
    assert_cut_refused(importer, pages, '"timestamp": ', "record [1].data[")


# -- X API v2 ------------------------------------------------------------------------------


def test_x_api_a_large_tweets_page_is_read_item_by_item(
    fixtures: Path, tmp_path: Path, streamed: Callable[[Any], None]
) -> None:
    from engage_x import api
    from engage_x.api import XApiImporter

    page = fixture(fixtures, "x", "api", "tweets-page.json")
    tweets = []
    for i in range(11):  # its includes after its data, as X writes them
        t = dict(page["data"][i % len(page["data"])])
        t["id"] = str(1853800000000000001 - i)
        tweets.append(t)
    page["data"] = tweets
    page["engagecore_observed_at"] = "2024-11-06T10:00:00Z"
    big = write(tmp_path / "tweets.json", page)
    user = write(tmp_path / "user.json", fixture(fixtures, "x", "api", "user.json"))
    empty = write(tmp_path / "empty.json", fixture(fixtures, "x", "api", "empty-page.json"))
    importer = XApiImporter()
    whole = {p: frames(importer, p) for p in (big, user, empty)}
    assert whole[big]["posts"].height == 11
    streamed(api)
    monkeypatch_chunk = pytest.MonkeyPatch()
    monkeypatch_chunk.setattr(api, "_CHUNK", 2)
    try:
        for p, expected in whole.items():
            assert_same(expected, frames(importer, p))
        assert_cut_refused(importer, big, '"lang": ', "record data[10]")
    finally:
        monkeypatch_chunk.undo()


# -- Instagram Graph API --------------------------------------------------------------------


def test_instagram_graph_large_responses_are_read_item_by_item(
    fixtures: Path, tmp_path: Path, streamed: Callable[[Any], None]
) -> None:
    import shutil

    from engage_instagram import graph
    from engage_instagram.graph import InstagramGraphImporter

    page = fixture(fixtures, "instagram", "graph", "media_with_insights.json")
    media = page["data"]
    copy = json.loads(json.dumps(media[1]))  # the same media again: the first kept, its
    copy["insights"]["data"].append(  # counts completed by what the copy adds
        {"name": "shares", "period": "lifetime", "values": [{"value": 77}]}
    )
    copy["like_count"] = 1
    observed = page.pop("engagecore_observed_at")
    late = {"data": [*media, copy], "paging": {}, "engagecore_observed_at": observed}
    single = write(tmp_path / "media.json", late)  # its time after the data: read again
    folder = tmp_path / "folder"  # media without username, named by the user object;
    shutil.copytree(fixtures / "instagram" / "graph_folder", folder)  # insights apart
    for f in folder.iterdir():
        os.utime(f, (MTIME.timestamp(), MTIME.timestamp()))
    discovery = fixture(fixtures, "instagram", "graph", "business_discovery.json")
    inner = discovery["business_discovery"]
    inner["media"] = inner.pop("media")  # its media before its username: read again
    username = inner.pop("username")
    inner["username"] = username
    business = write(tmp_path / "business.json", discovery)
    pages = write(tmp_path / "pages.json", [late, {"data": media[:1]}])  # an array of pages
    importer = InstagramGraphImporter()
    whole = {p: frames(importer, p) for p in (single, folder, business, pages)}
    posts = whole[single]["posts"]
    assert posts.height == len(media)
    second = posts.filter(pl.col("post_id") == media[1]["id"])
    assert second["likes"].item() == media[1]["like_count"] and second["shares"].item() == 77
    assert whole[business]["posts"]["account_id"].unique().to_list() == ["autremusee"]
    assert whole[folder]["posts"]["reach"].null_count() < whole[folder]["posts"].height
    streamed(graph)
    for p, expected in whole.items():
        assert_same(expected, frames(importer, p))
    assert_cut_refused(importer, single, '"media_product_type": ', "record data[")


# -- YouTube Analytics ---------------------------------------------------------------------


def test_youtube_analytics_a_large_report_is_read_row_by_row(
    fixtures: Path, tmp_path: Path, streamed: Callable[[Any], None]
) -> None:
    from engage_youtube import analytics
    from engage_youtube.analytics import YouTubeAnalyticsImporter

    doc = fixture(fixtures, "youtube", "analytics_age_gender.json")
    doc["rows"] = [[*r[:2], r[2] / 4] for r in doc["rows"]] * 4  # rows repeated: summed
    late = write(tmp_path / "late.json", doc)  # rows, then the request echo naming the channel
    headers = doc.pop("columnHeaders")
    doc["columnHeaders"] = headers  # after the rows: read again
    after = write(tmp_path / "after.json", doc)
    importer = YouTubeAnalyticsImporter()
    whole = {p: frames(importer, p) for p in (late, after)}
    streamed(analytics)
    for p, expected in whole.items():
        assert_same(expected, frames(importer, p))
    assert_cut_refused(importer, late, '"age65-",', "record rows[")


# -- Bluesky repository (CAR) --------------------------------------------------------------


def test_bluesky_repo_a_large_repository_is_read_block_by_block(
    fixtures: Path, tmp_path: Path, streamed: Callable[[Any], None]
) -> None:
    pytest.importorskip("libipld")
    from engage_bluesky import repo
    from engage_bluesky.repo import BlueskyRepoImporter

    path = tmp_path / "repo.car"
    data = (fixtures / "bluesky" / "repo.car").read_bytes()
    path.write_bytes(data)
    os.utime(path, (MTIME.timestamp(), MTIME.timestamp()))
    importer = BlueskyRepoImporter()
    whole = frames(importer, path, account="musee-des-beaux-arts-lyon.bsky.social")
    assert whole["posts"].height >= 4
    streamed(repo)
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setattr(repo, "PART_ROWS", 2)
    try:
        # handed over in parts of 2 posts, made as the tree is walked: the account (its
        # name read from the profile record) is known once the parts are consumed
        source = Source.open(path)
        batch = importer.read(source, ReadContext(options={"account": "x.bsky.social"}))
        source.close()
        assert batch.posts is None and batch.accounts is None and batch.post_parts is not None
        parts = list(batch.post_parts)
        assert [p.height for p in parts[:-1]] == [2] * (len(parts) - 1) and len(parts) >= 2
        assert batch.accounts is not None and batch.accounts["display_name"].item()
        got = frames(importer, path, account="musee-des-beaux-arts-lyon.bsky.social")
    finally:
        monkeypatch.undo()
    # in the tree's key order (the ingest does not need them sorted): the same rows
    got["posts"] = got["posts"].sort("posted_at", "post_id")
    assert_same(whole, got)
    path.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(FormatError) as err:
        frames(importer, path)
    message = str(err.value)
    assert str(path) in message and "block " in message and "cut short" in message, message
    damaged = bytearray(data)
    damaged[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(damaged))
    with pytest.raises(FormatError, match=r"block \d+"):
        frames(importer, path)


@pytest.mark.parametrize("packed", ["zip", "gzip"])
def test_bluesky_repo_inside_a_zip_or_gzip_is_inflated_beside_the_store_then_read_in_parts(
    fixtures: Path, tmp_path: Path, streamed: Callable[[Any], None], packed: str
) -> None:
    """A CAR inside a zip or gzip file is not read whole: inflated into the run's temporary
    folder, then read from there in parts, as a CAR on disk is; the copy goes once read."""
    pytest.importorskip("libipld")
    import gzip
    import zipfile

    from engage_bluesky import repo
    from engage_bluesky.repo import BlueskyRepoImporter

    data = (fixtures / "bluesky" / "repo.car").read_bytes()

    def pack(payload: bytes) -> Path:
        if packed == "zip":
            path = tmp_path / "repo.zip"
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
                zf.writestr(zipfile.ZipInfo("repo.car", date_time=MTIME.timetuple()[:6]), payload)
        else:
            path = tmp_path / "repo.car.gz"
            path.write_bytes(gzip.compress(payload))
        os.utime(path, (MTIME.timestamp(), MTIME.timestamp()))
        return path

    path = pack(data)
    scratch = tmp_path / "scratch"
    importer = BlueskyRepoImporter()
    account = {"account": "musee-des-beaux-arts-lyon.bsky.social"}

    def read_all() -> tuple[Any, pl.DataFrame]:
        source = Source.open(path)
        try:
            batch = importer.read(source, ReadContext(options=account, scratch=scratch))
            posts = pl.concat(list(batch.post_parts)) if batch.post_parts else batch.posts
        finally:
            source.close()
        return batch, posts.sort("posted_at", "post_id")

    whole, whole_posts = read_all()
    assert whole.post_parts is None and whole_posts.height >= 4
    assert not any(p.is_file() for p in scratch.rglob("*"))
    streamed(repo)
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setattr(repo, "PART_ROWS", 2)
    try:
        batch, posts = read_all()
    finally:
        monkeypatch.undo()
    assert batch.post_parts is not None  # read in parts, from the inflated copy
    assert posts.equals(whole_posts)
    # the inflated copy is gone once its posts were read
    assert not any(p.is_file() for p in scratch.rglob("*"))
    # a cut copy is refused in one line naming the block, and leaves no copy behind
    path = pack(data[: len(data) * 2 // 3])
    with pytest.raises(FormatError) as err:
        read_all()
    assert "block " in str(err.value) and "\n" not in str(err.value)
    assert not any(p.is_file() for p in scratch.rglob("*"))


# -- Facebook Graph: a large posts page, DuckDB fed in pieces --------------------------------


def test_facebook_graph_a_large_page_is_read_in_pieces(
    fixtures: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    from engage_facebook import FacebookGraphImporter
    from engage_facebook.graph import large_page
    from engage_facebook.graph import posts as graph_posts

    from engagecore.plugin import FormatError as PluginFormatError

    folder = tmp_path / "graph"
    shutil.copytree(fixtures / "facebook" / "graph", folder)
    importer = FacebookGraphImporter()
    whole = frames(importer, folder)
    monkeypatch.setattr(graph_posts, "STREAM_THRESHOLD", 0)
    monkeypatch.setattr(large_page, "CHUNK_BYTES", 1)  # a pipe per post
    monkeypatch.setattr(large_page, "_LOOK_EVERY", 1)
    pieces: list[Path] = []
    original = large_page._hand

    def counted(src: Path, first: int, after: int, stem: Path, k: int, *rest: Any) -> None:
        pieces.append(stem)
        original(src, first, after, stem, k, *rest)

    monkeypatch.setattr(large_page, "_hand", counted)
    monkeypatch.setattr(
        graph_posts.PostsReader, "_read_pages", lambda *a: pytest.fail("read whole")
    )
    got = frames(importer, folder)
    assert len(pieces) == whole["posts"].height > 2
    for name, df in whole.items():
        if name == "posts":  # pages read in another order: the same rows
            assert got[name].sort("post_id").equals(df.sort("post_id"))
        else:
            assert got[name].equals(df), name
    assert not list(tmp_path.rglob("*.pipe"))
    monkeypatch.setattr(large_page, "CHUNK_BYTES", 1 << 20)
    page = folder / "posts_page1.json"
    doc = json.loads(page.read_text("utf-8"))
    doc["data"][1]["message"] = "x" * 200
    write(page, doc)
    monkeypatch.setattr(graph_posts, "MAX_POST_BYTES", 100)
    with pytest.raises(PluginFormatError, match=r"posts_page1\.json: a post larger than"):
        frames(importer, folder)


# -- in a zip or a gzip file ---------------------------------------------------------------


def test_responses_in_a_zip_or_gzipped_are_read_item_by_item_too(
    fixtures: Path, tmp_path: Path, streamed: Callable[[Any], None]
) -> None:
    import gzip
    import zipfile

    from engage_bluesky import feed
    from engage_bluesky.feed import BlueskyFeedImporter
    from engage_tiktok import api
    from engage_tiktok.api import TikTokApiImporter

    pages = write(tmp_path / "api" / "pages.json", _tiktok_pages(fixtures))
    archive = tmp_path / "api.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(pages, "api/pages.json")
    one = fixture(fixtures, "bluesky", "feed", "page-0001.json")
    page = tmp_path / "feed.json.gz"
    page.write_bytes(gzip.compress(json.dumps(one).encode()))
    whole = {
        archive: frames(TikTokApiImporter(), archive),
        page: frames(BlueskyFeedImporter(), page),
    }
    streamed(api)
    streamed(feed)
    assert_same(whole[archive], frames(TikTokApiImporter(), archive))
    got = frames(BlueskyFeedImporter(), page)
    for name, df in whole[page].items():  # observed at the file's time: the same file
        assert got[name].equals(df), name
