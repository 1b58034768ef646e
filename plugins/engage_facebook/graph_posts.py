"""Posts pages of the Graph API (``/{page-id}/posts``) read by DuckDB, never a dict per post.

Small pages are read together by one ``read_json`` over their list of paths. A large page
(a whole dump in one ``{"data": [...]}``) is sliced to its ``data`` array and streamed with
``format='array'``: DuckDB then parses post by post, where reading the wrapping object holds
the whole document in memory at once (5× the file, measured). The result crosses into polars
as Arrow batches merged into large chunks (DuckDB yields one small batch per page file).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, cast

import duckdb
import polars as pl
import pyarrow as pa

from engage_facebook import graph_sql
from engage_facebook.graph_diagnose import locate_bad_record
from engage_facebook.graph_files import array_span
from engagecore.plugin import FormatError, interrupts
from engagecore.plugin import human_size as human

#: Files at least this large are sliced and streamed instead of read as one object.
STREAM_THRESHOLD: Final = 32 * 1024 * 1024
#: Rows per polars chunk when collecting DuckDB's batches.
_CHUNK_ROWS: Final = 1 << 17

_SHARES_REQUESTED = re.compile(graph_sql.SHARES_REQUESTED)


@dataclass(frozen=True)
class PostsFile:
    """One posts page on disk: where to read it, how to name it, its size and the default
    observed_at (the modification time of the file the user gave)."""

    path: Path
    display: str
    size: int
    modified_at: datetime


def parse_observed(value: Any, display: str) -> datetime | None:
    """``engagecore_observed_at`` as a UTC time (naive means UTC); None when absent."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as exc:
        raise FormatError(
            display, f"expected engagecore_observed_at as an ISO date-time, got {value!r}"
        ) from exc
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@contextmanager
def _array_slice(src: Path, start: int, end: int, stem: Path) -> Iterator[Path]:
    """Bytes [start, end) of ``src`` as a file DuckDB can read: a named pipe fed from
    ``src`` by a thread (nothing copied to disk, nothing held in memory), or, where there are
    no named pipes, a copy."""
    if not hasattr(os, "mkfifo"):  # pragma: no cover - Windows
        copy = stem.with_suffix(".json")
        _copy_range(src, copy, start, end)
        try:
            yield copy
        finally:
            copy.unlink(missing_ok=True)
        return
    pipe = stem.with_suffix(".pipe")
    os.mkfifo(pipe, 0o600)
    feeder = threading.Thread(target=_feed, args=(src, pipe, start, end), daemon=True)
    feeder.start()
    try:
        yield pipe
    finally:
        # DuckDB may have stopped reading (an error) or never opened the pipe: open the
        # reading end ourselves so that the feeder's open or write returns, then close it
        while feeder.is_alive():
            try:
                fd = os.open(pipe, os.O_RDONLY | os.O_NONBLOCK)
            except OSError:
                break
            os.close(fd)
            feeder.join(0.05)
        pipe.unlink(missing_ok=True)


def _feed(src: Path, pipe: Path, start: int, end: int) -> None:
    try:
        out = open(pipe, "wb", buffering=0)  # noqa: SIM115 - blocks until DuckDB opens it
    except OSError:
        return
    with out, src.open("rb") as fin:
        fin.seek(start)
        remaining = end - start
        try:
            while remaining > 0:
                chunk = fin.read(min(remaining, 1 << 20))
                if not chunk:
                    break
                out.write(chunk)
                remaining -= len(chunk)
        except (BrokenPipeError, OSError):
            return  # the reader went away


def _copy_range(src: Path, dst: Path, start: int, end: int) -> None:  # pragma: no cover
    """Copy bytes [start, end) of ``src`` to ``dst`` (in the kernel when it can)."""
    with src.open("rb") as fin, dst.open("wb") as fout:
        if hasattr(os, "copy_file_range"):
            offset, remaining = start, end - start
            try:
                while remaining > 0:
                    n = os.copy_file_range(fin.fileno(), fout.fileno(), remaining, offset)
                    if n == 0:
                        break
                    offset += n
                    remaining -= n
                return
            except OSError:  # e.g. a file system without it: copy in user space
                fout.seek(0)
                fout.truncate()
        fin.seek(start)
        remaining = end - start
        while remaining > 0:
            chunk = fin.read(min(remaining, 1 << 22))
            if not chunk:
                break
            fout.write(chunk)
            remaining -= len(chunk)


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
    """Reads posts pages into one raw frame: the columns of :func:`graph_sql.posts_query`."""

    def __init__(self, workdir: Path, page: str | None) -> None:
        self.workdir = workdir
        self.page = page
        self.con = duckdb.connect()
        self.con.execute("SET TimeZone = 'UTC'").fetchall()
        self.con.execute("SET enable_progress_bar = false")  # it would draw on our stdout
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
                    when = parse_observed(meta.get("engagecore_observed_at"), f.display)
                    observed[i] = when or observed[i]
                    continue
            small.append(i)
        if small:
            df = self._read_pages([files[i] for i in small], small)
            metas = df.select("file", "meta_observed").drop_nulls().unique("file")
            for idx, value in metas.iter_rows():
                when = parse_observed(value, files[idx].display)
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
        source = graph_sql.array_source(idx, bool(_SHARES_REQUESTED.search(urls)))
        try:
            with _array_slice(f.path, span.start, span.end, self.workdir / f"posts-{idx}") as path:
                rel = self.con.sql(
                    graph_sql.posts_query(source), params={"path": str(path), "page": self.page}
                )
                df = _collect(rel)
        except duckdb.Error as exc:
            if "maximum_object_size" in str(exc):
                # one post larger than a whole page should be: refused, never read whole
                raise FormatError(
                    f.display,
                    f"a post larger than {human(graph_sql.MAX_POST_BYTES)}: no Graph API post is "
                    "that large (a caption is at most 63,206 characters)",
                ) from exc
            return None  # not the shape array_span guessed: read the whole object instead
        rec = pl.int_range(pl.len(), dtype=pl.Int64).alias("rec")
        return df.with_columns(rec), span.meta

    def _read_pages(self, files: list[PostsFile], indexes: list[int]) -> pl.DataFrame:
        biggest = max(f.size for f in files)
        query = graph_sql.posts_query(graph_sql.pages_source(biggest))
        try:
            rel = self.con.sql(
                query, params={"files": [str(f.path) for f in files], "page": self.page}
            )
            df = _collect(rel)
        except duckdb.Error as exc:
            raise self._locate_error(exc, files) from exc
        if indexes != list(range(len(indexes))):
            df = df.with_columns(pl.col("file").replace_strict(dict(enumerate(indexes))))
        return df.with_columns(pl.col("file").cast(pl.Int64))

    def _locate_error(self, exc: duckdb.Error, files: list[PostsFile]) -> FormatError:
        """The FormatError naming the first file (and record) DuckDB cannot read."""
        for f in files:
            try:
                self.con.sql(
                    f"""SELECT unnest(data) FROM read_json($path, format = 'auto',
                        maximum_object_size = {f.size + 1024},
                        columns = {{data: '{graph_sql.POST_STRUCT}[]'}})""",
                    params={"path": str(f.path)},
                ).fetchall()
            except duckdb.Error as one:
                record, what = locate_bad_record(f.path)
                reason = what or _one_line(one, f)
                return FormatError(f.display, f"expected a Graph API posts page: {reason}", record)
        return FormatError(
            files[0].display, f"expected Graph API posts pages: {_one_line(exc, files[0])}"
        )


def _one_line(exc: Exception, f: PostsFile) -> str:
    return " ".join(str(exc).split()).replace(str(f.path), f.display)[:300]
