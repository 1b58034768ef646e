"""The ``window.YTD.<name>.part0 = [...]`` wrapper of X archive files, and reading past it.

Every ``.js`` file of an X archive is a JSON value behind a JavaScript assignment (the global
name varies per file: ``YTD.tweets.part0``, ``YTD.account.part0``, ``__THAR_CONFIG``) and
sometimes a trailing ``;``. Small files are parsed here with :mod:`json`; large ones are copied,
minus the wrapper, into a plain JSON file that a vectorized reader (DuckDB) can scan.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from engagecore.plugin import FormatError, Source, copy_range, read_errors

#: ``window.<global name> =`` at the start of a member (after an optional BOM).
_PREFIX_RE = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*window\.([A-Za-z0-9_.$]+)\s*=")
_EXPECTED = "expected 'window.YTD.<name>.part0 = ' followed by JSON"
_TAIL = 64


def global_name(head: bytes) -> str | None:
    """The global a member assigns (``"YTD.tweets.part0"``), or None if it is no archive file."""
    m = _PREFIX_RE.match(head)
    return m.group(1).decode("ascii") if m else None


def _prefix_length(source: Source, member: str, head: bytes) -> int:
    m = _PREFIX_RE.match(head)
    if m is None:
        raise FormatError(source.display(member), _EXPECTED)
    return m.end()


def strip_to_file(source: Source, member: str, dest: Path) -> int:
    """Copy ``member`` minus its ``window.X =`` prefix and trailing ``;`` into ``dest``.

    Streams (:func:`engagecore.plugin.copy_range`: a zip member is decompressed chunk by
    chunk; a file on disk is copied by the kernel), so a multi-gigabyte ``tweets.js`` never
    sits in memory. Returns the number of bytes dropped at the start, so that byte offsets a
    parser reports in ``dest`` can be translated back to the member.
    """
    skip = _prefix_length(source, member, source.head(member, 4096))
    copy_range(source, dest, skip, name=member)
    _trim_tail(dest)
    return skip


def _trim_tail(path: Path) -> None:
    """Drop the trailing ``;`` (and whitespace around it) in place."""
    with path.open("r+b") as fh:
        size = fh.seek(0, os.SEEK_END)
        start = max(0, size - _TAIL)
        fh.seek(start)
        tail = fh.read().rstrip()
        if tail.endswith(b";"):
            tail = tail[:-1].rstrip()
        fh.truncate(start + len(tail))


def load(source: Source, member: str) -> Any:
    """Parse a small archive file (account.js, manifest.js, note-tweet.js) into Python values."""
    text = source.read_text(member)
    m = _PREFIX_RE.match(text[:4096].encode("utf-8"))
    if m is None:
        raise FormatError(source.display(member), _EXPECTED)
    body = text[len(m.group(0).decode("utf-8")) :].rstrip()
    if body.endswith(";"):
        body = body[:-1]
    try:
        with read_errors(source.display(member), f"JSON after 'window.{m.group(1).decode()} ='"):
            return json.loads(body)
    except RecursionError:
        raise FormatError(
            source.display(member), "expected JSON data, found arrays or objects nested too deep"
        ) from None
