"""What the Bluesky importers and the demo writer share: AT URIs, times, a post record's
text, kind, hashtags and mentions, and loading a saved XRPC response.

Ids. A post's ``post_id`` is its record key (``RKEY`` in ``at://did/app.bsky.feed.post/RKEY``,
the last part of its web URL ``https://bsky.app/profile/{handle}/post/{rkey}``); its
``account_id`` is its author's DID (``did:plc:…``), which, unlike the handle, never changes.

Times. ``record.createdAt`` is written by the posting client and may be anything: posts
imported from another network keep their old dates ("backdated"), a device with a wrong clock
dates its posts ahead. The feed (``getAuthorFeed``) and the repository export (CAR) must give
one post the same ``posted_at`` (the store keeps the first it is given: two rules would leave it
to the order of the imports), so the rule uses what both hold, the record and its key
(:func:`when_posted`):

1. ``createdAt``, when it lies after Bluesky's launch (:data:`LAUNCHED`) and no more than a
   day after the time the record key encodes;
2. otherwise the time the record key encodes: a post's key is a TID (:func:`tid_time`), the
   time its record was written, to the microsecond (a backdated import appeared on Bluesky
   then, which is what the adoption timeline must count);
3. a key that dates nothing after the launch (not a TID, or one minted from the old date):
   the feed falls back on ``indexedAt`` (when Bluesky first saw the post), which the CAR
   lacks; the CAR refuses such a post (module ``repo``).

A repost by the account is dated by its own record key likewise (the repost's TID, the time
it was reposted, never the original post's): the feed gives the key in ``reason.uri`` (since
late 2024), the CAR is the record. An older feed page without ``reason.uri`` dates it by
``reason.indexedAt`` (the same moment, to a second or so). Both importers name a repost
``repost:{author did}/{post rkey}`` after the post it reposts (an account reposts a post once:
the network refuses a second repost of the same post), so that a feed page of either age and
the CAR store it as one row.

Hashtags and mentions come from the record's ``facets`` (rich-text annotations whose
``index`` is a range of **UTF-8 byte** offsets into the text) and ``tags`` (tags given
without appearing in the text), not from the text: a ``#word`` the client did not annotate is
no hashtag on Bluesky. A mention facet carries the DID; the handle is the text it annotates.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

from engagecore.plugin import FormatError, Source, text_at

NETWORK = "bluesky"
#: The team's first posts (private beta, November 2022); the app opened to invites in
#: February 2023. Nothing on Bluesky is older, whatever a client writes in ``createdAt``.
LAUNCHED = date(2022, 11, 1)
WEB_URL = "https://bsky.app/profile/{actor}/post/{rkey}"
POST = "app.bsky.feed.post"
REPOST = "app.bsky.feed.repost"
REASON_REPOST = "app.bsky.feed.defs#reasonRepost"
REASON_PIN = "app.bsky.feed.defs#reasonPin"
FACET_TAG = "app.bsky.richtext.facet#tag"
FACET_MENTION = "app.bsky.richtext.facet#mention"
#: A handle the AppView could not verify: the web app links such an account by its DID.
INVALID_HANDLE = "handle.invalid"

#: ``embed`` types (of a post view, ``…#view``, or of a record) → the model's post kind.
EMBED_KINDS = {
    "app.bsky.embed.images": "photo",
    "app.bsky.embed.video": "video",
    "app.bsky.embed.external": "link",
    "app.bsky.embed.record": "text",  # a quote post: its own content is its text
}


def load(source: Source, member: str, item_key: str) -> Any:
    """A saved response, parsed. A file cut short (or otherwise not JSON) is a
    :class:`FormatError` naming the file and the ``item_key`` record it breaks in
    (``feed[41]``), counted from the records that opened before the break."""
    where = source.display(member)
    text = source.read_text(member)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        listed = f'"{_LIST_OF[item_key]}"' in text[: exc.pos]  # a getProfile has no list
        opened = text.count(f'"{item_key}"', 0, exc.pos) if listed else 0
        record = f"{_LIST_OF[item_key]}[{opened - 1}]" if opened else None
        # a string left open runs to the end of the file: cut short there too
        cut = exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string")
        what = "the file ends inside it (cut short?)" if cut else exc.msg
        raise FormatError(
            where,
            f"expected a whole JSON response: {what} at line {exc.lineno} column {exc.colno}",
            record,
        ) from None


#: The key that opens each record → the list it is an item of (for messages).
_LIST_OF = {"post": "feed", "did": "profiles"}


def split_uri(uri: Any, where: str, record: str) -> tuple[str, str, str]:
    """``at://did/collection/rkey`` → (did, collection, rkey)."""
    parts = uri.removeprefix("at://").split("/") if isinstance(uri, str) else []
    if not (isinstance(uri, str) and uri.startswith("at://") and len(parts) == 3 and all(parts)):
        raise FormatError(
            where, f"expected an AT URI like at://did:plc:…/{POST}/RKEY, got {uri!r}", record
        )
    return parts[0], parts[1], parts[2]


def parse_time(value: Any, where: str, record: str, what: str) -> datetime:
    """An AT Protocol datetime ("2024-11-20T10:15:30.123Z") as an aware UTC datetime; one
    without a zone is UTC (the lexicon requires a zone: only programs omit it)."""
    if isinstance(value, str) and value:
        try:
            ts = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)
    raise FormatError(where, f"expected {what} as an ISO 8601 date-time, got {value!r}", record)


#: TID characters (base32, sortable), most significant first.
_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
#: How far ``createdAt`` may lie after the record's own time (a client's clock ahead).
CLOCK_SLACK = timedelta(days=1)


def launched_at() -> datetime:
    """Bluesky's launch (:data:`LAUNCHED`) as a UTC time."""
    return datetime(LAUNCHED.year, LAUNCHED.month, LAUNCHED.day, tzinfo=UTC)


def tid_time(rkey: str) -> datetime | None:
    """The time a TID record key encodes (microseconds since 1970, then a clock id), or None
    when the key is not a TID."""
    if len(rkey) != 13 or any(c not in _TID_ALPHABET for c in rkey):
        return None
    n = 0
    for c in rkey:
        n = n * 32 + _TID_ALPHABET.index(c)
    if n >> 63:
        return None
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=n >> 10)


def key_time(rkey: str) -> datetime | None:
    """When a record was written, from its key: its TID time, if it lies after the launch."""
    written = tid_time(rkey)
    return written if written is not None and written >= launched_at() else None


def when_posted(created: datetime, rkey: str, indexed: datetime | None = None) -> datetime | None:
    """A post's ``posted_at`` by the rule of the module docstring: ``createdAt`` unless it
    is before the launch or more than a day after the key's time, then the key's time; a key
    that dates nothing: ``indexedAt`` (the feed), else None (the CAR cannot date the post)."""
    written = key_time(rkey)
    if written is not None:
        return written if created < launched_at() or created > written + CLOCK_SLACK else created
    if indexed is not None:
        return indexed if created < launched_at() or created > indexed + CLOCK_SLACK else created
    return created if created >= launched_at() else None


def repost_id(post_did: str, post_rkey: str) -> str:
    """The ``post_id`` of a repost row: after the post it reposts (module docstring)."""
    return f"repost:{post_did}/{post_rkey}"


def web_url(handle: str | None, did: str, rkey: str) -> str:
    """The post's page on bsky.app (by DID when the handle is unknown or invalid)."""
    actor = handle if handle and handle != INVALID_HANDLE else did
    return WEB_URL.format(actor=actor, rkey=rkey)


def embed_kind(embed: Any) -> str:
    """The post kind of an ``embed`` (view or record); no embed is a text post."""
    if not isinstance(embed, dict):
        return "text"
    kind = str(embed.get("$type", "")).removesuffix("#view")
    if kind == "app.bsky.embed.recordWithMedia":
        return embed_kind(embed.get("media"))
    return EMBED_KINDS.get(kind, "other")


def tags_and_mentions(
    text: str, facets: Any, tags: Any, where: str, record: str
) -> tuple[list[str], list[str]]:
    """Hashtags (without '#') from tag facets then ``tags``, and mentioned handles (without
    '@') from mention facets, each in order without duplicates.

    A mention's handle is the UTF-8 byte range its facet annotates; a range that is not the
    text of an ``@handle`` (clients have written wrong offsets) gives the mention's DID.
    """
    if facets is None:
        facets = []
    if not isinstance(facets, list):
        raise FormatError(where, "expected record.facets to be a list", record)
    raw = text.encode("utf-8")
    hashtags: list[str] = []
    mentioned: list[str] = []
    for i, facet in enumerate(facets):
        features = facet.get("features") if isinstance(facet, dict) else None
        index = facet.get("index") if isinstance(facet, dict) else None
        if not isinstance(features, list) or not isinstance(index, dict):
            raise FormatError(
                where, f"expected record.facets[{i}] with an 'index' and 'features'", record
            )
        for feature in features:
            kind = feature.get("$type") if isinstance(feature, dict) else None
            if kind == FACET_TAG:
                tag = text_at(feature.get("tag"), f"record.facets[{i}] tag", where, record)
                if tag and tag.lstrip("#"):
                    hashtags.append(tag.lstrip("#"))
            elif kind == FACET_MENTION:
                mentioned.append(_mention(raw, index, feature, where, record, i))
    if tags is not None:
        if not isinstance(tags, list):
            raise FormatError(where, "expected record.tags to be a list of strings", record)
        for tag in tags:
            value = text_at(tag, "record.tags", where, record)
            if value and value.lstrip("#"):
                hashtags.append(value.lstrip("#"))
    return list(dict.fromkeys(hashtags)), list(dict.fromkeys(mentioned))


def _mention(
    raw: bytes, index: dict[str, Any], feature: dict[str, Any], where: str, record: str, i: int
) -> str:
    did = text_at(feature.get("did"), f"record.facets[{i}] mention did", where, record)
    start, end = index.get("byteStart"), index.get("byteEnd")
    if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(raw):
        try:
            handle = raw[start:end].decode("utf-8")
        except UnicodeDecodeError:  # the range cuts a character: wrong offsets
            handle = ""
        if handle.startswith("@") and len(handle) > 1 and not any(c.isspace() for c in handle):
            return handle[1:]
    if not did:
        raise FormatError(where, f"expected record.facets[{i}] mention to name a did", record)
    return did


def record_text(record: Any, where: str, rec: str) -> str:
    """A post record's text ("" when it has none, e.g. an image post without caption)."""
    if not isinstance(record, dict):
        raise FormatError(where, f"expected a {POST} record object", rec)
    return text_at(record.get("text"), "record.text", where, rec) or ""


def language(record: dict[str, Any]) -> str | None:
    """The first of the record's ``langs`` (BCP 47 tags), if any."""
    langs = record.get("langs")
    if isinstance(langs, list) and langs and isinstance(langs[0], str) and langs[0]:
        return langs[0]
    return None
