"""What the simulated accounts publish, when, and the engagement each post gets.

Posts are drawn as numpy arrays, grouped by account (accounts are grouped by network) and
sorted by time within an account, then assembled into one polars frame of
:data:`~engagecore.schema.POSTS` plus ``museum``. Captions are gathered from the fixed
:mod:`~engagecore._sim.captions` pool, so text costs a string view per post.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl

from engagecore import schema
from engagecore._sim.params import NetworkParams
from engagecore._sim.population import World, cdf, id_block
from engagecore.errors import UsageError
from engagecore.pluginapi import NetworkSpec

KINDS = tuple(sorted(schema.POST_KINDS))
_VIDEO_KINDS = ("video", "reel", "live", "story")
# Posting rhythm in Paris local time: fewer posts at weekends; office hours and early evening.
_WEEKDAY_WEIGHTS = np.array([1.0, 1.0, 1.15, 1.1, 1.05, 0.55, 0.45])
_HOUR_WEIGHTS = np.array(
    [
        *(0.02, 0.01, 0.0, 0.0, 0.0, 0.01, 0.05, 0.3, 0.8, 1.2, 1.5, 1.4),  # 00:00-11:59
        *(1.2, 0.9, 1.1, 1.0, 1.0, 1.1, 1.2, 0.9, 0.7, 0.5, 0.3, 0.1),  # 12:00-23:59
    ]
)
_WEEKEND_LIFT = 1.1
_NOISE_SIGMA = 0.6  # log-normal spread of a post's engagement around its expectation
_CLOSED_DAY_SERIES = 0.6  # share of a series museum's closing-day posts that are #jourdefermeture
_ENGLISH_SHARE = 0.12  # curated museums' posts in English
_US_PER_DAY = 86_400_000_000


def post_counts(
    world: World,
    rngs: Sequence[np.random.Generator],
    total_rng: np.random.Generator,
    *,
    posts_total: int | None = None,
    posts_per_account: float | None = None,
) -> np.ndarray:
    """Posts per account: busier networks, busier museums and bigger audiences post more.

    By default each account posts at its own pace, drawn from its network's stream (``rngs``,
    in the order of the specs). With ``posts_per_account``, each network gets
    ``round(posts_per_account × its accounts)`` posts, spread among its accounts in
    proportion to their paces (from its own stream too: no network's draw depends on
    another's). With ``posts_total``, exactly that many posts in all, spread in proportion
    to every account's pace, from ``total_rng``.
    """
    acc = world.acc
    weeks = np.maximum(world.end_day - world.first_day, 0) / 7.0
    ref = world.reference_followers()[acc.net]
    pace = world.per_account("posts_per_week") * world.traits.activity[acc.museum]
    lam = pace * (acc.followers / ref) ** 0.12 * weeks
    if posts_total is not None:
        if posts_total == 0:
            return np.zeros(len(lam), dtype=np.int64)
        if lam.sum() <= 0:
            raise UsageError("no simulated account is active in the period: widen start/end")
        pvals = lam / lam.sum()
        return total_rng.multinomial(posts_total, pvals / pvals.sum())
    out = np.zeros(len(lam), dtype=np.int64)
    bounds = world.network_bounds()
    for k, rng in enumerate(rngs):
        s = slice(int(bounds[k]), int(bounds[k + 1]))
        if posts_per_account is None:
            out[s] = rng.poisson(lam[s])
            continue
        quota = round(posts_per_account * (s.stop - s.start))
        part = lam[s]
        if quota > 0 and part.sum() > 0:  # a network whose accounts never post gets none
            pvals = part / part.sum()
            out[s] = rng.multinomial(quota, pvals / pvals.sum())
    if posts_per_account and len(lam) and lam.sum() <= 0:
        raise UsageError("no simulated account is active in the period: widen start/end")
    return out


def _sample(cdfs: np.ndarray, group: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Vectorized categorical draw from row ``group[i]`` of the per-group CDFs [G, K]."""
    k = cdfs.shape[1]
    flat = (np.arange(cdfs.shape[0])[:, None] + cdfs).ravel()
    return np.searchsorted(flat, group + u, side="right") - group * k


def _paris_to_utc_us(day: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Paris wall-clock (day number, second of day) to UTC microseconds.

    The offset is looked up per day (before 03:00 and after), from the tz database; the
    posting hours never fall in the missing or doubled hour of a DST change.
    """
    if len(day) == 0:
        return np.zeros(0, dtype=np.int64)
    tz = ZoneInfo("Europe/Paris")
    lo, hi = int(day.min()), int(day.max())
    early = np.empty(hi - lo + 1, dtype=np.int64)
    late = np.empty_like(early)
    for i in range(hi - lo + 1):
        d = date(1970, 1, 1) + timedelta(days=lo + i)
        for table, hour in ((early, 1), (late, 12)):
            offset = datetime(d.year, d.month, d.day, hour, tzinfo=tz).utcoffset()
            table[i] = int(offset.total_seconds()) if offset is not None else 0
    offset = np.where(second < 3 * 3600, early[day - lo], late[day - lo])
    return (day * 86400 + second - offset) * 1_000_000


@dataclass
class _Design:
    """Each post's account, time and content, before engagement."""

    account: np.ndarray
    weekday: np.ndarray
    t_us: np.ndarray  # UTC microseconds
    theme: np.ndarray
    kind: np.ndarray
    repost: np.ndarray
    source: np.ndarray  # the reposted account (meaningful where repost)
    caption: np.ndarray


def _design(world: World, counts: np.ndarray, lo: int, rng: np.random.Generator) -> _Design:
    """The posts of accounts ``lo, lo + 1, …`` (``counts`` posts each; all of one network),
    drawn from that network's stream."""
    acc, traits, pool = world.acc, world.traits, world.pool
    first = world.first_day
    pa = lo + np.repeat(np.arange(len(counts)), counts)
    n = len(pa)
    day = first[pa] + np.floor(rng.random(n) * (world.end_day - first[pa])).astype(np.int64)
    # Weekly rhythm: move each post to a weekday drawn from the rhythm, in the same week.
    weekday = (day + 3) % 7  # 1970-01-01 was a Thursday
    moved = day - weekday + np.searchsorted(cdf(_WEEKDAY_WEIGHTS), rng.random(n), side="right")
    day = np.where((moved >= first[pa]) & (moved < world.end_day), moved, day)
    hour = np.searchsorted(cdf(_HOUR_WEIGHTS), rng.random(n), side="right")
    second = hour * 3600 + rng.integers(0, 3600, n)
    order = np.argsort((pa << 32) | ((day - world.start_day) * 86400 + second), kind="stable")
    pa, day, second = pa[order], day[order], second[order]
    del order, moved, hour
    weekday = (day + 3) % 7
    museum = acc.museum[pa]
    net = acc.net[pa]

    theme = _sample(traits.theme_cdf, museum, rng.random(n))
    closing = traits.series[museum] & (weekday == world.roster.closed[museum])
    theme[closing & (rng.random(n) < _CLOSED_DAY_SERIES)] = pool.theme_index("jourdefermeture")
    mix = np.array([[world.params[s.name].kinds.get(k, 0.0) for k in KINDS] for s in world.specs])
    kind = _sample(cdf(mix), net, rng.random(n))
    repost = rng.random(n) < np.array([world.params[s.name].repost_share for s in world.specs])[net]
    # The reposted account: another account of the same network.
    bounds = np.searchsorted(acc.net, np.arange(len(world.specs) + 1))
    lo, width = bounds[net], np.maximum(bounds[net + 1] - bounds[net], 1)
    step = 1 + np.floor(rng.random(n) * (width - 1)).astype(np.int64)
    source = lo + (pa - lo + step) % width
    source_kind = np.where(repost, traits.kind[acc.museum[source]], traits.kind[museum])
    english = (world.roster.curated[museum] & (rng.random(n) < _ENGLISH_SHARE)).astype(np.int64)
    cell = (source_kind, theme, english)
    caption = pool.offset[cell] + np.floor(rng.random(n) * pool.count[cell]).astype(np.int64)
    # Narrow types: ten million posts hold these until the frame is built.
    return _Design(
        account=pa.astype(np.int32),
        weekday=weekday.astype(np.int8),
        t_us=_paris_to_utc_us(day, second),
        theme=theme.astype(np.int8),
        kind=kind.astype(np.int8),
        repost=repost,
        source=source.astype(np.int32),
        caption=caption.astype(np.int32),
    )


def _counts(
    spec: NetworkSpec,
    p: NetworkParams,
    *,
    mean: np.ndarray,
    followers: np.ndarray,
    lift: np.ndarray,
    maturity: np.ndarray,
    video: np.ndarray,
    rng: np.random.Generator,
) -> dict[str, tuple[np.ndarray, np.ndarray | None]]:
    """One network's count columns: {column: (values, where present or None for all)}.

    Interactions are Poisson around ``mean`` split across the network's interaction columns
    (Poisson thinning); other provided counts derive from likes, followers or views.
    """
    n = len(mean)
    out: dict[str, tuple[np.ndarray, np.ndarray | None]] = {}
    cols = [c for c in spec.interactions if c in spec.provides]
    weights = np.array([p.split.get(c, 0.05) for c in cols])
    total = np.zeros(n, dtype=np.int64)
    for c, w in zip(cols, weights / weights.sum() if cols else weights, strict=True):
        drawn = rng.poisson(mean * w)
        out[c] = (drawn, None)
        total += drawn
    if {"impressions", "reach"} & spec.provides:
        noise = np.exp(rng.normal(-0.125, 0.5, n))
        seen = followers * p.impressions_per_follower * noise * lift * (0.3 + 0.7 * maturity)
        impressions = np.round(seen).astype(np.int64) + total
        if "impressions" in spec.provides:
            out["impressions"] = (impressions, None)
        if "reach" in spec.provides:
            reach = np.round(impressions * p.reach_per_impression * rng.uniform(0.85, 1.15, n))
            out["reach"] = (np.minimum(reach.astype(np.int64), impressions), None)
    if "views" in spec.provides and "views" not in out:
        noise = np.exp(rng.normal(-0.245, 0.7, n))
        views = np.round(followers * p.views_per_follower * noise * lift * maturity)
        out["views"] = (views.astype(np.int64) + total, video)
    likes = out["likes"][0] if "likes" in out else total
    for c in sorted(spec.provides - set(out)):
        if c in p.per_like:
            out[c] = (rng.poisson(likes * p.per_like[c]), None)
    return out


def _count_frame(
    columns: dict[str, tuple[np.ndarray, np.ndarray | None]], own: np.ndarray
) -> pl.DataFrame:
    """The :data:`schema.COUNT_COLUMNS` of one network's posts; NULL where not exposed."""
    n = len(own)
    series = []
    for c in schema.COUNT_COLUMNS:
        if c not in columns:
            series.append(pl.repeat(None, n, dtype=pl.Int64, eager=True).alias(c))
            continue
        values, where = columns[c]
        present = own if where is None else own & where
        s = pl.Series(c, values, dtype=pl.Int64)
        if not present.all():
            s = pl.select(pl.when(pl.lit(pl.Series(present))).then(s)).to_series().alias(c)
        series.append(s)
    return pl.DataFrame(series)


def _concat(designs: list[_Design]) -> _Design:
    return _Design(
        **{
            f.name: np.concatenate([getattr(d, f.name) for d in designs])
            if designs
            else np.zeros(0, dtype=np.int32)
            for f in fields(_Design)
        }
    )


def posts(
    world: World,
    counts: np.ndarray,
    rngs: Sequence[np.random.Generator],
    with_truth: bool,
) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """The posts frame (:data:`schema.POSTS` + ``museum``) and, if asked, each post's planted
    truth (theme, expected interactions, viral). Each network's posts are drawn from its own
    stream (``rngs``, in the order of the specs) and numbered in its own id block."""
    acc, pool, specs = world.acc, world.pool, world.specs
    lifts = np.array([t.lift for t in pool.themes])
    is_video = np.isin(np.arange(len(KINDS)), [KINDS.index(k) for k in _VIDEO_KINDS])
    ref = world.reference_followers()
    bounds = world.network_bounds()
    frames: list[pl.DataFrame] = []
    designs: list[_Design] = []
    post_ids: list[np.ndarray] = []
    expected_parts: list[np.ndarray] = []
    viral_parts: list[np.ndarray] = []
    for k, (spec, rng) in enumerate(zip(specs, rngs, strict=True)):
        lo, hi = int(bounds[k]), int(bounds[k + 1])
        dk = _design(world, counts[lo:hi], lo, rng)
        designs.append(dk)
        m = len(dk.account)
        post_ids.append(10**17 + id_block(spec.name) * 10**14 + np.arange(m, dtype=np.int64))
        p = world.params[spec.name]
        own = ~dk.repost
        lift = lifts[dk.theme] * np.array([p.kind_lift.get(c, 1.0) for c in KINDS])[dk.kind]
        lift *= np.where(dk.weekday >= 5, _WEEKEND_LIFT, 1.0)
        if own.any():
            lift /= lift[own].mean()  # lifts move engagement between posts, not its level
        boost = own & (rng.random(m) < p.viral_share)
        lift *= np.where(boost, np.minimum(5.0 * (1.0 + rng.pareto(1.5, m)), 200.0), 1.0)
        t_days = dk.t_us / _US_PER_DAY
        maturity = 1.0 - np.exp(-(world.export_days - t_days) * 24.0 / p.maturity_hours)
        f = acc.followers_at(dk.account, t_days, world.export_days)
        rate = p.typical_rate * acc.quality[dk.account] * (f / ref[k]) ** (-p.size_exponent)
        mean = rate * f * lift * maturity
        noise = np.exp(rng.normal(-(_NOISE_SIGMA**2) / 2.0, _NOISE_SIGMA, m))
        columns = _counts(
            spec,
            p,
            mean=mean * noise,
            followers=f,
            lift=lift,
            maturity=maturity,
            video=is_video[dk.kind],
            rng=rng,
        )
        frames.append(_count_frame(columns, own))
        if with_truth:
            expected_parts.append(np.where(own, mean, np.nan))
            viral_parts.append(boost)
        del columns, lift, maturity, f, rate, mean, noise, t_days
    d = _concat(designs)
    del designs
    n = len(d.account)
    net = acc.net[d.account] if n else np.zeros(0, dtype=np.int16)
    counts_frame = (
        pl.concat(frames, how="vertical", rechunk=False)
        if frames
        else pl.DataFrame(schema={c: pl.Int64 for c in schema.COUNT_COLUMNS})
    )
    del frames
    expected = np.concatenate(expected_parts) if expected_parts else np.zeros(0)
    viral = np.concatenate(viral_parts) if viral_parts else np.zeros(0, dtype=bool)

    account = pl.Series(d.account)
    handles = pl.Series(acc.handle, dtype=pl.Utf8)
    # A repost's first mention is the account it reposts (an X writer makes "RT @source: ...").
    rep = np.flatnonzero(d.repost)
    mention_rows = d.caption.copy()
    mention_rows[rep] = len(pool.text) + np.arange(len(rep))
    repost_mentions = pl.DataFrame(
        {"s": handles.gather(pl.Series(d.source[rep])), "m": pool.mentions.gather(d.caption[rep])}
    ).select(pl.concat_list("s", "m"))
    mention_table = pl.concat([pool.mentions, repost_mentions.to_series().alias("mentions")])
    caption = pl.Series(d.caption)
    frame = pl.DataFrame(
        [
            pl.Series("network", [s.name for s in specs], dtype=pl.Utf8).gather(pl.Series(net)),
            pl.Series(
                "post_id",
                np.concatenate(post_ids) if post_ids else np.zeros(0, dtype=np.int64),
            ).cast(pl.Utf8),
            pl.Series("account_id", acc.account_id, dtype=pl.Utf8).gather(account),
            pl.Series("posted_at", d.t_us, dtype=pl.Int64).cast(schema.UTC_TS),
            pl.Series("kind", KINDS, dtype=pl.Utf8).gather(pl.Series(d.kind)),
            pl.Series("is_own", ~d.repost),
            pool.text.gather(caption),
            pool.language.gather(caption),
            pool.hashtags.gather(caption),
            mention_table.gather(pl.Series(mention_rows)),
            pl.repeat(None, n, dtype=pl.Utf8, eager=True).alias("url"),
            *counts_frame.get_columns(),
            pl.repeat(world.export, n, dtype=schema.UTC_TS, eager=True).alias("observed_at"),
            pl.Series("museum", world.roster.slug, dtype=pl.Utf8).gather(
                pl.Series(acc.museum[d.account])
            ),
        ]
    )
    truth = None
    if with_truth:
        truth = pl.DataFrame(
            [
                frame["network"],
                frame["post_id"],
                pl.Series("theme", [t.name for t in pool.themes]).gather(pl.Series(d.theme)),
                pl.Series("expected", expected, nan_to_null=True),
                pl.Series("viral", viral),
            ]
        )
    return frame, truth
