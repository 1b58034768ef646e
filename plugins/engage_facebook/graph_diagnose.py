"""Naming what is wrong in a posts page DuckDB refused: the file, the post and the field.

Only the error path comes here, so parsing the (small) file in Python is fine.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Final

#: The largest file the error path will parse in Python to name the bad record.
_LOCATE_LIMIT: Final = 64 * 1024 * 1024

_EXPECTED_TYPES: Final = {
    "id": (str,),
    "message": (str,),
    "created_time": (str,),
    "permalink_url": (str,),
    "status_type": (str,),
    "parent_id": (str,),
    "from": (dict,),
    "shares": (dict,),
    "reactions": (dict,),
    "likes": (dict,),
    "comments": (dict,),
    "attachments": (dict,),
    "insights": (dict,),
}


def locate_bad_record(path: Path) -> tuple[int | str | None, str | None]:
    """Name the first post of a small unreadable page whose fields have the wrong type.

    Only used once DuckDB has refused the file, so the per-post Python work is on the error
    path alone.
    """

    if path.stat().st_size > _LOCATE_LIMIT:
        return None, None
    try:
        doc = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        return None, f"not valid JSON ({exc})"
    data = doc.get("data") if isinstance(doc, dict) else None
    if not isinstance(data, list):
        return None, "expected a top-level 'data' array of posts"
    for i, post in enumerate(data):
        label: int | str = i
        if not isinstance(post, dict):
            return label, f"expected a post object, got {type(post).__name__}"
        if isinstance(post.get("id"), str):
            label = f"{i} (id {post['id']})"
        for key, types in _EXPECTED_TYPES.items():
            value = post.get(key)
            if value is not None and not isinstance(value, types):
                return label, f"field {key!r}: expected {types[0].__name__}, got {value!r:.60}"
        for key in ("shares", "reactions", "likes", "comments"):
            value = post.get(key)
            count = (
                (value.get("summary") or {}).get("total_count")
                if key != "shares" and isinstance(value, dict)
                else (value or {}).get("count")
            )
            if count is not None and not isinstance(count, int):
                return label, f"field {key!r}: expected an integer count, got {count!r:.60}"
    return None, None
