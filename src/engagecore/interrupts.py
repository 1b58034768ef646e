"""SIGINT and SIGTERM during a command: stop promptly, roll back, clean up, say so.

Python runs a signal handler only between bytecodes of the main thread; while DuckDB executes
a query the main thread is in C, and DuckDB (2.0) swallows a pending KeyboardInterrupt when
the query ends, so Ctrl-C did nothing at all during a long read; and typer turns a
KeyboardInterrupt into a silent exit 130, so stderr stayed empty when it did stop. Here the handler only records the signal and
raises :class:`Interrupted`; a watcher thread, woken through :func:`signal.set_wakeup_fd`,
interrupts the DuckDB connections registered with :func:`watch` so the query returns and the
exception unwinds through the store's transaction (rolled back) and the run's temporary folder
(removed). Should the main thread still be busy after :data:`GRACE` seconds (in a plugin's
own code), the watcher removes the temporary folders itself and ends the process: an
uncommitted transaction is never written, so the store is unchanged either way. The
environment variable ``ENGAGE_SIGNAL_GRACE`` (seconds above zero) replaces :data:`GRACE`: the
tests of the forced exit set it short.

The watcher and the handler race: when the watcher interrupts DuckDB first, the main thread
is already unwinding DuckDB's error when the handler runs, so the handler records the signal
without raising (an exception raised into cleanup code can skip it: see :func:`_handler`).
The CLI reports the recorded signal whatever error reaches it, :func:`check` raises it where
code catches an error to carry on, and :meth:`Store.transaction` never commits after one.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from types import FrameType
from typing import Any, Protocol

from engagecore import scratch
from engagecore.errors import UsageError

#: seconds the watcher leaves the main thread to unwind before ending the process itself
#: (ENGAGE_SIGNAL_GRACE replaces it)
GRACE = 5.0
GRACE_VARIABLE = "ENGAGE_SIGNAL_GRACE"

_NAMES: dict[int, str] = {
    int(signal.SIGINT): "interrupted",
    int(signal.SIGTERM): "terminated (SIGTERM)",
}


class _Interruptible(Protocol):
    def interrupt(self) -> Any: ...


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM arrived; ``exit_code`` is 128 + the signal's number."""

    def __init__(self, signum: int) -> None:
        super().__init__(_NAMES.get(signum, f"signal {signum}"))
        self.signum = signum
        self.exit_code = 128 + signum
        self.message = _NAMES.get(signum, f"signal {signum}")


_connections: list[_Interruptible] = []
_lock = threading.Lock()
_received: list[int] = []


@contextmanager
def watch(con: _Interruptible) -> Iterator[None]:
    """Interrupt ``con`` (a DuckDB connection) when a signal arrives during the block."""
    with _lock:
        _connections.append(con)
    try:
        yield
    finally:
        with _lock:
            if con in _connections:
                _connections.remove(con)


def register(con: _Interruptible) -> None:
    with _lock:
        _connections.append(con)


def unregister(con: _Interruptible) -> None:
    with _lock:
        if con in _connections:
            _connections.remove(con)


def received() -> Interrupted | None:
    """The signal received during the current command, if any."""
    return Interrupted(_received[0]) if _received else None


def grace() -> float:
    """Seconds the watcher waits before ending the process: ``ENGAGE_SIGNAL_GRACE`` when set
    (a number above zero, else a :class:`UsageError` naming it), else :data:`GRACE`."""
    raw = os.environ.get(GRACE_VARIABLE)
    if not raw:
        return GRACE
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not 0 < value < float("inf"):
        raise UsageError(f"{GRACE_VARIABLE}={raw!r}: expected a number of seconds above zero")
    return value


def _interrupt_all() -> None:
    with _lock:
        cons = list(_connections)
    for con in cons:
        with suppress(Exception):  # a closed connection has nothing to interrupt
            con.interrupt()


def check() -> None:
    """Raise the signal received during the current command, if any. Called where code
    catches an error to carry on (a fallback read, a commit): the error may be the signal
    itself (DuckDB's "interrupted"), which :func:`_handler` did not raise over."""
    stop = received()
    if stop is not None:
        raise stop


def _handler(signum: int, frame: FrameType | None) -> None:
    if _received:
        return  # already unwinding (rolling back, cleaning up): let it finish; the watcher
        # ends the process if it takes longer than its grace (GRACE)
    _received.append(signum)
    if sys.exc_info()[1] is not None:
        # The main thread is already unwinding an error: most often DuckDB's "interrupted",
        # the watcher having interrupted the query before this handler ran. Raised here, a
        # second exception would land inside whatever cleanup runs now: on entering a
        # context manager's __exit__ it skips that cleanup altogether (an import's pipe
        # feeder then outlived the run folder, and the process took 10 s to exit). The
        # signal is recorded instead: the CLI reports it, and check() raises it where the
        # error could be caught and the run carry on.
        return
    raise Interrupted(signum)


@contextmanager
def handled(report: Callable[[str], None]) -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM raise :class:`Interrupted` (see the module
    docstring); ``report`` prints the one-line message if the process must end by force.
    Only from the main thread (elsewhere: a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    try:
        wait = grace()
    except UsageError as exc:
        report(str(exc))
        sys.exit(2)
    _received.clear()
    read_fd, write_fd = os.pipe()
    os.set_blocking(write_fd, False)
    stop = threading.Event()
    try:
        old_fd = signal.set_wakeup_fd(write_fd, warn_on_full_buffer=False)
    except ValueError:  # pragma: no cover - a platform that wakes only on sockets
        os.close(write_fd)
        os.close(read_fd)
        yield
        return
    previous = {s: signal.signal(s, _handler) for s in (signal.SIGINT, signal.SIGTERM)}
    # a process can start with these signals blocked (the mask is inherited from whatever
    # started it: a job runner, a parent that blocked them): SIGTERM would then never arrive
    old_mask = signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGINT, signal.SIGTERM])

    def watcher() -> None:
        while True:
            try:
                data = os.read(read_fd, 16)
            except OSError:
                return
            if stop.is_set() or not data:
                return
            signum = data[0]
            if signum not in _NAMES:
                continue
            # on a thread of its own: should a connection's interrupt wait on DuckDB, the
            # grace period and the forced exit below still come
            threading.Thread(target=_interrupt_all, name="engage-interrupt", daemon=True).start()
            if stop.wait(wait):
                return
            # the main thread is stuck in code that does not return to Python: end here
            scratch.remove_active()
            report(_NAMES[signum])
            os._exit(128 + signum)

    thread = threading.Thread(target=watcher, name="engage-signals", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        _received.clear()  # a later command (or API call) in this process starts afresh
        signal.set_wakeup_fd(old_fd)
        for s, h in previous.items():
            signal.signal(s, h)
        signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)
        os.write(write_fd, b"\0")
        thread.join(1.0)
        os.close(write_fd)
        os.close(read_fd)


def report_stderr(message: str) -> None:
    print(f"engage: error: {message}", file=sys.stderr, flush=True)
