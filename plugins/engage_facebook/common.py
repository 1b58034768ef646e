"""What the Facebook plugin's importers and demo writer share: Facebook's vocabularies.

Post kinds: the Graph API describes a post by ``status_type`` and by its first attachment's
``type``; Business Suite exports by a localized "Post type" label. The tables here are the
single place that knows them, used by the importers and (inverted) by the demo writer. Also
here: the Graph API's post insight metric names, its time format and the largest post read.
This is the only module whose constants the plugin's other modules import.
"""

from __future__ import annotations

from typing import Final

from engagecore.plugin import fold

#: Post insight metric names per count column, newest name first (old responses stay valid).
POST_METRICS: Final = {
    "impressions": ("post_impressions",),
    "reach": ("post_total_media_view_unique", "post_impressions_unique"),
    "views": ("post_media_view", "views"),
}

#: How the Graph API writes a time ("2026-04-06T17:50:09+0000").
TIME_FORMAT: Final = "%Y-%m-%dT%H:%M:%S%z"

#: The largest post the streamed reader accepts (DuckDB's default ``maximum_object_size``):
#: a real post is a few KB; a larger one is refused rather than read with its whole file.
MAX_POST_BYTES: Final = 16 * 1024 * 1024

#: Graph ``attachments.data[0].type`` → kind (the most specific clue, checked first).
ATTACHMENT_KINDS: Final = {
    "photo": "photo",
    "cover_photo": "photo",
    "profile_media": "photo",
    "animated_image_share": "photo",
    "album": "carousel",
    "new_album": "carousel",
    "multi_photos": "carousel",
    "multi_share": "carousel",
    "video": "video",
    "video_inline": "video",
    "video_autoplay": "video",
    "video_direct_response": "video",
    "animated_image_video": "video",
    "live_video": "live",
    "share": "link",
    "link": "link",
    "note": "text",
    "status": "text",
    "event": "other",
    "native_templates": "other",
}

#: Graph ``status_type`` → kind, when the post has no attachment we know.
STATUS_KINDS: Final = {
    "added_photos": "photo",
    "added_video": "video",
    "shared_story": "link",
    "mobile_status_update": "text",
    "created_note": "text",
    "wall_post": "text",
    "created_event": "other",
}

#: What the demo writer writes for each kind: (status_type, attachment type or None).
GRAPH_SHAPES: Final = {
    "photo": ("added_photos", "photo"),
    "carousel": ("added_photos", "album"),
    "video": ("added_video", "video_inline"),
    "reel": ("added_video", "video_inline"),  # with a /reel/ permalink
    "live": ("added_video", "live_video"),
    "link": ("shared_story", "share"),
    "text": ("mobile_status_update", None),
    "story": ("created_event", "event"),  # Page stories are not in /posts: read back as other
    "other": ("created_event", "event"),
}

#: Keywords of Business Suite "Post type" labels (English and French, accents stripped),
#: tried in order: "IG carousel" is a carousel, "Reel vidéo" a reel.
LABEL_KEYWORDS: Final = (
    ("carousel", "carousel"),
    ("carrousel", "carousel"),
    ("album", "carousel"),
    ("reel", "reel"),
    ("stor", "story"),
    ("live", "live"),
    ("direct", "live"),
    ("video", "video"),
    ("photo", "photo"),
    ("image", "photo"),
    ("link", "link"),
    ("lien", "link"),
    ("text", "text"),
    ("statu", "text"),
)


def kind_of_label(label: str | None) -> str:
    """The kind of a Business Suite "Post type" label ("Photo", "IG reel", "Vidéo")."""
    if not label:
        return "other"
    folded = fold(label)
    for keyword, kind in LABEL_KEYWORDS:
        if keyword in folded:
            return kind
    return "other"
