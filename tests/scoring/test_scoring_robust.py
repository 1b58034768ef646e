"""The robust aggregate and its bootstrap, checked against plain numpy computations."""

from __future__ import annotations

import numpy as np
import pytest

from engagecore.scoring.rates_sql import GRID
from engagecore.scoring.robust import (
    AGG_COEF,
    CLASS_RATIO,
    bootstrap_mean,
    replicate_matrices,
    robust_mean,
    size_class,
)


def _grid(x: np.ndarray) -> np.ndarray:
    return np.quantile(x, GRID)[None, :]  # numpy's linear method is DuckDB's quantile_cont


def _resampled(x: np.ndarray, times: int, rng: np.random.Generator) -> np.ndarray:
    """The aggregate of ``times`` plain resamples of the posts ``x``: the reference bootstrap."""
    out = []
    for block in np.array_split(np.arange(times), max(1, times * x.size // 1_000_000)):
        samples = x[rng.integers(0, x.size, (block.size, x.size))]
        out.append(np.quantile(samples, GRID, axis=1).T @ AGG_COEF)
    return np.concatenate(out)


def test_the_aggregate_is_the_10_percent_winsorized_mean() -> None:
    x = np.random.default_rng(1).lognormal(0, 1, 4001)
    lo, hi = np.quantile(x, [0.1, 0.9])
    exact = np.clip(x, lo, hi).mean()
    assert robust_mean(_grid(x))[0] == pytest.approx(exact, rel=0.01)
    assert robust_mean(np.full((1, GRID.size), 0.3))[0] == pytest.approx(0.3)


def test_one_viral_post_barely_moves_the_robust_mean() -> None:
    x = np.random.default_rng(2).lognormal(0, 0.5, 40)
    viral = np.append(x, 1000 * x.max())
    assert robust_mean(_grid(viral))[0] == pytest.approx(robust_mean(_grid(x))[0], rel=0.1)
    assert viral.mean() > 20 * x.mean()


# 2 … 30: weights on the group's order statistics; 300, 1000: the shared sequence of
# exponentials; 2500: beyond it at 3000 replicates, its own Gamma spacings
@pytest.mark.parametrize("n", [2, 5, 30, 300, 1000, 2500])
def test_bootstrap_matches_resampling(n: int) -> None:
    rng = np.random.default_rng(n)
    x = rng.lognormal(0, 1, n)
    reps = _resampled(x, 3000, rng)
    res = bootstrap_mean(_grid(x), np.array([n]), replicates=3000, seed=7, level=0.9)
    spread = reps.std()
    assert res.low[0] == pytest.approx(np.quantile(reps, 0.05), abs=0.3 * spread + 1e-12)
    assert res.high[0] == pytest.approx(np.quantile(reps, 0.95), abs=0.3 * spread + 1e-12)
    assert np.sqrt(res.variance[0]) == pytest.approx(spread, rel=0.1)


def test_interval_and_variance_are_those_of_the_replicates() -> None:
    rng = np.random.default_rng(4)
    n = np.array([1, 2, 17, 30, 31, 45, 300, 5000, 20000])
    grids = np.vstack([_grid(rng.lognormal(0, 1, min(m, 4000) + 1)) for m in n])
    res = bootstrap_mean(grids, n, replicates=200, seed=4, level=0.9)
    mats = replicate_matrices(size_class(n), 200, seed=4)
    for i in range(n.size):
        reps = mats[i] @ grids[i]
        lo, hi = np.quantile(reps, [0.05, 0.95])
        assert hi - lo > 0
        # replicates are sorted in float32: far finer than the interval
        assert res.low[i] == pytest.approx(lo, abs=1e-5 * (hi - lo))
        assert res.high[i] == pytest.approx(hi, abs=1e-5 * (hi - lo))
        assert res.variance[i] == pytest.approx(reps.var(ddof=1), rel=1e-9)


def test_replicates_are_weighted_means_drawn_per_size() -> None:
    sizes = np.array([1, 2, 3, 30, 31, 200, 1000, 20000])
    mats = replicate_matrices(sizes, 50, seed=9)
    assert mats.shape == (sizes.size, 50, GRID.size)
    assert (mats >= 0).all()
    assert np.allclose(mats.sum(axis=2), 1)
    for i, n in enumerate(sizes):  # a size's draws do not depend on the sizes drawn with it
        np.testing.assert_allclose(replicate_matrices(np.array([n]), 50, 9)[0], mats[i], atol=1e-15)
    assert not np.allclose(replicate_matrices(sizes, 50, seed=10), mats)


def test_bootstrap_is_deterministic_and_independent_of_other_rows() -> None:
    rng = np.random.default_rng(3)
    a = rng.lognormal(0, 1, 25)
    alone = bootstrap_mean(_grid(a), np.array([25]), replicates=200, seed=1, level=0.95)
    # rows of the same size, of other sizes (beyond the shared sequence of exponentials too)
    # and without posts, before and after it
    sizes = np.array([25, 1, 7, 31, 0, 25, 400, 5000, 40000])
    others = np.vstack([_grid(rng.lognormal(0, 1, min(m, 3000) + 1)) for m in sizes])
    grids = np.vstack([others[:4], _grid(a), others[4:]])
    mixed = bootstrap_mean(grids, np.insert(sizes, 4, 25), replicates=200, seed=1, level=0.95)
    assert mixed.low[4] == pytest.approx(alone.low[0], rel=1e-12)
    assert mixed.high[4] == pytest.approx(alone.high[0], rel=1e-12)
    assert mixed.variance[4] == pytest.approx(alone.variance[0], rel=1e-12)
    assert np.isnan(mixed.low[5]) and np.isnan(mixed.variance[5])  # no posts: no interval
    again = bootstrap_mean(grids, np.insert(sizes, 4, 25), replicates=200, seed=1, level=0.95)
    np.testing.assert_array_equal(again.low, mixed.low)
    other_seed = bootstrap_mean(_grid(a), np.array([25]), replicates=200, seed=2, level=0.95)
    assert other_seed.low[0] != alone.low[0]


def test_single_post_has_no_bootstrap_spread() -> None:
    res = bootstrap_mean(
        np.full((1, GRID.size), 0.2), np.array([1]), replicates=50, seed=0, level=0.95
    )
    assert res.low[0] == pytest.approx(0.2) and res.high[0] == pytest.approx(0.2)
    assert res.variance[0] == pytest.approx(0, abs=1e-20)


def test_one_effective_post_resamples_the_quantile_function() -> None:
    # recency weighting can leave several posts with an effective size of 1: a resample
    # of one post drawn from Q is Q(U), so the interval spans Q(2.5 %) … Q(97.5 %)
    res = bootstrap_mean(GRID[None, :], np.array([1]), replicates=3000, seed=0, level=0.95)
    assert res.low[0] == pytest.approx(0.025, abs=0.01)
    assert res.high[0] == pytest.approx(0.975, abs=0.01)
    assert res.variance[0] == pytest.approx(1 / 12, rel=0.1)


def test_size_classes_are_exact_small_and_within_5_percent_large() -> None:
    n = np.arange(1, 1_000_001)
    c = size_class(n)
    assert np.array_equal(c[:40], n[:40])
    classes = np.unique(c)
    assert np.array_equal(size_class(classes), classes)
    steps = classes[1:] / classes[:-1]
    assert np.all((np.diff(classes) == 1) | (steps <= CLASS_RATIO))
    # a row's class is the nearest in ratio, so the width of its interval (∝ 1/√n) is off
    # by at most 1.05^¼ - 1 < 1.25 %: far below the Monte-Carlo error of a 200-replicate
    # percentile endpoint (≈ 10 % of the half-width)
    assert np.abs(np.sqrt(n / c) - 1).max() <= CLASS_RATIO**0.25 - 1 < 0.0125
    huge = np.array([10**9, 2**31 - 1])
    assert np.all(np.abs(size_class(huge) / huge - 1) < 0.025)


def test_bootstrap_width_follows_the_size_class() -> None:
    # 1,000 posts are bootstrapped as their class: the interval's width is off by < 1.25 %
    x = np.random.default_rng(5).lognormal(0, 1, 1000)
    at_n = bootstrap_mean(_grid(x), np.array([1000]), replicates=200, seed=3, level=0.95)
    c = int(size_class(np.array([1000]))[0])
    at_c = bootstrap_mean(_grid(x), np.array([c]), replicates=200, seed=3, level=0.95)
    assert (at_n.low[0], at_n.high[0]) == (at_c.low[0], at_c.high[0])
    assert abs(np.sqrt(c / 1000) - 1) < 0.0125
