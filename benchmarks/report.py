"""Speed and size of ``engage report --all`` on a 1,000-museum store, beside ``engage score``.

Builds the store with ``engage demo --museums 1000`` (or reuses one given with ``--db``), then,
in the same run and on the same file, times in fresh processes, alternately, ``--repeat`` times:

- score: ``engage score --db STORE --format parquet --output FILE`` (every museum's scores);
- report: ``engage report --all --db STORE --out FILE`` (the page, charts rendered).

Prints the medians, their ratio, the page's size and the targets (issue 13: report ≤ 20 s,
page ≤ 6 MB, report ≤ 10× score). Each child's CPU time (user + system, from ``wait4``) is
printed too: on a shared machine the wall time also measures the neighbours.

``--before SRC`` times a third command in the same alternation: the same report made by
another tree's ``src`` (``PYTHONPATH=SRC``, e.g. the base branch exported with ``git archive
main src | tar -x -C /tmp/before``), and prints the report's cost against it. Usage::

    python benchmarks/report.py                         # builds engage-demo-1000.duckdb in a temp dir
    python benchmarks/report.py --db big.duckdb --repeat 5
    python benchmarks/report.py --db big.duckdb --before /tmp/before/src
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 20.0
TARGET_BYTES = 6_000_000
TARGET_RATIO = 10.0


def engage(*args: str) -> list[str]:
    return [sys.executable, "-m", "engagecore", *args]


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child) of one run; fails loudly on a non-zero exit."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {stderr.strip()}")
    return wall, usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="reuse this store instead of building one")
    parser.add_argument("--museums", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--before", type=Path, help="also time the report made by this tree's src (PYTHONPATH)"
    )
    args = parser.parse_args(argv)
    if args.before is not None and not (args.before / "engagecore" / "__init__.py").is_file():
        parser.error(f"--before {args.before}: expected a src folder holding engagecore/")

    with tempfile.TemporaryDirectory(prefix="engage-report-bench-") as tmp:
        work = Path(tmp)
        db = args.db
        if db is None:
            db = work / f"engage-demo-{args.museums}.duckdb"
            print(f"building {db.name}: engage demo --museums {args.museums} …", flush=True)
            wall, _ = timed(
                engage(
                    "demo",
                    "--museums",
                    str(args.museums),
                    "--seed",
                    str(args.seed),
                    "--db",
                    str(db),
                )
            )
            print(f"  built in {wall:.0f} s", flush=True)
        page = work / "report.html"
        runs: dict[str, list[tuple[float, float]]] = {"score": [], "report": []}
        envs: dict[str, dict[str, str] | None] = {"score": None, "report": None}
        commands = {
            "score": engage(
                "score", "--db", str(db), "--format", "parquet", "--output", str(work / "s.parquet")
            ),
            "report": engage(
                "report", "--all", "--db", str(db), "--out", str(page), "--lang", "en"
            ),
        }
        if args.before is not None:
            before_page = work / "report-before.html"
            commands["before"] = engage(
                "report", "--all", "--db", str(db), "--out", str(before_page), "--lang", "en"
            )
            envs["before"] = {**os.environ, "PYTHONPATH": str(args.before.resolve())}
            runs["before"] = []
        for i in range(args.repeat):
            for name, cmd in commands.items():
                runs[name].append(timed(cmd, envs.get(name)))
                print(
                    f"  run {i + 1} {name}: {runs[name][-1][0]:.2f} s wall, {runs[name][-1][1]:.2f} s CPU",
                    flush=True,
                )
        size = page.stat().st_size
        before_size = before_page.stat().st_size if args.before is not None else 0

    score_wall = statistics.median(w for w, _ in runs["score"])
    report_wall = statistics.median(w for w, _ in runs["report"])
    score_cpu = statistics.median(c for _, c in runs["score"])
    report_cpu = statistics.median(c for _, c in runs["report"])
    ratio = report_wall / score_wall
    print()
    print(f"store: {db.name}, {args.repeat} runs each, medians")
    print(f"engage score          {score_wall:6.2f} s wall  {score_cpu:6.2f} s CPU")
    print(f"engage report --all   {report_wall:6.2f} s wall  {report_cpu:6.2f} s CPU")
    print(f"ratio report/score    {ratio:6.2f}x wall  {report_cpu / score_cpu:6.2f}x CPU")
    print(f"page size             {size / 1e6:6.2f} MB")
    if args.before is not None:
        before_wall = statistics.median(w for w, _ in runs["before"])
        before_cpu = statistics.median(c for _, c in runs["before"])
        print(f"report before ({args.before})")
        print(f"  engage report --all {before_wall:6.2f} s wall  {before_cpu:6.2f} s CPU")
        print(
            f"  this / before       {report_wall / before_wall:6.2f}x wall  "
            f"{report_cpu / before_cpu:6.2f}x CPU"
        )
        print(f"  page size before    {before_size / 1e6:6.2f} MB")
    ok = report_wall <= TARGET_SECONDS and size <= TARGET_BYTES and ratio <= TARGET_RATIO
    print(
        f"targets: report <= {TARGET_SECONDS:.0f} s: {'met' if report_wall <= TARGET_SECONDS else 'NOT met'}; "
        f"page <= {TARGET_BYTES / 1e6:.0f} MB: {'met' if size <= TARGET_BYTES else 'NOT met'}; "
        f"report <= {TARGET_RATIO:.0f}x score: {'met' if ratio <= TARGET_RATIO else 'NOT met'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
