"""Followers growth per account and period, from the follower snapshots (docs/analyses.md).

Each account's figure for a period is its **last snapshot in that period** (calendar months,
quarters or years in UTC, as in scoring); the change is measured against the account's
previous period that has a snapshot. A period without a snapshot between two that have one is
a gap (a row with no followers), never a zero, and the change after it says how many periods
it spans.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb
import polars as pl

from engagecore.errors import UsageError
from engagecore.scoring import periods
from engagecore.scoring.inputs import labelled_accounts_sql, sql_list

#: The periods growth is computed over (``all`` has no "previous period").
GROWTH_PERIODS = ("month", "quarter", "year")

#: The columns of :func:`growth`, in order.
GROWTH_COLUMNS: tuple[str, ...] = (
    "museum",
    "network",
    "handle",
    "period",
    "followers",
    "change",
    "change_rate",
    "periods_spanned",
    "note",
    "account_id",
    "previous_period",
    "observed_at",
    "period_key",
)

_SCHEMA = {
    "museum": pl.Utf8,
    "network": pl.Utf8,
    "account_id": pl.Utf8,
    "handle": pl.Utf8,
    "observed_at": pl.Datetime("us", "UTC"),
    "followers": pl.Int64,
}

_UNIT = {"month": "months", "quarter": "quarters", "year": "years"}


def check_period(period: str) -> str:
    """``period`` if growth can use it, else a one-line :class:`UsageError`."""
    if period not in GROWTH_PERIODS:
        raise UsageError(f"--period {period!r}: expected one of {', '.join(GROWTH_PERIODS)}")
    return period


def load_snapshots(
    con: duckdb.DuckDBPyConnection,
    *,
    museums: Sequence[str] | None = None,
    networks: Sequence[str] | None = None,
) -> pl.DataFrame:
    """Every follower snapshot with its account's museum (an unlinked account under its own
    label, ``@handle``, as in scoring) and handle: museum, network, account_id, handle,
    observed_at, followers."""
    where = []
    if museums:
        where.append(f"a.museum IN ({sql_list(museums)})")
    if networks:
        where.append(f"s.network IN ({sql_list(networks)})")
    cond = f"WHERE {' AND '.join(where)}" if where else ""
    sql = f"""
        SELECT a.museum, s.network, s.account_id, a.handle, s.observed_at, s.followers
        FROM follower_snapshots s
        JOIN ({labelled_accounts_sql("accounts")}) a USING (network, account_id)
        {cond}
    """
    frame = con.sql(sql).pl()
    return frame.cast(_SCHEMA).select(list(_SCHEMA))


def _key_and_ordinal(period: str, ts: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """The period key (scoring's: 2024, 20241 for 2024-Q1, 202403) and a consecutive ordinal."""
    year = ts.dt.year().cast(pl.Int64)
    month = ts.dt.month().cast(pl.Int64)
    if period == "year":
        return year, year
    if period == "quarter":
        q = (month - 1) // 3 + 1
        return year * 10 + q, year * 4 + q - 1
    return year * 100 + month, year * 12 + month - 1


def _key_of_ordinal(period: str, ordinal: pl.Expr) -> pl.Expr:
    if period == "year":
        return ordinal
    if period == "quarter":
        return (ordinal // 4) * 10 + ordinal % 4 + 1
    return (ordinal // 12) * 100 + ordinal % 12 + 1


def growth(snapshots: pl.DataFrame, period: str = "quarter", *, gaps: bool = True) -> pl.DataFrame:
    """Followers per account and period, with the change since the previous period.

    ``snapshots``: the frame of :func:`load_snapshots`. One row per account and period from
    its first snapshot's period to its last one's; columns (:data:`GROWTH_COLUMNS`):

    - ``followers``: the last snapshot in the period (``observed_at`` its time); null in a
      period without a snapshot (a gap; ``gaps=False`` leaves those rows out);
    - ``change``: followers minus those of the previous period with a snapshot
      (``previous_period``); ``change_rate`` the same as a fraction of them (0.05 = 5 %;
      null when they were 0); both null on the first period;
    - ``periods_spanned``: how many periods the change covers (1: the previous period; 3: two
      periods without a snapshot lie between), and ``note`` says so in words.
    """
    period = check_period(period)
    out_schema: dict[str, Any] = {
        "museum": pl.Utf8,
        "network": pl.Utf8,
        "handle": pl.Utf8,
        "period": pl.Utf8,
        "followers": pl.Int64,
        "change": pl.Int64,
        "change_rate": pl.Float64,
        "periods_spanned": pl.Int64,
        "note": pl.Utf8,
        "account_id": pl.Utf8,
        "previous_period": pl.Utf8,
        "observed_at": pl.Datetime("us", "UTC"),
        "period_key": pl.Int64,
    }
    if snapshots.is_empty():
        return pl.DataFrame(schema=out_schema)
    key, ordinal = _key_and_ordinal(period, pl.col("observed_at"))
    account = ["museum", "network", "account_id"]
    last = (
        snapshots.with_columns(period_key=key, ordinal=ordinal)
        .sort("observed_at")
        .group_by([*account, "ordinal"], maintain_order=True)
        .agg(pl.all().last())
        .sort([*account, "ordinal"])
        .with_columns(
            prev_followers=pl.col("followers").shift(1).over(account),
            prev_ordinal=pl.col("ordinal").shift(1).over(account),
            prev_key=pl.col("period_key").shift(1).over(account),
        )
    )
    unit = _UNIT[period]
    spanned = pl.col("ordinal") - pl.col("prev_ordinal")
    rows = last.with_columns(
        change=pl.col("followers") - pl.col("prev_followers"),
        change_rate=pl.when(pl.col("prev_followers") > 0).then(
            (pl.col("followers") - pl.col("prev_followers")) / pl.col("prev_followers")
        ),
        periods_spanned=spanned,
        previous_period=periods.label_expr(period, pl.col("prev_key")),
        note=pl.when(pl.col("prev_ordinal").is_null())
        .then(pl.lit("first snapshot"))
        .when(spanned > 1)
        .then(
            pl.format(
                "change over {} {} ({} without a snapshot)", spanned, pl.lit(unit), spanned - 1
            )
        ),
    )
    if gaps:
        spans = last.group_by(account).agg(
            pl.col("handle").last(),
            pl.int_ranges(pl.col("ordinal").min(), pl.col("ordinal").max() + 1).first(),
        )
        every = spans.explode("ordinal").with_columns(
            period_key=_key_of_ordinal(period, pl.col("ordinal"))
        )
        holes = every.join(last.select(*account, "ordinal"), on=[*account, "ordinal"], how="anti")
        holes = holes.with_columns(note=pl.lit("no snapshot: a gap, not a zero"))
        rows = pl.concat([rows, holes], how="diagonal_relaxed")
    rows = rows.with_columns(period=periods.label_expr(period, pl.col("period_key")))
    return rows.sort([*account, "ordinal"]).select(list(out_schema)).cast(out_schema)  # type: ignore[arg-type]
