"""Accrual curves and maturity: how far a post's counts are from final at the age it was read.

An export or a fetch reads each post's counts at one moment; a post read two days after it
was published has only a fraction of the interactions it will have. Per network, the
accrual curve ``F(a)`` gives that fraction at age ``a`` (a Weibull distribution function,
:class:`~engagecore.pluginapi.AccrualCurve`). It is estimated from the store's own repeated
observations of the same posts (``post_observations``: fetch refreshes, successive exports)
where at least ``ScoringConfig.min_accrual_posts`` posts were read more than once, else taken
from the network's plugin (its documented default). The maturity age is the age at which
``F`` reaches ``ScoringConfig.maturity_fraction`` (0.9): younger posts are left out of the
rates and scores (and counted), and a post's expected interactions are compared at its own
age (docs/scoring.md §1.5).

The estimate: every earlier reading of a post is divided by the post's latest reading
(``r = I(a) / I(a_ref)``), which a curve predicts as ``F(a) / F(a_ref)`` — so that a latest
reading not yet mature is accounted for, not taken as final. The half-life and shape
minimizing the sum of absolute deviations (each post weighing the same however often it
was read) are found by a grid search, coarse then fine, over log-spaced values: monotone by
construction, robust to odd readings (a deleted like, a viral late burst), and with no
local minimum to get stuck in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import polars as pl

from engagecore import schema
from engagecore.durations import duration
from engagecore.pluginapi import AccrualCurve, NetworkSpec
from engagecore.scoring.config import ScoringConfig
from engagecore.scoring.inputs import ScoringInputs, sql_text

#: The fewest interactions a post's latest reading needs to enter the estimate: below, the
#: ratios of its readings are mostly Poisson noise.
MIN_REFERENCE_INTERACTIONS = 10

#: At most this many posts enter the fit (a seeded sample beyond): the curve has two
#: parameters, and the grid search costs time in proportion.
MAX_FIT_POSTS = 1500

_US_PER_HOUR = 3_600_000_000


@dataclass(frozen=True)
class NetworkAccrual:
    """The accrual curve the scoring uses for one network, and where it comes from.

    :param curve: the curve (None: the network has none; its posts all count as mature).
    :param basis: ``"estimated from N posts"`` or ``"default (sources)"`` or ``"none"``.
    :param posts: how many posts with repeated readings the estimate used (0 for a default).
    :param maturity_hours: the age at which ``curve`` reaches the configured fraction (None
        without a curve, or when the configuration ignores post age).
    """

    curve: AccrualCurve | None
    basis: str
    posts: int = 0
    maturity_hours: float | None = None


def resolve(
    inputs: ScoringInputs, networks: Mapping[str, NetworkSpec], config: ScoringConfig
) -> dict[str, NetworkAccrual]:
    """Per network, the curve the scoring uses: estimated where enough posts were read more
    than once, else the plugin's default. Empty when ``config.maturity_fraction`` is None
    (post age ignored: every post counts as final, as before version 2 of the scoring)."""
    if config.maturity_fraction is None:
        return {}
    readings = repeated_readings(inputs, networks, config)
    out: dict[str, NetworkAccrual] = {}
    for name, spec in networks.items():
        part = readings.filter(pl.col("network") == name) if readings.height else readings
        fit = estimate(part, spec.accrual, config) if part.height else None
        if fit is not None:
            curve, n = fit
            basis = f"estimated from {n} posts"
        elif spec.accrual is not None:
            curve, n = spec.accrual, 0
            # the first source's short name: "default (Graffius, Half-Life for Posts …)"
            first = (spec.accrual.sources or ("the plugin's",))[0].split(" (")[0]
            basis = f"default ({first})"
        else:
            out[name] = NetworkAccrual(None, "none")
            continue
        out[name] = NetworkAccrual(curve, basis, n, curve.age_at(config.maturity_fraction))
    return out


def repeated_readings(
    inputs: ScoringInputs, networks: Mapping[str, NetworkSpec], config: ScoringConfig
) -> pl.DataFrame:
    """Every reading of the own posts read more than once: network, post_id, age_h (hours
    since publication), interactions (the network's weighted sum, as the scoring counts
    them). Empty, without scanning them, when there are no more readings than posts."""
    from engagecore.scoring.rates_sql import interaction_weights

    empty = pl.DataFrame(
        schema={
            "network": pl.Utf8,
            "post_id": pl.Utf8,
            "age_h": pl.Float64,
            "interactions": pl.Float64,
        }
    )
    tables = inputs.sql()
    if not networks or not tables.con.execute(tables.repeats).fetchall()[0][0]:
        return empty
    weights = interaction_weights(networks, config)
    cols = [c for c in schema.COUNT_COLUMNS if any(c in w for w in weights.values())]
    if not cols:
        return empty
    nets = ", ".join(sql_text(n) for n in networks)
    counts = ", ".join(f"o.{c}" for c in cols)
    sql = f"""{tables.with_clause()},
obs AS (SELECT * FROM ({tables.observations}) WHERE network IN ({nets})),
multi AS (SELECT network, post_id FROM obs GROUP BY ALL HAVING count(*) > 1)
SELECT o.network, o.post_id,
       (epoch_us(o.observed_at) - epoch_us(p.posted_at)) / {_US_PER_HOUR}.0 AS age_h, {counts}
FROM obs o JOIN multi USING (network, post_id) JOIN in_posts p USING (network, post_id)
WHERE p.is_own"""
    raw = tables.con.sql(sql).pl()
    if raw.is_empty():
        return empty
    total = pl.lit(None, dtype=pl.Float64)
    for name, w in weights.items():
        terms = [pl.col(c).cast(pl.Float64) * v for c, v in w.items() if c in raw.columns]
        if not terms:
            continue
        value = pl.when(pl.any_horizontal(pl.col(c).is_not_null() for c in w)).then(
            pl.sum_horizontal(terms)
        )
        total = pl.when(pl.col("network") == name).then(value).otherwise(total)
    return raw.select(
        "network", "post_id", pl.col("age_h").cast(pl.Float64), interactions=total
    ).filter(pl.col("interactions").is_not_null() & (pl.col("age_h") > 0))


def pairs(readings: pl.DataFrame) -> pl.DataFrame:
    """Each earlier reading with its post's latest one: post_id, age_h, ref_age_h, ratio
    (earlier ÷ latest interactions, clipped to [0, 1.5]), weight (1 ÷ the post's earlier
    readings: each post weighs the same). Posts whose latest reading has fewer than
    :data:`MIN_REFERENCE_INTERACTIONS` are left out."""
    ref = (
        readings.sort("age_h", "interactions")
        .group_by("network", "post_id")
        .agg(ref_age_h=pl.col("age_h").last(), ref=pl.col("interactions").last(), n=pl.len())
    )
    ref = ref.filter((pl.col("n") > 1) & (pl.col("ref") >= MIN_REFERENCE_INTERACTIONS))
    out = readings.join(ref, on=["network", "post_id"]).filter(
        pl.col("age_h") < pl.col("ref_age_h")
    )
    return out.select(
        "post_id",
        "age_h",
        "ref_age_h",
        ratio=(pl.col("interactions") / pl.col("ref")).clip(0.0, 1.5),
        weight=1.0 / pl.len().over("post_id"),
    ).sort("post_id", "age_h", "ratio")  # the fit's sums in one order, whatever the input's


def estimate(
    readings: pl.DataFrame, default: AccrualCurve | None, config: ScoringConfig
) -> tuple[AccrualCurve, int] | None:
    """The curve fitted to one network's repeated readings and the number of posts it used,
    or None when fewer than ``config.min_accrual_posts`` posts qualify (:func:`pairs`)."""
    p = pairs(readings)
    n_posts = p.get_column("post_id").n_unique() if p.height else 0
    if n_posts < config.min_accrual_posts:
        return None
    if n_posts > MAX_FIT_POSTS:
        keep = (  # sampled from the sorted ids: the same sample whatever the readings' order
            p.select(pl.col("post_id").unique().sort())
            .sample(MAX_FIT_POSTS, seed=config.seed)
            .get_column("post_id")
        )
        p = p.filter(pl.col("post_id").is_in(keep.implode()))
    h, k = fit_weibull(
        p.get_column("age_h").to_numpy(),
        p.get_column("ref_age_h").to_numpy(),
        p.get_column("ratio").to_numpy(),
        p.get_column("weight").to_numpy(),
    )
    sources = (f"estimated from {n_posts} posts read more than once in this store",)
    note = "fitted to the store's own repeated readings (docs/scoring.md §1.5)"
    if default is not None:
        note += f"; the plugin's default has half-life {duration(default.half_life_hours)}"
    return AccrualCurve(half_life_hours=h, shape=k, sources=sources, note=note), n_posts


def _loss(
    log_h: np.ndarray,
    k: np.ndarray,
    la: np.ndarray,
    lr: np.ndarray,
    ratio: np.ndarray,
    w: np.ndarray,
) -> np.ndarray:
    """Weighted absolute deviation of the ratios from F(a)/F(a_ref), for each (log h, k)
    (broadcast over the candidates' leading axes)."""
    ln2 = np.log(2.0)
    kk = k[..., None]
    lh = log_h[..., None]
    fa = -np.expm1(-ln2 * np.exp(kk * (la - lh)))
    fr = -np.expm1(-ln2 * np.exp(kk * (lr - lh)))
    pred = fa / np.maximum(fr, 1e-300)
    return (np.abs(ratio - pred) * w).sum(axis=-1)


def fit_weibull(
    age_h: np.ndarray, ref_age_h: np.ndarray, ratio: np.ndarray, weight: np.ndarray
) -> tuple[float, float]:
    """(half-life in hours, shape) minimizing Σ w·|ratio − F(a)/F(a_ref)| (grid search:
    half-lives from 3 minutes to 5 years, shapes 0.15–5, log-spaced, then a finer grid
    around the best point)."""
    la, lr = np.log(age_h), np.log(ref_age_h)
    log_h = np.linspace(np.log(0.05), np.log(5 * 365 * 24.0), 24)
    log_k = np.linspace(np.log(0.15), np.log(5.0), 16)
    for _ in range(5):
        gh, gk = np.meshgrid(log_h, log_k, indexing="ij")
        loss = np.stack(
            [_loss(gh[i], np.exp(gk[i]), la, lr, ratio, weight) for i in range(gh.shape[0])]
        )
        i, j = np.unravel_index(int(np.argmin(loss)), loss.shape)
        best_h, best_k = log_h[i], log_k[j]
        step_h = (log_h[1] - log_h[0]) * 1.5
        step_k = (log_k[1] - log_k[0]) * 1.5
        log_h = np.linspace(best_h - step_h, best_h + step_h, 8)
        log_k = np.linspace(best_k - step_k, best_k + step_k, 8)
    return float(np.exp(best_h)), float(np.exp(best_k))


def accrual_table_sql(curves: Mapping[str, NetworkAccrual] | None) -> str:
    """A VALUES table ``acr(network, mature_us, acr_h, acr_k)`` of the networks with a
    curve: the maturity age in microseconds, the half-life (hours) and shape. It rides along
    the posts' join to their account, so a post's age is compared with one column."""
    rows = [
        f"({sql_text(n)}, {round(c.maturity_hours * _US_PER_HOUR)}::BIGINT, "
        f"{c.curve.half_life_hours!r}::DOUBLE, {c.curve.shape!r}::DOUBLE)"
        for n, c in (curves or {}).items()
        if c.curve is not None and c.maturity_hours is not None
    ]
    if not rows:
        return (
            "(SELECT NULL::VARCHAR AS network, NULL::BIGINT AS mature_us, "
            "NULL::DOUBLE AS acr_h, NULL::DOUBLE AS acr_k) acr"
        )
    return f"(VALUES {', '.join(rows)}) acr(network, mature_us, acr_h, acr_k)"


def young_sql(post: str = "p", account: str = "a") -> str:
    """True for a post read before its network's maturity age (NULL: age or curve unknown,
    counted as mature). In integer microseconds: ``posted_at > observed_at − maturity``
    with an INTERVAL column goes through time-zone-aware arithmetic per post, 2.5 times the
    cost on the 1M-post benchmark store."""
    return f"epoch_us({post}.observed_at) - epoch_us({post}.posted_at) < {account}.mature_us"


def fraction_sql(post: str = "p", account: str = "a") -> str:
    """F(age) of a post at its latest reading (1 when its age or its network's curve is
    unknown)."""
    age_h = f"(epoch_us({post}.observed_at) - epoch_us({post}.posted_at)) / {_US_PER_HOUR}.0"
    return (
        f"coalesce(1 - pow(2, -pow(greatest({age_h}, 0) / {account}.acr_h, {account}.acr_k)), 1.0)"
    )


def summary(curves: Mapping[str, NetworkAccrual]) -> pl.DataFrame:
    """One row per network: network, accrual_basis, maturity_hours, half_life_hours, shape."""
    return pl.DataFrame(
        [
            {
                "network": n,
                "accrual_basis": c.basis,
                "maturity_hours": c.maturity_hours,
                "half_life_hours": c.curve.half_life_hours if c.curve else None,
                "shape": c.curve.shape if c.curve else None,
            }
            for n, c in curves.items()
        ],
        schema={
            "network": pl.Utf8,
            "accrual_basis": pl.Utf8,
            "maturity_hours": pl.Float64,
            "half_life_hours": pl.Float64,
            "shape": pl.Float64,
        },
    )
