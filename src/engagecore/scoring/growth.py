"""Follower growth per museum × network × period, and the 0–100 growth score (docs/scoring.md §9).

Per account, the followers at the period's two bounds are read off its snapshots on the log
scale: interpolated between the readings either side of a bound, or — when the account has
no reading beyond a bound — the nearest reading inside the period, at most
``growth_tolerance`` of the period away; the log growth found over the span covered is
scaled to the whole period (constant log growth). Its variance follows from the snapshot
noise (estimated per network from the readings' own scatter around log-linear
interpolation) by the delta method: the estimate is a fixed linear combination of at most
four log readings.

Per cohort (network × period) the growth rate is size-adjusted as the engagement rate is
(§2.4: relative growth falls with size; Huber fit of log growth on log followers), the
growth index ``growth ÷ the cohort's expected growth at that size`` is shrunk toward the
cohort (§2.5), and the score is its percentile among the cohort (§2.6) — read against the
estimated distribution of the true indices, so that its interval covers the score the
museum's true growth would get.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import polars as pl

from engagecore.scoring.cohort import _fit, percentile_of
from engagecore.scoring.config import ScoringConfig

_US_PER_DAY = 86_400_000_000

#: Snapshot noise (sd of a reading's log) assumed when no account has three readings to
#: show it: 1 %, the day-to-day wobble of a follower count (unfollows, purges, rounding).
DEFAULT_SNAPSHOT_SD = 0.01

#: Median of χ²₁: the median of d²/var(d) for a normal d (turns a median into a variance).
_CHI2_MEDIAN = 0.454936

#: Fewest triples of readings needed to estimate a network's snapshot noise.
_MIN_TRIPLES = 10

#: Floor of the between-museum variance of the growth index, relative to its typical
#: magnitude (the index is about 1): a 10 % spread, as for the engagement score (§2.5).
TAU2_FLOOR = 0.01

#: The per-row columns :func:`museum_growth` gives (joined onto the score rows).
GROWTH_ROW_COLUMNS: tuple[str, ...] = (
    "followers_start",
    "followers_end",
    "follower_growth",
    "follower_growth_low",
    "follower_growth_high",
    "follower_growth_abs",
    "growth_rate",
    "growth_variance",
    "growth_readings",
    "growth_note",
)

#: What :func:`score_growth` adds per row.
GROWTH_SCORE_COLUMNS: tuple[str, ...] = (
    "growth_score",
    "growth_score_low",
    "growth_score_high",
    "growth_index",
    "growth_shrunk",
    "growth_size_slope",
    "growth_size_fit",
    "growth_tau2",
    "growth_weight",
    "growth_cohort_size",
)


def _days(col: str) -> pl.Expr:
    return pl.col(col).dt.epoch("us").cast(pl.Float64) / _US_PER_DAY


def window(bounds: pl.DataFrame, snapshots: pl.DataFrame) -> pl.DataFrame:
    """The growth window of each period: its bounds in days since 1970; an open bound (the
    "all" period without --since/--until) is the first / last snapshot's time."""
    if snapshots.is_empty():
        lo = hi = 0.0
    else:
        t = snapshots.get_column("observed_at").dt.epoch("us")
        lo, hi = float(t.min()) / _US_PER_DAY, float(t.max()) / _US_PER_DAY  # type: ignore[arg-type]
    far = 9000 * 365.25 - 1970 * 365.25  # the year 9000, in days since 1970
    return bounds.select(
        "period_key",
        s=pl.when(pl.col("start").is_null()).then(pl.lit(lo)).otherwise(_days("start")),
        e=pl.when(_days("end") > far).then(pl.lit(hi)).otherwise(_days("end")),
    )


def snapshot_noise(snaps: pl.DataFrame) -> pl.DataFrame:
    """Per network: the snapshot noise variance σ² of a reading's log.

    For each run of three consecutive readings of an account, ``d = log F₂ − ((1−λ) log F₁ +
    λ log F₃)`` with ``λ = (t₂ − t₁)/(t₃ − t₁)`` is the middle reading's departure from the
    log-linear interpolation of its neighbours; under locally log-linear growth
    ``var d = σ² (1 + (1−λ)² + λ²)``, so ``σ² = median(d² / (1 + (1−λ)² + λ²)) / 0.4549``
    (the median of χ²₁) — robust to a few jumps. Fewer than 10 triples: σ = 1 %.
    """
    # readings are sorted by account and time: neighbours by plain shifts, kept when all
    # three readings are the same account's (cheaper than a window per account)
    same = (pl.col("acct_i").shift(1) == pl.col("acct_i")) & (
        pl.col("acct_i").shift(-1) == pl.col("acct_i")
    )
    t1, t3 = pl.col("t").shift(1), pl.col("t").shift(-1)
    l1, l3 = pl.col("lf").shift(1), pl.col("lf").shift(-1)
    lam = (pl.col("t") - t1) / (t3 - t1)
    d = pl.col("lf") - ((1 - lam) * l1 + lam * l3)
    stat = pl.when(same).then(d * d / (1 + (1 - lam) ** 2 + lam**2)).alias("stat")
    triples = snaps.select("network", stat).filter(pl.col("stat").is_finite())
    est = triples.group_by("network").agg(n=pl.len(), sigma2=pl.col("stat").median() / _CHI2_MEDIAN)
    default = DEFAULT_SNAPSHOT_SD**2
    nets = snaps.select("network").unique()
    return nets.join(est, on="network", how="left").select(
        "network",
        sigma2=pl.when(pl.col("n") >= _MIN_TRIPLES)
        .then(pl.col("sigma2"))
        .otherwise(pl.lit(default)),
    )


def _prepare(followers: pl.DataFrame) -> pl.DataFrame:
    return (
        followers.filter(pl.col("followers") > 0)
        .select(
            "network",
            "account_id",
            "observed_at",
            t=_days("observed_at"),
            lf=pl.col("followers").cast(pl.Float64).log(),
            f=pl.col("followers").cast(pl.Float64),
        )
        .sort("network", "account_id", "t")
        .with_row_index("rid")
        .with_columns(
            pl.col("rid").cast(pl.Int64),
            # an integer per account (consecutive in the sort): cheap neighbour tests
            acct_i=pl.struct("network", "account_id").rle_id(),
        )
    )


def account_growth(
    followers: pl.DataFrame, bounds: pl.DataFrame, tolerance: float = 0.25
) -> pl.DataFrame:
    """Per account × period: the log growth over the period and its variance.

    ``followers``: snapshots (network, account_id, observed_at, followers); ``bounds``:
    period_key, start, end (as :func:`periods.bounds`). Columns: network, account_id,
    period_key, lf_start (log followers at the start), growth_rate (log growth over the
    whole period; null when the readings do not reach both bounds), growth_variance,
    growth_readings (readings inside the period), growth_note.
    """
    snaps = _prepare(followers)
    schema = pl.Schema(
        {
            "network": pl.Utf8,
            "account_id": pl.Utf8,
            "period_key": pl.Int64,
            "lf_start": pl.Float64,
            "growth_rate": pl.Float64,
            "growth_variance": pl.Float64,
            "growth_readings": pl.Int64,
            "growth_note": pl.Utf8,
        }
    )
    if snaps.is_empty() or bounds.is_empty():
        return pl.DataFrame(schema=schema)
    win = window(bounds, snaps)
    noise = snapshot_noise(snaps)
    snaps = snaps.join(noise, on="network", how="left").with_columns(
        # a reading is at least as uncertain as its rounding to a whole follower
        sig2=pl.max_horizontal(pl.col("sigma2"), 1.0 / (12.0 * pl.col("f") ** 2))
    )
    accounts = snaps.select("network", "account_id").unique()
    q = accounts.join(win, how="cross")
    right = snaps.select("network", "account_id", "t", "lf", "rid", "sig2")
    ends: dict[str, pl.DataFrame] = {}
    for bound in ("s", "e"):
        left = q.with_columns(tb=pl.col(bound)).sort("tb")
        by = ["network", "account_id"]
        r = right.rename({"t": "tr"}).sort("tr")
        prev = left.join_asof(
            r, left_on="tb", right_on="tr", by=by, strategy="backward", check_sortedness=False
        )
        nxt = left.join_asof(
            r, left_on="tb", right_on="tr", by=by, strategy="forward", check_sortedness=False
        )
        keys = ["network", "account_id", "period_key"]
        ends[bound] = prev.select(
            *keys, *(pl.col(c).alias(f"{c}_p") for c in ("tr", "lf", "rid", "sig2"))
        ).join(
            nxt.select(*keys, *(pl.col(c).alias(f"{c}_n") for c in ("tr", "lf", "rid", "sig2"))),
            on=keys,
        )
    keys = ["network", "account_id", "period_key"]
    both = q.join(ends["s"], on=keys).join(ends["e"], on=keys, suffix="_e").sort(keys)
    # readings inside each period: the periods do not overlap, so each reading falls in the
    # last period starting at or before it, if it has not ended (no cross join)
    counts = (
        snaps.select("network", "account_id", "t")
        .sort("t")
        .join_asof(win.sort("s"), left_on="t", right_on="s", strategy="backward")
        .filter(pl.col("t") <= pl.col("e"))
        .group_by(keys)
        .agg(growth_readings=pl.len())
    )
    both = both.join(counts, on=keys, how="left").with_columns(
        pl.col("growth_readings").fill_null(0)
    )
    s = both.get_column("s").to_numpy()
    e = both.get_column("e").to_numpy()
    period = np.maximum(e - s, 1e-9)
    tol = tolerance * period

    def arr(name: str) -> np.ndarray:
        return both.get_column(name).cast(pl.Float64).fill_null(np.nan).to_numpy()

    def endpoint(
        sfx: str, b: np.ndarray, inward: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """log followers at bound b, its effective time, and (rid, coef) pairs (2 each)."""
        tp, tn = arr(f"tr_p{sfx}"), arr(f"tr_n{sfx}")
        lp, ln = arr(f"lf_p{sfx}"), arr(f"lf_n{sfx}")
        rp, rn = arr(f"rid_p{sfx}"), arr(f"rid_n{sfx}")
        has_p, has_n = np.isfinite(tp), np.isfinite(tn)
        bracket = has_p & has_n
        with np.errstate(invalid="ignore", divide="ignore"):
            lam = np.where(bracket & (tn > tp), (b - tp) / (tn - tp), 0.0)
        # only a reading inside the period, within the tolerance of the bound
        inner_t = tn if inward > 0 else tp
        inner_l = ln if inward > 0 else lp
        inner_r = rn if inward > 0 else rp
        has_inner = has_n if inward > 0 else has_p
        near = ~bracket & has_inner & (np.abs(inner_t - b) <= tol)
        ok = bracket | near
        level = np.where(bracket, (1 - lam) * lp + lam * ln, np.where(near, inner_l, np.nan))
        when = np.where(bracket, b, np.where(near, inner_t, np.nan))
        rids = np.stack([np.where(bracket, rp, inner_r), np.where(bracket, rn, -1.0)], axis=1)
        coefs = np.stack([np.where(bracket, 1 - lam, 1.0), np.where(bracket, lam, 0.0)], axis=1)
        rids = np.where(ok[:, None], rids, -1.0)
        coefs = np.where(ok[:, None], coefs, 0.0)
        return level, when, rids, coefs, ok

    ls, ts, rid_s, c_s, ok_s = endpoint("", s, +1)
    le, te, rid_e, c_e, ok_e = endpoint("_e", e, -1)
    span = te - ts
    ok = ok_s & ok_e & (span > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        k = np.where(ok, period / np.where(span > 0, span, 1.0), np.nan)
        rate = np.where(ok, (le - ls) * k, np.nan)
    # variance: rate = k (Σ c_e log F − Σ c_s log F) over at most four readings; readings
    # used at both bounds (two readings around the whole period) add their coefficients
    rids = np.concatenate([rid_s, rid_e], axis=1)
    coefs = np.concatenate([-c_s, c_e], axis=1) * np.where(ok, k, 0.0)[:, None]
    sig = np.zeros_like(coefs)
    sig2_all = snaps.sort("rid").get_column("sig2").to_numpy()
    valid = rids >= 0
    sig[valid] = sig2_all[rids[valid].astype(np.int64)]
    same = (rids[:, :, None] == rids[:, None, :]) & valid[:, :, None] & valid[:, None, :]
    merged = (same * coefs[:, None, :]).sum(axis=2)  # each reading's total coefficient
    variance = np.where(ok, (coefs * merged * sig).sum(axis=1), np.nan)
    n_read = both.get_column("growth_readings").to_numpy()
    few = pl.col("growth_readings") < 2
    note = (
        pl.when(pl.col("growth_rate").is_not_null())
        .then(None)
        .when(few)
        .then(pl.lit("growth: fewer than 2 follower snapshots in the period"))
        .otherwise(pl.lit("growth: no follower snapshot near the period's start and end"))
    )
    return (
        both.select(keys)
        .with_columns(
            lf_start=pl.Series(np.where(ok, ls, np.nan)),
            growth_rate=pl.Series(rate),
            growth_variance=pl.Series(variance),
            growth_readings=pl.Series(n_read).cast(pl.Int64),
        )
        .with_columns(
            pl.when(pl.col(c).is_finite()).then(pl.col(c)).alias(c)
            for c in ("lf_start", "growth_rate", "growth_variance")
        )
        .with_columns(growth_note=note)
        .cast(schema)
    )


def museum_growth(
    per_account: pl.DataFrame, accounts: pl.DataFrame, level: float = 0.95
) -> pl.DataFrame:
    """Per museum × network × period, over its accounts with a growth figure: followers at
    the start ``F_s = Σ F_a,s`` and end ``F_e = Σ F_a,s · exp(g_a)``, the log growth
    ``g = log(F_e / F_s)`` (one account: its own), its variance by the delta method
    ``Σ (F_a,e / F_e)² var g_a``, the relative growth ``exp(g) − 1`` with its interval
    ``exp(g ± z √var) − 1`` and the absolute growth ``F_e − F_s``."""
    z = NormalDist().inv_cdf((1 + level) / 2)
    acc = accounts.select("network", "account_id", "museum").filter(pl.col("museum").is_not_null())
    rows = per_account.join(acc, on=["network", "account_id"], how="inner")
    has = pl.col("growth_rate").is_not_null()
    fs = pl.col("lf_start").exp()
    fe = fs * pl.col("growth_rate").exp()
    g = (
        rows.with_columns(_fs=pl.when(has).then(fs), _fe=pl.when(has).then(fe))
        .group_by("museum", "network", "period_key")
        .agg(
            followers_start=pl.col("_fs").sum(),
            followers_end=pl.col("_fe").sum(),
            _v=(pl.col("_fe") ** 2 * pl.col("growth_variance")).sum(),
            _n=has.sum(),
            _all=pl.len(),
            growth_readings=pl.col("growth_readings").sum(),
            growth_note=pl.col("growth_note").drop_nulls().first(),
        )
    )
    measured = pl.col("_n") > 0
    rate = (pl.col("followers_end") / pl.col("followers_start")).log()
    sd = (pl.col("_v") / pl.col("followers_end") ** 2).sqrt()
    return g.with_columns(
        followers_start=pl.when(measured).then(pl.col("followers_start")),
        followers_end=pl.when(measured).then(pl.col("followers_end")),
        growth_rate=pl.when(measured).then(rate),
        growth_variance=pl.when(measured).then(sd**2),
        follower_growth=pl.when(measured).then(rate.exp() - 1),
        follower_growth_low=pl.when(measured).then((rate - z * sd).exp() - 1),
        follower_growth_high=pl.when(measured).then((rate + z * sd).exp() - 1),
        follower_growth_abs=pl.when(measured).then(
            pl.col("followers_end") - pl.col("followers_start")
        ),
        growth_note=pl.when(~measured)
        .then(pl.col("growth_note"))
        .when(pl.col("_n") < pl.col("_all"))
        .then(
            pl.format("growth from {} of {} accounts (the others: too few snapshots)", "_n", "_all")
        ),
    ).select("museum", "network", "period_key", *GROWTH_ROW_COLUMNS)


@dataclass
class GrowthCohort:
    """One cohort's growth scores and fitted parameters (arrays: one entry per row)."""

    slope: float
    fit: str
    tau2: float
    index: np.ndarray
    shrunk: np.ndarray
    weight: np.ndarray
    score: np.ndarray
    score_low: np.ndarray
    score_high: np.ndarray


def score_cohort_growth(
    rate: np.ndarray, variance: np.ndarray, log_size: np.ndarray, min_fit: int, level: float
) -> GrowthCohort:
    """Size-adjust, shrink and rank one cohort's log growth rates (docs/scoring.md §9.2–9.4).

    ``m(x) = exp(a + b (x − x̃))`` is the cohort's expected growth at log size x (Huber fit
    of log g on x over the rows growing, as §2.4; no fit — b = 0 — when fewer than
    ``min_fit`` rows grow or fewer than half do); the index ``e = g / m(x)`` (1: grows as
    fast as the cohort's museums of its size; negative: loses followers) has variance
    ``v = var g / m²``; shrinkage as §2.5; the score maps ``ẽ`` (and ``ẽ ± z √(w v)``)
    through the empirical distribution of ``c + √w_j (e_j − c)`` over the other rows — a
    sample whose spread is the estimated spread of the true indices (Ghosh's constrained
    Bayes), so the interval covers the percentile the true growth would get.
    """
    n = rate.size
    positive = rate > 0
    share = positive.mean() if n else 0.0
    if positive.sum() >= min_fit and share >= 0.5:
        slope, intercept, center, fit = _fit(log_size[positive], np.log(rate[positive]), min_fit)
    else:
        slope, center = 0.0, float(np.median(log_size)) if n else 0.0
        intercept = float(np.median(np.log(rate[positive]))) if positive.any() else 0.0
        fit = (
            f"none: {int(positive.sum())} of {n} museums growing (a fit needs {min_fit}, "
            "and at least half)"
        )
    expected = np.exp(intercept + slope * (log_size - center))
    index = rate / expected
    v = variance / expected**2
    c = float(np.median(index)) if n else 0.0
    mad = float(np.median(np.abs(index - c))) * 1.4826 if n else 0.0
    floor = TAU2_FLOOR * max(float(np.median(np.abs(index))) if n else 1.0, 1e-6) ** 2
    tau2 = max(floor, mad**2 - (float(np.median(v)) if n else 0.0))
    w = tau2 / (tau2 + v)
    shrunk = c + w * (index - c)
    z = NormalDist().inv_cdf((1 + level) / 2)
    half = z * np.sqrt(w * v)
    if n >= 2:
        spread = c + np.sqrt(w) * (index - c)
        ref = np.sort(spread)
        score = percentile_of(ref, spread, shrunk)
        low = np.minimum(percentile_of(ref, spread, shrunk - half), score)
        high = np.maximum(percentile_of(ref, spread, shrunk + half), score)
    else:
        score = low = high = np.full(n, np.nan)
    return GrowthCohort(slope, fit, tau2, index, shrunk, w, score, low, high)


def score_growth(rows: pl.DataFrame, config: ScoringConfig) -> pl.DataFrame:
    """Add :data:`GROWTH_SCORE_COLUMNS` to network rows carrying :data:`GROWTH_ROW_COLUMNS`;
    cohorts are network × period (growth has no rate basis)."""
    rows = rows.with_row_index("_g")
    has = rows.filter(pl.col("growth_rate").is_not_null() & (pl.col("followers_start") > 0))
    out = {c: np.full(rows.height, np.nan) for c in GROWTH_SCORE_COLUMNS if c != "growth_size_fit"}
    fits = np.full(rows.height, None, dtype=object)
    for _, part in has.group_by("network", "period_key", maintain_order=True):
        idx = part.get_column("_g").to_numpy()
        res = score_cohort_growth(
            part.get_column("growth_rate").to_numpy(),
            part.get_column("growth_variance").to_numpy(),
            np.log(part.get_column("followers_start").to_numpy()),
            config.min_cohort_fit,
            config.interval_level,
        )
        out["growth_score"][idx] = res.score
        out["growth_score_low"][idx] = res.score_low
        out["growth_score_high"][idx] = res.score_high
        out["growth_index"][idx] = res.index
        out["growth_shrunk"][idx] = res.shrunk
        out["growth_size_slope"][idx] = res.slope
        out["growth_tau2"][idx] = res.tau2
        out["growth_weight"][idx] = res.weight
        out["growth_cohort_size"][idx] = idx.size
        fits[idx] = res.fit
    return (
        rows.drop("_g")
        .with_columns(
            *(pl.Series(k, v) for k, v in out.items()),
            growth_size_fit=pl.Series(fits.tolist(), dtype=pl.Utf8),
        )
        .with_columns(
            pl.when(pl.col("growth_cohort_size").is_finite())
            .then(pl.col("growth_cohort_size"))
            .cast(pl.Int64)
        )
    )
