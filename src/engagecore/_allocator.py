"""Ask polars' memory allocator to give freed memory back to the system at once, and Arrow's
to be the system's.

Polars allocates through its own jemalloc, which by default keeps freed pages for ten seconds
before returning them. An import frees large frames from one step to the next (DuckDB's read,
the raw frame, the normalized one, the store write): kept pages then add up. A 200 MB Graph
dump peaked at 3.3-3.7× its size; 2.9× with this setting and the store reading Arrow string
views (benchmarks/RESULTS.md, "Memory bounds").
jemalloc reads its settings once, when polars is first imported: this module is imported by
``engagecore/__init__.py`` before anything that imports polars. A setting the user made
(``_RJEM_MALLOC_CONF`` in the environment) is kept as it is.

Arrow (pyarrow) allocates through mimalloc by default. engagecore hands frames to DuckDB as
Arrow tables (``Store.registered``: zero-copy, no Arrow allocation of ours), and DuckDB's scan
of a registered table allocates a little through Arrow's default pool; with mimalloc that
first use reserves 1 GiB of address space and keeps ~2-4 MB of its threads' pages resident
for the rest of the process. A ``engage fetch`` of 16,000 pages peaked 4 MB higher for it
(benchmarks/RESULTS.md, "Fetch (issue 11)"): Arrow's default pool is the system allocator
here (``ARROW_DEFAULT_MEMORY_POOL``, read by Arrow at its pool's first use), unless the user
chose one.
"""

from __future__ import annotations

import os
from typing import Final

#: jemalloc's variable in polars' build (its symbols carry the ``_rjem_`` prefix)
VARIABLE: Final = "_RJEM_MALLOC_CONF"
#: freed pages go back to the system on the allocator's next call, not ten seconds later
SETTING: Final = "dirty_decay_ms:0,muzzy_decay_ms:0"

#: Arrow's variable for its default memory pool's backend (jemalloc, mimalloc or system)
ARROW_VARIABLE: Final = "ARROW_DEFAULT_MEMORY_POOL"
ARROW_SETTING: Final = "system"

os.environ.setdefault(VARIABLE, SETTING)
os.environ.setdefault(ARROW_VARIABLE, ARROW_SETTING)
