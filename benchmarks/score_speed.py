"""Speed of the scoring, end to end from the DuckDB store, against a bare DuckDB group-by.

Fills a DuckDB file with the normalized tables made by the cohort simulator
(:func:`engagecore.simulate.simulate_cohort`, the generator of ``engage demo`` and of
benchmarks/validity.py: 10,000 museums on 6 networks, heavy-tailed followers, follower
snapshots, owned reach, views and audience age), then, in the same run and on the same file,
times in fresh subprocesses:

- bare: ``SELECT museum, network, count(*), sum(interactions) ... GROUP BY`` into polars;
- score: ``load_inputs(con)`` + ``score(inputs, networks)`` (every formula of docs/scoring.md).

Each is run ``--repeat`` times alternately; the median is reported with the ratio and the
peak RSS of each child process. Usage::

    python benchmarks/score_speed.py                    # 1M and 10M posts
    python benchmarks/score_speed.py --posts 200000     # a quick look
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import polars as pl

from engagecore.schema import SCHEMA_VERSION

NETWORKS = ("x", "instagram", "facebook", "youtube", "tiktok", "mastodon")


def specs() -> dict[str, object]:
    """The six networks' interaction sets (docs/scoring.md §1.1); the core knows none."""
    from engagecore.pluginapi import NetworkSpec

    sets = {
        "x": {"likes": 1.0, "comments": 1.0, "shares": 1.0, "quotes": 1.0},
        "instagram": {"likes": 1.0, "comments": 1.0},
        "facebook": {"likes": 1.0, "comments": 1.0, "shares": 1.0},
        "youtube": {"likes": 1.0, "comments": 1.0},
        "tiktok": {"likes": 1.0, "comments": 1.0, "shares": 1.0, "saves": 1.0},
        "mastodon": {"likes": 1.0, "comments": 1.0, "shares": 1.0},
    }
    provides = frozenset({"likes", "comments", "shares", "quotes", "saves", "views", "reach"})
    # Each network's simulation parameters come with its spec (its plugin's, when one is
    # registered); TikTok's from its plugin module even where it is not registered (an
    # environment installed before it), so that the generated data stays the one RESULTS.md
    # was measured on.
    from engage_tiktok import SIMULATION as TIKTOK_SIMULATION

    from engagecore import plugins

    registered = plugins.registry().networks
    sim = {n: dict(registered[n].simulation) for n in sets if n in registered}
    sim.setdefault("tiktok", TIKTOK_SIMULATION)
    # each network's default accrual curve (docs/scoring.md §1.5): the score leaves out the
    # posts read before maturity, a comparison per post that the timing must include
    return {
        n: NetworkSpec(
            n,
            n,
            w,
            provides,
            simulation=sim.get(n, {}),
            accrual=registered[n].accrual if n in registered else None,
        )
        for n, w in sets.items()
    }


def generate(path: Path, posts: int, museums: int, seed: int) -> tuple[float, float]:
    """Write the store file from the cohort simulator; returns the seconds it took, and of
    them the seconds :meth:`Store.refresh_followers` took (ingest's followers at post time).

    The same generator as ``engage demo`` and benchmarks/validity.py
    (:func:`engagecore.simulate.simulate_cohort`); its frames go into the store in bulk
    through Arrow (``INSERT ... BY NAME``), the planted truth is left out.
    """
    from engagecore import schema
    from engagecore.simulate import simulate_cohort
    from engagecore.store import Store

    start = time.perf_counter()
    cohort = simulate_cohort(museums, seed, specs(), posts_total=posts)  # type: ignore[arg-type]
    store = Store(path)  # a store at the current schema version
    con = store.con
    frames = {
        "museums": cohort.museums.select(
            "slug",
            "name",
            "city",
            "region",
            "museofile_id",
            created_at=pl.lit(cohort.export_date, dtype=schema.UTC_TS),
        ),
        "accounts": cohort.accounts.select(
            "network", "account_id", "museum", "handle", "display_name"
        ),
        "posts": cohort.posts.drop("museum").with_columns(import_id=pl.lit(1, pl.Int64)),
        "follower_snapshots": cohort.followers.drop("museum").with_columns(
            import_id=pl.lit(1, pl.Int64)
        ),
        "audience_age": cohort.audience_age.drop("museum").with_columns(
            import_id=pl.lit(1, pl.Int64)
        ),
    }
    del cohort
    for table, frame in frames.items():
        con.register("frame", frame.to_arrow())
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM frame").fetchall()
        con.unregister("frame")
    # what ingest does at the end of every run (for the accounts it wrote): followers as of
    # each post, kept on the post; timed apart, it is part of the import's cost
    derive = time.perf_counter()
    store.refresh_followers()
    derived = time.perf_counter() - derive
    con.execute("CHECKPOINT").fetchall()
    store.close()
    return time.perf_counter() - start, derived


BARE = """
SELECT a.museum, p.network, count(*) AS posts,
       sum(coalesce(p.likes, 0) + coalesce(p.comments, 0) + coalesce(p.shares, 0)
           + coalesce(p.quotes, 0) + coalesce(p.saves, 0)) AS interactions
FROM posts p JOIN accounts a USING (network, account_id)
WHERE a.museum IS NOT NULL
GROUP BY a.museum, p.network
"""


def child(kind: str, db: str) -> None:
    """Run one measurement in this (fresh) process and print it as JSON."""
    con = duckdb.connect(db, read_only=True)
    if kind == "score":
        from engagecore.scoring import load_inputs, score

        nets = specs()
        start, cpu = time.perf_counter(), time.process_time()
        frame = score(load_inputs(con), nets)  # type: ignore[arg-type]
    else:
        start, cpu = time.perf_counter(), time.process_time()
        frame = con.sql(BARE).pl()
    seconds = time.perf_counter() - start
    # CPU seconds of every thread of the process: steadier than wall time when the machine
    # is shared (a busy neighbour stretches the wall time of the two runs unequally)
    cpu = time.process_time() - cpu
    print(
        json.dumps(
            {
                "kind": kind,
                "seconds": seconds,
                "cpu": cpu,
                "rows": frame.height,
                "rss_mb": peak_mb(),
            }
        )
    )


def peak_mb() -> float:
    """This process's peak RSS. ``VmHWM`` starts afresh at exec, whereas ``ru_maxrss`` keeps
    the forking parent's peak (the generator's frames) on Linux."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(db: Path, repeat: int) -> dict[str, list[dict[str, float]]]:
    runs: dict[str, list[dict[str, float]]] = {"bare": [], "score": []}
    for _ in range(repeat):
        for kind in ("bare", "score"):
            out = subprocess.run(
                [sys.executable, __file__, "--child", kind, str(db)],
                check=True,
                capture_output=True,
                text=True,
            )
            runs[kind].append(json.loads(out.stdout.strip().splitlines()[-1]))
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, action="append", help="posts (repeatable)")
    parser.add_argument("--museums", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", type=Path, default=None, help="keep the store files here")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    sizes = args.posts or [1_000_000, 10_000_000]
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="engage-score-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"machine: {os.cpu_count()} cores; museums {args.museums}, networks {len(NETWORKS)}")
    print(
        f"{'posts':>11} {'gen s':>7} {'derive s':>9} {'bare s':>7} {'score s':>8} {'ratio':>6} "
        f"{'bare RSS MB':>12} {'score RSS MB':>13} {'rows':>7} {'CPU bare':>9} {'CPU score':>10} "
        f"{'CPU ratio':>10}"
    )
    results = []
    for n in sizes:
        db = workdir / f"score-{n}-{args.museums}-{args.seed}-v{SCHEMA_VERSION}.duckdb"
        gen = derived = 0.0
        if not db.exists():
            gen, derived = generate(db, n, args.museums, args.seed)
        runs = measure(db, args.repeat)
        bare = statistics.median(r["seconds"] for r in runs["bare"])
        scored = statistics.median(r["seconds"] for r in runs["score"])
        rss_b = max(r["rss_mb"] for r in runs["bare"])
        rss_s = max(r["rss_mb"] for r in runs["score"])
        rows = int(runs["score"][0]["rows"])
        cpu_b = statistics.median(r["cpu"] for r in runs["bare"])
        cpu_s = statistics.median(r["cpu"] for r in runs["score"])
        results.append((n, bare, scored))
        print(
            f"{n:>11,} {gen:>7.1f} {derived:>9.2f} {bare:>7.2f} {scored:>8.2f} "
            f"{scored / bare:>6.2f} {rss_b:>12.0f} {rss_s:>13.0f} {rows:>7,} {cpu_b:>9.2f} "
            f"{cpu_s:>10.2f} {cpu_s / cpu_b:>10.2f}"
        )
    if len(results) >= 2:
        (n0, _, s0), (n1, _, s1) = results[0], results[-1]
        print(f"growth: posts ×{n1 / n0:.0f} → score time ×{s1 / s0:.1f}")
    print(f"targets: ratio ≤ 3, score RSS ≤ 2,500 MB; store files in {workdir}")
    print("derive s: of gen s, Store.refresh_followers (followers at post time, kept by ingest)")
    print("CPU: median CPU seconds of the process's threads (the target is on wall time)")


if __name__ == "__main__":
    main()
