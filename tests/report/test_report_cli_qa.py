"""``engage report`` as a community manager runs it: the page can be shared like any file
they write."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_run import run
from report_data import Pages


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def test_the_page_gets_the_permissions_of_any_file_the_user_writes(
    pages: Pages, tmp_path: Path, capsys: pytest.CaptureFixture[str], umask_022: None
) -> None:
    # it was 0600 (the temporary file's mode, kept by the rename): a web server or a
    # colleague on the same machine could not read the page
    out = tmp_path / "rapport été.html"
    code, _, stderr = run(["report", "louvre", "--db", str(pages.db), "--out", str(out)], capsys)
    assert code == 0, stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o644


@pytest.mark.parametrize(
    ("lang", "words"),
    [("en", "museums with posts (of {total} in the store)"), ("fr", "sur {total} dans la base")],
)
def test_all_says_how_many_museums_of_the_store_it_leaves_out(
    report_store: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    lang: str,
    words: str,
) -> None:
    # `engage report --all` said "55 museums" on the demo's store of 60: the 5 without an
    # account were left out without a word, while --all reads "every museum of the store"
    import shutil

    import engagecore

    db = tmp_path / "store.duckdb"
    shutil.copy(report_store, db)
    with engagecore.open(db) as eng:
        eng.museums.add("Musée sans compte", slug="sans-compte")
        total = eng.museums.list().height
    out = tmp_path / "all.html"
    args = ["report", "--all", "--db", str(db), "--out", str(out), "--lang", lang]
    code, _, err = run(args, capsys)
    assert code == 0, err
    page = " ".join(out.read_text(encoding="utf-8").split())
    assert words.format(total=total) in page
