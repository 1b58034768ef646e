"""Meta Business Suite CSV headers, in every language we know, mapped to one field name.

Headers are compared folded (lowercase, accents stripped, ’ as '), so "Réactions" and
"Reactions" are one alias. Add a language by adding its labels here; nothing else changes.
"""

from __future__ import annotations

from typing import Final

from engage_facebook.kinds import fold

#: field → header labels (English first, then French).
ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "post_id": ("Post ID", "Identifiant de la publication", "ID de la publication"),
    "page_id": ("Page ID", "Identifiant de la Page", "ID de la Page"),
    "page_name": ("Page name", "Nom de la Page"),
    "account_id": ("Account ID", "Identifiant du compte", "ID du compte"),
    "account_username": ("Account username", "Nom d'utilisateur du compte"),
    "account_name": ("Account name", "Nom du compte"),
    "title": ("Title", "Titre"),
    "description": ("Description",),
    "publish_time": ("Publish time", "Heure de publication"),
    "permalink": ("Permalink", "Permalien", "Lien permanent"),
    "post_type": ("Post type", "Type de publication"),
    "is_share": ("Is share", "Est un partage"),
    "date": ("Date",),
    "views": ("Views", "Vues"),
    "impressions": ("Impressions",),
    "reach": ("Reach", "Couverture", "Portée"),
    "reactions": ("Reactions", "Réactions"),
    "likes": ("Likes", "J'aime", "Mentions J'aime"),
    "comments": ("Comments", "Commentaires"),
    "shares": ("Shares", "Partages"),
    "saves": ("Saves", "Enregistrements"),
}

#: Count fields and the POSTS column each fills, per network (Facebook likes = reactions).
COUNTS: Final[dict[str, dict[str, str]]] = {
    "facebook": {
        "reactions": "likes",
        "comments": "comments",
        "shares": "shares",
        "views": "views",
        "impressions": "impressions",
        "reach": "reach",
    },
    "instagram": {
        "likes": "likes",
        "comments": "comments",
        "shares": "shares",
        "saves": "saves",
        "views": "views",
        "impressions": "impressions",
        "reach": "reach",
    },
}

#: Values of "Is share" that mean yes.
YES: Final = frozenset({"yes", "oui", "true", "vrai", "1"})

_BY_LABEL: Final = {fold(label): f for f, labels in ALIASES.items() for label in labels}


def field_of(header: str) -> str | None:
    """The field a header names, or None for a column we do not use."""
    return _BY_LABEL.get(fold(header))


def fields(headers: list[str]) -> dict[str, str]:
    """field → the first header naming it."""
    out: dict[str, str] = {}
    for h in headers:
        f = field_of(h)
        if f is not None and f not in out:
            out[f] = h
    return out
