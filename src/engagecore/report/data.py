"""The frames a report reads, gathered once from the store (one scoring pass per grain)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import polars as pl

from engagecore.errors import EngageError, UsageError

if TYPE_CHECKING:
    from engagecore.api import Engine

PERIODS = ("month", "quarter", "year")
FOCUS_MAX = 10  # museums drawn one by one in the compared charts
RISKS_SHOWN = 30  # rows of the risks table (the newest); the total is stated
BREAKOUTS_SHOWN = 10  # breakouts listed beside the top posts


@dataclass
class ReportData:
    """Everything a section may read.

    :param scores: ``Engine.score(period="all", with_growth=True)`` for the whole store
        (cohorts are whole): the engagement score, the growth score and the performance
        score of every museum and network (docs/scoring.md §9).
    :param history: the same per ``period``, for the focus museums only.
    :param posts: ``Engine.post_metrics()`` rows of the report's museums, with ``url``.
    :param followers: the follower snapshots of the report's museums.
    :param leaderboard: the ranking of the report's museums (composite rows).
    :param names: museum → display name (the full name, else the slug or label).
    :param networks: network key → display name.
    :param museums: the report's museums; ``focus``: those drawn one by one.
    :param themes: ``what_works`` over the report's museums (pooled), or None (no post).
    :param risks: the newest posts that MAY be removed or restricted (``risks_total`` all).
    :param breakouts: the newest breakouts (``breakouts_total`` all).
    :param young_time: young share and reach per period of the focus museums, read from
        ``history`` (no second scoring).
    :param growth: followers per account and period with the change (``Engine.growth``).
    :param adoption: per network and year, museums of the registry present (``--all`` only).
    """

    scores: pl.DataFrame
    history: pl.DataFrame
    posts: pl.DataFrame
    followers: pl.DataFrame
    leaderboard: pl.DataFrame
    names: dict[str, str]
    networks: dict[str, str]
    museums: list[str]
    focus: list[str]
    all_museums: bool
    period: str
    young_band: tuple[int, int]
    store: str
    #: the museums of the store, posts or not (``--all`` reports those with posts)
    store_museums: int = 0
    themes: Any = None
    risks: pl.DataFrame = dataclasses.field(default_factory=pl.DataFrame)
    risks_total: int = 0
    breakouts: pl.DataFrame = dataclasses.field(default_factory=pl.DataFrame)
    breakouts_total: int = 0
    young_time: pl.DataFrame = dataclasses.field(default_factory=pl.DataFrame)
    growth: pl.DataFrame = dataclasses.field(default_factory=pl.DataFrame)
    adoption: pl.DataFrame | None = None

    @property
    def single(self) -> bool:
        return len(self.museums) == 1

    def name(self, museum: str) -> str:
        return self.names.get(museum) or museum

    def network(self, key: str) -> str:
        return self.networks.get(key, key)


def collect(
    engine: Engine,
    museums: list[str] | None = None,
    *,
    all_museums: bool = False,
    period: str = "quarter",
    young_band: tuple[int, int] = (13, 24),
    top_posts: int | None = None,
) -> ReportData:
    """Score the store once per grain and keep what the page shows."""
    from engagecore import scoring
    from engagecore.analysis.young import young_over_time
    from engagecore.scoring.leaderboard import leaderboard

    if period not in PERIODS:
        raise UsageError(f"--period {period!r}: expected one of {', '.join(PERIODS)}")
    if museums and all_museums:
        raise UsageError("name museums or pass --all, not both")
    if not museums and not all_museums:
        raise UsageError("name at least one museum, or pass --all for every museum of the store")
    inputs, cfg_period, specs = engine._scoring(period=period, young_band=young_band)
    cfg_all = dataclasses.replace(cfg_period, period="all")
    # the whole period with the growth score and the performance score (docs/scoring.md §9),
    # in the scoring's one pass; the history per period stays without growth
    scores = scoring.score(inputs, specs, dataclasses.replace(cfg_all, with_growth=True))
    ranked = leaderboard(
        scores,
        "score",
        None,
        engine.museums.list().select(pl.col("slug").alias("museum"), "name"),
    )
    names = {
        m: n for m, n in zip(ranked["museum"].to_list(), ranked["name"].to_list(), strict=True) if n
    }
    present = scores.filter(pl.col("posts") > 0)["museum"].unique().to_list()
    if all_museums:
        selected = sorted(present)
        if not selected:
            raise EngageError("the store has no scored posts: import some with `engage ingest`")
    else:
        selected = []
        for name in museums or []:
            slug = engine._slug(name)
            if slug not in present:
                raise EngageError(f"museum {name!r} has no post in the store: nothing to report")
            if slug not in selected:
                selected.append(slug)
    for row in engine.museums.list().select("slug", "name").iter_rows():
        names.setdefault(row[0], row[1] or row[0])
    board = ranked.filter(pl.col("museum").is_in(selected))
    # --all: the best-scored museums are drawn one by one; a list: its first museums
    focus = board["museum"].head(FOCUS_MAX).to_list() if all_museums else selected[:FOCUS_MAX]
    history = scoring.score(inputs, specs, cfg_period).filter(pl.col("museum").is_in(focus))
    every = scoring.post_metrics(inputs, specs, cfg_all).filter(pl.col("museum").is_in(selected))
    metrics = every.filter(pl.col("overperformance").is_not_null())
    limit = top_posts if top_posts is not None else (10 if len(selected) == 1 else 20)
    top = metrics.sort(["overperformance", "posted_at"], descending=[True, False]).head(limit)
    top = _with_urls(engine, top)
    broke = metrics.filter(pl.col("breakout"))
    breakouts = _with_urls(
        engine,
        broke.sort(["posted_at", "post_id"], descending=[True, False]).head(BREAKOUTS_SHOWN),
    )
    followers = engine.followers()
    followers = followers.filter(pl.col("museum").is_in(selected))
    themes = _themes(every)
    risks = _risks(every)
    growth = engine.growth(None if all_museums else selected, period=period)
    growth = growth.filter(pl.col("museum").is_in(selected))
    adoption = engine.adoption() if all_museums else None
    return ReportData(
        scores=scores,
        history=history,
        posts=top,
        followers=followers,
        leaderboard=board,
        names=names,
        networks={k: spec.display_name for k, spec in specs.items()},
        museums=selected,
        focus=focus,
        all_museums=all_museums,
        period=period,
        young_band=young_band,
        store=engine.path.name,
        store_museums=engine.museums.list().height,
        themes=themes,
        risks=_with_urls(engine, risks.head(RISKS_SHOWN)),
        risks_total=risks.height,
        breakouts=breakouts,
        breakouts_total=broke.height,
        young_time=young_over_time(history),
        growth=growth,
        adoption=adoption,
    )


def _risks(metrics: pl.DataFrame) -> pl.DataFrame:
    """``Engine.risks`` of the report's posts, newest first, without reading the posts again:
    the rules run once per distinct network × kind × caption (a caption posted on many
    accounts is matched once), then every post takes its caption's flags."""
    from engagecore.analysis.risks import policy_risks

    posts = metrics.select(
        "museum", "network", "account_id", "post_id", "posted_at", "kind", "text"
    )
    key = ["network", "kind", "text"]
    captions = (
        posts.select(key)
        .unique()
        .with_columns(
            museum=pl.lit(""),
            account_id=pl.lit(""),
            post_id=pl.lit(""),
            posted_at=pl.lit(None, dtype=posts.schema["posted_at"]),
            url=pl.lit(None, dtype=pl.Utf8),
        )
    )
    flags = policy_risks(captions).select(*key, "risk", "matched", "rule", "rule_source")
    return posts.join(flags, on=key, how="inner").sort(
        ["posted_at", "network", "post_id"], descending=[True, False, False]
    )


def _themes(metrics: pl.DataFrame) -> Any:
    """What works over the report's posts, pooled (rules on every post; the text model on a
    bounded sample of captions, see :data:`engagecore.analysis.themes.MODEL_TRAIN_MAX`)."""
    from engagecore.analysis.themes import what_works

    if metrics.is_empty():
        return None
    return what_works(metrics)


def _with_urls(engine: Engine, top: pl.DataFrame) -> pl.DataFrame:
    """The posts' own addresses, read for just the posts shown."""
    if top.is_empty():
        return top.with_columns(url=pl.lit(None, dtype=pl.Utf8))
    ids = top["post_id"].to_list()
    urls: Any = engine.store.frame(
        "SELECT network, post_id, url FROM posts WHERE post_id IN (SELECT unnest(?::VARCHAR[]))",
        [ids],
    )
    urls = urls.unique(["network", "post_id"])
    return top.join(urls, on=["network", "post_id"], how="left")
