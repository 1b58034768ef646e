"""Resource hardening (issue 15 points 5, 6, 8, 9, 10): memory and zip limits, temporary
folders and signals, the memory setting never reaching SQL raw, privacy of import paths, a
busy store."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from built_once import built_once
from cli_run import run as cli

from engagecore import plugins
from engagecore.errors import StoreError
from engagecore.hookspecs import hookimpl
from engagecore.pluginapi import Batch, Importer, ReadContext
from engagecore.sources import Source
from engagecore.store import Store

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def tables(db: Path) -> set[str]:
    store = Store(db, read_only=True)
    try:
        return {r[0] for r in store.fetchall("SELECT table_name FROM information_schema.tables")}
    finally:
        store.close()


# -- 15.8: ENGAGE_INGEST_MEMORY is validated as a size -------------------------------------


def test_ingest_memory_injection_is_refused_and_the_table_survives(
    tmp_path: Path,
    fixtures: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db = tmp_path / "m.duckdb"
    Store(db).close()
    assert "museum_aliases" in tables(db)
    monkeypatch.setenv(
        "ENGAGE_INGEST_MEMORY", "512MB'; DROP TABLE museum_aliases; SET memory_limit='512MB"
    )
    code, _, err = cli(["ingest", str(fixtures / "spreadsheet"), "--db", str(db)], capsys)
    assert code == 2, err
    assert err.count("\n") == 1 and "ENGAGE_INGEST_MEMORY" in err and "512MB" in err
    assert "expected a size" in err
    assert "museum_aliases" in tables(db)
    assert Store(db).counts()["posts"] == 0


@pytest.mark.parametrize("value", ["512MB", "2 GiB", "1.5gb", "100000000B"])
def test_ingest_memory_accepts_sizes(
    value: str,
    tmp_path: Path,
    fixtures: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ENGAGE_INGEST_MEMORY", value)
    db = tmp_path / "ok.duckdb"
    code, _, err = cli(["ingest", str(fixtures / "spreadsheet"), "--db", str(db)], capsys)
    assert code == 0, err


@pytest.mark.parametrize("value", ["lots", "512", "-1GB", "512 MB; x", "1e9B", "0MB"])
def test_ingest_memory_rejects_non_sizes(
    value: str,
    tmp_path: Path,
    fixtures: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ENGAGE_INGEST_MEMORY", value)
    code, _, err = cli(
        ["ingest", str(fixtures / "spreadsheet"), "--db", str(tmp_path / "x.duckdb")], capsys
    )
    assert code == 2 and "ENGAGE_INGEST_MEMORY" in err and err.count("\n") == 1


# -- 15.9: no absolute path travels with a store -------------------------------------------


def _varchar_cells_containing(db: Path, needle: str) -> list[str]:
    """Every ``table.column`` of a VARCHAR (or VARCHAR list) column holding ``needle``."""
    store = Store(db, read_only=True)
    try:
        cols = store.fetchall(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE data_type LIKE 'VARCHAR%'"
        )
        assert len(cols) > 20
        hits = []
        for table, column in cols:
            n = store.fetchall(
                f'SELECT count(*) FROM "{table}" WHERE contains(CAST("{column}" AS VARCHAR), ?)',
                [needle],
            )[0][0]
            if n:
                hits.append(f"{table}.{column}")
        return hits
    finally:
        store.close()


@pytest.mark.parametrize("keep", [False, True])
def test_import_paths_are_not_stored_unless_asked(
    keep: bool, tmp_path: Path, fixtures: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    exports = tmp_path / "home" / "someone" / "exports"
    (exports / "yt").mkdir(parents=True)
    shutil.copy(fixtures / "youtube" / "videos_list.json", exports / "yt")
    shutil.copytree(fixtures / "spreadsheet", exports / "sheets")
    db = tmp_path / "p.duckdb"
    args = ["ingest", str(exports), "--db", str(db)] + (["--keep-paths"] if keep else [])
    code, _, err = cli(args, capsys)
    assert code == 0, err
    hits = _varchar_cells_containing(db, str(tmp_path))
    assert hits == (["imports.path"] if keep else [])
    store = Store(db, read_only=True)
    rows = sorted(store.fetchall("SELECT path, sha256 FROM imports"))
    store.close()
    assert len(rows) == 2 and all(len(digest) == 64 for _, digest in rows)
    if not keep:
        assert [p for p, _ in rows] == ["exports/sheets/posts.csv", "exports/yt"]


def test_a_file_given_alone_is_stored_by_name(tmp_path: Path, fixtures: Path) -> None:
    import engagecore

    with engagecore.open(tmp_path / "n.duckdb") as eng:
        eng.ingest([fixtures / "spreadsheet" / "posts.csv"])
        assert eng.imports()["path"].to_list() == ["posts.csv"]
    with engagecore.open(tmp_path / "k.duckdb") as eng:
        eng.ingest([fixtures / "spreadsheet" / "posts.csv"], keep_paths=True)
        assert eng.imports()["path"].to_list() == [
            str((fixtures / "spreadsheet" / "posts.csv").resolve())
        ]


# -- 15.10: a busy store says so, and commands wait for it ---------------------------------

HOLDER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
print("ready", flush=True)
sys.stdin.readline()  # held until the test says so (or ends: stdin closes)
print("releasing", flush=True)
con.close()
"""


def _hold(db: Path) -> subprocess.Popen[str]:
    """A process holding ``db`` open (DuckDB's lock) until :func:`_release`."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


def _releaser(holder: subprocess.Popen[str]) -> Callable[[], None]:
    """Tells ``holder`` to let go of its store, the first time it is called."""
    told: list[bool] = []

    def release() -> None:
        if not told:
            told.append(True)
            assert holder.stdin is not None
            holder.stdin.write("release\n")
            holder.stdin.flush()

    return release


def _end(holder: subprocess.Popen[str]) -> None:
    holder.kill()
    holder.communicate()


def _connects(
    monkeypatch: pytest.MonkeyPatch, refused: Callable[[], None] = lambda: None
) -> list[tuple[float, bool]]:
    """Every attempt of this process to open a DuckDB file from now on: (when it ended,
    whether it got the file), the real ``duckdb.connect`` doing the work; ``refused`` is
    called after each attempt the lock refuses."""
    import duckdb

    real = duckdb.connect
    attempts: list[tuple[float, bool]] = []

    def connect(*args: Any, **kwargs: Any) -> duckdb.DuckDBPyConnection:
        try:
            con = real(*args, **kwargs)
        except duckdb.IOException:
            attempts.append((time.monotonic(), False))
            refused()
            raise
        attempts.append((time.monotonic(), True))
        return con

    monkeypatch.setattr(duckdb, "connect", connect)
    return attempts


def test_a_busy_store_names_the_holder_after_waiting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "busy.duckdb"
    Store(db).close()
    holder = _hold(db)
    try:
        attempts = _connects(monkeypatch)
        code, _, err = cli(["--wait", "1", "museums", "list", "--db", str(db)], capsys)
        gave_up = time.monotonic()
        assert code == 75 and err.count("\n") == 1, err
        assert f"the store is busy (pid {holder.pid}" in err and str(db) in err
        assert "cannot open" not in err and "IO Error" not in err
        # timed from its first attempt (the command's start-up is no part of its wait)
        assert len(attempts) > 1 and not any(got for _, got in attempts)
        assert 0.9 <= gave_up - attempts[0][0] < 5
        with pytest.raises(StoreError, match=f"busy.*pid {holder.pid}"):
            Store(db, read_only=True, wait=0)
    finally:
        _end(holder)


def test_a_command_waits_for_the_store_to_be_free(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "soon.duckdb"
    Store(db).close()
    holder = _hold(db)
    try:
        # the holder lets go once the command has been refused (so it surely waits)
        attempts = _connects(monkeypatch, _releaser(holder))
        code, _, err = cli(["museums", "list", "--db", str(db), "--format", "json"], capsys)
        assert code == 0, err  # the default wait (10 s) outlasts the holder
        assert attempts[0][1] is False and attempts[-1][1] is True
        assert holder.stdout is not None and holder.stdout.readline().strip() == "releasing"
        _end(holder)
        holder = _hold(db)
        attempts = _connects(monkeypatch, _releaser(holder))
        monkeypatch.setenv("ENGAGE_WAIT", "8")
        code, _, err = cli(["ingest", str(FIXTURES / "spreadsheet"), "--db", str(db)], capsys)
        assert code == 0, err  # writers wait too
        assert attempts[0][1] is False and attempts[-1][1] is True
        assert holder.stdout is not None and holder.stdout.readline().strip() == "releasing"
    finally:
        _end(holder)


def test_engage_wait_is_validated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # a store to list (museums list reads one; it no longer creates a missing one)
    code, _, err = cli(
        ["museums", "add", "Musée du Louvre", "--db", str(tmp_path / "w.duckdb")], capsys
    )
    assert code == 0, err
    monkeypatch.setenv("ENGAGE_WAIT", "soon")
    code, _, err = cli(["museums", "list", "--db", str(tmp_path / "w.duckdb")], capsys)
    assert code == 2 and "ENGAGE_WAIT" in err


# -- 15.6: signals end a run cleanly; no temporary file outlives it --------------------------


def _graph_dump(path: Path, posts: int) -> Path:
    """A Facebook Graph posts page of ``posts`` posts in one file (slow enough to signal)."""
    page = "104958162837"
    with path.open("w", encoding="utf-8") as fh:
        fh.write('{"data": [')
        for i in range(posts):
            if i:
                fh.write(",")
            fh.write(
                f'{{"id": "{page}_{10**15 + i}", "created_time": "2024-0{1 + i % 9}-1{i % 10}'
                f'T10:00:00+0000", "message": "Nocturne au musée n°{i} {"✨ " * 40}", '
                '"status_type": "added_photos", "attachments": {"data": [{"type": "photo"}]}, '
                f'"reactions": {{"summary": {{"total_count": {i % 997}}}}}, '
                f'"comments": {{"summary": {{"total_count": {i % 31}}}}}, '
                f'"shares": {{"count": {i % 7}}}}}'
            )
        fh.write('], "paging": {"next": "https://graph.facebook.com/x?fields=shares"}}')
    return path


def _engage(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "engagecore", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(check: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.fixture(scope="module")
def big_graph(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Written once per test run (only read: each test imports it into a store of its own)."""

    def build(folder: Path) -> None:
        _graph_dump(folder / "posts.json", 300_000)

    return built_once(tmp_path_factory, "big-graph", build) / "posts.json"


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_a_signal_mid_import_keeps_nothing_and_leaves_no_temporary_folder(
    sig: signal.Signals, big_graph: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the commands before and after the signalled one run in this process (the point is
    # the signalled process; the store and its run folders are the same either way)
    db = tmp_path / "sig.duckdb"
    code, _, err = cli(["ingest", str(FIXTURES / "spreadsheet"), "--db", str(db)], capsys)
    assert code == 0, err
    before = Store(db, read_only=True)
    digest = before.table_digest()
    before.close()
    runs = tmp_path / "sig.duckdb.engage-tmp"
    proc = _engage("ingest", str(big_graph), "--db", str(db))
    run = runs / f"run-{proc.pid}"
    # signalled while the importer works in its temporary folder (DuckDB reading the posts)
    _wait_for(lambda: any(run.rglob("engage-fb-*")))
    if sig == signal.SIGINT:
        # meanwhile, another command is told who holds the store
        code, _, err = cli(["--wait", "0", "museums", "list", "--db", str(db)], capsys)
        assert code == 75
        assert f"the store is busy (an import is running, pid {proc.pid})" in err
    sent = time.monotonic()
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    stopped_in = time.monotonic() - sent
    if sig == signal.SIGKILL:
        assert proc.returncode == -signal.SIGKILL
        assert run.is_dir()  # a killed process cannot clean up: the next run does
    else:
        expected = {signal.SIGINT: "interrupted", signal.SIGTERM: "terminated (SIGTERM)"}[sig]
        assert err == f"engage: error: {expected}\n" and out == ""
        assert proc.returncode == 128 + sig
        assert stopped_in < 6  # DuckDB's scan is interrupted, not waited for
        assert not runs.exists()
    after = Store(db, read_only=True)
    assert after.table_digest() == digest  # all or nothing
    after.close()
    code, _, err = cli(["ingest", str(FIXTURES / "spreadsheet"), "--db", str(db)], capsys)
    assert code == 0, err
    assert not runs.exists()


def _deliver(sig: signal.Signals) -> None:
    """``sig`` sent to this process; its Python handler runs as this call returns, as it
    would at any point of the main thread. The mask is restored as it was (the processes
    a later test starts inherit it)."""
    old = signal.pthread_sigmask(signal.SIG_BLOCK, [sig])
    # raise_signal sends it to this thread, not to the process: os.kill let the kernel hand it
    # to another thread (DuckDB's), whose handler could run after this call had returned
    signal.raise_signal(sig)
    signal.pthread_sigmask(signal.SIG_SETMASK, old)


def test_a_signal_while_an_error_unwinds_lets_the_cleanup_run_and_is_raised_later() -> None:
    # the watcher interrupted DuckDB before the handler ran: the main thread is unwinding
    # DuckDB's error when the handler runs; raising there skipped cleanup code (a context
    # manager's __exit__: the pipe feeder of a Graph read outlived its folder, 10 s at exit)
    import duckdb

    from engagecore import interrupts

    cleaned: list[str] = []
    with interrupts.handled(interrupts.report_stderr):
        unwound: list[BaseException] = []
        try:
            try:
                raise duckdb.InterruptException("INTERRUPT Error: Interrupted!")
            finally:
                _deliver(signal.SIGINT)
                cleaned.append("after the signal")
        except BaseException as exc:  # which one is the point
            unwound.append(exc)
        assert cleaned == ["after the signal"]
        assert [type(e) for e in unwound] == [duckdb.InterruptException]
        stop = interrupts.received()
        assert stop is not None and stop.exit_code == 130 and stop.message == "interrupted"
        with pytest.raises(interrupts.Interrupted, match="interrupted"):
            interrupts.check()  # where code would carry on after catching that error
    assert interrupts.received() is None  # the next command starts afresh
    with interrupts.handled(interrupts.report_stderr), pytest.raises(interrupts.Interrupted):
        _deliver(signal.SIGTERM)  # no error under way: raised at once, as before
    interrupts.check()  # nothing received since


def test_a_transaction_never_commits_after_a_signal(tmp_path: Path) -> None:
    import duckdb

    from engagecore import interrupts

    store = Store(tmp_path / "t.duckdb")
    before = store.table_digest()
    with (
        interrupts.handled(interrupts.report_stderr),
        pytest.raises(interrupts.Interrupted),
        store.transaction(),
    ):
        store.con.execute("INSERT INTO schema_migrations VALUES (99, now())")
        try:
            raise duckdb.InterruptException("INTERRUPT Error: Interrupted!")
        except duckdb.Error:
            _deliver(signal.SIGINT)  # recorded, not raised: this code carries on
    assert store.table_digest() == before
    store.close()


def test_a_pipe_feeder_ends_when_its_read_stops_even_with_its_folder_gone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import shutil
    import threading

    from engage_facebook.graph.large_page import array_chunks, array_span

    no_reader = threading.Event()
    real_open = os.open

    def opening(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        try:
            return real_open(path, flags, *args, **kwargs)
        except OSError as exc:
            if exc.errno == errno.ENXIO:  # a pipe's writer found no reader yet
                no_reader.set()
            raise

    monkeypatch.setattr(os, "open", opening)
    page = _graph_dump(tmp_path / "posts.json", 300)
    span = array_span(page)
    assert span is not None
    run = tmp_path / "run"
    run.mkdir()
    before = set(threading.enumerate())
    with array_chunks(page, span.start, span.end, run / "posts-0", "posts.json", 1 << 20) as pipes:
        assert next(pipes).parent == run
        (feeder,) = set(threading.enumerate()) - before
        assert no_reader.wait(60)  # the feeder waits for DuckDB to open the pipe
        shutil.rmtree(run)  # an interrupted run's folder is removed, pipe and all
    # a blocking open() waited for a reader forever: nothing could open the removed pipe
    assert not feeder.is_alive()


def test_stale_run_folders_are_removed_and_live_ones_kept(tmp_path: Path) -> None:
    from engagecore import scratch

    root = scratch.root_for(tmp_path / "s.duckdb")
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    stale = root / f"run-{int(dead.stdout)}"
    (stale / "ingest-x").mkdir(parents=True)
    (stale / "ingest-x" / "member-1.json").write_bytes(b"x" * 1000)
    holder = _hold(tmp_path / "other.duckdb")
    try:
        live = root / f"run-{holder.pid}"
        live.mkdir()
        with scratch.run_folder(tmp_path / "s.duckdb") as mine:
            assert mine.is_dir() and not stale.exists() and live.is_dir()
        assert not mine.exists() and live.is_dir()
    finally:
        _end(holder)


# -- 15.5: zip members are held to size and ratio limits -----------------------------------


def _x_zip(path: Path, padding: int = 0) -> Path:
    """The X archive fixture as a zip; ``padding`` spaces inside tweets.js's array (valid
    JSON that compresses a thousandfold)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for member in sorted((FIXTURES / "x" / "archive").rglob("*")):
            if member.is_file():
                data = member.read_bytes()
                if member.name == "tweets.js" and padding:
                    head, rest = data.split(b"[", 1)
                    data = head + b"[" + b" " * padding + rest
                zf.writestr(member.relative_to(FIXTURES / "x").as_posix(), data)
    return path


def _store_with_one_import(db: Path) -> dict[str, str]:
    import engagecore

    with engagecore.open(db) as eng:
        eng.ingest([FIXTURES / "spreadsheet" / "posts.csv"])
        return eng.store.table_digest()


def _digest(db: Path) -> dict[str, str]:
    store = Store(db, read_only=True)
    try:
        return store.table_digest()
    finally:
        store.close()


def test_a_zip_bomb_is_refused_in_one_line_and_the_store_is_unchanged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "z.duckdb"
    before = _store_with_one_import(db)
    bomb = _x_zip(tmp_path / "bomb.zip", padding=8 * 1024 * 1024)
    assert bomb.stat().st_size < 100_000
    code, out, err = cli(["ingest", str(bomb), "--db", str(db)], capsys)
    assert code == 1 and out == "" and err.count("\n") == 1, err
    assert f"{bomb}:archive/data/tweets.js: declares a compression ratio of" in err
    assert "over the limit of 200:1 per zip member" in err and "ENGAGE_MAX_RATIO" in err
    assert _digest(db) == before
    assert not (tmp_path / "z.duckdb.engage-tmp").exists()
    # a genuine export that compresses that well: the limit is raised (env or API)
    from engagecore import limits
    from engagecore.sources import Source

    src = Source.open(bomb)
    with limits.using(max_ratio=5000):
        assert len(src.read_bytes("archive/data/tweets.js")) > 8 * 1024 * 1024
    src.close()


def test_member_size_limit_from_the_environment_and_the_api(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import engagecore
    from engagecore import limits
    from engagecore.errors import FormatError

    archive = _x_zip(tmp_path / "x.zip")
    size = zipfile.ZipFile(archive).getinfo("archive/data/tweets.js").file_size
    db = tmp_path / "s.duckdb"
    before = _store_with_one_import(db)
    monkeypatch.setenv("ENGAGE_MAX_MEMBER_SIZE", f"{size - 1}B")
    code, _, err = cli(["ingest", str(archive), "--db", str(db)], capsys)
    assert code == 1 and err.count("\n") == 1
    assert "archive/data/tweets.js: declares" in err and "ENGAGE_MAX_MEMBER_SIZE" in err
    assert _digest(db) == before
    monkeypatch.setenv("ENGAGE_MAX_MEMBER_SIZE", "a lot")
    code, _, err = cli(["ingest", str(archive), "--db", str(db)], capsys)
    assert code == 2 and "ENGAGE_MAX_MEMBER_SIZE='a lot': expected a size" in err
    monkeypatch.delenv("ENGAGE_MAX_MEMBER_SIZE")
    with (
        engagecore.open(db) as eng,
        limits.using(max_member_bytes=size - 1),
        pytest.raises(FormatError, match="over the limit of"),
    ):
        eng.ingest([archive])
    with engagecore.open(db) as eng, limits.using(max_member_bytes=size):
        assert eng.ingest([archive]).units[0].status == "imported"


def _patched(path: Path, old: bytes, new: bytes) -> None:
    data = path.read_bytes()
    assert data.count(old) == 2  # the local header and the central directory
    path.write_bytes(data.replace(old, new))


def test_a_member_declaring_less_than_it_holds_is_caught_while_reading(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import struct

    archive = _x_zip(tmp_path / "lie.zip")
    info = zipfile.ZipFile(archive).getinfo("archive/data/tweets.js")
    _patched(
        archive,
        struct.pack("<II", info.compress_size, info.file_size),
        struct.pack("<II", info.compress_size, info.file_size // 2),
    )
    db = tmp_path / "l.duckdb"
    before = _store_with_one_import(db)
    code, _, err = cli(["ingest", str(archive), "--db", str(db)], capsys)
    assert code == 1 and err.count("\n") == 1, err
    assert f"{archive}:archive/data/tweets.js: damaged zip member" in err
    assert _digest(db) == before


def test_a_member_declaring_more_compressed_bytes_than_the_archive_holds_is_refused(
    tmp_path: Path,
) -> None:
    import struct

    from engagecore.errors import FormatError
    from engagecore.sources import Source

    bomb = _x_zip(tmp_path / "forged.zip", padding=4 * 1024 * 1024)
    info = zipfile.ZipFile(bomb).getinfo("archive/data/tweets.js")
    _patched(
        bomb,
        struct.pack("<II", info.compress_size, info.file_size),
        struct.pack("<II", info.file_size // 10, info.file_size),  # "only" 10:1
    )
    src = Source.open(bomb)
    assert src.head("archive/data/tweets.js", 30).startswith(b"window.YTD.tweets.part0 = [")
    with pytest.raises(FormatError, match=r"compression ratio of [\d,]+:1"):
        src.read_bytes("archive/data/tweets.js")
    src.close()


# -- 15.5: running out of memory is reported as such ---------------------------------------


def test_duckdb_out_of_memory_is_reported_not_an_aborted_transaction(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "o.duckdb"
    before = _store_with_one_import(db)
    monkeypatch.setenv("ENGAGE_INGEST_MEMORY", "1MB")
    code, out, err = cli(["ingest", str(FIXTURES / "facebook" / "graph"), "--db", str(db)], capsys)
    assert code == 1 and out == "" and err.count("\n") == 1, err
    assert err.startswith(
        "engage: error: out of memory during the import (nothing was stored): "
        "DuckDB reached its memory limit"
    )
    assert "ENGAGE_INGEST_MEMORY" in err and "Transaction" not in err
    assert _digest(db) == before
    assert not (tmp_path / "o.duckdb.engage-tmp").exists()


class _Hungry(Importer):
    name = "hungry"
    network = "x"
    description = "runs out of memory"

    def detect(self, source: Source) -> float:
        return 0.99 if source.name.endswith(".hungry") else 0.0

    def read(self, source: Source, ctx: ReadContext) -> Batch:
        raise MemoryError


class _HungryPlugin:
    @staticmethod
    @hookimpl
    def register_importers(register: Callable[[Any], None]) -> None:
        register(_Hungry())


def test_python_out_of_memory_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plugins.get_plugin_manager().register(_HungryPlugin(), name="hungry")
    (tmp_path / "a.hungry").write_text("x")
    db = tmp_path / "h.duckdb"
    before = _store_with_one_import(db)
    code, _, err = cli(["ingest", str(tmp_path / "a.hungry"), "--db", str(db)], capsys)
    assert code == 1 and err.count("\n") == 1, err
    assert "out of memory during the import (nothing was stored): the machine has no memory" in err
    assert _digest(db) == before


# -- 15.5: a large Graph posts page is streamed in place, a giant post refused --------------


def test_a_large_graph_page_is_streamed_from_the_file_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from engage_facebook.graph import FacebookGraphImporter, large_page
    from engage_facebook.graph import posts as graph_posts

    page = _graph_dump(tmp_path / "posts.json", 300)
    monkeypatch.setattr(graph_posts, "STREAM_THRESHOLD", 0)

    feed = large_page.copy_range

    def no_copy(src: Path, out: object, *args: int) -> int:
        if isinstance(out, Path):  # into the pipe is the streaming itself
            raise AssertionError("the posts were copied to disk")
        return feed(src, out, *args)  # type: ignore[arg-type]

    def no_whole_read(*args: object) -> None:
        raise AssertionError("the page was read whole instead of streamed")

    monkeypatch.setattr(large_page, "copy_range", no_copy)
    monkeypatch.setattr(graph_posts.PostsReader, "_read_pages", no_whole_read)
    ctx = ReadContext(scratch=tmp_path / "run")
    batch = FacebookGraphImporter().read(Source.open(page), ctx)
    assert batch.posts is not None and batch.posts.height == 300
    assert batch.posts["likes"].sum() == sum(i % 997 for i in range(300))
    assert list((tmp_path / "run").iterdir()) == []  # the pipe is gone with its folder


def test_a_giant_graph_post_is_refused_not_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from engage_facebook.graph import FacebookGraphImporter
    from engage_facebook.graph import posts as graph_posts

    from engagecore.errors import FormatError

    # DuckDB reads by buffers of twice the largest object it allows: a post must outgrow
    # that (16 MiB -> 32 MiB) before the streamed read fails on it
    page = tmp_path / "posts.json"
    with page.open("w", encoding="utf-8") as fh:
        fh.write('{"data": [{"id": "1_2", "created_time": "2024-01-01T10:00:00+0000", ')
        fh.write('"message": "' + "Nocturne ✨ " * (40 * 1024 * 1024 // 13) + '"}]}')

    def no_whole_read(*args: object) -> None:
        raise AssertionError("the page was read whole")

    monkeypatch.setattr(graph_posts.PostsReader, "_read_pages", no_whole_read)
    with pytest.raises(FormatError, match=r"posts\.json: a post larger than 16\.0 MiB"):
        FacebookGraphImporter().read(Source.open(page), ReadContext(scratch=tmp_path / "run"))


def test_a_document_too_large_to_parse_whole_is_refused_before_it_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    from engagecore import limits
    from engagecore.errors import FormatError

    export = tmp_path / "dyi"
    shutil.copytree(FIXTURES / "instagram" / "dyi_2025", export)
    posts = next(export.rglob("posts_1.json"))
    db = tmp_path / "d.duckdb"
    before = _store_with_one_import(db)
    monkeypatch.setenv("ENGAGE_MAX_DOCUMENT_SIZE", "1500B")
    code, out, err = cli(["ingest", str(export), "--db", str(db)], capsys)
    assert code == 1 and out == "" and err.count("\n") == 1, err
    assert "to parse whole in memory, over the limit of 1.5 KiB per file" in err
    assert "ENGAGE_MAX_DOCUMENT_SIZE" in err
    assert _digest(db) == before
    monkeypatch.delenv("ENGAGE_MAX_DOCUMENT_SIZE")
    src = Source.open(posts)
    with limits.using(max_document_bytes=posts.stat().st_size - 1), pytest.raises(FormatError):
        src.read_json(posts.name)
    reads: list[str] = []
    with monkeypatch.context() as patched:
        patched.setattr(Source, "read_bytes", lambda self, name: reads.append(name))
        with limits.using(max_document_bytes=100), pytest.raises(FormatError):
            src.read_json(posts.name)
    assert reads == []  # refused from its size, never read
    code, _, err = cli(["ingest", str(export), "--db", str(db)], capsys)
    assert code == 0, err


def test_duckdb_never_draws_its_progress_bar_on_our_output(tmp_path: Path) -> None:
    # DuckDB draws one on stdout for any query over 2 s (a slow machine, a large import):
    # stdout carries `--format json/csv` output
    from engage_facebook.graph.posts import PostsReader

    store = Store(tmp_path / "p.duckdb")
    reader = PostsReader(tmp_path, None)
    try:
        for con in (store.con, reader.con):
            assert con.sql("SELECT current_setting('enable_progress_bar')").fetchall() == [(False,)]
    finally:
        reader.close()
        store.close()


STUCK = """
import sys
import time
from engagecore import plugins
from engagecore.cli import main
from engagecore.hookspecs import hookimpl
from engagecore.pluginapi import Batch, Importer


class Stuck(Importer):
    name = "stuck"
    network = "x"
    description = "swallows every exception, interrupts included (a bare except)"

    def detect(self, source):
        return 0.99 if source.name.endswith(".stuck") else 0.0

    def read(self, source, ctx):
        with ctx.temp_dir("stuck-") as tmp:
            open(tmp + "/work.bin", "wb").write(b"x" * 1000)
            said = False
            while True:
                try:
                    if not said:  # said from inside the try: a signal from now on is swallowed
                        said = True
                        print("reading", flush=True)
                    time.sleep(60)
                except BaseException:
                    pass
        return Batch()


class Plugin:
    @staticmethod
    @hookimpl
    def register_importers(register):
        register(Stuck())


plugins.get_plugin_manager().register(Plugin(), name="stuck")
main(sys.argv[1:])
"""


#: STUCK, with a connection whose interrupt never returns registered beside the store's
STUCK_AND_BLOCKING = STUCK.replace(
    "main(sys.argv[1:])",
    """import threading
from engagecore import interrupts


class Blocking:
    def interrupt(self):
        threading.Event().wait()


interrupts.register(Blocking())
main(sys.argv[1:])""",
)


def _masked() -> None:
    """SIGINT and SIGTERM blocked in a child from its start (every thread inherits it)."""
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGINT, signal.SIGTERM])


#: the watcher's grace in the tests of the forced exit (the default, 5 s, tested below)
SHORT_GRACE = 1.5


def test_the_grace_is_five_seconds_unless_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from engagecore import interrupts

    monkeypatch.delenv("ENGAGE_SIGNAL_GRACE", raising=False)
    assert interrupts.grace() == interrupts.GRACE == 5.0
    monkeypatch.setenv("ENGAGE_SIGNAL_GRACE", "0.25")
    assert interrupts.grace() == 0.25
    for bad in ("soon", "0", "-1", "inf"):
        monkeypatch.setenv("ENGAGE_SIGNAL_GRACE", bad)
        code, out, err = cli(["museums", "list", "--db", str(tmp_path / "g.duckdb")], capsys)
        assert code == 2 and out == "" and err.count("\n") == 1, err
        assert f"ENGAGE_SIGNAL_GRACE={bad!r}: expected a number of seconds" in err
    assert not (tmp_path / "g.duckdb").exists()


@pytest.mark.parametrize(
    ("script", "masked"),
    [(STUCK, False), (STUCK_AND_BLOCKING, False), (STUCK, True)],
    ids=["plain", "blocking-interrupt", "masked-at-start"],
)
def test_a_signal_ends_even_a_plugin_that_swallows_it(
    tmp_path: Path, script: str, masked: bool
) -> None:
    """The watcher ends the process after its grace even when the plugin swallows the
    signal, and even when interrupting a connection does not return (it runs on its own
    thread). The grace is set short (ENGAGE_SIGNAL_GRACE): what is tested is that the watcher
    waits for it, then ends the process, whatever its length."""
    assert script.count("main(sys.argv[1:])") == 1
    (tmp_path / "a.stuck").write_text("x")
    db = tmp_path / "stuck.duckdb"
    before = _store_with_one_import(db)
    proc = subprocess.Popen(
        [sys.executable, "-c", script, "ingest", str(tmp_path / "a.stuck"), "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_masked if masked else None,  # a job runner's mask, inherited
        env={**os.environ, "ENGAGE_SIGNAL_GRACE": str(SHORT_GRACE)},
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "reading"
    runs = tmp_path / "stuck.duckdb.engage-tmp"
    assert any(runs.rglob("work.bin"))
    sent = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    stopped_in = time.monotonic() - sent
    assert proc.returncode == 143 and err == "engage: error: terminated (SIGTERM)\n"
    assert SHORT_GRACE - 0.5 < stopped_in < SHORT_GRACE + 5  # ended by the watcher
    assert not any(runs.rglob("work.bin"))  # removed before the forced exit
    assert _digest(db) == before


def test_out_of_memory_is_found_behind_the_errors_that_follow_it() -> None:
    import duckdb

    from engagecore import limits
    from engagecore.errors import FormatError

    try:
        try:
            raise duckdb.OutOfMemoryException(
                "Out of Memory Error: could not allocate block of size 256.0 KiB "
                "(511.9 MiB/512.0 MiB used)"
            )
        except duckdb.Error:
            try:
                raise duckdb.TransactionException(
                    "Current transaction is aborted (please ROLLBACK)"
                )
            except duckdb.Error as aborted:
                raise FormatError("x.json", "cannot be read") from aborted
    except FormatError as exc:
        wrapped = exc
    scoring = limits.out_of_memory(wrapped)
    assert scoring is not None and "DuckDB ran out of memory (511.9 MiB/512.0 MiB used)" in str(
        scoring
    )
    assert "ENGAGE_INGEST_MEMORY" not in str(scoring)
    ingest = limits.out_of_memory(wrapped, "during the import", ingest=True)
    assert ingest is not None and str(ingest).startswith(
        "out of memory during the import: DuckDB reached its memory limit (511.9 MiB/512.0 MiB"
    )
    assert limits.out_of_memory(FormatError("x.json", "bad")) is None


# -- 15.5: peak memory of an import against its largest file: benchmarks/ingest_memory.py ----

READ_PEAK = """
import sys
from pathlib import Path
from engage_instagram.export import InstagramExportImporter
from engagecore.plugin import ReadContext, Source

def hwm():
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) * 1024 for line in fh if line.startswith("VmHWM"))

from engagecore import plugins

plugins.registry()  # loaded before an import reads a file (checking a time needs it)
source = Source.open(sys.argv[1])
before = hwm()
batch = InstagramExportImporter().read(source, ReadContext(scratch=Path(sys.argv[2])))
assert batch.posts is not None and batch.posts["text"].str.len_bytes().max() > 10**7
print(before, hwm())
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc (Linux)")
def test_an_instagram_caption_is_held_once_while_its_frame_is_built(tmp_path: Path) -> None:
    import shutil

    export = tmp_path / "dyi"
    shutil.copytree(FIXTURES / "instagram" / "dyi_2025", export)
    posts = next(export.rglob("media/posts_1.json"))
    text = posts.read_text(encoding="utf-8")
    at = text.index('"title": "') + len('"title": "')
    end = text.index('",', at)
    # Meta's escaped mojibake, as in real exports: 40 MB of JSON, a 25 MB caption
    posts.write_text(
        text[:at] + "Nocturne au mus\\u00c3\\u00a9e " * 1_400_000 + text[end:],
        encoding="utf-8",
    )
    size = posts.stat().st_size
    out = subprocess.run(
        [sys.executable, "-c", READ_PEAK, str(export), str(tmp_path / "run")],
        capture_output=True,
        text=True,
        check=True,
    )
    before, peak = map(int, out.stdout.split())
    # parsing holds the file's bytes and its text (2x); building the frame from the posts'
    # dicts held the caption as Python text, its UTF-8 copy and polars' buffers (2.9x)
    assert peak - before <= 2.3 * size, f"{(peak - before) / size:.2f}x"


def test_instagram_repairs_a_parsed_file_in_place_as_the_copying_repair_would() -> None:
    # the repaired document must equal fix_mojibake_deep's, without a second copy of its
    # lists (a parsed 200 MB posts file is ~500 MB of Python objects: 1,153 -> 1,020 MB peak)
    from engage_instagram.common import fix_mojibake_in_place

    from engagecore.textutil import fix_mojibake_deep

    def doc() -> list[object]:
        return [
            {"media": [{"title": "Mus\u00c3\u00a9e", "uri": "a.jpg", "n": 1}], "t": None},
            {"Caf\u00c3\u00a9": ["d\u00e2\u0080\u0099Orsay", 2.5, True], "x": "\u00e9t\u00e9"},
            "Nuit \u00f0\u009f\u008c\u0099",
        ]

    parsed = doc()
    posts, media = parsed, parsed[0]["media"]  # type: ignore[index]
    fixed = fix_mojibake_in_place(parsed)
    assert fixed == fix_mojibake_deep(doc())
    assert fixed[2] == "Nuit 🌙" and fixed[1]["x"] == "\u00e9t\u00e9"  # not mangled: kept
    assert fixed is posts and fixed[0]["media"] is media  # lists reused, not copied
