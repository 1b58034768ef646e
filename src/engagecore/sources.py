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
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
        if self._zip is not None:
            return self._zip.read(name)
        if self.kind == "folder":
            return (self.path / name).read_bytes()
        return self.path.read_bytes()

    def read_text(self, name: str, encoding: str = "utf-8-sig") -> str:
        """A member as text; a UTF-8 byte-order mark is dropped."""
        data = self.read_bytes(name)
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as exc:
            start = data[:256]
            utf16 = start[:2] in (b"\xff\xfe", b"\xfe\xff") or start.count(0) > len(start) // 4
            found = "UTF-16 text" if utf16 else exc.reason
            raise FormatError(
                self.display(name), f"expected UTF-8 text ({found}: save it as UTF-8)"
            ) from exc

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
        except RecursionError:
            raise FormatError(
                self.display(name), "expected JSON data, found arrays or objects nested too deep"
            ) from None

    def head(self, name: str, size: int = 4096) -> bytes:
        """The first bytes of a member, for cheap format detection."""
        if self._zip is not None:
            with self._zip.open(name) as fh:
                return fh.read(size)
        p = self.path / name if self.kind == "folder" else self.path
        with p.open("rb") as fh:
            return fh.read(size)

    def stream(self, name: str) -> io.BufferedIOBase:
        """A binary file object on a member (caller closes it)."""
        if self._zip is not None:
            return self._zip.open(name)  # type: ignore[return-value]
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
