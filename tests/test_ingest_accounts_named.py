"""A plugin's Batch whose rows name an account its accounts frame lacks is refused by
``engage ingest`` (not only by the conformance kit): one line naming the plugin, the file
and the first missing account; the store unchanged. Whether the importer hands its posts
over whole, in parts (``post_parts``), or its files are read together (``engage fetch``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from cli_run import run

import engagecore
from engagecore import ingest, plugins, textutil
from engagecore.errors import PluginError
from engagecore.hookspecs import hookimpl
from engagecore.pluginapi import Batch, Importer, ReadContext
from engagecore.sources import Source
from engagecore.store import Store

T0 = datetime(2024, 3, 1, tzinfo=UTC)


def _post(account: str, post_id: str) -> dict[str, Any]:
    return {
        "network": "x",
        "post_id": post_id,
        "account_id": account,
        "posted_at": T0,
        "kind": "photo",
        "is_own": True,
        "likes": 3,
        "observed_at": T0,
    }


def _accounts(*ids: str) -> pl.DataFrame:
    return textutil.frame(
        "accounts",
        [{"network": "x", "account_id": a, "handle": f"h{a}", "display_name": None} for a in ids],
    )


class _Lister(Importer):
    """Claims ``*.acc`` files; posts of accounts 41 and 42 (and 43 in parts, or a
    follower snapshot of 44), an accounts frame of ``listed``."""

    name = "lister"
    network = "x"
    description = "test importer"

    def __init__(
        self, listed: tuple[str, ...] | None, *, parts: bool = False, snapshot: bool = False
    ) -> None:
        self.listed = listed
        self.parts = parts
        self.snapshot = snapshot

    def detect(self, source: Source) -> float:
        return 0.99 if source.name.endswith(".acc") else 0.0

    def read(self, source: Source, ctx: ReadContext) -> Batch:
        stem = source.name.split(".")[0]
        batch = Batch(
            posts=textutil.frame("posts", [_post("41", f"{stem}1"), _post("42", f"{stem}2")]),
            accounts=_accounts(*self.listed) if self.listed is not None else None,
        )
        if self.parts:

            def more() -> Iterator[pl.DataFrame]:
                yield textutil.frame("posts", [_post("43", f"{stem}3")])

            batch.post_parts = more()
        if self.snapshot:
            batch.follower_snapshots = textutil.frame(
                "follower_snapshots",
                [{"network": "x", "account_id": "44", "observed_at": T0, "followers": 10}],
            )
        return batch


def _register(importer: Importer) -> None:
    class _Plugin:
        @staticmethod
        @hookimpl
        def register_importers(register: Callable[[Any], None]) -> None:
            register(importer)

    plugins.get_plugin_manager().register(_Plugin(), name="acc-plugin")


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    path = tmp_path / "s.duckdb"
    with engagecore.open(path) as eng:  # a store holding one good import already
        _register(_Lister(("41", "42")))
        good = tmp_path / "good.acc"
        good.write_text("data", encoding="utf-8")
        eng.ingest([good])
    plugins.reset()  # the test registers its own importer
    return path


def _digest(path: Path) -> str:
    with engagecore.open(path) as eng:
        return eng.store.table_digest()


@pytest.mark.parametrize(
    ("importer", "missing", "table"),
    [
        (_Lister(("41",)), "42", "posts"),
        (_Lister(None), "41", "posts"),
        (_Lister(("41", "42"), parts=True), "43", "posts"),
        (_Lister(("41", "42"), snapshot=True), "44", "follower_snapshots"),
    ],
    ids=["one-missing", "no-accounts-frame", "in-parts", "snapshot"],
)
def test_ingest_refuses_rows_of_an_account_the_batch_does_not_list(
    store_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    importer: _Lister,
    missing: str,
    table: str,
) -> None:
    _register(importer)
    bad = tmp_path / "bad.acc"
    bad.write_text("bad data", encoding="utf-8")
    before = _digest(store_path)
    code, _, err = run(["ingest", str(bad), "--db", str(store_path)], capsys)
    assert code == 1
    (line,) = err.strip().splitlines()
    assert line.startswith("engage: error: plugin 'acc-plugin': importer 'lister'")
    assert str(bad) in line or "bad.acc" in line
    assert f"account '{missing}'" in line and table in line
    assert _digest(store_path) == before


def test_files_read_together_are_checked_file_by_file(store_path: Path, tmp_path: Path) -> None:
    """Another file of the batch listing the account does not excuse the file that does
    not (each file is one import, and may be imported alone)."""

    class _ByFile(_Lister):
        def read(self, source: Source, ctx: ReadContext) -> Batch:
            batch = super().read(source, ctx)
            if source.name.startswith("b"):
                batch.accounts = _accounts("41")
            return batch

    _register(_ByFile(("41", "42")))
    files = [tmp_path / "a.acc", tmp_path / "b.acc"]
    for f in files:
        f.write_text(f"data of {f.name}", encoding="utf-8")
    before = _digest(store_path)
    with closing(Store(store_path)) as store, pytest.raises(PluginError) as err:
        ingest.run(store, files, together=True)
    message = str(err.value)
    assert "b.acc" in message and "account '42'" in message and "a.acc" not in message
    assert _digest(store_path) == before
