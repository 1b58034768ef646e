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

import duckdb
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


_FAR_DAYS = (9000 - 1970) * 365.25  # a bound past the year 9000: an open end


@dataclass
class Readings:
    """Follower snapshots as arrays sorted by account and time: ``key`` (an integer per
    account), ``t`` (days since 1970), ``f`` (followers, > 0) and ``net`` (a network code per
    reading, indexing ``networks``)."""

    key: np.ndarray
    t: np.ndarray
    f: np.ndarray
    net: np.ndarray
    networks: list[str]

    @classmethod
    def from_frame(cls, followers: pl.DataFrame) -> tuple[Readings, pl.DataFrame]:
        """From snapshots (network, account_id, observed_at, followers): the readings, keyed
        by a rank of (network, account_id), and the frame of keys (account_key, network,
        account_id)."""
        df = (
            followers.filter(pl.col("followers") > 0)
            .sort("network", "account_id", "observed_at")
            .with_columns(account_key=pl.struct("network", "account_id").rle_id().cast(pl.Int64))
        )
        networks = sorted(df.get_column("network").unique().to_list())
        code = df.get_column("network").replace_strict(
            {n: i for i, n in enumerate(networks)}, return_dtype=pl.Int64
        )
        readings = cls(
            df.get_column("account_key").to_numpy(),
            df.get_column("observed_at").dt.epoch("us").to_numpy() / _US_PER_DAY,
            df.get_column("followers").cast(pl.Float64).to_numpy(),
            code.to_numpy(),
            networks,
        )
        keys = df.select("account_key", "network", "account_id").unique("account_key")
        return readings, keys.sort("account_key")


def window(bounds: pl.DataFrame, readings: Readings) -> tuple[np.ndarray, np.ndarray]:
    """The growth window of each period (``bounds``' order), in days since 1970: an open
    bound (the "all" period without --since/--until) is the first / last snapshot's time."""
    lo = float(readings.t.min()) if readings.t.size else 0.0
    hi = float(readings.t.max()) if readings.t.size else 0.0
    start = bounds.get_column("start").dt.epoch("us").to_numpy().astype(float) / _US_PER_DAY
    end = bounds.get_column("end").dt.epoch("us").to_numpy().astype(float) / _US_PER_DAY
    start = np.where(np.isnan(start), lo, start)
    end = np.where(end > _FAR_DAYS, hi, end)
    return start, end


def snapshot_noise(r: Readings) -> np.ndarray:
    """Per network (``r.networks``' order): the snapshot noise variance σ² of a reading's log.

    For each run of three consecutive readings of an account, ``d = log F₂ − ((1−λ) log F₁ +
    λ log F₃)`` with ``λ = (t₂ − t₁)/(t₃ − t₁)`` is the middle reading's departure from the
    log-linear interpolation of its neighbours; under locally log-linear growth
    ``var d = σ² (1 + (1−λ)² + λ²)``, so ``σ² = median(d² / (1 + (1−λ)² + λ²)) / 0.4549``
    (the median of χ²₁) — robust to a few jumps. Fewer than 10 triples: σ = 1 %.
    """
    out = np.full(len(r.networks), DEFAULT_SNAPSHOT_SD**2)
    if r.t.size < 3:
        return out
    lf = np.log(r.f)
    same = (r.key[1:-1] == r.key[:-2]) & (r.key[1:-1] == r.key[2:])
    span = r.t[2:] - r.t[:-2]
    ok = same & (span > 0)
    lam = np.where(ok, (r.t[1:-1] - r.t[:-2]) / np.where(span > 0, span, 1.0), 0.0)
    d = lf[1:-1] - ((1 - lam) * lf[:-2] + lam * lf[2:])
    stat = d * d / (1 + (1 - lam) ** 2 + lam**2)
    net = r.net[1:-1]
    for k in range(len(r.networks)):
        sel = ok & (net == k)
        if sel.sum() >= _MIN_TRIPLES:
            out[k] = float(np.median(stat[sel])) / _CHI2_MEDIAN
    return out


def growth_arrays(
    r: Readings, start: np.ndarray, end: np.ndarray, tolerance: float = 0.25
) -> dict[str, np.ndarray]:
    """Per account × period (accounts in key order, periods within): the log growth over
    the period, its variance and the readings inside it (docs/scoring.md §9.1).

    Vectorized: each account's readings are a block of the sorted arrays, found for every
    bound at once by a binary search on (account rank, time).
    """
    n = r.t.size
    starts = np.flatnonzero(np.r_[True, r.key[1:] != r.key[:-1]]) if n else np.zeros(0, int)
    rank = np.cumsum(np.r_[True, r.key[1:] != r.key[:-1]]) - 1 if n else np.zeros(0, int)
    n_acc, n_per = starts.size, start.size
    acc = np.repeat(np.arange(n_acc), n_per)
    s = np.tile(start, n_acc)
    e = np.tile(end, n_acc)
    out: dict[str, np.ndarray] = {
        "account_key": r.key[starts][acc] if n else np.zeros(0, np.int64),
        "period": np.tile(np.arange(n_per), n_acc),
    }
    if not n or not n_per:
        for c in ("lf_start", "growth_rate", "growth_variance"):
            out[c] = np.zeros(acc.size)
        out["growth_readings"] = np.zeros(acc.size, np.int64)
        return out
    t0, t1 = float(r.t.min()), float(r.t.max())
    scale = t1 - t0 + 3.0
    comb = rank * scale + (r.t - t0 + 1.0)  # increasing: accounts in blocks, time within

    def query(b: np.ndarray) -> np.ndarray:
        return acc * scale + (np.clip(b, t0 - 1.0, t1 + 1.0) - t0 + 1.0)

    lf = np.log(r.f)
    noise = snapshot_noise(r)
    # a reading is at least as uncertain as its rounding to a whole follower
    sig2 = np.maximum(noise[r.net], 1.0 / (12.0 * r.f**2))
    period = np.maximum(e - s, 1e-9)
    tol = tolerance * period

    def endpoint(b: np.ndarray, inward: int) -> tuple[np.ndarray, ...]:
        q = query(b)
        prev = np.searchsorted(comb, q, side="right") - 1
        nxt = np.searchsorted(comb, q, side="left")
        has_p = (prev >= 0) & (rank[np.clip(prev, 0, n - 1)] == acc)
        has_n = (nxt < n) & (rank[np.clip(nxt, 0, n - 1)] == acc)
        prev, nxt = np.clip(prev, 0, n - 1), np.clip(nxt, 0, n - 1)
        tp, tn = r.t[prev], r.t[nxt]
        bracket = has_p & has_n
        gap = tn - tp
        lam = np.where(bracket & (gap > 0), (b - tp) / np.where(gap > 0, gap, 1.0), 0.0)
        # else only a reading inside the period, within the tolerance of the bound
        inner = nxt if inward > 0 else prev
        has_inner = has_n if inward > 0 else has_p
        near = ~bracket & has_inner & (np.abs(r.t[inner] - b) <= tol)
        ok = bracket | near
        level = np.where(bracket, (1 - lam) * lf[prev] + lam * lf[nxt], lf[inner])
        when = np.where(bracket, b, r.t[inner])
        rids = np.stack([np.where(bracket, prev, inner), np.where(bracket, nxt, -1)], axis=1)
        coefs = np.stack([np.where(bracket, 1 - lam, 1.0), np.where(bracket, lam, 0.0)], axis=1)
        return level, when, np.where(ok[:, None], rids, -1), coefs * ok[:, None], ok

    ls, ts, rid_s, c_s, ok_s = endpoint(s, +1)
    le, te, rid_e, c_e, ok_e = endpoint(e, -1)
    span = te - ts
    ok = ok_s & ok_e & (span > 0)
    k = np.where(ok, period / np.where(span > 0, span, 1.0), 0.0)
    rate = np.where(ok, (le - ls) * k, np.nan)
    # variance: rate = k (Σ c_e log F − Σ c_s log F) over at most four readings; a reading
    # used at both bounds (two readings around the whole period) adds its coefficients
    rids = np.concatenate([rid_s, rid_e], axis=1)
    coefs = np.concatenate([-c_s, c_e], axis=1) * k[:, None]
    valid = rids >= 0
    sig = np.where(valid, sig2[np.where(valid, rids, 0)], 0.0)
    same = (rids[:, :, None] == rids[:, None, :]) & valid[:, :, None] & valid[:, None, :]
    merged = (same * coefs[:, None, :]).sum(axis=2)  # each reading's total coefficient
    variance = np.where(ok, (coefs * merged * sig).sum(axis=1), np.nan)
    inside = np.searchsorted(comb, query(e), side="right") - np.searchsorted(
        comb, query(s), side="left"
    )
    out.update(
        lf_start=np.where(ok, ls, np.nan),
        growth_rate=rate,
        growth_variance=variance,
        growth_readings=inside.astype(np.int64),
    )
    return out


def _per_account_frame(arrays: dict[str, np.ndarray], bounds: pl.DataFrame) -> pl.DataFrame:
    keys = bounds.get_column("period_key").cast(pl.Int64).to_numpy()
    rate = arrays["growth_rate"]
    few = arrays["growth_readings"] < 2
    note = pl.when(pl.col("growth_rate").is_not_null()).then(None)
    return (
        pl.DataFrame(
            {
                "account_key": arrays["account_key"].astype(np.int64),
                "period_key": keys[arrays["period"]] if keys.size else np.zeros(0, np.int64),
                "lf_start": arrays["lf_start"],
                "growth_rate": rate,
                "growth_variance": arrays["growth_variance"],
                "growth_readings": arrays["growth_readings"],
                "_few": few,
            },
            schema_overrides={"period_key": pl.Int64},
        )
        .with_columns(
            *(pl.col(c).fill_nan(None) for c in ("lf_start", "growth_rate", "growth_variance")),
        )
        .with_columns(
            growth_note=note.when(pl.col("_few"))
            .then(pl.lit("growth: fewer than 2 follower snapshots in the period"))
            .otherwise(pl.lit("growth: no follower snapshot near the period's start and end"))
        )
        .drop("_few")
    )


def account_growth(
    followers: pl.DataFrame, bounds: pl.DataFrame, tolerance: float = 0.25
) -> pl.DataFrame:
    """Per account × period from a frame of snapshots (network, account_id, observed_at,
    followers) and ``bounds`` (period_key, start, end as :func:`periods.bounds`): network,
    account_id, account_key, period_key, lf_start (log followers at the start),
    growth_rate (log growth over the whole period; null when the readings do not reach both
    bounds), growth_variance, growth_readings (readings inside the period), growth_note."""
    readings, keys = Readings.from_frame(followers)
    start, end = window(bounds, readings)
    frame = _per_account_frame(growth_arrays(readings, start, end, tolerance), bounds)
    return keys.join(frame, on="account_key", how="inner")


#: The snapshots of the scoring's accounts with their integer account key: no strings and no
#: sort in SQL (sorted by one integer key in numpy, cheaper than DuckDB's ORDER BY here).
_READINGS_SQL = """
SELECT a.account_key AS k, epoch_us(f.observed_at) AS us, f.followers::DOUBLE AS f
FROM in_followers f JOIN in_accounts a USING (network, account_id)
WHERE f.followers > 0
"""


def store_growth(
    con: duckdb.DuckDBPyConnection,
    with_clause: str,
    bounds: pl.DataFrame,
    config: ScoringConfig,
) -> pl.DataFrame:
    """:func:`museum_growth` of the scoring inputs (``con`` and ``with_clause`` as
    :meth:`ScoringInputs.sql`), per row of ``bounds``."""
    accounts = con.sql(with_clause + " SELECT account_key, network, museum FROM in_accounts").pl()
    raw = con.sql(with_clause + _READINGS_SQL).fetchnumpy()
    key = np.asarray(raw["k"], dtype=np.int64)
    us = np.asarray(raw["us"], dtype=np.int64)
    # one int64 sort key: account, then the second of the reading (both fit in 32 bits)
    order = np.argsort((key << 32) | (us // 1_000_000 - (us.min() // 1_000_000 if us.size else 0)))
    networks = sorted(accounts.get_column("network").unique().to_list())
    net_of_key = np.zeros(int(accounts.get_column("account_key").max() or 0) + 1, np.int64)
    net_of_key[accounts.get_column("account_key").to_numpy()] = (
        accounts.get_column("network")
        .replace_strict({n: i for i, n in enumerate(networks)}, return_dtype=pl.Int64)
        .to_numpy()
    )
    key = key[order]
    readings = Readings(
        key,
        us[order] / _US_PER_DAY,
        np.asarray(raw["f"], dtype=float)[order],
        net_of_key[key],
        networks,
    )
    start, end = window(bounds, readings)
    per = _per_account_frame(growth_arrays(readings, start, end, config.growth_tolerance), bounds)
    return museum_growth(per, accounts, config.interval_level)


def not_computed() -> pl.DataFrame:
    """The growth rows when growth is not asked for: none (the columns stay null)."""
    schema: dict[str, pl.DataType] = {
        "museum": pl.Utf8(),
        "network": pl.Utf8(),
        "period_key": pl.Int64(),
        **{c: pl.Float64() for c in GROWTH_ROW_COLUMNS},
    }
    schema["growth_readings"] = pl.Int64()
    schema["growth_note"] = pl.Utf8()
    return pl.DataFrame(schema=schema)


def museum_growth(
    per_account: pl.DataFrame, accounts: pl.DataFrame, level: float = 0.95
) -> pl.DataFrame:
    """Per museum × network × period, over its accounts with a growth figure (joined on
    ``account_key``): followers at the start ``F_s = Σ F_a,s`` and end ``F_e = Σ F_a,s ·
    exp(g_a)``, the log growth ``g = log(F_e / F_s)`` (one account: its own), its variance by
    the delta method ``Σ (F_a,e / F_e)² var g_a``, the relative growth ``exp(g) − 1`` with
    its interval ``exp(g ± z √var) − 1`` and the absolute growth ``F_e − F_s``."""
    z = NormalDist().inv_cdf((1 + level) / 2)
    acc = accounts.select("account_key", "network", "museum").filter(pl.col("museum").is_not_null())
    rows = per_account.drop("network", "account_id", strict=False).join(
        acc, on="account_key", how="inner"
    )
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
    rate: np.ndarray,
    variance: np.ndarray,
    log_size: np.ndarray,
    min_fit: int,
    level: float,
    min_score: int = 2,
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
    if n >= max(2, min_score):  # fewer: no percentile (docs/scoring.md §2.6, §9.4)
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
    if not config.computes_growth:
        return rows.with_columns(
            *(pl.lit(None, dtype=pl.Float64).alias(c) for c in GROWTH_SCORE_COLUMNS),
        ).with_columns(
            growth_size_fit=pl.lit(None, dtype=pl.Utf8),
            growth_cohort_size=pl.lit(None, dtype=pl.Int64),
        )
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
            config.min_cohort_score,
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
            *(pl.Series(k, v).fill_nan(None) for k, v in out.items()),
            growth_size_fit=pl.Series(fits.tolist(), dtype=pl.Utf8),
        )
        .with_columns(pl.col("growth_cohort_size").cast(pl.Int64))
    )
