"""A small demo store for the report's tests, built once per test process, with hostile text
planted where the page shows data: a museum's name, post captions and a post's address."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from report_data import BAD_URL, IMG, NAME, SCRIPT, Pages

from engagecore.demo import run_demo


@pytest.fixture(scope="session")
def report_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("report") / "demo.duckdb"
    run_demo(db, museums=12, seed=2)  # ≥ 10 per network: the size curves are fitted
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
    return db


@pytest.fixture(scope="session")
def pages(report_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Pages:
    import engagecore

    folder = tmp_path_factory.mktemp("pages")
    with engagecore.open(report_store, read_only=True) as eng:
        single_en = eng.report(["louvre"], lang="en", out=folder / "single_en.html")
        cohort_fr = eng.report(all_museums=True, lang="fr", out=folder / "cohort_fr.html")
        cohort_en = eng.report(
            ["louvre", "orsay", "pompidou"], lang="en", out=folder / "cohort_en.html"
        )
    return Pages(report_store, single_en, cohort_fr, cohort_en, folder)
