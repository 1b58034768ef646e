"""Commands that fit nothing do not load scikit-learn (and the scipy.stats it loads): ~1.3 s
of CPU at the start of every such command when the scoring package imported it at the top."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

# Runs the commands one after the other in one fresh interpreter, then says which of the
# heavy libraries they loaded, and whether the scoring package (which fits with
# scikit-learn) was loaded at all.
_PROBE = """
import json, sys
from engagecore.cli import main

for args in json.loads(sys.argv[1]):
    try:
        main(args)
    except SystemExit as exc:
        assert not exc.code, (args, exc.code)
heavy = sorted(m for m in ("sklearn", "scipy", "altair") if m in sys.modules)
print(json.dumps({"heavy": heavy, "scoring": "engagecore.scoring.cohort" in sys.modules}))
"""


def test_commands_that_fit_nothing_do_not_import_scikit_learn(
    tmp_path: Path, fixtures: Path
) -> None:
    db = str(tmp_path / "s.duckdb")
    commands = [
        ["--help"],
        ["ingest", str(fixtures / "spreadsheet" / "posts.csv"), "--db", db],
        ["museums", "list", "--db", db],
        ["posts", "--db", db],  # imports the scoring package
        ["growth", "--db", db],
    ]
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(commands)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout.splitlines()[-1])
    assert loaded == {"heavy": [], "scoring": True}
