"""Benchmark: the Facebook Graph importer against DuckDB's own ``read_json`` on the same dump.

Generates a Graph API ``/{page-id}/posts`` dump of ``--posts`` posts (default 1,000,000) as one
``{"data": [...]}`` file, or as pages of ``--page-size`` posts, then, each in a fresh
subprocess so peak memory is its own: (1) DuckDB loading the JSON into a table
(``CREATE TABLE ... AS SELECT unnest(data, recursive := true) FROM read_json(...)``),
(2) ``FacebookGraphImporter.read()``. Prints times, peak RSS and the ratios the importer is
held to: time ≤ 2× DuckDB's, peak memory ≤ 3× the input size.

    python benchmarks/ingest_graph.py --posts 1000000
    python benchmarks/ingest_graph.py --posts 200000 --page-size 100
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PAGE_ID = "104958162837"
_WORDS = [
    "musée",
    "exposition",
    "collection",
    "visite",
    "atelier",
    "peinture",
    "sculpture",
    "jardin",
    "nocturne",
    "conférence",
    "restauration",
    "œuvre",
    "chef-d'œuvre",
    "médiation",
    "famille",
    "🎨",
    "✨",
    "🌙",
]


def _post(i: int) -> str:
    words = " ".join(_WORDS[(i * 7 + k * 3) % len(_WORDS)] for k in range(18))
    message = f"{words} #expo{i % 60} #musée @museesdelyon n°{i}"
    day = f"20{20 + i % 6}-{1 + i % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:09+0000"
    post_id = f"{PAGE_ID}_{10**15 + i}"
    parts = [
        f'"id":"{post_id}"',
        f'"message":{json.dumps(message, ensure_ascii=False)}',
        f'"created_time":"{day}"',
        f'"permalink_url":"https://www.facebook.com/{PAGE_ID}/posts/{10**15 + i}"',
        '"status_type":"added_photos","attachments":{"data":[{"type":"photo"}]}',
        f'"reactions":{{"data":[],"summary":{{"total_count":{i % 997},"viewer_reaction":"NONE"}}}}',
        f'"comments":{{"data":[],"summary":{{"order":"ranked","total_count":{i % 41},'
        '"can_comment":true}}',
    ]
    if i % 3:
        parts.append(f'"shares":{{"count":{i % 53}}}')
    if i % 4 == 0:
        parts.append(
            '"insights":{"data":['
            f'{{"name":"post_impressions","period":"lifetime","values":[{{"value":{i % 9001}}}],'
            f'"id":"{post_id}/insights/post_impressions/lifetime"}},'
            f'{{"name":"post_impressions_unique","period":"lifetime","values":'
            f'[{{"value":{i % 7001}}}],"id":"{post_id}/insights/post_impressions_unique/lifetime"}}'
            "]}"
        )
    return "{" + ",".join(parts) + "}"


def _page(posts: range, paging: bool) -> str:
    body = ",\n".join(_post(i) for i in posts)
    tail = (
        ',"paging":{"cursors":{"before":"QVFIUl9","after":"QVFIUkx"},"next":"https://graph.'
        f'facebook.com/v23.0/{PAGE_ID}/posts?fields=id%2Cmessage%2Ccreated_time%2Cshares&after=x"}}'
        if paging
        else ""
    )
    return '{"data":[\n' + body + "\n]" + tail + "}"


def generate(folder: Path, n: int, page_size: int) -> Path:
    """Write the dump; return the file (one page) or the folder of pages."""
    if page_size <= 0:
        path = folder / "posts.json"
        with path.open("w", encoding="utf-8") as fh:
            fh.write('{"data":[\n')
            for start in range(0, n, 10_000):
                chunk = ",\n".join(_post(i) for i in range(start, min(n, start + 10_000)))
                fh.write(("," if start else "") + chunk)
            fh.write('\n],"paging":{"cursors":{"before":"QVFIUl9","after":"QVFIUkx"}}}')
        return path
    pages = folder / "pages"
    pages.mkdir()
    for k, start in enumerate(range(0, n, page_size)):
        text = _page(range(start, min(n, start + page_size)), paging=start + page_size < n)
        (pages / f"posts_{k:06d}.json").write_text(text, encoding="utf-8")
    return pages


def _size(path: Path) -> int:
    return (
        sum(p.stat().st_size for p in path.rglob("*.json"))
        if path.is_dir()
        else path.stat().st_size
    )


def _child(which: str, path: Path) -> None:
    """Run one contender in this process and print its time and peak RSS as JSON.

    Modules are imported before the clock starts: the time is the reading alone.
    """
    import duckdb
    from engage_facebook.graph import FacebookGraphImporter

    import engagecore
    from engagecore.pluginapi import ReadContext
    from engagecore.sources import Source

    scratch = Path(tempfile.mkdtemp(prefix="engage-bench-db-"))
    before = resource.getrusage(resource.RUSAGE_SELF)
    base = before.ru_maxrss * 1024
    cpu0 = before.ru_utime + before.ru_stime
    start = time.perf_counter()
    if which == "duckdb":
        con = duckdb.connect()
        target = str(path / "*.json") if path.is_dir() else str(path)
        limit = _size(path) + 1024 if not path.is_dir() else 64 * 1024 * 1024
        con.execute(
            "CREATE TABLE posts AS SELECT unnest(data, recursive := true) "
            f"FROM read_json(?, maximum_object_size = {limit})",
            [target],
        ).fetchall()
        rows = con.sql("SELECT count(*) FROM posts").fetchall()[0][0]
    elif which == "engage-ingest":
        # End to end: detection, read, validation and the write into a new store file.
        with engagecore.open(scratch / "store.duckdb") as eng:
            report = eng.ingest([path])
        rows = sum(u.posts for u in report.units)
    else:
        batch = FacebookGraphImporter().read(Source.open(path), ReadContext())
        rows = batch.posts.height if batch.posts is not None else 0
    seconds = time.perf_counter() - start
    shutil.rmtree(scratch, ignore_errors=True)
    after = resource.getrusage(resource.RUSAGE_SELF)
    peak = after.ru_maxrss * 1024  # Linux: KiB
    cpu = after.ru_utime + after.ru_stime - cpu0
    print(json.dumps({"seconds": seconds, "cpu": cpu, "peak": peak, "base": base, "rows": rows}))


def _run(which: str, path: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", which, str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--page-size", type=int, default=0, help="0: one file (default)")
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs of each contender; the fastest is kept"
    )
    parser.add_argument("--child", nargs=2, metavar=("WHICH", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], Path(args.child[1]))
        return
    with tempfile.TemporaryDirectory(prefix="engage-bench-") as tmp:
        t0 = time.perf_counter()
        path = generate(Path(tmp), args.posts, args.page_size)
        size = _size(path)
        shape = "one file" if args.page_size <= 0 else f"pages of {args.page_size}"
        print(
            f"generated {args.posts:,} posts ({shape}), {size / 1e6:,.1f} MB "
            f"in {time.perf_counter() - t0:.1f} s"
        )
        runs: dict[str, list[dict[str, float]]] = {
            "duckdb": [],
            "importer": [],
            "engage-ingest": [],
        }
        for _ in range(max(1, args.repeat)):
            for which, found in runs.items():
                found.append(_run(which, path))
    duck = min(runs["duckdb"], key=lambda r: r["seconds"])
    ours = min(runs["importer"], key=lambda r: r["seconds"])
    e2e = min(runs["engage-ingest"], key=lambda r: r["seconds"])
    for label, r in (
        ("duckdb read_json -> table", duck),
        ("FacebookGraphImporter.read", ours),
        ("engage ingest (end to end)", e2e),
    ):
        print(
            f"{label:<28} {r['seconds']:7.2f} s (CPU {r['cpu']:6.2f} s)   "
            f"peak RSS {r['peak'] / 1e6:8.1f} MB ({r['peak'] / size:.2f}x input; "
            f"{r['base'] / 1e6:.0f} MB before reading)   rows {int(r['rows']):,}"
        )
    ratio = ours["seconds"] / duck["seconds"]
    memory = ours["peak"] / size
    print(f"CPU ratio importer/duckdb: {ours['cpu'] / duck['cpu']:.2f}")
    print(
        f"time ratio importer/duckdb: {ratio:.2f} (target <= 2)  {'OK' if ratio <= 2 else 'OVER'}"
    )
    print(
        f"importer peak / input size: {memory:.2f} (target <= 3)  {'OK' if memory <= 3 else 'OVER'}"
    )
    e2e_ratio, e2e_memory = e2e["seconds"] / duck["seconds"], e2e["peak"] / size
    print(
        f"engage ingest (read + validate + store write) / duckdb: {e2e_ratio:.2f} (target <= 2)  "
        f"{'OK' if e2e_ratio <= 2 else 'OVER'}; peak / input size {e2e_memory:.2f} "
        f"(target <= 3)  {'OK' if e2e_memory <= 3 else 'OVER'}"
    )


if __name__ == "__main__":
    main()
