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
    (ep,) = [e for e in md.entry_points(group=plugins.ENTRY_POINT_GROUP) if e.name == "peertube"]
    assert ep.value == "engagecore_example"
    assert ep.dist is not None and ep.dist.name == "engagecore-example"
    assert ep.dist.name != md.distribution("engagecore").name
    infos = {i.name: i for i in plugins.plugin_infos()}
    assert "peertube" in infos, "install it: pip install ./plugins/engagecore-example"
    info = infos["peertube"]
    assert info.distribution == "engagecore-example" and info.module == "engagecore_example"
    assert set(info.hooks) >= {"register_networks", "register_importers", "register_commands"}
    module = plugins.get_plugin_manager().get_plugin("peertube")
    assert module is not None
    # the tests run the tree's copy of the plugin, not an older installed one
    assert Path(module.__file__).is_relative_to(EXAMPLE / "src")
    reg = plugins.registry()
    assert "peertube" in reg.networks and "peertube-videos" in reg.importers
    owner = reg.owner(reg.importers["peertube-videos"])
    assert owner is not None and owner.name == "peertube"
    # a template for a network engagecore does not ship: none of the built-in plugins has it
    assert not (ROOT / "plugins" / "engage_peertube").exists()


def test_declares_the_plugin_api_it_was_written_for() -> None:
    module = plugins.get_plugin_manager().get_plugin("peertube")
    assert module is not None and module.ENGAGE_PLUGIN_API == api.PLUGIN_API == 1


def test_its_network_passes_check_network() -> None:
    spec = plugins.registry().networks["peertube"]
    check_network(spec)
    assert spec.display_name == "PeerTube"
    assert dict(spec.interactions) == {"likes": 1.0}
    assert spec.basis_order == ("views", "followers")
    assert spec.young_prior is not None
    assert abs(sum(spec.young_prior.bands.values()) - 1) < 1e-9


def test_its_importer_passes_check_importer(tmp_path: Path) -> None:
    importer = plugins.registry().importers["peertube-videos"]
    foreign = tmp_path / "notes.txt"
    foreign.write_text("Liste de courses : pain, fromage.\n", encoding="utf-8")
    check_importer(importer, foreign)
    # JSON, but another network's: not claimed either
    other = tmp_path / "statuses.json"
    other.write_text('[{"id": "1", "favourites_count": 3, "reblogs_count": 1}]', "utf-8")
    check_importer(importer, other)
    assert importer.networks == frozenset({"peertube"})


def _read(path: Path) -> api.Batch:
    importer = plugins.registry().importers["peertube-videos"]
    src = api.Source.open(path)
    try:
        assert importer.detect(src) >= 0.5
        return importer.read(src, api.ReadContext())
    finally:
        src.close()


def _utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_reading_the_sample_gives_the_expected_posts(fixtures: Path) -> None:
    batch = _read(fixtures / "example" / "videos.json")
    assert batch.posts is not None and batch.accounts is not None
    dtype = batch.posts.schema["posted_at"]
    assert isinstance(dtype, pl.Datetime) and dtype.time_zone in ("UTC", "Etc/UTC")
    got = batch.posts.sort("posted_at").select(
        "network", "post_id", "account_id", "posted_at", "kind", "is_own", "text",
        "language", "hashtags", "views", "likes", "comments", "shares",
    ).to_dicts()  # fmt: skip
    assert got == [
        {
            "network": "peertube",
            "post_id": "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d",
            "account_id": "mucem@peertube.example.org",
            "posted_at": _utc(2024, 3, 31, 8, 30),
            "kind": "video",
            "is_own": True,
            "text": "Le fort Saint-Jean en 3 minutes",
            "language": "fr",
            "hashtags": [],
            "views": 20311,
            "likes": 402,
            "comments": None,  # the videos list gives no comment count: NULL, never 0
            "shares": None,
        },
        {
            "network": "peertube",
            "post_id": "0f1e2d3c-4b5a-4978-8766-554433221100",
            "account_id": "mucem@peertube.example.org",
            "posted_at": _utc(2024, 4, 20, 17, 0),
            "kind": "live",
            "is_own": True,
            "text": "Conférence en direct",
            "language": "fr",
            "hashtags": [],
            "views": 0,
            "likes": 0,
            "comments": None,
            "shares": None,
        },
        {
            "network": "peertube",
            "post_id": "9c9de5e8-0a1b-4c7d-9e2f-1a2b3c4d5e6f",
            "account_id": "mucem@peertube.example.org",
            "posted_at": _utc(2024, 5, 2, 10, 15),
            "kind": "video",
            "is_own": True,
            "text": "Visite de la réserve #coulisses #Marseille",
            "language": "fr",
            "hashtags": ["coulisses", "Marseille"],
            "views": 1240,
            "likes": 83,
            "comments": None,
            "shares": None,
        },
    ]
    assert batch.accounts.select("network", "account_id", "handle", "display_name").to_dicts() == [
        {
            "network": "peertube",
            "account_id": "mucem@peertube.example.org",
            "handle": "mucem@peertube.example.org",
            "display_name": "Mucem",
        }
    ]
    assert batch.museum_hints == {"mucem@peertube.example.org": "Mucem"}


def test_a_video_without_a_time_is_refused_naming_the_record(
    tmp_path: Path, fixtures: Path
) -> None:
    doc = json.loads((fixtures / "example" / "videos.json").read_text(encoding="utf-8"))
    doc["data"][1]["publishedAt"] = "20 avril"
    path = tmp_path / "videos.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(FormatError) as err:
        _read(path)
    assert str(err.value) == (
        f"{path}, record data #2: expected 'publishedAt' as an ISO 8601 time, got '20 avril'"
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
        "peertube-videos",
        "peertube",
        "imported",
        3,
        1,
    )
    with duckdb.connect(str(db), read_only=True) as con:
        stored = con.sql(
            "SELECT post_id, strftime(posted_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M') AS t,"
            " views, likes, comments, kind FROM posts ORDER BY posted_at"
        ).fetchall()
    assert stored == [
        ("5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d", "2024-03-31T08:30", 20311, 402, None, "video"),
        ("0f1e2d3c-4b5a-4978-8766-554433221100", "2024-04-20T17:00", 0, 0, None, "live"),
        ("9c9de5e8-0a1b-4c7d-9e2f-1a2b3c4d5e6f", "2024-05-02T10:15", 1240, 83, None, "video"),
    ]


def test_its_command_runs_through_engage(capsys: pytest.CaptureFixture[str]) -> None:
    """``register_commands``: the command the plugin adds is part of ``engage``."""
    code, out, _ = run(["--help"], capsys)
    assert code == 0 and "peertube-url" in out
    code, out, err = run(["peertube-url", "@mucem@peertube.example.org"], capsys)
    assert (code, out, err) == (
        0,
        "https://peertube.example.org/api/v1/accounts/mucem/videos?count=100&sort=-publishedAt\n",
        "",
    )
    code, out, err = run(["peertube-url", "mucem"], capsys)
    assert code == 2 and "expected name@instance" in err and out == ""


def test_its_command_is_gone_when_the_plugin_is_disabled(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ENGAGE_DISABLE_PLUGINS", "peertube")
    plugins.reset()
    code, _, err = run(["peertube-url", "mucem@peertube.example.org"], capsys)
    assert code == 2 and "No such command 'peertube-url'" in err


def test_the_readme_points_to_tests_that_exist() -> None:
    readme = (EXAMPLE / "README.md").read_text(encoding="utf-8")
    referenced = set(re.findall(r"tests/[\w/]+\.py", readme))
    assert "tests/test_example_plugin.py" in referenced
    missing = [r for r in referenced if not (ROOT / r).is_file()]
    assert not missing, f"README.md of the example plugin points to missing {missing}"
    assert "ENGAGE_PLUGIN_API" in readme
