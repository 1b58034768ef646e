"""Posts pages of the Graph API (``/{page-id}/posts``) read by DuckDB, never a dict per post,
then normalized to :data:`engagecore.plugin.POSTS` rows.

Small pages are read together by one ``read_json`` over their list of paths. A large page
(a whole dump in one ``{"data": [...]}``) is sliced to its ``data`` array and streamed with
``format='array'`` in pieces of 16 MiB of posts (see :mod:`large_page`): DuckDB then parses post by post, where reading the
wrapping object holds the whole document in memory at once (5× the file, measured). The
result crosses into polars as Arrow batches merged into large chunks (DuckDB yields one small
batch per page file).

What is left after DuckDB (see :func:`post_fields.posts_query`): checking every post has an
id, a time and a page; the file's observed_at; ``shares`` absent-means-zero; hashtags and
mentions (the shared polars helpers, so every network extracts them alike); one row per post.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final, cast

import duckdb
import polars as pl
import pyarrow as pa

from engage_facebook.common import MAX_POST_BYTES, POST_METRICS
from engage_facebook.graph import post_fields
from engage_facebook.graph.large_page import array_chunks, array_span
from engagecore import plugin
from engagecore.plugin import FormatError, interrupts, memory_connection
from engagecore.plugin import human_size as human

#: Files at least this large are sliced and streamed instead of read as one object.
STREAM_THRESHOLD: Final = 32 * 1024 * 1024
#: Rows per polars chunk when collecting DuckDB's batches.
_CHUNK_ROWS: Final = 1 << 17


@dataclass(frozen=True)
class PostsFile:
    """One posts page on disk: where to read it, how to name it, its size and the default
    observed_at (the modification time of the file the user gave)."""

    path: Path
    display: str
    size: int
    modified_at: datetime


def _collect(rel: duckdb.DuckDBPyRelation) -> pl.DataFrame:
    """A relation's rows as polars, in chunks of about ``_CHUNK_ROWS`` rows."""
    reader = rel.to_arrow_reader(_CHUNK_ROWS)
    frames: list[pl.DataFrame] = []
    pending: list[pa.RecordBatch] = []
    rows = 0
    try:
        for batch in reader:
            pending.append(batch)
            rows += batch.num_rows
            if rows >= _CHUNK_ROWS:
                frames.append(_frame(pending, reader.schema))
                pending, rows = [], 0
    except OSError as exc:
        # DuckDB's error raised while the rows stream (a malformed file found past the
        # query's start) reaches Python through Arrow as an OSError: the callers map
        # duckdb.Error to a FormatError naming the file
        raise duckdb.Error(str(exc)) from exc
    if pending or not frames:
        frames.append(_frame(pending, reader.schema))
    return pl.concat(frames, rechunk=False) if len(frames) > 1 else frames[0]


def _frame(batches: list[pa.RecordBatch], schema: pa.Schema) -> pl.DataFrame:
    return cast(pl.DataFrame, pl.from_arrow(pa.Table.from_batches(batches, schema=schema)))


class PostsReader:
    """Reads posts pages into one raw frame: the columns of :func:`post_fields.posts_query`."""

    def __init__(self, workdir: Path, page: str | None, size: int = 0) -> None:
        self.workdir = workdir
        self.page = page
        self.con = memory_connection(size)  # in UTC; size: the bytes of the pages to read
        interrupts.register(self.con)  # Ctrl-C stops a long read_json at once

    def close(self) -> None:
        interrupts.unregister(self.con)
        self.con.close()

    def read(self, files: list[PostsFile]) -> tuple[pl.DataFrame, list[datetime]]:
        """The raw posts frame and each file's observed_at (index = the ``file`` column)."""
        frames: list[pl.DataFrame] = []
        observed: list[datetime] = [f.modified_at for f in files]
        small: list[int] = []
        for i, f in enumerate(files):
            if f.size >= STREAM_THRESHOLD:
                streamed = self._read_streamed(i, f)
                if streamed is not None:
                    df, meta = streamed
                    frames.append(df)
                    when = plugin.parse_observed_at(meta.get(plugin.OBSERVED_AT_KEY), f.display)
                    observed[i] = when or observed[i]
                    continue
            small.append(i)
        if small:
            df = self._read_pages([files[i] for i in small], small)
            metas = df.select("file", "meta_observed").drop_nulls().unique("file")
            for idx, value in metas.iter_rows():
                when = plugin.parse_observed_at(value, files[idx].display)
                observed[idx] = when or observed[idx]
            frames.append(df)
        if not frames:
            return pl.DataFrame(), observed
        return pl.concat(frames, how="vertical_relaxed", rechunk=False), observed

    def _read_streamed(self, idx: int, f: PostsFile) -> tuple[pl.DataFrame, dict[str, Any]] | None:
        span = array_span(f.path)
        if span is None:
            return None
        paging_raw = span.meta.get("paging")
        paging: dict[str, Any] = paging_raw if isinstance(paging_raw, dict) else {}
        urls = " ".join(str(paging.get(k, "")) for k in ("next", "previous"))
        source = post_fields.array_source(idx, post_fields.shares_requested(urls))
        stem = self.workdir / f"posts-{idx}"
        try:
            with array_chunks(
                f.path, span.start, span.end, stem, f.display, MAX_POST_BYTES
            ) as pipes:
                # a piece at a time: DuckDB holds what it reads from a pipe
                parts = [
                    _collect(
                        self.con.sql(
                            post_fields.posts_query(source),
                            params={"path": str(path), "page": self.page},
                        )
                    )
                    for path in pipes
                ]
            df = pl.concat(parts, how="vertical_relaxed", rechunk=False)
            del parts
        except FormatError as exc:
            interrupts.check()  # a signal, not the file: no fallback read
            if "larger than" in str(exc):
                raise FormatError(
                    f.display,
                    f"a post larger than {human(MAX_POST_BYTES)}: no Graph API post is "
                    "that large (a caption is at most 63,206 characters)",
                ) from exc
            return None  # not valid JSON: the whole read names what is wrong
        except duckdb.Error as exc:
            interrupts.check()  # DuckDB interrupted by a signal: no fallback read
            if "maximum_object_size" in str(exc):
                # one post larger than a whole page should be: refused, never read whole
                raise FormatError(
                    f.display,
                    f"a post larger than {human(MAX_POST_BYTES)}: no Graph API post is "
                    "that large (a caption is at most 63,206 characters)",
                ) from exc
            return None  # not the shape array_span guessed: read the whole object instead
        rec = pl.int_range(pl.len(), dtype=pl.Int64).alias("rec")
        return df.with_columns(rec), span.meta

    def _read_pages(self, files: list[PostsFile], indexes: list[int]) -> pl.DataFrame:
        biggest = max(f.size for f in files)
        query = post_fields.posts_query(post_fields.pages_source(biggest))
        try:
            rel = self.con.sql(
                query, params={"files": [str(f.path) for f in files], "page": self.page}
            )
            df = _collect(rel)
        except duckdb.Error as exc:
            interrupts.check()  # interrupted by a signal: no file to blame (nor to re-read)
            raise self._locate_error(exc, files) from exc
        if indexes != list(range(len(indexes))):
            df = df.with_columns(pl.col("file").replace_strict(dict(enumerate(indexes))))
        return df.with_columns(pl.col("file").cast(pl.Int64))

    def _locate_error(self, exc: duckdb.Error, files: list[PostsFile]) -> FormatError:
        """The FormatError naming the first file (and record) DuckDB cannot read."""
        for f in files:
            try:
                self.con.sql(
                    post_fields.one_page_query(f.size), params={"path": str(f.path)}
                ).fetchall()
            except duckdb.Error as one:
                record, what = post_fields.locate_bad_record(f.path)
                reason = what or _one_line(one, f)
                return FormatError(f.display, f"expected a Graph API posts page: {reason}", record)
        return FormatError(
            files[0].display, f"expected Graph API posts pages: {_one_line(exc, files[0])}"
        )


def _one_line(exc: Exception, f: PostsFile) -> str:
    return " ".join(str(exc).split()).replace(str(f.path), f.display)[:300]


def normalize(
    raw: pl.DataFrame,
    observed: list[datetime],
    displays: list[str],
    extra_metrics: pl.DataFrame | None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """:data:`engagecore.plugin.POSTS` rows, and the page names own posts reveal
    (``account_id``, ``display_name`` from ``from.name``)."""
    names_schema = {"account_id": pl.Utf8, "display_name": pl.Utf8}
    if raw.height == 0:
        return plugin.frame("posts", []), pl.DataFrame(schema=names_schema)
    _check(raw, displays)
    df = raw
    key = pl.col("file") * (1 << 32) + pl.col("rec")
    if not df.select(key.is_sorted()).item():
        df = df.sort(key)  # one integer key: several times faster than by (file, rec)
    if extra_metrics is not None and extra_metrics.height:
        df = df.join(extra_metrics, on="post_id", how="left", suffix="_ins").with_columns(
            pl.coalesce(c, f"{c}_ins").alias(c) for c in POST_METRICS
        )
    # Meta omits `shares` when it is zero. Absence is 0 wherever the file shows the counts
    # were fetched: a post in it carries shares or reaction/comment summaries, or its
    # paging URL asks for shares. Otherwise (e.g. fields=id,message only) shares is NULL.
    fetched = (pl.col("engagement_fetched") | pl.col("shares_requested")).any().over("file")
    when = dict(enumerate(observed))
    df = df.with_columns(
        pl.lit("facebook").alias("network"),
        pl.col("file")
        .replace_strict(when, return_dtype=pl.Datetime("us", "UTC"))
        .alias("observed_at"),
        pl.lit(None, dtype=pl.Utf8).alias("language"),
        plugin.hashtags_expr("text").alias("hashtags"),
        plugin.mentions_expr("text").alias("mentions"),
        pl.coalesce("shares_raw", pl.when(fetched).then(pl.lit(0, dtype=pl.Int64))).alias("shares"),
    )
    if df["post_id"].n_unique() < df.height:
        # The same post in several pages: keep its most recent observation.
        df = df.sort("observed_at", maintain_order=True).unique(
            "post_id", keep="last", maintain_order=True
        )
    names = (
        df.select("account_id", pl.col("from_name").alias("display_name"))
        .drop_nulls()
        .unique("account_id", keep="last", maintain_order=True)
    )
    return plugin.frame("posts", df), names


def _check(df: pl.DataFrame, displays: list[str]) -> None:
    """Raise a FormatError naming the first post without an id, a time or a page."""
    problems: list[tuple[pl.Expr, str, str | None]] = [
        (pl.col("post_id").is_null(), "expected an 'id'", None),
        (
            pl.col("posted_at").is_null(),
            "expected 'created_time' like 2026-04-06T17:50:09+0000",
            "bad_time",
        ),
        (
            pl.col("account_id").is_null(),
            "expected an id '{page_id}_{post_id}' (or one page object in the same import)",
            None,
        ),
    ]
    problems += [
        (
            pl.col(f"{c}_bad").is_not_null(),
            f"insights {'/'.join(names)}: expected a count",
            f"{c}_bad",
        )
        for c, names in POST_METRICS.items()
        if f"{c}_bad" in df.columns
    ]
    for cond, what, got_col in problems:
        bad = df.filter(cond)
        if bad.height:
            row = bad.sort("file", "rec").row(0, named=True)
            label = f"{row['rec']}" + (f" (id {row['graph_id']})" if row["graph_id"] else "")
            got = f", got {row[got_col]!r}" if got_col and row.get(got_col) else ""
            raise FormatError(displays[row["file"]], what + got, label)
