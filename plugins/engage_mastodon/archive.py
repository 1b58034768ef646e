"""The Mastodon account archive ("Request your archive" in Import and export): a zip (or
its unpacked folder) holding ``actor.json`` (the account, an ActivityPub ``Person``) and
``outbox.json`` (an ActivityPub ``OrderedCollection`` of the account's activities), with
``likes.json``, ``bookmarks.json`` and ``media_attachments/`` beside them (not read).

* A ``Create`` activity is the account's own status: its ``object`` (a ``Note``) gives the
  id (the last part of ``object.id``), ``published`` (UTC), the URL, the text (``content``
  HTML as text; a content warning, ``summary``, is not part of it), the language (the key
  of ``contentMap``), hashtags and mentions from ``tag[]`` (``Hashtag`` and ``Mention``),
  the kind from ``attachment[]`` (media types). A direct message (addressed neither to
  everyone nor to the account's followers) is no post: it is left out, and counted in the
  import's notes (``Batch.notes``).
* An ``Announce`` is a boost: ``is_own`` false, its id the boost's own
  (``…/statuses/ID/activity``), its time the activity's ``published``, its URL the boosted
  status's (``object``, a bare URL); no text.
* The archive holds no counts: likes, comments and shares are NULL, never 0; ``actor.json``
  has no follower count, so no follower snapshot. ``observed_at`` is the file's time.
* Real archives write the key ``orderedItems`` twice in the collection, an empty list
  first: the last one holds the activities, and is the one read (as Python's json does).

``outbox.json`` is streamed activity by activity (``JsonStream``): an archive of years of
posting is read in the memory of one activity. A plain ``outbox.json`` without its
``actor.json`` is read too, the account taken from the activities' ``actor``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import polars as pl

from engagecore.plugin import (
    POSTS,
    Batch,
    FormatError,
    Importer,
    JsonStream,
    ReadContext,
    Source,
    check_named,
    frame,
    observed_at,
    text_at,
)

from .common import (
    NETWORK,
    PUBLIC,
    account_key,
    address,
    direct_note,
    host_of,
    html_text,
    media_kind,
    parse_time,
    status_id,
    unique,
)

OUTBOX = "outbox.json"
ACTOR = "actor.json"
#: an activity larger than this is refused (a status is at most a few hundred kB)
MAX_ACTIVITY = 16 * 1024 * 1024


def _is_outbox(source: Source, name: str) -> bool:
    head = source.head(name, 4096).decode("utf-8", "ignore")
    return '"OrderedCollection' in head and "activitystreams" in head


class MastodonArchiveImporter(Importer):
    """Reads a Mastodon account archive (zip or folder), or its ``outbox.json`` alone."""

    name = "mastodon-archive"
    network = NETWORK
    description = (
        "Mastodon account archive (zip or folder: outbox.json + actor.json): own statuses "
        "and boosts (not own), no counts"
    )

    def detect(self, source: Source) -> float:
        names = source.names()
        if source.kind == "file":
            return 0.9 if source.name == OUTBOX and _is_outbox(source, names[0]) else 0.0
        if OUTBOX in names and ACTOR in names and _is_outbox(source, OUTBOX):
            return 0.95
        return 0.0

    def read(self, source: Source, ctx: ReadContext) -> Batch:
        outbox = OUTBOX if source.kind != "file" else source.names()[0]
        actor = self._actor(source) if source.kind != "file" else None
        seen = observed_at(source, outbox)
        rows, actors, direct = self._outbox(source, outbox, seen, actor)
        if actor is None:
            if len(actors) > 1:
                raise FormatError(
                    source.display(outbox),
                    f"expected the activities of one account, found {len(actors)} actors",
                )
            actor = next(iter(actors.values()), None)
        accounts = [] if actor is None else [actor]
        check_named(ctx, source.display(), [(a["account_id"], a["handle"]) for a in accounts])
        for row in rows:
            assert actor is not None
            row["account_id"] = actor["account_id"]
        rows.sort(key=lambda r: (r["posted_at"], r["post_id"]))
        return Batch(
            accounts=frame("accounts", accounts) if accounts else None,
            posts=frame("posts", rows) if rows else pl.DataFrame(schema=POSTS),
            notes=direct_note(len(direct)),
            museum_hints=(
                {actor["account_id"]: actor["display_name"]}
                if actor is not None and actor["display_name"]
                else {}
            ),
            empty_reason=None
            if rows
            else "the archive holds no status (an account that never posted)",
        )

    # -- actor.json ------------------------------------------------------------------------
    def _actor(self, source: Source) -> dict[str, Any]:
        where = source.display(ACTOR)
        doc = source.read_json(ACTOR)
        if not isinstance(doc, dict):
            raise FormatError(where, "expected an ActivityPub actor object")
        actor_id = text_at(doc.get("id"), "id", where)
        username = text_at(doc.get("preferredUsername"), "preferredUsername", where)
        host = host_of(actor_id) or host_of(doc.get("url"))
        if not username or not host:
            raise FormatError(
                where,
                "expected an actor with 'id' (https://instance/users/NAME) and "
                f"'preferredUsername', got id {actor_id!r}",
            )
        published = doc.get("published")  # the account's creation (accounts.created_at)
        handle = address(username, host)
        return {
            "network": NETWORK,
            "account_id": account_key(handle),
            "handle": handle,
            "display_name": text_at(doc.get("name"), "name", where) or None,
            "created_at": None
            if published is None
            else parse_time(published, where, None, "published"),
            "_uri": actor_id,
        }

    # -- outbox.json -----------------------------------------------------------------------
    def _outbox(
        self, source: Source, name: str, seen: datetime, actor: dict[str, Any] | None
    ) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]], set[str]]:
        """The posts, the actors of the activities and the ids of the direct messages."""
        where = source.display(name)
        rows: list[dict[str, Any]] = []
        actors: dict[str, dict[str, Any]] = {}
        direct: set[str] = set()
        found = False
        with source.stream(name) as fh:
            doc = JsonStream(fh, where)
            doc.take("{")
            if doc.peek() == "}":
                doc.take("}")
            else:
                while True:
                    key = doc.value(4096, "a key")
                    if not isinstance(key, str):
                        raise FormatError(
                            where, f"not valid JSON (a key that is not text: {key!r})"
                        )
                    doc.take(":")
                    if key == "orderedItems":
                        found = True
                        # the key comes twice in real archives: the last list is the one read
                        rows, actors, direct = [], {}, set()
                        self._items(doc, where, seen, actor, rows, actors, direct)
                    elif key == "type":
                        kind = doc.value(4096, "type")
                        if kind not in ("OrderedCollection", "OrderedCollectionPage"):
                            raise FormatError(
                                where,
                                f"expected an ActivityPub OrderedCollection, got type {kind!r}",
                            )
                    else:
                        doc.value(MAX_ACTIVITY, f"the value of {key!r}")
                    if doc.take(",}") == "}":
                        break
            doc.end()
        if not found:
            raise FormatError(where, "expected an OrderedCollection with 'orderedItems'")
        return rows, actors, direct

    def _items(
        self,
        doc: JsonStream,
        where: str,
        seen: datetime,
        actor: dict[str, Any] | None,
        rows: list[dict[str, Any]],
        actors: dict[str, dict[str, Any]],
        direct: set[str],
    ) -> None:
        doc.take("[")
        if doc.peek() == "]":
            doc.take("]")
            return
        index = 0
        while True:
            doc.record = f"orderedItems[{index}]"
            item = doc.value(MAX_ACTIVITY, "an activity")
            row = _activity(item, where, doc.record, seen, actor, actors, direct)
            if row is not None:
                rows.append(row)
            doc.record = None
            index += 1
            if doc.take(",]") == "]":
                return


def _addressed(activity: dict[str, Any], obj: dict[str, Any], followers: str | None) -> bool:
    """Addressed to everyone or to the followers (not a direct message)."""
    seen: list[Any] = []
    for holder in (activity, obj):
        for key in ("to", "cc"):
            value = holder.get(key)
            seen.extend(value if isinstance(value, list) else [value])
    if not any(isinstance(v, str) for v in seen):
        return True  # no addressing at all: nothing says it is private
    return any(v == PUBLIC or (followers and v == followers) for v in seen if isinstance(v, str))


def _activity(
    item: Any,
    where: str,
    record: str,
    seen: datetime,
    actor: dict[str, Any] | None,
    actors: dict[str, dict[str, Any]],
    direct: set[str],
) -> dict[str, Any] | None:
    """One activity's posts row, or None (not a post; a direct message's id goes to
    ``direct``)."""
    if not isinstance(item, dict):
        raise FormatError(where, "expected an activity object", record)
    kind = item.get("type")
    if kind not in ("Create", "Announce"):
        return None  # Update, Delete, Like…: not a post
    actor_uri = item.get("actor")
    if actor is None:
        username = actor_uri.rstrip("/").rsplit("/", 1)[-1] if isinstance(actor_uri, str) else ""
        host = host_of(actor_uri)
        if not username or not host:
            raise FormatError(
                where, f"expected the activity's actor URL, got {actor_uri!r}", record
            )
        handle = address(username, host)
        actors.setdefault(
            str(actor_uri),
            {"network": NETWORK, "account_id": account_key(handle), "handle": handle,
             "display_name": None},
        )  # fmt: skip
    followers = f"{actor_uri}/followers" if isinstance(actor_uri, str) else None
    row: dict[str, Any] = {"network": NETWORK, "observed_at": seen}
    if kind == "Announce":
        target = item.get("object")
        target_url = target.get("url") or target.get("id") if isinstance(target, dict) else target
        post_id = status_id(item.get("id"))
        if post_id is None:
            raise FormatError(
                where,
                f"expected a boost id like …/statuses/ID/activity, got {item.get('id')!r}",
                record,
            )
        row.update(
            post_id=post_id,
            posted_at=parse_time(item.get("published"), where, record, "published"),
            kind="other",  # the boosted status is not in the archive
            is_own=False,
            url=target_url if isinstance(target_url, str) else None,
            hashtags=[],
            mentions=[],
        )
        return row
    obj = item.get("object")
    if not isinstance(obj, dict):
        raise FormatError(where, "expected a Create activity with an 'object'", record)
    if not _addressed(item, obj, followers):
        direct.add(str(obj.get("id") or item.get("id") or record))
        return None
    post_id = status_id(obj.get("id")) or text_at(obj.get("id"), "object.id", where, record)
    if not post_id:
        raise FormatError(where, "expected the status's id (object.id)", record)
    tags = obj.get("tag") or []
    if not isinstance(tags, list):
        tags = [tags]
    hashtags = [
        str(t.get("name") or "").lstrip("#")
        for t in tags
        if isinstance(t, dict) and t.get("type") == "Hashtag"
    ]
    mentioned = [
        str(t.get("name") or "").lstrip("@")
        for t in tags
        if isinstance(t, dict) and t.get("type") == "Mention"
    ]
    media = obj.get("attachment") or []
    types = [
        str(m.get("mediaType") or "")
        for m in (media if isinstance(media, list) else [media])
        if isinstance(m, dict)
    ]
    content_map = obj.get("contentMap")
    language = next(iter(content_map), None) if isinstance(content_map, dict) else None
    url = obj.get("url")
    row.update(
        post_id=post_id,
        posted_at=parse_time(obj.get("published"), where, record, "object.published"),
        kind=media_kind(types),
        is_own=True,
        text=html_text(text_at(obj.get("content"), "object.content", where, record)),
        language=language,
        hashtags=unique(hashtags),
        mentions=unique(mentioned),
        url=url if isinstance(url, str) else obj.get("id"),
    )
    return row
