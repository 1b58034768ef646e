"""What the Mastodon importers, the fetcher and the demo writer share: account ids, status
ids, HTML content as text, media as a post kind, times.

Ids. An account's ``account_id`` is its address ``user@instance`` in lower case (Mastodon
usernames are unique regardless of case; the instance is the host of the account's pages):
the archive gives no numeric id, and an API's numeric id is only its own instance's. The
``handle`` is the same address as the server spells it (``CentrePompidou@mastodon.social``).
A status's ``post_id`` is its id on the account's own instance, the last part of its URI
(``https://mastodon.social/users/louvre/statuses/111…``): the archive and the instance's API
give the same one; a boost's is the id of the boost itself (``…/statuses/113…/activity``
in the archive, the wrapping status's ``id`` in the API).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

from engagecore.plugin import FormatError, unescape

NETWORK = "mastodon"
#: Mastodon's first release (October 2016): nothing on it is older.
LAUNCHED = date(2016, 10, 5)
#: ActivityStreams' address of "everyone": a status addressed to it is public or unlisted.
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"

_STATUS_ID = re.compile(r"/(?:statuses|notes|objects|p/[^/]+)/([^/?#]+)(?:/activity)?/?$")
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_PARAGRAPH = re.compile(r"</p>\s*<p[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


def address(username: str, host: str) -> str:
    """``user@instance`` from a username and a host."""
    return f"{username.lstrip('@')}@{host.lower()}"


def account_key(handle: str) -> str:
    """The ``account_id`` of an address: lower case."""
    return handle.lower()


def host_of(url: Any) -> str | None:
    """The host of a URL (``https://mastodon.social/@louvre`` → ``mastodon.social``)."""
    if not isinstance(url, str) or not url:
        return None
    host = urlsplit(url).hostname
    return host.lower() if host else None


def status_id(uri: Any) -> str | None:
    """A status's id on its instance from its URI (``…/statuses/111``, a boost's
    ``…/statuses/113/activity``); None when the URI has no such part."""
    if not isinstance(uri, str):
        return None
    m = _STATUS_ID.search(uri)
    return m.group(1) if m else None


def html_text(html: Any) -> str | None:
    """A status's HTML content as the text people read: paragraphs separated by a blank
    line, ``<br>`` as a line break, tags dropped, entities decoded; None when empty."""
    if not isinstance(html, str) or not html.strip():
        return None
    text = _PARAGRAPH.sub("\n\n", html)
    text = _BREAK.sub("\n", text)
    text = _TAG.sub("", text)
    out = unescape(text)
    return out.strip() or None if out is not None else None


def media_kind(types: list[str]) -> str:
    """The post kind of a status's media: none → text, a video (or an animated GIF, which
    Mastodon stores as a video) → video, one image → photo, several → carousel."""
    if not types:
        return "text"
    if any(t.startswith("video") or t == "gifv" for t in types):
        return "video" if len(types) == 1 else "carousel"
    if all(t.startswith("image") for t in types):
        return "photo" if len(types) == 1 else "carousel"
    return "other"


def parse_time(value: Any, where: str, record: str | None, what: str) -> datetime:
    """An ISO 8601 time (``2024-05-02T10:15:00.123Z``) as an aware UTC datetime; one without
    a zone is UTC (Mastodon writes every time in UTC)."""
    if isinstance(value, str) and value:
        try:
            ts = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)
    raise FormatError(where, f"expected {what} as an ISO 8601 time, got {value!r}", record)


def unique(items: list[str]) -> list[str]:
    """In order, without duplicates."""
    return list(dict.fromkeys(i for i in items if i))


def direct_note(n: int) -> list[str]:
    """The import's note of the ``n`` direct messages left out (``Batch.notes``), if any."""
    if not n:
        return []
    if n == 1:
        return [
            "1 direct message (private mention) left out: addressed only to the accounts it "
            "mentions, it is no post"
        ]
    return [
        f"{n:,} direct messages (private mentions) left out: addressed only to the accounts "
        "they mention, they are no posts"
    ]
