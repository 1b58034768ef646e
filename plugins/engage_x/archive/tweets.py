"""Vectorized reader of an archive's tweets file (``tweets.js``, ``tweets-partN.js``,
``tweet.js``) into rows of the posts table.

The member is streamed, minus its ``window.YTD...`` wrapper, into a temporary JSON file that
DuckDB's ``read_json`` scans with an explicit column list (only the fields we use), so no
Python object is built per tweet. Every transform is a DuckDB or polars expression. The
temporary copy needs as much free space in the temp folder (``TMPDIR``) as the tweets file.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import polars as pl

from engage_x import common as C
from engage_x.archive import ytd
from engagecore.plugin import (
    FormatError,
    Source,
    hashtags_expr,
    interrupts,
    memory_connection,
    mentions_expr,
)

CREATED_AT_FORMAT = "%a %b %d %H:%M:%S %z %Y"

# The fields of a tweet object that we read, as DuckDB types. Counts are strings in the
# archive; VARCHAR also accepts numbers, which older or hand-made files may hold.
_FIELDS = {
    "id_str": "VARCHAR",
    "created_at": "VARCHAR",
    "full_text": "VARCHAR",
    "text": "VARCHAR",
    "lang": "VARCHAR",
    "favorite_count": "VARCHAR",
    "retweet_count": "VARCHAR",
    "entities": (
        "STRUCT(hashtags STRUCT(text VARCHAR)[], user_mentions STRUCT(screen_name VARCHAR)[], "
        "urls STRUCT(url VARCHAR, expanded_url VARCHAR)[], media STRUCT(type VARCHAR)[])"
    ),
    "extended_entities": "STRUCT(media STRUCT(type VARCHAR)[])",
}
_STRUCT = "STRUCT(" + ", ".join(f"{k} {v}" for k, v in _FIELDS.items()) + ")"

# Is the first element {"tweet": {...}} (archives since 2019) or a bare tweet object?
_WRAPPED_RE = re.compile(rb'\A\s*\[\s*\{\s*"tweet"\s*:')
_TRANSFORM_ERR_RE = re.compile(r"in record/value (?P<rec>\d+): (?P<why>[^\n]*)")

# A link to a post on X (a quoted post, or the "show more" link of a long post) does not make
# a post a "link" post.
_STATUS_LINK = r"^https?://(www\.|mobile\.)?(twitter|x)\.com/[^/]+/(web/)?status/"
_EMPTY = pl.lit([], dtype=pl.List(pl.Utf8))

#: The frame :func:`read_tweets` returns (the importer adds the account's columns).
RAW_SCHEMA = pl.Schema(
    {
        "post_id": pl.Utf8(),
        "posted_at": pl.Datetime("us", "UTC"),
        "kind": pl.Utf8(),
        "is_own": pl.Boolean(),
        "text": pl.Utf8(),
        "language": pl.Utf8(),
        "hashtags": pl.List(pl.Utf8()),
        "mentions": pl.List(pl.Utf8()),
        "likes": pl.Int64(),
        "shares": pl.Int64(),
    }
)


def _query(path: Path, wrapped: bool) -> str:
    p = "t." if wrapped else ""
    path_sql = str(path).replace("'", "''")
    if wrapped:
        src = f"(SELECT tweet AS t FROM read_json('{path_sql}', format='array', columns={{'tweet': '{_STRUCT}'}}))"
    else:
        cols = ", ".join(f"'{k}': '{v}'" for k, v in _FIELDS.items())
        src = f"read_json('{path_sql}', format='array', columns={{{cols}}})"
    raw = f"coalesce({p}full_text, {p}text)"
    urls = f"coalesce({p}entities.urls, [])"
    media = f"list_transform(coalesce({p}extended_entities.media, {p}entities.media, []), lambda m: m.type)"
    has_link = (
        f"len(list_filter({urls}, lambda u: coalesce(u.expanded_url, u.url, '') <> '' "
        f"AND NOT regexp_matches(coalesce(u.expanded_url, ''), '{_STATUS_LINK}'))) > 0"
    )
    return f"""
        SELECT
            {p}id_str AS post_id,
            {p}created_at AS created_at,
            {raw} AS raw_text,
            list_reduce(
                {urls},
                lambda acc, u: CASE WHEN coalesce(u.url, '') = '' OR u.expanded_url IS NULL
                                    THEN acc ELSE replace(acc, u.url, u.expanded_url) END,
                {C.unescape_fast_sql(raw)}
            ) AS text,
            {p}lang AS lang,
            {p}favorite_count AS favorite_count,
            {p}retweet_count AS retweet_count,
            {p}entities IS NULL AS no_entities,
            list_transform({p}entities.hashtags, lambda h: h.text) AS hashtags,
            list_transform({p}entities.user_mentions, lambda m: m.screen_name) AS mentions,
            CASE
                WHEN list_has_any({media}, ['video', 'animated_gif']) THEN 'video'
                WHEN list_contains({media}, 'photo') THEN 'photo'
                WHEN len({media}) > 0 THEN 'other'
                WHEN {has_link} THEN 'link'
                ELSE 'text'
            END AS kind,
            {urls} AS urls
        FROM {src}
    """


def duckdb_error(display: str, exc: duckdb.Error, json_path: Path) -> FormatError:
    """A DuckDB read error as a one-line FormatError naming the file and the record.

    For malformed JSON the record is found again with Python's parser (this path runs only on
    failure; DuckDB's own record count there is not reliable), for a line and column that are
    those of the original file: the stripped prefix never spans a line.
    """
    msg = str(exc)
    located = None
    if "Malformed JSON" in msg or "Expected top-level JSON array" in msg:
        located = _locate_json_error(display, json_path)
    if located is not None:
        return located
    m = _TRANSFORM_ERR_RE.search(msg)
    if m is None:
        first = msg.splitlines()[0] if msg else type(exc).__name__
        return FormatError(display, f"expected a JSON array of records ({first})")
    return FormatError(
        display, f"unexpected value ({m.group('why').strip()})", record=f"#{m.group('rec')}"
    )


def _locate_json_error(display: str, json_path: Path) -> FormatError | None:
    """Find the first unreadable record with Python's parser; None if it finds none."""
    text = json_path.read_text(encoding="utf-8", errors="replace")
    dec = json.JSONDecoder()
    ws = re.compile(r"\s*")

    def skip(i: int) -> int:
        m = ws.match(text, i)
        return m.end() if m else i

    i = skip(0)
    if not text.startswith("[", i):
        return FormatError(
            display, "expected a JSON array '[...]' after the 'window.YTD... =' prefix"
        )
    i, n = skip(i + 1), 0
    if text.startswith("]", i):
        return None if skip(i + 1) == len(text) else FormatError(display, "malformed JSON")
    while i < len(text):
        n += 1
        try:
            _, i = dec.raw_decode(text, i)
        except json.JSONDecodeError as e:
            return FormatError(
                display, f"malformed JSON ({e.msg} at line {e.lineno} column {e.colno})", f"#{n}"
            )
        i = skip(i)
        if text.startswith(",", i):
            i = skip(i + 1)
        elif text.startswith("]", i):
            if skip(i + 1) == len(text):
                return None
            return FormatError(display, "malformed JSON: unexpected text after the array")
        else:
            line = text.count("\n", 0, i) + 1
            return FormatError(
                display,
                f"malformed JSON (expected ',' or ']' after the record, line {line})",
                f"#{n}",
            )
    return FormatError(display, "malformed JSON (the array is not closed)", record=f"#{n}")


def read_tweets(source: Source, member: str, workdir: Path) -> pl.DataFrame:
    """One tweets file as a frame of :data:`RAW_SCHEMA`.

    Raises FormatError naming the file and the record (``#N``, 1-based position, or
    ``id …``) for a missing id or date, an unreadable date or a non-numeric count.
    """
    display = source.display(member)
    tmp = workdir / (re.sub(r"[^\w.-]", "_", member) + ".json")
    ytd.strip_to_file(source, member, tmp)
    with tmp.open("rb") as fh:
        wrapped = bool(_WRAPPED_RE.match(fh.read(4096)))
    try:
        with memory_connection(tmp.stat().st_size) as con:  # in UTC
            interrupts.register(con)  # Ctrl-C stops the scan at once
            try:
                # Materializing into a table runs the scan in parallel; streaming the same
                # query straight to Arrow was ~40 % slower (measured with benchmarks/ingest_x.py).
                con.execute(f"CREATE TEMP TABLE tweets AS {_query(tmp, wrapped)}").fetchall()
                df = con.sql("SELECT * FROM tweets").pl()
            finally:
                interrupts.unregister(con)
    except duckdb.Error as exc:
        raise duckdb_error(display, exc, tmp) from exc
    finally:
        tmp.unlink(missing_ok=True)
    return _transform(df, display)


def _transform(df: pl.DataFrame, display: str) -> pl.DataFrame:
    df = df.with_row_index("_rec", offset=1)
    missing = df.filter(pl.col("post_id").is_null() | (pl.col("post_id") == ""))
    if missing.height:
        raise FormatError(
            display, 'expected a tweet with an "id_str"', record=f"#{missing['_rec'][0]}"
        )
    df = df.with_columns(
        posted_at=pl.col("created_at").str.to_datetime(
            CREATED_AT_FORMAT, strict=False, time_unit="us"
        ),
        likes=C.count_expr("favorite_count"),
        shares=C.count_expr("retweet_count"),
    )
    bad_date = df.filter(pl.col("posted_at").is_null())
    if bad_date.height:
        row = bad_date.row(0, named=True)
        raise FormatError(
            display,
            f"expected created_at like 'Tue Nov 05 13:24:09 +0000 2024', got {row['created_at']!r}",
            record=f"id {row['post_id']}",
        )
    C.check_counts(df, {"favorite_count": "likes", "retweet_count": "shares"}, display, "post_id")

    slow = C.needs_full_unescape("raw_text")
    if df.select(slow.any()).item():
        fixed = df.filter(slow).select(
            "_rec",
            pl.struct("raw_text", "urls")
            .map_elements(
                lambda r: C.expand_urls(C.full_unescape(r["raw_text"]), r["urls"]),
                return_dtype=pl.Utf8,
            )
            .alias("_fixed"),
        )
        df = df.join(fixed, on="_rec", how="left", maintain_order="left").with_columns(
            text=pl.coalesce("_fixed", "text")
        )
    if df.select(pl.col("no_entities").any()).item():
        df = df.with_columns(
            hashtags=pl.when("no_entities").then(hashtags_expr("text")).otherwise("hashtags"),
            mentions=pl.when("no_entities").then(mentions_expr("text")).otherwise("mentions"),
        )
    is_own = ~pl.col("raw_text").fill_null("").str.starts_with("RT @")
    return df.select(
        "post_id",
        pl.col("posted_at").dt.convert_time_zone("UTC"),
        "kind",
        is_own.alias("is_own"),
        "text",
        C.language_expr("lang").alias("language"),
        pl.col("hashtags").fill_null(_EMPTY).list.drop_nulls().list.unique(maintain_order=True),
        pl.col("mentions").fill_null(_EMPTY).list.drop_nulls().list.unique(maintain_order=True),
        # A repost's counts ("0" in the archive) belong to the original post: not observed here.
        pl.when(is_own).then("likes").alias("likes"),
        pl.when(is_own).then("shares").alias("shares"),
    )
