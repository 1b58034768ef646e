"""A store another process holds past ``--wait`` ends every command with the same exit code,
75 (sysexits' EX_TEMPFAIL: try again later), apart from 1 (this run failed): a cron job
running ``engage fetch --all`` tells "the store was busy" from "an account failed"."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_run import run
from test_resources import FIXTURES, _end, _hold

from engagecore.errors import EngageError, StoreBusy, UsageError
from engagecore.store import Store

#: every command that opens the store, for writing (fetch, ingest) or for reading
COMMANDS = {
    "fetch": ["fetch", "--all"],
    "ingest": ["ingest", str(FIXTURES / "spreadsheet")],
    "score": ["score"],
    "query": ["query", "SELECT count(*) FROM posts"],
    "tables": ["tables"],
    "museums": ["museums", "list"],
}


@pytest.fixture(scope="module")
def held(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, int]]:
    """A store, and another process holding it open (DuckDB's lock) for the module."""
    db = tmp_path_factory.mktemp("busy") / "busy.duckdb"
    Store(db).close()
    holder = _hold(db)
    yield db, holder.pid
    _end(holder)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_busy_store_exits_75_in_every_command(
    command: str, held: tuple[Path, int], capsys: pytest.CaptureFixture[str]
) -> None:
    db, pid = held
    code, out, err = run(["--wait", "0.2", *COMMANDS[command], "--db", str(db)], capsys)
    assert code == StoreBusy.exit_code == 75, err
    (line,) = err.splitlines()
    assert line.startswith(f"engage: error: {db}: the store is busy (pid {pid}); waited 0.2 s")
    assert "IO Error" not in line and out == ""


def test_75_means_only_a_busy_store() -> None:
    """No other error, nor fetch's own codes, gives 75 (or a busy store another code)."""
    from engagecore.cli.fetch_cmd import NOTHING_TO_DO

    def subclasses(cls: type[EngageError]) -> list[type[EngageError]]:
        return [cls, *(s for sub in cls.__subclasses__() for s in subclasses(sub))]

    others = {c.exit_code for c in subclasses(EngageError) if c is not StoreBusy}
    assert others == {1, UsageError.exit_code} and NOTHING_TO_DO not in {*others, 75}


def test_the_docs_table_lists_every_exit_code() -> None:
    """docs/output.md's "Exit codes" is the one table: every code the command line gives."""
    import re
    import signal

    from engagecore.cli.fetch_cmd import NOTHING_TO_DO

    doc = (Path(__file__).resolve().parents[1] / "docs" / "output.md").read_text("utf-8")
    section = doc.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    listed = {
        int(c) for row in re.findall(r"^\| ([\d /]+) \|", section, re.M) for c in row.split("/")
    }
    given = {0, 1, UsageError.exit_code, NOTHING_TO_DO, StoreBusy.exit_code}
    given |= {128 + signal.SIGINT, 128 + signal.SIGTERM}
    assert listed == given
