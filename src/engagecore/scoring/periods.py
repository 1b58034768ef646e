"""Calendar periods (UTC): the integer keys the SQL groups by, their labels and bounds."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl

_FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)


def label_expr(period: str, key: pl.Expr) -> pl.Expr:
    """'all', '2024', '2024-Q1' or '2024-03' from the integer period key."""
    if period == "all":
        return pl.lit("all")
    if period == "year":
        return key.cast(pl.Utf8)
    if period == "quarter":
        return pl.format("{}-Q{}", key // 10, key % 10)
    return pl.format("{}-{}", key // 100, (key % 100).cast(pl.Utf8).str.zfill(2))


def bounds(
    period: str, keys: pl.Series, since: datetime | None, until: datetime | None
) -> pl.DataFrame:
    """Per period key: ``start`` and ``end`` (exclusive), clipped to since/until, UTC."""
    k = pl.col("period_key")
    if period == "all":
        start = pl.lit(since, dtype=pl.Datetime("us", "UTC"))
        end = pl.lit(until or _FAR_FUTURE, dtype=pl.Datetime("us", "UTC"))
    else:
        if period == "year":
            y, m, months = k, pl.lit(1), 12
        elif period == "quarter":
            y, m, months = k // 10, (k % 10 - 1) * 3 + 1, 3
        else:
            y, m, months = k // 100, k % 100, 1
        start = pl.datetime(y, m, 1, time_zone="UTC")
        end = start.dt.offset_by(f"{months}mo")
        if since is not None:
            start = pl.max_horizontal(start, pl.lit(since, dtype=pl.Datetime("us", "UTC")))
        if until is not None:
            end = pl.min_horizontal(end, pl.lit(until, dtype=pl.Datetime("us", "UTC")))
    return pl.DataFrame(
        {"period_key": keys.unique().sort()}, schema={"period_key": pl.Int64}
    ).with_columns(
        start=start.cast(pl.Datetime("us", "UTC")),
        end=end.cast(pl.Datetime("us", "UTC")),
    )
