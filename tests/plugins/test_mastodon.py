"""The Mastodon plugin's importers (plugins/engage_mastodon): the account archive and the
API's statuses pages and account lookups, on fixtures in the real formats
(tests/fixtures/mastodon/) and on the traps of those formats."""

from __future__ import annotations

import json
import shutil
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from cli_run import run

from engagecore import plugins
from engagecore.errors import FormatError
from engagecore.plugin import Batch, ReadContext, Source

ACCOUNT = "centrepompidou@mastodon.social"


def _read(name: str, path: Path, **options: object) -> Batch:
    importer = plugins.registry().importers[name]
    src = Source.open(path)
    try:
        assert importer.detect(src) >= 0.5, path
        return importer.read(src, ReadContext(options=dict(options)))
    finally:
        src.close()


def _archive(fixtures: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "archive"
    shutil.copytree(fixtures / "mastodon" / "archive", folder)
    return folder


# -- the account archive -------------------------------------------------------------------
def test_the_spec_ships_a_weak_prior_and_the_wikidata_property() -> None:
    spec = plugins.registry().networks["mastodon"]
    assert spec.wikidata_property == "P4033"
    assert spec.basis_order == ("followers",)
    prior = spec.young_prior
    assert prior is not None and prior.concentration <= 8
    assert abs(sum(prior.bands.values()) - 1) < 1e-3
    assert "5-52 %" in prior.note and any("no survey" in s for s in prior.sources)
    assert plugins.registry().owner(spec).distribution == "engagecore"  # type: ignore[union-attr]


def test_the_last_ordered_items_is_read_when_the_key_comes_twice(
    fixtures: Path, tmp_path: Path
) -> None:
    folder = _archive(fixtures, tmp_path)
    outbox = folder / "outbox.json"
    text = outbox.read_text(encoding="utf-8")
    assert text.count('"orderedItems"') == 2  # the fixture has the trap: an empty list first
    # a first list that is not empty: still the last one wins, as Python's json says
    stale = (
        '"orderedItems":[{"id":"https://mastodon.social/users/CentrePompidou/statuses/1/activity",'
        '"type":"Create","actor":"https://mastodon.social/users/CentrePompidou",'
        '"object":{"id":"https://mastodon.social/users/CentrePompidou/statuses/1",'
        '"published":"2023-01-01T00:00:00Z","content":"<p>old</p>",'
        '"to":["https://www.w3.org/ns/activitystreams#Public"]}}],'
    )
    outbox.write_text(text.replace('"orderedItems":[],', stale, 1), encoding="utf-8")
    expected = {
        r["object"]["id"].rsplit("/", 1)[-1] if r["type"] == "Create" else r["id"].split("/")[-2]
        for r in json.loads(outbox.read_text(encoding="utf-8"))["orderedItems"]
    }
    batch = _read("mastodon-archive", folder)
    assert batch.posts is not None
    ids = set(batch.posts["post_id"])
    assert "1" not in ids
    # every activity of the last list, but the direct message
    assert ids == expected - {"112415555555555555"}


def test_an_archive_has_no_counts_and_no_follower_snapshot(fixtures: Path) -> None:
    batch = _read("mastodon-archive", fixtures / "mastodon" / "archive")
    assert batch.posts is not None and batch.follower_snapshots is None
    for column in ("likes", "comments", "shares", "views"):
        assert batch.posts[column].null_count() == batch.posts.height, column
    boost = batch.posts.filter(batch.posts["post_id"] == "112412345678901234").to_dicts()[0]
    assert boost["is_own"] is False and boost["text"] is None
    assert batch.museum_hints == {ACCOUNT: "Centre Pompidou"}


def test_a_zipped_archive_reads_as_its_folder(fixtures: Path, tmp_path: Path) -> None:
    folder = fixtures / "mastodon" / "archive"
    zipped = tmp_path / "archive-20240507-abcdef.zip"
    with zipfile.ZipFile(zipped, "w") as zf:
        for p in sorted(folder.iterdir()):
            zf.write(p, p.name)
    a = _read("mastodon-archive", folder)
    b = _read("mastodon-archive", zipped)
    assert a.posts is not None and b.posts is not None
    cols = ["post_id", "posted_at", "is_own", "text", "hashtags", "mentions", "kind", "url"]
    assert a.posts.select(cols).to_dicts() == b.posts.select(cols).to_dicts()


def test_an_outbox_alone_takes_its_account_from_the_activities(fixtures: Path) -> None:
    batch = _read("mastodon-archive", fixtures / "mastodon" / "archive" / "outbox.json")
    assert batch.accounts is not None and batch.posts is not None
    assert batch.accounts.select("account_id", "handle").to_dicts() == [
        {"account_id": ACCOUNT, "handle": "CentrePompidou@mastodon.social"}
    ]
    assert batch.posts.height == 4


def test_an_activity_without_a_time_names_its_record(fixtures: Path, tmp_path: Path) -> None:
    folder = _archive(fixtures, tmp_path)
    outbox = folder / "outbox.json"
    text = outbox.read_text(encoding="utf-8")
    outbox.write_text(text.replace('"2024-05-03T16:40:12Z"', '"3 mai"'), encoding="utf-8")
    with pytest.raises(FormatError) as err:
        _read("mastodon-archive", folder)
    assert str(err.value) == (
        f"{outbox}, record orderedItems[1]: expected object.published as an ISO 8601 time, "
        "got '3 mai'"
    )


def test_another_network_s_json_is_not_claimed(tmp_path: Path) -> None:
    other = tmp_path / "outbox.json"
    other.write_text('{"type": "Something", "items": []}', encoding="utf-8")
    src = Source.open(other)
    try:
        for name in ("mastodon-archive", "mastodon-api"):
            assert plugins.registry().importers[name].detect(src) == 0.0
    finally:
        src.close()


# -- API responses -------------------------------------------------------------------------
def test_a_boost_has_no_counts_of_its_own(fixtures: Path) -> None:
    page = fixtures / "mastodon" / "api" / "statuses.json"
    raw = json.loads(page.read_text(encoding="utf-8"))
    boost = next(s for s in raw if s["reblog"])
    assert boost["favourites_count"] == 0 and boost["reblog"]["favourites_count"] == 90
    batch = _read("mastodon-api", page)
    assert batch.posts is not None
    row = batch.posts.filter(batch.posts["post_id"] == boost["id"]).to_dicts()[0]
    assert (row["likes"], row["comments"], row["shares"], row["is_own"]) == (
        None,
        None,
        None,
        False,
    )
    # the boosted status and its author are not stored: they are not the museum's
    assert batch.accounts is not None and list(batch.accounts["account_id"]) == [ACCOUNT]


def test_an_array_of_pages_and_a_fetched_page_read_alike(fixtures: Path, tmp_path: Path) -> None:
    statuses = json.loads((fixtures / "mastodon" / "api" / "statuses.json").read_text("utf-8"))
    pages = tmp_path / "pages.json"
    pages.write_text(json.dumps([statuses[:2], statuses[2:]]), encoding="utf-8")
    fetched = tmp_path / "fetched.json"
    fetched.write_text(
        json.dumps({"statuses": statuses, "engagecore_observed_at": "2024-05-07T06:00:00Z"}),
        encoding="utf-8",
    )
    a, b = _read("mastodon-api", pages), _read("mastodon-api", fetched)
    assert a.posts is not None and b.posts is not None
    cols = ["post_id", "posted_at", "likes", "comments", "shares", "is_own", "text"]
    assert a.posts.select(cols).to_dicts() == b.posts.select(cols).to_dicts()
    assert a.posts.height == 4
    assert set(b.posts["observed_at"]) == {datetime(2024, 5, 7, 6, tzinfo=UTC)}


def test_a_timeline_of_several_accounts_is_refused(fixtures: Path, tmp_path: Path) -> None:
    statuses = json.loads((fixtures / "mastodon" / "api" / "statuses.json").read_text("utf-8"))
    boost = next(s for s in statuses if s["reblog"])
    page = tmp_path / "home.json"
    page.write_text(json.dumps([statuses[0], boost["reblog"]]), encoding="utf-8")
    with pytest.raises(FormatError) as err:
        _read("mastodon-api", page)
    assert "expected the statuses of one account" in str(err.value) and str(page) in str(err.value)


def test_a_bad_count_names_the_status(fixtures: Path, tmp_path: Path) -> None:
    text = (fixtures / "mastodon" / "api" / "statuses.json").read_text("utf-8")
    page = tmp_path / "statuses.json"
    page.write_text(text.replace('"favourites_count": 35', '"favourites_count": "35abc"'), "utf-8")
    with pytest.raises(FormatError) as err:
        _read("mastodon-api", page)
    assert str(err.value) == (
        f"{page}, record #3: expected favourites_count to be a count, got '35abc'"
    )


def test_a_lookup_without_observed_at_is_observed_at_the_file_time(
    fixtures: Path, tmp_path: Path
) -> None:
    doc = json.loads((fixtures / "mastodon" / "api" / "lookup.json").read_text("utf-8"))
    del doc["engagecore_observed_at"]
    path = tmp_path / "lookup.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    batch = _read("mastodon-api", path)
    assert batch.posts is not None and batch.posts.height == 0
    assert batch.follower_snapshots is not None
    (snap,) = batch.follower_snapshots.to_dicts()
    assert snap["followers"] == 18342 and snap["account_id"] == ACCOUNT
    assert snap["observed_at"] == datetime.fromtimestamp(path.stat().st_mtime, UTC)


def test_engage_ingest_stores_archive_and_api_as_one_account(
    fixtures: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "store.duckdb"
    for sample in ("archive", "api"):
        code, _, err = run(
            ["ingest", str(fixtures / "mastodon" / sample), "--db", str(db), "--format", "json"],
            capsys,
        )
        assert code == 0, err
    with duckdb.connect(str(db), read_only=True) as con:
        accounts = con.sql("SELECT account_id FROM accounts WHERE network = 'mastodon'").fetchall()
        stored = con.sql(
            "SELECT post_id, strftime(posted_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S'),"
            " likes, is_own FROM posts ORDER BY posted_at"
        ).fetchall()
    assert accounts == [(ACCOUNT,)]
    assert stored == [
        ("112401234567890123", "2024-05-02T10:15:00", 21, True),
        ("112409876543210987", "2024-05-03T16:40:12", 35, True),
        ("112412345678901234", "2024-05-04T08:00:00", None, False),
        ("112420000000000001", "2024-05-06T07:30:00", 140, True),
    ]


# -- direct messages: left out, and said so ------------------------------------------------
DIRECT_ONE = (
    "1 direct message (private mention) left out: addressed only to the accounts it "
    "mentions, it is no post"
)


def test_an_archive_says_how_many_direct_messages_it_left_out(
    fixtures: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = fixtures / "mastodon" / "archive"
    batch = _read("mastodon-archive", folder)
    assert batch.posts is not None and "112415555555555555" not in set(batch.posts["post_id"])
    assert batch.notes == [DIRECT_ONE]
    assert _read("mastodon-archive", folder / "outbox.json").notes == [DIRECT_ONE]
    # as a user reads it: after the summary of `engage ingest`
    db = str(tmp_path / "m.duckdb")
    code, _, err = run(["ingest", str(folder), "--db", db], capsys)
    assert code == 0, err
    assert f"note: {folder}: {DIRECT_ONE}" in err.splitlines()


def test_an_archive_without_direct_messages_has_no_note(fixtures: Path, tmp_path: Path) -> None:
    folder = _archive(fixtures, tmp_path)
    outbox = folder / "outbox.json"
    doc = json.loads(outbox.read_text(encoding="utf-8"))
    items = doc["orderedItems"]
    dm = next(i for i in items if i["type"] == "Create" and i["object"]["id"].endswith("5555"))
    assert _read("mastodon-archive", folder).notes == [DIRECT_ONE]
    # two more direct messages: counted; then none at all
    twins = [json.loads(json.dumps(dm).replace("5555", f"{k}{k}{k}{k}")) for k in (6, 7)]
    outbox.write_text(json.dumps({**doc, "orderedItems": items + twins}), encoding="utf-8")
    assert _read("mastodon-archive", folder).notes == [
        "3 direct messages (private mentions) left out: addressed only to the accounts they "
        "mention, they are no posts"
    ]
    outbox.write_text(
        json.dumps({**doc, "orderedItems": [i for i in items if i is not dm]}), encoding="utf-8"
    )
    assert _read("mastodon-archive", folder).notes == []


def test_an_api_page_says_how_many_direct_messages_it_left_out(
    fixtures: Path, tmp_path: Path
) -> None:
    statuses = json.loads((fixtures / "mastodon" / "api" / "statuses.json").read_text("utf-8"))
    assert _read("mastodon-api", fixtures / "mastodon" / "api" / "statuses.json").notes == []
    direct = {**statuses[0], "id": "112499999999999999", "visibility": "direct"}
    page = tmp_path / "statuses.json"
    page.write_text(json.dumps([*statuses, direct]), encoding="utf-8")
    batch = _read("mastodon-api", page)
    assert batch.posts is not None and "112499999999999999" not in set(batch.posts["post_id"])
    assert batch.notes == [DIRECT_ONE]
