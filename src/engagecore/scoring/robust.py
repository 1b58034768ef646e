"""The robust aggregate of a group's per-post rates, and its bootstrap, from a quantile grid.

Each museum × network × period arrives as its per-post rate distribution summarized by the
quantile function on :data:`GRID`. The aggregate is the 10 % winsorized mean: every rate
below the 10th percentile is raised to it, every rate above the 90th lowered to it, then the
mean is taken — an L-estimator, i.e. a fixed linear combination of the quantile grid. The
bootstrap draws, for every replicate, the order statistics of a
resample of the group's size through uniform order statistics (Gamma spacings) and maps them
through the group's quantile function; because that map is linear in the grid, one
replicate matrix serves every group of the same size and a replicate costs one matrix product
instead of a resample of posts (docs/scoring.md §2.4).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engagecore.scoring.rates_sql import GRID

#: Share of posts winsorized at each end. 10 % keeps the mean's efficiency on the small
#: counts of small accounts (where a mean of the middle half throws most information away)
#: while capping any viral post at the 90th percentile (benchmarks/validity.py compares).
WINSOR = 0.10

_K = GRID.size
_MID = np.flatnonzero((GRID >= WINSOR - 1e-9) & (GRID <= 1 - WINSOR + 1e-9))


def _coefficients() -> np.ndarray:
    """Grid weights of the winsorized mean: ∫ Q over [w, 1−w] (trapezoid) + w·Q(w) + w·Q(1−w)."""
    coef = np.zeros(_K)
    step = GRID[1] - GRID[0]
    coef[_MID] = step
    coef[_MID[0]] = step / 2 + WINSOR
    coef[_MID[-1]] = step / 2 + WINSOR
    return coef / coef.sum()


AGG_COEF = _coefficients()


def robust_mean(grid_values: np.ndarray) -> np.ndarray:
    """Winsorized mean of each row of quantile-grid values (shape ``(groups, K)``)."""
    return np.asarray(grid_values, dtype=float) @ AGG_COEF


@dataclass(frozen=True)
class BootstrapResult:
    """Per group: the interval of the aggregate and the bootstrap variance."""

    low: np.ndarray
    high: np.ndarray
    variance: np.ndarray


def size_class(n: np.ndarray) -> np.ndarray:
    """The post count a group's bootstrap is drawn for: exact up to 200, else 3 digits.

    Groups whose sizes differ by under 0.5 % share replicate draws; their bootstrap
    distributions are indistinguishable at that size.
    """
    n = np.asarray(n, dtype=np.int64)
    out = n.copy()
    big = n > 200
    if big.any():
        digits = np.floor(np.log10(n[big])).astype(np.int64) - 2
        scale = 10**digits
        out[big] = np.round(n[big] / scale).astype(np.int64) * scale
    return out


def replicate_matrix(n: int, replicates: int, rng: np.random.Generator) -> np.ndarray:
    """``(replicates, K)`` weights: row ``b`` @ a group's grid = its aggregate in replicate ``b``.

    A resample of ``n`` posts has its p-quantile between its order statistics
    ``floor((n-1)p)+1`` and the next; those are the group's quantile function evaluated at
    uniform order statistics, drawn jointly from Gamma spacings, each read as the group's
    order statistic ``ceil(n·u)`` (the rank it falls on in the group's own posts).
    """
    probs = GRID[_MID]
    coef = AGG_COEF[_MID]
    h = (n - 1) * probs
    lo = np.floor(h).astype(np.int64) + 1
    frac = h - (lo - 1)
    hi = np.minimum(lo + 1, n)
    ranks = np.unique(np.concatenate([lo, hi]))
    shapes = np.diff(np.concatenate([[0], ranks, [n + 1]])).astype(float)
    spacings = rng.standard_gamma(np.broadcast_to(shapes, (replicates, shapes.size)))
    cum = np.cumsum(spacings, axis=1)
    uniforms = cum[:, :-1] / cum[:, -1:]
    u_lo = uniforms[:, np.searchsorted(ranks, lo)]
    u_hi = uniforms[:, np.searchsorted(ranks, hi)]
    u = np.concatenate([u_lo, u_hi], axis=1)
    w = np.concatenate([coef * (1 - frac), coef * frac])
    if n > 1:
        # the resample holds the group's own posts: read the order statistic ceil(n·u)
        u = (np.clip(np.ceil(u * n), 1, n) - 1) / (n - 1)
    pos = np.clip(u, 0.0, 1.0) * (_K - 1)
    left = np.minimum(np.floor(pos).astype(np.int64), _K - 2)
    right_w = pos - left
    rows = np.broadcast_to(np.arange(replicates)[:, None], u.shape)
    flat_left = (rows * _K + left).ravel()
    weights_left = (w * (1 - right_w)).ravel()
    weights_right = (w * right_w).ravel()
    size = replicates * _K
    mat = np.bincount(flat_left, weights_left, minlength=size)
    mat += np.bincount(flat_left + 1, weights_right, minlength=size)
    return mat.reshape(replicates, _K)


def bootstrap_mean(
    grid_values: np.ndarray,
    n: np.ndarray,
    *,
    replicates: int,
    seed: int,
    level: float,
) -> BootstrapResult:
    """The bootstrap interval (percentile method) and variance of each group's aggregate.

    Deterministic: each size class draws from a generator seeded by (seed, size), so a
    group's interval does not depend on which other groups are scored with it.
    """
    grid_values = np.asarray(grid_values, dtype=float)
    groups = grid_values.shape[0]
    low = np.full(groups, np.nan)
    high = np.full(groups, np.nan)
    var = np.full(groups, np.nan)
    classes = size_class(np.maximum(np.asarray(n, dtype=np.int64), 0))
    alpha = (1 - level) / 2
    for c in np.unique(classes[classes > 0]):
        members = np.flatnonzero(classes == c)
        mat = replicate_matrix(int(c), replicates, np.random.default_rng([seed, int(c)]))
        reps = grid_values[members] @ mat.T
        low[members], high[members] = _quantile_pair(reps, alpha)
        var[members] = reps.var(axis=1, ddof=1)
    return BootstrapResult(low, high, var)


def _quantile_pair(reps: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise ``alpha`` and ``1 - alpha`` quantiles (linear interpolation, numpy's default)."""
    b = reps.shape[1]
    pos = np.array([alpha, 1 - alpha]) * (b - 1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, b - 1)
    part = np.sort(reps, axis=1)  # numpy's multi-kth partition is slower than a sort here
    frac = pos - lo
    out = part[:, lo] * (1 - frac) + part[:, hi] * frac
    return out[:, 0], out[:, 1]
