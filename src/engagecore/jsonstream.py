"""A JSON document read value by value from a byte stream: a file of any size is read one
record at a time (an Instagram posts file post by post, a YouTube Data API response item by
item), never whole.

Parsed whole, a JSON file costs ~5× its size in memory or more (its bytes, its text, then
~2.5× in Python objects); read here, the memory is one record and a read buffer of ~1 MiB.

Each value is decoded by the standard library's C scanner (``JSONDecoder.raw_decode``) on
a text buffer that grows only while a value is not complete in it. A value larger than the
caller's limit is refused from its size before more of it is read; nesting too deep to
parse is refused as :meth:`Source.read_json` refuses it. (A streaming parser that walks
events, such as ijson, builds a path prefix per nesting level: 40 KB of ``[[[[...`` cost it
~1 GB; this reader's cost stays bounded by the value limit.)
"""

from __future__ import annotations

import codecs
import ctypes
import json
import re
from collections.abc import Callable
from typing import Any, Protocol

from engagecore.errors import FormatError
from engagecore.limits import human as human_size

#: How many bytes one read takes from the file.
_READ_SIZE = 1 << 20
_WHITESPACE = re.compile(r"[ \t\n\r]*")
#: A value longer than this is "long": its text is given back to the system once read.
_LONG = 4 * _READ_SIZE


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None (another C library).

    A long value is read through buffers that double: glibc keeps each freed buffer's
    smaller successors in its heap (its threshold for giving memory straight back rises with
    every large block freed), ~10 MB for a 40 MB post; trimming gives them back."""
    try:
        trim: Callable[[int], int] = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None
    return trim


_TRIM = _malloc_trim()
_QUOTE = re.compile(r'(\\*)"')


def _may_close(text: str) -> bool:
    """Whether ``text`` holds a quote that is not escaped (or may not be: one preceded by
    backslashes from the start of ``text`` counts, the scanner decides)."""
    return any(len(m[1]) % 2 == 0 or m.start() == 0 for m in _QUOTE.finditer(text))


#: An error this close to the end of the buffer may only mean the value goes on after it.
_TAIL = 16


class Readable(Protocol):
    """A binary file object (``Source.stream``'s, ``open(..., "rb")``)."""

    def read(self, size: int = -1, /) -> bytes: ...


# -- walking a document whose large parts are read item by item ----------------------------

#: A path in a document: object keys and array indexes from the top.
Path = tuple[str | int, ...]


class Streamed:
    """Stands, in what :meth:`JsonStream.walk` returns, for an array whose items were read
    one at a time (given to the caller, or dropped): ``count`` of them."""

    __slots__ = ("count",)

    def __init__(self, count: int) -> None:
        self.count = count

    def __repr__(self) -> str:
        return f"Streamed({self.count})"


class _Skipped:
    __slots__ = ()

    def __repr__(self) -> str:
        return "SKIPPED"


#: Stands for a value :meth:`JsonStream.walk` walked through and dropped.
SKIPPED: Any = _Skipped()
#: How :meth:`JsonStream.walk` treats a value (what its ``route`` returns for its path).
KEEP, DESCEND, ITEMS, SKIP = "keep", "descend", "items", "skip"
#: Objects nested deeper than this inside a skipped value are decoded whole (bounded).
_SKIP_DEPTH = 32


def path_name(path: Path) -> str:
    """``("data", "videos", 3)`` → ``data.videos[3]``; ``(0, "feed", 2)`` → ``[0].feed[2]``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


class JsonStream:
    """Reads a JSON document's structure token by token and its values whole.

    Errors are :class:`FormatError` naming ``where`` with the line and column, as
    :meth:`Source.read_json` gives them, and the record being read when there is one.

    .. versionadded:: 1
    """

    #: How :meth:`walk` treats a value, and what stands for one it did not keep.
    KEEP, DESCEND, ITEMS, SKIP = KEEP, DESCEND, ITEMS, SKIP
    Streamed = Streamed
    SKIPPED = SKIPPED

    @staticmethod
    def larger(source: Any, name: str, size: int) -> bool:
        """Whether a member of a :class:`~engagecore.plugin.Source` is larger than ``size``
        bytes (worth reading through a stream): its size on disk; in a gzip file, its
        trailer's length, or ``size + 1`` bytes inflated (a content that fits is kept for
        the read: see :meth:`Source.inflates_past`); in a zip, whether ``size + 1`` bytes of
        it inflate (they are read, not kept)."""
        path = source.local_path(name)
        try:
            if path is not None:
                return bool(path.stat().st_size > size)
            if getattr(source, "gzipped", False):
                return bool(source.inflates_past(size))
            return len(source.head(name, size + 1)) > size
        except (OSError, FormatError):
            return False

    def __init__(self, fh: Readable, where: str) -> None:
        self._fh = fh
        self.where = where
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._decode = self._decoder.decode
        self._bytes = 0  # bytes read from the file
        self._scan = json.JSONDecoder().raw_decode
        self._buf = ""
        self._pos = 0
        self._eof = False
        self._started = False
        self._base = 0  # the offset of _buf[0] in the document's text
        self._line = 1  # the line _buf[0] is in
        self._line_start = 0  # the offset where that line starts
        #: the record being read, named in errors (set by the caller)
        self.record: int | str | None = None
        #: while :meth:`walk` runs, the objects and arrays it is inside, from the top, as
        #: kept so far (an item's page, with the members read before the item)
        self.parents: list[Any] = []

    # -- input -------------------------------------------------------------------------------

    def _drop(self) -> None:
        """Forget the text already consumed."""
        if not self._pos:
            return
        newlines = self._buf.count("\n", 0, self._pos)
        if newlines:
            self._line += newlines
            self._line_start = self._base + self._buf.rfind("\n", 0, self._pos) + 1
        self._base += self._pos
        self._buf = self._buf[self._pos :]
        self._pos = 0

    def _read(self) -> str:
        """The text of the next bytes of the file ("" at its end)."""
        data = self._fh.read(_READ_SIZE)
        self._bytes += len(data)
        end = not data
        if not self._started:
            self._started = True
            start = data[:256]
            if start[:2] in (b"\xff\xfe", b"\xfe\xff") or start.count(0) > len(start) // 4:
                raise FormatError(self.where, "expected UTF-8 text (UTF-16 text: save it as UTF-8)")
            if start[:3] == b"\xef\xbb\xbf":
                data = data[3:]  # a byte-order mark, as Source.read_text drops it
        try:
            text = self._decode(data, final=end)
        except UnicodeDecodeError as exc:
            raise FormatError(
                self.where, f"expected UTF-8 text ({exc.reason}: save it as UTF-8)"
            ) from exc
        self._eof = end
        return text

    def _fill(self, size: int = 0, limit: int | None = None, what: str = "") -> None:
        """Drop what was consumed and append about ``size`` more characters (or the rest).

        With ``limit``, the buffer ends inside a string: read until a piece holds a quote
        that may close it (then the value is likely whole: its text is joined once, at
        twice its size, instead of through doubling buffers), refused past ``limit``."""
        self._drop()
        size = size or _READ_SIZE
        pieces: list[str] = []
        got = 0
        while not self._eof and (got < size or limit is not None):
            text = self._read()
            pieces.append(text)
            got += len(text)
            if limit is not None:
                if len(self._buf) + got > limit:
                    raise self._too_large(limit, what)
                if _may_close(text):
                    break
        # one join, the old text let go first: a long value costs its text twice at most
        parts = [self._buf, *pieces]
        del pieces
        self._buf = ""
        self._buf = "".join(parts)

    def _invalid(self, message: str, at: int) -> FormatError:
        line = self._line + self._buf.count("\n", 0, at)
        nl = self._buf.rfind("\n", 0, at)
        column = at - nl if nl >= 0 else self._base + at - self._line_start + 1
        where = f"line {line}, column {column}: {message}"
        if self.record is not None:
            return FormatError(self.where, f"not valid JSON in record {self.record} ({where})")
        return FormatError(self.where, f"not valid JSON ({where})")

    # -- tokens ------------------------------------------------------------------------------

    def peek(self) -> str:
        """The next character that is not whitespace ("" at the end of the document)."""
        while True:
            m = _WHITESPACE.match(self._buf, self._pos)
            self._pos = m.end() if m else self._pos
            if self._pos < len(self._buf):
                return self._buf[self._pos]
            if self._eof:
                return ""
            self._fill()

    def take(self, expected: str) -> str:
        """The next non-whitespace character, which must be one of ``expected``."""
        found = self.peek()
        if not found or found not in expected:
            names = " or ".join(repr(c) for c in expected)
            message = f"Expecting {names}" if found else f"Expecting {names}, the file ends"
            raise self._invalid(message, self._pos)
        self._pos += 1
        return found

    def offset(self) -> int:
        """How many bytes of the file come before the next character to read (a place to
        cut the file at, between two values). Costs an encoding of the read buffer."""
        pending = len(self._decoder.getstate()[0])
        rest = len(self._buf[self._pos :].encode("utf-8"))
        return self._bytes - pending - rest

    def end(self) -> None:
        """Nothing but whitespace may follow the document."""
        if self.peek():
            raise self._invalid("Extra data", self._pos)

    def value(self, limit: int, what: str = "value") -> Any:
        """The next JSON value, whole; refused when it is longer than ``limit`` characters
        (``what`` names it in that message)."""
        self.peek()
        while True:
            try:
                obj, end = self._scan(self._buf, self._pos)
            except json.JSONDecodeError as exc:
                string = exc.msg.startswith("Unterminated string")
                if self._eof or not (string or exc.pos >= len(self._buf) - _TAIL):
                    raise self._invalid(exc.msg, exc.pos) from None
                self._grow(limit, what, string)
                continue
            except RecursionError:
                raise FormatError(
                    self.where, "expected JSON data, found arrays or objects nested too deep"
                ) from None
            if end == len(self._buf) and not self._eof:
                self._grow(limit, what)  # a number may go on in the next bytes
                continue
            if end - self._pos > limit:
                raise self._too_large(limit, what)
            self._pos = end
            if end > _LONG:
                self._drop()  # a long value's text goes before the caller works on it
                if _TRIM is not None:
                    _TRIM(0)
            return obj

    def _grow(self, limit: int, what: str, string: bool = False) -> None:
        held = len(self._buf) - self._pos
        if held > limit:
            raise self._too_large(limit, what)
        if string:
            self._fill(limit=limit, what=what)
        else:
            self._fill(held)  # doubling: a long value is scanned ~twice in all
        if held > _LONG and _TRIM is not None:
            _TRIM(0)

    def _too_large(self, limit: int, what: str) -> FormatError:
        return FormatError(self.where, f"{what} larger than {human_size(limit)}", self.record)

    # -- walking ------------------------------------------------------------------------------

    def walk(
        self,
        route: Callable[[Path], str],
        on_item: Callable[[Path, int, Any], None] | None = None,
        *,
        item_limit: int,
        value_limit: int,
    ) -> Any:
        """The whole document, walked as ``route(path)`` says for each value:

        - ``KEEP`` (or any other answer): decoded whole, refused past ``value_limit`` characters;
        - ``DESCEND``: an object or array walked member by member (their paths one longer); a
          value of another type is kept;
        - ``ITEMS``: an array whose items are decoded one at a time (each refused past
          ``item_limit``) and given to ``on_item(path, index, item)`` (dropped when it is None):
          a :class:`Streamed` stands for it; a value of another type is kept;
        - ``SKIP``: walked through without being kept (an object member by member, an array item
          by item): :data:`SKIPPED` stands for it.

        So a file of any size costs one item (or one kept value) and the read buffer. While
        ``on_item`` runs, ``parents`` holds the objects and arrays around the item as kept so
        far (``parents[-1]``: the page, with the members before the array). While an item is
        read, ``record`` names it (``data.videos[4127]``): a file cut short is refused
        naming the item it ends in. Nothing may follow the document.

        .. versionadded:: 1
        """
        found = self._walk((), route, on_item, item_limit, value_limit)
        self.end()
        return found

    def _walk(
        self,
        path: Path,
        route: Callable[[Path], str],
        on_item: Callable[[Path, int, Any], None] | None,
        item_limit: int,
        value_limit: int,
    ) -> Any:
        how = route(path)
        first = self.peek()
        if how == SKIP:
            self._skip(path, item_limit, value_limit, 0)
            return SKIPPED
        if how == ITEMS and first == "[":
            self.take("[")
            n = 0
            if self.peek() == "]":
                self.take("]")
                return Streamed(0)
            outer = self.record
            while True:
                record = path_name((*path, n))
                self.record = record
                item = self.value(item_limit, "an item")
                self.record = outer
                if on_item is not None:
                    on_item(path, n, item)
                del item
                n += 1
                self.record = record
                end = self.take(",]")
                self.record = outer
                if end == "]":
                    return Streamed(n)
        if how == DESCEND and first == "{":
            self.take("{")
            out: dict[str, Any] = {}
            if self.peek() == "}":
                self.take("}")
                return out
            self.parents.append(out)
            while True:
                key = self._key(value_limit)
                out[key] = self._walk((*path, key), route, on_item, item_limit, value_limit)
                if self.take(",}") == "}":
                    self.parents.pop()
                    return out
        if how == DESCEND and first == "[":
            self.take("[")
            items: list[Any] = []
            if self.peek() == "]":
                self.take("]")
                return items
            self.parents.append(items)
            while True:
                items.append(
                    self._walk((*path, len(items)), route, on_item, item_limit, value_limit)
                )
                if self.take(",]") == "]":
                    self.parents.pop()
                    return items
        name = path_name(path)
        return self.value(value_limit, f"the value of {name!r}" if name else "the document")

    def _key(self, limit: int) -> str:
        if self.peek() != '"':
            raise self._invalid("Expecting property name enclosed in double quotes", self._pos)
        key = self.value(limit, "a key")
        self.take(":")
        return str(key)

    def _skip(self, path: Path, item_limit: int, value_limit: int, depth: int) -> None:
        first = self.peek()
        if first == "{" and depth < _SKIP_DEPTH:
            self.take("{")
            if self.peek() == "}":
                self.take("}")
                return
            while True:
                key = self._key(value_limit)
                self._skip((*path, key), item_limit, value_limit, depth + 1)
                if self.take(",}") == "}":
                    return
        if first == "[" and depth < _SKIP_DEPTH:
            self.take("[")
            if self.peek() == "]":
                self.take("]")
                return
            outer, n = self.record, 0
            while True:
                self.record = path_name((*path, n))
                self.value(item_limit, "an item")
                end = self.take(",]")
                self.record = outer
                n += 1
                if end == "]":
                    return
        self.value(value_limit, f"the value of {path_name(path)!r}")
