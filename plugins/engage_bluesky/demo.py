"""Writes a simulated Bluesky account as the AppView JSON a museum would have saved.

Layout under ``folder/bluesky-<handle>/``: ``feed/`` holds ``getAuthorFeed`` pages of 100
items, newest first, linked by ``cursor`` (own posts as post views with their counts; a
simulated repost as a ``#reasonRepost`` item whose post is another account's);
``profile/`` holds one ``getProfile`` response per follower snapshot. Text annotations are
written as the app writes them: a facet per ``#tag`` and ``@mention`` over its UTF-8 byte
range. Every file carries ``engagecore_observed_at``.

The simulator's account id becomes the DID ``did:plc:<id>`` (a real one is 24 base-32
characters); the handle is the simulated one, as the demo links accounts by handle.
"""

from __future__ import annotations

import json
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from engagecore.plugin import OBSERVED_AT_KEY, DemoAccountData, DemoWriter

from .common import FACET_MENTION, FACET_TAG, NETWORK, POST, REASON_REPOST, REPOST

PAGE_SIZE = 100  # getAuthorFeed's limit ceiling
_EMBEDS = {
    "photo": "app.bsky.embed.images",
    "carousel": "app.bsky.embed.images",
    "video": "app.bsky.embed.video",
    "reel": "app.bsky.embed.video",
    "link": "app.bsky.embed.external",
}


def _iso(ts: datetime) -> str:
    return ts.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _did(account_id: str) -> str:
    return account_id if account_id.startswith("did:") else f"did:plc:{account_id}"


def facets(text: str, tags: list[str], mentioned: list[str]) -> list[dict[str, Any]]:
    """Tag and mention facets over the UTF-8 byte ranges of ``#tag`` and ``@handle``."""
    out: list[dict[str, Any]] = []
    for sign, names in (("#", tags), ("@", mentioned)):
        for name in names:
            at = text.find(sign + name)
            if at < 0:
                continue
            start = len(text[:at].encode("utf-8"))
            end = start + len((sign + name).encode("utf-8"))
            feature = (
                {"$type": FACET_TAG, "tag": name}
                if sign == "#"
                else {"$type": FACET_MENTION, "did": f"did:plc:demo{zlib.crc32(name.encode()):08x}"}
            )
            out.append({"index": {"byteStart": start, "byteEnd": end}, "features": [feature]})
    return sorted(out, key=lambda f: int(f["index"]["byteStart"]))


def _embed(kind: str, seed: int) -> dict[str, Any] | None:
    lexicon = _EMBEDS.get(kind)
    if lexicon is None:
        return None
    view: dict[str, Any] = {"$type": f"{lexicon}#view"}
    if lexicon.endswith("images"):
        view["images"] = [
            {
                "thumb": f"https://cdn.bsky.app/img/feed_thumbnail/demo/{seed:x}@jpeg",
                "alt": "",
                "aspectRatio": {"width": 4, "height": 3},
            }
        ]
    elif lexicon.endswith("video"):
        view["playlist"] = f"https://video.bsky.app/watch/demo/{seed:x}/playlist.m3u8"
    else:
        view["external"] = {"uri": f"https://example.org/{seed:x}", "title": "", "description": ""}
    return view


def _post_view(
    post: dict[str, Any], author: dict[str, Any], rkey: str, own: bool
) -> dict[str, Any]:
    text = post.get("text") or ""
    seed = zlib.crc32(rkey.encode())
    record: dict[str, Any] = {
        "$type": POST,
        "text": text,
        "createdAt": _iso(post["posted_at"]),
        "facets": facets(text, list(post.get("hashtags") or []), list(post.get("mentions") or [])),
    }
    if post.get("language"):
        record["langs"] = [post["language"]]
    view: dict[str, Any] = {
        "uri": f"at://{author['did']}/{POST}/{rkey}",
        "cid": f"bafyreidemo{seed:08x}",
        "author": author,
        "record": record,
        "indexedAt": _iso(post["posted_at"]),
        "labels": [],
    }
    embed = _embed(str(post.get("kind")), seed)
    if embed is not None:
        view["embed"] = embed
    for key, column in (
        ("replyCount", "comments"),
        ("repostCount", "shares"),
        ("likeCount", "likes"),
        ("quoteCount", "quotes"),
        ("bookmarkCount", "saves"),
    ):
        value = post.get(column) if own else seed % 50
        if value is not None:
            view[key] = int(value)
    return view


def _json(doc: dict[str, Any]) -> str:
    """Compact, as the AppView sends it (and json's C encoder: an indent runs its Python one)."""
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


class BlueskyDemoWriter(DemoWriter):
    """Writes one simulated account as getAuthorFeed pages and getProfile responses."""

    network = NETWORK

    def write(self, data: DemoAccountData, folder: Path) -> list[Path]:
        root = Path(folder) / f"bluesky-{data.handle}"
        feed, profile = root / "feed", root / "profile"
        feed.mkdir(parents=True, exist_ok=True)
        profile.mkdir(parents=True, exist_ok=True)
        did = _did(data.account_id)
        author = {"did": did, "handle": data.handle, "displayName": data.museum_name}
        posts = data.posts.sort("posted_at", descending=True).to_dicts()
        pages = [posts[i : i + PAGE_SIZE] for i in range(0, len(posts), PAGE_SIZE)] or [[]]
        for n, chunk in enumerate(pages):
            items = []
            for post in chunk:
                rkey = str(post["post_id"])
                if post["is_own"]:
                    items.append({"post": _post_view(post, author, rkey, own=True)})
                    continue
                other = f"did:plc:demoother{zlib.crc32(rkey.encode()):08x}"
                original = {"did": other, "handle": f"author{other[-8:]}.bsky.social"}
                items.append(
                    {
                        "post": _post_view(post, original, f"o{rkey}", own=False),
                        "reason": {
                            "$type": REASON_REPOST,
                            "by": author,
                            "uri": f"at://{did}/{REPOST}/{rkey}",
                            "indexedAt": _iso(post["posted_at"]),
                        },
                    }
                )
            seen = max((p["observed_at"] for p in chunk), default=data.export_date)
            doc: dict[str, Any] = {OBSERVED_AT_KEY: _iso(seen), "feed": items}
            if n + 1 < len(pages):
                doc["cursor"] = _iso(chunk[-1]["posted_at"])
            (feed / f"page-{n + 1:04d}.json").write_text(_json(doc), encoding="utf-8")
        snapshots = data.followers.sort("observed_at").to_dicts()
        for snap in snapshots:
            doc = {
                OBSERVED_AT_KEY: _iso(snap["observed_at"]),
                **author,
                "followersCount": int(snap["followers"]),
                "followsCount": 120,
                "postsCount": len(posts),
                "indexedAt": _iso(data.export_date),
                "createdAt": _iso(min((p["posted_at"] for p in posts), default=data.export_date)),
            }
            name = f"profile-{snap['observed_at'].astimezone(UTC):%Y%m%dT%H%M%S}.json"
            (profile / name).write_text(_json(doc), "utf-8")
        return [feed, profile] if snapshots else [feed]
