"""An importer declares every network it emits (``Importer.networks``): checked when the
plugins are registered, used to record an import, to choose importers for ``--network``, and
to refuse rows of another network; a disabled plugin's network is said so."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from cli_run import run

import engagecore
from engagecore import plugins, testing, textutil
from engagecore.errors import PluginError, UsageError
from engagecore.hookspecs import hookimpl
from engagecore.pluginapi import Batch, Importer, ReadContext
from engagecore.sources import Source


@pytest.fixture
def suite(fixtures: Path) -> Path:
    return fixtures / "facebook" / "business_suite"


def _imports(db: Path) -> list[tuple[str, str]]:
    with engagecore.open(db) as eng:
        return [
            (r["importer"], r["network"])
            for r in eng.imports().select("importer", "network").iter_rows(named=True)
        ]


# --- the declaration ------------------------------------------------------------------------


def test_business_suite_importer_declares_facebook_and_instagram() -> None:
    reg = plugins.registry()
    assert reg.importers["meta-business-csv"].networks == frozenset({"facebook", "instagram"})
    assert reg.importers["meta-business-csv"].network == "facebook"
    # an importer that declares nothing more emits its own network only
    assert reg.importers["x-archive"].networks == frozenset({"x"})
    assert reg.importers["spreadsheet"].networks == frozenset({plugins.ANY_NETWORK})


class _Declared(Importer):
    """Claims ``*.mine`` files; reads one post of network ``emits``."""

    name = "declared"
    network = "x"
    description = "test importer"

    def __init__(self, emits: str = "x", networks: Any = None) -> None:
        self.emits = emits
        if networks is not None:
            self.networks = networks

    def detect(self, source: Source) -> float:
        return 0.99 if source.name.endswith(".mine") else 0.0

    def read(self, source: Source, ctx: ReadContext) -> Batch:
        row = {
            "network": self.emits,
            "post_id": "1",
            "account_id": "42",
            "posted_at": datetime(2024, 3, 1, tzinfo=UTC),
            "kind": "photo",
            "is_own": True,
            "likes": 3,
            "observed_at": datetime(2024, 4, 1, tzinfo=UTC),
        }
        account = {"network": self.emits, "account_id": "42", "handle": "h42"}
        return Batch(
            posts=textutil.frame("posts", [row]),
            accounts=textutil.frame("accounts", [account]),
        )


def _plugin_with(importer: Importer) -> object:
    class _Plugin:
        @staticmethod
        @hookimpl
        def register_importers(register: Callable[[Any], None]) -> None:
            register(importer)

    return _Plugin()


@pytest.mark.parametrize(
    ("networks", "message"),
    [
        (frozenset(), "declares no network"),
        ({"x"}, "expected a frozenset of network names"),
        ("x", "expected a frozenset of network names"),
        (frozenset({"x", 3}), "expected a frozenset of network names"),
        (frozenset({"youtube"}), "its network 'x' is not among the networks it declares"),
        (frozenset({"x", plugins.ANY_NETWORK}), "'*' stands alone"),
    ],
)
def test_a_bad_declaration_is_refused_at_registration(networks: Any, message: str) -> None:
    plugins.get_plugin_manager().register(_plugin_with(_Declared(networks=networks)), name="bad")
    with pytest.raises(PluginError, match=message) as err:
        plugins.registry()
    assert "plugin 'bad'" in str(err.value) and "'declared'" in str(err.value)


def test_an_importer_of_no_registered_network_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    imp = _Declared(networks=frozenset({"myspace"}))
    imp.network = "myspace"
    plugins.get_plugin_manager().register(_plugin_with(imp), name="lost")
    with pytest.raises(PluginError, match="no loaded plugin registers") as err:
        plugins.registry()
    assert "plugin 'lost'" in str(err.value)
    # one registered network of several is enough (the others' plugin may be disabled)
    plugins.reset()
    imp2 = _Declared(networks=frozenset({"x", "myspace"}))
    plugins.get_plugin_manager().register(_plugin_with(imp2), name="fine")
    assert plugins.registry().importers["declared"] is imp2


def test_declared_networks_are_checked_after_every_plugin_registered_its_networks() -> None:
    """A plugin whose importer emits another plugin's network loads whatever the order of
    the plugins: the check runs once every plugin's networks are known."""
    from engagecore.pluginapi import NetworkSpec

    spec = NetworkSpec("later", "Later", {"likes": 1.0}, frozenset({"likes"}))

    class _Networks:
        @staticmethod
        @hookimpl
        def register_networks(register: Callable[[Any], None]) -> None:
            register(spec)

    imp = _Declared(networks=frozenset({"x", "later"}))
    pm = plugins.get_plugin_manager()
    pm.register(_plugin_with(imp), name="first")  # registered before the network's plugin
    pm.register(_Networks(), name="second")
    assert plugins.registry().importers["declared"].networks == frozenset({"x", "later"})


# --- (a) an import is recorded under the networks it wrote ----------------------------------


def test_import_is_recorded_under_the_network_it_wrote(suite: Path, tmp_path: Path) -> None:
    db = tmp_path / "a.duckdb"
    with engagecore.open(db) as eng:
        report = eng.ingest([suite / "ig_en.csv", suite / "fb_en_views.csv"])
    assert [u.network for u in report.units] == ["instagram", "facebook"]
    assert _imports(db) == [("meta-business-csv", "instagram"), ("meta-business-csv", "facebook")]
    with engagecore.open(db) as eng:  # already imported: said under the same network
        again = eng.ingest([suite / "ig_en.csv"])
    assert [(u.network, u.status) for u in again.units] == [
        ("instagram", "already imported")
    ]


def test_a_unit_of_several_networks_is_recorded_under_each(fixtures: Path, tmp_path: Path) -> None:
    db = tmp_path / "m.duckdb"
    with engagecore.open(db) as eng:
        report = eng.ingest([fixtures / "spreadsheet" / "posts.csv"])
    written = sorted(set(pl.read_csv(fixtures / "spreadsheet" / "posts.csv")["network"]))
    assert len(written) > 1
    assert report.units[0].network == ",".join(written)
    assert _imports(db) == [("spreadsheet", ",".join(written))]


# --- (b) --network names any network an importer declares ----------------------------------


def test_network_option_accepts_an_instagram_business_suite_csv(
    suite: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "b.duckdb"
    with engagecore.open(db) as eng:
        report = eng.ingest([suite / "ig_en.csv"], network="instagram")
    assert [(u.importer, u.network) for u in report.units] == [("meta-business-csv", "instagram")]
    code, _out, err = run(
        ["ingest", str(suite / "ig_en.csv"), "--network", "instagram", "--db", str(tmp_path / "c")],
        capsys,
    )
    assert code == 0, err
    assert _imports(tmp_path / "c") == [("meta-business-csv", "instagram")]


# --- (c) disabling the Instagram plugin leaves the Facebook one working ---------------------


def test_disabling_instagram_keeps_facebook_working(
    suite: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ENGAGE_DISABLE_PLUGINS", "instagram")
    plugins.reset()
    reg = plugins.registry()
    assert "instagram" not in reg.networks
    assert reg.importers["meta-business-csv"].networks == frozenset({"facebook", "instagram"})
    db = tmp_path / "c.duckdb"
    with engagecore.open(db) as eng:
        eng.ingest([suite / "fb_en_views.csv"])
        before = eng.store.table_digest()
        with pytest.raises(UsageError) as err:
            eng.ingest([suite / "ig_en.csv"])
        assert eng.store.table_digest() == before
    message = str(err.value)
    assert "ig_en.csv" in message
    assert "network 'instagram' is not registered" in message
    assert "plugin 'instagram' is disabled (ENGAGE_DISABLE_PLUGINS)" in message
    with engagecore.open(db) as eng, pytest.raises(UsageError, match="'instagram' is not regis"):
        eng.ingest([suite / "ig_en.csv"], network="instagram")
    code, _out, err_text = run(["ingest", str(suite / "ig_en.csv"), "--db", str(db)], capsys)
    assert code != 0 and err_text.count("\n") == 1
    assert "network 'instagram' is not registered" in err_text and "Traceback" not in err_text
    assert _imports(db) == [("meta-business-csv", "facebook")]


def test_a_network_of_a_plugin_not_loaded_is_said_so(
    suite: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENGAGE_LOAD_PLUGINS", "facebook")
    plugins.reset()
    with engagecore.open(tmp_path / "l.duckdb") as eng, pytest.raises(UsageError) as err:
        eng.ingest([suite / "ig_en.csv"])
    assert "network 'instagram' is not registered" in str(err.value)
    assert "ENGAGE_LOAD_PLUGINS" in str(err.value)


# --- (d) rows outside the declared networks are the plugin's error -------------------------


def test_rows_of_an_undeclared_network_are_a_plugin_error(tmp_path: Path) -> None:
    plugins.get_plugin_manager().register(_plugin_with(_Declared(emits="youtube")), name="liar")
    f = tmp_path / "posts.mine"
    f.write_text("data", encoding="utf-8")
    with engagecore.open(tmp_path / "d.duckdb") as eng:
        before = eng.store.table_digest()
        with pytest.raises(PluginError) as err:
            eng.ingest([f])
        assert eng.store.table_digest() == before
    message = str(err.value)
    assert message.startswith("plugin 'liar': importer 'declared'")
    assert "posts.mine" in message and "'youtube'" in message and "declares: x" in message


def test_rows_of_a_declared_network_are_accepted(tmp_path: Path) -> None:
    imp = _Declared(emits="youtube", networks=frozenset({"x", "youtube"}))
    plugins.get_plugin_manager().register(_plugin_with(imp), name="honest")
    f = tmp_path / "posts.mine"
    f.write_text("data", encoding="utf-8")
    with engagecore.open(tmp_path / "e.duckdb") as eng:
        report = eng.ingest([f])
    assert [u.network for u in report.units] == ["youtube"]


# --- engage plugins --all and the conformance kit --------------------------------------------


def test_plugins_all_lists_each_importers_networks(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = run(["plugins", "--all", "--format", "json"], capsys)
    assert code == 0, err
    import json

    rows = {r["name"]: r for r in json.loads(out)}
    assert "importer:meta-business-csv (facebook, instagram)" in rows["facebook"]["provides"]
    assert "importer:x-archive (x)" in rows["x"]["provides"]
    monkeypatch.setenv("ENGAGE_DISABLE_PLUGINS", "instagram")
    plugins.reset()
    code, out, err = run(["plugins", "--all", "--format", "json"], capsys)
    rows = {r["name"]: r for r in json.loads(out)}
    assert (
        "importer:meta-business-csv (facebook, instagram: not registered)"
        in rows["facebook"]["provides"]
    )


@pytest.mark.parametrize(
    ("networks", "message"),
    [(frozenset(), "declares no network"), ({"x"}, "frozenset"), (frozenset({""}), "empty")],
)
def test_check_importer_checks_the_declaration(networks: Any, message: str, tmp_path: Path) -> None:
    foreign = tmp_path / "notes.txt"
    foreign.write_text("Liste de courses : pain, fromage.\n", encoding="utf-8")
    with pytest.raises(AssertionError, match=message):
        testing.check_importer(_Declared(networks=networks), foreign)


def test_check_importer_accepts_every_registered_declaration(tmp_path: Path) -> None:
    foreign = tmp_path / "notes.txt"
    foreign.write_text("Liste de courses : pain, fromage.\n", encoding="utf-8")
    for imp in plugins.registry().importers.values():
        testing.check_importer(imp, foreign)


def test_a_spreadsheet_row_of_a_disabled_plugins_network_says_so(
    fixtures: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An importer of any network ("*") writing a row of a disabled plugin's network: the
    core's refusal says why the network is missing."""
    monkeypatch.setenv("ENGAGE_DISABLE_PLUGINS", "instagram")
    plugins.reset()
    with engagecore.open(tmp_path / "s.duckdb") as eng:
        before = eng.store.table_digest()
        with pytest.raises(engagecore.ValidationError) as err:
            eng.ingest([fixtures / "spreadsheet" / "posts.csv"])
        assert eng.store.table_digest() == before
    assert "'instagram' is not a registered network" in str(err.value)
    assert "the plugin 'instagram' is disabled (ENGAGE_DISABLE_PLUGINS)" in str(err.value)
