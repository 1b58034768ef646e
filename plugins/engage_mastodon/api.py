"""Saved Mastodon API responses: ``GET /api/v1/accounts/:id/statuses`` pages and
``GET /api/v1/accounts/lookup?acct=`` accounts.

A source is one response, a JSON array of statuses pages, or a folder or zip of response
files; a file may also be a page ``engage fetch`` saved: ``{"statuses": [...],
"engagecore_observed_at": "..."}``.

* A status of the account is its own post with its counts: ``favourites_count`` → likes,
  ``replies_count`` → comments, ``reblogs_count`` → shares (an absent one is NULL); its
  ``content`` HTML as text, ``language``, hashtags from ``tags[].name``, mentions from
  ``mentions[].acct``, its kind from ``media_attachments[].type`` (a link card without
  media: ``link``), ``created_at`` in UTC.
* A boost is a status whose ``reblog`` holds the boosted status: stored as the account's
  row, ``is_own`` false, its id and time the boost's own, its text, kind, tags and URL the
  boosted status's. Its counts are NULL: the API gives the boost itself zeros, and the
  boosted status's counts belong to that status and its author, not to the museum.
* A direct message (``visibility`` ``direct``) is no post: left out, and counted in the
  import's notes.
* An account (the lookup) gives the account and its ``followers_count`` observed at the
  response's ``engagecore_observed_at``, else the file's time. Its ``created_at`` is the
  account's creation date (``accounts.created_at``).

Statuses pages are read status by status (``JsonStream``). A page whose statuses come from
more than one account (a timeline) is refused: they are not one account's posts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
    count_at,
    detect_each,
    frame,
    member_files,
    modified_at,
    observed_at,
    text_at,
)

from .common import (
    NETWORK,
    account_key,
    address,
    direct_note,
    host_of,
    html_text,
    media_kind,
    parse_time,
    unique,
)

#: status count → model column
COUNTS = (("favourites_count", "likes"), ("replies_count", "comments"), ("reblogs_count", "shares"))
#: a status larger than this is refused (a status is at most a few hundred kB)
MAX_STATUS = 16 * 1024 * 1024


def _detect_member(source: Source, member: str) -> float:
    head = source.head(member, 8192).decode("utf-8", "ignore").lstrip("\ufeff \t\r\n")
    if head.startswith("["):
        statuses = '"favourites_count"' in head or '"reblogs_count"' in head
        return 0.95 if statuses and '"created_at"' in head and '"content"' in head else 0.0
    if not head.startswith("{"):
        return 0.0
    if '"statuses"' in head and ('"favourites_count"' in head or '"statuses":[]' in head):
        return 0.95
    account = '"acct"' in head and '"username"' in head and '"followers_count"' in head
    if account and '"content"' not in head and '"favourites_count"' not in head:
        return 0.9
    return 0.0


@dataclass
class _Collected:
    posts: dict[str, dict[str, Any]] = field(default_factory=dict)
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    hints: dict[str, str] = field(default_factory=dict)
    snapshots: dict[tuple[str, datetime], int] = field(default_factory=dict)
    #: the direct messages left out (ids: a status in two pages is one)
    direct: set[str] = field(default_factory=set)

    def add_account(self, acc: Any, where: str, record: str | None, what: str) -> str:
        if not isinstance(acc, dict):
            raise FormatError(where, f"expected {what} to be an account object", record)
        username = text_at(acc.get("username"), f"{what}.username", where, record)
        acct = text_at(acc.get("acct"), f"{what}.acct", where, record) or username
        url = text_at(acc.get("url"), f"{what}.url", where, record)
        if not acct:
            raise FormatError(where, f"expected {what}.acct, the account's address", record)
        if "@" in acct.lstrip("@"):
            handle = acct.lstrip("@")
        else:
            host = host_of(url)
            if host is None:
                raise FormatError(
                    where,
                    f"expected {what}.url (https://instance/@{acct}) to tell the account's "
                    f"instance, got {url!r}",
                    record,
                )
            handle = address(acct, host)
        key = account_key(handle)
        name = text_at(acc.get("display_name"), f"{what}.display_name", where, record) or None
        created = acc.get("created_at")
        self.accounts[key] = {
            "network": NETWORK,
            "account_id": key,
            "handle": handle,
            "display_name": name,
            # the account's creation (accounts.created_at): the day it joined its instance
            "created_at": None
            if created is None
            else parse_time(created, where, record, f"{what}.created_at"),
        }
        if name:
            self.hints[key] = name
        return key

    def add_post(self, row: dict[str, Any]) -> None:
        old = self.posts.get(row["post_id"])
        if old is None or row["observed_at"] >= old["observed_at"]:
            self.posts[row["post_id"]] = row


def _content(status: dict[str, Any], where: str, record: str, what: str) -> dict[str, Any]:
    """The columns a status gives whoever stores it: text, language, tags, kind, URL."""
    tags = status.get("tags") or []
    mentioned = status.get("mentions") or []
    media = status.get("media_attachments") or []
    if not isinstance(tags, list) or not isinstance(mentioned, list) or not isinstance(media, list):
        raise FormatError(
            where, f"expected {what}.tags, .mentions and .media_attachments to be lists", record
        )
    types = [str(m.get("type") or "") for m in media if isinstance(m, dict)]
    kind = media_kind(types)
    if kind == "text" and isinstance(status.get("card"), dict):
        kind = "link"
    url = text_at(status.get("url"), f"{what}.url", where, record)
    return {
        "text": html_text(text_at(status.get("content"), f"{what}.content", where, record)),
        "language": text_at(status.get("language"), f"{what}.language", where, record),
        "hashtags": unique([str(t.get("name") or "") for t in tags if isinstance(t, dict)]),
        "mentions": unique([str(m.get("acct") or "") for m in mentioned if isinstance(m, dict)]),
        "kind": kind,
        "url": url or text_at(status.get("uri"), f"{what}.uri", where, record),
    }


def _status(status: Any, where: str, record: str, seen: datetime, out: _Collected) -> str | None:
    """Store one status; returns the account whose status it is (None: left out)."""
    if not isinstance(status, dict):
        raise FormatError(where, "expected a status object", record)
    post_id = text_at(status.get("id"), "id", where, record)
    if not post_id:
        raise FormatError(where, "expected a status with an 'id'", record)
    created = parse_time(status.get("created_at"), where, record, "'created_at'")
    actor = out.add_account(status.get("account"), where, record, "account")
    if status.get("visibility") == "direct":
        out.direct.add(post_id)
        return actor
    boosted = status.get("reblog")
    row: dict[str, Any] = {
        "network": NETWORK,
        "post_id": post_id,
        "account_id": actor,
        "posted_at": created,
        "observed_at": seen,
    }
    if isinstance(boosted, dict):
        row.update(_content(boosted, where, record, "reblog"), is_own=False)
        if row["url"] is None:
            row["url"] = text_at(status.get("uri"), "uri", where, record)
    elif boosted is None:
        row.update(_content(status, where, record, "status"), is_own=True)
        for key, column in COUNTS:
            row[column] = count_at(status.get(key), key, where, record)
    else:
        raise FormatError(
            where, f"expected 'reblog' to be a status or null, got {boosted!r}", record
        )
    out.add_post(row)
    return actor


def _statuses(
    doc: JsonStream, where: str, prefix: str, seen: datetime, out: _Collected
) -> set[str]:
    """A statuses page read status by status (after its opening '[')."""
    actors: set[str] = set()
    if doc.peek() == "]":
        doc.take("]")
        return actors
    i = 1
    while True:
        doc.record = f"{prefix}#{i}"
        status = doc.value(MAX_STATUS, "a status")
        actor = _status(status, where, doc.record, seen, out)
        if actor is not None:
            actors.add(actor)
        doc.record = None
        i += 1
        if doc.take(",]") == "]":
            return actors


def _object(obj: Any, source: Source, member: str, out: _Collected) -> set[str]:
    where = source.display(member)
    if not isinstance(obj, dict):
        raise FormatError(where, "expected a statuses page (an array) or an account object")
    seen = observed_at(source, member, obj)
    if "error" in obj and "id" not in obj and "statuses" not in obj:
        raise FormatError(where, f"is a saved API error ({obj.get('error')!r}), not a response")
    if "statuses" in obj:
        statuses = obj["statuses"]
        if not isinstance(statuses, list):
            raise FormatError(where, "expected 'statuses' to be a list of statuses")
        actors = set()
        for i, st in enumerate(statuses, start=1):
            actor = _status(st, where, f"#{i}", seen, out)
            if actor is not None:
                actors.add(actor)
        return actors
    key = out.add_account(obj, where, None, "the account")
    followers = count_at(obj.get("followers_count"), "followers_count", where, key)
    if followers is not None:
        out.snapshots[(key, seen)] = followers
    return set()


class MastodonApiImporter(Importer):
    """Reads saved ``/api/v1/accounts/:id/statuses`` pages and ``/api/v1/accounts/lookup``
    accounts."""

    name = "mastodon-api"
    network = NETWORK
    description = (
        "Mastodon API JSON: /api/v1/accounts/:id/statuses pages (posts with counts, boosts "
        "not own) and /api/v1/accounts/lookup accounts (followers); a response, an array "
        "of pages, or a folder/zip of them"
    )

    def detect(self, source: Source) -> float:
        return detect_each(source, _detect_member)

    def read(self, source: Source, ctx: ReadContext) -> Batch:
        out = _Collected()
        for member in member_files(source, "Mastodon API responses (*.json)"):
            where = source.display(member)
            with source.stream(member) as fh:
                doc = JsonStream(fh, where)
                if doc.peek() == "[":
                    doc.take("[")
                    seen = modified_at(source, member)
                    if doc.peek() == "[":  # an array of pages
                        p = 1
                        while True:
                            doc.take("[")
                            actors = _statuses(doc, where, f"page {p} ", seen, out)
                            _one_account(actors, where, f"page {p}")
                            p += 1
                            if doc.take(",]") == "]":
                                break
                    else:
                        _one_account(_statuses(doc, where, "", seen, out), where, None)
                else:
                    obj = doc.value(MAX_STATUS * 4, "a response")
                    _one_account(_object(obj, source, member, out), where, None)
                doc.end()
        check_named(
            ctx, source.display(), [(a["account_id"], a["handle"]) for a in out.accounts.values()]
        )
        rows = sorted(out.posts.values(), key=lambda r: (r["posted_at"], r["post_id"]))
        snaps = [
            {"network": NETWORK, "account_id": a, "observed_at": t, "followers": n}
            for (a, t), n in sorted(out.snapshots.items())
        ]
        return Batch(
            accounts=frame("accounts", list(out.accounts.values())) if out.accounts else None,
            posts=frame("posts", rows) if rows else pl.DataFrame(schema=POSTS),
            follower_snapshots=frame("follower_snapshots", snaps) if snaps else None,
            museum_hints=dict(out.hints),
            notes=direct_note(len(out.direct)),
            empty_reason=(
                None
                if rows or snaps
                else "the statuses pages hold no status (an account that never posted, "
                "or a page past the last one)"
            ),
        )


def _one_account(actors: set[str], where: str, record: str | None) -> None:
    if len(actors) > 1:
        raise FormatError(
            where,
            f"expected the statuses of one account (/api/v1/accounts/:id/statuses), found "
            f"statuses of {len(actors)} accounts (a timeline?)",
            record,
        )
