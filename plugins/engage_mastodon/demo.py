"""Writes a simulated Mastodon account as the files a museum has: its account archive and
the public API's responses.

Layout under ``folder/mastodon-<user>/``:

* ``archive/`` — the account archive as Mastodon writes it: ``actor.json`` (the ``Person``,
  no follower count) and ``outbox.json`` (an ``OrderedCollection`` whose key
  ``orderedItems`` comes twice, an empty list first, as in real archives): a ``Create`` per
  own status (``Note`` with HTML ``content``, ``contentMap``, ``tag[]`` of ``Hashtag`` and
  ``Mention``, ``attachment[]`` by kind), an ``Announce`` per boost. No counts.
* ``api/`` — ``/api/v1/accounts/:id/statuses`` pages of 40 statuses, newest first, as
  ``engage fetch`` saves them (``{"statuses": [...], "engagecore_observed_at": ...}``), with
  the counts; a boost as a status whose ``reblog`` is another account's status (the boost
  itself with zeros, as the API gives it); and one ``/api/v1/accounts/lookup`` response per
  follower snapshot.

The simulated handle becomes the address ``handle@mastodon.social`` (unless it names its
instance already); the status ids are the simulated post ids.
"""

from __future__ import annotations

import html
import json
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from engagecore.plugin import OBSERVED_AT_KEY, DemoAccountData, DemoWriter

from .common import NETWORK, PUBLIC

INSTANCE = "mastodon.social"
PAGE_SIZE = 40  # the statuses endpoint's largest page
_MEDIA = {
    "photo": ["image/jpeg"],
    "carousel": ["image/jpeg", "image/jpeg"],
    "video": ["video/mp4"],
    "reel": ["video/mp4"],
}
_API_MEDIA = {"image/jpeg": "image", "video/mp4": "video"}


def _iso(ts: datetime) -> str:
    return ts.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _second(ts: datetime) -> str:
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _html(text: str, tags: list[str], mentioned: list[str], host: str) -> str:
    """A status's text as Mastodon's HTML: paragraphs, hashtags and mentions as links."""
    out = html.escape(text, quote=False).replace("'", "&#39;")
    for tag in tags:
        link = (
            f'<a href="https://{host}/tags/{tag.lower()}" class="mention hashtag" '
            f'rel="tag">#<span>{html.escape(tag)}</span></a>'
        )
        out = out.replace(f"#{html.escape(tag, quote=False)}", link, 1)
    for who in mentioned:
        user = who.split("@")[0]
        link = (
            f'<span class="h-card"><a href="https://{host}/@{user}" class="u-url mention">'
            f"@<span>{html.escape(user)}</span></a></span>"
        )
        out = out.replace(f"@{html.escape(who, quote=False)}", link, 1)
    paragraphs = [p.replace("\n", "<br />") for p in out.split("\n\n")]
    return "".join(f"<p>{p}</p>" for p in paragraphs)


def _address(handle: str) -> tuple[str, str]:
    user, _, instance = handle.lstrip("@").partition("@")
    return user, instance or INSTANCE


class MastodonDemoWriter(DemoWriter):
    """Writes one simulated account as its archive and its API responses."""

    network = NETWORK

    def write(self, data: DemoAccountData, folder: Path) -> list[Path]:
        user, host = _address(data.handle)
        root = Path(folder) / f"mastodon-{user}"
        archive, api = root / "archive", root / "api"
        archive.mkdir(parents=True, exist_ok=True)
        api.mkdir(parents=True, exist_ok=True)
        actor_uri = f"https://{host}/users/{user}"
        posts = data.posts.sort("posted_at", descending=True).to_dicts()
        first = min((p["posted_at"] for p in posts), default=data.export_date)
        account = {
            "id": str(zlib.crc32(f"{user}@{host}".encode()) + 109000000000000000),
            "username": user,
            "acct": user,
            "display_name": data.museum_name,
            "locked": False,
            "bot": False,
            "discoverable": True,
            "group": False,
            "created_at": _iso(first.replace(hour=0, minute=0, second=0, microsecond=0)),
            "note": f"<p>{html.escape(data.museum_name)}</p>",
            "url": f"https://{host}/@{user}",
            "uri": actor_uri,
            "emojis": [],
            "fields": [],
        }
        self._archive(archive, data, posts, user, host, actor_uri, first)
        self._api(api, data, posts, account, host)
        return [archive, api]

    # -- the archive -----------------------------------------------------------------------
    def _archive(
        self,
        folder: Path,
        data: DemoAccountData,
        posts: list[dict[str, Any]],
        user: str,
        host: str,
        actor_uri: str,
        first: datetime,
    ) -> None:
        followers = f"{actor_uri}/followers"
        actor = {
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": actor_uri,
            "type": "Person",
            "following": f"{actor_uri}/following",
            "followers": followers,
            "inbox": f"{actor_uri}/inbox",
            "outbox": "outbox.json",
            "preferredUsername": user,
            "name": data.museum_name,
            "summary": f"<p>{html.escape(data.museum_name)}</p>",
            "url": f"https://{host}/@{user}",
            "manuallyApprovesFollowers": False,
            "discoverable": True,
            "published": _second(first.replace(hour=0, minute=0, second=0, microsecond=0)),
            "tag": [],
            "attachment": [],
            "icon": {"type": "Image", "mediaType": "image/png", "url": "avatar.png"},
            "likes": "likes.json",
            "bookmarks": "bookmarks.json",
        }
        items: list[dict[str, Any]] = []
        for post in reversed(posts):  # the archive lists the oldest first
            sid = str(post["post_id"])
            at = _second(post["posted_at"])
            if not post["is_own"]:
                other = f"https://mastodon.art/users/demo{zlib.crc32(sid.encode()):08x}"
                items.append(
                    {
                        "id": f"{actor_uri}/statuses/{sid}/activity",
                        "type": "Announce",
                        "actor": actor_uri,
                        "published": at,
                        "to": [PUBLIC],
                        "cc": [other, followers],
                        "object": f"{other}/statuses/9{sid}",
                    }
                )
                continue
            tags = list(post.get("hashtags") or [])
            mentioned = list(post.get("mentions") or [])
            content = _html(post.get("text") or "", tags, mentioned, host)
            lang = post.get("language") or "fr"
            media = _MEDIA.get(str(post.get("kind")), [])
            note: dict[str, Any] = {
                "id": f"{actor_uri}/statuses/{sid}",
                "type": "Note",
                "summary": None,
                "inReplyTo": None,
                "published": at,
                "url": f"https://{host}/@{user}/{sid}",
                "attributedTo": actor_uri,
                "to": [PUBLIC],
                "cc": [followers],
                "sensitive": False,
                "content": content,
                "contentMap": {lang: content},
                "attachment": [
                    {
                        "type": "Document",
                        "mediaType": mt,
                        "url": f"/media_attachments/files/{sid}/{i}.{mt.split('/')[1]}",
                        "name": None,
                    }
                    for i, mt in enumerate(media)
                ],
                "tag": [
                    {"type": "Hashtag", "href": f"https://{host}/tags/{t.lower()}", "name": f"#{t}"}
                    for t in tags
                ]
                + [
                    {
                        "type": "Mention",
                        "href": f"https://{_address(m)[1]}/users/{_address(m)[0]}",
                        "name": f"@{m}",
                    }
                    for m in mentioned
                ],
            }
            items.append(
                {
                    "id": f"{actor_uri}/statuses/{sid}/activity",
                    "type": "Create",
                    "actor": actor_uri,
                    "published": at,
                    "to": [PUBLIC],
                    "cc": [followers],
                    "object": note,
                }
            )
        head = {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": "outbox.json",
            "type": "OrderedCollection",
            "totalItems": len(items),
        }
        # real archives write the key orderedItems twice, an empty list first
        text = json.dumps(head, ensure_ascii=False)[:-1]
        text += ',"orderedItems":[],"orderedItems":'
        text += json.dumps(items, ensure_ascii=False) + "}"
        (folder / "outbox.json").write_text(text, encoding="utf-8")
        (folder / "actor.json").write_text(json.dumps(actor, ensure_ascii=False), "utf-8")
        (folder / "likes.json").write_text(
            json.dumps(
                {
                    "@context": "https://www.w3.org/ns/activitystreams",
                    "id": "likes.json",
                    "type": "OrderedCollection",
                    "orderedItems": [],
                }
            ),
            "utf-8",
        )

    # -- the API responses -----------------------------------------------------------------
    def _api(
        self,
        folder: Path,
        data: DemoAccountData,
        posts: list[dict[str, Any]],
        account: dict[str, Any],
        host: str,
    ) -> None:
        user = account["username"]
        pages = [posts[i : i + PAGE_SIZE] for i in range(0, len(posts), PAGE_SIZE)]
        for n, chunk in enumerate(pages):
            statuses = [self._status(p, account, host, user) for p in chunk]
            seen = max((p["observed_at"] for p in chunk), default=data.export_date)
            page: dict[str, Any] = {"statuses": statuses, OBSERVED_AT_KEY: _iso(seen)}
            (folder / f"statuses-{n + 1:04d}.json").write_text(
                json.dumps(page, ensure_ascii=False), encoding="utf-8"
            )
        for snap in data.followers.sort("observed_at").to_dicts():
            doc: dict[str, Any] = {
                **account,
                "followers_count": int(snap["followers"]),
                "following_count": 120,
                "statuses_count": len(posts),
                OBSERVED_AT_KEY: _iso(snap["observed_at"]),
            }
            name = f"lookup-{snap['observed_at'].astimezone(UTC):%Y%m%dT%H%M%S}.json"
            (folder / name).write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")

    def _status(
        self, post: dict[str, Any], account: dict[str, Any], host: str, user: str
    ) -> dict[str, Any]:
        sid = str(post["post_id"])
        tags = list(post.get("hashtags") or [])
        mentioned = list(post.get("mentions") or [])
        media = [
            {"id": f"{sid}{i}", "type": _API_MEDIA[mt], "url": f"https://files.{host}/{sid}/{i}"}
            for i, mt in enumerate(_MEDIA.get(str(post.get("kind")), []))
        ]
        status: dict[str, Any] = {
            "id": sid,
            "created_at": _iso(post["posted_at"]),
            "in_reply_to_id": None,
            "sensitive": False,
            "spoiler_text": "",
            "visibility": "public",
            "language": post.get("language") or "fr",
            "uri": f"https://{host}/users/{user}/statuses/{sid}",
            "url": f"https://{host}/@{user}/{sid}",
            "replies_count": int(post.get("comments") or 0),
            "reblogs_count": int(post.get("shares") or 0),
            "favourites_count": int(post.get("likes") or 0),
            "content": _html(post.get("text") or "", tags, mentioned, host),
            "reblog": None,
            "account": account,
            "media_attachments": media,
            "mentions": [
                {"acct": m, "username": m.split("@")[0], "url": f"https://{host}/@{m}"}
                for m in mentioned
            ],
            "tags": [{"name": t, "url": f"https://{host}/tags/{t.lower()}"} for t in tags],
            "emojis": [],
            "card": {"url": "https://example.org/", "title": "", "type": "link"}
            if post.get("kind") == "link"
            else None,
            "poll": None,
        }
        if post["is_own"]:
            return status
        other_user = f"demo{zlib.crc32(sid.encode()):08x}"
        other = {
            "id": str(zlib.crc32(other_user.encode())),
            "username": other_user,
            "acct": f"{other_user}@mastodon.art",
            "display_name": "",
            "url": f"https://mastodon.art/@{other_user}",
        }
        boosted = {
            **status,
            "id": f"9{sid}",
            "account": other,
            "uri": f"https://mastodon.art/users/{other_user}/statuses/9{sid}",
            "url": f"https://mastodon.art/@{other_user}/9{sid}",
            "replies_count": zlib.crc32(sid.encode()) % 7,
            "reblogs_count": zlib.crc32(sid.encode()) % 30,
            "favourites_count": zlib.crc32(sid.encode()) % 90,
        }
        return {
            **status,
            "uri": f"https://{host}/users/{user}/statuses/{sid}/activity",
            "url": None,
            "content": "",
            "replies_count": 0,
            "reblogs_count": 0,
            "favourites_count": 0,
            "tags": [],
            "mentions": [],
            "media_attachments": [],
            "card": None,
            "reblog": boosted,
        }
