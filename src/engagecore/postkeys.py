"""The keys of the posts a store holds, as a sorted array of 64-bit hashes, for a long run
of small writes (``engage fetch``'s import in batches).

Each batch of posts is written as an anti-join: the posts whose ``(network, post_id)`` is
not stored yet are inserted, the others merged. That join reads every stored key, and so
every block of the ``posts`` table that holds one: with a fetch's small row groups those
blocks hold the other columns too, and DuckDB's memory during a batch's write grew with the
posts stored (a 400,000-post fetch read ~16 MB of blocks per batch at its end, 3 MB at its
start; benchmarks/RESULTS.md, "Fetch (issue 11)").

:class:`PostKeys` holds DuckDB's ``hash(network, post_id)`` of every stored post (8 bytes a
post, loaded once, at the first batch, then kept up to date by the writes themselves). A
batch none of whose hashes is among them has no post stored: it is inserted without reading
the stored keys. A batch with one of them (a refresh of the counts, or a hash shared by two
keys) takes the exact path, as every batch did before.

It can only err on the safe side: every post written through the store is added *before*
its insert, so a post stored is always found (no false negative); a post added whose insert
rolled back, or two keys with one hash, only send a later batch down the exact path. It is
valid while its connection is the only writer, which DuckDB guarantees: a process that
opens a file for writing holds it alone.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Hashes = np.ndarray

#: sorted runs kept apart before they are merged into one: a batch's hashes are a run of
#: their own, so that a batch allocates only its own (merging every batch into one array
#: reallocated the whole array each time, and the C allocator's heap grew with the churn:
#: +34 MB of heap over a 400,000-post fetch)
MAX_RUNS = 64


class PostKeys:
    """The hashes of a store's post keys, as sorted runs; loaded on first use by ``load``."""

    def __init__(self, load: Callable[[], Hashes]) -> None:
        self._load = load
        self._runs: list[Hashes] | None = None

    def _sorted_runs(self) -> list[Hashes]:
        if self._runs is None:
            self._runs = [_sorted(self._load())]
        return self._runs

    def any_stored(self, hashes: Hashes) -> bool:
        """Whether a post of these hashes may be stored (False: certainly none is)."""
        hashes = np.asarray(hashes, dtype=np.uint64)
        for run in self._sorted_runs():
            if not run.size or not hashes.size:
                continue
            at = np.searchsorted(run, hashes)
            at[at == run.size] = 0
            if (run[at] == hashes).any():
                return True
        return False

    def add(self, hashes: Hashes) -> None:
        """The posts of these hashes are being written: they count as stored from now on."""
        runs = self._sorted_runs()
        runs.append(_sorted(hashes))
        if len(runs) > MAX_RUNS:
            self._runs = [_sorted(np.concatenate(runs))]

    def __len__(self) -> int:
        return sum(int(run.size) for run in self._sorted_runs())


def _sorted(hashes: Hashes) -> Hashes:
    run = np.array(hashes, dtype=np.uint64)  # a copy of its own, sorted in place
    run.sort()
    return run
