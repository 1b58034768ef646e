"""engagecore's allocator settings (engagecore._allocator), checked in fresh interpreters:
polars' jemalloc gives freed pages back at once, and Arrow's default pool is the system
allocator — mimalloc's first use (DuckDB's scan of a registered Arrow table) reserved 1 GiB
and kept a few MB resident for the rest of the process. A setting the user made is kept."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

_PROBE = """
import json, sys
if sys.argv[1] == "engagecore":
    import engagecore  # noqa: F401  (its settings, as any command gets them)
import duckdb, polars as pl, pyarrow as pa
con = duckdb.connect()
frame = pl.DataFrame({"a": range(20_000), "s": [f"x{i}" * 5 for i in range(20_000)]})
con.register("_x", frame.to_arrow())
con.execute("CREATE TABLE t AS SELECT * FROM _x")
big = []
for line in open("/proc/self/maps"):
    lo, hi = (int(x, 16) for x in line.split()[0].split("-"))
    if hi - lo >= 1 << 30 and len(line.split()) < 6:  # an anonymous 1 GiB reservation
        big.append(line.split()[0])
print(json.dumps({"arrow": pa.default_memory_pool().backend_name, "reserved_gib": len(big)}))
"""


def _probe(tmp_path: Path, how: str, **env: str) -> dict[str, object]:
    script = tmp_path / "probe.py"
    script.write_text(_PROBE)
    environ = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    out = subprocess.run(
        [sys.executable, str(script), how],
        env={**environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="reads /proc (Linux)")
def test_arrow_allocates_through_the_system_allocator_once_engagecore_is_imported(
    tmp_path: Path,
) -> None:
    plain = _probe(tmp_path, "plain")
    ours = _probe(tmp_path, "engagecore")
    assert ours == {"arrow": "system", "reserved_gib": 0}
    # what the setting avoids, in the same interpreter without it (Arrow's own default)
    if plain["arrow"] == "mimalloc":
        assert plain["reserved_gib"] >= 1


def test_a_pool_the_user_chose_is_kept(tmp_path: Path) -> None:
    chosen = _probe(tmp_path, "engagecore", ARROW_DEFAULT_MEMORY_POOL="jemalloc")
    assert chosen["arrow"] == "jemalloc"
