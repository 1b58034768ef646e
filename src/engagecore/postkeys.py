"""The keys of the posts a store holds, as sorted runs of 64-bit hashes kept in files, for a
long run of small writes (``engage fetch``'s import in batches).

Each batch of posts is written as an anti-join: the posts whose ``(network, post_id)`` is
not stored yet are inserted, the others merged. That join reads every stored key, and so
every block of the ``posts`` table that holds one: with a fetch's small row groups those
blocks hold the other columns too, and DuckDB's memory during a batch's write grew with the
posts stored (a 400,000-post fetch read ~16 MB of blocks per batch at its end, 3 MB at its
start; benchmarks/RESULTS.md, "Fetch (issue 11)").

:class:`PostKeys` holds DuckDB's ``hash(network, post_id)`` of every stored post (loaded
once, at the first batch, then kept up to date by the writes themselves). A batch none of
whose hashes is among them has no post stored: it is inserted without reading the stored
keys. A batch with one of them (a refresh of the counts, or a hash shared by two keys) takes
the exact path, as every batch did before.

The hashes are 8 bytes a post: held in memory, they were the last thing a fetch's memory
grew with (3.2 MB at 400,000 posts, 40 MB for a 5M-post store's ``fetch --all``). So each
sorted run is a file of a temporary folder (NumPy's ``.npy``), mapped only while a batch is
looked up in it and let go at once: between lookups the hashes are in the OS's file cache,
not in the process, and a lookup maps one run at a time (at most :data:`MAX_RUN` hashes,
8 MB), whatever the store's size.

It can only err on the safe side: every post written through the store is added *before*
its insert, so a post stored is always found (no false negative); a post added whose insert
rolled back, or two keys with one hash, only send a later batch down the exact path. It is
valid while its connection is the only writer, which DuckDB guarantees: a process that
opens a file for writing holds it alone.
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

Hashes = np.ndarray

#: runs kept apart before the smaller ones are merged: a batch's hashes are a run of their
#: own, written once (merging every batch into one run rewrote the whole run each time)
MAX_RUNS = 64
#: the most hashes a run holds (8 MB): the store's hashes are loaded in runs of this size,
#: and runs are merged only up to it, so that a lookup or a merge maps at most this much
MAX_RUN = 1 << 20


class PostKeys:
    """The hashes of a store's post keys, as sorted runs in files; loaded on first use by
    ``load`` (chunks of hashes, each at most :data:`MAX_RUN` long, in any order)."""

    def __init__(self, load: Callable[[], Iterable[Hashes]]) -> None:
        self._load = load
        self._runs: list[tuple[Path, int]] | None = None  # (file, hashes in it)
        self._folder: Path | None = None
        self._count = 0  # files written (names are never reused)
        self._cleanup: weakref.finalize | None = None

    def _sorted_runs(self) -> list[tuple[Path, int]]:
        if self._runs is None:
            self._runs = []
            for chunk in self._load():
                self._save(np.asarray(chunk, dtype=np.uint64))
            self._merge()
        return self._runs

    def any_stored(self, hashes: Hashes) -> bool:
        """Whether a post of these hashes may be stored (False: certainly none is)."""
        hashes = np.asarray(hashes, dtype=np.uint64)
        if not hashes.size:
            return False
        for path, _ in self._sorted_runs():
            run = np.load(path, mmap_mode="r")
            try:
                at = np.searchsorted(run, hashes)
                at[at == run.size] = 0
                if (run[at] == hashes).any():
                    return True
            finally:
                del run  # unmapped: its pages leave the process
        return False

    def add(self, hashes: Hashes) -> None:
        """The posts of these hashes are being written: they count as stored from now on."""
        self._sorted_runs()
        self._save(np.asarray(hashes, dtype=np.uint64))
        if len(self._runs or ()) > MAX_RUNS:
            self._merge()

    def __len__(self) -> int:
        return sum(n for _, n in self._sorted_runs())

    def close(self) -> None:
        """Remove the runs' files (also done when the object is collected)."""
        if self._cleanup is not None:
            self._cleanup()
        self._runs = None

    def _save(self, hashes: Hashes) -> None:
        """``hashes`` (any order) as sorted runs of at most :data:`MAX_RUN`, one file each."""
        assert self._runs is not None
        for start in range(0, hashes.size, MAX_RUN):
            run = np.array(hashes[start : start + MAX_RUN], dtype=np.uint64)  # its own copy
            run.sort()
            if self._folder is None:
                self._folder = Path(tempfile.mkdtemp(prefix="engage-postkeys-"))
                self._cleanup = weakref.finalize(self, shutil.rmtree, self._folder, True)
            self._count += 1
            path = self._folder / f"run-{self._count:06d}.npy"
            np.save(path, run)
            self._runs.append((path, int(run.size)))
            del run

    def _merge(self) -> None:
        """Merge the smallest runs into one, up to :data:`MAX_RUN` hashes, while there are
        more than :data:`MAX_RUNS` (runs too large to merge are kept as they are)."""
        runs = self._runs
        assert runs is not None
        while len(runs) > MAX_RUNS:
            small = sorted(runs, key=lambda r: r[1])
            take: list[tuple[Path, int]] = []
            total = 0
            for r in small:
                if take and total + r[1] > MAX_RUN:
                    break
                take.append(r)
                total += r[1]
            if len(take) < 2:
                return
            merged = np.concatenate([np.load(p, mmap_mode="r") for p, _ in take])
            for r in take:
                runs.remove(r)
                r[0].unlink()
            self._save(merged)
            del merged
