"""``engage fetch`` end to end vs plain httpx GETs of the same pages plus our import of them.

A local replay server (its own process, on 127.0.0.1) serves one YouTube channel of
``--posts`` videos in the Data API's formats: ``channels.list``, ``playlistItems.list`` (50 a
page) and ``videos.list`` (50 ids a call). Two arms, each in its own fresh subprocess (so its
peak RSS is its own), on a fresh store:

- **baseline**: a bare ``httpx.Client`` GETs the same pages one at a time, writes each body
  to a plain ``.json`` file (a playlistItems page with ``engagecore_observed_at`` appended,
  as ``engage fetch`` saves it: the importer reads a listing without it as a user's mistake),
  then ``engagecore.ingest.run`` imports the folder (what a user's saved responses go
  through);
- **ours**: ``engagecore.fetch.run.run`` (retries, rate limits, gzip saving, secrets,
  bookkeeping, then the same import).

Printed: seconds, CPU seconds of the arm's own process (the server's not counted: the same
requests in both arms; less moved by other load on the machine than the wall time) and peak
RSS of each arm, the ratio ours / baseline of the seconds (the target, ≤ 1.5×) and of the
CPU seconds, and the same at smaller sizes: peak memory flat in the number of pages (the
fetch holds at most a few pages: each is on disk once received).

Posts are published 45 minutes apart (200,000 span 17 years: none before YouTube's launch);
beyond 200,000, closer, over the same 17 years.
``--repeat N``: each figure printed is the median of the N runs of its arm.

    python benchmarks/fetch.py [--posts 100000] [--sizes 25000,50000] [--repeat 1]
                               [--baseline-without-listings]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

KEY = "AIzaBENCHMARKkey"
CHANNEL = "UCbenchmark000000000000a"
NEWEST = datetime(2025, 11, 30, 12, 0, tzinfo=UTC)
#: the field engage fetch adds to a saved response (the baseline adds it to listings)
OBSERVED = b',"engagecore_observed_at":"2025-12-01T00:00:00+00:00"}'


def _video_id(i: int) -> str:
    return f"v{i:010d}"


def _published(i: int, posts: int) -> str:
    # 45 minutes apart up to 200,000 posts (17 years); closer beyond, the same 17 years
    minutes = 45 * min(1.0, 200_000 / max(posts, 1))
    return (NEWEST - timedelta(minutes=minutes * i)).strftime("%Y-%m-%dT%H:%M:%SZ")


def serve(posts: int, port_queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    """The replay server (run in its own process)."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # headers and body in one write, sent at once (no 40 ms delayed-ACK stall per page)
        wbufsize = 1 << 16
        disable_nagle_algorithm = True

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            q = {k: v[0] for k, v in parse_qs(url.query).items()}
            if url.path.endswith("/channels"):
                doc = {
                    "kind": "youtube#channelListResponse",
                    "pageInfo": {"totalResults": 1, "resultsPerPage": 5},
                    "items": [
                        {
                            "kind": "youtube#channel",
                            "id": CHANNEL,
                            "snippet": {"title": "Musée Benchmark", "customUrl": "@benchmark"},
                            "contentDetails": {"relatedPlaylists": {"uploads": "UU" + CHANNEL[2:]}},
                            "statistics": {
                                "subscriberCount": "123000",
                                "hiddenSubscriberCount": False,
                            },
                        }
                    ],
                }
            elif url.path.endswith("/playlistItems"):
                start = int(q.get("pageToken", "0") or 0)
                end = min(start + 50, posts)
                doc = {
                    "kind": "youtube#playlistItemListResponse",
                    "items": [
                        {
                            "kind": "youtube#playlistItem",
                            "id": f"pi{i}",
                            "contentDetails": {
                                "videoId": _video_id(i),
                                "videoPublishedAt": _published(i, posts),
                            },
                        }
                        for i in range(start, end)
                    ],
                    "pageInfo": {"totalResults": posts, "resultsPerPage": 50},
                }
                if end < posts:
                    doc["nextPageToken"] = str(end)
            else:
                items = []
                for vid in q.get("id", "").split(","):
                    i = int(vid[1:])
                    items.append(
                        {
                            "kind": "youtube#video",
                            "id": vid,
                            "snippet": {
                                "publishedAt": _published(i, posts),
                                "channelId": CHANNEL,
                                "title": f"Vidéo {i} — les coulisses du musée #musée",
                                "description": "Une visite des réserves avec nos conservateurs. "
                                * 4,
                                "channelTitle": "Musée Benchmark",
                                "defaultLanguage": "fr",
                            },
                            "contentDetails": {"duration": "PT3M21S"},
                            "statistics": {
                                "viewCount": str(1000 + i),
                                "likeCount": str(i % 97),
                                "commentCount": str(i % 13),
                            },
                        }
                    )
                doc = {"kind": "youtube#videoListResponse", "items": items}
            body = json.dumps(doc).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port_queue.put(server.server_address[1])
    server.serve_forever()


def _store(db: Path) -> None:
    from engagecore.museums import Museums
    from engagecore.store import Store

    store = Store(db)
    try:
        Museums(store).add("Musée Benchmark", slug="bench")
        Museums(store).link("bench", "youtube", CHANNEL)
    finally:
        store.close()


def arm_baseline(base: str, folder: Path, listings: bool = True) -> int:
    import httpx

    from engagecore import ingest
    from engagecore.store import Store

    db = folder / "engage.duckdb"
    _store(db)
    pages = folder / "pages"
    pages.mkdir()
    api = base + "/youtube/v3"
    n = 0
    with httpx.Client(timeout=30) as client:

        def get(path: str, params: dict[str, str | int], listing: bool = False) -> dict:  # type: ignore[type-arg]
            nonlocal n
            r = client.get(api + path, params={**params, "key": KEY})
            r.raise_for_status()
            n += 1
            body = r.content
            if listing:
                if not listings:  # --baseline-without-listings: the GET only
                    return r.json()  # type: ignore[no-any-return]
                body = body.rstrip()[:-1] + OBSERVED
            (pages / f"{n:06d}.json").write_bytes(body)
            return r.json()  # type: ignore[no-any-return]

        ch = get("/channels", {"part": "snippet,statistics,contentDetails", "id": CHANNEL})
        uploads = ch["items"][0]["contentDetails"]["relatedPlaylists"]["uploads"]
        ids: list[str] = []
        token = None
        while True:
            params: dict[str, str | int] = {
                "part": "contentDetails",
                "playlistId": uploads,
                "maxResults": 50,
            }
            if token:
                params["pageToken"] = token
            page = get("/playlistItems", params, listing=True)
            ids += [i["contentDetails"]["videoId"] for i in page["items"]]
            token = page.get("nextPageToken")
            if not token:
                break
        for s in range(0, len(ids), 50):
            get(
                "/videos",
                {"part": "snippet,contentDetails,statistics", "id": ",".join(ids[s : s + 50])},
            )
    store = Store(db)
    try:
        ingest.run(store, [pages], network="youtube")
        return int(store.fetchall("SELECT count(*) FROM posts")[0][0])
    finally:
        store.close()


def arm_ours(base: str, folder: Path) -> int:
    from engagecore.fetch import run as fetch_run
    from engagecore.store import Store

    db = folder / "engage.duckdb"
    _store(db)
    os.environ["ENGAGE_YOUTUBE_API_KEY"] = KEY
    store = Store(db, small_appends=True)  # as `engage fetch` opens it
    try:
        report = fetch_run.run(store, museums=["bench"], api_base=base)
        if report.errors:
            raise SystemExit(report.errors[0])
        return int(store.fetchall("SELECT count(*) FROM posts")[0][0])
    finally:
        store.close()


def child(arm: str, base: str, folder: Path) -> None:
    import httpx  # noqa: F401  - imports are not what is measured

    import engagecore.fetch.run
    import engagecore.ingest  # noqa: F401

    start = resource.getrusage(resource.RUSAGE_SELF)
    cpu0 = start.ru_utime + start.ru_stime
    t0 = time.perf_counter()
    if arm == "ours":
        n = arm_ours(base, folder)
    else:
        n = arm_baseline(base, folder, listings=arm == "baseline")
    seconds = time.perf_counter() - t0
    use = resource.getrusage(resource.RUSAGE_SELF)
    cpu = use.ru_utime + use.ru_stime - cpu0
    print(
        json.dumps(
            {"arm": arm, "seconds": seconds, "cpu": cpu, "posts": n, "rss_mb": use.ru_maxrss / 1024}
        )
    )


def measure(arm: str, base: str, work: Path) -> dict:  # type: ignore[type-arg]
    folder = Path(tempfile.mkdtemp(prefix=f"{arm}-", dir=work))
    out = subprocess.run(
        [sys.executable, __file__, "--child", arm, "--base", base, "--folder", str(folder)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--posts", type=int, default=100_000)
    ap.add_argument("--sizes", default="25000,50000", help="smaller sizes for the memory curve")
    ap.add_argument(
        "--repeat", type=int, default=1, help="N runs per arm: each figure the median of them"
    )
    ap.add_argument(
        "--baseline-without-listings",
        action="store_true",
        help="the baseline saves no playlistItems page (as before engage fetch saved them)",
    )
    ap.add_argument("--child")
    ap.add_argument("--base")
    ap.add_argument("--folder")
    args = ap.parse_args()
    if args.child:
        child(args.child, args.base, Path(args.folder))
        return
    sizes = [int(s) for s in args.sizes.split(",") if s] + [args.posts]
    print(f"{'posts':>8} {'pages':>6} {'arm':>9} {'seconds':>8} {'CPU s':>8} {'peak MB':>8}")
    with tempfile.TemporaryDirectory(prefix="engage-bench-fetch-") as tmp:
        work = Path(tmp)
        for posts in sizes:
            q: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
            server = multiprocessing.Process(target=serve, args=(posts, q), daemon=True)
            server.start()
            base = f"http://127.0.0.1:{q.get(timeout=30)}"
            try:
                runs: dict[str, list[dict]] = {"baseline": [], "ours": []}  # type: ignore[type-arg]
                for _ in range(args.repeat):
                    for arm in ("baseline", "ours"):
                        child_arm = arm
                        if arm == "baseline" and args.baseline_without_listings:
                            child_arm = "bare"
                        r = measure(child_arm, base, work)
                        assert r["posts"] == posts, r
                        runs[arm].append(r)
                # per arm and figure, the median of the runs (the upper one of an even count)
                best = {
                    arm: {k: sorted(r[k] for r in rs)[len(rs) // 2] for k in rs[0] if k != "arm"}
                    for arm, rs in runs.items()
                }
                pages = 1 + 2 * -(-posts // 50)
                for arm in ("baseline", "ours"):
                    r = best[arm]
                    print(
                        f"{posts:>8} {pages:>6} {arm:>9} {r['seconds']:>8.1f} "
                        f"{r['cpu']:>8.1f} {r['rss_mb']:>8.0f}"
                    )
                ratio = best["ours"]["seconds"] / best["baseline"]["seconds"]
                extra = best["ours"]["rss_mb"] - best["baseline"]["rss_mb"]
                cpu_ratio = best["ours"]["cpu"] / best["baseline"]["cpu"]
                print(
                    f"{posts:>8} ratio ours/baseline {ratio:.2f}x (target <= 1.5x); "
                    f"peak RSS ours - baseline {extra:+.0f} MB; "
                    f"CPU time of the client process ours/baseline {cpu_ratio:.2f}x"
                )
            finally:
                server.terminate()
                server.join()


if __name__ == "__main__":
    main()
