"""Discovery and detection: folders, zips, ties, skipped files, forcing a network."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import engagecore
from engagecore import plugins
from engagecore.errors import DetectionError
from engagecore.hookspecs import hookimpl
from engagecore.ingest import discover
from engagecore.pluginapi import Batch, Importer, ReadContext
from engagecore.sources import Source


def test_folder_walk_skips_unrecognised_files(tmp_path: Path, fixtures: Path) -> None:
    (tmp_path / "README.txt").write_text("notes", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "posts.csv").write_bytes(
        (fixtures / "spreadsheet" / "posts.csv").read_bytes()
    )
    units, skipped = discover([tmp_path])
    assert [u.importer.name for u in units] == ["spreadsheet"]
    assert skipped == [str(tmp_path / "README.txt")]


def test_zip_member_listing_ignores_junk(tmp_path: Path) -> None:
    z = tmp_path / "a.zip"
    with zipfile.ZipFile(z, "w") as f:
        f.writestr("data/tweets.js", "x")
        f.writestr("__MACOSX/data/._tweets.js", "x")
        f.writestr("data/.DS_Store", "x")
    assert Source.open(z).names() == ["data/tweets.js"]
    assert Source.open(z).glob("tweets.js") == ["data/tweets.js"]


class _Greedy(Importer):
    name = "greedy"
    network = "x"
    description = "claims every CSV"

    def detect(self, source: Source) -> float:
        return 0.95 if source.name.endswith(".csv") else 0.0

    def read(self, source: Source, ctx: ReadContext) -> Batch:  # pragma: no cover
        return Batch()


class _GreedyPlugin:
    @staticmethod
    @hookimpl
    def register_importers(register: Callable[[Any], None]) -> None:
        register(_Greedy())


def test_a_tie_asks_for_network(tmp_path: Path, fixtures: Path) -> None:
    plugins.get_plugin_manager().register(_GreedyPlugin(), name="greedy")
    with pytest.raises(
        DetectionError,
        match=r"several importers claim it \(.*greedy.*spreadsheet|spreadsheet.*greedy",
    ):
        discover([fixtures / "spreadsheet" / "posts.csv"])
    units, _ = discover([fixtures / "spreadsheet" / "posts.csv"], network="spreadsheet")
    assert units[0].importer.name == "spreadsheet"


def test_explicit_unknown_file_is_an_error_but_dry_run_changes_nothing(
    tmp_path: Path, fixtures: Path
) -> None:
    with pytest.raises(DetectionError, match="binary data, not a JSON or CSV export"):
        discover(
            [tmp_path / "nothing.bin"] if (tmp_path / "nothing.bin").write_bytes(b"\0") else []
        )
    with engagecore.open(tmp_path / "s.duckdb") as eng:
        before = eng.store.table_digest()
        eng.ingest([fixtures / "spreadsheet"], dry_run=True)
        assert eng.store.table_digest() == before
