"""``run_demo``: a simulated cohort written in the networks' real formats, imported through the
real importers into a fresh store, and scored."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from built_once import copy_of, demo_build

import engagecore
from engagecore import plugins
from engagecore.demo import DemoResult, demo_cohort, run_demo
from engagecore.errors import UsageError
from engagecore.pluginapi import NetworkSpec

#: A small demo that still has what the full one shows: a museum on TikTok measuring its
#: followers' ages and one that does not, YouTube videos read more than once, and enough
#: accounts per network for growth scores.
MUSEUMS, SEED = 8, 1


@dataclass
class Demo:
    result: DemoResult
    db: Path  # a copy of the store the demo built (at built), for this test process
    calls: list[tuple[int, int, str]]
    built: Path


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    built = demo_build(tmp_path_factory, museums=MUSEUMS, seed=SEED)  # run_demo(…, progress=)
    db = copy_of(built.db, tmp_path_factory.mktemp("demo") / "demo.duckdb")
    return Demo(built.result, db, built.calls, built.db)


def _with_writer() -> dict[str, NetworkSpec]:
    registry = plugins.registry()
    return {n: s for n, s in registry.networks.items() if n in registry.demo_writers}


def _query(demo: Demo, sql: str) -> pl.DataFrame:
    with engagecore.open(demo.db) as engine:
        return engine.query(sql)


@pytest.mark.slow
def test_the_demo_imports_a_simulated_cohort_and_scores_it(demo: Demo) -> None:
    result, db, calls = demo.result, demo.db, demo.calls
    registry = plugins.registry()
    with_writer = _with_writer()
    assert with_writer, "the network plugins ship demo writers"
    assert result.networks == sorted(with_writer)
    assert result.skipped_networks == sorted(set(registry.networks) - set(with_writer))
    # Everything the simulator made went through the files and the importers.
    cohort = demo_cohort(MUSEUMS, SEED, with_writer)
    assert (result.museums, result.accounts, result.posts) == (
        MUSEUMS,
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
    assert all(str(demo.built) in c for c in result.next_commands)
    assert set(result.seconds) == {"simulate", "write", "import", "score"}


def test_the_full_demo_has_owned_ages_on_the_networks_that_give_them() -> None:
    """The default demo (60 museums, seed 0) gives some accounts owned age data on every
    network whose owners can export it, TikTok included (written as its real files, read by
    the tests below and by each plugin's writer tests)."""
    cohort = demo_cohort(60, 0, _with_writer())
    measured = set(cohort.audience_age["network"])
    assert {"instagram", "youtube", "threads", "tiktok"} <= measured
    on = cohort.accounts.group_by("network").len()
    for network in ("instagram", "youtube", "threads", "tiktok"):
        n_on = on.filter(pl.col("network") == network)["len"].item()
        n_measured = cohort.audience_age.filter(pl.col("network") == network)[
            "account_id"
        ].n_unique()
        assert 0 < n_measured < n_on, network  # some measure, others are estimated


@pytest.mark.slow
def test_the_demo_shows_tiktok_young_shares_measured_and_museum_adjusted(demo: Demo) -> None:
    ages = _query(
        demo,
        "SELECT DISTINCT a.network, i.importer FROM audience_age a JOIN imports i USING (import_id)",
    )
    scores = demo.result.scores  # engage score on the demo's store
    assert ("tiktok", "tiktok-business") in set(ages.select("network", "importer").iter_rows())
    assert {"instagram", "youtube"} <= set(ages["network"])
    tiktok = scores.filter(pl.col("network") == "tiktok")
    measured = tiktok.filter(pl.col("young_basis") == "measured")
    estimated = tiktok.filter(pl.col("young_basis").str.starts_with("estimated"))
    assert measured.height and estimated.height
    assert measured["young_share"].is_between(0.0, 1.0, closed="none").all()
    # the others' shares are the platform prior moved by the museums that measure
    assert estimated["young_basis"].str.contains(r"^estimated \(museum-adjusted, n = \d+").all()
    assert (estimated["young_share_low"] < estimated["young_share_high"]).all()
    for network in ("instagram", "youtube"):
        rows = scores.filter(pl.col("network") == network)
        assert (rows["young_basis"] == "measured").any(), network


@pytest.mark.slow
def test_the_demo_follower_snapshots_are_noisy_and_growth_has_intervals(demo: Demo) -> None:
    with engagecore.open(demo.db) as engine:
        snaps = engine.query(
            "SELECT network, account_id, epoch(observed_at) / 86400 AS day, followers "
            "FROM follower_snapshots WHERE network = 'facebook' ORDER BY account_id, day"
        )
        scores = engine.score(growth=True)
    # around each account's log-linear trend, the readings scatter (no perfect curve)
    scatter = []
    for (_,), part in snaps.group_by("account_id"):
        if part.height >= 5:
            x, y = part["day"].to_numpy(), np.log(part["followers"].to_numpy().astype(float))
            fit = np.polyval(np.polyfit(x, y, 1), x)
            scatter.append(float(np.std(y - fit)))
    assert scatter and 0.002 < float(np.median(scatter)) < 0.1
    grown = scores.filter(pl.col("growth_score").is_not_null() & (pl.col("network") != "all"))
    assert grown.height >= 5
    width = grown["follower_growth_high"] - grown["follower_growth_low"]
    assert (width > 0).all()
    score_width = grown["growth_score_high"] - grown["growth_score_low"]
    assert (score_width > 0).sum() >= grown.height // 2


@pytest.mark.slow
def test_the_demo_estimates_an_accrual_curve_from_repeated_readings(demo: Demo) -> None:
    repeated = _query(
        demo,
        "SELECT DISTINCT network FROM post_observations GROUP BY network, post_id "
        "HAVING count(DISTINCT observed_at) > 1",
    )
    scores = demo.result.scores
    assert "youtube" in set(repeated["network"])
    estimated = scores.filter(pl.col("accrual_basis").str.starts_with("estimated from"))
    assert estimated.height and "youtube" in set(estimated["network"])
    for basis, hours in estimated.select("accrual_basis", "maturity_hours").iter_rows():
        assert re.fullmatch(r"estimated from \d+ posts", basis)
        assert hours is not None and math.isfinite(hours) and hours > 0


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
