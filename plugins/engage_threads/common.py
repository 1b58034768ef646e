"""What the Threads importer and demo writer share: the network's name, how a saved Threads
API response is recognised, the metric and media-type vocabularies, times, usernames and age
bands.

The Threads API (``graph.threads.net`` / ``graph.threads.com``) is Meta's Graph API for
Threads: its responses look like Instagram Graph's, so recognising one is about the few
fields only Threads has (``media_product_type`` ``THREADS``, ``TEXT_POST`` / ``REPOST_FACADE``
media, ``is_quote_post``, ``threads_biography``, a ``threads.net`` / ``threads.com``
permalink, the media metrics ``replies`` / ``reposts`` / ``quotes`` and the user metric
``followers_count``). A response holding none of them (insights asking only for ``views``,
``likes`` and ``shares``, a lone ``follower_demographics``) is Instagram's as much as
Threads': it is read as Threads' inside a folder of Threads responses, or with
``--network threads``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from engagecore.plugin import FormatError, ReadContext, Source, given_account

NETWORK_NAME = "threads"

#: Top-level field a saved media insights response may carry to name its media when its
#: metrics have no ``id`` (``"{media-id}/insights/{metric}/lifetime"`` in the real API).
MEDIA_ID_FIELD = "engagecore_media_id"

#: Media insight metric → count column. Threads' ``shares`` (sends of the post's link or in a
#: message) has no column of its own: the store's ``shares`` holds reposts, as on X.
MEDIA_METRICS: dict[str, str] = {
    "views": "views",
    "likes": "likes",
    "replies": "comments",
    "reposts": "shares",
    "quotes": "quotes",
}
#: Every media metric the API has (the ones not in MEDIA_METRICS are read and dropped).
ALL_MEDIA_METRICS = frozenset({*MEDIA_METRICS, "shares"})

#: ``media_type`` → the store's post kind. A repost is ``REPOST_FACADE``: not the
#: account's own post, and its kind is unknown (the reposted post's media is not given).
KINDS: dict[str, str] = {
    "TEXT_POST": "text",
    "IMAGE": "photo",
    "VIDEO": "video",
    "CAROUSEL_ALBUM": "carousel",
    "AUDIO": "other",
    "REPOST_FACADE": "other",
}
REPOST = "REPOST_FACADE"

#: Age buckets of ``follower_demographics`` (breakdown=age), as Instagram's.
AGE_BANDS: dict[str, tuple[int, int | None]] = {
    "13-17": (13, 17),
    "18-24": (18, 24),
    "25-34": (25, 34),
    "35-44": (35, 44),
    "45-54": (45, 54),
    "55-64": (55, 64),
    "65+": (65, None),
}

_WHITESPACE = re.compile(rb"\s+")
#: Fields and values only a Threads response has (whitespace removed).
_STRONG = re.compile(
    rb'"media_product_type":"THREADS"'
    rb'|"media_type":"(?:TEXT_POST|REPOST_FACADE)"'
    rb'|"is_quote_post":'
    rb'|"threads_biography"|"threads_profile_picture_url"'
    rb'|"permalink":"https://(?:www\.)?threads\.(?:net|com)/'
    rb'|"id":"\d+/insights/(?:replies|reposts|quotes|followers_count)/'
    rb'|"name":"(?:followers_count|reposts|quotes)"'
    rb'|"engagecore_media_id":'
)
#: Shapes a Threads response shares with Instagram Graph's.
_WEAK = re.compile(
    rb'"id":"\d+/insights/(?:views|likes|shares|follower_demographics)/'
    rb'|"name":"follower_demographics"'
    rb'|^\[?\{"data":\[\]'
)


def squashed_head(source: Source, name: str, size: int = 16384) -> bytes:
    """The first bytes of a member without whitespace, for the signature checks."""
    return _WHITESPACE.sub(b"", source.head(name, size))


def signature(head: bytes) -> float:
    """How surely whitespace-free first bytes are a Threads API response: 0.95 for a field
    only Threads has, 0.5 for a Graph shape Threads shares with Instagram, else 0."""
    if _STRONG.search(head):
        return 0.95
    if _WEAK.search(head):
        return 0.5
    return 0.0


def parse_time(value: Any, what: str, where: str, record: str | int | None) -> datetime:
    """A Threads timestamp ("2024-07-01T12:00:00+0000") as an aware UTC datetime; a time
    without a zone is refused (the API always writes one)."""
    if not isinstance(value, str) or not value.strip():
        raise FormatError(
            where,
            f"expected {what} as an ISO 8601 time like 2024-07-01T12:00:00+0000, got {value!r}",
            record,
        )
    try:
        ts = datetime.fromisoformat(value.strip())
    except ValueError:
        raise FormatError(
            where,
            f"expected {what} as an ISO 8601 time like 2024-07-01T12:00:00+0000, got {value!r}",
            record,
        ) from None
    if ts.tzinfo is None:
        raise FormatError(where, f"expected {what} with a zone (like +0000), got {value!r}", record)
    try:
        return ts.astimezone(UTC)
    except OverflowError:  # year 1 or 9999 shifted out of range by its zone
        raise FormatError(
            where, f"expected {what} as a plausible time, got {value!r}", record
        ) from None


def username(value: str) -> str:
    """A Threads username as stored: no '@', lower case (Threads usernames are Instagram's,
    which are case-insensitive)."""
    return value.strip().lstrip("@").strip().lower()


def account_option(ctx: ReadContext) -> str | None:
    """``--account`` as a Threads username, or None."""
    given = given_account(ctx)
    return username(given) if given else None


def age_bounds(band: str, where: str, record: str | int | None) -> tuple[str, int, int | None]:
    """(band, age_min, age_max) of a ``follower_demographics`` age bucket."""
    key = band.strip().replace(" ", "")
    if key in AGE_BANDS:
        lo, hi = AGE_BANDS[key]
        return key, lo, hi
    raise FormatError(
        where,
        f"follower_demographics: expected an age bucket among {', '.join(AGE_BANDS)}, got {band!r}",
        record,
    )
