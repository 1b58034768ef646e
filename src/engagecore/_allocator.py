"""Ask polars' memory allocator to give freed memory back to the system at once.

Polars allocates through its own jemalloc, which by default keeps freed pages for ten seconds
before returning them. An import frees large frames from one step to the next (DuckDB's read,
the raw frame, the normalized one, the store write): kept pages then add up. A 200 MB Graph
dump peaked at 3.3-3.7× its size; 2.9× with this setting and the store reading Arrow string
views (benchmarks/RESULTS.md, "Memory bounds").
jemalloc reads its settings once, when polars is first imported: this module is imported by
``engagecore/__init__.py`` before anything that imports polars. A setting the user made
(``_RJEM_MALLOC_CONF`` in the environment) is kept as it is.
"""

from __future__ import annotations

import os
from typing import Final

#: jemalloc's variable in polars' build (its symbols carry the ``_rjem_`` prefix)
VARIABLE: Final = "_RJEM_MALLOC_CONF"
#: freed pages go back to the system on the allocator's next call, not ten seconds later
SETTING: Final = "dirty_decay_ms:0,muzzy_decay_ms:0"

os.environ.setdefault(VARIABLE, SETTING)
