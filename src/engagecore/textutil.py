"""Shared helpers for plugins: text repair, locale numbers, hashtags and frame building.

These live in the core because every network needs them; they know no network.
"""

from __future__ import annotations

import csv
import functools
import html
import io
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import polars as pl
import regex

from engagecore import schema
from engagecore.errors import FormatError

# A hashtag: '#' then letters/digits/underscore, Unicode-aware (accents, CJK), not after a word
# character (so "C#" or "page#3" are not tags). Same rule for @mentions. A doubled mark is a
# mark before a tag: "##tag" holds the tag "tag" (as X's own extractor, twitter-text, reads it:
# a '#' may precede the one that starts a tag), "@@name" the mention "name".
# The functions read them with the `regex` module, whose \w is Unicode's word characters as
# polars' (Rust) regex reads them in the vectorized expressions: Python's `re` has another
# \w, which cut a decomposed "#e\u0301cole" to "e" and read "#¼" as a tag.
HASHTAG_PATTERN = r"(?:^|[^\w&/])#(\w*[^\W\d]\w*)"
MENTION_PATTERN = r"(?:^|[^\w/])@(\w{1,30}(?:\.\w+)*)"
_HASHTAG_RE = regex.compile(HASHTAG_PATTERN, regex.VERSION1)
_MENTION_RE = regex.compile(MENTION_PATTERN, regex.VERSION1)


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


#: The largest count a column can hold (Int64): beyond it a value cannot even be checked.
_STORABLE = 2**63 - 1
#: Cells that mean "not available" (NULL, never 0) in every export we read.
NOT_AVAILABLE: frozenset[str] = frozenset({"", "-", "–", "—", "n/a", "N/A", "NA"})


def parse_count(value: Any) -> int | None:
    """A count from an export: int, float, or a string with locale separators.

    "12,400" → 12400, "12.345" → 12345, "1 234" → 1234, "12,5" → 12 (decimal comma, rare in
    counts), "" / None / "-" / "n/a" → None (not available is NULL, never 0). Raises
    ``ValueError`` for anything else: text that is not a number ("12abc"), NaN or infinity,
    a boolean, a container, a number too large to store (2^63). Whether a count is plausible
    (0 .. :data:`schema.MAX_COUNT`) is checked for every importer by
    :func:`engagecore.validate.validate_frame`, which names the record.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"not a count: {value!r}")
    if isinstance(value, int):
        n = value
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"not a count: {value!r}")
        if abs(value) > _STORABLE:
            raise ValueError(f"not a count (too large to store): {value!r}")
        n = round(value)
    elif isinstance(value, str):
        n_or_none = _parse_count_text(value)
        if n_or_none is None:
            return None
        n = n_or_none
    else:
        raise ValueError(f"not a count: {value!r}")
    if abs(n) > _STORABLE:
        raise ValueError(f"not a count (too large to store): {value!r}")
    return n


def _parse_count_text(value: str) -> int | None:
    s = _SPACES.sub("", value)
    if s in NOT_AVAILABLE:
        return None
    if len(s) > 40:  # no count is written with more characters (and int() of a huge string
        raise ValueError(f"not a count: {value[:40]!r}…")  # is slow)
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


def text_value(value: Any) -> str | None:
    """A text field of an export: a string (or None). ``ValueError`` for any other JSON value
    (a number, a boolean, a list), so that an importer names the record instead of letting a
    frame constructor fail."""
    if value is None or isinstance(value, str):
        return value
    raise ValueError(f"expected text, got {value!r:.60}")


def count_at(value: Any, what: str, where: str, record: str | int | None = None) -> int | None:
    """:func:`parse_count` for an importer: a value that is no count is a
    :class:`FormatError` naming the file (``where``), the record and the field (``what``)."""
    try:
        return parse_count(value)
    except ValueError:
        raise FormatError(
            where, f"expected {what} to be a count, got {value!r:.60}", record
        ) from None


def text_at(value: Any, what: str, where: str, record: str | int | None = None) -> str | None:
    """:func:`text_value` for an importer: a value that is no text is a :class:`FormatError`
    naming the file (``where``), the record and the field (``what``)."""
    try:
        return text_value(value)
    except ValueError:
        raise FormatError(where, f"expected {what} as text, got {value!r:.60}", record) from None


def parse_percent(value: Any) -> float | None:
    """ "41.1%" / "41,1 %" / 41.1 → 0.411 (a share, 0–1); empty → None. ``ValueError`` for
    anything else (text, NaN, infinity, a boolean)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"not a percentage: {value!r}")
    if isinstance(value, int | float):
        pct = float(value)
    else:
        s = _SPACES.sub("", str(value)).rstrip("%")
        if not s:
            return None
        if not re.fullmatch(r"-?\d+(?:[.,]\d+)?", s):
            raise ValueError(f"not a percentage: {value!r}")
        pct = float(s.replace(",", "."))
    if not math.isfinite(pct):
        raise ValueError(f"not a percentage: {value!r}")
    return pct / 100.0


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
        .list.eval(_after_mark("#"))
        .list.unique(maintain_order=True)
    )


def mentions_expr(col: str = "text") -> pl.Expr:
    """Vectorized :func:`mentions`. The pattern is searched only in the texts holding an
    ``@`` (most captions hold none: 1M TikTok captions, a quarter with a mention, 0.25 ->
    0.18 CPU s; the same test before the hashtag pattern, where most captions hold a ``#``,
    measured slower)."""
    text = pl.col(col).fill_null("")
    return (
        pl.when(text.str.contains("@", literal=True))
        .then(text)
        .otherwise(pl.lit(""))
        .str.extract_all(MENTION_PATTERN)
        .list.eval(_after_mark("@"))
        .list.unique(maintain_order=True)
    )


def _after_mark(mark: str) -> pl.Expr:
    """A match of :data:`HASHTAG_PATTERN` / :data:`MENTION_PATTERN` (``#tag``, or one
    character then ``#tag``) without what precedes the tag, cut by position rather than by a
    regular expression (cheaper): its first character when that is the mark, else its first
    two. The character before the mark may be a mark itself (``##tag``): then two, as
    :func:`hashtags` reads it (the tag never holds a mark, so a match starting with two marks
    is one character then ``#tag``)."""
    e = pl.element()
    return e.str.slice(
        pl.when(e.str.starts_with(mark) & ~e.str.starts_with(mark + mark)).then(1).otherwise(2)
    )


def frame(table: str, rows: Iterable[Mapping[str, Any]] | pl.DataFrame) -> pl.DataFrame:
    """A frame of a produced table's exact schema, from dicts or a partial frame.

    Missing columns become NULL; extra columns are dropped; types are cast strictly. A value
    of the wrong type (a boolean for a name, a list for an id, a number too large to store)
    raises ``ValueError`` naming the record, the column and the value, never polars'
    internal error.
    """
    target = schema.PRODUCED[table][0]
    records: list[Mapping[str, Any]] | None = None
    if isinstance(rows, pl.DataFrame):
        df = rows
    else:
        records = list(rows)
        try:
            df = pl.DataFrame(records, infer_schema_length=None)
        except (TypeError, ValueError, OverflowError, pl.exceptions.PolarsError) as exc:
            raise ValueError(_misfit(records, target) or f"rows unfit for {table}: {exc}") from None
        inferred = df.schema
        if any(n in inferred and not _castable(inferred[n], t) for n, t in target.items()):
            # e.g. a boolean where a name was expected: a strict cast would make it "true"
            raise ValueError(_misfit(records, target) or f"rows unfit for {table}")
    exprs = []
    for name, dtype in target.items():
        if name in df.columns:
            exprs.append(pl.col(name).cast(dtype, strict=True))
        else:
            exprs.append(pl.lit(None, dtype=dtype).alias(name))
    if df.width == 0:
        return pl.DataFrame(schema=target)
    try:
        return df.select(exprs)
    except (TypeError, ValueError, OverflowError, pl.exceptions.PolarsError) as exc:
        found = _misfit(records if records is not None else df.to_dicts(), target)
        raise ValueError(found or f"rows unfit for {table}: {exc}") from None


def _castable(got: Any, want: Any) -> bool:
    """Whether a column inferred from Python values holds the kind of values ``want`` is."""
    if got == pl.Null or got == want:
        return True
    if want == pl.Utf8 or want == pl.Boolean:
        return False
    if want in (pl.Int64, pl.Int32):
        return got.is_integer()
    if want == pl.Float64:
        return got.is_numeric()
    if isinstance(want, pl.Datetime):
        return isinstance(got, pl.Datetime)
    if isinstance(want, pl.List):
        return isinstance(got, pl.List) and _castable(got.inner, want.inner)
    return True


def _fits(value: Any, dtype: Any) -> bool:
    if value is None:
        return True
    if dtype == pl.Utf8:
        return isinstance(value, str) and _encodable(value)
    if dtype in (pl.Int64, pl.Int32):
        bits = 63 if dtype == pl.Int64 else 31
        return (
            isinstance(value, int) and not isinstance(value, bool) and -(2**bits) <= value < 2**bits
        )
    if dtype == pl.Float64:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if dtype == pl.Boolean:
        return isinstance(value, bool)
    if isinstance(dtype, pl.Datetime):
        return isinstance(value, datetime)
    if isinstance(dtype, pl.List):
        return isinstance(value, list) and all(_fits(v, dtype.inner) for v in value)
    return True


def _encodable(text: str) -> bool:
    """False for a string holding a lone UTF-16 surrogate ("\\ud800" in JSON): no character."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _misfit(records: Sequence[Mapping[str, Any]], target: pl.Schema) -> str | None:
    """The first value that does not fit its column, described for an error message."""
    for i, row in enumerate(records, start=1):
        for name, dtype in target.items():
            value = row.get(name)
            if not _fits(value, dtype):
                kind = _kind(dtype)
                if dtype == pl.Utf8 and isinstance(value, str):
                    kind = "Unicode text (a lone UTF-16 surrogate such as \\ud800 is none)"
                return f"record #{i}: column {name!r}: expected {kind}, got {value!r:.80}"
    return None


def _kind(dtype: Any) -> str:
    if dtype == pl.Utf8:
        return "text"
    if dtype in (pl.Int64, pl.Int32):
        return "a whole number"
    if isinstance(dtype, pl.List):
        return "a list of text"
    if isinstance(dtype, pl.Datetime):
        return "a time"
    return str(dtype)


def check_csv_records(
    text: str, where: str, *, delimiter: str = ",", known_headers: Iterable[str] = ()
) -> list[str]:
    """The header of a CSV text, after checking that the text is whole; FormatError naming
    the file and the line otherwise.

    A file cut short shows in two ways that a CSV reader would silently accept: a record
    with fewer fields than the header (its missing cells would read as empty: NULL counts),
    and a file that ends inside its header (the import would record 0 posts): its one line is
    not ended, and often its last name is only the beginning of a known column. Also refused with a clear message: a
    field over :data:`schema.MAX_TEXT_CHARS` characters and NUL characters. Blank lines are
    no records.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, [])
        _check_header(text, header, where, known_headers)
        width = len(header)
        for row in reader:
            if len(row) >= width or not any(cell.strip() for cell in row):
                continue
            raise FormatError(
                where,
                f"expected {width} columns as in the header, got {len(row)}: the record is "
                "cut short (a truncated file?)",
                f"line {reader.line_num}",
            )
    except csv.Error as exc:
        reason = str(exc)
        if "field larger than field limit" in reason:
            reason = (
                f"a field of more than {csv.field_size_limit():,} characters; expected at most "
                f"{schema.MAX_TEXT_CHARS:,} (an unclosed quote?)"
            )
        elif "NUL" in reason:
            reason = "expected text without NUL characters (is the file UTF-16? save it as UTF-8)"
        raise FormatError(
            where, f"not a readable CSV: {reason}", f"line {reader.line_num + 1}"
        ) from exc
    return header


def _check_header(text: str, header: list[str], where: str, known: Iterable[str]) -> None:
    """Refuse a file that ends inside its header (see :func:`check_csv_records`): its only
    line is not ended (an export ends every line; refusing an empty import loses nothing)."""
    if not header or "\n" in text or "\r" in text:
        return  # the header line was ended: it was written whole
    names = {_header_key(k) for k in known}
    last = _header_key(header[-1])
    if last not in names and (last == "" or any(n.startswith(last) for n in names)):
        what = f"ends with {header[-1]!r}, the beginning of a column name"
    else:
        what = "is not ended and no record follows"
    raise FormatError(
        where, f"the header line {what}: the file is cut short (a truncated file?)", "line 1"
    )


def _header_key(name: str) -> str:
    return name.strip().strip('"').strip().lstrip("\ufeff").casefold()


#: Typographic apostrophes and quotes that labels write for ' (Meta writes J’aime).
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u02bc": "'"})


@functools.lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """A header or label reduced for matching in any case and with or without accents:
    accents stripped (NFKD, combining marks dropped), casefolded, typographic apostrophes
    as ``'``, a byte-order mark dropped, runs of white space as one space, trimmed.

    ``fold("  Réactions ") == fold("REACTIONS") == "reactions"``,
    ``fold("Mentions J’aime") == "mentions j'aime"``. Cached: an export repeats the same few
    labels thousands of times.

    .. versionadded:: 1
    """
    decomposed = unicodedata.normalize("NFKD", text.replace("\ufeff", ""))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.translate(_APOSTROPHES).casefold().split())
