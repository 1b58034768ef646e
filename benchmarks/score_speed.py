"""Speed of the scoring, end to end from the DuckDB store, against a bare DuckDB group-by.

Fills a DuckDB file with the normalized tables (vectorized generation in SQL: 10,000 museums
on 6 networks, heavy-tailed followers, quarterly follower snapshots, some owned reach, views
and audience age), then, in the same run and on the same file, times in fresh subprocesses:

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

NETWORKS = ("x", "instagram", "facebook", "youtube", "tiktok", "mastodon")
SIZE_EXPONENT = 0.25


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
    return {n: NetworkSpec(n, n, w, provides) for n, w in sets.items()}


def generate(path: Path, posts: int, museums: int, seed: int) -> float:
    """Write the store file; returns the seconds it took."""
    from engagecore import schema

    start = time.perf_counter()
    con = duckdb.connect(str(path))
    for ddl in schema.DDL_V1:
        con.execute(ddl).fetchall()
    con.execute(f"SELECT setseed({(seed % 1000) / 1000})").fetchall()
    normal = "sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())"
    nets = list(NETWORKS)
    n_acc = museums * len(nets)
    steps = [
        f"""INSERT INTO museums SELECT printf('m%05d', i), printf('Museum %d', i), NULL, NULL,
            'France', NULL, TIMESTAMPTZ '2020-01-01' FROM range({museums}) t(i)""",
        f"""CREATE TEMP TABLE acc AS
            SELECT row_number() OVER () - 1 AS k, n.net AS network,
                   n.net || '-' || m.i AS account_id, printf('m%05d', m.i) AS museum,
                   exp(ln(1500) + 1.9 * {normal}) + 20 AS f0,
                   exp(0.5 * {normal}) AS quality,
                   random() < 0.3 AS owned
            FROM range({museums}) m(i), (SELECT unnest({nets}) AS net) n""",
        """INSERT INTO accounts SELECT network, account_id, museum, 'h' || k, museum FROM acc""",
        """INSERT INTO follower_snapshots
            SELECT network, account_id, TIMESTAMPTZ '2023-01-01' + to_days(91 * q),
                   round(f0 * (1 + 0.15 * q / 4))::BIGINT, 1
            FROM acc, range(0, 9) s(q)""",
        f"""INSERT INTO posts
            SELECT a.network, 'p' || t.i, a.account_id,
                   TIMESTAMPTZ '2023-01-01' + to_seconds((random() * 63072000)::BIGINT),
                   CASE WHEN random() < 0.2 THEN 'video' ELSE 'photo' END, random() > 0.03,
                   NULL, 'fr', ['musee'], [], NULL,
                   round(e.i0 * 0.85)::BIGINT, round(e.i0 * 0.05)::BIGINT,
                   CASE WHEN a.network IN ('instagram', 'youtube') THEN NULL
                        ELSE round(e.i0 * 0.08)::BIGINT END,
                   CASE WHEN a.network = 'x' THEN round(e.i0 * 0.02)::BIGINT END,
                   NULL,
                   CASE WHEN a.network IN ('youtube', 'tiktok') THEN round(a.f0 * 0.3)::BIGINT END,
                   NULL,
                   CASE WHEN a.owned AND a.network IN ('instagram', 'facebook')
                        THEN round(a.f0 * 0.12)::BIGINT END,
                   TIMESTAMPTZ '2025-01-02', 1
            FROM range({posts}) t(i)
            JOIN acc a ON a.k = (t.i * 7919) % {n_acc}
            CROSS JOIN LATERAL (
                SELECT a.f0 * 0.01 * a.quality * pow(a.f0 / 1500, -{SIZE_EXPONENT})
                       * exp(0.6 * {normal}) AS i0
            ) e""",
        """INSERT INTO audience_age
            SELECT a.network, a.account_id, TIMESTAMPTZ '2024-12-31', b.band, b.lo, b.hi, b.share,
                   'followers', 1
            FROM acc a, (VALUES ('13-17', 13, 17, 0.05), ('18-24', 18, 24, 0.2),
                                ('25-34', 25, 34, 0.3), ('35-44', 35, 44, 0.2),
                                ('45-54', 45, 54, 0.1), ('55-64', 55, 64, 0.08),
                                ('65+', 65, NULL, 0.07)) b(band, lo, hi, share)
            WHERE a.owned AND a.network IN ('instagram', 'youtube')""",
    ]
    for sql in steps:
        con.execute(sql).fetchall()
    con.execute("CHECKPOINT").fetchall()
    con.close()
    return time.perf_counter() - start


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
        start = time.perf_counter()
        frame = score(load_inputs(con), nets)  # type: ignore[arg-type]
    else:
        start = time.perf_counter()
        frame = con.sql(BARE).pl()
    seconds = time.perf_counter() - start
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"kind": kind, "seconds": seconds, "rows": frame.height, "rss_mb": rss_mb}))


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
        f"{'posts':>11} {'gen s':>7} {'bare s':>7} {'score s':>8} {'ratio':>6} "
        f"{'bare RSS MB':>12} {'score RSS MB':>13} {'rows':>7}"
    )
    results = []
    for n in sizes:
        db = workdir / f"score-{n}-{args.museums}-{args.seed}.duckdb"
        gen = 0.0
        if not db.exists():
            gen = generate(db, n, args.museums, args.seed)
        runs = measure(db, args.repeat)
        bare = statistics.median(r["seconds"] for r in runs["bare"])
        scored = statistics.median(r["seconds"] for r in runs["score"])
        rss_b = max(r["rss_mb"] for r in runs["bare"])
        rss_s = max(r["rss_mb"] for r in runs["score"])
        rows = int(runs["score"][0]["rows"])
        results.append((n, bare, scored))
        print(
            f"{n:>11,} {gen:>7.1f} {bare:>7.2f} {scored:>8.2f} {scored / bare:>6.2f} "
            f"{rss_b:>12.0f} {rss_s:>13.0f} {rows:>7,}"
        )
    if len(results) >= 2:
        (n0, _, s0), (n1, _, s1) = results[0], results[-1]
        print(f"growth: posts ×{n1 / n0:.0f} → score time ×{s1 / s0:.1f}")
    print(f"targets: ratio ≤ 3, score RSS ≤ 2,500 MB; store files in {workdir}")


if __name__ == "__main__":
    main()
