"""Where ``TikTokStudioImporter().read()`` of a Content CSV spends its time, step by step.

In this process: the importer's steps are wrapped (by name, those that exist in the code
measured: this script also runs against an older checkout put first on ``PYTHONPATH``) and
their CPU time (every thread: DuckDB's and polars' too) and wall time summed; ``read()``'s
total last, then DuckDB's own ``CREATE TABLE t AS SELECT * FROM read_csv(file)`` in the same
process for the ratio. Usage (the file of ``benchmarks/tiktok_csv.py``)::

    python benchmarks/tiktok_csv_steps.py /tmp/h2bench/Content-1000000.csv [--repeat 3]
"""

from __future__ import annotations

import argparse
import functools
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
from engage_tiktok import studio

from engagecore.pluginapi import ReadContext
from engagecore.sources import Source

#: (owner, attribute, label): the steps measured, where they exist.
_STEPS = (
    (studio, "_duckdb_content", "DuckDB query → polars frame"),
    (studio._Tables, "_add_content", "posts columns (text, URL, constants)"),
    (studio, "_distinct", "duplicate test"),
    (studio, "_in_time_order", "time order"),
)


class _Clock:
    def __init__(self) -> None:
        self.spent: dict[str, list[float]] = {}
        self.depth = 0
        #: CPU time of the outermost steps (a step inside another is counted once)
        self.outer = 0.0

    def wrap(self, label: str, f: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(f)
        def timed(*args: Any, **kwargs: Any) -> Any:
            c0, w0 = time.process_time(), time.perf_counter()
            self.depth += 1
            try:
                return f(*args, **kwargs)
            finally:
                self.depth -= 1
                if self.depth == 0:
                    self.outer += time.process_time() - c0
                cpu, wall = self.spent.setdefault(label, [0.0, 0.0])
                self.spent[label] = [
                    cpu + time.process_time() - c0,
                    wall + time.perf_counter() - w0,
                ]

        return timed


def _install(clock: _Clock) -> None:
    for owner, name, label in _STEPS:
        if hasattr(owner, name):
            setattr(owner, name, clock.wrap(label, getattr(owner, name)))
    with_columns = pl.DataFrame.with_columns
    sort = pl.DataFrame.sort
    n_unique = pl.Series.n_unique
    tags = clock.wrap("hashtags and mentions", with_columns)
    sorting = clock.wrap("DataFrame.sort", sort)
    counting = clock.wrap("Series.n_unique", n_unique)

    def with_columns_(self: pl.DataFrame, *a: Any, **k: Any) -> pl.DataFrame:
        return (tags if "hashtags" in k else with_columns)(self, *a, **k)

    setattr(pl.DataFrame, "with_columns", with_columns_)  # noqa: B010
    setattr(pl.DataFrame, "sort", lambda self, *a, **k: sorting(self, *a, **k))  # noqa: B010
    setattr(pl.Series, "n_unique", lambda self: counting(self))  # noqa: B010


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("path", type=Path)
    ap.add_argument("--repeat", type=int, default=1, help="reads; the one of least CPU shown")
    args = ap.parse_args()
    clock = _Clock()
    _install(clock)
    runs = []
    for _ in range(max(args.repeat, 1)):
        clock.spent, clock.outer = {}, 0.0
        c0, w0 = time.process_time(), time.perf_counter()
        batch = studio.TikTokStudioImporter().read(Source.open(args.path), ReadContext())
        total = [time.process_time() - c0, time.perf_counter() - w0]
        assert batch.posts is not None
        runs.append((total, dict(clock.spent), clock.outer, batch.posts.height))
        del batch
    total, spent, outer, rows = min(runs, key=lambda r: r[0][0])
    con = duckdb.connect()
    c0, w0 = time.process_time(), time.perf_counter()
    con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{args.path}')")
    ref = [time.process_time() - c0, time.perf_counter() - w0]
    print(f"{'step':<40}{'CPU s':>8}{'× read_csv':>12}{'wall s':>8}")
    for label, (cpu, wall) in spent.items():
        print(f"{label:<40}{cpu:>8.2f}{cpu / ref[0]:>12.2f}{wall:>8.2f}")
    rest = total[0] - outer
    print(f"{'the rest':<40}{rest:>8.2f}{rest / ref[0]:>12.2f}")
    print(
        f"{'read() of ' + f'{rows:,} videos':<40}{total[0]:>8.2f}{total[0] / ref[0]:>12.2f}"
        f"{total[1]:>8.2f}"
    )
    print(f"{'DuckDB read_csv (same process)':<40}{ref[0]:>8.2f}{1:>12.2f}{ref[1]:>8.2f}")


if __name__ == "__main__":
    main()
