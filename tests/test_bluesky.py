"""The Bluesky plugin (``plugins/engage_bluesky``): getAuthorFeed pages, getProfile responses,
facets over UTF-8 bytes, reposts by the museum, and the demo writer.

Fixtures (``tests/fixtures/bluesky``) are AppView responses in their real shape: a museum's
two feed pages (a pinned post, a repost with and one without ``reason.uri``, a reply with its
``reply`` context, a quote with a video, a link card, a post saved before ``quoteCount``
existed, a post imported from Twitter and backdated to 2015) and its profile.
"""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import engage_bluesky
import polars as pl
import pytest
from cli_run import run
from engage_bluesky.common import tags_and_mentions

import engagecore
from engagecore import plugins
from engagecore.errors import FormatError
from engagecore.pluginapi import ReadContext
from engagecore.sources import Source
from engagecore.testing import check_demo_roundtrip, check_importer, check_network

MUSEUM = "did:plc:q6gjnaw2blty4crticxkmujt"
FRIENDS = "did:plc:7xkqv3mzl2ylf5wq4onhbrrd"
HANDLE = "musee-des-beaux-arts-lyon.bsky.social"
PAGE2_MTIME = datetime(2025, 6, 22, 9, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _bluesky_plugin() -> Iterator[None]:
    """The plugin as its entry point loads it; registered by hand where the installed
    metadata predates it (an editable install of an older checkout)."""
    pm = plugins.get_plugin_manager()
    if pm.get_plugin("bluesky") is None:
        pm.register(engage_bluesky, name="bluesky")
    yield


@pytest.fixture
def feed(tmp_path: Path, fixtures: Path) -> Path:
    """A copy of the feed pages; page 2 has no engagecore_observed_at: its mtime counts."""
    out = tmp_path / "feed"
    shutil.copytree(fixtures / "bluesky" / "feed", out)
    ts = PAGE2_MTIME.timestamp()
    os.utime(out / "page-0002.json", (ts, ts))
    return out


def _importer(name: str) -> Any:
    return plugins.registry().importers[name]


def _read(name: str, path: Path, **options: str) -> Any:
    src = Source.open(path)
    try:
        return _importer(name).read(src, ReadContext(options=dict(options)))
    finally:
        src.close()


def _by_id(df: pl.DataFrame) -> dict[str, dict[str, Any]]:
    return {r["post_id"]: r for r in df.to_dicts()}


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


# ---------------------------------------------------------------------------------- the feed


def test_a_folder_of_feed_pages_is_stored_with_counts_times_and_owners(
    tmp_path: Path, feed: Path
) -> None:
    with engagecore.open(tmp_path / "s.duckdb") as eng:
        eng.ingest([feed])
        posts = _by_id(eng.posts().filter(pl.col("network") == "bluesky"))
        accounts = eng.accounts().filter(pl.col("network") == "bluesky")
    # the museum's 6 posts and its 2 reposts; never the reposted posts or the reply's parent
    assert len(posts) == 8
    assert "3lbqa7e5mfs2x" not in posts and "3kqvdx2yyyc2z" not in posts
    assert "3lbpwabcd2k2y" not in posts
    assert {r["account_id"] for r in posts.values()} == {MUSEUM}
    assert accounts["account_id"].to_list() == [MUSEUM]
    assert accounts["handle"].to_list() == [HANDLE]

    pinned = posts["3ls2hjyl6ac2b"]
    assert pinned["is_own"] is True and pinned["kind"] == "photo"
    assert (pinned["likes"], pinned["shares"], pinned["comments"]) == (187, 21, 4)
    assert (pinned["quotes"], pinned["saves"]) == (3, 9)
    assert pinned["views"] is None and pinned["reach"] is None
    assert pinned["posted_at"] == _utc(2025, 6, 20, 16, 30, 5, 120000)
    assert pinned["observed_at"] == _utc(2025, 6, 21, 8, 0)
    assert pinned["url"] == f"https://bsky.app/profile/{HANDLE}/post/3ls2hjyl6ac2b"
    assert pinned["language"] == "fr"
    assert pinned["hashtags"] == ["ExpoLumières", "MuséeDeNuit", "patrimoine"]
    assert pinned["mentions"] == ["amis-du-musee.bsky.social"]

    repost = posts[f"repost:{FRIENDS}/3lbqa7e5mfs2x"]  # named after the reposted post
    assert repost["is_own"] is False and repost["account_id"] == MUSEUM
    # when reposted: the time its record key (reason.uri) encodes, not reason.indexedAt
    assert repost["posted_at"] == _utc(2025, 6, 18, 12, 10, 44, 187530)
    for column in ("likes", "shares", "comments", "quotes", "saves"):
        assert repost[column] is None  # the original's counts are not the museum's
    assert repost["url"] == (
        "https://bsky.app/profile/amis-du-musee.bsky.social/post/3lbqa7e5mfs2x"
    )
    assert repost["hashtags"] == ["Membres"]

    old_repost = posts[f"repost:{FRIENDS}/3kqvdx2yyyc2z"]  # a page from before reason.uri
    assert old_repost["is_own"] is False and old_repost["likes"] is None
    assert old_repost["posted_at"] == _utc(2024, 5, 10, 9, 15)

    reply = posts["3lrrwgny2bi2b"]
    assert reply["is_own"] is True and reply["kind"] == "text" and reply["likes"] == 6
    assert reply["posted_at"] == _utc(2025, 6, 17, 7, 2, 41, 877000)  # +02:00 → UTC

    assert posts["3lrg3gazaxu2b"]["kind"] == "video"  # a quote with a video
    card = posts["3kslxa7hohh2b"]
    assert card["kind"] == "link" and card["likes"] == 64
    assert card["quotes"] is None and card["saves"] is None  # saved before those counts
    assert card["observed_at"] == PAGE2_MTIME  # no engagecore_observed_at: the file's mtime
    assert card["hashtags"] == ["NuitDesMusées"]

    # imported from Twitter with its 2015 date: it appeared on Bluesky when its record was
    # written (its key's time), as the repository export dates it; not indexedAt (0.7 s later)
    assert posts["3kqyb5ch5sk2q"]["posted_at"] == _utc(2024, 4, 25, 20, 38, 53, 900560)
    first = posts["3k7dpxpl4rl2b"]
    assert first["posted_at"] == _utc(2023, 9, 14, 8, 30)  # the oldest: the adoption date
    assert first["hashtags"] == []  # "#pasuntag" is typed, not a tag facet


def test_an_array_of_pages_and_a_zip_of_pages_read_as_the_folder(
    tmp_path: Path, feed: Path
) -> None:
    folder = _read("bluesky-feed", feed).posts
    pages = [
        json.loads((feed / n).read_text("utf-8")) for n in ("page-0001.json", "page-0002.json")
    ]
    pages[1]["engagecore_observed_at"] = PAGE2_MTIME.isoformat()
    array = tmp_path / "pages.json"
    array.write_text(json.dumps(pages, ensure_ascii=False), "utf-8")
    assert _importer("bluesky-feed").detect(Source.open(array)) >= 0.9
    zipped = tmp_path / "feed.zip"
    with zipfile.ZipFile(zipped, "w") as z:
        for n in ("page-0001.json", "page-0002.json"):
            z.write(feed / n, f"feed/{n}")
    for path in (array, zipped):
        assert _importer("bluesky-feed").detect(Source.open(path)) >= 0.9
        other = _read("bluesky-feed", path).posts
        cols = [c for c in folder.columns if c != "observed_at"]
        assert other.select(cols).sort("post_id").equals(folder.select(cols).sort("post_id"))
    assert _read("bluesky-feed", array).posts["observed_at"].max() == PAGE2_MTIME


def test_a_truncated_page_is_refused_naming_file_and_record(
    tmp_path: Path, feed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (feed / "page-0001.json").read_text("utf-8")
    cut = text.index("La salle 12 rouvre le 1er juillet")  # inside feed[2], the reply
    (feed / "page-0001.json").write_text(text[:cut], "utf-8")
    with pytest.raises(
        FormatError,
        match=r"page-0001\.json, record feed\[2\]: expected a whole JSON response: the file ends inside it",
    ):
        _read("bluesky-feed", feed)
    db = tmp_path / "s.duckdb"
    with engagecore.open(db) as eng:
        eng.ingest([tmp_path / "feed" / "page-0002.json"])
        before = eng.store.table_digest()
    code, _, err = run(["ingest", str(feed), "--db", str(db)], capsys)
    assert code != 0
    assert "page-0001.json, record feed[2]" in err and len(err.strip().splitlines()) == 1
    with engagecore.open(db) as eng:
        assert eng.store.table_digest() == before  # nothing lost, nothing half-written


def test_a_bad_count_names_the_file_and_the_item(feed: Path) -> None:
    page = json.loads((feed / "page-0002.json").read_text("utf-8"))
    page["feed"][3]["post"]["likeCount"] = "beaucoup"
    (feed / "page-0002.json").write_text(json.dumps(page), "utf-8")
    with pytest.raises(
        FormatError,
        match=r"page-0002\.json, record feed\[3\]: expected post\.likeCount to be a count",
    ):
        _read("bluesky-feed", feed)


def test_a_timeline_of_several_accounts_is_not_an_author_feed(feed: Path) -> None:
    page = json.loads((feed / "page-0001.json").read_text("utf-8"))
    stranger = json.loads(json.dumps(page["feed"][1]["post"]))  # the friends' post, no reason
    page["feed"].append({"post": stranger})
    (feed / "page-0001.json").write_text(json.dumps(page), "utf-8")
    with pytest.raises(
        FormatError, match=r"page-0001\.json: expected the feed of one account .*2 accounts"
    ):
        _read("bluesky-feed", feed)


def test_another_account_given_is_refused(feed: Path) -> None:
    assert _read("bluesky-feed", feed, account=HANDLE.upper()).posts.height == 8
    assert _read("bluesky-feed", feed, account=MUSEUM).posts.height == 8
    with pytest.raises(FormatError, match=r"--account|account="):
        _read("bluesky-feed", feed, account="louvre.bsky.social")


def test_an_empty_last_page_is_zero_posts_with_its_reason(tmp_path: Path) -> None:
    page = tmp_path / "page-0003.json"
    page.write_text('{"feed": []}', "utf-8")
    assert _importer("bluesky-feed").detect(Source.open(page)) >= 0.9
    batch = _read("bluesky-feed", page)
    assert batch.posts.height == 0 and batch.empty_reason


# ---------------------------------------------------------------------------------- facets


def test_facets_are_utf8_byte_ranges_after_emoji_and_accents() -> None:
    text = "Été 🎨✨ « Naïf » avec @amis.bsky.social et @zoé.fr #Expo"
    raw = text.encode("utf-8")

    def rng(needle: str) -> dict[str, int]:
        start = raw.index(needle.encode("utf-8"))
        return {"byteStart": start, "byteEnd": start + len(needle.encode("utf-8"))}

    facets = [
        {
            "index": rng("@amis.bsky.social"),
            "features": [{"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:amis"}],
        },
        {
            "index": rng("#Expo"),
            "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "Expo"}],
        },
        # character offsets, as a buggy client writes them: they cut "é" in two
        {
            "index": {"byteStart": text.index("@zoé"), "byteEnd": text.index("@zoé") + 7},
            "features": [{"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:zoe"}],
        },
        {
            "index": rng("#Expo"),
            "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://x.org"}],
        },
    ]
    # character offsets land 10 bytes early ("É", "é", "🎨", "✨", "«", "ï", "»": multi-byte)
    assert rng("@amis.bsky.social")["byteStart"] - text.index("@amis") == 10
    tags, mentioned = tags_and_mentions(text, facets, ["patrimoine", "Expo"], "f.json", "feed[0]")
    assert tags == ["Expo", "patrimoine"]
    assert mentioned == ["amis.bsky.social", "did:plc:zoe"]  # a broken range gives the did


def test_a_malformed_facet_names_the_record() -> None:
    with pytest.raises(
        FormatError, match=r"f\.json, record feed\[4\]: expected record\.facets\[0\]"
    ):
        tags_and_mentions("x", [{"features": []}], None, "f.json", "feed[4]")


# --------------------------------------------------------------------------------- profile


def test_profile_gives_the_account_and_a_follower_snapshot(tmp_path: Path, fixtures: Path) -> None:
    with engagecore.open(tmp_path / "s.duckdb") as eng:
        eng.ingest([fixtures / "bluesky" / "profile.json"])
        accounts = eng.accounts().filter(pl.col("network") == "bluesky").to_dicts()
        followers = eng.followers(network="bluesky").to_dicts()
    assert [(a["account_id"], a["handle"], a["display_name"]) for a in accounts] == [
        (MUSEUM, HANDLE, "Musée des Beaux-Arts de Lyon")
    ]
    assert len(followers) == 1
    assert followers[0]["followers"] == 4812
    assert followers[0]["observed_at"] == _utc(2025, 6, 21, 6, 0, 5)  # +02:00 → UTC


def test_get_profiles_and_a_profile_without_count(tmp_path: Path, fixtures: Path) -> None:
    one = json.loads((fixtures / "bluesky" / "profile.json").read_text("utf-8"))
    other = {"did": FRIENDS, "handle": "amis-du-musee.bsky.social", "followersCount": 37}
    hidden = {"did": "did:plc:sansabonnes", "handle": "sans.bsky.social"}
    path = tmp_path / "profiles.json"
    path.write_text(json.dumps({"profiles": [one, other, hidden]}), "utf-8")
    assert _importer("bluesky-profile").detect(Source.open(path)) >= 0.9
    batch = _read("bluesky-profile", path)
    assert batch.accounts.height == 3
    counts = dict(
        zip(
            batch.follower_snapshots["account_id"],
            batch.follower_snapshots["followers"],
            strict=True,
        )
    )
    assert counts == {MUSEUM: 4812, FRIENDS: 37}  # no followersCount: no snapshot, not 0
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"profiles": [one, {**other, "followersCount": "4,8 k"}]}), "utf-8")
    with pytest.raises(FormatError, match=r"bad\.json, record profiles\[1\]"):
        _read("bluesky-profile", bad)


# ------------------------------------------------------------------------ detection, contract


def test_each_file_goes_to_its_importer(feed: Path, fixtures: Path) -> None:
    page, profile = (
        Source.open(feed / "page-0001.json"),
        Source.open(fixtures / "bluesky" / "profile.json"),
    )
    assert _importer("bluesky-feed").detect(page) >= 0.9
    assert _importer("bluesky-profile").detect(page) == 0.0
    assert _importer("bluesky-profile").detect(profile) >= 0.9
    assert _importer("bluesky-feed").detect(profile) == 0.0
    assert _importer("bluesky-feed").detect(Source.open(feed)) >= 0.9


@pytest.mark.parametrize("name", ["bluesky-feed", "bluesky-profile"])
def test_importers_pass_check_importer(name: str, tmp_path: Path, fixtures: Path) -> None:
    foreign = tmp_path / "notes.txt"
    foreign.write_text("Liste de courses : pain, fromage.\n", encoding="utf-8")
    check_importer(_importer(name), foreign)
    check_importer(_importer(name), fixtures / "youtube" / "videos_list.json")


def test_network_and_demo_round_trip(tmp_path: Path) -> None:
    spec = plugins.registry().networks["bluesky"]
    check_network(spec)
    assert spec.basis_order[0] == "followers"
    assert spec.young_prior is not None and spec.young_prior.concentration < 20
    posts = check_demo_roundtrip("bluesky", tmp_path)
    assert posts["posted_at"].dtype.time_zone == "UTC"  # type: ignore[union-attr]
    assert posts["mentions"].to_list()[0] == ["amis_du_musee"]
    assert posts["hashtags"].to_list()[0] == ["JourDeFermeture", "musée"]


# ------------------------------------------------------------------ the repository export (CAR)


def _tid(when: datetime, clock: int = 7) -> str:
    """A TID record key for ``when`` (the AT Protocol's: microseconds, then a clock id)."""
    alphabet = "234567abcdefghijklmnopqrstuvwxyz"
    n = (int(when.timestamp()) * 1_000_000 + when.microsecond) << 10 | clock
    return "".join(alphabet[(n >> (5 * i)) & 31] for i in reversed(range(13)))


@pytest.fixture
def car(tmp_path: Path, fixtures: Path) -> Path:
    pytest.importorskip("libipld", reason="libipld (a dependency) is not installed here")
    out = tmp_path / "repo.car"
    shutil.copy(fixtures / "bluesky" / "repo.car", out)
    return out


def test_the_repository_export_gives_posts_and_reposts_without_counts(
    tmp_path: Path, car: Path
) -> None:
    from engage_bluesky.repo import tid_time

    ts = datetime(2024, 5, 2, 18, 21, 7, tzinfo=UTC).timestamp()
    os.utime(car, (ts, ts))
    with engagecore.open(tmp_path / "s.duckdb") as eng:
        eng.ingest([car], account=HANDLE)
        posts = _by_id(eng.posts().filter(pl.col("network") == "bluesky"))
        accounts = eng.accounts().filter(pl.col("network") == "bluesky").to_dicts()
    # 4 posts and 1 repost; the like and the follow records are not posts
    assert sorted(posts) == sorted(
        [
            "3k7dpxpl4rl2b",
            "3kqyb5ch5sk2q",
            "3lrrwgny2bi2b",
            "3ls2hjyl6ac2b",
            f"repost:{FRIENDS}/3lbqa7e5mfs2x",
        ]
    )
    assert [(a["account_id"], a["handle"], a["display_name"]) for a in accounts] == [
        (MUSEUM, HANDLE, "Musée des Beaux-Arts de Lyon")
    ]
    for row in posts.values():  # a repository holds no counts
        assert all(row[c] is None for c in ("likes", "comments", "shares", "quotes", "saves"))
        assert row["observed_at"] == datetime.fromtimestamp(ts, UTC)
    pinned = posts["3ls2hjyl6ac2b"]
    assert pinned["posted_at"] == _utc(2025, 6, 20, 16, 30, 5, 120000)  # +02:00 → UTC
    assert (pinned["kind"], pinned["is_own"], pinned["language"]) == ("photo", True, "fr")
    assert pinned["hashtags"] == ["ExpoLumières", "patrimoine"]
    assert pinned["mentions"] == ["amis-du-musee.bsky.social"]
    assert pinned["url"] == f"https://bsky.app/profile/{HANDLE}/post/3ls2hjyl6ac2b"
    repost = posts[f"repost:{FRIENDS}/3lbqa7e5mfs2x"]  # the same id as the feed gives it
    assert repost["posted_at"] == _utc(2025, 6, 18, 12, 10, 44, 187530)  # its key's time
    assert repost["is_own"] is False and repost["text"] is None
    assert repost["url"] == f"https://bsky.app/profile/{FRIENDS}/post/3lbqa7e5mfs2x"
    # the 2015 date of an imported tweet: the time its record key was written instead
    backdated = posts["3kqyb5ch5sk2q"]["posted_at"]
    assert backdated == tid_time("3kqyb5ch5sk2q") and backdated.year == 2024
    assert posts["3k7dpxpl4rl2b"]["posted_at"] == _utc(2023, 9, 14, 8, 30)


def test_tid_record_keys_give_their_time() -> None:
    from engage_bluesky.repo import tid_time

    when = datetime(2024, 11, 20, 10, 15, 30, 123456, tzinfo=UTC)
    assert tid_time(_tid(when)) == when
    assert tid_time("self") is None and tid_time("3lbqzvy2x7k2A") is None


# ------------------------------------------------------- the feed and the CAR agree on times

AGREE = {  # tests/fixtures/bluesky/agree: the same posts as a feed page and as a CAR
    "3ksvwjq4rmr2b": _utc(2024, 5, 20, 9, 14, 3, 205000),  # createdAt
    # backdated to 2016: when its record was written (its key), not indexedAt (0.6 s later)
    "3kt3qhdgluy2b": _utc(2024, 5, 22, 16, 41, 19, 73118),
    # createdAt three days ahead (a device's clock): its key's time, not indexedAt
    "3kt7racihxh2b": _utc(2024, 5, 24, 7, 5, 55, 900333),
}
AGREE_REPOST = f"repost:{FRIENDS}/3ktclgicvp225"


def _agree_posts(tmp_path: Path, fixtures: Path, *order: str) -> list[dict[str, Any]]:
    """The posts a store holds after importing the agree fixtures in ``order``."""
    src = fixtures / "bluesky" / "agree"
    with engagecore.open(tmp_path / f"{'-'.join(order)}.duckdb") as eng:
        for part in order:
            eng.ingest([src / part], account=HANDLE if part == "repo.car" else None)
        df = eng.posts().filter(pl.col("network") == "bluesky")
    return df.select("post_id", "account_id", "posted_at", "is_own").sort("post_id").to_dicts()


def test_the_feed_and_the_repository_give_one_post_one_time(tmp_path: Path, fixtures: Path) -> None:
    """A backdated post, one dated ahead, a repost: the same id, owner and time from either
    shape, so a store fed both holds each once, whichever came first."""
    want = sorted(
        [
            {"post_id": k, "account_id": MUSEUM, "posted_at": v, "is_own": True}
            for k, v in AGREE.items()
        ]
        + [
            {
                "post_id": AGREE_REPOST,
                "account_id": MUSEUM,
                # the repost's key's time: not the original's, not createdAt 0.3 s before
                "posted_at": _utc(2024, 5, 25, 18, 20, 11, 640550),
                "is_own": False,
            }
        ],
        key=lambda r: r["post_id"],
    )
    assert _agree_posts(tmp_path, fixtures, "feed") == want
    assert _agree_posts(tmp_path, fixtures, "repo.car") == want
    assert _agree_posts(tmp_path, fixtures, "feed", "repo.car") == want
    assert _agree_posts(tmp_path, fixtures, "repo.car", "feed") == want


def test_an_older_feed_page_names_the_repost_as_the_repository_does(
    tmp_path: Path, fixtures: Path
) -> None:
    """A page from before reason.uri: the same repost row (its time reason.indexedAt, 0.4 s
    after the key's), never a second one."""
    old = _agree_posts(tmp_path, fixtures, "feed-old")
    assert [r["post_id"] for r in old if not r["is_own"]] == [AGREE_REPOST]
    both = _agree_posts(tmp_path, fixtures, "repo.car", "feed-old")
    assert [r["post_id"] for r in both] == sorted([*AGREE, AGREE_REPOST])
    repost = next(r for r in old if not r["is_own"])
    assert repost["posted_at"] == _utc(2024, 5, 25, 18, 20, 12, 40000)


def test_the_time_rule_on_keys_that_date_nothing_and_clocks_ahead() -> None:
    from engage_bluesky.common import when_posted

    old = _utc(2015, 12, 14, 9)
    # a key minted from the old date dates nothing: the feed has indexedAt, the CAR nothing
    assert when_posted(old, _tid(old), _utc(2024, 5, 2)) == _utc(2024, 5, 2)
    assert when_posted(old, "self") is None
    ahead = _utc(2024, 5, 27)
    assert when_posted(ahead, _tid(_utc(2024, 5, 24))) == _utc(2024, 5, 24)
    assert when_posted(ahead, _tid(_utc(2024, 5, 26, 1))) == ahead  # within a day: kept


def test_without_a_handle_the_repository_account_is_its_did(car: Path) -> None:
    batch = _read("bluesky-repo", car)
    assert batch.accounts.to_dicts()[0]["handle"] is None
    urls = batch.posts.filter(pl.col("is_own"))["url"].to_list()
    assert all(u.startswith(f"https://bsky.app/profile/{MUSEUM}/post/") for u in urls)
    with pytest.raises(FormatError, match="account"):
        _read("bluesky-repo", car, account="did:plc:autremusee")


def test_a_cut_or_damaged_repository_is_refused_naming_the_block(
    tmp_path: Path, car: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = car.read_bytes()
    car.write_bytes(data[: len(data) - 40])
    with pytest.raises(
        FormatError,
        match=r"repo\.car, record block \d+: expected a whole CAR block: the file ends inside it",
    ):
        _read("bluesky-repo", car)
    damaged = bytearray(data)
    at = data.index("Lumières".encode())
    damaged[at] ^= 0x20  # "L" → "l": valid DAG-CBOR, not the bytes the CID names
    car.write_bytes(bytes(damaged))
    with pytest.raises(
        FormatError, match=r"record block \d+: expected the block's bytes to match its CID"
    ):
        _read("bluesky-repo", car)
    db = tmp_path / "s.duckdb"
    with engagecore.open(db) as eng:
        before = eng.store.table_digest()
    code, _, err = run(["ingest", str(car), "--db", str(db)], capsys)
    assert code != 0 and "repo.car, record block" in err and len(err.strip().splitlines()) == 1
    with engagecore.open(db) as eng:
        assert eng.store.table_digest() == before


def test_the_car_importer_claims_only_car_files(car: Path, feed: Path, fixtures: Path) -> None:
    repo = _importer("bluesky-repo")
    assert repo.detect(Source.open(car)) >= 0.9
    assert repo.detect(Source.open(feed / "page-0001.json")) == 0.0
    assert repo.detect(Source.open(fixtures / "bluesky" / "profile.json")) == 0.0
    assert _importer("bluesky-feed").detect(Source.open(car)) == 0.0
    foreign = car.parent / "notes.txt"
    foreign.write_text("Liste de courses : pain, fromage.\n", encoding="utf-8")
    check_importer(repo, foreign)


def test_a_truncated_profile_is_refused_naming_the_file(tmp_path: Path, fixtures: Path) -> None:
    text = (fixtures / "bluesky" / "profile.json").read_text("utf-8")
    one = tmp_path / "profile.json"
    one.write_text(text[: text.index('"followersCount"') + 20], "utf-8")
    with pytest.raises(
        FormatError, match=r"profile\.json: expected a whole JSON response: the file ends inside it"
    ):
        _read("bluesky-profile", one)
    many = tmp_path / "profiles.json"
    doc = json.dumps({"profiles": [json.loads(text), json.loads(text)]})
    many.write_text(doc[: doc.rindex('"followersCount"')], "utf-8")
    with pytest.raises(
        FormatError, match=r"profiles\.json, record profiles\[1\]: expected a whole JSON"
    ):
        _read("bluesky-profile", many)
