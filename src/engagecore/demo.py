"""``engage demo``: the whole product on a simulated cohort, through the real code paths.

Simulates museums (:mod:`engagecore.simulate`), writes each account as its network's real
export files with the plugin's :class:`~engagecore.pluginapi.DemoWriter`, registers the
museums (slugs and aliases, so ``louvre`` and ``pompidou`` resolve), imports the files through
the real importers in one ingest, and scores. Networks whose plugin ships no demo writer are
left out and listed. The CLI command prints what :func:`run_demo` returns.
"""

from __future__ import annotations

import shlex
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from engagecore import plugins
from engagecore.api import Engine
from engagecore.errors import EngageError, PluginError, UsageError
from engagecore.pluginapi import NetworkSpec
from engagecore.simulate import Cohort, GrowthPlan, ObservationPlan, simulate_cohort

#: The simulated period: fixed, so that a seed always gives the same demo.
DEMO_START = date(2024, 1, 1)
DEMO_END = date(2025, 7, 1)
#: About two posts a week per account: enough for stable scores, few enough for seconds.
POSTS_PER_ACCOUNT = 100.0
#: The follower snapshots: the simulator's planted growth with its defaults — a reading in 7
#: months out of 10 on a random day, each with the 1 % day-to-day wobble of a follower count
#: — so that growth has an interval (``engage score --with-growth``).
DEMO_GROWTH = GrowthPlan()
#: Repeated readings: a fifth of the own posts read twice before the export (fetch refreshes),
#: under each network's documented accrual curve (``slower`` and ``shape_factor`` 1); every
#: post's latest reading stays the export's (``young_share`` 0). Writers whose format
#: carries an observation time write them (YouTube), so ``engage score`` estimates that
#: network's accrual curve from them.
DEMO_OBSERVATION = ObservationPlan(young_share=0.0, slower=1.0, shape_factor=1.0)
#: The comparison the demo shows (both are curated museums, first in the list).
COMPARED = ("louvre", "pompidou")

Progress = Callable[[int, int, str], None]


@dataclass
class DemoResult:
    """What ``engage demo`` prints: counts, the top museums, a comparison, what to try next."""

    db_path: Path
    museums: int  # in the store
    museums_with_posts: int  # the cohort scored (a simulated museum may have no account)
    accounts: int
    posts: int
    files: int
    networks: list[str]
    skipped_networks: list[str]  # registered networks whose plugin has no demo writer
    top: pl.DataFrame  # scoring.leaderboard(scores, "score", top_n): `engage score --top N`
    compare: pl.DataFrame | None  # `engage compare louvre pompidou`, when both are simulated
    scores: pl.DataFrame  # every score row (Engine.score())
    next_commands: list[str]
    seconds: dict[str, float] = field(default_factory=dict)
    export_dir: Path | None = None  # where the export files were kept, if asked


@contextmanager
def _folder(keep: Path | None) -> Iterator[Path]:
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        yield keep
        return
    with tempfile.TemporaryDirectory(prefix="engage-demo-") as tmp:
        yield Path(tmp)


def _write_exports(cohort: Cohort, writers: dict[str, Any], folder: Path) -> list[Path]:
    """Every simulated account as its network's real export files; the paths to import."""
    paths: list[Path] = []
    for network, data in cohort.account_data():
        writer = writers[network]
        try:
            paths.extend(writer.write(data, folder / network))
        except EngageError:
            raise
        except Exception as exc:
            raise PluginError(
                plugins.owner_name(writer),
                f"demo writer for {network!r} failed on @{data.handle}: {exc!r}",
            ) from exc
    return paths


def _register_museums(engine: Engine, cohort: Cohort) -> None:
    for m in cohort.museums.iter_rows(named=True):
        engine.museums.add(
            m["name"],
            slug=m["slug"],
            city=m["city"],
            region=m["region"],
            museofile_id=m["museofile_id"],
            aliases=m["aliases"],
        )


def _attach_accounts(engine: Engine, cohort: Cohort) -> int:
    """Make sure each imported account belongs to its simulated museum (the import attaches
    them by the museum name the export shows); returns how many had to be linked."""
    stored = engine.accounts().select(
        "network", pl.col("handle").str.to_lowercase().alias("key"), pl.col("museum").alias("now")
    )
    expected = cohort.accounts.select(
        "network", "handle", "museum", pl.col("handle").str.to_lowercase().alias("key")
    )
    wrong = expected.join(stored, on=["network", "key"]).filter(
        pl.col("now").is_null() | (pl.col("now") != pl.col("museum"))
    )
    for network, handle, museum in wrong.select("network", "handle", "museum").iter_rows():
        engine.link(museum, network, handle)
    return wrong.height


def _top(scores: pl.DataFrame, cohort: Cohort, n: int) -> pl.DataFrame:
    """The demo's "top museums": the leaderboard ``engage score --sort score --top N`` gives."""
    from engagecore.scoring.leaderboard import leaderboard

    names = cohort.museums.select(pl.col("slug").alias("museum"), "name")
    return leaderboard(scores, "score", n, names)


def _compare(engine: Engine, cohort: Cohort) -> pl.DataFrame | None:
    if not set(COMPARED) <= set(cohort.museums["slug"]):
        return None
    result = engine.compare(list(COMPARED))
    # Engine.compare gives a comparison object whose ``table`` is what the CLI prints.
    table = getattr(result, "table", result)
    return table if isinstance(table, pl.DataFrame) else None


def _next_commands(db: Path, cohort: Cohort, export_dir: Path | None = None) -> list[str]:
    """Commands that run as printed, from the folder the demo ran in: each names the demo's
    store with ``--db`` (without it a command opens the default store, ``./engage.duckdb``,
    which the demo leaves alone)."""
    q = shlex.quote(str(db))
    slugs = cohort.museums["slug"].to_list()
    pair = " ".join(slugs[2:4] if len(slugs) >= 4 else slugs[:2])
    commands = [
        f"engage score --db {q}",
        f"engage compare {pair} --db {q}",
        f"engage report --all --db {q} --out report.html",
        f"engage museums list --db {q}",
        f"engage score --explain {slugs[0]} --db {q}" if slugs else "engage plugins --all",
        f'engage query "SELECT network, count(*) FROM posts GROUP BY 1" --db {q}',
    ]
    if export_dir is not None:
        # the kept exports, imported again: every file is recognised and skipped
        commands.append(f"engage ingest {shlex.quote(str(export_dir))} --db {q}")
    return commands


#: What to run next with one's own files (not a command to run as printed: it names no file).
OWN_DATA_HINT = (
    "engage ingest FILE-FOLDER-OR-ZIP",
    "(they go to ./engage.duckdb, not to the demo's store)",
)


def demo_cohort(museums: int, seed: int, networks: dict[str, NetworkSpec]) -> Cohort:
    """The cohort ``engage demo`` writes: ``museums`` museums on ``networks`` over the demo's
    period, with noisy follower snapshots and repeated readings of some posts."""
    return simulate_cohort(
        museums,
        seed,
        networks,
        start=DEMO_START,
        end=DEMO_END,
        posts_per_account=POSTS_PER_ACCOUNT,
        growth=DEMO_GROWTH,
        observation=DEMO_OBSERVATION,
    )


def run_demo(
    db_path: str | Path,
    *,
    museums: int = 60,
    seed: int = 0,
    progress: Progress | None = None,
    export_dir: Path | None = None,
    top_n: int = 10,
) -> DemoResult:
    """Simulate ``museums`` museums, import them into a new store at ``db_path`` through the
    real importers, and score them.

    :param progress: called as the import goes (units done, units in all, current file).
    :param export_dir: keep the written export files there (by default a temporary folder,
        deleted afterwards), to look at or re-import them.
    """
    db = Path(db_path)
    if museums < 1:
        raise UsageError(f"the demo needs at least one museum, not {museums}")
    registry = plugins.registry()
    networks = {n: s for n, s in registry.networks.items() if n in registry.demo_writers}
    skipped = sorted(set(registry.networks) - set(networks))
    if not networks:
        raise UsageError("no installed network plugin has a demo writer (see `engage plugins`)")
    seconds: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[step] = round(now - clock, 3)
        clock = now

    engine = Engine(db)
    try:
        if not engine.museums.list().is_empty():
            raise UsageError(f"{db} already holds museums; give the demo a new --db file")
        cohort = demo_cohort(museums, seed, networks)
        lap("simulate")
        with _folder(export_dir) as folder:
            paths = _write_exports(cohort, registry.demo_writers, folder)
            lap("write")
            _register_museums(engine, cohort)
            engine.ingest(paths, progress=progress)
        _attach_accounts(engine, cohort)
        lap("import")
        scores = engine.score()
        top = _top(scores, cohort, top_n)
        compare = _compare(engine, cohort)
        lap("score")
        count = engine.store.fetchall(
            "SELECT (SELECT count(*) FROM museums), (SELECT count(*) FROM accounts), "
            "(SELECT count(*) FROM posts), (SELECT count(DISTINCT a.museum) FROM posts p "
            "JOIN accounts a USING (network, account_id))"
        )[0]
        return DemoResult(
            db_path=db,
            museums=int(count[0]),
            museums_with_posts=int(count[3]),
            accounts=int(count[1]),
            posts=int(count[2]),
            files=len(paths),
            networks=sorted(networks),
            skipped_networks=skipped,
            top=top,
            compare=compare,
            scores=scores,
            next_commands=_next_commands(db, cohort, export_dir),
            seconds=seconds,
            export_dir=export_dir,
        )
    finally:
        engine.close()
