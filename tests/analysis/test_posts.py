"""``engage posts`` / ``Engine.top_posts``: own posts ranked by overperformance, breakouts."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest
from cli_run import run

import engagecore
from engagecore.analysis.posts import TOP_POST_COLUMNS, excerpt
from engagecore.errors import EngageError


def test_posts_are_ranked_by_overperformance_from_post_metrics(demo_store: Path) -> None:
    with engagecore.open(demo_store, read_only=True) as eng:
        metrics = eng.post_metrics()
        top = eng.top_posts(top=15)
    assert top.columns == list(TOP_POST_COLUMNS)
    assert top.height == 15
    assert top["rank"].to_list() == list(range(1, 16))
    assert top["overperformance"].is_sorted(descending=True)
    ranked = metrics.filter(pl.col("overperformance").is_not_null()).sort(
        "overperformance", descending=True
    )
    # the first 15 are the 15 highest overperformances of every post, with their own figures
    assert top["post_id"].to_list() == ranked["post_id"].head(15).to_list()
    first = ranked.row(0, named=True)
    assert top["rate"][0] == pytest.approx(first["rate"])
    assert top["overperformance"][0] == pytest.approx(first["rate"] / first["expected"])
    assert top["rate_basis"][0] == first["rate_basis"]


def test_breakouts_only_and_links_from_the_store(demo_store: Path) -> None:
    with engagecore.open(demo_store, read_only=True) as eng:
        metrics = eng.post_metrics()
        out = eng.top_posts(top=None, breakouts=True)
        urls = eng.store.frame("SELECT network, post_id, url FROM posts")
    n_breakouts = metrics.filter(pl.col("breakout").fill_null(False)).height
    assert 0 < out.height == n_breakouts
    assert out["breakout"].all()
    with_threshold = out.join(
        metrics.select("network", "post_id", "breakout_threshold"), on=["network", "post_id"]
    )
    assert (with_threshold["rate"] > with_threshold["breakout_threshold"]).all()
    both = out.join(urls, on=["network", "post_id"])
    assert both.filter(pl.col("url").is_not_null()).height > 0
    assert (both["link"].eq_missing(both["url"])).all()


def test_museums_and_since_select_posts_but_expectations_read_earlier_posts(
    demo_store: Path,
) -> None:
    since = datetime(2025, 1, 1, tzinfo=UTC)
    with engagecore.open(demo_store, read_only=True) as eng:
        every = eng.top_posts(top=None)
        one = eng.top_posts(["Musée du Louvre"], top=None, since=since)
    assert set(one["museum"]) == {"louvre"}
    assert one["posted_at"].min() >= since
    expected = every.filter((pl.col("museum") == "louvre") & (pl.col("posted_at") >= since))
    # the same posts with the same expectations as without --since: the window before counts
    assert one["post_id"].to_list() == expected["post_id"].to_list()
    assert one["expected"].to_list() == expected["expected"].to_list()


def test_unknown_museum_is_one_clear_error(
    demo_store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with engagecore.open(demo_store, read_only=True) as eng, pytest.raises(EngageError):
        eng.top_posts(["nowhere-museum"])
    code, out, err = run(["posts", "nowhere-museum", "--db", str(demo_store)], capsys)
    assert code != 0 and out == ""
    assert len(err.strip().splitlines()) == 1 and "nowhere-museum" in err


def test_excerpt_cuts_at_a_space_on_one_line() -> None:
    text = pl.Series(["short\ncaption", "word " * 40, "x" * 300, None])
    got = pl.select(excerpt(pl.lit(text), 30)).to_series().to_list()
    assert got[0] == "short caption"
    assert got[1].endswith("word…") and len(got[1]) <= 30
    assert got[2] == "x" * 29 + "…"
    assert got[3] is None


def test_cli_posts_formats_fit_and_neutralise(
    demo_copy: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with engagecore.open(demo_copy, read_only=True) as eng:
        best = eng.top_posts(top=1).row(0, named=True)
    con = duckdb.connect(str(demo_copy))
    con.execute(
        "UPDATE posts SET text = ? WHERE network = ? AND post_id = ?",
        ['=HYPERLINK("http://evil.example","x") [bold]\x1b[31m', best["network"], best["post_id"]],
    )
    con.close()
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = run(["posts", "--top", "3", "--db", str(demo_copy)], capsys)
    assert code == 0
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "[bold]" in out and "\x1b" not in out and "\\x1b" in out
    code, out, _ = run(["posts", "--top", "3", "-f", "csv", "--db", str(demo_copy)], capsys)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[0]["text"].startswith("'=HYPERLINK")
    assert rows[0]["excerpt"].startswith("'=HYPERLINK")
    code, out, _ = run(
        ["posts", "--top", "3", "--breakouts", "-f", "json", "--db", str(demo_copy)], capsys
    )
    data = json.loads(out)
    assert len(data) == 3 and all(r["breakout"] for r in data)
    assert data[0]["text"].startswith("=HYPERLINK")
