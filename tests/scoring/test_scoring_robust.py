"""The robust aggregate and its bootstrap, checked against plain numpy computations."""

from __future__ import annotations

import numpy as np
import pytest

from engagecore.scoring.rates_sql import GRID
from engagecore.scoring.robust import bootstrap_mean, robust_mean, size_class


def _grid(x: np.ndarray) -> np.ndarray:
    return np.quantile(x, GRID)[None, :]  # numpy's linear method is DuckDB's quantile_cont


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


@pytest.mark.parametrize("n", [2, 5, 30, 300])
def test_bootstrap_matches_resampling(n: int) -> None:
    rng = np.random.default_rng(n)
    x = rng.lognormal(0, 1, n)
    reps = np.array([robust_mean(_grid(rng.choice(x, n)))[0] for _ in range(3000)])
    res = bootstrap_mean(_grid(x), np.array([n]), replicates=3000, seed=7, level=0.9)
    spread = reps.std()
    assert res.low[0] == pytest.approx(np.quantile(reps, 0.05), abs=0.3 * spread + 1e-12)
    assert res.high[0] == pytest.approx(np.quantile(reps, 0.95), abs=0.3 * spread + 1e-12)
    assert np.sqrt(res.variance[0]) == pytest.approx(spread, rel=0.1)


def test_bootstrap_is_deterministic_and_independent_of_other_rows() -> None:
    rng = np.random.default_rng(3)
    a, b = rng.lognormal(0, 1, 25), rng.lognormal(0, 1, 25)
    alone = bootstrap_mean(_grid(a), np.array([25]), replicates=200, seed=1, level=0.95)
    pair = bootstrap_mean(
        np.vstack([_grid(b), _grid(a)]), np.array([25, 25]), replicates=200, seed=1, level=0.95
    )
    assert pair.low[1] == pytest.approx(alone.low[0], rel=1e-12)
    assert pair.high[1] == pytest.approx(alone.high[0], rel=1e-12)
    other_seed = bootstrap_mean(_grid(a), np.array([25]), replicates=200, seed=2, level=0.95)
    assert other_seed.low[0] != alone.low[0]


def test_single_post_has_no_bootstrap_spread() -> None:
    res = bootstrap_mean(
        np.full((1, GRID.size), 0.2), np.array([1]), replicates=50, seed=0, level=0.95
    )
    assert res.low[0] == pytest.approx(0.2) and res.high[0] == pytest.approx(0.2)
    assert res.variance[0] == pytest.approx(0, abs=1e-20)


def test_size_classes_are_exact_small_and_close_large() -> None:
    n = np.array([1, 150, 200, 1234, 987654])
    c = size_class(n)
    assert list(c[:3]) == [1, 150, 200]
    assert np.all(np.abs(c - n) / n < 0.005)
