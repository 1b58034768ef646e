"""Museum-adjusted young shares: parametric empirical Bayes on the logit young share.

The platform prior (:mod:`young`) describes a network's users; museum audiences are a
self-selected part of them. Where some museums of the store measure their audience's age
(owned audience-age rows), their shares say how far museum audiences sit from the platform
prior, and how much museums differ among themselves. Per network *k* and period, with
``y_i = logit(measured_i) − logit(prior_k)`` for the *n_k* museums that measure::

    y_i = δ_k + u_i + e_i,   u_i ~ N(0, τ_k²) (between museums),   e_i ~ N(0, v_i) (measurement)

``v_i`` comes from the measured share's own interval (the withheld mass, read as a uniform
range on the logit scale) plus a floor for the platform's age inference. τ_k² is the
DerSimonian–Laird method-of-moments estimate (DerSimonian & Laird 1986); δ_k the
inverse-variance weighted mean with weights 1/(v_i + τ_k²). Networks where fewer than
:data:`N_OWN` museums measure use the spread pooled over networks (a common τ², subgroup
means) and, when at least :data:`K_POOL` networks measure, an offset shrunk toward the
offset common to the networks (Morris 1983): ``δ̃_k = (1 − B_k) δ̂_k + B_k δ₀``,
``B_k = V_k / (V_k + σ_δ²)``. A network where no museum measures borrows ``δ₀`` with the
spread between networks σ_δ² and the platform prior's own uncertainty added. Formulas and
sources: docs/scoring.md §4.1.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import polars as pl

#: A network needs this many measuring museums for its own between-museum spread τ_k² (and an
#: offset not shrunk toward the other networks'); below, the pooled spread is used.
N_OWN = 10
#: Networks with at least one measuring museum needed to estimate the spread between the
#: networks' offsets (σ_δ²), and so to shrink or borrow an offset across networks.
K_POOL = 3
#: Degrees of freedom (Σ (n_k − 1) over networks) the pooled spread needs: below it (fewer than
#: about five measuring museums in all), every estimated account keeps the platform prior.
DF_MIN = 4
#: Variance floor of a measured logit share: the platforms' own age inference (users' stated
#: or inferred ages) is not exact even where nothing is withheld; 0.1² on the logit scale is
#: about ±2 points at a 20 % share.
V_FLOOR = 0.01
#: Shares are clipped into [EPS, 1 − EPS] before the logit.
EPS = 0.005

PRIOR_BASIS = "estimated (platform prior)"


def logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(p, EPS, 1 - EPS)
    return np.asarray(np.log(q / (1 - q)))


def expit(x: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-x)))


def measured_variance(share: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Variance of a measured share on the logit scale: its withheld-mass interval
    [low, high] read as a uniform range (width² / 12), plus :data:`V_FLOOR`."""
    lo = np.minimum(np.where(np.isnan(low), share, low), share)
    hi = np.maximum(np.where(np.isnan(high), share, high), share)
    width = logit(hi) - logit(lo)
    return np.asarray(width**2 / 12.0 + V_FLOOR)


@dataclass(frozen=True)
class Offsets:
    """Per network (index 0..K−1): the fitted offset and spread on the logit scale.

    ``mode``: "own" (n_k ≥ N_OWN), "partial" (1 ≤ n_k < N_OWN), "borrowed" (n_k = 0, offset
    of the networks pooled), or "" (no adjustment: the platform prior stands).
    """

    n: np.ndarray  # measuring museums per network
    delta: np.ndarray  # δ̃_k
    delta_var: np.ndarray  # Var(δ̃_k)
    tau2: np.ndarray  # τ_k² used for the network
    mode: list[str]
    n_total: int
    delta0: float  # the offset common to the networks (nan without K_POOL networks)
    sigma2: float  # spread of the networks' offsets (nan without K_POOL networks)
    tau2_pool: float  # the pooled between-museum spread (nan when df < DF_MIN)


def _dl(y: np.ndarray, v: np.ndarray) -> tuple[float, float, float]:
    """DerSimonian–Laird pieces of one group: (Q, C, τ²) — Q Cochran's statistic around the
    fixed-effect mean, C = Σw − Σw²/Σw, τ² = max(0, (Q − (n−1)) / C)."""
    w = 1.0 / v
    sw = w.sum()
    mean = float((w * y).sum() / sw)
    q = float((w * (y - mean) ** 2).sum())
    c = float(sw - (w**2).sum() / sw)
    tau2 = max(0.0, (q - (len(y) - 1)) / c) if len(y) > 1 and c > 0 else 0.0
    return q, c, tau2


def fit_offsets(y: np.ndarray, v: np.ndarray, group: np.ndarray, k: int) -> Offsets:
    """Fit the offsets of :class:`Offsets` from measured logit offsets ``y`` (their variances
    ``v``) of networks ``group`` (0..k−1). Order-invariant: each group's values are sorted
    before any sum, so a shuffled input gives the same floats."""
    n = np.bincount(group, minlength=k).astype(np.int64) if len(group) else np.zeros(k, np.int64)
    parts = []
    for g in range(k):
        sel = group == g
        order = np.lexsort((v[sel], y[sel]))
        parts.append((y[sel][order], v[sel][order]))
    q_pool = c_pool = 0.0
    df_pool = 0
    own_tau2 = np.zeros(k)
    for g, (yg, vg) in enumerate(parts):
        if len(yg) >= 2:
            q, c, t2 = _dl(yg, vg)
            q_pool, c_pool, df_pool = q_pool + q, c_pool + c, df_pool + len(yg) - 1
            own_tau2[g] = t2
    nan = float("nan")
    empty = Offsets(
        n, np.full(k, nan), np.full(k, nan), np.full(k, nan), [""] * k, int(n.sum()), nan, nan, nan
    )
    if df_pool < DF_MIN or c_pool <= 0:
        return empty
    tau2_pool = max(0.0, (q_pool - df_pool) / c_pool)
    tau2 = np.where(n >= N_OWN, own_tau2, tau2_pool)
    delta = np.full(k, nan)
    dvar = np.full(k, nan)
    for g, (yg, vg) in enumerate(parts):
        if len(yg):
            w = 1.0 / (vg + tau2[g])
            delta[g] = float((w * yg).sum() / w.sum())
            dvar[g] = float(1.0 / w.sum())
    mode = ["own" if m >= N_OWN else "partial" if m > 0 else "" for m in n]
    measured = np.flatnonzero(n > 0)
    delta0 = sigma2 = nan
    if len(measured) >= K_POOL:
        d, dv = delta[measured], dvar[measured]
        _, _, sigma2 = _dl(d, dv)
        w0 = 1.0 / (dv + sigma2)
        delta0 = float((w0 * d).sum() / w0.sum())
        var0 = float(1.0 / w0.sum())
        for g in range(k):
            if mode[g] == "partial":
                b = dvar[g] / (dvar[g] + sigma2) if dvar[g] + sigma2 > 0 else 1.0
                delta[g] = (1 - b) * delta[g] + b * delta0
                dvar[g] = dvar[g] * (1 - b) + b**2 * var0
            elif mode[g] == "":
                delta[g], dvar[g], mode[g] = delta0, sigma2 + var0, "borrowed"
    return Offsets(n, delta, dvar, tau2, mode, int(n.sum()), delta0, sigma2, tau2_pool)


def _basis(mode: str, n: int, total: int) -> str:
    if mode == "own":
        return f"estimated (museum-adjusted, n = {n})"
    if mode == "partial":
        return f"estimated (museum-adjusted, n = {n}, pooled)"
    if mode == "borrowed":
        return f"estimated (museum-adjusted, n = 0, pooled {total})"
    return PRIOR_BASIS


#: The columns :func:`museum_adjusted` gives per network × period.
EB_SCHEMA = {
    "network": pl.Utf8,
    "period_key": pl.Int64,
    "typical_young_share_museums": pl.Float64,
    "museum_young_low": pl.Float64,
    "museum_young_high": pl.Float64,
    "young_offset": pl.Float64,
    "young_offset_se": pl.Float64,
    "young_spread": pl.Float64,
    "young_n_measured": pl.Int64,
    "museum_basis": pl.Utf8,
}


def museum_adjusted(measured: pl.DataFrame, priors: pl.DataFrame, level: float) -> pl.DataFrame:
    """Per network × period (the periods with any measured share): the museum cohort's typical
    young share ``logit⁻¹(logit(prior_k) + δ̃_k)`` and the ``level`` interval of an estimated
    museum's share, ``logit⁻¹(logit(prior_k) + δ̃_k ± z·√(τ_k² + Var δ̃_k [+ prior var]))``
    (the prior's own variance only where the offset is borrowed from other networks).

    ``measured``: :func:`young.measured_young`'s frame; ``priors``: :func:`young.prior_young`'s.
    A network × period without an adjustment gets no row (the platform prior stands).
    """
    if measured.is_empty() or priors.is_empty():
        return pl.DataFrame(schema=EB_SCHEMA)
    nets = priors.get_column("network").to_list()
    index = {name: i for i, name in enumerate(nets)}
    p = priors.get_column("typical_young_share").to_numpy().astype(float)
    lp = logit(p)
    z = NormalDist().inv_cdf(0.5 + level / 2)
    # the prior's own variance on the logit scale, from its Beta interval (docs/scoring.md §4)
    p_high = logit(priors.get_column("prior_high").to_numpy().astype(float))
    p_low = logit(priors.get_column("prior_low").to_numpy().astype(float))
    prior_var = ((p_high - p_low) / (2 * z)) ** 2
    data = measured.filter(pl.col("network").is_in(nets) & pl.col("measured_share").is_not_null())
    rows: list[dict[str, object]] = []
    for (key,), part in sorted(data.group_by("period_key"), key=lambda kv: int(kv[0][0])):
        g = np.array([index[x] for x in part.get_column("network").to_list()], dtype=np.int64)
        share = part.get_column("measured_share").to_numpy().astype(float)
        v = measured_variance(
            share,
            part.get_column("measured_low").to_numpy().astype(float),
            part.get_column("measured_high").to_numpy().astype(float),
        )
        fit = fit_offsets(logit(share) - lp[g], v, g, len(nets))
        for i, name in enumerate(nets):
            if not fit.mode[i]:
                continue
            var = fit.tau2[i] + fit.delta_var[i]
            if fit.mode[i] == "borrowed":
                var += prior_var[i]
            center = lp[i] + fit.delta[i]
            half = z * float(np.sqrt(var))
            rows.append(
                {
                    "network": name,
                    "period_key": int(key),
                    "typical_young_share_museums": float(expit(np.array(center))),
                    "museum_young_low": float(expit(np.array(center - half))),
                    "museum_young_high": float(expit(np.array(center + half))),
                    "young_offset": float(fit.delta[i]),
                    "young_offset_se": float(np.sqrt(fit.delta_var[i])),
                    "young_spread": float(np.sqrt(fit.tau2[i])),
                    "young_n_measured": int(fit.n[i]),
                    "museum_basis": _basis(fit.mode[i], int(fit.n[i]), fit.n_total),
                }
            )
    return pl.DataFrame(rows, schema=EB_SCHEMA)


def basis_kind(basis: pl.Expr) -> pl.Expr:
    """The kind of a ``young_basis`` — "measured", "estimated" or "mixed" — from a ``young_basis`` (whose estimated values say
    how: "estimated (platform prior)", "estimated (museum-adjusted, n = …)")."""
    return pl.when(basis.str.starts_with("estimated")).then(pl.lit("estimated")).otherwise(basis)
