"""A small demo store for the report's tests, built once per test run (each test process
works on a copy), with hostile text planted where the page shows data: a museum's name, post
captions and a post's address."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from built_once import built_once, copy_of, demo_build
from report_browser import browser, require_chromium
from report_data import BAD_URL, IMG, NAME, SCRIPT, Pages


def _plant(db: Path) -> None:
    con = duckdb.connect(str(db))
    try:
        louvre = "SELECT network, account_id FROM accounts WHERE museum = 'louvre'"
        con.execute(
            f"UPDATE posts SET text = ? || ' ' || ? || ' ' || coalesce(text, '') "
            f"WHERE (network, account_id) IN ({louvre})",
            [SCRIPT, IMG],
        )
        con.execute(
            f"UPDATE posts SET url = ? WHERE network = 'x' AND (network, account_id) IN ({louvre})",
            [BAD_URL],
        )
        con.execute("UPDATE museums SET name = ? WHERE slug = 'louvre'", [NAME])
    finally:
        con.close()


@pytest.fixture(scope="session")
def report_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    def build(folder: Path) -> None:
        # ≥ 10 per network: the size curves are fitted; the (12, 0) demo test_cli_width,
        # the Mastodon and TikTok demo tests read too (one build for all of them)
        _plant(copy_of(demo_build(tmp_path_factory, 12, 0).db, folder / "demo.duckdb"))

    planted = built_once(tmp_path_factory, "report-store", build) / "demo.duckdb"
    return copy_of(planted, tmp_path_factory.mktemp("report") / "demo.duckdb")


@pytest.fixture(scope="session")
def pages(report_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Pages:
    """The three pages, written once per test run from the planted store (each test process
    gets a copy of the folder, where the browser tests write their screenshots)."""
    import engagecore

    def build(folder: Path) -> None:
        with engagecore.open(report_store, read_only=True) as eng:
            single_en = eng.report(["louvre"], lang="en", out=folder / "single_en.html")
            cohort_fr = eng.report(all_museums=True, lang="fr", out=folder / "cohort_fr.html")
            cohort_en = eng.report(
                ["louvre", "orsay", "pompidou"], lang="en", out=folder / "cohort_en.html"
            )
        (folder / "pages.json").write_text(
            json.dumps([single_en, cohort_fr, cohort_en]), encoding="utf-8"
        )

    built = built_once(tmp_path_factory, "report-pages", build)
    folder = tmp_path_factory.mktemp("pages")
    shutil.copytree(built, folder, dirs_exist_ok=True)
    single_en, cohort_fr, cohort_en = json.loads((folder / "pages.json").read_text("utf-8"))
    return Pages(report_store, single_en, cohort_fr, cohort_en, folder)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """The system's Chromium, started once per test process for every browser test (a start
    costs ~1.1 s of CPU)."""
    with browser(require_chromium()) as b:
        yield b
