"""Temporary files of an import: one folder per run, beside the store, never left behind.

An importer that needs files on disk (a zip member extracted for DuckDB, a slice of a large
JSON document) asks :meth:`ReadContext.temp_dir` for a folder inside the run's folder
``<store>.engage-tmp/run-<pid>/`` (not ``<store>.tmp``: DuckDB spills there). The run folder is removed when the run ends, normally or by an
exception (SIGINT and SIGTERM become exceptions: see :mod:`engagecore.interrupts`). A run
killed outright (SIGKILL, a power cut) leaves its folder: the next run on the same store
removes it, as it removes every run folder whose process is gone.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: run folders of this process still on disk (removed by the interrupt watcher on a hard exit)
_ACTIVE: set[Path] = set()


def root_for(store_path: Path) -> Path:
    """The folder beside a store holding its runs' folders (``<store>.engage-tmp``); for a store
    that is no file (``:memory:``), or beside which nothing can be written, a folder in the
    user's cache."""
    if str(store_path) != ":memory:":
        parent = store_path.absolute().parent
        if os.access(parent, os.W_OK):
            return parent / (store_path.name + ".engage-tmp")
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "engagecore" / "runs"


def remove_stale(root: Path) -> list[Path]:
    """Remove the run folders under ``root`` left by other processes; the ones removed."""
    mine = f"run-{os.getpid()}"
    gone: list[Path] = []
    if not root.is_dir():
        return gone
    for child in root.iterdir():
        if child.name.startswith("run-") and child.name != mine and _dead(child.name[4:]):
            shutil.rmtree(child, ignore_errors=True)
            gone.append(child)
    return gone


def _dead(pid_text: str) -> bool:
    """Whether no process has this id (a folder whose name is no pid counts as dead; a
    reused pid only keeps a folder until a later run)."""
    try:
        pid = int(pid_text)
    except ValueError:
        return True
    if pid <= 0:
        return True
    if os.name == "nt":  # pragma: no cover - os.kill would end the process there
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


@contextmanager
def run_folder(store_path: Path) -> Iterator[Path]:
    """This run's folder (created empty), removed when the block ends however it ends."""
    root = root_for(store_path)
    remove_stale(root)
    folder = root / f"run-{os.getpid()}"
    folder.mkdir(parents=True, exist_ok=True)
    # one process may run several ingests (threads, notebooks): each its own subfolder
    run = Path(tempfile.mkdtemp(prefix="ingest-", dir=folder))
    _ACTIVE.add(run)
    try:
        yield run
    finally:
        _remove(run)


def _remove(run: Path) -> None:
    """A run's folder, then its process folder and the root when nothing else is left in
    them (another ingest of this process may still be running)."""
    _ACTIVE.discard(run)
    shutil.rmtree(run, ignore_errors=True)
    for leftover in (run.parent, run.parent.parent):
        try:
            leftover.rmdir()
        except OSError:
            break


def remove_active() -> None:
    """Remove every run folder of this process now (before a hard exit)."""
    for run in list(_ACTIVE):
        _remove(run)
