"""The Threads plugin: saved Threads API responses (``/me/threads`` pages, media insights,
``threads_insights``, the ``/me`` profile), its network spec (views first, a weak young
prior), its demo writer, and ``engage ingest`` / ``engage score`` of a fetch into a real store.

The expected rows were written from the fixtures by hand: tests/fixtures/threads/fetch is one
museum's fetch (profile, two pages of posts, five media insights responses, the user
insights), threads-page.json its first page alone, threads-pages.json both pages saved as one
JSON array without ``engagecore_observed_at``.
"""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import engage_threads
import pytest
from cli_run import run
from engage_instagram.graph import InstagramGraphImporter
from engage_threads import NETWORK, YOUNG_PRIOR, ThreadsApiImporter
from engage_threads.demo import ThreadsDemoWriter

from engagecore import plugins
from engagecore.errors import FormatError
from engagecore.plugin import Batch, ReadContext, Source
from engagecore.testing import check_demo_roundtrip, check_importer, check_network, check_read

FIXTURES = Path(__file__).resolve().parent / "fixtures"
THREADS = FIXTURES / "threads"
API = ThreadsApiImporter()
USER = "mba_lyon_demo"
MUSEUM = "Musée des Beaux-Arts de Lyon (démo)"
#: 2024-12-01 09:00:00 UTC: the modification time given to the copies read here.
MTIME = 1733043600
COUNTS = ("likes", "comments", "shares", "quotes", "views")


@pytest.fixture
def registered() -> Iterator[None]:
    """The plugin registered as its entry point would (the test venv may predate it)."""
    plugins.reset()
    pm = plugins.get_plugin_manager()
    if not pm.has_plugin("threads"):
        pm.register(engage_threads, name="threads")
    yield
    plugins.reset()


@pytest.fixture
def th(tmp_path: Path) -> Path:
    """A copy of tests/fixtures/threads whose files were modified at MTIME."""
    out = tmp_path / "threads"
    shutil.copytree(THREADS, out)
    for f in out.rglob("*"):
        os.utime(f, (MTIME, MTIME))
    return out


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def post(
    post_id: str, posted_at: str, counts: tuple[int | None, ...], **columns: object
) -> dict[str, object]:
    """An expected posts row; ``counts`` in COUNTS order (likes, comments = replies,
    shares = reposts, quotes, views)."""
    return (
        {"post_id": post_id, "posted_at": posted_at}
        | dict(zip(COUNTS, counts, strict=True))
        | columns
    )


NONE = (None, None, None, None, None)
PAGE_1 = [
    # topic_tag "Art contemporain" is the post's tag; the mention is in the text
    post(
        "18050000000000001",
        "2024-11-05T17:45:12Z",
        (214, 18, 12, 3, 5230),
        kind="text",
        is_own=True,
        hashtags=["Art contemporain"],
        mentions=["amis_du_mba"],
        text="Ce soir, nocturne gratuite jusqu’à 22 h ✨ Rendez-vous au 2e étage avec @amis_du_mba !",
        url="https://www.threads.net/@mba_lyon_demo/post/DCa1b2C3d4E",
        observed_at="2024-11-10T06:00:02Z",
    ),
    # insights in the total_value form; no topic_tag field: the first #tag is the tag
    post(
        "18050000000000002",
        "2024-10-28T09:00:00Z",
        (402, 25, 31, 0, 8120),
        kind="photo",
        hashtags=["expo"],
        observed_at="2024-11-10T06:00:03Z",
    ),
    # a quote post is the museum's own; views not asked for: NULL; the insights named by
    # engagecore_media_id
    post(
        "18050000000000003",
        "2024-10-20T14:30:00Z",
        (77, 4, 2, 1, None),
        kind="carousel",
        is_own=True,
        observed_at="2024-11-10T06:00:04Z",
    ),
    # a repost: not own, kind unknown, no counts (its insights are empty, as the API answers)
    post(
        "18050000000000004",
        "2024-10-15T08:05:00Z",
        NONE,
        kind="other",
        is_own=False,
        text=None,
        url=None,
        observed_at="2024-11-10T05:59:30Z",
    ),
]
PAGE_2 = [
    post(
        "18050000000000005",
        "2024-09-30T16:00:00Z",
        (530, 41, 22, 5, 12044),
        kind="video",
        observed_at="2024-11-10T06:00:06Z",
    ),
    # a text post with a link attachment is a link; no insights fetched: NULL counts
    post(
        "18050000000000006",
        "2024-09-01T07:30:00Z",
        NONE,
        kind="link",
        observed_at="2024-11-10T05:59:31Z",
    ),
    # the account's first post, the day after Threads opened (adoption: its oldest post)
    post(
        "18050000000000007",
        "2023-07-06T08:15:00Z",
        NONE,
        kind="text",
        hashtags=[],
        observed_at="2024-11-10T05:59:31Z",
    ),
]
AGES = {"18-24": 610, "25-34": 1540, "35-44": 1205, "45-54": 702, "55-64": 398, "65+": 266}


def _age_rows(observed: str) -> list[dict[str, object]]:
    total = sum(AGES.values())  # 4721: the 13-17 segment is withheld (under 100 people)
    bounds = {"18-24": (18, 24), "25-34": (25, 34), "35-44": (35, 44), "45-54": (45, 54)}
    bounds |= {"55-64": (55, 64), "65+": (65, None)}
    return [
        {
            "account_id": USER,
            "observed_at": observed,
            "age_band": band,
            "age_min": bounds[band][0],
            "age_max": bounds[band][1],
            "share": n / total,
            "basis": "followers",
        }
        for band, n in AGES.items()
    ]


def _without_counts(rows: list[dict[str, object]], observed: str) -> list[dict[str, object]]:
    """The rows of posts read from pages alone: no insights, so every count NULL and the
    counts observed when the page was."""
    return [r | dict.fromkeys(COUNTS) | {"observed_at": observed} for r in rows]


def _read(path: Path, **options: object) -> Batch:
    src = Source.open(path)
    try:
        return API.read(src, ReadContext(options=dict(options)))
    finally:
        src.close()


def _zip(folder: Path, dest: Path) -> Path:
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted(folder.rglob("*")):
            if f.is_file():
                z.write(f, f"{folder.name}/{f.relative_to(folder).as_posix()}")
    return dest


# -- the network ------------------------------------------------------------------------------


def test_the_network_rates_by_views_first_and_carries_a_weak_prior() -> None:
    check_network(NETWORK)
    assert NETWORK.basis_order == ("views", "followers")
    assert dict(NETWORK.interactions) == {
        "likes": 1.0,
        "comments": 1.0,
        "shares": 1.0,
        "quotes": 1.0,
    }
    assert NETWORK.provides == frozenset({"likes", "comments", "shares", "quotes", "views"})
    assert NETWORK.launched is not None and NETWORK.launched.isoformat() == "2023-07-05"
    assert NETWORK.young_prior is YOUNG_PRIOR
    assert sum(YOUNG_PRIOR.bands.values()) == pytest.approx(1.0, abs=1e-9)
    # a proxy, trusted as little as the example plugin's borrowed Mastodon prior, and saying so
    assert YOUNG_PRIOR.concentration <= 8
    assert any("Pew" in s for s in YOUNG_PRIOR.sources)
    assert "proxy" in YOUNG_PRIOR.note
    # the derivation in __init__.py: young (13-24) about a fifth of users, fewer than TikTok's
    young = YOUNG_PRIOR.bands["13-17"] + YOUNG_PRIOR.bands["18-24"]
    assert 0.15 < young < 0.25
    assert NETWORK.simulation["adoption"][0][0] == "2023-07-05"


def test_the_plugin_registers_its_network_and_importer(registered: None) -> None:
    reg = plugins.registry()
    assert reg.networks["threads"] is NETWORK
    importer = reg.importers["threads-api"]
    assert importer.networks == frozenset({"threads"})
    owner = reg.owner(importer)
    assert owner is not None and owner.name == "threads"
    # its demo writer too: each network has its own random stream in the simulator, so
    # adding Threads to `engage demo` leaves the other networks' data as it was
    assert isinstance(reg.demo_writers["threads"], ThreadsDemoWriter)


def test_the_importer_claims_no_other_networks_file(tmp_path: Path) -> None:
    foreign = tmp_path / "notes.txt"
    foreign.write_text("Liste de courses : pain, fromage.\n", encoding="utf-8")
    check_importer(API, foreign)
    for other in (
        "instagram/graph/media_with_insights.json",
        "instagram/graph/insights_alone.json",
        "instagram/graph/demographics_age_gender.json",
        "instagram/graph/business_discovery.json",
        "x/api/tweets-page.json",
    ):
        check_importer(API, FIXTURES / other)


def test_instagram_graph_claims_no_threads_response() -> None:
    """Threads responses are Graph responses: Instagram's importer must leave them alone (an
    IMAGE post, a media insights or a follower_demographics response would otherwise be
    Instagram's at 0.9-0.95, a tie with Threads' claim)."""
    ig = InstagramGraphImporter()
    files = sorted(THREADS.rglob("*.json"))
    assert len(files) == 11
    for f in [*files, THREADS / "fetch"]:
        src = Source.open(f)
        try:
            assert ig.detect(src) == 0.0, f
            # a repost's empty insights ({"data": []}) are anyone's: claimed in their folder only
            assert API.detect(src) == (0.0 if f.name == "18050000000000004.json" else 0.95), f
        finally:
            src.close()


def test_a_response_threads_shares_with_instagram_is_claimed_inside_a_threads_folder(
    tmp_path: Path,
) -> None:
    # insights asking only for views and likes look like Instagram's: alone, not claimed;
    # in a folder with the pages, read as Threads'
    alone = tmp_path / "one" / "insights.json"
    alone.parent.mkdir()
    doc = {
        "data": [
            {
                "name": "views",
                "period": "lifetime",
                "values": [{"value": 40}],
                "id": "18050000000000006/insights/views/lifetime",
            },
            {
                "name": "likes",
                "period": "lifetime",
                "values": [{"value": 3}],
                "id": "18050000000000006/insights/likes/lifetime",
            },
        ]
    }
    alone.write_text(json.dumps(doc), encoding="utf-8")
    src = Source.open(alone)
    assert API.detect(src) == 0.0
    src.close()
    folder = tmp_path / "fetch"
    shutil.copytree(THREADS / "fetch", folder)
    shutil.copy(alone, folder / "insights" / "18050000000000006.json")
    src = Source.open(folder)
    assert API.detect(src) == 0.95
    src.close()
    (row,) = _read(folder).posts.filter(post_id="18050000000000006").to_dicts()  # type: ignore[union-attr]
    assert (row["views"], row["likes"], row["comments"]) == (40, 3, None)


# -- check_read: the conformance kit on every fixture ----------------------------------------


def test_a_fetch_folder_reads_posts_counts_account_followers_and_ages(registered: None) -> None:
    check_read(
        API,
        THREADS / "fetch",
        expect={
            "accounts": [{"account_id": USER, "handle": USER, "display_name": MUSEUM}],
            "posts": PAGE_1 + PAGE_2,
            "follower_snapshots": [
                {"account_id": USER, "observed_at": "2024-11-10T06:00:00Z", "followers": 4821}
            ],
            "audience_age": _age_rows("2024-11-10T06:00:00Z"),
        },
    )


def test_the_same_fetch_zipped(registered: None, tmp_path: Path) -> None:
    sample = _zip(THREADS / "fetch", tmp_path / "threads-fetch.zip")
    frames = check_read(
        API,
        sample,
        expect={
            "accounts": [{"account_id": USER, "display_name": MUSEUM}],
            "posts": PAGE_1 + PAGE_2,
            "follower_snapshots": [{"account_id": USER, "followers": 4821}],
            "audience_age": _age_rows("2024-11-10T06:00:00Z"),
        },
    )
    assert frames["posts"].height == 7


def test_a_single_page_reads_its_posts_without_counts(registered: None) -> None:
    check_read(
        API,
        THREADS / "threads-page.json",
        expect={
            "accounts": [{"account_id": USER, "handle": USER, "display_name": None}],
            "posts": _without_counts(PAGE_1, "2024-11-10T05:59:30Z"),
        },
    )


def test_an_array_of_pages_observed_at_the_files_mtime(registered: None, th: Path) -> None:
    # no engagecore_observed_at in the saved array: the counts are seen at the file's mtime
    check_read(
        API,
        th / "threads-pages.json",
        expect={
            "accounts": [{"account_id": USER}],
            "posts": _without_counts(PAGE_1 + PAGE_2, "2024-12-01T09:00:00Z"),
        },
    )


def test_user_insights_alone_with_the_account_given(registered: None) -> None:
    check_read(
        API,
        THREADS / "fetch" / "threads_insights.json",
        account="@MBA_Lyon_Demo",
        expect={
            "accounts": [{"account_id": USER}],
            "follower_snapshots": [
                {"account_id": USER, "observed_at": "2024-11-10T06:00:00Z", "followers": 4821}
            ],
            "audience_age": _age_rows("2024-11-10T06:00:00Z"),
        },
    )


# -- what each part of a response becomes ------------------------------------------------------


def test_times_are_utc_and_kinds_follow_media_type() -> None:
    posts = _read(THREADS / "fetch").posts
    assert posts is not None
    assert posts["posted_at"].dtype.time_zone == "UTC"  # type: ignore[union-attr]
    rows = {r["post_id"]: r for r in posts.to_dicts()}
    assert rows["18050000000000001"]["posted_at"] == utc(2024, 11, 5, 17, 45, 12)
    assert min(posts["posted_at"]) == utc(2023, 7, 6, 8, 15)  # the oldest post is kept
    assert [rows[f"1805000000000000{i}"]["kind"] for i in range(1, 8)] == [
        "text",
        "photo",
        "carousel",
        "other",
        "video",
        "link",
        "text",
    ]
    assert [rows[f"1805000000000000{i}"]["is_own"] for i in range(1, 8)] == [
        True,
        True,
        True,
        False,
        True,
        True,
        True,
    ]


def test_threads_own_shares_metric_is_not_stored_as_shares() -> None:
    # post 1: reposts 12, shares 9 — the store's shares are reposts, as on X
    (row,) = _read(THREADS / "fetch").posts.filter(post_id="18050000000000001").to_dicts()  # type: ignore[union-attr]
    assert row["shares"] == 12 and row["saves"] is None and row["impressions"] is None


def test_the_profile_alone_is_the_account_and_says_why_it_holds_no_posts() -> None:
    batch = _read(THREADS / "fetch" / "me.json")
    assert batch.posts is None and batch.follower_snapshots is None
    assert batch.accounts is not None
    assert batch.accounts.drop("created_at").to_dicts() == [
        {"network": "threads", "account_id": USER, "handle": USER, "display_name": MUSEUM}
    ]
    assert batch.museum_hints == {USER: MUSEUM}
    assert batch.empty_reason is not None and "profile" in batch.empty_reason


def test_a_user_id_of_another_profile_is_not_guessed(tmp_path: Path) -> None:
    folder = tmp_path / "f"
    folder.mkdir()
    shutil.copy(THREADS / "fetch" / "threads_insights.json", folder)
    profile = json.loads((THREADS / "fetch" / "me.json").read_text(encoding="utf-8"))
    profile |= {"id": "17841409999999999", "username": "autre_musee"}
    (folder / "me.json").write_text(json.dumps(profile), encoding="utf-8")
    with pytest.raises(FormatError) as err:
        _read(folder)
    assert "threads_insights.json" in str(err.value)
    assert "17841401234567890" in str(err.value) and "account=USERNAME" in str(err.value)


def test_user_insights_alone_without_an_account_are_refused_with_advice() -> None:
    with pytest.raises(FormatError) as err:
        _read(THREADS / "fetch" / "threads_insights.json")
    message = str(err.value)
    assert "threads_insights.json, record #2: " in message
    assert "/me?fields=id,username" in message and "account=USERNAME" in message
    assert "\n" not in message


def test_media_insights_without_their_post_are_refused() -> None:
    with pytest.raises(FormatError) as err:
        _read(THREADS / "fetch" / "insights" / "18050000000000001.json")
    assert "18050000000000001.json" in str(err.value)
    assert "no post of that id" in str(err.value)


def test_another_account_than_the_one_given_is_refused() -> None:
    with pytest.raises(FormatError) as err:
        _read(THREADS / "fetch", account="musee_de_nantes")
    assert "mba_lyon_demo" in str(err.value) and "musee_de_nantes" in str(err.value)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        # a count that is no count: the file, the metric's place and the value
        (
            lambda d: d["data"][1].update(values=[{"value": "214abc"}]),
            "18050000000000001.json, record #2: expected metric 'likes' to be a count, got '214abc'",
        ),
        # a metric with neither values nor total_value
        (
            lambda d: d["data"][0].pop("values"),
            "18050000000000001.json, record #1: metric 'views': expected 'values' or 'total_value'",
        ),
    ],
)
def test_bad_insights_are_one_line_naming_file_and_record(
    tmp_path: Path, change: object, expected: str
) -> None:
    folder = tmp_path / "fetch"
    shutil.copytree(THREADS / "fetch", folder)
    target = folder / "insights" / "18050000000000001.json"
    doc = json.loads(target.read_text(encoding="utf-8"))
    change(doc)  # type: ignore[operator]
    target.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(FormatError) as err:
        _read(folder)
    assert expected in str(err.value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "expected timestamp as an ISO 8601 time like 2024-07-01T12:00:00+0000, got None"),
        ("01/07/2024 12:00", "got '01/07/2024 12:00'"),
        ("2024-07-01T12:00:00", "expected timestamp with a zone (like +0000)"),
    ],
)
def test_a_bad_timestamp_names_the_post(tmp_path: Path, value: object, expected: str) -> None:
    page = json.loads((THREADS / "threads-page.json").read_text(encoding="utf-8"))
    page["data"][1]["timestamp"] = value
    path = tmp_path / "page.json"
    path.write_text(json.dumps(page), encoding="utf-8")
    with pytest.raises(FormatError) as err:
        _read(path)
    assert "/page.json, record id 18050000000000002: " in str(err.value)
    assert expected in str(err.value)


def test_an_api_error_response_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "page.json"
    path.write_text(
        json.dumps(
            {
                "error": {
                    "message": "Error validating access token: Session has expired",
                    "type": "OAuthException",
                    "code": 190,
                }
            }
        ),
        encoding="utf-8",
    )
    with pytest.raises(FormatError) as err:
        _read(path)
    assert "page.json: is a Threads API error response" in str(err.value)
    assert "Session has expired" in str(err.value)


def test_a_page_past_the_last_is_empty_with_a_reason(tmp_path: Path) -> None:
    path = tmp_path / "page.json"
    path.write_text(
        '{"data": [], "paging": {"cursors": {"before": "QVFI", "after": "QVFI"}}}', "utf-8"
    )
    batch = _read(path)
    assert batch.rows() == 0 and batch.empty_reason == "a page past the last result"


def test_a_truncated_page_in_a_folder_names_the_file(tmp_path: Path) -> None:
    folder = tmp_path / "fetch"
    shutil.copytree(THREADS / "fetch", folder)
    page = folder / "threads-page-2.json"
    data = page.read_bytes()
    page.write_bytes(data[: len(data) // 2])
    with pytest.raises(FormatError) as err:
        _read(folder)
    assert "threads-page-2.json" in str(err.value)


# -- the demo writer ---------------------------------------------------------------------------


def test_the_demo_writer_round_trips(registered: None, tmp_path: Path) -> None:
    posts = check_demo_roundtrip("threads", tmp_path)
    assert posts["network"].unique().to_list() == ["threads"]
    # the sample account's counts come back through the media insights
    assert posts.sort("post_id")["likes"].to_list() == [100, 110, 120, 130, 140]
    assert posts.sort("post_id")["views"].to_list() == [1000, 1100, 1200, 1300, 1400]
    assert posts.sort("post_id")["comments"].to_list() == [5, 6, 7, 8, 9]
    batch = _read(tmp_path / "threads-mba_test")
    assert batch.follower_snapshots is not None
    assert batch.follower_snapshots["followers"].to_list() == [12345]
    assert batch.audience_age is not None and batch.audience_age.height == 7


# -- engage ingest and engage score ------------------------------------------------------------


def test_engage_ingest_stores_the_fetch_and_score_rates_by_views(
    registered: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "s.duckdb"
    code, _, err = run(["ingest", str(THREADS / "fetch"), "--db", str(db)], capsys)
    assert code == 0, err
    with duckdb.connect(str(db), read_only=True) as con:
        posts = con.sql(
            "SELECT post_id, network, is_own, posted_at, likes, comments, shares, quotes, views "
            "FROM posts ORDER BY posted_at"
        ).pl()
        snaps = con.sql("SELECT network, account_id, followers FROM follower_snapshots").fetchall()
        (ages,) = con.sql("SELECT count(*), sum(share) FROM audience_age").fetchall()
    assert posts.height == 7 and set(posts["network"]) == {"threads"}
    assert posts["is_own"].to_list() == [True, True, True, False, True, True, True]
    assert posts["posted_at"][0] == utc(2023, 7, 6, 8, 15)
    assert posts["views"].to_list() == [None, None, 12044, None, None, 8120, 5230]
    assert snaps == [("threads", USER, 4821)]
    assert ages[0] == 6 and ages[1] == pytest.approx(1.0)
    code, out, err = run(
        ["score", "--db", str(db), "--network", "threads", "--format", "json"], capsys
    )
    assert code == 0, err
    rows = json.loads(out)
    rows = rows if isinstance(rows, list) else rows.get("rows", rows)
    assert rows and all(r["rate_basis"] == "views" for r in rows if r.get("network") == "threads")


def test_a_failed_import_leaves_the_store_as_it_was(
    registered: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "s.duckdb"
    code, _, err = run(["ingest", str(THREADS / "threads-page.json"), "--db", str(db)], capsys)
    assert code == 0, err
    folder = tmp_path / "fetch"
    shutil.copytree(THREADS / "fetch", folder)
    cut = folder / "insights" / "18050000000000005.json"
    cut.write_bytes(cut.read_bytes()[:200])
    code, _, err = run(["ingest", str(folder), "--db", str(db)], capsys)
    assert code == 1
    assert "18050000000000005.json" in err and len(err.strip().splitlines()) == 1
    with duckdb.connect(str(db), read_only=True) as con:
        ((n, likes),) = con.sql("SELECT count(*), count(likes) FROM posts").fetchall()
        (snaps,) = con.sql("SELECT count(*) FROM follower_snapshots").fetchall()
    assert (n, likes) == (4, 0) and snaps == (0,)


def test_a_single_post_without_timestamp_is_a_post_not_a_profile(tmp_path: Path) -> None:
    # GET /{media-id}?fields=id,media_type,username,text: a post asked without its timestamp
    path = tmp_path / "media.json"
    doc = {"id": "18050000000000009", "media_type": "IMAGE", "username": USER, "text": "Salle 3"}
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(FormatError) as err:
        _read(path)
    assert "record id 18050000000000009: expected timestamp" in str(err.value)


def test_a_single_post_with_an_offset_is_stored_in_utc(tmp_path: Path) -> None:
    path = tmp_path / "media.json"
    doc = {
        "id": "18050000000000009",
        "media_product_type": "THREADS",
        "media_type": "IMAGE",
        "username": "MBA_Lyon_Demo",
        "timestamp": "2024-03-31T03:30:00+0200",
    }
    path.write_text(json.dumps(doc), encoding="utf-8")
    (row,) = _read(path).posts.to_dicts()  # type: ignore[union-attr]
    assert row["posted_at"] == utc(2024, 3, 31, 1, 30)
    assert row["account_id"] == USER and row["text"] is None and row["hashtags"] == []


def test_user_insights_without_metric_ids_belong_to_the_sources_profile(tmp_path: Path) -> None:
    folder = tmp_path / "f"
    folder.mkdir()
    shutil.copy(THREADS / "fetch" / "me.json", folder)
    doc = json.loads((THREADS / "fetch" / "threads_insights.json").read_text(encoding="utf-8"))
    for metric in doc["data"]:
        del metric["id"]
    (folder / "threads_insights.json").write_text(json.dumps(doc), encoding="utf-8")
    batch = _read(folder)
    assert batch.follower_snapshots is not None
    assert batch.follower_snapshots.select("account_id", "followers").rows() == [(USER, 4821)]
