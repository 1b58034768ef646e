"""Rows of a produced table gathered a few thousand at a time into frames.

An importer reading a large file record by record (:class:`engagecore.jsonstream.JsonStream`)
would otherwise keep every row as a Python dict until the end: ~1 KB a post, 3-5× the JSON
it came from. Kept in frames of :data:`CHUNK` rows, a post costs its columns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import polars as pl

from engagecore.textutil import frame

#: Rows kept as Python dicts before they become a frame.
CHUNK = 5000


class Rows:
    """Rows of one produced table (``"posts"``…), in arrival order.

    :meth:`frame` gives them as one frame of the table's schema, each key once (the first
    or the last row of it, or the one with the latest ``newest`` column, the later one on a
    tie), sorted by ``order``: the frame ``frame(table, rows)`` of the same rows deduplicated
    and sorted in Python would be, without holding the rows as Python objects.

    .. versionadded:: 1
    """

    def __init__(self, table: str, chunk: int = 0) -> None:
        self.table = table
        self.chunk = chunk or CHUNK
        self._rows: list[Mapping[str, Any]] = []
        self._frames: list[pl.DataFrame] = []
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def add(self, row: Mapping[str, Any]) -> None:
        self._rows.append(row)
        self._count += 1
        if len(self._rows) >= self.chunk:
            self._flush()

    def extend(self, other: Rows) -> None:
        """Takes over ``other``'s rows, after this collection's (``other`` is left empty)."""
        other._flush()
        self._flush()
        self._frames.extend(other._frames)
        self._count += other._count
        other._frames, other._count = [], 0

    def copy(self) -> Rows:
        """A collection holding the same rows (their frames shared, not copied)."""
        self._flush()
        out = Rows(self.table, self.chunk)
        out._frames = list(self._frames)
        out._count = self._count
        return out

    def _flush(self) -> None:
        if self._rows:
            rows, self._rows = self._rows, []
            self._frames.append(frame(self.table, rows))

    def frame(
        self,
        *,
        key: str | None = None,
        keep: Literal["first", "last"] = "last",
        newest: str | None = None,
        order: Sequence[str] = (),
    ) -> pl.DataFrame:
        """The rows as one frame (they are handed over: this collection is empty after)."""
        self._flush()
        chunks, self._frames, self._count = self._frames, [], 0
        if not chunks:
            return frame(self.table, [])
        every = pl.concat(chunks, how="vertical", rechunk=False)
        del chunks
        if key is None and not order:
            return every
        columns = [c for c in (key, newest, *order) if c is not None]
        keys = every.select(list(dict.fromkeys(columns))).with_row_index("_row")
        if key is not None and keys.get_column(key).is_duplicated().any():
            if newest is not None:
                keys = keys.sort(newest, "_row").unique(key, keep="last")
            else:
                keys = keys.unique(key, keep=keep)
        keys = keys.sort([*order, "_row"]) if order else keys.sort("_row")
        rows = keys.get_column("_row")
        del keys
        if rows.len() == every.height and bool((rows.diff().fill_null(1) == 1).all()):
            return every  # already each once, in order
        out: dict[str, pl.Series] = {}
        for name in every.columns:  # a column at a time: the frame is not held twice
            out[name] = every.get_column(name).gather(rows)
            every = every.drop(name)
        return pl.DataFrame(out)
