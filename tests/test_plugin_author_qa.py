"""A third-party plugin author's mistakes, each met through the real loading path (an entry
point of the ``engagecore`` group naming a module): one line naming the plugin and what was
expected (QA as a plugin author, h4)."""

from __future__ import annotations

import importlib.metadata as md
import textwrap
import uuid
from pathlib import Path

import polars as pl
import pytest

import engagecore
from engagecore import plugins
from engagecore.errors import EngageError, PluginError
from engagecore.plugin import frame

HEAD = """\
from collections.abc import Callable
from engagecore.plugin import NetworkSpec, hookimpl

NETWORK = NetworkSpec("vero", "Vero", {"likes": 1.0}, frozenset({"likes"}))
"""


@pytest.fixture
def install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Install a module as the only plugin of the ``engagecore`` entry-point group."""
    monkeypatch.syspath_prepend(str(tmp_path))

    def _install(body: str) -> None:
        module = f"engage_vero_qa_{uuid.uuid4().hex}"  # a fresh module: no earlier test's
        (tmp_path / f"{module}.py").write_text(HEAD + textwrap.dedent(body), encoding="utf-8")
        ep = md.EntryPoint("vero", module, plugins.ENTRY_POINT_GROUP)
        monkeypatch.setattr(plugins.md, "entry_points", lambda group: [ep])
        plugins.reset()

    return _install


def test_misspelt_hook_names_the_plugin_and_the_hook_meant(install) -> None:  # type: ignore[no-untyped-def]
    install(
        """
        @hookimpl
        def register_importer(register: Callable[[object], None]) -> None:
            pass
        """
    )
    with pytest.raises(PluginError) as err:
        plugins.get_plugin_manager()
    message = str(err.value)
    assert message.startswith("plugin 'vero': unknown hook 'register_importer'")
    assert "did you mean 'register_importers'?" in message
    assert "<module" not in message and "\n" not in message


def test_wrong_hook_argument_names_the_plugin_and_the_signature_expected(install) -> None:  # type: ignore[no-untyped-def]
    install(
        """
        @hookimpl
        def register_networks(reg: Callable[[NetworkSpec], None]) -> None:
            reg(NETWORK)
        """
    )
    with pytest.raises(PluginError) as err:
        plugins.get_plugin_manager()
    assert str(err.value) == (
        "plugin 'vero': hook register_networks(reg) takes 'reg', which engagecore does not "
        "pass; expected register_networks(register)"
    )


def test_a_hook_that_returns_what_it_should_register_is_refused(install) -> None:  # type: ignore[no-untyped-def]
    install(
        """
        @hookimpl
        def register_networks(register: Callable[[NetworkSpec], None]) -> list[NetworkSpec]:
            return [NETWORK]
        """
    )
    with pytest.raises(PluginError) as err:
        plugins.registry()
    message = str(err.value)
    assert message.startswith("plugin 'vero': register_networks returned [NetworkSpec(")
    assert message.endswith("; call register(obj) for each object instead of returning them")


def test_a_correct_plugin_still_loads(install) -> None:  # type: ignore[no-untyped-def]
    install(
        """
        @hookimpl
        def register_networks(register: Callable[[NetworkSpec], None]) -> None:
            register(NETWORK)
        """
    )
    assert "vero" in plugins.registry().networks


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", "column 'likes': expected a whole number, got '12'"),
        ("2024-03-04", "column 'posted_at': expected a time, got '2024-03-04'"),
    ],
)
def test_frame_names_the_type_a_text_value_should_have(value: str, expected: str) -> None:
    """A text where a count or a time belongs is named as such (it was called 'not Unicode
    text (a lone UTF-16 surrogate…)')."""
    row = {"network": "x", "post_id": "1", "account_id": "a", "kind": "text", "is_own": True}
    column = "likes" if expected.startswith("column 'likes'") else "posted_at"
    with pytest.raises(ValueError) as err:
        frame("posts", [{**row, column: value}])
    assert str(err.value) == f"record #1: {expected}"


def test_frame_still_names_a_lone_surrogate_in_text() -> None:
    with pytest.raises(ValueError, match="lone UTF-16 surrogate"):
        frame("accounts", [{"network": "x", "account_id": "\ud800"}])
    assert frame("accounts", [{"network": "x", "account_id": "a"}]).schema["account_id"] == pl.Utf8


def _importer_plugin(read_body: str) -> str:
    """A plugin registering the network and one importer of ``*.vero`` files whose ``read``
    is ``read_body``."""
    return f"""
        from engagecore.plugin import Importer

        class VeroImporter(Importer):
            name = "vero-posts"
            network = "vero"
            description = "Vero posts"

            def detect(self, source):
                return 0.9 if source.name.endswith(".vero") else 0.0

            def read(self, source, ctx):
                {read_body}

        @hookimpl
        def register_networks(register):
            register(NETWORK)

        @hookimpl
        def register_importers(register):
            register(VeroImporter())
        """


def test_read_returning_something_else_than_a_batch_names_the_plugin(
    install,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    install(_importer_plugin('return {"posts": None}'))
    sample = tmp_path / "sample.vero"
    sample.write_text('{"posts": []}', encoding="utf-8")
    store = tmp_path / "engage.duckdb"
    with pytest.raises(PluginError) as err, engagecore.open(store) as eng:
        eng.ingest([sample])
    assert str(err.value) == (
        f"plugin 'vero': importer 'vero-posts' returned a dict from read() on {sample}; "
        "expected a Batch (engagecore.plugin.Batch)"
    )
    with engagecore.open(store) as eng:
        assert eng.query("SELECT count(*) AS n FROM imports")["n"].to_list() == [0]


DOCS = Path(__file__).resolve().parents[1] / "docs" / "plugins.md"


def test_an_exception_escaping_read_is_reported_as_the_docs_say(
    install,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    """docs/plugins.md, "Errors": what the user reads when a KeyError escapes ``read``."""
    install(_importer_plugin("raise KeyError('Likes')"))
    sample = tmp_path / "posts.vero"
    sample.write_text("Post ID,Views\n1,2\n", encoding="utf-8")
    with pytest.raises(EngageError) as err, engagecore.open(tmp_path / "e.duckdb") as eng:
        eng.ingest([sample])
    assert str(err.value) == f"{sample}: cannot be read by vero-posts: KeyError('Likes')"
    documented = "`posts.csv: cannot be read by pixelfed-posts-csv: KeyError('Likes')`"
    assert documented in " ".join(DOCS.read_text(encoding="utf-8").split())
