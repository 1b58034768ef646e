"""Top posts and breakouts: own posts ranked by overperformance (``engage posts``).

Built on :func:`engagecore.scoring.post_metrics` (docs/scoring.md §1.4): a post's
overperformance is its rate ÷ the expectation from the same account's previous posts of the
same kind and basis; a breakout is a rate above twice the 90th percentile of that window.
Columns: docs/analyses.md, "Top posts and breakouts".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import polars as pl

#: The columns of :func:`top_posts`, in order.
TOP_POST_COLUMNS: tuple[str, ...] = (
    "rank",
    "museum",
    "network",
    "posted_at",
    "kind",
    "overperformance",
    "ct_score",
    "breakout",
    "rate",
    "expected",
    "rate_basis",
    "interactions",
    "excerpt",
    "link",
    "text",
    "post_id",
    "account_id",
)

#: Characters of a caption kept in ``excerpt``.
EXCERPT_CHARS = 100


def excerpt(text: pl.Expr, width: int = EXCERPT_CHARS) -> pl.Expr:
    """A caption on one line, at most ``width`` characters, cut at a space and marked ``…``."""
    flat = text.str.replace_all(r"\s+", " ").str.strip_chars()
    head = flat.str.slice(0, width - 1)
    at_space = head.str.replace(r"\s\S*$", "")
    cut = pl.when(at_space.str.len_chars() >= width // 2).then(at_space).otherwise(head)
    return pl.when(flat.str.len_chars() <= width).then(flat).otherwise(cut + pl.lit("…"))


def top_posts(
    metrics: pl.DataFrame,
    links: pl.DataFrame | None = None,
    *,
    museums: Sequence[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    top: int | None = 20,
    breakouts: bool = False,
) -> pl.DataFrame:
    """Own posts ranked by overperformance, highest first (:data:`TOP_POST_COLUMNS`).

    :param metrics: :func:`~engagecore.scoring.post_metrics` rows, computed on every post
        (the expectation of a post reads the posts before it, also those before ``since``).
    :param links: ``network``, ``post_id``, ``url`` (the stored link of each post).
    :param museums: slugs (or unlinked accounts' labels) to keep; None: every museum.
    :param since: keep posts published at or after; ``until``: before.
    :param top: the first ``top`` posts (None: all ranked posts).
    :param breakouts: only breakouts (rate above twice the 90th percentile of the window).

    Posts without an expectation (fewer than ``min_history`` earlier posts of the same
    account, kind and basis) have no overperformance and are not ranked.
    """
    frame = metrics.filter(pl.col("overperformance").is_not_null())
    if museums is not None:
        frame = frame.filter(pl.col("museum").is_in(list(museums)))
    if since is not None:
        frame = frame.filter(pl.col("posted_at") >= _utc(since))
    if until is not None:
        frame = frame.filter(pl.col("posted_at") < _utc(until))
    if breakouts:
        frame = frame.filter(pl.col("breakout").fill_null(False))
    if links is not None:
        frame = frame.join(
            links.select("network", "post_id", pl.col("url").alias("link")),
            on=["network", "post_id"],
            how="left",
        )
    else:
        frame = frame.with_columns(link=pl.lit(None, dtype=pl.Utf8))
    frame = frame.sort(
        ["overperformance", "rate", "posted_at", "network", "post_id"],
        descending=[True, True, True, False, False],
    )
    if top is not None:
        frame = frame.head(top)
    return frame.with_columns(
        rank=pl.int_range(1, pl.len() + 1, dtype=pl.Int64),
        excerpt=excerpt(pl.col("text").fill_null("")),
    ).select(TOP_POST_COLUMNS)


def _utc(when: datetime) -> datetime:
    from datetime import UTC

    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
