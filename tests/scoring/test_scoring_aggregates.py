"""The default aggregate path (per-account lists sorted in polars) equals DuckDB's own
``quantile_cont`` aggregate per museum, on awkward inputs."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import polars as pl
import pytest
from scoring_builders import NETS, T0, followers_frame, inputs, posts_frame

from engagecore.scoring import ScoringConfig
from engagecore.scoring.engagement import _aggregates
from engagecore.scoring.rates_sql import GRID, group_aggregates_sql


def _awkward() -> tuple[pl.DataFrame, pl.DataFrame]:
    rng = np.random.default_rng(11)
    rows = []
    for i in range(400):
        museum = ["louvre", "orsay", "cluny", "rodin"][i % 4]
        net = "alpha" if i % 5 else "beta"
        # louvre has two accounts on alpha: one row, the posts of both
        account = f"{net}-{museum}" + ("-2" if museum == "louvre" and i % 3 == 0 else "")
        counts = {"likes": int(rng.poisson(30)), "comments": int(rng.poisson(3))}
        if i % 17 == 0:
            counts = {}  # no interaction counts: no rate
        if museum == "cluny" and (i // 4) % 2:
            counts["reach"] = int(rng.integers(0, 500))  # reach only (and some zero reach)
        rows.append(
            {
                "network": net,
                "museum": museum,
                "account_id": account,
                "posted_at": T0 + timedelta(days=int(rng.integers(0, 700))),
                "shares": int(rng.poisson(2)) if net == "beta" else None,
                "is_own": bool(i % 23),
                **counts,
            }
        )
    snaps = [
        (net, m, T0 + timedelta(days=d), f)
        for net in ("alpha", "beta")
        for m, f in (("louvre", 90_000), ("orsay", 30_000), ("rodin", 0))
        for d, f in ((0, f), (200, f + 500), (400, f * 2))
    ]
    # cluny's beta account is first counted on day 300: earlier periods fall back ("after")
    snaps += [("beta", "cluny", T0 + timedelta(days=d), 700 + d) for d in (300, 500)]
    snap = followers_frame(snaps)
    second = snap.filter(pl.col("account_id") == "alpha-louvre").with_columns(
        account_id=pl.lit("alpha-louvre-2"), followers=pl.col("followers") // 10
    )
    return posts_frame(rows), pl.concat([snap, second])


@pytest.mark.parametrize("period", ["all", "quarter", "month"])
def test_default_path_equals_duckdb_quantiles(period: str) -> None:
    posts, snaps = _awkward()
    inp = inputs(posts, snaps)
    config = ScoringConfig(period=period)
    fast, grid = _aggregates(inp, NETS, config)
    fast = fast.with_columns(
        q=pl.Series([None if i is None else grid[i].tolist() for i in fast["qi"].to_list()])
    )
    tables = inp.sql()
    ref = tables.con.sql(tables.with_clause() + group_aggregates_sql(NETS, config)).pl()
    # rows without a basis (no counts, zero followers, nothing to divide by) differ by counts
    keys = ["museum", "network", "period_key", "basis", "n_interactions", "n_zero_followers"]
    fast = fast.sort(keys, nulls_last=True)
    ref = ref.with_columns(pl.col("period_key").cast(pl.Int64)).sort(keys, nulls_last=True)
    assert fast.height == ref.height > 10
    assert set(ref.get_column("basis").drop_nulls()) == {"followers", "reach"}
    for col in ("n", "n_interactions", "n_zero_followers", "n_followers_after", "posts"):
        assert fast.get_column(col).cast(pl.Int64).to_list() == ref.get_column(col).to_list(), col
    rated = ref.get_column("basis").is_not_null()
    for col in ("interactions", "log_size", "naive_rate", "n_eff"):
        # log_size is read only for rows with a basis (it is the mean log of their divisors)
        keep = rated if col == "log_size" else pl.Series([True] * ref.height)
        np.testing.assert_allclose(
            fast.get_column(col).filter(keep).cast(pl.Float64).to_numpy(),
            ref.get_column(col).filter(keep).cast(pl.Float64).to_numpy(),
            rtol=1e-12,
            err_msg=col,
        )
    has = ref.get_column("q").is_not_null().to_numpy()
    assert (fast.get_column("q").is_not_null().to_numpy() == has).all()
    q_fast = np.stack(fast.get_column("q").filter(pl.Series(has)).to_list())
    q_ref = np.stack(ref.get_column("q").filter(pl.Series(has)).to_list())
    assert q_fast.shape[1] == GRID.size
    np.testing.assert_allclose(q_fast, q_ref, rtol=1e-12, atol=0)


@pytest.mark.parametrize("period", ["all", "year", "quarter"])
def test_followers_at_period_end_by_filtered_aggregates_equal_list_search(
    period: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The two ways of finding each period's last snapshot (few ends / many) agree."""
    from engagecore.scoring import engagement, rates_sql

    posts, snaps = _awkward()
    inp = inputs(posts, snaps)
    groups = engagement._group_rows(inp, NETS, ScoringConfig(period=period))
    ends = engagement._ends(groups.get_column("period_key"), inp, ScoringConfig(period=period))
    assert ends.height <= rates_sql.FEW_ENDS
    few = engagement._followers_at_end(inp, NETS, ends).sort(pl.all())
    monkeypatch.setattr(rates_sql, "FEW_ENDS", 0)
    many = engagement._followers_at_end(inp, NETS, ends).sort(pl.all())
    assert few.height >= 6
    assert few.equals(many)
    sources = set(few.get_column("followers_source"))
    assert sources == ({"asof", "after"} if period == "quarter" else {"asof"})


@pytest.mark.parametrize("batch", [1, 7, 131_072])
def test_quantile_grid_sorts_and_reads_every_list(
    batch: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unsorted lists (empty, single, long, over several Arrow chunks) and any batch size:
    each row is numpy's linear quantile of its list (DuckDB's ``quantile_cont``), each sum
    its list's sum, and the input lists are left as they were."""
    from engagecore.scoring import engagement

    monkeypatch.setattr(engagement, "_BATCH_VALUES", batch)
    rng = np.random.default_rng(5)
    lengths = [0, 1, 2, 3, 0, 40, 0, 1, 250, 17]
    lists = [rng.lognormal(-5, 1, n).tolist() for n in lengths]
    first = pl.Series("rates", lists[:6], dtype=pl.List(pl.Float64))
    series = first.append(pl.Series("rates", lists[6:], dtype=pl.List(pl.Float64)))
    assert series.n_chunks() == 2
    before = series.to_list()
    grid, sums = engagement.quantile_grid(series)
    assert grid.shape == (len(lists), GRID.size)
    for row, values in enumerate(lists):
        if not values:
            assert np.isnan(grid[row]).all() and sums[row] == 0
            continue
        np.testing.assert_allclose(grid[row], np.quantile(values, GRID), rtol=1e-12)
        assert sums[row] == pytest.approx(sum(values), rel=1e-12)
    assert series.to_list() == before
    # a slice (Arrow offsets not starting at 0) reads the same rows
    part, part_sums = engagement.quantile_grid(series.slice(3, 5))
    np.testing.assert_array_equal(part, grid[3:8])
    np.testing.assert_array_equal(part_sums, sums[3:8])
