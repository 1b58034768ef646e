"""A :class:`Source` is one thing an importer reads: a file, a folder or a zip archive.

Exports such as the X archive or Instagram's "Download your information" are trees of files;
a :class:`Source` lets an importer list and open members without caring whether the tree is a
folder on disk or a zip, and lets a plain file look like a tree of one member.
"""

from __future__ import annotations

import fnmatch
import hashlib
import io
import json
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from engagecore import limits
from engagecore.errors import FormatError

# macOS and Windows add these to zips and folders; they are never data.
_JUNK_PARTS = ("__MACOSX", ".DS_Store", "Thumbs.db")


def _is_junk(name: str) -> bool:
    return any(part in _JUNK_PARTS or part.startswith("._") for part in name.split("/"))


@dataclass
class Source:
    """A file, folder or zip archive, seen as a tree of members with ``/``-separated names."""

    path: Path
    _zip: zipfile.ZipFile | None = field(default=None, repr=False)
    _names: list[str] | None = field(default=None, repr=False)
    _kind: str | None = field(default=None, repr=False)

    @classmethod
    def open(cls, path: str | Path) -> Source:
        p = Path(path)
        if not p.exists():
            raise FormatError(str(p), "no such file or folder")
        src = cls(p)
        if p.is_file() and zipfile.is_zipfile(p):
            try:
                src._zip = zipfile.ZipFile(p)
            except zipfile.BadZipFile as exc:  # pragma: no cover - is_zipfile checked it
                raise FormatError(str(p), f"not a readable zip archive ({exc})") from exc
        return src

    @property
    def kind(self) -> str:
        """``"zip"``, ``"folder"`` or ``"file"`` (asked of the disk once: importers call it
        for every member of folders of thousands of files)."""
        if self._kind is None:
            if self._zip is not None:
                self._kind = "zip"
            else:
                self._kind = "folder" if self.path.is_dir() else "file"
        return self._kind

    @property
    def name(self) -> str:
        return self.path.name

    def names(self) -> list[str]:
        """Every member, sorted; a plain file has one member: its own name."""
        if self._names is None:
            if self._zip is not None:
                names = [n for n in self._zip.namelist() if not n.endswith("/")]
            elif self.kind == "folder":
                names = [
                    p.relative_to(self.path).as_posix() for p in self.path.rglob("*") if p.is_file()
                ]
            else:
                names = [self.path.name]
            self._names = sorted(n for n in names if not _is_junk(n))
        return self._names

    def glob(self, *patterns: str) -> list[str]:
        """Members whose name, or whose path suffix, matches one of the glob patterns.

        ``glob("tweets.js")`` finds ``data/tweets.js`` and ``tweets.js`` alike, so an importer
        keeps working when a newer export moves a file to another folder.
        """
        out = []
        for n in self.names():
            for pat in patterns:
                if fnmatch.fnmatchcase(n, pat) or fnmatch.fnmatchcase(n, "*/" + pat):
                    out.append(n)
                    break
        return out

    def read_bytes(self, name: str) -> bytes:
        """A whole member; a zip member is refused beyond the limits (see :meth:`stream`)."""
        if self._zip is not None:
            with self.stream(name) as fh:
                return fh.read()
        if self.kind == "folder":
            return (self.path / name).read_bytes()
        return self.path.read_bytes()

    def read_text(self, name: str, encoding: str = "utf-8-sig") -> str:
        """A member as text; a UTF-8 byte-order mark is dropped.

        The whole member is held in memory, several times over once parsed: a member larger
        than the document limit (``ENGAGE_MAX_DOCUMENT_SIZE``) is refused before it is read.
        """
        self._check_document(name)
        data = self.read_bytes(name)
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as exc:
            raise FormatError(self.display(name), f"expected UTF-8 text ({exc.reason})") from exc

    def _check_document(self, name: str) -> None:
        if self._zip is not None:
            size = self._zip.getinfo(name).file_size
        else:
            size = (self.path / name if self.kind == "folder" else self.path).stat().st_size
        limit = limits.current().document_bytes()
        if size > limit:
            raise FormatError(
                self.display(name),
                f"{limits.human(size)} to parse whole in memory, over the limit of "
                f"{limits.human(limit)} per file (exports of this kind come split in smaller "
                "files; raise ENGAGE_MAX_DOCUMENT_SIZE if this one is genuine)",
            )

    def read_json(self, name: str) -> Any:
        """A member parsed as JSON; invalid JSON is a :class:`FormatError` naming the member
        and the position (every JSON importer needs exactly this)."""
        text = self.read_text(name)
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise FormatError(
                self.display(name),
                f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})",
            ) from exc

    def head(self, name: str, size: int = 4096) -> bytes:
        """The first bytes of a member, for cheap format detection."""
        if self._zip is not None:
            # a few bytes, however large the member says it is: no limit to check here
            # (detection must not fail on it), and the zip module never inflates past `size`
            try:
                with self._zip.open(name) as fh:
                    return fh.read(size)
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
                raise FormatError(
                    self.display(name), f"cannot be read from the zip ({exc})"
                ) from exc
        p = self.path / name if self.kind == "folder" else self.path
        with p.open("rb") as fh:
            return fh.read(size)

    def stream(self, name: str) -> io.BufferedIOBase:
        """A binary file object on a member (caller closes it).

        A zip member is checked against the limits (:mod:`engagecore.limits`) before it is
        opened, from the sizes the archive declares, and again while it is read, from the
        bytes actually inflated (a forged archive can declare anything): past the limit,
        reading raises a :class:`FormatError` naming the archive, the member and the limit.
        """
        if self._zip is not None:
            info = self._zip.getinfo(name)
            # what the member can have been compressed into: a forged archive may declare
            # more than the whole archive holds
            compressed = min(info.compress_size, self.path.stat().st_size)
            guard = _Guard(self.display(name), info.file_size, compressed)
            guard.check_declared()
            try:
                raw = self._zip.open(info)
            except (zipfile.BadZipFile, NotImplementedError) as exc:
                raise FormatError(
                    self.display(name), f"cannot be read from the zip ({exc})"
                ) from exc
            return io.BufferedReader(_Inflating(raw, guard), buffer_size=1 << 16)
        p = self.path / name if self.kind == "folder" else self.path
        return p.open("rb")

    def local_path(self, name: str) -> Path | None:
        """The member's path on disk when it has one (not inside a zip), for fast readers."""
        if self._zip is not None:
            return None
        return self.path / name if self.kind == "folder" else self.path

    def display(self, name: str | None = None) -> str:
        """How to name a member in a message: ``export.zip:data/tweets.js``."""
        if name is None or self.kind == "file":
            return str(self.path)
        sep = ":" if self.kind == "zip" else "/"
        return f"{self.path}{sep}{name}"

    def size(self) -> int:
        """Bytes on disk: the file (a zip counts as its compressed size) or the folder's files."""
        if self.kind == "folder":
            return sum((self.path / n).stat().st_size for n in self.names())
        return self.path.stat().st_size

    def sha256(self) -> str:
        """A digest of the whole source (for a folder: of its member names and contents)."""
        h = hashlib.sha256()
        if self.kind == "folder":
            for n in self.names():
                h.update(n.encode())
                h.update(b"\0")
                with (self.path / n).open("rb") as fh:
                    for chunk in iter(lambda: fh.read(1 << 20), b""):
                        h.update(chunk)
        else:
            with self.path.open("rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    h.update(chunk)
        return h.hexdigest()

    def iter_children(self) -> Iterator[Path]:
        """Immediate children of a folder, for recursive discovery."""
        if self.kind != "folder":
            return iter(())
        return iter(sorted(p for p in self.path.iterdir() if not _is_junk(p.name)))

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()


class _Guard:
    """The limits one zip member is held to, and the bytes inflated so far."""

    def __init__(self, display: str, declared: int, compressed: int) -> None:
        current = limits.current()
        self.display = display
        self.declared = declared
        self.compressed = compressed
        self.max_bytes = current.member_bytes()
        self.max_ratio = current.ratio()
        self.inflated = 0

    def _refuse(self, what: str, limit: str, variable: str) -> FormatError:
        return FormatError(
            self.display,
            f"{what}, over the limit of {limit} per zip member; refused as a possible zip "
            f"bomb (raise {variable} if the export is genuine)",
        )

    def check_declared(self) -> None:
        if self.declared > self.max_bytes:
            raise self._refuse(
                f"declares {limits.human(self.declared)} uncompressed",
                limits.human(self.max_bytes),
                "ENGAGE_MAX_MEMBER_SIZE",
            )
        self._check_ratio(self.declared, self.compressed, "declares")

    def _check_ratio(self, inflated: int, compressed: int, verb: str) -> None:
        if inflated > limits.RATIO_FLOOR and inflated > self.max_ratio * max(compressed, 1):
            ratio = inflated / max(compressed, 1)
            raise self._refuse(
                f"{verb} a compression ratio of {ratio:,.0f}:1 "
                f"({limits.human(inflated)} from {limits.human(compressed)})",
                f"{self.max_ratio:g}:1",
                "ENGAGE_MAX_RATIO",
            )

    def count(self, n: int) -> None:
        """``n`` more bytes inflated (the zip module stops at the declared size; this holds
        even if it did not)."""
        self.inflated += n
        if self.inflated > self.max_bytes:
            raise self._refuse(
                f"inflates past {limits.human(self.max_bytes)} (it declares "
                f"{limits.human(self.declared)})",
                limits.human(self.max_bytes),
                "ENGAGE_MAX_MEMBER_SIZE",
            )
        self._check_ratio(self.inflated, self.compressed, "inflates at")


class _Inflating(io.RawIOBase):
    """A zip member's bytes, counted against its :class:`_Guard` as they are inflated; a
    damaged or forged member becomes a :class:`FormatError` naming it."""

    def __init__(self, raw: IO[bytes], guard: _Guard) -> None:
        self._raw = raw
        self._guard = guard

    def readable(self) -> bool:
        return True

    def _chunk(self, size: int) -> bytes:
        try:
            data = self._raw.read(size)
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise FormatError(
                self._guard.display,
                f"damaged zip member: its content does not match what the archive declares ({exc})",
            ) from exc
        if data:
            self._guard.count(len(data))
        return data

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        data = self._chunk(len(view))
        view[: len(data)] = data
        return len(data)

    def readall(self) -> bytes:
        chunks = []
        while data := self._chunk(1 << 20):
            chunks.append(data)
        return b"".join(chunks)

    def close(self) -> None:
        self._raw.close()
        super().close()
