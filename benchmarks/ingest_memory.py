"""Benchmark: peak memory of ``engage ingest`` on hostile and normal inputs, against the
largest member of each input (target: peak RSS ≤ 3× the largest member, for any input).

Builds, in ``--workdir`` (a temporary folder by default), inputs of about ``--size`` MB:

- ``zip-bomb``: an X archive zip of about 1 MB whose ``tweets.js`` inflates to ``--bomb`` MB
  (default 1024): must be refused, in one line, before it is inflated;
- ``graph-big-string``: a Facebook Graph posts page holding one post whose message is a
  single string of ``--size`` MB;
- ``x-big-string``: an X archive whose only tweet's text is a single ``--size`` MB string;
- ``instagram-big-string``: an Instagram export whose first caption is a ``--size`` MB string
  (refused: a post over 64 MiB);
- ``instagram-big``: an Instagram export whose ``posts_1.json`` holds about ``--size`` MB of
  ordinary posts (the test fixture's first post, repeated with new ids and times: 320,000
  posts at 200 MB);
- ``graph-big``: a Facebook Graph ``{"data": [...]}`` dump of about ``--size`` MB;
- ``graph-big-zip``: the same dump inside a zip;
- ``x-archive``: an X archive folder whose ``tweets.js`` is about ``--size`` MB;
- ``x-archive-zip``: the same archive as a zip;
- ``youtube-api-big``: one YouTube Data API ``videos.list`` response of about ``--size`` MB
  (pages merged: a saved API response's worst case);
- ``youtube-api-big-zip`` / ``youtube-api-big-gz``: the same response as a zip member, and
  gzipped (``videos.json.gz``);
- ``instagram-graph-big``: one Instagram Graph API ``/{ig-user}/media`` page of about
  ``--size`` MB, each media with its ``insights`` (pages merged);
- ``youtube-analytics-big``: a YouTube Analytics ageGroup × gender report of ``--size`` MB
  (its rows repeated, with tiny percentages);
- ``tiktok-api-big``: one TikTok Display API ``/v2/video/list/`` response (pages merged);
- ``tiktok-export-big``: TikTok's "Download your data" JSON, three quarters watch history,
  a quarter posted videos;
- ``bluesky-feed-big``: one ``getAuthorFeed`` page (pages merged);
- ``bluesky-repo-big``: a Bluesky repository export (CAR of DAG-CBOR posts, needs libipld);
- ``bluesky-repo-big-zip`` / ``bluesky-repo-big-gz``: the same CAR as a zip member, and
  gzipped (``repo.car.gz``);
- ``threads-api-big``: one Threads ``/me/threads`` page (pages merged);
- ``x-api-big``: one X API v2 tweets page, its ``includes`` after its ``data`` (pages merged).

Each runs ``engage ingest INPUT --db NEW`` as the child of a fresh measuring process, which
reports the child's peak RSS (``getrusage(RUSAGE_CHILDREN)``, the largest resident set the
child reached, including the interpreter and libraries, ~150 MB). Prints, per input: the
largest member (inflated size), exit code, the first line of stderr, time, peak RSS and the
ratio peak / largest member. Usage::

    python benchmarks/ingest_memory.py [--size 200] [--bomb 1024] [--only NAME ...]
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
import zipfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

PAGE = "104958162837"
MB = 1024 * 1024


def _graph_post(i: int, message: str) -> str:
    return json.dumps(
        {
            "id": f"{PAGE}_{10**15 + i}",
            "created_time": f"2024-0{1 + i % 9}-1{i % 10}T10:00:00+0000",
            "message": message,
            "permalink_url": f"https://www.facebook.com/{PAGE}/posts/{10**15 + i}",
            "status_type": "added_photos",
            "attachments": {"data": [{"type": "photo"}]},
            "reactions": {"data": [], "summary": {"total_count": i % 997}},
            "comments": {"data": [], "summary": {"total_count": i % 31}},
            "shares": {"count": i % 7},
        },
        ensure_ascii=False,
    )


def graph_dump(path: Path, size: int) -> Path:
    """A ``{"data": [...]}`` posts page of about ``size`` bytes of ordinary posts."""
    import ingest_graph

    post_size = sum(len(ingest_graph._post(i).encode()) + 1 for i in range(1000)) // 1000
    path.mkdir(parents=True, exist_ok=True)
    return ingest_graph.generate(path, max(1, size // post_size), 0)


def graph_big_string(path: Path, size: int) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    out = path / "posts.json"
    with out.open("w", encoding="utf-8") as fh:
        head, tail = _graph_post(0, "\0").split('"\\u0000"')
        fh.write('{"data": [' + head + '"')
        chunk = "Nocturne au musée ✨ " * 4096
        written = 0
        while written < size:
            fh.write(chunk)
            written += len(chunk.encode())
        fh.write('"' + tail + "]}")
    return out


def x_archive(path: Path, size: int) -> Path:
    import ingest_x

    tweet_size = 3100  # ingest_x writes ~3 KB per tweet, pretty-printed
    archive, array = ingest_x.generate(path, max(1, size // tweet_size))
    array.unlink()
    return archive


def x_big_string(path: Path, size: int) -> Path:
    archive = x_archive(path, 1)
    tweets = archive / "data" / "tweets.js"
    text = tweets.read_text(encoding="utf-8")
    key = '"full_text" : "'
    at = text.index(key) + len(key)
    end = text.index('"', at)
    with tweets.open("w", encoding="utf-8") as fh:
        fh.write(text[:at])
        chunk = "Nocturne au musée ✨ " * 4096
        written = 0
        while written < size:
            fh.write(chunk)
            written += len(chunk.encode())
        fh.write(text[end:])
    return archive


def zipped(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for f in sorted(folder.rglob("*")):
            if f.is_file():
                zf.write(f, f.relative_to(folder.parent).as_posix())
    return target


def gzipped(path: Path) -> Path:
    """``path`` gzipped (level 1) beside it as ``NAME.gz``; the plain file removed."""
    import gzip

    target = path.with_name(path.name + ".gz")
    with path.open("rb") as src, gzip.open(target, "wb", compresslevel=1) as out:
        shutil.copyfileobj(src, out, 1 << 20)
    path.unlink()
    return target


def zip_bomb(path: Path, inflated: int) -> Path:
    """An X archive zip whose tweets.js inflates to ``inflated`` bytes of spaces, written
    member by member in streaming mode (nothing of that size is ever in memory here)."""
    archive = x_archive(path / "src", 1)
    target = path / "bomb.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for f in sorted(archive.rglob("*")):
            name = f.relative_to(archive.parent).as_posix()
            if f.name != "tweets.js":
                zf.write(f, name)
                continue
            data = f.read_bytes()
            head, rest = data.split(b"[", 1)
            with zf.open(name, "w", force_zip64=True) as out:
                out.write(head + b"[")
                block = b" " * MB
                for _ in range(inflated // MB):
                    out.write(block)
                out.write(rest)
    shutil.rmtree(path / "src")
    return target


def instagram_big_string(path: Path, size: int) -> Path:
    """Instagram's "Download your information" (the test fixture) whose first post's caption
    is one ``size``-byte string (Meta's escaped mojibake, as in real exports)."""
    fixture = HERE.parent / "tests" / "fixtures" / "instagram" / "dyi_2025"
    export = path / "dyi"
    shutil.copytree(fixture, export)
    posts = next(export.rglob("media/posts_1.json"))
    text = posts.read_text(encoding="utf-8")
    key = '"title": "'
    at = text.index(key) + len(key)
    end = text.index('",', at)
    chunk = "Nocturne au mus\\u00c3\\u00a9e " * 4096
    with posts.open("w", encoding="utf-8") as fh:
        fh.write(text[:at])
        written = 0
        while written < size:
            fh.write(chunk)
            written += len(chunk)
        fh.write(text[end:])
    return export


def instagram_big(path: Path, size: int) -> Path:
    """Instagram's "Download your information" (the test fixture) whose ``posts_1.json``
    holds about ``size`` bytes of ordinary posts, pretty-printed as Meta writes them."""
    fixture = HERE.parent / "tests" / "fixtures" / "instagram" / "dyi_2025"
    export = path / "dyi"
    shutil.copytree(fixture, export)
    posts = next(export.rglob("media/posts_1.json"))
    first = json.loads(posts.read_text(encoding="utf-8"))[0]
    with posts.open("w", encoding="utf-8") as fh:
        fh.write("[")
        written, i = 1, 0
        while written < size:
            media = first["media"][0]
            media["uri"] = f"media/posts/202001/{10**8 + i}_n_{17 * 10**15 + i}.jpg"
            media["creation_timestamp"] = 1_500_000_000 + 60 * i
            text = ("," if i else "") + "\n  " + json.dumps(first, indent=2).replace("\n", "\n  ")
            fh.write(text)
            written += len(text.encode())
            i += 1
        fh.write("\n]\n")
    return export


def youtube_api_big(path: Path, size: int) -> Path:
    """One YouTube Data API ``videos.list`` response of about ``size`` bytes of ordinary
    videos (a real page holds at most 50; a file of many pages merged is what this stands
    for). Importers of saved API responses parse the whole file: this is their worst case."""
    path.mkdir(parents=True, exist_ok=True)
    out = path / "videos.json"
    with out.open("w", encoding="utf-8") as fh:
        fh.write('{"kind": "youtube#videoListResponse", "etag": "e", "items": [')
        written, i = 0, 0
        while written < size:
            video = {
                "kind": "youtube#video",
                "etag": "e",
                "id": f"v{i:010d}",
                "snippet": {
                    "publishedAt": "2024-03-04T09:30:00Z",
                    "channelId": "UCfVvGxNuFTd9ktLB7jTu3Wg",
                    "title": f"Visite {i}",
                    "description": "Les coulisses du musée #louvre #museum, la grande galerie",
                    "tags": ["louvre", "musée"],
                },
                "contentDetails": {"duration": "PT1M30S"},
                "statistics": {"viewCount": "1234", "likeCount": "56", "commentCount": "7"},
            }
            text = ("," if i else "") + json.dumps(video)
            fh.write(text)
            written += len(text.encode())
            i += 1
        fh.write(f'], "pageInfo": {{"totalResults": {i}, "resultsPerPage": {i}}}}}')
    return out


def _repeated(out: Path, head: str, item: Any, tail: str, size: int) -> int:
    """Writes ``head``, then ``item(i)`` (JSON text) for i = 0, 1, ... comma-separated until
    about ``size`` bytes, then ``tail``; returns how many items were written."""
    with out.open("w", encoding="utf-8") as fh:
        fh.write(head)
        written, i = len(head.encode()), 0
        while written < size:
            text = ("," if i else "") + item(i)
            fh.write(text)
            written += len(text.encode())
            i += 1
        fh.write(tail)
    return i


def _fixture(*parts: str) -> Any:
    return json.loads((HERE.parent / "tests" / "fixtures" / Path(*parts)).read_text("utf-8"))


def youtube_analytics_big(path: Path, size: int) -> Path:
    """A YouTube Analytics ageGroup × gender report of about ``size`` bytes: its rows
    repeated (tiny percentages, so that the shares stay under 100 %)."""
    out = path / "analytics.json"
    doc = _fixture("youtube", "analytics_age_gender.json")
    rows = doc.pop("rows")
    head = json.dumps(doc)[:-1] + ', "rows": ['
    _repeated(
        out,
        head,
        lambda i: json.dumps([*rows[i % len(rows)][:2], 1e-7]),
        "]}",
        size,
    )
    return out


def instagram_graph_big(path: Path, size: int) -> Path:
    """One Instagram Graph API ``/{ig-user}/media`` page of about ``size`` bytes (pages
    merged): the fixture's first media, each with its ``insights``, with new ids and times."""
    out = path / "media.json"
    media = _fixture("instagram", "graph", "media_with_insights.json")["data"][0]

    def item(i: int) -> str:
        mid = str(17900000000000101 + i)
        insights = {
            "data": [
                {**m, "id": f"{mid}/insights/{m['name']}/lifetime"}
                for m in media["insights"]["data"]
            ]
        }
        return json.dumps(
            {
                **media,
                "id": mid,
                "timestamp": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}T19:30:00+0000",
                "permalink": f"https://www.instagram.com/p/C{i:09d}/",
                "insights": insights,
            },
            ensure_ascii=False,
        )

    head = '{"engagecore_observed_at": "2024-06-02T10:00:00+00:00", "data": ['
    _repeated(out, head, item, '], "paging": {"cursors": {"before": "a", "after": "b"}}}', size)
    return out


def tiktok_api_big(path: Path, size: int) -> Path:
    """One TikTok Display API /v2/video/list/ response of about ``size`` bytes (pages merged)."""
    out = path / "video_list.json"
    video = _fixture("tiktok", "api", "video_list_page1.json")["data"]["videos"][0]

    def item(i: int) -> str:
        vid = str(7567452112981069079 - i)
        return json.dumps(
            {
                **video,
                "id": vid,
                "create_time": 1761931150 - 60 * i,
                "share_url": f"https://www.tiktok.com/@museedemo/video/{vid}?utm_source=awxxxx",
                "embed_link": f"https://www.tiktok.com/player/v1/{vid}",
            },
            ensure_ascii=False,
        )

    tail = (
        '], "cursor": 0, "has_more": false}, "error": {"code": "ok", "message": "", "log_id": "x"}}'
    )
    _repeated(out, '{"data": {"videos": [', item, tail, size)
    return out


def tiktok_export_big(path: Path, size: int) -> Path:
    """TikTok's "Download your data" JSON of about ``size`` bytes: a watch history of
    three quarters of it (the part that grows in a real export), then posted videos."""
    out = path / "user_data_tiktok.json"
    doc = _fixture("tiktok", "export", "user_data_tiktok.json")
    posted = doc["Post"]["Posts"]["VideoList"][0]
    history = json.dumps(
        {
            "Date": "2025-01-01 10:00:00",
            "Link": "https://www.tiktokv.com/share/video/7400000000000000000/",
        }
    )

    def video(i: int) -> str:
        vid = 7567452112981069079 - i
        return json.dumps(
            {
                **posted,
                "Date": f"2025-0{1 + i % 9}-1{i % 10} 12:00:00",
                "Link": f"https://www.tiktokv.com/share/video/{vid}/",
            },
            ensure_ascii=False,
        )

    part = out.with_suffix(".part")
    _repeated(part, "", lambda i: history, "", size * 3 // 4)
    posts = out.with_suffix(".posts")
    _repeated(posts, "", video, "", size // 4)
    activity = doc.pop("Activity")
    doc.pop("Post")
    with out.open("w", encoding="utf-8") as fh:
        fh.write('{"Activity": ' + json.dumps(activity)[:-1])
        fh.write(', "Video Browsing History": {"VideoList": [')
        with part.open(encoding="utf-8") as src:
            shutil.copyfileobj(src, fh)
        fh.write("]}}, " + json.dumps(doc, ensure_ascii=False)[1:-1])
        fh.write(', "Post": {"Posts": {"VideoList": [')
        with posts.open(encoding="utf-8") as src:
            shutil.copyfileobj(src, fh)
        fh.write("]}}}")
    part.unlink()
    posts.unlink()
    return out


def bluesky_feed_big(path: Path, size: int) -> Path:
    """One app.bsky.feed.getAuthorFeed page of about ``size`` bytes (pages merged)."""
    out = path / "feed.json"
    page = _fixture("bluesky", "feed", "page-0001.json")
    own = next(x for x in page["feed"] if "reason" not in x)
    text = json.dumps(own, ensure_ascii=False)
    rkey = own["post"]["uri"].rsplit("/", 1)[1]
    _TID = "234567abcdefghijklmnopqrstuvwxyz"

    def item(i: int) -> str:
        key = "3l" + "".join(_TID[(i >> (5 * k)) & 31] for k in range(11))
        return text.replace(rkey, key)

    head = '{"engagecore_observed_at": "2025-06-21T08:00:00Z", "feed": ['
    _repeated(out, head, item, '], "cursor": "x"}', size)
    return out


def threads_api_big(path: Path, size: int) -> Path:
    """One Threads /me/threads page of about ``size`` bytes (pages merged)."""
    out = path / "threads.json"
    post = _fixture("threads", "threads-page.json")["data"][1]

    def item(i: int) -> str:
        return json.dumps(
            {
                **post,
                "id": str(18050000000000001 + i),
                "timestamp": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}T09:00:00+0000",
            },
            ensure_ascii=False,
        )

    _repeated(
        out, '{"data": [', item, '], "paging": {"cursors": {"before": "a", "after": "b"}}}', size
    )
    return out


def x_api_big(path: Path, size: int) -> Path:
    """One X API v2 tweets page of about ``size`` bytes (pages merged), its includes after
    its data as X writes them."""
    out = path / "tweets.json"
    page = _fixture("x", "api", "tweets-page.json")
    tweet = page["data"][0]

    def item(i: int) -> str:
        tid = str(1853800000000000001 - i)
        return json.dumps(
            {
                **tweet,
                "id": tid,
                "edit_history_tweet_ids": [tid],
                "conversation_id": tid,
                "created_at": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}T13:24:09.000Z",
            },
            ensure_ascii=False,
        )

    tail = (
        "], " + json.dumps({k: v for k, v in page.items() if k != "data"}, ensure_ascii=False)[1:]
    )
    _repeated(out, '{"data": [', item, tail, size)
    return out


def bluesky_repo_big(path: Path, size: int) -> Path:
    """A Bluesky repository export (CAR v1 of DAG-CBOR blocks) of about ``size`` bytes of
    posts, in a two-level tree of 1,000 entries a node (needs libipld, as the importer)."""
    import hashlib

    import libipld

    did = "did:plc:q6gjnaw2blty4crticxkmujt"

    def varint(n: int) -> bytes:
        out = bytearray()
        while True:
            b, n = n & 0x7F, n >> 7
            out.append(b | (0x80 if n else 0))
            if not n:
                return bytes(out)

    def put(fh: Any, obj: Any, links: list[bytes] = ()) -> bytes:  # type: ignore[assignment]
        raw = libipld.encode_dag_cbor(obj)
        for cid in links:  # placeholders (the CID as bytes) made tag-42 links
            raw = raw.replace(b"\x58\x24" + cid, b"\xd8\x2a\x58\x25\x00" + cid)
        cid = bytes([1, 0x71, 0x12, 0x20]) + hashlib.sha256(raw).digest()
        fh.write(varint(len(cid) + len(raw)) + cid + raw)
        return cid

    tid = "234567abcdefghijklmnopqrstuvwxyz"
    out = path / "repo.car"
    body = path / "blocks.part"
    text = "Nocturne au musée ✨ ce soir jusqu'à 22 h, entrée libre #museum " * 3
    with body.open("wb") as fh:
        keys: list[tuple[str, bytes]] = []
        written, i = 0, 0
        while written < size:
            rkey = "3l" + "".join(tid[(i >> (5 * k)) & 31] for k in range(10, -1, -1))
            rec = {
                "$type": "app.bsky.feed.post",
                "text": f"{text}{i}",
                "langs": ["fr"],
                "createdAt": f"2025-0{1 + i % 9}-1{i % 10}T10:00:00.000Z",
            }
            keys.append((f"app.bsky.feed.post/{rkey}", put(fh, rec)))
            written += 420
            i += 1
        leaves: list[tuple[str, bytes]] = []
        for at in range(0, len(keys), 1000):
            part = keys[at : at + 1000]
            entries = [{"p": 0, "k": k.encode(), "v": v, "t": None} for k, v in part]
            leaves.append((part[0][0], put(fh, {"l": None, "e": entries}, [v for _, v in part])))
        # the root's own entries: likes (not read), each followed by a leaf of posts
        root_entries = [
            {"p": 0, "k": f"app.bsky.feed.like/{n:013d}".encode(), "v": keys[0][1], "t": c}
            for n, (_, c) in enumerate(leaves[1:])
        ]
        root = put(
            fh,
            {"l": leaves[0][1], "e": root_entries},
            [leaves[0][1], keys[0][1], *(c for _, c in leaves[1:])],
        )
        commit = put(
            fh,
            {
                "did": did,
                "version": 3,
                "data": root,
                "rev": "3lbqzvy3aaa2a",
                "prev": None,
                "sig": b"\x01" * 64,
            },
            [root],
        )
    header = libipld.encode_dag_cbor({"version": 1, "roots": [commit]})
    header = header.replace(b"\x58\x24" + commit, b"\xd8\x2a\x58\x25\x00" + commit)
    with out.open("wb") as fh:
        fh.write(varint(len(header)) + header)
        with body.open("rb") as src:
            shutil.copyfileobj(src, fh)
    body.unlink()
    return out


def largest_member(path: Path) -> int:
    if path.name.endswith(".gz"):
        import gzip

        with gzip.open(path, "rb") as fh:
            return sum(iter(lambda: len(fh.read(1 << 20)), 0))
    if path.is_dir():
        return max(f.stat().st_size for f in path.rglob("*") if f.is_file())
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            return max(i.file_size for i in zf.infolist())
    return path.stat().st_size


def _child(args: list[str]) -> None:
    """Run ``engage`` (our only child) and print its peak RSS, time, exit code, stderr."""
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "engagecore", *args], capture_output=True, text=True
    )
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    first = (proc.stderr.strip().splitlines() or [""])[0]
    print(json.dumps({"rc": proc.returncode, "peak": peak, "seconds": seconds, "err": first}))


def measure(path: Path, db: Path) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", "ingest", str(path), "--db", str(db)],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


CASES = (
    "zip-bomb",
    "graph-big-string",
    "x-big-string",
    "instagram-big-string",
    "instagram-big",
    "graph-big",
    "graph-big-zip",
    "x-archive",
    "x-archive-zip",
    "youtube-api-big",
    "youtube-api-big-zip",
    "youtube-api-big-gz",
    "instagram-graph-big",
    "youtube-analytics-big",
    "tiktok-api-big",
    "tiktok-export-big",
    "bluesky-feed-big",
    "threads-api-big",
    "x-api-big",
    "bluesky-repo-big",
    "bluesky-repo-big-zip",
    "bluesky-repo-big-gz",
)


def build(name: str, work: Path, size: int, bomb: int) -> Path:
    folder = work / name
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    if name == "zip-bomb":
        return zip_bomb(folder, bomb)
    if name == "graph-big-string":
        return graph_big_string(folder, size)
    if name == "x-big-string":
        return x_big_string(folder, size)
    if name == "instagram-big-string":
        return instagram_big_string(folder, size)
    if name == "instagram-big":
        return instagram_big(folder, size)
    if name == "youtube-api-big":
        return youtube_api_big(folder, size)
    if name == "youtube-api-big-zip":
        response = youtube_api_big(folder / "api", size)
        return zipped(response.parent, folder / "api.zip")
    if name == "youtube-api-big-gz":
        return gzipped(youtube_api_big(folder, size))
    if name == "bluesky-repo-big-zip":
        (folder / "repo").mkdir()
        car = bluesky_repo_big(folder / "repo", size)
        return zipped(car.parent, folder / "repo.zip")
    if name == "bluesky-repo-big-gz":
        return gzipped(bluesky_repo_big(folder, size))
    builders = {
        "youtube-analytics-big": youtube_analytics_big,
        "instagram-graph-big": instagram_graph_big,
        "tiktok-api-big": tiktok_api_big,
        "tiktok-export-big": tiktok_export_big,
        "bluesky-feed-big": bluesky_feed_big,
        "threads-api-big": threads_api_big,
        "x-api-big": x_api_big,
        "bluesky-repo-big": bluesky_repo_big,
    }
    if name in builders:
        return builders[name](folder, size)
    if name.startswith("graph-big"):
        dump = graph_dump(folder / "graph", size)
        return zipped(dump.parent, folder / "graph.zip") if name.endswith("zip") else dump
    archive = x_archive(folder, size)
    return zipped(archive, folder / "archive.zip") if name.endswith("zip") else archive


def _short(err: str, work: Path) -> str:
    err = err.replace(str(work) + "/", "")
    return err if len(err) <= 140 else err[:139] + "…"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=200, help="MB per input (default 200)")
    ap.add_argument("--bomb", type=int, default=1024, help="MB the zip bomb inflates to")
    ap.add_argument("--only", nargs="*", choices=CASES, default=list(CASES))
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--child", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(args.child)
        return
    work = args.workdir or Path(tempfile.mkdtemp(prefix="engage-bench-mem-"))
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    try:
        # what any `engage ingest` costs: interpreter, libraries, plugins (a tiny import)
        tiny = work / "tiny.csv"
        tiny.write_text(
            "network,account,museum,post_id,posted_at,kind,text,likes\n"
            "instagram,museedemo,Musée démo,IG-1,2024-03-05T14:30:00Z,photo,Nocturne,12\n"
        )
        base = measure(tiny, work / "tiny.duckdb")
        baseline = float(base["peak"])  # type: ignore[arg-type]
        print(f"baseline (a one-row import): peak RSS {baseline / MB:.0f} MB, rc {base['rc']}")
        print(
            "| input | size | largest member | rc | time | peak RSS | peak / member "
            "| (peak − baseline) / member | stderr (first line) |\n|---|---|---|---|---|---|---|---|---|"
        )
        for name in args.only:
            path = build(name, work, args.size * MB, args.bomb * MB)
            member = largest_member(path)
            db = work / f"{name}.duckdb"
            r = measure(path, db)
            db.unlink(missing_ok=True)
            peak = float(r["peak"])  # type: ignore[arg-type]
            rows.append((name, member, r, peak))
            size = sum(f.stat().st_size for f in path.rglob("*")) if path.is_dir() else 0
            size = size or path.stat().st_size
            seconds = float(r["seconds"])  # type: ignore[arg-type]
            print(
                f"| {name} | {size / MB:,.1f} MB | {member / MB:,.1f} MB | {r['rc']} | "
                f"{seconds:.1f} s | {peak / MB:,.0f} MB | **{peak / member:.2f}×** | "
                f"{(peak - baseline) / member:.2f}× | {_short(str(r['err']), work)} |",
                flush=True,
            )
            shutil.rmtree(work / name, ignore_errors=True)
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
