"""The robust aggregate of a group's per-post rates, and its bootstrap, from a quantile grid.

Each museum × network × period arrives as its per-post rate distribution summarized by the
quantile function on :data:`GRID`. The aggregate is the 10 % winsorized mean: every rate
below the 10th percentile is raised to it, every rate above the 90th lowered to it, then the
mean is taken — an L-estimator, i.e. a fixed linear combination of the quantile grid. The
bootstrap draws, for every replicate, the order statistics of a resample of the group's size
through uniform order statistics (cumulative sums of exponentials) and maps them through the
group's quantile function; because that map is linear in the grid, one replicate matrix
serves every group of the same size class and a replicate costs one matrix product instead of
a resample of posts (docs/scoring.md §2.3).
"""

from __future__ import annotations

from collections.abc import Iterator
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


#: Neighbouring size classes are at most this ratio apart (every size up to 40 is a class).
CLASS_RATIO = 1.05


def _class_sizes(limit: int = 2**31) -> np.ndarray:
    """The sizes bootstraps are drawn for: each the previous ×1.05 rounded down, or +1."""
    sizes = [1]
    while sizes[-1] < limit:
        g = sizes[-1]
        sizes.append(max(g + 1, g * 21 // 20))  # g·1.05 rounded down: ratio ≤ CLASS_RATIO
    return np.array(sizes, dtype=np.int64)


_CLASSES = _class_sizes()


def _nearest_class(n: np.ndarray) -> np.ndarray:
    """Index in ``_CLASSES`` of each size's class: the class nearest in ratio."""
    n = np.clip(n, 1, _CLASSES[-1])
    i = np.searchsorted(_CLASSES, n)
    below = np.maximum(i - 1, 0)
    return np.where(n * n < _CLASSES[below] * _CLASSES[i], below, i)  # lower one is nearer


_CLASS_OF = _nearest_class(np.arange(1 << 16)).astype(np.uint16)  # a lookup for common sizes


def _class_index(n: np.ndarray) -> np.ndarray:
    """:func:`_nearest_class` of sizes ≥ 1, through the lookup table where it reaches."""
    n = np.asarray(n, dtype=np.int64)
    if n.size and n.max() < _CLASS_OF.size:
        return _CLASS_OF[n]
    return _nearest_class(n).astype(np.uint16)


def size_class(n: np.ndarray) -> np.ndarray:
    """The post count a group's bootstrap is drawn for: the nearest class size (in ratio).

    Classes are every size up to 40, then a geometric grid at most 5 % apart, so a group's
    class is within a factor √1.05 of its size and, the interval's width going as 1/√n, its
    width is off by at most 1.05^¼ − 1 < 1.25 % — far below the Monte-Carlo error of a
    200-replicate percentile endpoint (≈ 10 % of the half-width).
    """
    return _CLASSES[_class_index(np.maximum(np.asarray(n, dtype=np.int64), 1))]


#: Exponentials are drawn in blocks of this many rows, block k from its own generator.
_BLOCK = 1024
#: Sizes read one shared sequence of exponentials while it holds at most this many draws
#: (16 blocks at B = 200); larger sizes draw their own Gamma spacings (B × 67 draws each).
_SHARED_DRAWS = 16 * _BLOCK * 200
#: Sizes up to this keep their replicates as weights on their n order statistics (read
#: from the grid by one more, small, product): fewer operations than weights on the grid.
_RANK_MAX = 30
#: Reads per pass of the replicate matrices' arithmetic, rows per matrix product and sort:
#: small enough for the working arrays to stay in cache, and reused (fresh memory costs).
_READS_PER_PASS = 256
_CHUNK = 1024
#: n·U is scaled down by this relative amount so that floor(n·U) ≤ n - 1 despite rounding.
_BELOW_ONE = 1 - 2.0**-50

_PROBS = GRID[_MID]
_PROB_COEF = AGG_COEF[_MID]


def _reads(sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The order statistics each size's estimator reads: ``(offsets, cls, rank, weight)``.

    A sample of ``n`` has its p-quantile between its order statistics ``floor((n-1)p)+1``
    and the next (numpy's and DuckDB's linear interpolation); the winsorized mean weighs
    those reads. Reads of one size on one rank are merged, reads of weight 0 dropped; size
    ``i``'s reads are ``offsets[i]:offsets[i+1]``, by increasing rank.
    """
    h = (sizes[:, None] - 1) * _PROBS
    lo = np.floor(h).astype(np.int64) + 1
    frac = h - (lo - 1)
    hi = np.minimum(lo + 1, sizes[:, None])
    rank = np.concatenate([lo, hi], axis=1).ravel()
    weight = np.concatenate([_PROB_COEF * (1 - frac), _PROB_COEF * frac], axis=1).ravel()
    cls = np.repeat(np.arange(sizes.size), 2 * _PROBS.size)
    keep = weight > 0
    span = int(sizes[-1]) + 1
    key, inverse = np.unique(cls[keep] * span + rank[keep], return_inverse=True)
    cls, rank = np.divmod(key, span)
    weight = np.bincount(inverse, weight[keep])
    offsets = np.searchsorted(cls, np.arange(sizes.size + 1))
    return offsets, cls, rank, weight


def _shared_max(replicates: int) -> int:
    """The largest size that reads the shared sequence of exponentials."""
    return max(_SHARED_DRAWS // replicates // _BLOCK, 1) * _BLOCK - 1


def _exponential_sums(seed: int, replicates: int, length: int) -> np.ndarray:
    """``(≥ length, replicates)`` running sums of unit exponentials: row ``j-1`` is S_j.

    Block k of ``_BLOCK`` rows comes from a generator seeded ``(seed, 0, k)``, so a prefix
    does not depend on how many rows are asked for (nor on the other groups scored).
    """
    blocks = -(-length // _BLOCK)
    out = np.empty((blocks * _BLOCK, replicates))
    for k in range(blocks):
        rows = out[k * _BLOCK : (k + 1) * _BLOCK]
        np.random.default_rng([seed, 0, k]).standard_exponential(out=rows)
    return np.cumsum(out, axis=0, out=out)


def _gamma_uniforms(n: int, ranks: np.ndarray, replicates: int, seed: int) -> np.ndarray:
    """``(len(ranks), replicates)`` uniform order statistics of a size drawn on its own.

    Gamma spacings between just the ranks read (B × 67 draws), from a generator seeded
    ``(seed, 1, n)``: for sizes too large for the shared sequence of exponentials.
    """
    shapes = np.diff(np.concatenate([[0], ranks, [n + 1]])).astype(float)
    rng = np.random.default_rng([seed, 1, n])
    cum = np.cumsum(rng.standard_gamma(np.broadcast_to(shapes, (replicates, shapes.size))), 1)
    return (cum[:, :-1] / cum[:, -1:]).T


def _rank_reader(n: int) -> np.ndarray:
    """``(n, K)``: row ``r`` @ a group's grid = the group's order statistic ``r + 1`` of n.

    Read on the grid at position ``r·(K-1)/(n-1)`` (n ≥ 2) by linear interpolation, as
    the grid path of :func:`_matrix_passes` reads it.
    """
    pos = np.arange(n) * ((_K - 1) / (n - 1))
    left = np.minimum(pos.astype(np.intp), _K - 2)
    out = np.zeros((n, _K))
    out[np.arange(n), left] = 1 - (pos - left)
    out[np.arange(n), left + 1] += pos - left
    return out


def _matrix_passes(
    sizes: np.ndarray, replicates: int, seed: int
) -> Iterator[tuple[slice, np.ndarray, bool]]:
    """The replicates of increasing ``sizes``, a few sizes at a time (in cache).

    Yields ``(part, mats, ranked)``, ``mats`` valid until the next pass. If ``ranked``,
    ``mats[i, :, :n]`` are size ``n = sizes[part][i]``'s replicates as weights on the
    group's n order statistics (:func:`_rank_reader` reads those from the grid), else
    ``mats[i]`` are its replicates as weights on the grid: ``mats[i][b]`` @ a group's grid
    is the group's aggregate in replicate ``b``.

    A resample of ``n`` posts has its order statistics at the group's own order statistics
    ``ceil(n·U_(j))``, ``U_(j) = S_j / S_{n+1}`` (S: running sums of unit exponentials, the
    Gamma-spacings construction), read on the grid by linear interpolation and weighed by
    the estimator. Sizes up to :func:`_shared_max` read one shared sequence of
    exponentials, larger ones their own Gamma spacings: a size's replicates depend only on
    (seed, replicates, size).
    """
    offsets, cls, rank, weight = _reads(sizes)
    step = ((_K - 1) / np.maximum(sizes - 1, 1))[cls]  # grid columns per rank
    shared_max = _shared_max(replicates)
    shared = sizes[sizes <= shared_max]
    sums = _exponential_sums(seed, replicates, int(shared[-1]) + 1) if shared.size else None
    last_ranked = int(np.searchsorted(sizes, _RANK_MAX, "right"))
    most = _READS_PER_PASS + 2 * _PROBS.size
    buffers = [np.empty((most, replicates)) for _ in range(3)]
    left_buffer = np.empty((most, replicates), dtype=np.intp)
    a = 0
    while a < sizes.size:
        b = max(int(np.searchsorted(offsets, offsets[a] + _READS_PER_PASS, "right")) - 1, a + 1)
        single = sizes[a] == 1  # its own pass: read continuously, not on ranks
        ranked = not single and a < last_ranked
        b = a + 1 if single else min(b, last_ranked) if ranked else b
        r = slice(offsets[a], offsets[b])
        x, upper, lower = (buf[: r.stop - r.start] for buf in buffers)
        left = left_buffer[: r.stop - r.start]
        for i in range(a, b):  # x = n·U_(j) of every read
            n, own = int(sizes[i]), slice(offsets[i] - r.start, offsets[i + 1] - r.start)
            ranks = rank[offsets[i] : offsets[i + 1]]
            if sums is not None and n <= shared_max:
                np.multiply(sums[ranks - 1], n * _BELOW_ONE / sums[n], out=x[own])
            else:
                uniforms = _gamma_uniforms(n, ranks, replicates, seed)
                np.multiply(uniforms, n * _BELOW_ONE, out=x[own])
        if single:  # a resample of one post from Q: Q(U), read anywhere on the grid
            x *= _K - 1
        else:  # rank - 1 of the resample's order statistic among the group's posts:
            np.floor(x, out=x)  # floor(n·U) (= ceil(n·U) - 1 but on a null set)
        if ranked:
            width = int(sizes[b - 1])
            np.copyto(left, x, casting="unsafe")
            np.copyto(lower, weight[r, None])
        else:
            # its grid position (rank-1)·(K-1)/(n-1), split between the points either side
            width = _K + 1  # a spare column takes the zero upper share of a read at K-1
            if not single:
                x *= step[r, None]
            np.floor(x, out=lower)
            np.subtract(x, lower, out=upper)
            np.copyto(left, lower, casting="unsafe")
            upper *= weight[r, None]
            np.subtract(weight[r, None], upper, out=lower)
        left += ((cls[r] - a) * (replicates * width))[:, None]
        left += np.arange(replicates) * width
        flat = left.ravel()
        cells = (b - a) * replicates * width
        mats = np.bincount(flat, lower.ravel(), minlength=cells).reshape(-1, replicates, width)
        if not ranked:
            uppers = np.bincount(flat, upper.ravel(), minlength=cells).reshape(mats.shape)
            mats[:, :, 1:] += uppers[:, :, :-1]
            mats = mats[:, :, :_K]
        yield slice(a, b), mats, ranked
        a = b


def replicate_matrices(sizes: np.ndarray, replicates: int, seed: int) -> np.ndarray:
    """``(sizes, replicates, K)`` replicate matrices of increasing ``sizes``.

    Row ``b`` of size ``n``'s matrix @ a group's grid = the group's aggregate in replicate
    ``b``; see :func:`_matrix_passes` for how the replicates are drawn.
    """
    sizes = np.asarray(sizes, dtype=np.int64)
    out = np.empty((sizes.size, replicates, _K))
    for part, mats, ranked in _matrix_passes(sizes, replicates, seed):
        if not ranked:
            out[part] = mats
            continue
        for i, n in enumerate(sizes[part]):
            out[part.start + i] = mats[i, :, :n] @ _rank_reader(int(n))
    return out


def _products(
    sizes: np.ndarray, mats: np.ndarray, ranked: bool, replicates: int
) -> list[tuple[np.ndarray | None, np.ndarray]]:
    """Per size of a pass: the reader of a group's basis, and the product to apply to it.

    The basis is the group's deviations on the grid (reader ``None``), or, if ``ranked``,
    its n order statistics (deviations @ reader). The product holds the replicates'
    weights on the basis (transposed) beside their covariance: one product with a group's
    basis gives its replicates and the vector whose dot product with the basis is their
    variance (ddof = 1).
    """
    blocks: list[tuple[np.ndarray | None, np.ndarray]] = [(None, mats)]
    if ranked:
        blocks = [(_rank_reader(int(n)).T, mats[i : i + 1, :, :n]) for i, n in enumerate(sizes)]
    out: list[tuple[np.ndarray | None, np.ndarray]] = []
    for reader, weights in blocks:
        width = weights.shape[2]
        product = np.empty((weights.shape[0], width, replicates + width))
        product[:, :, :replicates] = weights.transpose(0, 2, 1)
        weights -= weights.mean(axis=1, keepdims=True)
        np.matmul(weights.transpose(0, 2, 1), weights, out=product[:, :, replicates:])
        product[:, :, replicates:] /= replicates - 1
        out.extend((reader, p) for p in product)
    return out


def bootstrap_mean(
    grid_values: np.ndarray,
    n: np.ndarray,
    *,
    replicates: int,
    seed: int,
    level: float,
) -> BootstrapResult:
    """The bootstrap interval (percentile method) and variance of each group's aggregate.

    Deterministic: a group's replicates depend only on (seed, replicates, its size class),
    never on which other groups are scored with it. Replicates are computed (float64) as
    deviations from the group's aggregate (every replicate's weights sum to 1) and sorted
    in float32, far finer than their spread; the variance is the quadratic form of the
    replicates' weights' covariance: exactly the replicates' variance.
    """
    grid_values = np.asarray(grid_values, dtype=float)
    n = np.asarray(n, dtype=np.int64)
    low = np.full(n.size, np.nan)
    high = np.full(n.size, np.nan)
    var = np.full(n.size, np.nan)
    scored = np.flatnonzero(n > 0)
    if scored.size == 0:
        return BootstrapResult(low, high, var)
    index = _class_index(n[scored])
    rows = scored[np.argsort(index, kind="stable")]  # a radix sort on 16 bits: by size class
    counts = np.bincount(index, minlength=_CLASSES.size)
    present = np.flatnonzero(counts)
    sizes = _CLASSES[present]
    ends = np.cumsum(counts[present])
    starts = ends - counts[present]
    alpha = (1 - level) / 2
    chunk = min(_CHUNK, rows.size)
    grid = np.empty((chunk, _K))
    center = np.empty(chunk)
    dev = np.empty((chunk, _K))
    ranks = np.empty((chunk, _RANK_MAX))
    out = np.empty((chunk, replicates + _K))
    ordered = np.empty((chunk, replicates), dtype=np.float32)
    for part, mats, ranked in _matrix_passes(sizes, replicates, seed):
        products = _products(sizes[part], mats, ranked, replicates)
        for s in range(starts[part.start], ends[part.stop - 1], chunk):
            e = min(s + chunk, ends[part.stop - 1])
            m = e - s
            np.take(grid_values, rows[s:e], axis=0, out=grid[:m])
            np.matmul(grid[:m], AGG_COEF, out=center[:m])
            np.subtract(grid[:m], center[:m, None], out=dev[:m])
            first = part.start + int(np.searchsorted(ends[part], s, "right"))
            last = part.start + int(np.searchsorted(starts[part], e))
            for c in range(first, last):  # the sizes met in this chunk
                a, b = max(starts[c], s) - s, min(ends[c], e) - s
                reader, product = products[c - part.start]
                if reader is None:
                    basis = dev[a:b]
                else:
                    basis = np.matmul(dev[a:b], reader, out=ranks[a:b, : reader.shape[1]])
                width = basis.shape[1]
                np.matmul(basis, product, out=out[a:b, : replicates + width])
                spread = out[a:b, replicates : replicates + width]
                var[rows[s + a : s + b]] = np.einsum("ij,ij->i", spread, basis)
            np.copyto(ordered[:m], out[:m, :replicates], casting="same_kind")
            ordered[:m].sort(axis=1)
            lo, hi = _quantile_pair(ordered[:m], alpha)
            low[rows[s:e]] = center[:m] + lo
            high[rows[s:e]] = center[:m] + hi
    return BootstrapResult(low, high, var)


def _quantile_pair(ordered: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise ``alpha`` and ``1 - alpha`` quantiles of sorted rows (numpy's linear method)."""
    b = ordered.shape[1]
    out = []
    for p in (alpha, 1 - alpha):
        pos = p * (b - 1)
        lo = int(np.floor(pos))
        hi = min(lo + 1, b - 1)
        frac = pos - lo
        out.append(ordered[:, lo].astype(float) * (1 - frac) + ordered[:, hi].astype(float) * frac)
    return out[0], out[1]
