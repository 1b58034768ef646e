"""Page objects of the Graph API (``/{page-id}?fields=...``): the account, its names and its
follower count, with the page's ``posts`` edge when it was fetched along."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engagecore.plugin import FormatError, count_at


@dataclass
class Page:
    """A page object: ``{"id", "name", "username", "followers_count", "fan_count"}``."""

    page_id: str
    name: str | None
    username: str | None
    followers: int | None
    observed_at: datetime
    posts: list[Any] | None = None


def parse_page(doc: Any, display: str, observed_at: datetime) -> Page:
    """A page object, with its ``posts`` edge when it was fetched along."""
    if not isinstance(doc, dict) or doc.get("id") in (None, ""):
        raise FormatError(display, "expected a page object with an 'id'")
    followers_raw = doc.get("followers_count", doc.get("fan_count"))
    followers = count_at(followers_raw, "followers_count", display, str(doc["id"]))
    edge = doc.get("posts")
    posts = edge.get("data") if isinstance(edge, dict) else None
    if edge is not None and not isinstance(posts, list):
        raise FormatError(display, "expected 'posts' as {\"data\": [...]}", str(doc["id"]))
    return Page(
        page_id=str(doc["id"]),
        name=doc.get("name"),
        username=doc.get("username"),
        followers=followers,
        observed_at=observed_at,
        posts=posts,
    )
