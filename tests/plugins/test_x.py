"""The X plugin: archive and API v2 importers, detection, malformed input, demo writer."""

from __future__ import annotations

import os
import shutil
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from engage_x import XApiImporter, XArchiveImporter, XDemoWriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engagecore import plugins, schema
from engagecore.errors import FormatError
from engagecore.pluginapi import Batch, DemoAccountData, ReadContext
from engagecore.sources import Source

ORSAY = "1318554661"


def _read_archive(path: Path) -> Batch:
    return XArchiveImporter().read(Source.open(path), ReadContext())


def _read_api(path: Path) -> Batch:
    return XApiImporter().read(Source.open(path), ReadContext())


def _post(batch: Batch, post_id: str) -> dict:
    assert batch.posts is not None
    rows = batch.posts.filter(pl.col("post_id") == post_id).to_dicts()
    assert len(rows) == 1, post_id
    return rows[0]


def _zip_folder(folder: Path, dest: Path) -> Path:
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted(folder.rglob("*")):
            if f.is_file():
                z.write(f, f.relative_to(folder).as_posix())
    return dest


@pytest.fixture(scope="module")
def archive_dir() -> Path:
    return Path(__file__).resolve().parents[1] / "fixtures" / "x" / "archive"


@pytest.fixture(scope="module")
def archive(archive_dir: Path) -> Batch:
    return _read_archive(archive_dir)


@pytest.fixture(scope="module")
def api_page() -> Batch:
    return _read_api(
        Path(__file__).resolve().parents[1] / "fixtures" / "x" / "api" / "tweets-page.json"
    )


# -- archive -----------------------------------------------------------------------------


def test_archive_frames_have_the_exact_schemas(archive: Batch) -> None:
    assert archive.posts is not None and archive.accounts is not None
    assert archive.posts.schema == schema.POSTS
    assert archive.accounts.schema == schema.ACCOUNTS
    assert archive.follower_snapshots is not None
    assert archive.follower_snapshots.schema == schema.FOLLOWER_SNAPSHOTS


def test_archive_account_hint_and_followers_from_manifest(archive: Batch) -> None:
    assert archive.accounts is not None and archive.follower_snapshots is not None
    assert archive.accounts.to_dicts() == [
        {
            "network": "x",
            "account_id": ORSAY,
            "handle": "MuseeOrsay",
            "display_name": "Musée d'Orsay",
            "created_at": datetime(2013, 3, 29, 9, 20, 4, tzinfo=UTC),  # account.js createdAt
        }
    ]
    assert archive.museum_hints == {ORSAY: "Musée d'Orsay"}
    generated = datetime(2024, 11, 6, 10, 12, 33, 123000, tzinfo=UTC)
    assert archive.follower_snapshots.to_dicts() == [
        {"network": "x", "account_id": ORSAY, "observed_at": generated, "followers": 742318}
    ]
    assert archive.posts is not None
    assert archive.posts["observed_at"].unique().to_list() == [generated]


def test_archive_reads_tweets_js_and_part_files(archive: Batch) -> None:
    assert archive.posts is not None
    assert sorted(archive.posts["post_id"]) == [
        "1300000000000000007",  # from tweets-part1.js
        "1853300000000000006",
        "1853400000000000005",
        "1853500000000000004",
        "1853600000000000003",
        "1853700000000000002",
        "1853800000000000001",
    ]
    assert set(archive.posts["account_id"]) == {ORSAY}


def test_archive_text_entities_links_accents_and_emoji(archive: Batch) -> None:
    link = _post(archive, "1853700000000000002")
    assert link["text"] == (
        "Impressionnisme & avant-garde avec @CentrePompidou : l'expo > 3 salles → "
        "https://www.musee-orsay.fr/fr/expositions?lang=fr&p=2"
    )
    assert link["kind"] == "link"
    assert link["mentions"] == ["CentrePompidou"]
    photo = _post(archive, "1853800000000000001")
    # Emoji with variation selectors, accents, and the media link kept as X wrote it.
    assert photo["text"] == (
        "Les coulisses du musée pendant la fermeture 🖼️✨ Pause café #jourdefermeture "
        "https://t.co/Ph0toL1nk1"
    )
    assert photo["hashtags"] == ["jourdefermeture"]
    assert _post(archive, "1300000000000000007")["text"] == "#Orsay Bonjour ! Ce matin, Van Gogh <3"


def test_archive_counts_are_parsed_and_missing_ones_null(archive: Batch) -> None:
    photo = _post(archive, "1853800000000000001")
    assert (photo["likes"], photo["shares"]) == (1284, 212)
    assert _post(archive, "1853300000000000006")["likes"] == 1205  # "1,205"
    for col in ("comments", "quotes", "impressions", "views", "reach", "saves"):
        assert archive.posts is not None
        assert archive.posts[col].null_count() == archive.posts.height, col


def test_archive_retweet_is_not_own_and_has_no_counts(archive: Batch) -> None:
    rt = _post(archive, "1853600000000000003")
    assert rt["is_own"] is False
    assert rt["likes"] is None and rt["shares"] is None
    assert rt["mentions"] == ["MuseeLouvre"]
    assert rt["text"].startswith("RT @MuseeLouvre:")


def test_archive_reply_is_own_and_time_is_utc(archive: Batch) -> None:
    reply = _post(archive, "1853500000000000004")
    assert reply["is_own"] is True
    assert reply["posted_at"] == datetime(2024, 11, 4, 8, 15, 42, tzinfo=UTC)  # +0100 source
    assert reply["text"] == "@marie_visite Oui, le musée est ouvert jusqu'à 21h45 jeudi ! 😊"


def test_archive_kinds_languages_and_urls(archive: Batch) -> None:
    assert archive.posts is not None
    kinds = dict(zip(archive.posts["post_id"], archive.posts["kind"], strict=True))
    assert kinds["1853800000000000001"] == "photo"
    assert kinds["1853300000000000006"] == "video"
    assert kinds["1853700000000000002"] == "link"
    assert kinds["1853500000000000004"] == "text"
    assert _post(archive, "1853300000000000006")["language"] is None  # "zxx"
    assert _post(archive, "1853800000000000001")["language"] == "fr"
    assert _post(archive, "1853800000000000001")["url"] == (
        "https://x.com/MuseeOrsay/status/1853800000000000001"
    )


def test_archive_long_post_takes_note_tweet_text(archive: Batch) -> None:
    long = _post(archive, "1853400000000000005")
    assert long["text"].endswith(
        "de l'atelier de Nadar aux salles du musée aujourd'hui. #Impressionnisme150"
    )
    assert "…  https://t.co" not in long["text"]
    assert long["hashtags"] == ["Impressionnisme150"]
    # Its only link was the "show more" link to itself: not a link post.
    assert long["kind"] == "text"
    # The unmatched note (a draft) did not overwrite anything.
    assert archive.posts is not None
    assert not archive.posts["text"].str.contains("brouillon").any()


def test_old_archive_bare_records_and_follower_js(fixtures: Path) -> None:
    batch = _read_archive(fixtures / "x" / "archive-2020")
    assert batch.posts is not None and batch.follower_snapshots is not None
    assert batch.posts["post_id"].to_list() == ["1200000000000000001", "1210000000000000002"]
    assert batch.posts["hashtags"].to_list() == [["Strasbourg"], []]
    assert batch.posts["language"].to_list() == ["fr", None]  # "und"
    # No manifest: followers = entries of follower.js, dated like the posts' observation:
    # the newest timestamp the archive reveals.
    newest = datetime(2019, 12, 26, 10, 0, tzinfo=UTC)
    assert batch.follower_snapshots.to_dicts() == [
        {"network": "x", "account_id": "2200000001", "observed_at": newest, "followers": 3}
    ]
    assert batch.posts["observed_at"].unique().to_list() == [newest]
    assert batch.museum_hints == {"2200000001": "Musée Tomi Ungerer"}


def test_zip_reads_like_the_folder(archive_dir: Path, archive: Batch, tmp_path: Path) -> None:
    z = _zip_folder(archive_dir, tmp_path / "twitter-2024-11-06.zip")
    src = Source.open(z)
    assert XArchiveImporter().detect(src) >= 0.9
    batch = XArchiveImporter().read(src, ReadContext())
    assert batch.posts is not None and archive.posts is not None
    assert batch.posts.equals(archive.posts)
    assert batch.follower_snapshots is not None and archive.follower_snapshots is not None
    assert batch.follower_snapshots.equals(archive.follower_snapshots)


def test_unzipped_archive_in_a_subfolder_is_found(archive_dir: Path, tmp_path: Path) -> None:
    shutil.copytree(archive_dir, tmp_path / "twitter-2024-11-06-abc")
    batch = _read_archive(tmp_path)
    assert batch.posts is not None and batch.posts.height == 7


def test_lone_tweets_file_is_detected_but_needs_the_account(archive_dir: Path) -> None:
    src = Source.open(archive_dir / "data" / "tweets.js")
    assert 0 < XArchiveImporter().detect(src) < 0.9
    with pytest.raises(FormatError, match=r"account\.js"):
        XArchiveImporter().read(src, ReadContext())


# -- malformed archives --------------------------------------------------------------------


def _broken_archive(fixtures: Path, tmp_path: Path, tweets_file: str) -> Path:
    data = tmp_path / "broken" / "data"
    data.mkdir(parents=True)
    shutil.copy(fixtures / "x" / "archive" / "data" / "account.js", data / "account.js")
    shutil.copy(fixtures / "x" / "malformed" / tweets_file, data / "tweets.js")
    return tmp_path / "broken"


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("bad-prefix.js", r"data/tweets.js: expected 'window.YTD"),
        ("bad-json.js", r"data/tweets.js, record #2: malformed JSON \(Expecting ',' delimiter"),
        ("no-id.js", r'data/tweets.js, record #2: expected a tweet with an "id_str"'),
        (
            "bad-count.js",
            r"data/tweets.js, record id 1853800000000000002: expected 'favorite_count' to be a "
            r"count.*'beaucoup'",
        ),
        ("bad-date.js", r"record id 1853800000000000003: expected created_at like"),
        ("bad-type.js", r"data/tweets.js, record #2: unexpected value \(Expected ARRAY"),
    ],
)
def test_malformed_archive_names_file_and_record(
    fixtures: Path, tmp_path: Path, case: str, message: str
) -> None:
    folder = _broken_archive(fixtures, tmp_path, case)
    with pytest.raises(FormatError, match=message) as err:
        _read_archive(folder)
    assert str(folder) in str(err.value)
    assert "\n" not in str(err.value)


def test_bad_json_line_is_that_of_the_original_file(fixtures: Path, tmp_path: Path) -> None:
    folder = _broken_archive(fixtures, tmp_path, "bad-json.js")
    with pytest.raises(FormatError, match=r"at line (\d+) column") as err:
        _read_archive(folder)
    lines = (folder / "data" / "tweets.js").read_text(encoding="utf-8").splitlines()
    line = int(str(err.value).split("at line ")[1].split()[0])
    # The parser stops on the line after the missing comma.
    assert lines[line - 2].rstrip().endswith('"virgule manquante"')


# -- API v2 ----------------------------------------------------------------------------------


def test_api_page_counts_and_owner_impressions(api_page: Batch) -> None:
    assert api_page.posts is not None
    assert api_page.posts.schema == schema.POSTS
    photo = _post(api_page, "1853800000000000001")
    assert {k: photo[k] for k in ("likes", "comments", "shares", "quotes", "saves")} == {
        "likes": 1284,
        "comments": 18,
        "shares": 212,
        "quotes": 9,
        "saves": 31,
    }
    assert photo["impressions"] == 50102  # non_public_metrics wins over public 48210
    assert photo["views"] is None and photo["reach"] is None
    assert _post(api_page, "1853700000000000002")["impressions"] == 5120
    assert _post(api_page, "1853300000000000006")["impressions"] is None  # absent, not 0


def test_api_page_text_kinds_and_posts(api_page: Batch) -> None:
    link = _post(api_page, "1853700000000000002")
    assert link["text"] == (
        "Impressionnisme & avant-garde avec @CentrePompidou : l'expo > 3 salles → "
        "https://www.musee-orsay.fr/fr/expositions?lang=fr&p=2"
    )
    assert (link["kind"], link["mentions"]) == ("link", ["CentrePompidou"])
    photo = _post(api_page, "1853800000000000001")
    assert photo["kind"] == "photo" and photo["text"].endswith("https://t.co/Ph0toL1nk1")
    assert photo["posted_at"] == datetime(2024, 11, 5, 13, 24, 9, tzinfo=UTC)
    assert photo["url"] == "https://x.com/MuseeOrsay/status/1853800000000000001"
    assert _post(api_page, "1853300000000000006")["kind"] == "video"
    assert _post(api_page, "1853300000000000006")["language"] is None
    rt = _post(api_page, "1853600000000000003")
    assert rt["is_own"] is False and rt["likes"] is None and rt["shares"] is None
    assert _post(api_page, "1853500000000000004")["is_own"] is True  # a reply
    long = _post(api_page, "1853400000000000005")
    assert long["text"].endswith("Un fil pour tout comprendre. #Impressionnisme150")
    assert long["hashtags"] == ["Impressionnisme150"]


def test_api_page_accounts_and_followers_of_authors_only(api_page: Batch) -> None:
    assert api_page.accounts is not None and api_page.follower_snapshots is not None
    assert api_page.accounts["account_id"].to_list() == [ORSAY]  # not the mentioned Louvre
    assert api_page.follower_snapshots["followers"].to_list() == [742318]
    assert api_page.museum_hints == {ORSAY: "Musée d'Orsay"}


def test_api_observed_at_is_the_file_time_without_our_field(fixtures: Path, tmp_path: Path) -> None:
    page = tmp_path / "page.json"
    shutil.copy(fixtures / "x" / "api" / "tweets-page.json", page)
    when = datetime(2024, 11, 7, 8, 0, tzinfo=UTC)
    os.utime(page, (when.timestamp(), when.timestamp()))
    batch = _read_api(page)
    assert batch.posts is not None
    assert batch.posts["observed_at"].unique().to_list() == [when]


def test_api_user_lookup(fixtures: Path) -> None:
    batch = _read_api(fixtures / "x" / "api" / "user.json")
    assert batch.posts is None
    assert batch.accounts is not None and batch.follower_snapshots is not None
    assert batch.accounts.to_dicts() == [
        {
            "network": "x",
            "account_id": ORSAY,
            "handle": "MuseeOrsay",
            "display_name": "Musée d'Orsay",
            "created_at": None,  # the lookup was saved without user.fields=created_at
        }
    ]
    assert batch.follower_snapshots.to_dicts() == [
        {
            "network": "x",
            "account_id": ORSAY,
            "observed_at": datetime(2024, 11, 6, 9, 0, tzinfo=UTC),  # engagecore_observed_at
            "followers": 742318,
        }
    ]


def test_api_empty_page(fixtures: Path) -> None:
    batch = _read_api(fixtures / "x" / "api" / "empty-page.json")
    assert batch.posts is not None and batch.posts.height == 0


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("api-bad-json.json", r"api-bad-json.json: not valid JSON"),
        ("api-no-id.json", r"api-no-id.json, record #1: expected a post with an \"id\""),
        (
            "api-bad-count.json",
            r"api-bad-count.json, record id 1853800000000000009: expected like_count to be a "
            r"count, got 'lots'",
        ),
    ],
)
def test_malformed_api_names_file_and_record(fixtures: Path, case: str, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        _read_api(fixtures / "x" / "malformed" / case)


def test_api_without_author_and_several_users_is_refused(tmp_path: Path) -> None:
    page = tmp_path / "p.json"
    page.write_text(
        '{"data": [{"id": "1", "created_at": "2024-11-05T13:24:09.000Z", "text": "x",'
        ' "edit_history_tweet_ids": ["1"]}],'
        ' "includes": {"users": [{"id": "1", "username": "a"}, {"id": "2", "username": "b"}]}}',
        encoding="utf-8",
    )
    with pytest.raises(FormatError, match="author_id"):
        _read_api(page)


# -- detection -------------------------------------------------------------------------------


def test_detection_is_specific(fixtures: Path, tmp_path: Path) -> None:
    arch, api = XArchiveImporter(), XApiImporter()
    x = fixtures / "x"
    assert arch.detect(Source.open(x / "archive")) >= 0.9
    assert arch.detect(Source.open(x / "archive-2020")) >= 0.9
    for f in ("tweets-page.json", "user.json"):
        assert api.detect(Source.open(x / "api" / f)) >= 0.9, f
        assert arch.detect(Source.open(x / "api" / f)) == 0.0, f
    assert api.detect(Source.open(x / "archive")) == 0.0
    assert api.detect(Source.open(x / "archive" / "data" / "tweets.js")) == 0.0
    assert api.detect(Source.open(x / "api")) == 0.0  # a folder: each file is its own source

    csv = tmp_path / "posts.csv"
    csv.write_text("id,likes\n1,2\n", encoding="utf-8")
    other_api = tmp_path / "instagram-media.json"
    other_api.write_text(
        '{"data": [{"id": "1", "caption": "x", "like_count": 3, "comments_count": 1}]}',
        encoding="utf-8",
    )
    mastodon = tmp_path / "account.json"
    mastodon.write_text('{"id": "1", "username": "m", "followers_count": 3}', encoding="utf-8")
    fake_tweets = tmp_path / "notx" / "data"
    fake_tweets.mkdir(parents=True)
    (fake_tweets / "tweets.js").write_text("console.log('hi')", encoding="utf-8")
    for p in (csv, other_api, mastodon, tmp_path / "notx"):
        assert arch.detect(Source.open(p)) == 0.0, p
        assert api.detect(Source.open(p)) == 0.0, p


def test_detection_on_real_samples_of_other_networks(shared_data: Path) -> None:
    for p in (shared_data / "real").iterdir():
        assert XArchiveImporter().detect(Source.open(p)) == 0.0, p
        assert XApiImporter().detect(Source.open(p)) == 0.0, p


# -- plugin registration and demo writer -------------------------------------------------


def test_plugin_registers_importers_and_demo_writer() -> None:
    reg = plugins.registry()
    assert isinstance(reg.importers["x-archive"], XArchiveImporter)
    assert isinstance(reg.importers["x-api"], XApiImporter)
    assert isinstance(reg.demo_writers["x"], XDemoWriter)
    assert reg.importers["x-archive"].network == "x"


def _demo(texts: list[str], kinds: list[str] | None = None) -> DemoAccountData:
    n = len(texts)
    kinds = kinds or ["text"] * n
    posts = pl.DataFrame(
        {
            "network": ["x"] * n,
            "post_id": [str(1_700_000_000_000_000_000 + i) for i in range(n)],
            "account_id": ["42"] * n,
            "posted_at": [datetime(2024, 1, 1 + i % 28, 12, i % 60, tzinfo=UTC) for i in range(n)],
            "kind": kinds,
            "is_own": [not t.startswith("RT @") for t in texts],
            "text": texts,
            "language": ["fr"] * n,
            "hashtags": [
                [w[1:] for w in t.split() if w.startswith("#") and len(w) > 1] for t in texts
            ],
            "mentions": [[] for _ in texts],
            "url": [None] * n,
            "likes": [10 * i + 1 for i in range(n)],
            "shares": [i for i in range(n)],
            "observed_at": [datetime(2024, 2, 1, tzinfo=UTC)] * n,
        },
        schema_overrides={"mentions": pl.List(pl.Utf8), "url": pl.Utf8},
    )
    from engagecore import textutil

    followers = textutil.frame(
        "follower_snapshots",
        [
            {
                "network": "x",
                "account_id": "42",
                "observed_at": datetime(2024, 1, 1, tzinfo=UTC),
                "followers": 900,
            },
            {
                "network": "x",
                "account_id": "42",
                "observed_at": datetime(2024, 2, 1, tzinfo=UTC),
                "followers": 1000,
            },
        ],
    )
    return DemoAccountData(
        museum_name="Musée de démo",
        handle="MuseeDemo",
        account_id="42",
        posts=textutil.frame("posts", posts),
        followers=followers,
        audience_age=None,
        export_date=datetime(2024, 2, 1, 9, 30, tzinfo=UTC),
    )


def test_demo_writer_round_trips_through_the_archive_importer(tmp_path: Path) -> None:
    texts = [
        "Nocturne jeudi 🎶 #MuseumWeek & ateliers <18-25 ans>",
        "Programme : https://musee.example/agenda?m=11&a=2024 #expo",
        "Restauration de la verrière 🔍",
        "RT @MuseeLouvre: Bonne semaine à tous",
        "Un teaser 🎬",
    ]
    data = _demo(texts, ["text", "link", "photo", "text", "video"])
    paths = XDemoWriter().write(data, tmp_path)
    assert len(paths) == 1 and (paths[0] / "data" / "tweets.js").is_file()
    src = Source.open(paths[0])
    assert XArchiveImporter().detect(src) >= 0.9
    batch = XArchiveImporter().read(src, ReadContext())
    assert batch.posts is not None and batch.follower_snapshots is not None
    got = batch.posts.sort("post_id")
    want = data.posts.sort("post_id")
    assert got["post_id"].to_list() == want["post_id"].to_list()
    assert got["text"].to_list() == want["text"].to_list()
    assert got["hashtags"].to_list() == want["hashtags"].to_list()
    assert got["kind"].to_list() == want["kind"].to_list()
    assert got["posted_at"].to_list() == want["posted_at"].to_list()
    own = pl.col("is_own")
    assert got.filter(own)["likes"].to_list() == want.filter(own)["likes"].to_list()
    assert got.filter(own)["shares"].to_list() == want.filter(own)["shares"].to_list()
    assert got.filter(~own)["likes"].to_list() == [None]  # a repost's "0" is no count
    assert batch.follower_snapshots["followers"].to_list() == [1000]
    assert batch.follower_snapshots["observed_at"].to_list() == [data.export_date]
    assert batch.museum_hints == {"42": "Musée de démo"}


_TOKENS = [
    *"abcéèàôç &<>;#@:/.?='\"…",
    "&amp;",
    "&eacute;",
    "&#233;",
    "🖼️",
    " https://t.co/x1",
    "\n",
]
_TEXT = st.lists(st.sampled_from(_TOKENS), max_size=30).map(lambda parts: "".join(parts).strip())


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(texts=st.lists(_TEXT.filter(lambda t: not t.startswith("RT @")), min_size=1, max_size=4))
def test_demo_texts_survive_escaping_and_links(tmp_path: Path, texts: list[str]) -> None:
    out = tmp_path / str(abs(hash(tuple(texts))))
    data = _demo(texts)
    XDemoWriter().write(data, out)
    batch = _read_archive(out)
    assert batch.posts is not None
    assert (
        batch.posts.sort("post_id")["text"].to_list()
        == data.posts.sort("post_id")["text"].to_list()
    )


def _tmp_archive(tmp_path: Path, fixtures: Path, tweets_js: str) -> Path:
    data = tmp_path / "a" / "data"
    data.mkdir(parents=True)
    shutil.copy(fixtures / "x" / "archive" / "data" / "account.js", data / "account.js")
    (data / "tweets.js").write_text(tweets_js, encoding="utf-8")
    return tmp_path / "a"


def test_empty_tweets_file_gives_no_posts_but_the_account(fixtures: Path, tmp_path: Path) -> None:
    batch = _read_archive(_tmp_archive(tmp_path, fixtures, "window.YTD.tweets.part0 = [ ]\n"))
    assert batch.posts is not None and batch.posts.height == 0
    assert batch.posts.schema == schema.POSTS
    assert batch.accounts is not None and batch.accounts["account_id"].to_list() == [ORSAY]


def test_tweets_without_entities_and_rare_html_entities(fixtures: Path, tmp_path: Path) -> None:
    js = (
        'window.YTD.tweets.part0 = [ {"tweet": {"id_str": "5", "created_at": '
        '"Tue Nov 05 13:24:09 +0000 2024", "full_text": "Caf&eacute; &amp; #Mus\\u00e9e @Louvre '
        '&#x1F3A8; &amp;lt;b&amp;gt;", "favorite_count": 3, "retweet_count": ""}} ];'
    )
    post = _post(_read_archive(_tmp_archive(tmp_path, fixtures, js)), "5")
    assert post["text"] == "Café & #Musée @Louvre 🎨 &lt;b&gt;"
    assert post["hashtags"] == ["Musée"]  # no entities: taken from the text
    assert post["mentions"] == ["Louvre"]
    assert post["likes"] == 3  # a number where X writes a string
    assert post["shares"] is None  # "" is not 0


def test_archive_without_tweets_still_gives_followers(fixtures: Path, tmp_path: Path) -> None:
    data = tmp_path / "a" / "data"
    data.mkdir(parents=True)
    for f in ("account.js", "manifest.js"):
        shutil.copy(fixtures / "x" / "archive" / "data" / f, data / f)
    src = Source.open(tmp_path / "a")
    assert XArchiveImporter().detect(src) >= 0.9
    batch = XArchiveImporter().read(src, ReadContext())
    assert batch.posts is not None and batch.posts.height == 0
    assert batch.follower_snapshots is not None
    assert batch.follower_snapshots["followers"].to_list() == [742318]
