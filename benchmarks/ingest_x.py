"""Benchmark: the X archive importer against DuckDB's own ``read_json`` on the same tweets.

Generates a synthetic archive (``data/account.js``, ``data/manifest.js``, ``data/tweets.js``
with ``--posts`` realistic, pretty-printed tweet objects as X writes them), then, each in its
own subprocess so that peak memory is measured per step:

1. ``duckdb-auto``: DuckDB ``CREATE TABLE AS SELECT * FROM read_json(array)`` on the same JSON
   array (the prefix already stripped), schema auto-detected: the reference the brief names;
2. ``duckdb-cols``: the same with only the columns the importer reads (a tighter reference);
3. ``duckdb-file``: as 1, into a table of a DuckDB file (what our ingest also does);
4. ``importer``: ``XArchiveImporter().read()`` on the archive folder (includes stripping the
   prefix, every transform and building the polars frames);
5. ``engage-ingest``: ``engagecore.open(new file).ingest([archive])``, end to end: detection,
   read, validation and the write into the store (posts, the observations of posts read
   more than once, accounts, provenance).

Each child reports its wall time (the best of ``--repeat`` runs is kept, the machine being
shared) and its own peak RSS (``getrusage(RUSAGE_SELF)``, which
includes the interpreter and imported libraries). Usage::

    python benchmarks/ingest_x.py --posts 1000000 [--workdir DIR] [--zip] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_TEXTS = (
    "Les coulisses du musée pendant la fermeture hebdomadaire 🖼️✨ On vous montre tout !",
    "Nocturne ce jeudi jusqu'à 21h45 : concerts, visites flash & ateliers pour les 18-25 ans 🎶",
    "Il y a 150 ans, Monet peignait « Impression, soleil levant ». Redécouvrez l'œuvre en salle 8.",
    "Restauration en cours : nos équipes dépoussièrent la grande verrière 🔍 #patrimoine",
    "Quiz du dimanche 🧐 Qui a peint ce portrait ? Réponse demain &gt; indice : il aimait Arles",
    "Merci pour vos 1 000 messages ❤️ Prochaine étape : la réouverture du pavillon est !",
    "Atelier famille « Petits impressionnistes » : inscriptions ouvertes, places limitées.",
    "Vernissage de l'exposition Degas &amp; la danse ce soir 💃 Entrée libre dès 19h.",
)
_TAGS = ("jourdefermeture", "MuseumWeek", "Impressionnisme", "patrimoine", "Orsay", "expo")
_USERS = ("MuseeLouvre", "CentrePompidou", "MuseeOrsay", "Culture_Gouv", "grandpalais")


def _created_at(dt: datetime) -> str:
    return (
        f"{_DAYS[dt.weekday()]} {_MONTHS[dt.month - 1]} {dt.day:02d} {dt:%H:%M:%S} +0000 {dt.year}"
    )


def _media(tid: str, kind: str, n: int) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for i in range(n):
        mid = f"{int(tid) - 1000 - i}"
        m: dict[str, object] = {
            "expanded_url": f"https://x.com/MuseeDemo/status/{tid}/{kind}/{i + 1}",
            "indices": ["80", "103"],
            "url": "https://t.co/Med1aL1nk0",
            "media_url": f"http://pbs.twimg.com/media/{mid}.jpg",
            "id_str": mid,
            "id": mid,
            "media_url_https": f"https://pbs.twimg.com/media/{mid}.jpg",
            "sizes": {
                s: {"w": w, "h": h, "resize": r}
                for s, w, h, r in (
                    ("thumb", "150", "150", "crop"),
                    ("small", "680", "453", "fit"),
                    ("medium", "1200", "800", "fit"),
                    ("large", "2048", "1365", "fit"),
                )
            },
            "type": kind,
            "display_url": "pic.x.com/Med1aL1nk0",
        }
        if kind == "video":
            m["video_info"] = {
                "aspect_ratio": ["16", "9"],
                "duration_millis": "31000",
                "variants": [
                    {
                        "bitrate": b,
                        "content_type": "video/mp4",
                        "url": f"https://video.twimg.com/{mid}/{b}.mp4",
                    }
                    for b in ("256000", "832000", "2176000")
                ],
            }
        out.append(m)
    return out


def _tweet(rng: random.Random, i: int, when: datetime) -> dict[str, object]:
    tid = str(1_300_000_000_000_000_000 + i * 7919)
    text = rng.choice(_TEXTS)
    tags = rng.sample(_TAGS, rng.choice((0, 0, 1, 1, 2, 3)))
    mentions = rng.sample(_USERS, rng.choice((0, 0, 0, 1, 2)))
    roll = rng.random()
    retweet = roll < 0.10
    urls: list[dict[str, object]] = []
    media: list[dict[str, object]] = []
    if retweet:
        mentions = [rng.choice(_USERS), *mentions]
        text = f"RT @{mentions[0]}: {text}"
    elif roll < 0.50:
        media = _media(tid, "photo", rng.choice((1, 1, 1, 2, 4)))
    elif roll < 0.60:
        media = _media(tid, "video", 1)
    elif roll < 0.80:
        urls = [
            {
                "url": "https://t.co/L1nkAbCd12",
                "expanded_url": "https://www.musee-demo.fr/fr/agenda?mois=11&annee=2024",
                "display_url": "musee-demo.fr/fr/agenda?mois…",
                "indices": ["90", "113"],
            }
        ]
    body = " ".join([text, *(f"#{t}" for t in tags), *(f"@{m}" for m in mentions[1:] if retweet)])
    if urls:
        body += " https://t.co/L1nkAbCd12"
    if media:
        body += " https://t.co/Med1aL1nk0"
    entities: dict[str, object] = {
        "hashtags": [{"text": t, "indices": ["10", str(11 + len(t))]} for t in tags],
        "symbols": [],
        "user_mentions": [
            {
                "name": m,
                "screen_name": m,
                "indices": ["3", "15"],
                "id_str": "28016495",
                "id": "28016495",
            }
            for m in mentions
        ],
        "urls": urls,
    }
    if media:
        entities["media"] = media[:1]
    count = 0 if retweet else int(rng.paretovariate(1.3) * 10)
    t: dict[str, object] = {
        "edit_info": {
            "initial": {
                "editTweetIds": [tid],
                "editableUntil": (when + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "editsRemaining": "5",
                "isEditEligible": not retweet,
            }
        },
        "retweeted": False,
        "source": '<a href="https://mobile.twitter.com" rel="nofollow">Twitter Web App</a>',
        "entities": entities,
        "display_text_range": ["0", str(len(body))],
        "favorite_count": str(count),
        "id_str": tid,
        "truncated": False,
        "retweet_count": str(count // 5),
        "id": tid,
        "possibly_sensitive": False,
        "created_at": _created_at(when),
        "favorited": False,
        "full_text": body,
        "lang": rng.choice(("fr", "fr", "fr", "en", "und")),
    }
    if not retweet and roll > 0.85:
        t["in_reply_to_status_id_str"] = str(int(tid) - 5)
        t["in_reply_to_user_id"] = "99887766"
        t["in_reply_to_screen_name"] = "visiteur"
    if media:
        t["extended_entities"] = {"media": media}
    return {"tweet": t}


def generate(folder: Path, posts: int, seed: int = 7) -> tuple[Path, Path]:
    """Write the archive folder and the bare JSON array; return (archive folder, array file)."""
    rng = random.Random(seed)
    data = folder / "archive" / "data"
    data.mkdir(parents=True, exist_ok=True)
    array = folder / "tweets-array.json"
    start = datetime(2012, 1, 1, tzinfo=UTC)
    step = (datetime(2024, 11, 1, tzinfo=UTC) - start) / max(posts, 1)
    with array.open("w", encoding="utf-8") as out:
        out.write("[ ")
        for i in range(posts):
            if i:
                out.write(", ")
            when = (start + step * i).replace(microsecond=0)
            out.write(
                json.dumps(
                    _tweet(rng, i, when), indent=2, separators=(",", " : "), ensure_ascii=False
                )
            )
        out.write(" ]")
    with (data / "tweets.js").open("wb") as out, array.open("rb") as src:
        out.write(b"window.YTD.tweets.part0 = ")
        shutil.copyfileobj(src, out, 16 << 20)
    account = [
        {
            "account": {
                "username": "MuseeDemo",
                "accountId": "4200000001",
                "createdAt": "2011-01-01T00:00:00.000Z",
                "accountDisplayName": "Musée de démonstration",
            }
        }
    ]
    (data / "account.js").write_text(
        "window.YTD.account.part0 = " + json.dumps(account, indent=2), encoding="utf-8"
    )
    manifest = {
        "userInfo": {"accountId": "4200000001", "userName": "MuseeDemo"},
        "archiveInfo": {"generationDate": "2024-11-06T10:12:33.123Z"},
        "dataTypes": {
            "follower": {"files": [{"fileName": "data/follower.js", "count": "123456"}]},
            "tweets": {"files": [{"fileName": "data/tweets.js", "count": str(posts)}]},
        },
    }
    (data / "manifest.js").write_text(
        "window.__THAR_CONFIG = " + json.dumps(manifest, indent=2), encoding="utf-8"
    )
    return folder / "archive", array


def _generated(archive: Path) -> int | None:
    """How many tweets an archive left in ``--workdir`` by an earlier run holds (to reuse it)."""
    try:
        text = (archive / "data" / "manifest.js").read_text(encoding="utf-8")
        manifest = json.loads(text.split("=", 1)[1])
        return int(manifest["dataTypes"]["tweets"]["files"][0]["count"])
    except (OSError, ValueError, KeyError, IndexError):
        return None


def _child(step: str, path: str) -> None:
    """Run one measured step in this (fresh) process and print a JSON line.

    Libraries are imported before the clock starts: we time reading, not importing.
    """
    import duckdb
    from engage_x.archive import XArchiveImporter
    from engage_x.archive.tweets import _STRUCT

    import engagecore
    from engagecore.pluginapi import ReadContext
    from engagecore.sources import Source

    scratch = Path(tempfile.mkdtemp(prefix="engage-bench-db-"))
    t0 = time.perf_counter()
    if step == "engage-ingest":
        # End to end: detection, read, validation and the write into a new store file.
        with engagecore.open(scratch / "store.duckdb") as eng:
            report = eng.ingest([path])
        rows = report.units[0].posts
    elif step in ("duckdb-auto", "duckdb-cols", "duckdb-file"):
        con = (
            duckdb.connect(str(scratch / "t.duckdb")) if step == "duckdb-file" else duckdb.connect()
        )
        if step in ("duckdb-auto", "duckdb-file"):
            src = f"read_json('{path}', format='array')"
        else:
            src = f"read_json('{path}', format='array', columns={{'tweet': '{_STRUCT}'}})"
        con.execute(f"CREATE TABLE t AS SELECT * FROM {src}").fetchall()
        rows = con.execute("SELECT count(*) FROM t").fetchall()[0][0]
    else:
        batch = XArchiveImporter().read(Source.open(path), ReadContext())
        rows = batch.posts.height if batch.posts is not None else 0
    seconds = time.perf_counter() - t0
    shutil.rmtree(scratch, ignore_errors=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"step": step, "seconds": seconds, "peak_rss": peak, "rows": rows}))


def _run(step: str, path: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", step, str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--workdir", type=Path, default=None, help="keep the generated files here")
    ap.add_argument("--zip", action="store_true", help="also time the importer on a zip")
    ap.add_argument("--repeat", type=int, default=1, help="runs per step; the fastest is kept")
    ap.add_argument("--child", nargs=2, metavar=("STEP", "PATH"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(*args.child)
        return

    tmp = None
    if args.workdir is None:
        tmp = tempfile.TemporaryDirectory(prefix="engage-bench-x-")
        workdir = Path(tmp.name)
    else:
        workdir = args.workdir
        workdir.mkdir(parents=True, exist_ok=True)
    try:
        t0 = time.perf_counter()
        archive, array = workdir / "archive", workdir / "tweets-array.json"
        verb = "reused"
        if _generated(archive) != args.posts or not array.exists():
            archive, array = generate(workdir, args.posts)
            verb = "generated"
        size = (archive / "data" / "tweets.js").stat().st_size
        print(
            f"{verb} {args.posts:,} tweets: tweets.js {size / 1e6:,.0f} MB "
            f"({size / max(args.posts, 1):,.0f} B/tweet) in {time.perf_counter() - t0:.0f} s"
        )
        steps = [
            ("duckdb-auto", array),
            ("duckdb-cols", array),
            ("duckdb-file", array),
            ("importer", archive),
            ("engage-ingest", archive),
        ]
        if args.zip:
            zpath = workdir / "archive.zip"
            with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
                for f in sorted(archive.rglob("*")):
                    z.write(f, f.relative_to(archive).as_posix())
            steps.append(("importer-zip", zpath))
        res: dict[str, dict[str, float]] = {}
        for step, path in steps:
            # Best of --repeat runs: the machine is shared, the minimum is the least disturbed.
            runs = [
                _run("importer" if step == "importer-zip" else step, path)
                for _ in range(args.repeat)
            ]
            r = min(runs, key=lambda x: x["seconds"])
            r["peak_rss"] = max(x["peak_rss"] for x in runs)
            res[step] = r
            print(
                f"{step:<13} {r['seconds']:8.1f} s   peak RSS {r['peak_rss'] / 1e6:8,.0f} MB   "
                f"rows {int(r['rows']):,}"
            )
        base = res["duckdb-auto"]["seconds"]
        print(
            f"engage-ingest (read + validate + store write) vs duckdb-file (read_json into a "
            f"table of a DuckDB file): {res['engage-ingest']['seconds'] / res['duckdb-file']['seconds']:.2f}x; "
            f"peak RSS / input size {res['engage-ingest']['peak_rss'] / size:.2f}"
        )
        for step in [s for s, _ in steps if s.startswith(("importer", "engage"))]:
            r = res[step]
            print(
                f"{step}: time ratio vs duckdb-auto {r['seconds'] / base:.2f}x, "
                f"vs duckdb-cols {r['seconds'] / res['duckdb-cols']['seconds']:.2f}x; "
                f"peak RSS / input size {r['peak_rss'] / size:.2f}"
            )
        print(f"duckdb-auto peak RSS / input size {res['duckdb-auto']['peak_rss'] / size:.2f}")
    finally:
        if tmp is not None:
            tmp.cleanup()


if __name__ == "__main__":
    main()
