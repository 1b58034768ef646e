"""A posts page too large to read as one object: where its ``data`` array lies, and that
array as a file DuckDB can stream post by post.

Reading the wrapping object holds the whole document in memory at once (5x the file,
measured); the array alone is parsed element by element with ``format='array'``.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Final

from engage_facebook.graph.detect import top_level_data
from engagecore.plugin import JsonStream, copy_range

_DECODER: Final = json.JSONDecoder()


@dataclass(frozen=True)
class ArraySpan:
    """Where the top-level ``data`` array of a posts page lies, and the other top-level keys."""

    start: int  # offset of '['
    end: int  # offset just past ']'
    meta: dict[str, Any]


_WINDOWS: Final = (4096, 65536, 1 << 20)


def array_span(path: Path) -> ArraySpan | None:
    """Locate ``{"data": [ ... ], ...}``'s array without parsing the whole file.

    The head must open an object whose top-level key ``data`` holds an array; the array ends
    at the leftmost ``]`` of the tail after which the rest of the file validly closes that
    object (a ``]`` inside the array or inside a string cannot). None when the file is not so
    shaped; DuckDB then checks the slice itself, so a wrong guess cannot pass silently.
    """
    size = path.stat().st_size
    with path.open("rb") as fh:
        head = fh.read(min(size, 65536)).decode("utf-8", "ignore")
        bom = 3 if head.startswith("\ufeff") else 0
        text = head[1:] if bom else head
        if not text.lstrip().startswith("{"):
            return None
        match = top_level_data(text)
        if not match:
            return None
        bracket = text.index("[", match.start())
        prefix_text = text[:bracket]
        start = len(prefix_text.encode("utf-8")) + bom
        head_meta = json.loads(prefix_text[: match.start()].rstrip().rstrip(",") + "}")
        for window in _WINDOWS:
            offset = max(start + 1, size - window)
            fh.seek(offset)
            tail = fh.read(size - offset)
            found = _leftmost_close(tail)
            if found is not None:
                pos, tail_meta = found
                return ArraySpan(start, offset + pos + 1, {**head_meta, **tail_meta})
            if offset == start + 1:
                break
    return None


_WS: Final = " \t\r\n"


def _leftmost_close(tail: bytes) -> tuple[int, dict[str, Any]] | None:
    """The byte offset in ``tail`` of the ``]`` closing the data array, and the members after.

    Candidates are tried right to left without copying the tail: each is checked by parsing
    what follows it in place, which fails within a post or two for a ``]`` inside the array.
    """
    text = tail.decode("utf-8", "surrogateescape")
    best: tuple[int, dict[str, Any]] | None = None
    pos = text.rfind("]")
    while pos >= 0:
        k = pos - 1
        while k >= 0 and text[k] in _WS:
            k -= 1
        if k < 0 or text[k] in "}[":
            meta = _object_rest(text, pos + 1)
            if meta is not None:
                best = (pos, meta)
        pos = text.rfind("]", 0, pos)
    if best is None:
        return None
    return len(text[: best[0]].encode("utf-8", "surrogateescape")), best[1]


def _skip_ws(text: str, i: int) -> int:
    while i < len(text) and text[i] in _WS:
        i += 1
    return i


def _object_rest(text: str, i: int) -> dict[str, Any] | None:
    """``text[i:]`` parsed as the end of an object: ``(, "key": value)* }`` and nothing else."""
    members: dict[str, Any] = {}
    i = _skip_ws(text, i)
    while i < len(text) and text[i] == ",":
        i = _skip_ws(text, i + 1)
        try:
            key, i = _DECODER.raw_decode(text, i)
            i = _skip_ws(text, i)
            if not isinstance(key, str) or text[i : i + 1] != ":":
                return None
            value, i = _DECODER.raw_decode(text, _skip_ws(text, i + 1))
        except (ValueError, RecursionError):
            return None
        members[key] = value
        i = _skip_ws(text, i)
    if text[i : i + 1] == "}" and _skip_ws(text, i + 1) == len(text):
        return members
    return None


#: How long the end of a read waits for its feeder thread to let go (a daemon thread: past
#: that, it is left to end with the process).
RELEASE_SECONDS = 10.0


def _release(feeder: threading.Thread, pipes: Callable[[], list[Path]]) -> None:
    """Let a feeder thread end after DuckDB stopped reading its pipes (an error, an
    interrupt) or never opened them: a feeder waiting for a reader sees ``stop``
    (:func:`_open_writer`); one blocked writing to a full pipe that DuckDB still holds open
    goes on once we open each pipe's reading end ourselves and drain what is in it (to the
    end of its piece: at most :data:`CHUNK_BYTES`, then it sees ``stop``). Never waits more
    than :data:`RELEASE_SECONDS`."""
    deadline = time.monotonic() + RELEASE_SECONDS
    while feeder.is_alive() and time.monotonic() < deadline:
        for pipe in pipes():
            try:
                fd = os.open(pipe, os.O_RDONLY | os.O_NONBLOCK)
            except OSError:
                continue
            try:
                while os.read(fd, 1 << 20):
                    pass
            except BlockingIOError:
                pass  # drained for now: the writer fills it again while we wait
            finally:
                os.close(fd)
        feeder.join(0.05)


@contextmanager
def array_slice(src: Path, start: int, end: int, stem: Path) -> Iterator[Path]:
    """Bytes [start, end) of ``src`` as a file DuckDB can read: a named pipe fed from
    ``src`` by a thread (nothing copied to disk, nothing held in memory), or, where there are
    no named pipes, a copy."""
    if not hasattr(os, "mkfifo"):  # pragma: no cover - Windows
        copy = stem.with_suffix(".json")
        copy_range(src, copy, start, end)
        try:
            yield copy
        finally:
            copy.unlink(missing_ok=True)
        return
    pipe = stem.with_suffix(".pipe")
    os.mkfifo(pipe, 0o600)
    feeder = threading.Thread(target=_feed, args=(src, pipe, start, end), daemon=True)
    feeder.start()
    try:
        yield pipe
    finally:
        _release(feeder, lambda: [pipe])
        pipe.unlink(missing_ok=True)


#: How often a feeder looks for DuckDB's end of its pipe (and for ``stop``) until it is there.
_OPEN_POLL: Final = 0.01


def _open_writer(pipe: Path, stop: threading.Event | None) -> BinaryIO | None:
    """The writing end of ``pipe`` once a reader (DuckDB) has opened it; None if ``stop``
    is set first, or the pipe is gone. Polled rather than a blocking ``open``: that waits for
    a reader with no way out, and when the read has ended (an interrupt) and the run's folder
    is removed with the pipe in it, nothing can open the pipe to release it (the feeder
    then held the process 10 s at exit, :func:`_release` waiting for it)."""
    while stop is None or not stop.is_set():
        try:
            fd = os.open(pipe, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as exc:
            if exc.errno != errno.ENXIO:  # ENXIO: no reader yet
                return None
            time.sleep(_OPEN_POLL)
            continue
        os.set_blocking(fd, True)
        return open(fd, "wb", buffering=0)  # the caller closes it
    return None


def _feed(src: Path, pipe: Path, start: int, end: int) -> None:
    out = _open_writer(pipe, None)
    if out is None:
        return
    with out:
        try:
            copy_range(src, out, start, end)
        except OSError:  # a broken pipe among them: the reader went away
            return


#: Bytes of posts DuckDB reads from one pipe: it holds what it reads from a pipe (the whole
#: array, read in one: +1.2× a 200 MB dump), so a large array goes in pieces of this size.
CHUNK_BYTES: Final = 16 * 1024 * 1024
#: Posts read between two looks at how far the piece has come.
_LOOK_EVERY: Final = 1000


class _Done:
    """The feeder's last word: None when all went well, else what it raised."""

    def __init__(self, error: BaseException | None) -> None:
        self.error = error


@contextmanager
def array_chunks(
    src: Path, start: int, end: int, stem: Path, display: str, limit: int
) -> Iterator[Iterator[Path]]:
    """The array at bytes [start, end) of ``src`` as pipes of about :data:`CHUNK_BYTES` of
    whole posts each (``[`` posts ``]``), fed one after the other by a thread that finds
    where posts end by reading them (:class:`engagecore.plugin.JsonStream`; a post longer than
    ``limit`` characters is refused). Reading a pipe to its end gives the next one; an error
    of the feeder is raised by the iterator. Where there are no named pipes, one piece."""
    if not hasattr(os, "mkfifo"):  # pragma: no cover - Windows
        with array_slice(src, start, end, stem) as path:
            yield iter([path])
        return
    handoff: queue.Queue[Path | _Done] = queue.Queue(maxsize=1)
    stop = threading.Event()
    current: list[Path] = []
    feeder = threading.Thread(
        target=_feed_chunks,
        args=(src, start, end, stem, display, limit, handoff, stop, current),
        daemon=True,
    )
    feeder.start()

    def pipes() -> Iterator[Path]:
        while True:
            got = handoff.get()
            if isinstance(got, _Done):
                if got.error is not None:
                    raise got.error
                return
            yield got

    try:
        yield pipes()
    finally:
        stop.set()

        def waiting() -> list[Path]:
            with contextlib.suppress(queue.Empty):
                handoff.get_nowait()  # a feeder waiting to hand a pipe over
            return list(current)

        _release(feeder, waiting)
        for pipe in current:
            pipe.unlink(missing_ok=True)


def _feed_chunks(
    src: Path,
    start: int,
    end: int,
    stem: Path,
    display: str,
    limit: int,
    handoff: queue.Queue[Path | _Done],
    stop: threading.Event,
    current: list[Path],
) -> None:
    error: BaseException | None = None
    try:
        with src.open("rb") as fh:
            fh.seek(start)
            doc = JsonStream(_Bounded(fh, end - start), display)
            doc.take("[")
            first = start + doc.offset()
            k, n = 0, 0
            if doc.peek() == "]":
                _hand(src, first, first, stem, 0, handoff, stop, current)
                return
            while not stop.is_set():
                doc.record = n
                doc.value(limit, "a post")
                n += 1
                last = doc.peek() == "]"
                if last or n % _LOOK_EVERY == 0:
                    after = start + doc.offset()
                    if last or after - first >= CHUNK_BYTES:
                        _hand(src, first, after, stem, k, handoff, stop, current)
                        k += 1
                        if last:
                            doc.take("]")
                            doc.end()
                            return
                        doc.take(",")
                        first = start + doc.offset()
                        continue
                doc.take(",")
    except BaseException as exc:  # handed to the reader, raised there
        error = exc
    finally:
        while not stop.is_set():
            try:
                handoff.put(_Done(error), timeout=0.05)
                break
            except queue.Full:
                continue


def _hand(
    src: Path,
    first: int,
    after: int,
    stem: Path,
    k: int,
    handoff: queue.Queue[Path | _Done],
    stop: threading.Event,
    current: list[Path],
) -> None:
    """Bytes [first, after) of ``src`` (whole posts) given to the reader as ``[`` them ``]``
    through a new pipe."""
    for old in current:
        old.unlink(missing_ok=True)
    current.clear()
    pipe = stem.parent / f"{stem.name}-{k}.pipe"
    os.mkfifo(pipe, 0o600)
    current.append(pipe)
    while True:
        if stop.is_set():
            return
        try:
            handoff.put(pipe, timeout=0.05)
            break
        except queue.Full:
            continue
    out = _open_writer(pipe, stop)
    if out is None:
        return
    with out:
        try:
            out.write(b"[")
            copy_range(src, out, first, after)
            out.write(b"]")
        except OSError:  # a broken pipe among them: the reader went away
            return


class _Bounded:
    """The first ``size`` bytes of a file, from where it stands."""

    def __init__(self, fh: Any, size: int) -> None:
        self.fh = fh
        self.left = size

    def read(self, size: int = -1, /) -> bytes:
        if self.left <= 0:
            return b""
        data = self.fh.read(self.left if size < 0 else min(size, self.left))
        self.left -= len(data)
        return data
