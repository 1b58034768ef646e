"""Recognizing saved Facebook Graph API responses from their first bytes.

A response is one of: a posts page (``/{page-id}/posts``), an insights response (post or page
metrics, names starting ``post_`` / ``page_``), a page object (``/{page-id}?fields=...``) or
an error response someone saved by mistake.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

from engagecore.plugin import Source

Kind = Literal["posts", "insights", "page", "error", "empty"]

#: How many first bytes classification looks at.
HEAD_SIZE: Final = 16384
#: Members of a folder or zip whose heads detection reads at most (first and last ones).
_DETECT_SAMPLE: Final = 40

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


def top_level_data(text: str) -> re.Match[str] | None:
    """Where ``text`` (a JSON object's opening) has its top-level ``"data": [``, if it has."""
    match = _DATA_KEY.search(text)
    return match if match and _top_level_prefix(text, match.start()) else None


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
            match = top_level_data(quick)
            if match:
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
    match = top_level_data(text)
    if match:
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


def confidence(source: Source) -> float:
    """How sure the heads of the source's files (a sample of a large folder) make us that
    every one is a Graph API response: the least sure file's confidence, 0 if one is not."""
    names = source.names()
    if not names:
        return 0.0
    if source.kind != "file" and not all(n.lower().endswith(".json") for n in names):
        return 0.0  # a mixed folder: let its files be seen one by one
    sample = (
        names
        if len(names) <= _DETECT_SAMPLE
        else (names[: _DETECT_SAMPLE // 2] + names[-_DETECT_SAMPLE // 2 :])
    )
    found = [classify(source.head(n, HEAD_SIZE)) for n in sample]
    if any(c is None for c in found):
        return 0.0
    return min(c.confidence for c in found if c is not None)


def member_head(source: Source, name: str) -> bytes:
    """The first bytes of a member, as many as classification reads."""
    return source.head(name, HEAD_SIZE)


def file_head(path: Path) -> tuple[bytes, os.stat_result]:
    """A file's first bytes (as many as classification reads) and its status, in one open."""
    with path.open("rb", buffering=0) as fh:
        return fh.read(HEAD_SIZE), os.fstat(fh.fileno())
