"""The raw Graph posts frame (see :func:`graph_sql.posts_query`) as normalized posts.

What is left after DuckDB: checking every post has an id, a time and a page; the file's
observed_at; ``shares`` absent-means-zero; hashtags and mentions (the shared polars
helpers, so every network extracts them alike); one row per post.
"""

from __future__ import annotations

from datetime import datetime

import polars as pl

from engage_facebook.graph_sql import POST_METRICS
from engagecore import plugin
from engagecore.plugin import FormatError


def normalize(
    raw: pl.DataFrame,
    observed: list[datetime],
    displays: list[str],
    extra_metrics: pl.DataFrame | None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """:data:`engagecore.plugin.POSTS` rows, and the page names own posts reveal
    (``account_id``, ``display_name`` from ``from.name``)."""
    names_schema = {"account_id": pl.Utf8, "display_name": pl.Utf8}
    if raw.height == 0:
        return plugin.frame("posts", []), pl.DataFrame(schema=names_schema)
    _check(raw, displays)
    df = raw
    key = pl.col("file") * (1 << 32) + pl.col("rec")
    if not df.select(key.is_sorted()).item():
        df = df.sort(key)  # one integer key: several times faster than by (file, rec)
    if extra_metrics is not None and extra_metrics.height:
        df = df.join(extra_metrics, on="post_id", how="left", suffix="_ins").with_columns(
            pl.coalesce(c, f"{c}_ins").alias(c) for c in POST_METRICS
        )
    # Meta omits `shares` when it is zero. Absence is 0 wherever the file shows the counts
    # were fetched: a post in it carries shares or reaction/comment summaries, or its
    # paging URL asks for shares. Otherwise (e.g. fields=id,message only) shares is NULL.
    fetched = (pl.col("engagement_fetched") | pl.col("shares_requested")).any().over("file")
    when = dict(enumerate(observed))
    df = df.with_columns(
        pl.lit("facebook").alias("network"),
        pl.col("file")
        .replace_strict(when, return_dtype=pl.Datetime("us", "UTC"))
        .alias("observed_at"),
        pl.lit(None, dtype=pl.Utf8).alias("language"),
        plugin.hashtags_expr("text").alias("hashtags"),
        plugin.mentions_expr("text").alias("mentions"),
        pl.coalesce("shares_raw", pl.when(fetched).then(pl.lit(0, dtype=pl.Int64))).alias("shares"),
    )
    if df["post_id"].n_unique() < df.height:
        # The same post in several pages: keep its most recent observation.
        df = df.sort("observed_at", maintain_order=True).unique(
            "post_id", keep="last", maintain_order=True
        )
    names = (
        df.select("account_id", pl.col("from_name").alias("display_name"))
        .drop_nulls()
        .unique("account_id", keep="last", maintain_order=True)
    )
    return plugin.frame("posts", df), names


def _check(df: pl.DataFrame, displays: list[str]) -> None:
    """Raise a FormatError naming the first post without an id, a time or a page."""
    problems: list[tuple[pl.Expr, str, str | None]] = [
        (pl.col("post_id").is_null(), "expected an 'id'", None),
        (
            pl.col("posted_at").is_null(),
            "expected 'created_time' like 2026-04-06T17:50:09+0000",
            "bad_time",
        ),
        (
            pl.col("account_id").is_null(),
            "expected an id '{page_id}_{post_id}' (or one page object in the same import)",
            None,
        ),
    ]
    problems += [
        (
            pl.col(f"{c}_bad").is_not_null(),
            f"insights {'/'.join(names)}: expected a count",
            f"{c}_bad",
        )
        for c, names in POST_METRICS.items()
        if f"{c}_bad" in df.columns
    ]
    for cond, what, got_col in problems:
        bad = df.filter(cond)
        if bad.height:
            row = bad.sort("file", "rec").row(0, named=True)
            label = f"{row['rec']}" + (f" (id {row['graph_id']})" if row["graph_id"] else "")
            got = f", got {row[got_col]!r}" if got_col and row.get(got_col) else ""
            raise FormatError(displays[row["file"]], what + got, label)
