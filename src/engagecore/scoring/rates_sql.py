"""Per-post interactions, followers at post time and rates, written as DuckDB SQL.

The per-post work runs inside DuckDB (on the store, or on frames registered in an in-memory
connection) because it is what makes ten million posts fit in seconds; only per-group
aggregates (one row per museum × network × period × basis) come back to polars.
docs/scoring.md §1 gives the formulas this SQL implements.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from engagecore import schema
from engagecore.errors import UsageError
from engagecore.pluginapi import NetworkSpec
from engagecore.scoring.accrual import (
    NetworkAccrual,
    accrual_table_sql,
    fraction_sql,
    young_sql,
)
from engagecore.scoring.config import ScoringConfig
from engagecore.scoring.inputs import sql_list, sql_text

#: Probabilities at which each group's per-post rate distribution is kept (its quantile
#: function on a grid). The robust aggregate and the bootstrap are computed from it.
GRID = np.linspace(0.0, 1.0, 41)

_DENOM_COL = {"followers": "followers_d", "reach": "reach_d", "views": "views_d"}


def interaction_weights(
    networks: Mapping[str, NetworkSpec], config: ScoringConfig
) -> dict[str, dict[str, float]]:
    """Per network, count column → weight: the plugin's set unless the config overrides it."""
    out: dict[str, dict[str, float]] = {}
    for name, spec in networks.items():
        weights = dict(config.weights.get(name, spec.interactions))
        bad = [c for c in weights if c not in schema.COUNT_COLUMNS]
        if bad:
            raise UsageError(
                f"interaction weights for {name!r} name unknown count column(s) {bad}; "
                f"use some of {', '.join(schema.COUNT_COLUMNS)}"
            )
        out[name] = {c: float(w) for c, w in weights.items() if w != 0}
    return out


def _weights_sql(weights: Mapping[str, Mapping[str, float]]) -> tuple[str, str, list[str]]:
    """A VALUES table of per-network weights, the interactions expression, the columns used.

    The weights ride along the posts' join to their account, so the interactions are plain
    arithmetic per post (a CASE on the network name per post costs more than the join).
    The weights are DOUBLE: as bare literals (``1.0``) DuckDB types them DECIMAL, and decimal
    arithmetic on every post costs more. A column outside a network's set has a NULL weight,
    so each weighted count ``count × w`` is NULL when the count is unknown or not counted, and
    the post's interactions are NULL exactly when all of them are (a third fewer operations
    per post than testing each weight and each count).
    """
    cols = [c for c in schema.COUNT_COLUMNS if any(c in w for w in weights.values())]
    if not cols:
        return "(SELECT NULL AS network) w", "CAST(NULL AS DOUBLE)", []

    def literal(w: Mapping[str, float], c: str) -> str:
        return f"{float(w[c])!r}::DOUBLE" if c in w else "NULL::DOUBLE"

    rows = ", ".join(
        "(" + ", ".join([sql_text(net), *(literal(w, c) for c in cols)]) + ")"
        for net, w in weights.items()
    )
    table = f"(VALUES {rows}) w(network, {', '.join('w_' + c for c in cols)})"
    terms = [f"p.{c} * a.w_{c}" for c in cols]
    total = " + ".join(f"coalesce({t}, 0)" for t in terms)
    return table, f"CASE WHEN coalesce({', '.join(terms)}) IS NOT NULL THEN {total} END", cols


def _by_basis_sql(
    networks: Mapping[str, NetworkSpec], config: ScoringConfig, *, young: bool = False
) -> str:
    """``rate``, ``denom`` and ``basis_code``: the first basis, in the configured order,
    whose rate the post has (per-network orders through a CASE on the network).

    Codes 1–3 are the bases of :data:`BASIS_CODE`; an unrated post gets 0 (no interaction
    counts, whatever its age), 4 (zero followers and no other basis), 5 (nothing to divide
    by) or, with ``young`` (the posts carry a ``young`` column), :data:`TOO_YOUNG` (read
    before its network's maturity age), so that the reasons are counted by the group-by
    itself.
    """

    def pick(order: tuple[str, ...], column: dict[str, str]) -> str:
        return "coalesce(" + ", ".join(column[b] for b in order) + ")"

    def code(order: tuple[str, ...]) -> str:
        whens = " ".join(f"WHEN {_DENOM_COL[b]} IS NOT NULL THEN {BASIS_CODE[b]}" for b in order)
        # a post without counts is that, whatever its age: refreshing it later gives none
        first = f"WHEN young THEN {TOO_YOUNG} " if young else ""
        return (
            f"CASE WHEN interactions IS NULL THEN 0 {first}{whens} "
            "WHEN followers = 0 THEN 4 ELSE 5 END"
        )

    default = tuple(config.basis_preference)
    overrides = {
        n: config.bases_for(n, spec.basis_order)
        for n, spec in networks.items()
        if n in config.basis_by_network or spec.basis_order
    }

    def per_network(build: Callable[[tuple[str, ...]], str]) -> str:
        if not overrides:
            return build(default)
        whens = " ".join(f"WHEN {sql_text(n)} THEN {build(o)}" for n, o in overrides.items())
        return f"CASE network {whens} ELSE {build(default)} END"

    # the first basis whose divisor the post has gives its rate: I / that divisor
    denom = per_network(lambda o: pick(o, _DENOM_COL))
    return (
        f"interactions / {denom} AS rate,\n"
        f"           {denom} AS denom,\n"
        f"           {per_network(code)} AS basis_code"
    )


def _period_sql(period: str) -> str:
    """An integer key of the post's calendar period in UTC (0 for the whole range)."""
    ts = "timezone('UTC', posted_at)"
    return {
        "all": "0",
        "month": f"year({ts}) * 100 + month({ts})",
        "quarter": f"year({ts}) * 10 + quarter({ts})",
        "year": f"year({ts})",
    }[period]


def _accounts_sql(networks: Mapping[str, NetworkSpec]) -> str:
    """``acc``: the scored accounts with their snapshot times (epoch µs) and counts as lists.

    A post's followers are then a lookup in its account's short list, which costs far less
    than an ASOF join of every post against the snapshots.
    """
    nets = sql_list(networks)
    return f""",
snap AS (
    SELECT network, account_id,
           list(epoch_us(observed_at) ORDER BY observed_at) AS ts,
           list(followers ORDER BY observed_at) AS fs
    FROM in_followers GROUP BY network, account_id
),
acc AS (
    SELECT a.network, a.account_id, a.museum, s.ts, s.fs
    FROM in_accounts a LEFT JOIN snap s USING (network, account_id)
    WHERE a.museum IS NOT NULL AND a.network IN ({nets})
)"""


#: Integer codes of the rate bases inside the SQL (strings per post cost time).
BASIS_CODE = {"followers": 1, "reach": 2, "views": 3}

#: The basis code of a post read before its network's maturity age (docs/scoring.md §1.5).
TOO_YOUNG = 6


def _aging(accrual: Mapping[str, NetworkAccrual] | None) -> bool:
    """Whether post age is taken into account: some network has a maturity age."""
    return any(c.maturity_hours is not None for c in (accrual or {}).values())


def _acc_sql(
    networks: Mapping[str, NetworkSpec],
    weights_table: str,
    accrual: Mapping[str, NetworkAccrual] | None = None,
) -> str:
    """``acc``: the scored accounts with their interaction weights, an integer key ``mk``
    of museum × network and, with ``accrual``, their network's maturity age and curve
    (``mature_us``, ``acr_h``, ``acr_k``: :func:`accrual.accrual_table_sql`)."""
    nets = sql_list(networks)
    aging = _aging(accrual)
    acr = ", acr.* EXCLUDE (network)" if aging else ""
    join = f" LEFT JOIN {accrual_table_sql(accrual)} USING (network)" if aging else ""
    return f""",
acc AS (
    SELECT a.network, a.account_id, a.museum, w.* EXCLUDE (network){acr},
           dense_rank() OVER (ORDER BY a.museum, a.network) AS mk
    FROM in_accounts a JOIN {weights_table} USING (network){join}
    WHERE a.museum IS NOT NULL AND a.network IN ({nets})
)"""


def _post_values_sql(config: ScoringConfig, interactions: str) -> str:
    """Per own post (alias ``p``, its account's weights ``a``): period key, interactions and
    the divisors each basis would use (NULL when the post has none)."""
    return f"""{_period_sql(config.period)} AS period_key,
           {interactions} AS interactions,
           CASE WHEN p.reach > 0 THEN p.reach END AS reach_d,
           CASE WHEN p.views > 0 THEN p.views END AS views_d,
           p.followers_at_post AS followers,
           nullif(p.followers_at_post, 0) AS followers_d,
           p.followers_fallback AS followers_after"""


def rated_posts_sql(
    networks: Mapping[str, NetworkSpec],
    config: ScoringConfig,
    *,
    extra_columns: tuple[str, ...] = (),
    accrual: Mapping[str, NetworkAccrual] | None = None,
    fraction: bool = False,
) -> str:
    """A query (after the inputs' ``WITH`` clause) of the own posts with their rates.

    Columns: museum, mk (integer key of museum × network), network, account_id, period_key,
    posted_at, interactions, followers (as of the post), followers_after (true when the post
    predates every snapshot and the first one was used; NULL without snapshots), the three
    rates, basis_code (see :func:`_basis_sql`), rate, denom, plus ``extra_columns``; with
    ``accrual``, ``young`` (read before its network's maturity age; its basis code stays its
    rate's) and, with ``fraction``, ``accrued`` (F at the post's age, 1 when unknown).
    """
    table, interactions, _ = _weights_sql(interaction_weights(networks, config))
    extra = "".join(f", p.{c}" for c in extra_columns)
    aging = _aging(accrual)
    by_basis = _by_basis_sql(networks, config)
    ages = f",\n           {young_sql()} AS young" if aging else ""
    if fraction:
        ages += f",\n           {fraction_sql() if aging else '1.0'} AS accrued"
    return f"""{_acc_sql(networks, table, accrual)},
p0 AS (
    SELECT a.museum, a.mk, p.network, p.account_id, p.posted_at{extra},
           {_post_values_sql(config, interactions)}{ages}
    FROM in_posts p
    JOIN acc a USING (network, account_id)
    WHERE p.is_own
),
p1 AS (
    SELECT *,
           interactions / followers_d AS rate_followers,
           interactions / reach_d AS rate_reach,
           interactions / views_d AS rate_views
    FROM p0
),
rated AS (
    SELECT *,
           {by_basis}
    FROM p1
)"""


def _grid_list() -> str:
    return "[" + ", ".join(f"{p:.3f}" for p in GRID) + "]"


def group_aggregates_sql(
    networks: Mapping[str, NetworkSpec],
    config: ScoringConfig,
    accrual: Mapping[str, NetworkAccrual] | None = None,
) -> str:
    """One row per museum × network × period × basis: counts, sizes and the rate quantiles.

    Scoring uses it with recency weighting: a weighted quantile function is read off the
    cumulative weights (docs/scoring.md §2). Without, the same rows come from
    :func:`account_aggregates_sql` (faster); this query's ``quantile_cont`` form is kept as
    the reference the tests compare that path with.
    """
    head = rated_posts_sql(networks, config, accrual=accrual)
    src = "rated"
    if _aging(accrual):
        # a young post's group is its own (basis code TOO_YOUNG): counted, never rated
        head += f""",
rated_a AS (
    SELECT * REPLACE (
        CASE WHEN young AND basis_code <> 0 THEN {TOO_YOUNG} ELSE basis_code END AS basis_code
    )
    FROM rated
)"""
        src = "rated_a"
    # few aggregates: each costs a pass of hash-table updates over every post; the reasons'
    # counts come from the basis codes in the group key instead
    common = """
        count(*) AS posts,
        sum(interactions) AS interactions,
        avg(ln(denom)) AS log_size,
        avg(rate_followers) AS naive_rate,
        sum(interactions) / sum(denom) AS peer_rate,
        count(CASE WHEN followers_after THEN 1 END) AS n_after"""
    # one BIGINT group key (museum × network, period, basis code): hashing it is far cheaper
    # than hashing four columns, two of them strings, for every post
    gkey = "(mk * 4194304 + period_key) * 8 + basis_code"
    names = " ".join(f"WHEN {c} THEN '{b}'" for b, c in BASIS_CODE.items())
    decode = f"""SELECT m.museum, m.network, (g.gkey // 8) % 4194304 AS period_key,
       CASE g.gkey % 8 {names} END AS basis,
       CASE WHEN g.gkey % 8 BETWEEN 1 AND 3 THEN g.posts ELSE 0 END AS n,
       CASE WHEN g.gkey % 8 IN (0, {TOO_YOUNG}) THEN 0 ELSE g.posts END AS n_interactions,
       CASE WHEN g.gkey % 8 = 4 THEN g.posts ELSE 0 END AS n_zero_followers,
       CASE WHEN g.gkey % 8 = {TOO_YOUNG} THEN g.posts ELSE 0 END AS n_too_young,
       CASE WHEN g.gkey % 8 = 1 THEN g.n_after ELSE 0 END AS n_followers_after,
       CASE WHEN g.gkey % 8 = 1 THEN g.posts - g.n_after ELSE 0 END AS n_followers_asof,
       g.* EXCLUDE (gkey, n_after)
FROM g JOIN (SELECT DISTINCT mk, museum, network FROM acc) m ON m.mk = g.gkey // 33554432"""
    if config.half_life_days is None:
        return f"""{head},
g AS (
    SELECT {gkey} AS gkey, {common},
           count(rate) AS n_eff,
           quantile_cont(rate, {_grid_list()}) AS q
    FROM {src} GROUP BY gkey
)
{decode}"""
    half_life_us = config.half_life_days * 86_400e6
    picks = ", ".join(
        f"coalesce(min(rate) FILTER (WHERE cw >= {p:.4f} - 1e-12), max(rate))" for p in GRID
    )
    return f"""{head},
ends AS (SELECT mk, period_key, max(posted_at) AS t_end FROM {src} GROUP BY ALL),
weighted AS (
    SELECT r.*, pow(0.5, (epoch_us(e.t_end) - epoch_us(r.posted_at)) / {half_life_us!r})
               AS w
    FROM {src} r JOIN ends e USING (mk, period_key)
),
cum AS (
    SELECT *, CASE WHEN rate IS NOT NULL THEN
        (sum(w) OVER (PARTITION BY mk, period_key, basis_code
                      ORDER BY rate RANGE UNBOUNDED PRECEDING)
         - sum(w) OVER (PARTITION BY mk, period_key, basis_code, rate) / 2)
        / sum(w) OVER (PARTITION BY mk, period_key, basis_code) END AS cw
    FROM weighted
),
g AS (
    SELECT {gkey} AS gkey, {common},
           coalesce(pow(sum(w) FILTER (WHERE rate IS NOT NULL), 2)
                    / sum(w * w) FILTER (WHERE rate IS NOT NULL), 0) AS n_eff,
           CASE WHEN count(rate) > 0 THEN [{picks}] END AS q
    FROM cum GROUP BY gkey
)
{decode}"""


def account_aggregates_sql(
    networks: Mapping[str, NetworkSpec],
    config: ScoringConfig,
    accrual: Mapping[str, NetworkAccrual] | None = None,
) -> str:
    """One row per museum × network × period × basis code, with the rated posts' rates as a
    list.

    The fast path of the unweighted aggregate (the default): posts meet their account's
    integer key and weights (a join on one integer, no strings per post), and are grouped by
    ``mk``, the smallest account key of the account's museum on its network — so that the
    accounts of one museum on one network form one row in DuckDB's group-by, and the museum
    and network names are attached to the few resulting rows afterwards. The exact
    quantiles are read from the lists, sorted in numpy
    (:func:`engagecore.scoring.engagement._aggregates`). DuckDB's ``quantile_cont`` of the
    41-point grid per group cost 2 s of CPU at 10M posts; a list per group and one sort per
    list cost a fraction of it. (The naive rate, the plain mean of I/F, is the mean of a
    followers-basis list: read off the lists too.)
    """
    # posts meet their weights through their account's integer key (the store keeps it on
    # each post): that join keeps only the scored networks' accounts attached to a museum
    table, interactions, _ = _weights_sql(interaction_weights(networks, config))
    # with maturity ages, each post's age is compared with its account's (one column more
    # read per post, one comparison): basis code TOO_YOUNG, counted by the group-by
    aging = _aging(accrual)
    acr = ", acr.mature_us" if aging else ""
    join = f" LEFT JOIN {accrual_table_sql(accrual)} USING (network)" if aging else ""
    young = f",\n           {young_sql()} AS young" if aging else ""
    return f""",
aw AS (
    SELECT a.account_key, a.network, w.* EXCLUDE (network){acr},
           min(a.account_key) OVER (PARTITION BY a.museum, a.network) AS mk
    FROM in_accounts a JOIN {table} USING (network){join}
    WHERE a.museum IS NOT NULL
),
p0 AS (
    SELECT a.mk, a.network,  -- the network only read by a per-network basis order
           {_post_values_sql(config, interactions)}{young}
    FROM in_posts p JOIN aw a USING (account_key)
    WHERE p.is_own
),
rated AS (
    SELECT *,
           {_by_basis_sql(networks, config, young=aging)}
    FROM p0
)
SELECT mk, period_key, basis_code,
       count(*) AS posts,
       sum(interactions) AS interactions,
       sum(ln(denom)) AS sum_log_size,
       sum(denom) AS sum_denom,
       count(CASE WHEN followers_after THEN 1 END) AS n_after,
       list(rate) FILTER (WHERE rate IS NOT NULL) AS rates
FROM rated GROUP BY ALL"""


def post_rates_sql(
    networks: Mapping[str, NetworkSpec],
    config: ScoringConfig,
    accrual: Mapping[str, NetworkAccrual] | None = None,
) -> str:
    """Every own post with its rate, its expectation and its breakout threshold.

    The expectation is the mean of the middle 50 % (as the integral of the quantile function
    over [0.25, 0.75]) of the previous ``expectation_window`` posts of the same account, kind
    and basis; the breakout threshold is ``breakout_factor`` × their 90th percentile.

    At the same age (CrowdTangle), with ``accrual``: the window holds only the mature
    previous posts, each rate brought to its final value (÷ F at its age, ≥ the maturity
    fraction), and the expectation and threshold are multiplied by F at the post's own age
    (``accrued``): a post read young is compared with what its peers had at that age.
    Without, ``accrued`` is 1 and every post counts as final.
    """
    head = rated_posts_sql(
        networks,
        config,
        extra_columns=("post_id", "kind", "text", "hashtags"),
        accrual=accrual,
        fraction=True,
    )
    aging = _aging(accrual)
    base = "CASE WHEN young IS NOT TRUE THEN rate / accrued END" if aging else "rate"
    young_col = "young IS TRUE" if aging else "FALSE"
    probs = [0.25, 0.3125, 0.375, 0.4375, 0.5, 0.5625, 0.625, 0.6875, 0.75, 0.9]
    window = config.expectation_window
    return f"""{head},
win AS (
    SELECT *,
        count({base}) OVER w AS history,
        quantile_cont({base}, {probs}) OVER w AS wq
    FROM rated
    WINDOW w AS (PARTITION BY network, account_id, kind, basis_code ORDER BY posted_at, post_id
                 ROWS BETWEEN {window} PRECEDING AND 1 PRECEDING)
)
SELECT museum, network, account_id, post_id, period_key, posted_at, kind, text, hashtags,
       interactions, followers,
       CASE WHEN followers_after THEN 'after' WHEN followers IS NOT NULL THEN 'asof' END
           AS followers_source,
       CASE basis_code {" ".join(f"WHEN {c} THEN '{b}'" for b, c in BASIS_CODE.items())} END
           AS basis,
       rate_followers, rate_reach, rate_views,
       rate, denom, history, accrued, {young_col} AS too_young,
       CASE WHEN history >= {config.min_history} AND rate IS NOT NULL THEN accrued *
           (wq[1] / 2 + wq[2] + wq[3] + wq[4] + wq[5] + wq[6] + wq[7] + wq[8] + wq[9] / 2) / 8
       END AS expected,
       CASE WHEN history >= {config.min_history} AND rate IS NOT NULL THEN
           {config.breakout_factor!r} * accrued * wq[10]
       END AS breakout_threshold
FROM win"""


#: Up to this many period ends, followers at each end are found by one filtered aggregate
#: per end over the snapshots (one pass; 0.03 s for 700k snapshots and one end); beyond,
#: by a search in each account's list of snapshot times.
FEW_ENDS = 8


def followers_at_end_sql(networks: Mapping[str, NetworkSpec], ends: list[tuple[int, int]]) -> str:
    """Followers as of each period's end, summed over a museum's accounts on a network.

    ``ends`` pairs a period key with its exclusive end in epoch microseconds. The last
    snapshot before the end is used; an account with none uses its first snapshot after
    (``followers_source`` = 'after'). Accounts without any snapshot are left out.
    """
    if not ends:
        ends = [(0, 0)]
    if len(ends) <= FEW_ENDS:
        nets = sql_list(networks)
        before = ", ".join(
            f"arg_max(followers, observed_at) FILTER (WHERE epoch_us(observed_at) < {t})"
            for _, t in ends
        )
        keys = ", ".join(str(k) for k, _ in ends)
        return f""",
per_account AS (
    SELECT network, account_id, arg_min(followers, observed_at) AS f_first,
           [{before}] AS f_before
    FROM in_followers GROUP BY ALL
),
ae AS (
    SELECT a.museum, a.network, p.f_first,
           unnest([{keys}]) AS period_key, unnest(p.f_before) AS f_before
    FROM per_account p JOIN in_accounts a USING (network, account_id)
    WHERE a.museum IS NOT NULL AND a.network IN ({nets})
)
SELECT museum, network, period_key::BIGINT AS period_key,
       sum(coalesce(f_before, f_first))::BIGINT AS followers,
       CASE WHEN bool_or(f_before IS NULL) THEN 'after' ELSE 'asof' END AS followers_source
FROM ae GROUP BY ALL"""
    values = ", ".join(f"({k}, {t})" for k, t in ends)
    return f"""{_accounts_sql(networks)},
ends(period_key, t_end) AS (VALUES {values}),
ae AS (
    SELECT a.museum, a.network, e.period_key, a.fs,
           len(list_filter(a.ts, lambda x: x < e.t_end)) AS k
    FROM acc a CROSS JOIN ends e
    WHERE a.ts IS NOT NULL
)
SELECT museum, network, period_key::BIGINT AS period_key,
       sum(fs[greatest(k, 1)])::BIGINT AS followers,
       CASE WHEN min(k) = 0 THEN 'after' ELSE 'asof' END AS followers_source
FROM ae GROUP BY ALL"""
