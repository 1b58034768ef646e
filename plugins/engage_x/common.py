"""What the X importers and demo writer share: vectorized column rules for counts,
languages, HTML text and URLs.

Everything here works on whole polars columns, so a million-tweet archive is transformed
without a Python loop per tweet; the rare rows that need Python (exotic HTML entities) are
handled on their own.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import Any

import polars as pl

from engagecore.plugin import FormatError

NETWORK = "x"


def created_time(value: Any, where: str, record: str, what: str) -> datetime | None:
    """An account's creation time (``2013-03-29T09:20:04.000Z``; no zone is UTC) as an aware
    UTC datetime; None when the source leaves it out; anything else is refused."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            ts = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)
    raise FormatError(where, f"expected {what} as an ISO 8601 date-time, got {value!r}", record)

# A count string: "12", " 12 ", or with thousands separators ("12,400", "12.400", "12 400").
_GROUPED = r"^\d{1,3}(?:[,.\u00a0\u202f ]\d{3})+$"
_SEPARATORS = r"[,.\u00a0\u202f ]"

# Twitter escapes only &, < and > (and rarely quotes); those are replaced in bulk. Any other
# entity (&eacute;, &#233;) sends its row through html.unescape.
_COMMON_ENTITIES = {"&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'", "&apos;": "'"}
_ANY_ENTITY = r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});"
_COMMON_ENTITY = r"&(?:amp|lt|gt|quot|apos|#39);"


def count_expr(col: str) -> pl.Expr:
    """A count column of strings or numbers as Int64; "" and null → null (never 0).

    Values that are not counts become null too: :func:`check_counts` reports them.
    """
    s = pl.col(col).cast(pl.Utf8).str.strip_chars()
    s = pl.when(s.str.contains(_GROUPED)).then(s.str.replace_all(_SEPARATORS, "")).otherwise(s)
    return s.cast(pl.Int64, strict=False)


def check_counts(
    df: pl.DataFrame, raw_to_parsed: dict[str, str], display: str, id_col: str
) -> None:
    """Raise FormatError naming the first record whose count is present but not a number."""
    for raw, parsed in raw_to_parsed.items():
        bad = df.filter(
            pl.col(parsed).is_null()
            & pl.col(raw).is_not_null()
            & (pl.col(raw).cast(pl.Utf8).str.strip_chars() != "")
        )
        if bad.height:
            row = bad.row(0, named=True)
            raise FormatError(
                display,
                f"expected {raw!r} to be a count (digits, as a string or a number), "
                f"got {row[raw]!r}",
                record=f"id {row[id_col]}",
            )


def language_expr(col: str) -> pl.Expr:
    """X's ``lang`` as a language: "und" (undetermined), "zxx" (no text) and X's own
    ISO-reserved ``q..`` codes (qme = media only, qht = hashtags only, ...) → null."""
    lang = pl.col(col).str.strip_chars()
    junk = lang.is_in(["", "und", "zxx"]) | lang.str.contains(r"^q[a-z]{2}$")
    return pl.when(junk).then(None).otherwise(lang)


def unescape_fast_sql(col: str) -> str:
    """DuckDB SQL decoding &lt; &gt; &quot; &#39; &apos; then &amp; (last, so that
    "&amp;lt;" correctly becomes "&lt;")."""
    expr = col
    for entity, char in _COMMON_ENTITIES.items():
        expr = f"replace({expr}, '{entity}', '{char.replace(chr(39), chr(39) * 2)}')"
    return f"replace({expr}, '&amp;', '&')"


def unescape_fast_expr(col: str) -> pl.Expr:
    """Polars twin of :func:`unescape_fast_sql`."""
    e = pl.col(col)
    for entity, char in _COMMON_ENTITIES.items():
        e = e.str.replace_all(entity, char, literal=True)
    return e.str.replace_all("&amp;", "&", literal=True)


def needs_full_unescape(col: str) -> pl.Expr:
    """True where the raw text holds an entity the fast path does not decode."""
    c = pl.col(col).fill_null("")
    return c.str.count_matches(_ANY_ENTITY) > c.str.count_matches(_COMMON_ENTITY)


def full_unescape(text: str | None) -> str | None:
    """The reference rule: Python's HTML5 unescape."""
    return None if text is None else html.unescape(text)


def expand_urls(text: str | None, urls: list[dict[str, str | None]] | None) -> str | None:
    """Replace each t.co ``url`` in ``text`` by its ``expanded_url`` (Python path, rare rows)."""
    if text is None:
        return None
    for u in urls or []:
        short, long = u.get("url"), u.get("expanded_url")
        if short and long:
            text = text.replace(short, long)
    return text


def status_url_expr(handle_col: str, id_col: str) -> pl.Expr:
    """``https://x.com/{handle}/status/{id}``; X's handle-less form when the handle is unknown."""
    return pl.concat_str(
        pl.lit("https://x.com/"),
        pl.col(handle_col).fill_null("i/web"),
        pl.lit("/status/"),
        pl.col(id_col),
    )
