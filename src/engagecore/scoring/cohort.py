"""Within one cohort (network × period × basis): size adjustment, shrinkage and percentile.

Works on the aggregated rows of one cohort as numpy arrays (one entry per museum): a robust
regression of log rate on log size (scikit-learn's HuberRegressor), empirical-Bayes shrinkage
of each museum's size-adjusted log rate toward the cohort, and the 0–100 percentile of the
shrunk value among the cohort's museums, with its interval (docs/scoring.md §2).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from engagecore.blas import one_blas_thread

#: Cohorts larger than this are fitted on an evenly spaced subsample along size (two
#: parameters need no more: the slope's standard error at 1,000 points is a few thousandths;
#: it keeps a cohort of 10,000 museums fast — 6 ms per fit instead of 17 ms at 2,000).
MAX_FIT_POINTS = 1000

#: Floor of the between-museum variance τ² (a 10 % spread on the log scale). Museums never
#: engage identically; without a floor a cohort whose spread hides in sampling noise would
#: tie every museum at 50 with a zero-width interval instead of a wide one.
TAU2_FLOOR = 0.01

#: Per-post log-rate variance assumed when no museum of the cohort can show one.
DEFAULT_POST_VARIANCE = 1.0


@dataclass
class CohortResult:
    """Per museum arrays, plus the cohort's fitted parameters."""

    slope: float
    intercept: float
    size_center: float
    fit: str
    center: float
    tau2: float
    post_variance: float
    y: np.ndarray
    residual: np.ndarray
    variance: np.ndarray
    weight: np.ndarray
    shrunk: np.ndarray
    score: np.ndarray
    score_low: np.ndarray
    score_high: np.ndarray


#: Log sizes closer than this are one size (followers differing by one in a billion).
SAME_SIZE = 1e-9


def _fit(x: np.ndarray, y: np.ndarray, min_fit: int) -> tuple[float, float, float, str]:
    """Slope, intercept, size centre (median log size) and how the fit was made."""
    if x.size == 0:
        return 0.0, 0.0, 0.0, "none: no museum with a positive rate"
    center = float(np.median(x))
    if x.size < min_fit:
        return 0.0, float(np.median(y)), center, f"none: {x.size} museums (< {min_fit}) to fit"
    # Sizes equal but for rounding are the same size: a museum's log size is a mean over its
    # posts, summed in whatever order DuckDB's threads leave them, so equal followers can
    # come out 1e-15 apart — and a regression on that spread is noise (it moved the
    # intercept by 0.007 between two runs of the same posts).
    if float(np.ptp(x)) <= SAME_SIZE:
        return 0.0, float(np.median(y)), center, "none: every museum has the same size"
    order = np.lexsort((y, x))
    if order.size > MAX_FIT_POINTS:
        # evenly spaced along the size axis: a deterministic, order-free subsample
        order = order[np.linspace(0, order.size - 1, MAX_FIT_POINTS).round().astype(np.int64)]
    xs, ys = x[order] - center, y[order]
    # imported here, on the first fit: scikit-learn (with the scipy.stats it loads) costs
    # ~1.3 s of CPU, which every command importing the scoring package would pay otherwise
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import HuberRegressor

    with warnings.catch_warnings(), one_blas_thread():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = HuberRegressor(epsilon=1.35, alpha=0.0, max_iter=200).fit(xs[:, None], ys)
    return float(model.coef_[0]), float(model.intercept_), center, "huber"


def percentile_of(sorted_all: np.ndarray, own: np.ndarray, value: np.ndarray) -> np.ndarray:
    """0–100: the share of the *other* museums below ``value`` (ties count half)."""
    others = sorted_all.size - 1
    below = np.searchsorted(sorted_all, value, side="left") - (own < value)
    ties = (
        np.searchsorted(sorted_all, value, side="right")
        - np.searchsorted(sorted_all, value, side="left")
        - (own == value)
    )
    return np.clip(100.0 * (below + 0.5 * ties) / others, 0.0, 100.0)


def score_cohort(
    *,
    rate: np.ndarray,
    log_size: np.ndarray,
    n: np.ndarray,
    boot_low: np.ndarray,
    boot_high: np.ndarray,
    boot_var: np.ndarray,
    min_fit: int,
    min_posts: int,
    level: float,
    min_score: int = 2,
) -> CohortResult:
    """Score the museums of one cohort; every input array has one entry per museum.

    ``rate`` is each museum's robust aggregate (≥ 0), ``n`` its (effective) post count,
    ``boot_*`` the bootstrap interval and variance of ``rate``; a cohort of fewer than
    ``min_score`` museums gets no score (docs/scoring.md §2.6), the rest all the same.
    """
    positive = rate > 0
    slope, intercept, size_center, fit = _fit(log_size[positive], np.log(rate[positive]), min_fit)
    floor = float(np.log(rate[positive].min()) - np.log(2.0)) if positive.any() else 0.0
    safe_rate = np.where(positive, rate, 1.0)
    y = np.where(positive, np.log(safe_rate), floor)
    residual = y - (intercept + slope * (log_size - size_center))

    with np.errstate(divide="ignore", invalid="ignore"):
        rel_var = np.where(positive, boot_var / safe_rate**2, np.nan)
    informative = positive & (n >= max(min_posts, 2)) & np.isfinite(rel_var) & (rel_var > 1e-12)
    if not informative.any():
        informative = positive & (n >= 2) & np.isfinite(rel_var) & (rel_var > 1e-12)
    # n·Var*(R) estimates the per-post variance times (n − 1)/n (the bootstrap resamples the
    # empirical distribution, whose variance is the plug-in one): Bessel's factor n/(n − 1)
    # undoes it — a factor 2 on the rows of 2 posts a cohort of small rows must rely on
    post_variance = (
        float(np.median(n[informative] ** 2 / (n[informative] - 1) * rel_var[informative]))
        if informative.any()
        else DEFAULT_POST_VARIANCE
    )
    variance = np.fmax(np.nan_to_num(rel_var, nan=0.0), post_variance / np.maximum(n, 1))

    center = float(np.median(residual))
    mad = float(np.median(np.abs(residual - center))) * 1.4826
    tau2 = max(TAU2_FLOOR, mad**2 - float(np.median(variance)))
    weight = np.where(tau2 + variance > 0, tau2 / (tau2 + variance), 1.0)
    shrunk = center + weight * (residual - center)

    # interval: bootstrap deviations of the log rate, widened to the floored variance, then
    # scaled to the spread of the shrunk estimate (√w: posterior sd = √(w·v))
    z = NormalDist().inv_cdf((1 + level) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        d_low = np.where(boot_low > 0, np.log(np.where(boot_low > 0, boot_low, 1.0)), floor) - y
        d_high = np.where(boot_high > 0, np.log(np.where(boot_high > 0, boot_high, 1.0)), floor) - y
        boot_sd = np.sqrt(np.nan_to_num(rel_var, nan=0.0))
        # below 1e-6 on the log scale the bootstrap shows only rounding noise: no spread
        widen = np.where(boot_sd > 1e-6, np.sqrt(variance) / boot_sd, np.nan)
    degenerate = ~np.isfinite(widen)
    d_low = np.where(degenerate, -z * np.sqrt(variance), np.minimum(d_low, 0) * np.fmax(widen, 1))
    d_high = np.where(degenerate, z * np.sqrt(variance), np.maximum(d_high, 0) * np.fmax(widen, 1))
    root_w = np.sqrt(weight)
    low_value = shrunk + root_w * d_low
    high_value = shrunk + root_w * d_high

    if rate.size >= max(2, min_score):
        sorted_all = np.sort(shrunk)
        score = percentile_of(sorted_all, shrunk, shrunk)
        score_low = np.minimum(percentile_of(sorted_all, shrunk, low_value), score)
        score_high = np.maximum(percentile_of(sorted_all, shrunk, high_value), score)
    else:
        score = score_low = score_high = np.full(rate.size, np.nan)
    return CohortResult(
        slope=slope,
        intercept=intercept,
        size_center=size_center,
        fit=fit,
        center=center,
        tau2=tau2,
        post_variance=post_variance,
        y=y,
        residual=residual,
        variance=variance,
        weight=weight,
        shrunk=shrunk,
        score=score,
        score_low=score_low,
        score_high=score_high,
    )
