"""``run_demo``: a simulated cohort written in the networks' real formats, imported through the
real importers into a fresh store, and scored."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

import engagecore
from engagecore import plugins
from engagecore.demo import DEMO_END, DEMO_START, POSTS_PER_ACCOUNT, run_demo
from engagecore.errors import UsageError
from engagecore.simulate import simulate_cohort


@pytest.mark.slow
def test_the_demo_imports_a_simulated_cohort_and_scores_it(tmp_path: Path) -> None:
    db = tmp_path / "demo.duckdb"
    calls: list[tuple[int, int, str]] = []
    result = run_demo(
        db, museums=4, seed=1, progress=lambda d, t, label: calls.append((d, t, label))
    )

    registry = plugins.registry()
    with_writer = {n: s for n, s in registry.networks.items() if n in registry.demo_writers}
    assert with_writer, "the network plugins ship demo writers"
    assert result.networks == sorted(with_writer)
    assert result.skipped_networks == sorted(set(registry.networks) - set(with_writer))
    # Everything the simulator made went through the files and the importers.
    cohort = simulate_cohort(
        4, 1, with_writer, start=DEMO_START, end=DEMO_END, posts_per_account=POSTS_PER_ACCOUNT
    )
    assert (result.museums, result.accounts, result.posts) == (
        4,
        cohort.accounts.height,
        cohort.posts.height,
    )
    assert result.files >= cohort.accounts.height
    assert calls and calls[-1][0] == calls[-1][1]

    with engagecore.open(db) as engine:
        assert engine.museums.resolve("louvre") == "louvre"
        assert engine.museums.resolve("Centre Pompidou") == "pompidou"
        assert engine.museums.resolve("musée du louvre") == "louvre"
        stored = engine.accounts().select(
            "network", pl.col("handle").str.to_lowercase(), pl.col("museum").alias("stored")
        )
        expected = cohort.accounts.select("network", pl.col("handle").str.to_lowercase(), "museum")
        both = expected.join(stored, on=["network", "handle"], how="left")
        assert (both["stored"] == both["museum"]).all()

    top = result.top
    assert 0 < top.height <= 10
    assert top["engagement_score"].is_sorted(descending=True)
    assert set(top["museum"]) <= set(cohort.museums["slug"])
    assert top["name"].null_count() == 0
    assert result.compare is not None and result.compare.height > 0
    assert all(str(db) in c for c in result.next_commands)
    assert set(result.seconds) == {"simulate", "write", "import", "score"}


def test_the_demo_wants_a_new_store(tmp_path: Path) -> None:
    db = tmp_path / "mine.duckdb"
    with engagecore.open(db) as engine:
        engine.museums.add("Musée de test")
    with pytest.raises(UsageError, match="already holds museums"):
        run_demo(db, museums=2)


def test_the_demo_can_keep_its_export_files(tmp_path: Path) -> None:
    kept = tmp_path / "exports"
    result = run_demo(tmp_path / "d.duckdb", museums=1, seed=2, export_dir=kept)
    assert result.export_dir == kept
    folders = {p.name for p in kept.iterdir()}
    # one folder per network the museum is on (not every network has one museum in a year)
    with engagecore.open(tmp_path / "d.duckdb") as engine:
        on = set(engine.accounts()["network"].to_list())
    assert folders == on and on <= set(result.networks)
    assert result.compare is None  # one museum: nothing to compare with
