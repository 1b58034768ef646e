"""The example plugin (``plugins/engagecore-example``), tested as its third-party author would.

It is a separate distribution (``engagecore-example``) found through the ``engagecore``
entry-point group; these are the tests its README points to. The generic contract every
registered network meets (``check_network``, ``check_importer`` on two foreign files, the
demo round trip) is also run on it, parametrized over all plugins, by ``tests/test_contract.py``;
an importer built by hand passing ``check_importer`` is ``tests/test_plugin_api.py``.
"""

from __future__ import annotations

import importlib.metadata as md
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest
from cli_run import run

import engagecore.plugin as api
from engagecore import plugins
from engagecore.errors import FormatError
from engagecore.testing import check_importer, check_network

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "plugins" / "engagecore-example"


def test_found_through_its_entry_point_as_a_separate_distribution() -> None:
    (ep,) = [e for e in md.entry_points(group=plugins.ENTRY_POINT_GROUP) if e.name == "mastodon"]
    assert ep.value == "engagecore_example"
    assert ep.dist is not None and ep.dist.name == "engagecore-example"
    assert ep.dist.name != md.distribution("engagecore").name
    infos = {i.name: i for i in plugins.plugin_infos()}
    assert "mastodon" in infos, "install it: pip install ./plugins/engagecore-example"
    info = infos["mastodon"]
    assert info.distribution == "engagecore-example" and info.module == "engagecore_example"
    assert set(info.hooks) >= {"register_networks", "register_importers", "register_commands"}
    module = plugins.get_plugin_manager().get_plugin("mastodon")
    assert module is not None
    # the tests run the tree's copy of the plugin, not an older installed one
    assert Path(module.__file__).is_relative_to(EXAMPLE / "src")
    reg = plugins.registry()
    assert "mastodon" in reg.networks and "mastodon-api" in reg.importers
    owner = reg.owner(reg.importers["mastodon-api"])
    assert owner is not None and owner.name == "mastodon"


def test_declares_the_plugin_api_it_was_written_for() -> None:
    module = plugins.get_plugin_manager().get_plugin("mastodon")
    assert module is not None and module.ENGAGE_PLUGIN_API == api.PLUGIN_API == 1


def test_its_network_passes_check_network() -> None:
    spec = plugins.registry().networks["mastodon"]
    check_network(spec)
    assert spec.display_name == "Mastodon"
    assert dict(spec.interactions) == {"likes": 1.0, "comments": 1.0, "shares": 1.0}


def test_its_importer_passes_check_importer(tmp_path: Path) -> None:
    importer = plugins.registry().importers["mastodon-api"]
    foreign = tmp_path / "notes.txt"
    foreign.write_text("Liste de courses : pain, fromage.\n", encoding="utf-8")
    check_importer(importer, foreign)
    # JSON, but another network's: not claimed either
    other = tmp_path / "tweets.json"
    other.write_text('[{"id_str": "1", "favorite_count": 3, "retweet_count": 1}]', "utf-8")
    check_importer(importer, other)
    assert importer.networks == frozenset({"mastodon"})


def _read(path: Path) -> api.Batch:
    importer = plugins.registry().importers["mastodon-api"]
    src = api.Source.open(path)
    try:
        assert importer.detect(src) >= 0.5
        return importer.read(src, api.ReadContext())
    finally:
        src.close()


def _utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_reading_the_sample_gives_the_expected_posts(fixtures: Path) -> None:
    batch = _read(fixtures / "example" / "statuses.json")
    assert batch.posts is not None and batch.accounts is not None
    dtype = batch.posts.schema["posted_at"]
    assert isinstance(dtype, pl.Datetime) and dtype.time_zone in ("UTC", "Etc/UTC")
    got = batch.posts.sort("post_id").select(
        "network", "post_id", "account_id", "posted_at", "kind", "is_own", "text",
        "language", "hashtags", "url", "likes", "comments", "shares", "views",
    ).to_dicts()  # fmt: skip
    assert got == [
        {
            "network": "mastodon",
            "post_id": "111",
            "account_id": "9001",
            "posted_at": _utc(2024, 5, 2, 10, 15),
            "kind": "text",
            "is_own": True,
            "text": "Nocturne ce soir & demain ! #musée",
            "language": "fr",
            "hashtags": ["musée"],
            "url": "https://mastodon.social/@louvre/111",
            "likes": 21,
            "comments": 3,
            "shares": 7,
            "views": None,  # Mastodon reports no views: NULL, never 0
        },
        {
            # a boost: the boosted status's counts, not the account's own publishing
            "network": "mastodon",
            "post_id": "112",
            "account_id": "9001",
            "posted_at": _utc(2024, 5, 3, 8, 0),
            "kind": "photo",
            "is_own": False,
            "text": "Hello",
            "language": "en",
            "hashtags": [],
            "url": "https://x.example/555",
            "likes": 90,
            "comments": 4,
            "shares": 50,
            "views": None,
        },
    ]
    assert batch.accounts.select("network", "account_id", "handle", "display_name").to_dicts() == [
        {
            "network": "mastodon",
            "account_id": "9001",
            "handle": "louvre",
            "display_name": "Musée du Louvre",
        }
    ]
    assert batch.museum_hints == {"9001": "Musée du Louvre"}


def test_an_account_lookup_gives_a_follower_snapshot(tmp_path: Path) -> None:
    path = tmp_path / "lookup.json"
    account = {
        "id": "9001",
        "acct": "louvre",
        "display_name": "Musée du Louvre",
        "followers_count": 48213,
        "statuses_count": 1200,
    }
    path.write_text(json.dumps(account), encoding="utf-8")
    batch = _read(path)
    assert batch.posts is None and batch.follower_snapshots is not None
    snap = batch.follower_snapshots.to_dicts()
    assert [(s["network"], s["account_id"], s["followers"]) for s in snap] == [
        ("mastodon", "9001", 48213)
    ]
    assert snap[0]["observed_at"].utcoffset().total_seconds() == 0


def test_a_status_without_a_time_is_refused_naming_the_record(tmp_path: Path) -> None:
    path = tmp_path / "statuses.json"
    path.write_text(
        '[{"id": "1", "favourites_count": 1, "reblogs_count": 0, "created_at": "2 mai",'
        ' "account": {"id": "9001", "acct": "louvre"}}]',
        "utf-8",
    )
    with pytest.raises(FormatError) as err:
        _read(path)
    assert str(err.value) == (
        f"{path}, record 0: expected 'created_at' as an ISO 8601 time, got '2 mai'"
    )


def test_engage_ingest_stores_the_sample_in_utc(
    tmp_path: Path, fixtures: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "store.duckdb"
    code, out, err = run(
        ["ingest", str(fixtures / "example"), "--db", str(db), "--format", "json"], capsys
    )
    assert code == 0, err
    (row,) = json.loads(out)
    assert (row["importer"], row["network"], row["status"], row["posts"], row["accounts"]) == (
        "mastodon-api",
        "mastodon",
        "imported",
        2,
        1,
    )
    with duckdb.connect(str(db), read_only=True) as con:
        stored = con.sql(
            "SELECT post_id, strftime(posted_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M') AS t,"
            " likes, comments, shares, views, is_own FROM posts ORDER BY post_id"
        ).fetchall()
    assert stored == [
        ("111", "2024-05-02T10:15", 21, 3, 7, None, True),
        ("112", "2024-05-03T08:00", 90, 4, 50, None, False),
    ]


def test_its_command_runs_through_engage(capsys: pytest.CaptureFixture[str]) -> None:
    """``register_commands``: the command the plugin adds is part of ``engage``."""
    code, out, _ = run(["--help"], capsys)
    assert code == 0 and "mastodon-handle" in out
    code, out, err = run(["mastodon-handle", "@louvre@mastodon.social"], capsys)
    assert (code, out, err) == (
        0,
        "https://mastodon.social/api/v1/accounts/lookup?acct=louvre\n",
        "",
    )
    code, out, err = run(["mastodon-handle", "louvre"], capsys)
    assert code == 2 and "expected user@instance" in err and out == ""


def test_its_command_is_gone_when_the_plugin_is_disabled(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ENGAGE_DISABLE_PLUGINS", "mastodon")
    plugins.reset()
    code, _, err = run(["mastodon-handle", "louvre@mastodon.social"], capsys)
    assert code == 2 and "No such command 'mastodon-handle'" in err


def test_the_readme_points_to_tests_that_exist() -> None:
    readme = (EXAMPLE / "README.md").read_text(encoding="utf-8")
    referenced = set(re.findall(r"tests/[\w/]+\.py", readme))
    assert "tests/test_example_plugin.py" in referenced
    missing = [r for r in referenced if not (ROOT / r).is_file()]
    assert not missing, f"README.md of the example plugin points to missing {missing}"
    assert "ENGAGE_PLUGIN_API" in readme
