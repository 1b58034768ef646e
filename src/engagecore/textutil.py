"""Shared helpers for plugins: text repair, locale numbers, hashtags and frame building.

These live in the core because every network needs them; they know no network.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

from engagecore import schema

# A hashtag: '#' then letters/digits/underscore, Unicode-aware (accents, CJK), not after a word
# character (so "C#" or "page#3" are not tags). Same rule for @mentions.
HASHTAG_PATTERN = r"(?:^|[^\w&/])#(\w*[^\W\d]\w*)"
MENTION_PATTERN = r"(?:^|[^\w/])@(\w{1,30}(?:\.\w+)*)"
_HASHTAG_RE = re.compile(HASHTAG_PATTERN)
_MENTION_RE = re.compile(MENTION_PATTERN)


def fix_mojibake(s: str) -> str:
    """Repair Meta's export encoding: UTF-8 bytes written as ``\\u00XX`` escapes.

    "Mus\\u00c3\\u00a9e" → "Musée". A string with any code point ≥ 256, or whose bytes are not
    valid UTF-8, is returned unchanged (it was not mangled).
    """
    if s.isascii():
        return s
    try:
        return s.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return s


def fix_mojibake_deep(obj: Any) -> Any:
    """:func:`fix_mojibake` applied to every string and every key of a parsed JSON value."""
    if isinstance(obj, str):
        return fix_mojibake(obj)
    if isinstance(obj, list):
        return [fix_mojibake_deep(v) for v in obj]
    if isinstance(obj, dict):
        return {fix_mojibake(k): fix_mojibake_deep(v) for k, v in obj.items()}
    return obj


_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']")


def parse_count(value: Any) -> int | None:
    """A count from an export: int, float, or a string with locale separators.

    "12,400" → 12400, "12.345" → 12345, "1 234" → 1234, "12,5" → 12 (decimal comma, rare in
    counts), "" / None / "-" / "n/a" → None (not available is NULL, never 0). Raises
    ``ValueError`` for text that is not a number at all.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return None if value != value else round(value)
    s = _SPACES.sub("", str(value))
    if s in ("", "-", "–", "—", "n/a", "N/A", "NA"):
        return None
    neg = s.startswith("-")
    if neg:
        s = s[1:]
    if re.fullmatch(r"\d{1,3}([.,])\d{3}(\1\d{3})*", s):
        n = int(re.sub(r"[.,]", "", s))
    elif re.fullmatch(r"\d+", s):
        n = int(s)
    elif re.fullmatch(r"\d+[.,]\d+", s):
        n = round(float(s.replace(",", ".")))
    elif re.fullmatch(r"\d{1,3}(,\d{3})+\.\d+", s):
        n = round(float(s.replace(",", "")))
    elif re.fullmatch(r"\d{1,3}(\.\d{3})+,\d+", s):
        n = round(float(s.replace(".", "").replace(",", ".")))
    else:
        raise ValueError(f"not a count: {value!r}")
    return -n if neg else n


def parse_percent(value: Any) -> float | None:
    """ "41.1%" / "41,1 %" / 41.1 → 0.411 (a share, 0–1); empty → None."""
    if value is None:
        return None
    if isinstance(value, int | float):
        return float(value) / 100.0
    s = _SPACES.sub("", str(value)).rstrip("%")
    if not s:
        return None
    return float(s.replace(",", ".")) / 100.0


def unescape(text: str | None) -> str | None:
    """HTML entities decoded (``&amp;`` → ``&``), as X and Mastodon escape their text."""
    return None if text is None else html.unescape(text)


def hashtags(text: str | None) -> list[str]:
    """Hashtags in a caption, without '#', in order, case kept, duplicates removed."""
    if not text:
        return []
    return list(dict.fromkeys(_HASHTAG_RE.findall(text)))


def mentions(text: str | None) -> list[str]:
    """@mentions in a caption, without '@', in order, duplicates removed."""
    if not text:
        return []
    return list(dict.fromkeys(_MENTION_RE.findall(text)))


def hashtags_expr(col: str = "text") -> pl.Expr:
    """Vectorized :func:`hashtags` (for large imports)."""
    return (
        pl.col(col)
        .fill_null("")
        .str.extract_all(HASHTAG_PATTERN)
        .list.eval(pl.element().str.replace(r"^[^#]*#", ""))
        .list.unique(maintain_order=True)
    )


def mentions_expr(col: str = "text") -> pl.Expr:
    """Vectorized :func:`mentions`."""
    return (
        pl.col(col)
        .fill_null("")
        .str.extract_all(MENTION_PATTERN)
        .list.eval(pl.element().str.replace(r"^[^@]*@", ""))
        .list.unique(maintain_order=True)
    )


def frame(table: str, rows: Iterable[Mapping[str, Any]] | pl.DataFrame) -> pl.DataFrame:
    """A frame of a produced table's exact schema, from dicts or a partial frame.

    Missing columns become NULL; extra columns are dropped; types are cast strictly.
    """
    target = schema.PRODUCED[table][0]
    df = (
        rows
        if isinstance(rows, pl.DataFrame)
        else pl.DataFrame(list(rows), infer_schema_length=None)
    )
    exprs = []
    for name, dtype in target.items():
        if name in df.columns:
            exprs.append(pl.col(name).cast(dtype, strict=True))
        else:
            exprs.append(pl.lit(None, dtype=dtype).alias(name))
    if df.width == 0:
        return pl.DataFrame(schema=target)
    return df.select(exprs)
