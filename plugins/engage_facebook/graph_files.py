"""Recognizing saved Facebook Graph API responses from their first bytes, and locating the
``data`` array of a large posts page so DuckDB can stream it.

A response is one of: a posts page (``/{page-id}/posts``), an insights response (post or page
metrics, names starting ``post_`` / ``page_``), a page object (``/{page-id}?fields=...``) or
an error response someone saved by mistake.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

Kind = Literal["posts", "insights", "page", "error", "empty"]

#: How many first bytes classification looks at.
HEAD_SIZE: Final = 16384

_DATA_KEY = re.compile(r'"data"\s*:\s*\[\s*')
_FB_TIME = re.compile(r'"created_time"\s*:\s*"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}"')
_POST_ID = re.compile(r'"id"\s*:\s*"\d+_\d+"')
_METRIC_START = re.compile(r'\{\s*"name"\s*:\s*"(?:post|page)_')
_PAGE_FIELD = re.compile(r'"(?:fan_count|followers_count)"\s*:')
# Fields only an Instagram user object has: such a file is the Instagram plugin's.
_IG_USER_FIELD = re.compile(r'"(?:media_count|ig_id|biography|follows_count)"\s*:')
_FB_LINK = re.compile(r'"link"\s*:\s*"https://www\.facebook\.com/')
_DECODER: Final = json.JSONDecoder()


@dataclass(frozen=True)
class Classified:
    """What a file is, and how sure its first bytes make us."""

    kind: Kind
    confidence: float


def _text(head: bytes) -> str:
    return head.decode("utf-8", "ignore").lstrip("\ufeff \t\r\n")


def _top_level_prefix(text: str, start: int) -> bool:
    """Whether ``text[:start]`` is the opening of a JSON object (so a key there is top-level)."""
    prefix = text[:start].rstrip().rstrip(",")
    try:
        return isinstance(json.loads(prefix + "}"), dict)
    except (ValueError, RecursionError):  # nested too deep: not a response
        return False


def _first_element(text: str, at: int) -> dict[str, Any] | None:
    """The first element of an array whose contents begin at ``at``, if the head holds it."""
    if at >= len(text) or text[at] != "{":
        return None
    try:
        value, _ = _DECODER.raw_decode(text, at)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


#: Bytes decoded first: enough for a page's first post or metric, which settles most files.
_QUICK_SIZE: Final = 4096
_ERROR_START = re.compile(r'\{\s*"error"\s*:\s*\{')


def classify(head: bytes) -> Classified | None:
    """Classify a JSON file from its first bytes; None when it is no Facebook Graph response."""
    if len(head) > _QUICK_SIZE:
        # The same answer as from the whole head whenever the first element of the data
        # array is complete in the first bytes (the answer depends on nothing after it).
        quick = _text(head[:_QUICK_SIZE])
        if quick.startswith("{") and not _ERROR_START.match(quick):
            match = _DATA_KEY.search(quick)
            if match and _top_level_prefix(quick, match.start()):
                first = _first_element(quick, match.end())
                if first is not None:
                    return _by_first_element(first)
    return _classify(_text(head))


def _by_first_element(first: dict[str, Any]) -> Classified | None:
    name = first.get("name")
    if isinstance(name, str) and ("values" in first or "period" in first):
        ok = re.match(r"(?:post|page)_", name) is not None
        return Classified("insights", 0.95) if ok else None
    if "created_time" in first:
        post_id = str(first.get("id", ""))
        sure = re.fullmatch(r"\d+_\d+", post_id) is not None
        return Classified("posts", 0.95 if sure else 0.7)
    return None


def _classify(text: str) -> Classified | None:
    if not text.startswith("{"):
        return None
    if _ERROR_START.match(text) and '"fbtrace_id"' in text:
        return Classified("error", 0.5)
    match = _DATA_KEY.search(text)
    if match and _top_level_prefix(text, match.start()):
        at = match.end()
        if text[at : at + 1] == "]":
            return Classified("empty", 0.3)
        first = _first_element(text, at)
        if first is not None:
            return _by_first_element(first)
        # The first element is longer than the head: fall back on patterns.
        rest = text[at:]
        if _METRIC_START.match(rest):
            return Classified("insights", 0.9)
        if _FB_TIME.search(rest):
            return Classified("posts", 0.95 if _POST_ID.search(rest) else 0.7)
        return None
    if _PAGE_FIELD.search(text) and not _IG_USER_FIELD.search(text):
        edge = _FB_TIME.search(text) is not None and _POST_ID.search(text) is not None
        sure = '"fan_count"' in text or _FB_LINK.search(text) is not None or edge
        return Classified("page", 0.9 if sure else 0.6)
    return None


@dataclass(frozen=True)
class ArraySpan:
    """Where the top-level ``data`` array of a posts page lies, and the other top-level keys."""

    start: int  # offset of '['
    end: int  # offset just past ']'
    meta: dict[str, Any]


_WINDOWS: Final = (4096, 65536, 1 << 20)


def array_span(path: Path) -> ArraySpan | None:
    """Locate ``{"data": [ ... ], ...}``'s array without parsing the whole file.

    The head must open an object whose top-level key ``data`` holds an array; the array ends
    at the leftmost ``]`` of the tail after which the rest of the file validly closes that
    object (a ``]`` inside the array or inside a string cannot). None when the file is not so
    shaped; DuckDB then checks the slice itself, so a wrong guess cannot pass silently.
    """
    size = path.stat().st_size
    with path.open("rb") as fh:
        head = fh.read(min(size, 65536)).decode("utf-8", "ignore")
        bom = 3 if head.startswith("\ufeff") else 0
        text = head[1:] if bom else head
        match = _DATA_KEY.search(text)
        if not match or not text.lstrip().startswith("{"):
            return None
        if not _top_level_prefix(text, match.start()):
            return None
        bracket = text.index("[", match.start())
        prefix_text = text[:bracket]
        start = len(prefix_text.encode("utf-8")) + bom
        head_meta = json.loads(prefix_text[: match.start()].rstrip().rstrip(",") + "}")
        for window in _WINDOWS:
            offset = max(start + 1, size - window)
            fh.seek(offset)
            tail = fh.read(size - offset)
            found = _leftmost_close(tail)
            if found is not None:
                pos, tail_meta = found
                return ArraySpan(start, offset + pos + 1, {**head_meta, **tail_meta})
            if offset == start + 1:
                break
    return None


_WS: Final = " \t\r\n"


def _leftmost_close(tail: bytes) -> tuple[int, dict[str, Any]] | None:
    """The byte offset in ``tail`` of the ``]`` closing the data array, and the members after.

    Candidates are tried right to left without copying the tail: each is checked by parsing
    what follows it in place, which fails within a post or two for a ``]`` inside the array.
    """
    text = tail.decode("utf-8", "surrogateescape")
    best: tuple[int, dict[str, Any]] | None = None
    pos = text.rfind("]")
    while pos >= 0:
        k = pos - 1
        while k >= 0 and text[k] in _WS:
            k -= 1
        if k < 0 or text[k] in "}[":
            meta = _object_rest(text, pos + 1)
            if meta is not None:
                best = (pos, meta)
        pos = text.rfind("]", 0, pos)
    if best is None:
        return None
    return len(text[: best[0]].encode("utf-8", "surrogateescape")), best[1]


def _skip_ws(text: str, i: int) -> int:
    while i < len(text) and text[i] in _WS:
        i += 1
    return i


def _object_rest(text: str, i: int) -> dict[str, Any] | None:
    """``text[i:]`` parsed as the end of an object: ``(, "key": value)* }`` and nothing else."""
    members: dict[str, Any] = {}
    i = _skip_ws(text, i)
    while i < len(text) and text[i] == ",":
        i = _skip_ws(text, i + 1)
        try:
            key, i = _DECODER.raw_decode(text, i)
            i = _skip_ws(text, i)
            if not isinstance(key, str) or text[i : i + 1] != ":":
                return None
            value, i = _DECODER.raw_decode(text, _skip_ws(text, i + 1))
        except (ValueError, RecursionError):
            return None
        members[key] = value
        i = _skip_ws(text, i)
    if text[i : i + 1] == "}" and _skip_ws(text, i + 1) == len(text):
        return members
    return None
