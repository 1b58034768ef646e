"""``score``: one row per museum × network × period, plus the cross-network "all" rows.

DuckDB returns per-group rate distributions (see :mod:`rates_sql`); this module chooses each
row's rate basis, computes the robust aggregate and its bootstrap (:mod:`robust`), scores the
cohorts (:mod:`cohort`), adds the young-audience figures (:mod:`young`) and the composite
(:mod:`composite`). Formulas: docs/scoring.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise

import duckdb
import numpy as np
import polars as pl
from threadpoolctl import threadpool_limits

from engagecore.durations import duration_expr
from engagecore.pluginapi import NetworkSpec
from engagecore.scoring import accrual, composite, periods, young, young_eb
from engagecore.scoring import growth as growth_
from engagecore.scoring.cohort import score_cohort
from engagecore.scoring.config import ScoringConfig
from engagecore.scoring.inputs import ScoringInputs, as_utc, is_unlinked
from engagecore.scoring.rates_sql import (
    BASIS_CODE,
    GRID,
    TOO_YOUNG,
    account_aggregates_sql,
    followers_at_end_sql,
    group_aggregates_sql,
)
from engagecore.scoring.robust import bootstrap_mean, robust_mean

#: The columns of the score frame, in order (the first ones are what ``engage score`` shows).
SCORE_COLUMNS: tuple[str, ...] = (
    "museum",
    "network",
    "period",
    "posts",
    "followers",
    "engagement_rate",
    "engagement_rate_peer",
    "rate_basis",
    "engagement_score",
    "engagement_score_low",
    "engagement_score_high",
    "young_share",
    "young_reach",
    "young_index",
    "young_index_museums",
    "young_basis",
    "follower_growth",
    "growth_score",
    "growth_score_low",
    "growth_score_high",
    "small_sample",
    "reason",
    "linked",
    "posts_rated",
    "posts_too_young",
    "maturity_hours",
    "accrual_basis",
    "interactions",
    "engagement_rate_low",
    "engagement_rate_high",
    "adjusted_rate",
    "naive_rate",
    "young_share_low",
    "young_share_high",
    "young_index_low",
    "young_index_high",
    "young_source",
    "typical_young_share",
    "typical_young_share_museums",
    "young_offset",
    "young_offset_se",
    "young_spread",
    "young_n_measured",
    "audience",
    "followers_source",
    "n_effective",
    "n_followers_asof",
    "n_followers_after",
    "n_zero_followers",
    "rate_q25",
    "rate_median",
    "rate_q75",
    "log_size",
    "size_slope",
    "size_intercept",
    "size_center",
    "size_fit",
    "residual",
    "cohort_center",
    "cohort_tau2",
    "post_variance",
    "sampling_variance",
    "shrink_weight",
    "shrunk",
    "cohort_size",
    "composite_weight",
    # the growth figures (§9) not among the first columns, in growth.py's order
    *(
        c
        for c in (*growth_.GROWTH_ROW_COLUMNS, *growth_.GROWTH_SCORE_COLUMNS)
        if c not in ("follower_growth", "growth_score", "growth_score_low", "growth_score_high")
    ),
    "period_key",
)

#: The composite of engagement and growth, only with ``ScoringConfig(with_growth=True)``
#: (``engage score --with-growth``): placed after ``growth_score_high``.
PERFORMANCE_COLUMNS: tuple[str, ...] = (
    "performance_score",
    "performance_score_low",
    "performance_score_high",
)

#: Counts of people, posts or interactions that are computed, not read: whole numbers (Int64)
#: in the score frame and every output, as every count the store holds. Some are estimates or
#: weighted sums, rounded to the nearest whole number (half to even) after every figure that
#: reads them is computed (docs/scoring.md §2.8): ``interactions`` (weights that are not whole
#: numbers give fractions), ``audience`` (the size S when followers are unknown),
#: ``young_reach`` (share × audience), ``followers_start`` and ``followers_end``
#: (log-interpolated), ``follower_growth_abs`` (end − start of the rounded two).
WHOLE_COUNTS: tuple[str, ...] = (
    "interactions",
    "audience",
    "young_reach",
    "followers_start",
    "followers_end",
    "follower_growth_abs",
)

#: Sizes that are fractions by definition, floats rounded to 2 decimals in the score frame:
#: ``n_effective``, Kish's effective number of posts (a fraction under recency weighting,
#: the number of rated posts without it).
FRACTIONAL_SIZES: tuple[str, ...] = ("n_effective",)

#: What a person reads first (``engage score``'s table): the columns before the formula's
#: intermediate values, which ``explain`` and the json/csv/parquet formats show in full
#: (with ``--with-growth``, :data:`PERFORMANCE_COLUMNS` too, after ``growth_score_high``).
SUMMARY_COLUMNS: tuple[str, ...] = SCORE_COLUMNS[: SCORE_COLUMNS.index("posts_rated")]

_KEYS = ["museum", "network", "period_key"]

#: Why a row has no score, as (the start of its ``reason``, a short label for a table cell,
#: what it means and what to do) — the first that matches a row's reason applies.
NO_SCORE_NOTES: tuple[tuple[str, str, str], ...] = (
    ("no posts in the period", "no posts", "no own post in the period"),
    (
        "too young",
        "too young",
        "every post read before its network's maturity age — refresh or score later",
    ),
    (
        "the source gives no interaction counts",
        "no counts",
        "no interaction counts in this export (likes, comments…) — import a file that has "
        "them (the network's insights, a Studio or Business Suite export) or `engage fetch`",
    ),
    (
        "zero followers and no reach",
        "0 followers",
        "zero followers and no reach or views to divide by — "
        "`engage followers add NETWORK HANDLE N`",
    ),
    (
        "no follower snapshot, reach or views",
        "no followers",
        "no followers known — `engage followers add NETWORK HANDLE N`",
    ),
    (
        "only museum with a rate in its cohort",
        "alone",
        "alone in its cohort (network × period) — import or fetch peers",
    ),
    (
        "cohort of",
        "few peers",
        "too few museums with a rate in its cohort for a percentile (docs/scoring.md §2.6) — "
        "import or fetch peers; the rates compare",
    ),
    (
        "no network with a score",
        "no network",
        "no network of this museum has a score in the period",
    ),
)


def no_score_note(reason: str | None) -> tuple[str, str]:
    """(short label, meaning) of why a row has no score, from its ``reason``."""
    text = reason or ""
    for clause in text.split("; "):
        for start, short, meaning in NO_SCORE_NOTES:
            if clause.startswith(start):
                return short, meaning
    return "no score", "see `reason` (--format json) or --explain MUSEUM"


#: Float columns that the per-cohort fit (:func:`score_cohort`) fills for each rated row.
_PER_COHORT = (
    "engagement_score",
    "engagement_score_low",
    "engagement_score_high",
    "size_slope",
    "size_intercept",
    "size_center",
    "residual",
    "cohort_center",
    "cohort_tau2",
    "post_variance",
    "sampling_variance",
    "shrink_weight",
    "shrunk",
    "adjusted_rate",
)

#: Float columns that :func:`_score_cohorts` adds (null on rows without a rate).
_COHORT_FLOATS = (
    "engagement_rate",
    "engagement_rate_low",
    "engagement_rate_high",
    "rate_q25",
    "rate_median",
    "rate_q75",
    *_PER_COHORT,
)


def score(
    inputs: ScoringInputs,
    networks: Mapping[str, NetworkSpec],
    config: ScoringConfig | None = None,
) -> pl.DataFrame:
    """Engagement and young-audience figures per museum × network × period, and "all" rows.

    Every figure that cannot be computed is null and ``reason`` says why; no NaN or inf is
    ever returned. See :data:`SCORE_COLUMNS` and docs/scoring.md for each column.
    """
    config = config or ScoringConfig()
    networks = dict(networks)
    # each network's accrual curve and maturity age (estimated from repeated readings, or
    # the plugin's default): posts read younger are counted, not rated (docs/scoring.md §1.5)
    curves = accrual.resolve(inputs, networks, config)
    groups = _group_rows(inputs, networks, config, curves)
    ends = _ends(groups.get_column("period_key"), inputs, config)
    # Followers at each period's end and the measured young shares are independent of the
    # engagement figures: read on a second DuckDB cursor while this thread scores the
    # cohorts (single-threaded numpy work: the second core would idle).
    inputs.accounts_frame()  # read once, before two threads need it
    side_con = inputs.sql().con.cursor()  # made here: a connection is not shared by threads
    with ThreadPoolExecutor(max_workers=1) as pool:
        side = pool.submit(_side_figures, inputs, networks, config, ends, side_con)
        agg, grid = _museum_groups(groups, inputs, config)
        rows = _network_rows(agg, inputs, networks, config, ends)
        rows = rows.join(
            accrual.summary(curves).drop("half_life_hours", "shape"), on="network", how="left"
        )
        # many small BLAS calls: worker threads would only contend (and spin on a busy machine)
        with threadpool_limits(limits=1, user_api="blas"):
            rows = _finite(_score_cohorts(rows, grid, config))
        followers, measured, priors, grown = side.result()
    rows = rows.join(followers, on=_KEYS, how="left")
    rows = _add_young(rows, measured, priors, config)
    rows = growth_.score_growth(rows.join(grown, on=_KEYS, how="left"), config)
    rows = _add_reasons(rows, config)
    network_rows, all_rows = composite.combine(rows, config)
    out = pl.concat([network_rows, all_rows], how="diagonal_relaxed")
    out = out.with_columns(
        period=periods.label_expr(config.period, pl.col("period_key")),
        linked=~is_unlinked(pl.col("museum")),
    )
    columns = list(SCORE_COLUMNS)
    if config.with_growth:
        out = composite.with_performance(out)
        at = columns.index("growth_score_high") + 1
        columns[at:at] = PERFORMANCE_COLUMNS
    out = _whole_counts(_finite(out.select(columns)))
    return out.sort("museum", pl.col("network") == "all", "network", "period_key")


def _aggregates(
    inputs: ScoringInputs,
    networks: Mapping[str, NetworkSpec],
    config: ScoringConfig,
    curves: Mapping[str, accrual.NetworkAccrual] | None = None,
) -> tuple[pl.DataFrame, np.ndarray]:
    """One row per museum × network × period × basis code: counts, sizes, rate quantiles.

    Columns: museum, network, period_key, basis, n, n_interactions, n_zero_followers,
    n_followers_after, n_followers_asof, posts, interactions, log_size (on rows with a
    basis), naive_rate, peer_rate (Σ interactions ÷ Σ divisors), n_eff, qi: the row of the
    returned ``(rows, K)`` grid holding the rates' quantile function on :data:`GRID` (exact;
    null without rated posts) — kept out of the frame, whose joins would otherwise carry 41
    floats per row. With recency weighting the weighted quantiles come from DuckDB
    (:func:`group_aggregates_sql`); without, from the per-museum lists of
    :func:`account_aggregates_sql`, sorted here.
    """
    return _museum_groups(_group_rows(inputs, networks, config, curves), inputs, config)


def _group_rows(
    inputs: ScoringInputs,
    networks: Mapping[str, NetworkSpec],
    config: ScoringConfig,
    curves: Mapping[str, accrual.NetworkAccrual] | None = None,
) -> pl.DataFrame:
    """DuckDB's per-group rows: per museum key ``mk`` (with the rates' lists) or, with
    recency weighting, already per museum with the quantiles (see :func:`_aggregates`)."""
    tables = inputs.sql()
    if config.half_life_days is not None:
        sql = group_aggregates_sql(networks, config, curves)
    else:
        sql = account_aggregates_sql(networks, config, curves)
    return tables.con.sql(tables.with_clause() + sql).pl()


def _museum_groups(
    groups: pl.DataFrame, inputs: ScoringInputs, config: ScoringConfig
) -> tuple[pl.DataFrame, np.ndarray]:
    """DuckDB's per-group rows → the rows and grid of :func:`_aggregates`."""
    if config.half_life_days is not None:
        # DuckDB's weighted quantiles, already per museum: the grid out of the frame
        has = groups.get_column("q").is_not_null()
        grid = np.full((groups.height, GRID.size), np.nan)
        if has.any():
            grid[has.to_numpy()] = np.stack(groups.get_column("q").filter(has).to_list())
        return groups.drop("q").with_columns(qi=pl.when(has).then(pl.int_range(pl.len()))), grid
    tables = inputs.sql()
    # the museum key of account_aggregates_sql is one of the museum's account keys
    museums = tables.con.sql(
        f"SELECT account_key AS mk, museum, network FROM ({tables.accounts}) "
        "WHERE museum IS NOT NULL"
    ).pl()
    # a left join keeping the order does not gather the lists
    joined = groups.join(museums, on="mk", how="left", maintain_order="left").drop("mk")
    grid, rate_sums = quantile_grid(joined.get_column("rates"))
    code = pl.col("basis_code")
    rated = code.is_between(1, 3)
    posts = pl.col("posts")
    frame = joined.select(
        "museum",
        "network",
        pl.col("period_key").cast(pl.Int64),
        basis=code.replace_strict(
            {c: b for b, c in BASIS_CODE.items()}, default=None, return_dtype=pl.Utf8
        ),
        n=pl.when(rated).then(posts).otherwise(0),
        n_interactions=pl.when(code.is_in([0, TOO_YOUNG])).then(0).otherwise(posts),
        n_zero_followers=pl.when(code == 4).then(posts).otherwise(0),
        n_too_young=pl.when(code == TOO_YOUNG).then(posts).otherwise(0),
        n_followers_after=pl.when(code == 1).then(pl.col("n_after")).otherwise(0),
        n_followers_asof=pl.when(code == 1).then(posts - pl.col("n_after")).otherwise(0),
        posts=posts,
        interactions=pl.col("interactions"),
        log_size=pl.when(rated).then(pl.col("sum_log_size") / posts),
        # the plain mean of I/F: the mean of a followers-basis row's rates
        naive_rate=pl.when((code == 1) & (posts > 0)).then(pl.Series(rate_sums) / posts),
        # the peers' rate (Rival IQ): Σ interactions ÷ Σ divisors of the group's rated posts
        peer_rate=pl.when(rated & (pl.col("sum_denom") > 0)).then(
            pl.col("interactions") / pl.col("sum_denom")
        ),
        n_eff=pl.col("rates").list.len().fill_null(0),
        qi=pl.when(pl.col("rates").list.len() > 0).then(pl.int_range(pl.len())),
    )
    return frame, grid


#: Lists are sorted and read in batches of about this many rates (1 MB), each batch's grid
#: and sums computed while its values are still in the CPU's cache.
_BATCH_VALUES = 131_072


def quantile_grid(lists: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """Each list's quantile function on :data:`GRID` (DuckDB's ``quantile_cont``: linear
    interpolation between order statistics): ``(lists, K)``, NaN rows when empty; and each
    list's sum (0 when empty), added in ascending order.

    Read from each chunk's Arrow buffers, copied once into one flat array whose segments are
    sorted in place by numpy (a tenth of the CPU of polars' ``list.sort`` at 10M rates), a
    batch of consecutive lists at a time.
    """
    grids, sums = [], []
    for chunk in lists.get_chunks():
        arrow = chunk.to_arrow()
        offsets = np.asarray(arrow.offsets, dtype=np.int64)
        flat = arrow.values.to_numpy(zero_copy_only=False)
        values = np.array(flat[offsets[0] : offsets[-1]], dtype=np.float64)
        offsets = offsets - offsets[0]
        grid = np.empty((offsets.size - 1, GRID.size))
        total = np.empty(offsets.size - 1)
        cuts = np.searchsorted(offsets, np.arange(0, offsets[-1], _BATCH_VALUES), side="right")
        edges = np.unique(np.concatenate([[0], cuts - 1, [offsets.size - 1]])).tolist()
        for i0, i1 in pairwise(edges):
            part = values[offsets[i0] : offsets[i1]]
            local = offsets[i0 : i1 + 1] - offsets[i0]
            _sort_segments(part, local)
            grid[i0:i1] = _grid_from_offsets(part, local)
            total[i0:i1] = _segment_sums(part, local)
        grids.append(grid)
        sums.append(total)
    if not grids:
        return np.zeros((0, GRID.size)), np.zeros(0)
    return np.concatenate(grids), np.concatenate(sums)


def _sort_segments(values: np.ndarray, offsets: np.ndarray) -> None:
    """Sort each ``values[offsets[i]:offsets[i + 1]]`` in place."""
    bounds = offsets.tolist()
    for i in np.flatnonzero(np.diff(offsets) > 1).tolist():
        values[bounds[i] : bounds[i + 1]].sort()


def _segment_sums(values: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """The sum of each ``values[offsets[i]:offsets[i + 1]]`` (0 for an empty one)."""
    lens = np.diff(offsets)
    out = np.zeros(lens.size)
    full = lens > 0
    if full.any():
        # consecutive non-empty segments are contiguous: reduceat sums each up to the next
        out[full] = np.add.reduceat(values[: offsets[-1]], offsets[:-1][full])
    return out


def _grid_from_offsets(values: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """``(lists, K)`` grid values of sorted lists given as flat values and offsets (NaN rows
    for empty lists)."""
    starts = offsets[:-1]
    lens = offsets[1:] - starts
    has = lens > 0
    top = np.maximum(lens, 1) - 1
    pos = GRID[None, :] * top[:, None]
    lo = np.floor(pos).astype(np.int64)
    frac = pos - lo
    hi = np.minimum(lo + 1, top[:, None])
    base = np.where(has, starts, 0)[:, None]
    if not values.size:
        return np.full((lens.size, GRID.size), np.nan)
    grid = values[base + lo] * (1 - frac) + values[base + hi] * frac
    grid[~has] = np.nan
    return grid


def _network_rows(
    agg: pl.DataFrame,
    inputs: ScoringInputs,
    networks: Mapping[str, NetworkSpec],
    config: ScoringConfig,
    ends: pl.DataFrame,
) -> pl.DataFrame:
    """One row per museum × network × period: the chosen basis group and its counts."""
    agg = agg.with_columns(pl.col("period_key").cast(pl.Int64))
    pref = pl.DataFrame(
        [
            {"network": net, "basis": b, "pref": i}
            for net, spec in networks.items()
            for i, b in enumerate(config.bases_for(net, spec.basis_order))
        ],
        schema={"network": pl.Utf8, "basis": pl.Utf8, "pref": pl.Int64},
    )
    totals = agg.group_by(_KEYS).agg(
        posts=pl.col("posts").sum(),
        interactions=pl.col("interactions").sum(),
        n_interactions=pl.col("n_interactions").sum(),
        n_zero_followers=pl.col("n_zero_followers").sum(),
        posts_too_young=pl.col("n_too_young").sum(),
    )
    chosen = (
        agg.filter(pl.col("basis").is_not_null() & (pl.col("n") > 0))
        .join(pref, on=["network", "basis"], how="left")
        .sort(["n", "pref"], descending=[True, False])
        .group_by(_KEYS, maintain_order=True)
        .first()
        .select(
            *_KEYS,
            rate_basis="basis",
            posts_rated="n",
            n_effective=pl.col("n_eff").cast(pl.Float64),
            n_followers_asof="n_followers_asof",
            n_followers_after="n_followers_after",
            log_size="log_size",
            naive_rate="naive_rate",
            engagement_rate_peer="peer_rate",
            qi="qi",
        )
    )
    accounts = inputs.accounts_frame().filter(pl.col("network").is_in(list(networks)))
    rows = (
        accounts.select("museum", "network")
        .unique()
        .join(ends, how="cross")
        .join(totals, on=_KEYS, how="left")
        .join(chosen, on=_KEYS, how="left")
        .with_columns(
            pl.col("posts").fill_null(0),
            pl.col("posts_rated").fill_null(0),
            pl.col("n_effective").fill_null(0.0),
            pl.col("n_zero_followers").fill_null(0),
            pl.col("n_interactions").fill_null(0),
            pl.col("posts_too_young").fill_null(0).cast(pl.Int64),
        )
    )
    return rows.sort("network", "period_key", "rate_basis", "museum", nulls_last=True)


def _ends(keys: pl.Series, inputs: ScoringInputs, config: ScoringConfig) -> pl.DataFrame:
    """The periods present (``period_key``, ``start``, ``end``); "all" even without posts."""
    keys = keys.cast(pl.Int64).unique()
    if keys.is_empty() and config.period == "all":
        keys = pl.Series("period_key", [0], dtype=pl.Int64)
    since = as_utc(inputs.since) if inputs.since else None
    until = as_utc(inputs.until) if inputs.until else None
    return periods.bounds(config.period, keys, since, until)


def _side_figures(
    inputs: ScoringInputs,
    networks: Mapping[str, NetworkSpec],
    config: ScoringConfig,
    ends: pl.DataFrame,
    con: duckdb.DuckDBPyConnection,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Followers as of each period's end, the measured young shares, the young priors and
    the follower growth per museum row (:mod:`growth`) — computed in their own thread,
    querying through ``con``, a cursor of their own."""
    priors = young.prior_young(young.load_priors(config, networks), config)
    followers = _followers_at_end(inputs, networks, ends, con)
    pairs = inputs.accounts_frame().filter(pl.col("network").is_in(list(networks)))
    museum_ends = (
        pairs.select("museum", "network")
        .unique()
        .join(ends.select("period_key", "end"), how="cross")
    )
    measured = young.measured_young(
        inputs.audience_age, inputs.accounts_frame().lazy(), museum_ends, config
    )
    if config.computes_growth:
        grown = growth_.store_growth(con, inputs.sql().with_clause(), ends, config)
    else:
        grown = growth_.not_computed()
    return followers, measured, priors, grown


def _followers_at_end(
    inputs: ScoringInputs,
    networks: Mapping[str, NetworkSpec],
    ends: pl.DataFrame,
    con: duckdb.DuckDBPyConnection | None = None,
) -> pl.DataFrame:
    """Followers as of each period's end (see :func:`rates_sql.followers_at_end_sql`)."""
    tables = inputs.sql()
    pairs = [
        (int(k), int(e.timestamp() * 1_000_000) if e.year < 9999 else 2**62)
        for k, e in ends.select("period_key", "end").iter_rows()
    ]
    sql = tables.with_clause() + followers_at_end_sql(networks, pairs)
    cursor = con if con is not None else tables.con
    return cursor.sql(sql).pl().with_columns(pl.col("period_key").cast(pl.Int64))


def _score_cohorts(rows: pl.DataFrame, grid: np.ndarray, config: ScoringConfig) -> pl.DataFrame:
    """Robust aggregate, bootstrap and cohort scoring of every row that has a rate."""
    rated = rows.filter(pl.col("posts_rated") > 0).with_row_index("_i")
    unrated = rows.filter(pl.col("posts_rated") == 0)
    if rated.is_empty():
        return rows.with_columns(
            *(pl.lit(None, dtype=pl.Float64).alias(c) for c in _COHORT_FLOATS),
            size_fit=pl.lit(None, dtype=pl.Utf8),
            cohort_size=pl.lit(None, dtype=pl.Int64),
        )
    q = grid[rated.get_column("qi").to_numpy()]
    rate = robust_mean(q)
    n_eff = rated.get_column("n_effective").to_numpy()
    boot = bootstrap_mean(
        q,
        np.maximum(np.round(n_eff), 1).astype(np.int64),
        replicates=config.bootstrap,
        seed=config.seed,
        level=config.interval_level,
    )
    log_size = rated.get_column("log_size").to_numpy()
    g = rated.height
    out: dict[str, np.ndarray] = {
        name: np.full(g, np.nan) for name in (*_PER_COHORT, "cohort_size")
    }
    fits = np.full(g, "", dtype=object)
    cohorts = rated.group_by(["network", "period_key", "rate_basis"], maintain_order=True).agg(
        start=pl.col("_i").min(), size=pl.len()
    )
    for start, size in cohorts.select("start", "size").iter_rows():
        s = slice(start, start + size)
        res = score_cohort(
            rate=rate[s],
            log_size=log_size[s],
            n=n_eff[s],
            boot_low=boot.low[s],
            boot_high=boot.high[s],
            boot_var=boot.variance[s],
            min_fit=config.min_cohort_fit,
            min_posts=config.min_posts,
            level=config.interval_level,
            min_score=config.min_cohort_score,
        )
        out["engagement_score"][s] = res.score
        out["engagement_score_low"][s] = res.score_low
        out["engagement_score_high"][s] = res.score_high
        out["size_slope"][s] = res.slope
        out["size_intercept"][s] = res.intercept
        out["size_center"][s] = res.size_center
        out["residual"][s] = res.residual
        out["cohort_center"][s] = res.center
        out["cohort_tau2"][s] = res.tau2
        out["post_variance"][s] = res.post_variance
        out["sampling_variance"][s] = res.variance
        out["shrink_weight"][s] = res.weight
        out["shrunk"][s] = res.shrunk
        out["cohort_size"][s] = size
        positive = rate[s] > 0
        adjusted = np.exp(
            np.where(positive, res.y, 0.0) - res.slope * (log_size[s] - res.size_center)
        )
        out["adjusted_rate"][s] = np.where(positive, adjusted, 0.0)
        fits[s] = res.fit
    quart = q[:, [int(np.argmin(np.abs(GRID - p))) for p in (0.25, 0.5, 0.75)]]
    scored = (
        rated.drop("_i")
        .with_columns(
            engagement_rate=pl.Series(rate),
            engagement_rate_low=pl.Series(np.minimum(boot.low, rate)),
            engagement_rate_high=pl.Series(np.maximum(boot.high, rate)),
            rate_q25=pl.Series(quart[:, 0]),
            rate_median=pl.Series(quart[:, 1]),
            rate_q75=pl.Series(quart[:, 2]),
            size_fit=pl.Series(fits.astype(str)),
            **{k: pl.Series(v) for k, v in out.items()},
        )
        .with_columns(pl.col("cohort_size").cast(pl.Int64))
    )
    return pl.concat([scored, unrated], how="diagonal_relaxed")


def _add_young(
    rows: pl.DataFrame, measured: pl.DataFrame, priors: pl.DataFrame, config: ScoringConfig
) -> pl.DataFrame:
    """Young share (measured — see :func:`young.measured_young` —, else estimated: the
    network's prior — :func:`young.prior_young` — adjusted by the museums that measure,
    :func:`young_eb.museum_adjusted`), young reach and the two young indexes per row."""
    eb = young_eb.museum_adjusted(measured, priors, config.interval_level)
    rows = (
        rows.join(measured, on=_KEYS, how="left")
        .join(priors, on="network", how="left")
        .join(eb, on=["network", "period_key"], how="left")
    )
    is_measured = pl.col("measured_share").is_not_null()
    adjusted = pl.col("typical_young_share_museums").is_not_null()
    has_prior = pl.col("typical_young_share").is_not_null()
    audience = pl.coalesce(pl.col("followers").cast(pl.Float64), pl.col("log_size").exp())
    return rows.with_columns(
        audience=audience,
        young_share=pl.when(is_measured)
        .then("measured_share")
        .otherwise(pl.coalesce("typical_young_share_museums", "typical_young_share")),
        young_share_low=pl.when(is_measured)
        .then("measured_low")
        .otherwise(pl.coalesce("museum_young_low", "prior_low")),
        young_share_high=pl.when(is_measured)
        .then("measured_high")
        .otherwise(pl.coalesce("museum_young_high", "prior_high")),
        young_basis=pl.when(is_measured)
        .then(pl.lit("measured"))
        .when(has_prior & adjusted)
        .then("museum_basis")
        .when(has_prior)
        .then(pl.lit(young_eb.PRIOR_BASIS)),
        young_source=pl.when(is_measured)
        .then(pl.format("owned audience age ({}, {})", "measured_basis", "measured_at"))
        .when(adjusted)
        .then(
            pl.format(
                "platform prior adjusted by the museums measuring their audience age "
                "(offset {} on the logit scale, spread {}; docs/scoring.md §4.1); prior: {}",
                pl.col("young_offset").round(3),
                pl.col("young_spread").round(3),
                "prior_source",
            )
        )
        .otherwise("prior_source"),
    ).with_columns(
        young_reach=(pl.col("young_share") * pl.col("audience")).round(0),
        young_index=pl.col("young_share") / pl.col("typical_young_share"),
        young_index_museums=pl.col("young_share") / pl.col("typical_young_share_museums"),
        young_index_low=pl.col("young_share_low") / pl.col("typical_young_share"),
        young_index_high=pl.col("young_share_high") / pl.col("typical_young_share"),
    )


def _add_reasons(rows: pl.DataFrame, config: ScoringConfig) -> pl.DataFrame:
    """``small_sample`` and the ``reason`` a row's figures are missing or to be read with care."""
    n = pl.col("posts_rated")
    # the maturity age as the terminal and the report say it (engagecore.durations)
    maturity = duration_expr(pl.col("maturity_hours"), rows.get_column("maturity_hours"))
    reasons = [
        pl.when(pl.col("posts") == 0).then(pl.lit("no posts in the period")),
        pl.when(
            (pl.col("posts") > 0) & (n == 0) & (pl.col("posts_too_young") == pl.col("posts"))
        ).then(
            pl.format(
                "too young: all {} post(s) were read before the maturity age ({}, {})",
                "posts",
                maturity,
                "accrual_basis",
            )
        ),
        pl.when(
            (pl.col("posts") > 0)
            & (n == 0)
            & (pl.col("n_interactions") == 0)
            & (pl.col("posts_too_young") < pl.col("posts"))
        ).then(pl.lit("the source gives no interaction counts for these posts")),
        pl.when((n == 0) & (pl.col("n_interactions") > 0) & (pl.col("n_zero_followers") > 0)).then(
            pl.lit("zero followers and no reach or views: no rate can be computed")
        ),
        pl.when((n == 0) & (pl.col("n_interactions") > 0) & (pl.col("n_zero_followers") == 0)).then(
            pl.lit("no follower snapshot, reach or views to divide interactions by")
        ),
        pl.when(
            (pl.col("posts_too_young") > 0) & (pl.col("posts_too_young") < pl.col("posts"))
        ).then(
            pl.format(
                "{} post(s) too young left out: read before the maturity age ({}, {})",
                "posts_too_young",
                maturity,
                "accrual_basis",
            )
        ),
        pl.when(
            (n > 0)
            & (pl.col("cohort_size") >= 2)
            & (pl.col("cohort_size") < config.min_cohort_score)
        ).then(
            pl.format(
                "cohort of {} < {} museums with a rate (network × period × basis): too few "
                "for a percentile",
                "cohort_size",
                pl.lit(config.min_cohort_score),
            )
        ),
        pl.when((n > 0) & (pl.col("cohort_size") < 2)).then(
            pl.lit(
                "only museum with a rate in its cohort (network × period × basis): no percentile"
            )
        ),
        pl.when((n > 0) & (pl.col("n_effective") < config.min_posts)).then(
            pl.format(
                "small sample: {} rated post(s) < {}; estimate shrunk toward the cohort",
                n,
                pl.lit(config.min_posts),
            )
        ),
        pl.when((pl.col("posts") > 0) & pl.col("followers").is_null()).then(
            pl.lit("no follower snapshot for this account")
        ),
        pl.when(pl.col("young_basis").is_null()).then(
            pl.lit("no audience age data and no young prior for this network")
        ),
    ]
    reason = pl.concat_str(reasons, separator="; ", ignore_nulls=True)
    return rows.with_columns(
        small_sample=pl.col("n_effective") < config.min_posts,
        reason=pl.when(reason != "").then(reason),
    )


def _whole_counts(df: pl.DataFrame) -> pl.DataFrame:
    """:data:`WHOLE_COUNTS` rounded to whole numbers (Int64), the gain from the rounded start
    and end; :data:`FRACTIONAL_SIZES` rounded to 2 decimals."""
    whole = {c: pl.col(c).round(0).cast(pl.Int64) for c in WHOLE_COUNTS}
    whole["follower_growth_abs"] = whole["followers_end"] - whole["followers_start"]
    return df.with_columns(
        *(expr.alias(c) for c, expr in whole.items()),
        *(pl.col(c).round(2) for c in FRACTIONAL_SIZES),
    )


def _finite(df: pl.DataFrame) -> pl.DataFrame:
    """Replace any NaN or infinite float by null (the reason column says why it is missing)."""
    floats = [c for c, t in df.schema.items() if t in (pl.Float64, pl.Float32)]
    return df.with_columns(pl.when(pl.col(c).is_finite()).then(pl.col(c)).alias(c) for c in floats)
