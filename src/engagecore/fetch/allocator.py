"""DuckDB's allocator gives freed pages back at once while ``engage fetch`` imports.

DuckDB's Python package allocates through a jemalloc of its own (symbols ``duckdb_je_``),
which keeps the pages a statement, a commit or a checkpoint frees for a second before
returning them (``dirty_decay_ms`` 1000). A fetch's import writes batch after batch faster
than that: the kept pages added up, and the import's peak grew with the pages fetched
(benchmarks/RESULTS.md, "Fetch (issue 11)"). Setting the variable
``DUCKDB_JE_MALLOC_CONF`` for the whole process would cost every DuckDB statement of every
command 10-18 % CPU; :func:`pages_back_at_once` instead sets the decay of every arena to 0
through jemalloc's ``mallctl`` for the duration of a block, then puts back what it found.

Nothing here can fail a command: a DuckDB built without that allocator (no
``duckdb_je_mallctl`` symbol), or one that refuses a setting, leaves it as it was.
"""

from __future__ import annotations

import ctypes
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache

import duckdb

#: ``int mallctl(name, oldp, oldlenp, newp, newlen)``
_Mallctl = Callable[..., int]

#: the decay settings of an arena (jemalloc's ``arena.<i>.*``), and of arenas made later
#: (``arenas.*``)
_DECAYS = ("dirty_decay_ms", "muzzy_decay_ms")

_lock = threading.Lock()


@cache
def _mallctl() -> _Mallctl | None:
    """DuckDB's ``duckdb_je_mallctl``, or None when its library has no such symbol."""
    module = sys.modules.get(duckdb.DuckDBPyConnection.__module__)
    path = getattr(module, "__file__", None)
    if not path:
        return None
    try:
        fn = ctypes.CDLL(path).duckdb_je_mallctl
    except (OSError, AttributeError):
        return None
    fn.argtypes = [
        ctypes.c_char_p,
        ctypes.c_void_p,
        ctypes.c_void_p,
        ctypes.c_void_p,
        ctypes.c_size_t,
    ]
    fn.restype = ctypes.c_int
    mallctl: _Mallctl = fn
    return mallctl


def _arenas(fn: _Mallctl) -> int:
    n = ctypes.c_uint()
    size = ctypes.c_size_t(ctypes.sizeof(n))
    if fn(b"arenas.narenas", ctypes.byref(n), ctypes.byref(size), None, 0) != 0:
        return 0
    return n.value


def _swap(fn: _Mallctl, name: str, value: int) -> int | None:
    """Set the ``ssize_t`` setting ``name`` to ``value``; its value before, or None when
    jemalloc refused (an arena not made yet: it takes ``arenas.*`` when it is)."""
    old = ctypes.c_ssize_t()
    size = ctypes.c_size_t(ctypes.sizeof(old))
    new = ctypes.c_ssize_t(value)
    rc = fn(
        name.encode(), ctypes.byref(old), ctypes.byref(size), ctypes.byref(new), ctypes.sizeof(new)
    )
    return old.value if rc == 0 else None


def _read(fn: _Mallctl, name: str) -> int | None:
    value = ctypes.c_ssize_t()
    size = ctypes.c_size_t(ctypes.sizeof(value))
    rc = fn(name.encode(), ctypes.byref(value), ctypes.byref(size), None, 0)
    return value.value if rc == 0 else None


def _each(op: Callable[[_Mallctl, str], int | None]) -> dict[str, int]:
    """``op`` on every decay setting (``arenas.*``, then ``arena.<i>.*`` of each arena);
    the settings it answered for, with its answers (empty without the symbol)."""
    fn = _mallctl()
    if fn is None:
        return {}
    names = [f"arenas.{d}" for d in _DECAYS]
    names += [f"arena.{i}.{d}" for i in range(_arenas(fn)) for d in _DECAYS]
    out = {}
    for name in names:
        value = op(fn, name)
        if value is not None:
            out[name] = value
    return out


def settings() -> dict[str, int]:
    """The decay settings of DuckDB's arenas as they are (``arena.<i>.*`` of the arenas
    made, and ``arenas.*``: the default of arenas made later); empty without the symbol."""
    return _each(_read)


def set_decay(ms: int) -> dict[str, int]:
    """Set the decay of DuckDB's arenas (and of those made later) to ``ms``; returns the
    settings it changed with their values before (empty: nothing could be set)."""
    return _each(lambda fn, name: _swap(fn, name, ms))


def restore(before: dict[str, int]) -> None:
    """Put back the settings :func:`set_decay` changed (an arena made meanwhile took the
    default for new arenas: that is put back too)."""
    fn = _mallctl()
    if fn is None or not before:
        return
    default = {d: before.get(f"arenas.{d}") for d in _DECAYS}
    for i in range(_arenas(fn)):
        for d in _DECAYS:
            value = before.get(f"arena.{i}.{d}", default[d])
            if value is not None:
                _swap(fn, f"arena.{i}.{d}", value)
    for d in _DECAYS:
        value = default[d]
        if value is not None:
            _swap(fn, f"arenas.{d}", value)


@contextmanager
def pages_back_at_once() -> Iterator[None]:
    """DuckDB's allocator returns freed pages at once inside the block (see the module)."""
    with _lock:
        before = set_decay(0)
    try:
        yield
    finally:
        with _lock:
            restore(before)
