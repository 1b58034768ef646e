"""Small frames for scoring tests, built directly in the store's schemas (no plugin needed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import polars as pl

from engagecore import schema
from engagecore.pluginapi import NetworkSpec
from engagecore.scoring import ScoringInputs

#: Two made-up networks: the core must work with whatever networks plugins register.
NETS = {
    "alpha": NetworkSpec(
        "alpha", "Alpha", {"likes": 1.0, "comments": 1.0}, frozenset({"likes", "comments", "reach"})
    ),
    "beta": NetworkSpec(
        "beta", "Beta", {"likes": 1.0, "shares": 1.0}, frozenset({"likes", "shares", "views"})
    ),
}

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def posts_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Posts with defaults for every column not given (counts NULL, own photo posts)."""
    full = []
    for i, r in enumerate(rows):
        base: dict[str, Any] = {
            "network": "alpha",
            "post_id": f"p{i}",
            "account_id": f"{r.get('network', 'alpha')}-{r['museum']}",
            "posted_at": T0 + timedelta(days=i % 300),
            "kind": "photo",
            "is_own": True,
            "text": f"post {i}",
            "hashtags": [],
            "mentions": [],
            **dict.fromkeys(schema.COUNT_COLUMNS),
        }
        base.update(r)
        full.append(base)
    return pl.DataFrame(full, schema={**schema.POSTS, "museum": pl.Utf8}, strict=False).drop(
        "observed_at", "language", "url", strict=False
    )


def followers_frame(rows: list[tuple[str, str, datetime, int]]) -> pl.DataFrame:
    """(network, museum, observed_at, followers) → snapshots of account '<network>-<museum>'."""
    return pl.DataFrame(
        [
            {"network": n, "account_id": f"{n}-{m}", "observed_at": t, "followers": f}
            for n, m, t, f in rows
        ],
        schema=schema.FOLLOWER_SNAPSHOTS,
    )


def cohort(
    n_museums: int = 40,
    posts_per: int = 30,
    *,
    beta: float = 0.4,
    seed: int = 0,
    networks: tuple[str, ...] = ("alpha",),
) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, float]]:
    """A simulated cohort: (posts, followers, planted quality per museum).

    rate ∝ quality × followers^-beta, log-normal post noise, heavy-tailed followers.
    """
    rng = np.random.default_rng(seed)
    museums = [f"m{i:03d}" for i in range(n_museums)]
    quality = np.exp(rng.normal(0, 0.5, n_museums))
    size = np.round(np.exp(rng.normal(8, 1.5, n_museums))).astype(np.int64) + 10
    post_rows = []
    snap_rows = []
    for net in networks:
        for j, m in enumerate(museums):
            snap_rows.append((net, m, T0 - timedelta(days=1), int(size[j])))
            rate = 0.05 * quality[j] * (size[j] / 3000.0) ** (-beta)
            likes = rng.poisson(rate * size[j] * np.exp(rng.normal(0, 0.6, posts_per)))
            for k in range(posts_per):
                post_rows.append(
                    {
                        "network": net,
                        "museum": m,
                        "post_id": f"{net}-{m}-{k}",
                        "posted_at": T0 + timedelta(hours=int(rng.integers(0, 24 * 360))),
                        "likes": int(likes[k]),
                        "comments": 0,
                        "shares": 0,
                        "hashtags": ["expo"] if k % 3 == 0 else [],
                    }
                )
    return (
        posts_frame(post_rows),
        followers_frame(snap_rows),
        dict(zip(museums, quality, strict=True)),
    )


def aged_frames(
    ages_h: list[float], likes: list[int], accounts: int, start: datetime
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(posts, followers) on a network "net": ``accounts`` museums with the same posts, one a
    day from ``start``, post i read at age ``ages_h[i]`` hours with ``likes[i]`` likes (museum
    m's scaled by m + 1; ids ``m{m}-{i}``), each account 1,000 followers the day before."""
    rows = []
    for m in range(accounts):
        for i, (age, n) in enumerate(zip(ages_h, likes, strict=True)):
            posted = start + timedelta(days=i)
            rows.append(
                {
                    "network": "net",
                    "post_id": f"m{m}-{i}",
                    "account_id": f"a{m}",
                    "museum": f"museum-{m}",
                    "posted_at": posted,
                    "kind": "photo",
                    "is_own": True,
                    "likes": n * (m + 1),
                    "observed_at": posted + timedelta(hours=age),
                }
            )
    followers = pl.DataFrame(
        {
            "network": ["net"] * accounts,
            "account_id": [f"a{m}" for m in range(accounts)],
            "observed_at": [start - timedelta(days=1)] * accounts,
            "followers": [1000] * accounts,
        }
    )
    return pl.DataFrame(rows), followers


def inputs(
    posts: pl.DataFrame,
    followers: pl.DataFrame | None = None,
    audience_age: pl.DataFrame | None = None,
    **kwargs: Any,
) -> ScoringInputs:
    """Inputs from frames (the accounts' museums come from the posts)."""
    return ScoringInputs.from_frames(
        posts, followers=followers, audience_age=audience_age, **kwargs
    )


def assert_no_nan(df: pl.DataFrame) -> None:
    """No float column holds NaN or ±inf (missing figures are null)."""
    for name, dtype in df.schema.items():
        if dtype in (pl.Float64, pl.Float32):
            col = df.get_column(name).drop_nulls()
            assert col.is_finite().all(), f"{name} holds NaN or inf"
