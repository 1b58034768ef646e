"""``engage demo``'s summary says how many museums have posts: the 60-museum demo said "60
museums" while 5 of them have no account (only the report's subtitle said so). It reads as the
report's subtitle: "55 museums with posts (of 60 in the store)"."""

from __future__ import annotations

from pathlib import Path

import pytest
from built_once import demo_at_width

import engagecore


def _counts(db: Path) -> tuple[int, int, int, int]:
    """Museums, museums with posts, accounts, posts: as the store holds them."""
    with engagecore.open(db) as engine:
        row = engine.query(
            "SELECT (SELECT count(*) FROM museums) AS m, "
            "(SELECT count(DISTINCT a.museum) FROM posts p JOIN accounts a "
            " USING (network, account_id)) AS mp, "
            "(SELECT count(*) FROM accounts) AS a, (SELECT count(*) FROM posts) AS p"
        ).row(0)
    return int(row[0]), int(row[1]), int(row[2]), int(row[3])



def _summary(err: str) -> str:
    """The demo's summary line, its words joined (the console wraps it at the width)."""
    return " ".join(err.split()).split("engage demo: ", 1)[1]


@pytest.mark.slow
def test_the_summary_says_how_many_museums_have_posts(
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 30 simulated museums: 3 have no account (60: 5), as a real registry's museums would
    _, err, db = demo_at_width(30, 0, 80, tmp_path, tmp_path_factory, capsys, monkeypatch)
    museums, with_posts, accounts, posts = _counts(db)
    assert with_posts < museums  # the case this is about
    said = _summary(err)
    assert said.startswith(
        f"{with_posts} museums with posts (of {museums} in the store), {accounts} accounts, "
        f"{posts:,} posts on "
    ), said


def test_the_summary_of_a_demo_whose_museums_all_have_posts(
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, err, db = demo_at_width(12, 0, 80, tmp_path, tmp_path_factory, capsys, monkeypatch)
    museums, with_posts, accounts, posts = _counts(db)
    assert with_posts == museums
    said = _summary(err)
    assert said.startswith(f"{museums} museums, {accounts} accounts, {posts:,} posts on "), said
