"""Files the tests build once per test run, whatever the number of xdist workers: the demo
stores (``run_demo`` is deterministic for a number of museums and a seed, so every test asking
for the same pair would build the same store). The first process of the run that asks builds,
the others wait for it under a file lock, then find it built. Read what it gives only: copy
a store a test changes (:func:`copy_of`, a file copy)."""

from __future__ import annotations

import fcntl
import os
import pickle
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from engagecore.demo import DemoResult, run_demo


def _run_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The temporary folder every process of this run shares: under xdist, the parent of
    the workers' own folders (``pytest-N/``); without it, the run's own folder."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def built_once(
    tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]
) -> Path:
    """The folder ``name``, filled by ``build(folder)`` by the first process of the run that
    asks for it. Read it only."""
    root = _run_root(tmp_path_factory) / "built-once"
    root.mkdir(exist_ok=True)
    folder = root / name
    with _locked(root / f"{name}.lock"):
        if not (folder / ".done").exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            build(folder)
            (folder / ".done").touch()
    return folder


def copy_of(db: Path, dest: Path) -> Path:
    """A copy of the DuckDB file ``db`` (closed) at ``dest``, for a process or a test to
    open and change on its own."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(db, dest)
    return dest


@dataclass(frozen=True)
class DemoBuild:
    """``run_demo(db, museums=M, seed=S)`` as it ran once in this test run: the store it
    built (``db``: copy it before opening it), what it returned, its progress calls."""

    db: Path
    result: DemoResult
    calls: list[tuple[int, int, str]]
    museums: int
    seed: int


def demo_build(tmp_path_factory: pytest.TempPathFactory, museums: int, seed: int) -> DemoBuild:
    """``engage demo --museums MUSEUMS --seed SEED``'s store, built once per test run."""

    def build(folder: Path) -> None:
        calls: list[tuple[int, int, str]] = []
        result = run_demo(
            folder / "demo.duckdb",
            museums=museums,
            seed=seed,
            progress=lambda d, t, label: calls.append((d, t, label)),
        )
        (folder / "result.pickle").write_bytes(pickle.dumps((result, calls)))

    folder = built_once(tmp_path_factory, f"demo-{museums}-{seed}", build)
    result, calls = pickle.loads((folder / "result.pickle").read_bytes())
    return DemoBuild(folder / "demo.duckdb", result, calls, museums, seed)


def replay_demo(built: DemoBuild, monkeypatch: pytest.MonkeyPatch) -> None:
    """``engage demo`` (in process) given ``built``'s run instead of running the same one
    again: ``run_demo`` asked for that build's museums and seed, with no export folder, copies
    its store to the ``db`` asked for and returns its result (naming that ``db``)."""
    import engagecore.demo

    def run_demo(db_path: str | Path, **kwargs: object) -> DemoResult:
        asked = (kwargs.get("museums"), kwargs.get("seed"), kwargs.get("export_dir"))
        assert asked == (built.museums, built.seed, None), f"not the built demo: {asked}"
        copy_of(built.db, Path(db_path))
        return replace(built.result, db_path=Path(db_path))

    monkeypatch.setattr(engagecore.demo, "run_demo", run_demo)


def demo_at_width(
    museums: int,
    seed: int,
    width: int,
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[str, str, Path]:
    """``engage demo --museums MUSEUMS --seed SEED`` at a terminal of ``width`` columns, its
    store built once (:func:`demo_build`): its stdout, its stderr and its store."""
    from cli_run import run

    replay_demo(demo_build(tmp_path_factory, museums=museums, seed=seed), monkeypatch)
    monkeypatch.setenv("COLUMNS", str(width))
    db = tmp_path / "demo.duckdb"
    args = ["demo", "--museums", str(museums), "--seed", str(seed), "--db", str(db)]
    code, out, err = run(args, capsys)
    assert code == 0, err
    return out, err, db
