"""A :class:`Source` is one thing an importer reads: a file, a folder or a zip archive.

Exports such as the X archive or Instagram's "Download your information" are trees of files;
a :class:`Source` lets an importer list and open members without caring whether the tree is a
folder on disk or a zip, and lets a plain file look like a tree of one member.
"""

from __future__ import annotations

import fnmatch
import gzip
import hashlib
import io
import json
import os
import shutil
import sys
import time
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from engagecore import limits
from engagecore.errors import FormatError

#: bytes of a plain file kept for detection (importers look at up to 8 KiB)
_HEAD_KEPT = 16 * 1024
#: a gzip file whose content is at most this long is inflated whole by its first
#: :meth:`Source.head` (a fetched page: ~30 KiB), the content kept for the read that follows
_GZIP_KEPT_WHOLE = 1024 * 1024

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
    #: a folder inside a zip (``"export/"``), or the folder of a zip member seen as a file:
    #: member names are relative to it
    _prefix: str = field(default="", repr=False)
    #: how the zip holding this source is named in messages (``a.zip``, ``a.zip:inner.zip``)
    _where: str | None = field(default=None, repr=False)
    #: a source sharing its zip with the tree it comes from does not close it
    _owns_zip: bool = field(default=True, repr=False)
    _children: list[Source] | None = field(default=None, repr=False)
    _head: bytes | None = field(default=None, repr=False)
    #: some members of a zip (a folder in it, or sibling files): digested member by member
    _part: bool = field(default=False, repr=False)
    #: a gzip file's whole content, inflated by :meth:`inflates_past` to learn its size and
    #: kept for the read that follows (given once, then dropped)
    _inflated: bytes | None = field(default=None, repr=False)

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
    def gzipped(self) -> bool:
        """A plain file compressed with gzip (``page.json.gz``): every read gives its
        decompressed content, and its member is named without ``.gz`` (``page.json``), so
        importers see it as the file it holds. Its digest is the compressed file's."""
        return self.kind == "file" and self._zip is None and _is_gz(self.path.name)

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
        """The file or folder name (inside a zip: the member's or the folder's own name)."""
        if self._prefix and self.kind == "zip":
            return PurePosixPath(self._prefix).name
        return self.path.name

    @property
    def is_subtree(self) -> bool:
        """A folder inside a zip (walked into like a folder on disk)."""
        return self._zip is not None and bool(self._prefix) and self.kind == "zip"

    def names(self) -> list[str]:
        """Every member, sorted; a plain file has one member: its own name."""
        if self._names is None:
            if self._zip is not None:
                cut = len(self._prefix)
                names = [
                    n[cut:]
                    for n in self._zip.namelist()
                    if not n.endswith("/") and n.startswith(self._prefix)
                ]
            elif self.kind == "folder":
                names = _files_under(self.path)
            else:
                names = [self.path.name[:-3] if self.gzipped else self.path.name]
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
        if self.gzipped:
            limit = limits.current().document_bytes()
            if self._inflated is not None:
                data, self._inflated = self._inflated, None
            else:
                with self.stream(name) as fh:
                    data = fh.read(limit + 1)
            if len(data) > limit:
                raise FormatError(
                    self.display(),
                    f"inflates past {limits.human(limit)}, the limit per file (raise "
                    "ENGAGE_MAX_DOCUMENT_SIZE if this one is genuine)",
                )
            return data
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
            start = data[:256]
            utf16 = start[:2] in (b"\xff\xfe", b"\xfe\xff") or start.count(0) > len(start) // 4
            found = "UTF-16 text" if utf16 else exc.reason
            raise FormatError(
                self.display(name), f"expected UTF-8 text ({found}: save it as UTF-8)"
            ) from exc

    def _check_document(self, name: str) -> None:
        if self._zip is not None:
            size = self._zip.getinfo(self._prefix + name).file_size
        elif self.gzipped:
            return  # its size is known once inflated: read_bytes stops past the limit
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
        except RecursionError:
            raise FormatError(
                self.display(name), "expected JSON data, found arrays or objects nested too deep"
            ) from None

    def head(self, name: str, size: int = 4096) -> bytes:
        """The first bytes of a member, for cheap format detection.

        A plain file's first bytes are read once and kept until :meth:`forget_head`: every
        importer looks at them while a tree is walked (one open per file, not one per
        importer)."""
        if self._inflated is not None:
            return self._inflated[:size]
        if size <= _HEAD_KEPT and self._head is None and self.gzipped:
            # a small page's whole content in one inflation, kept for the read that follows
            # (detection, then the read, would inflate it twice); a larger one's first bytes
            try:
                data = _gunzip_at_once(self.path, self.display(), _GZIP_KEPT_WHOLE + 1)
                if data is None:  # a large file: through the stream
                    with self.stream(name) as fh:
                        data = fh.read(_GZIP_KEPT_WHOLE + 1)
            except FormatError:
                data = None  # damaged past its first bytes: detected on those, as before;
                # its read names the damage
            if data is not None:
                if len(data) <= _GZIP_KEPT_WHOLE:
                    self._inflated = data
                else:
                    self._head = data[: _HEAD_KEPT + 1]
                return data[:size]
        if size <= _HEAD_KEPT and self.kind == "file":
            if self._head is None:
                self._head = self.head(name, _HEAD_KEPT + 1)  # a size past the cache: read
            return self._head[:size]
        if self._zip is not None:
            # a few bytes, however large the member says it is: no limit to check here
            # (detection must not fail on it), and the zip module never inflates past `size`
            try:
                with self._zip.open(self._prefix + name) as fh:
                    return fh.read(size)
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
                raise FormatError(
                    self.display(name), f"cannot be read from the zip ({exc})"
                ) from exc
        p = self.path / name if self.kind == "folder" else self.path
        with self.stream(name) if self.gzipped else p.open("rb") as fh:
            return fh.read(size)

    def forget_head(self, keep_content: bool = False) -> None:
        """Drop the first bytes kept by :meth:`head` (detection is over); with
        ``keep_content``, a gzip file's whole content inflated by it stays for the read that
        follows at once (given once, then dropped)."""
        self._head = None
        if not keep_content:
            self._inflated = None

    def inflates_past(self, size: int) -> bool:
        """Whether a gzip file's content is larger than ``size`` bytes.

        Its trailer's length (ISIZE: the last member's size modulo 2**32) answers yes without
        inflating anything: the content is at least that long, or the file is damaged and its
        read says so. A smaller ISIZE is not trusted (a multi-member file, or one over 4 GiB,
        has a larger content): at most ``size + 1`` bytes are inflated to tell, and a content
        that fits is kept for the next :meth:`read_bytes`, :meth:`head` or :meth:`stream`,
        which then inflate nothing."""
        if self._inflated is not None:  # the whole content, inflated by head()
            return len(self._inflated) > size
        with self.path.open("rb") as fh:
            if fh.seek(0, os.SEEK_END) >= 18:  # a gzip header and trailer at least
                fh.seek(-4, os.SEEK_END)
                if int.from_bytes(fh.read(4), "little") > size:
                    return True
        name = self.names()[0]
        self._inflated = None
        with self.stream(name) as fh:
            data = fh.read(size + 1)
        if len(data) > size:
            return True
        self._inflated = data
        return False

    def stream(self, name: str) -> io.BufferedIOBase:
        """A binary file object on a member (caller closes it).

        A zip member is checked against the limits (:mod:`engagecore.limits`) before it is
        opened, from the sizes the archive declares, and again while it is read, from the
        bytes actually inflated (a forged archive can declare anything): past the limit,
        reading raises a :class:`FormatError` naming the archive, the member and the limit.
        """
        if self._zip is not None:
            return _guarded_member(self._zip, self._prefix + name, self.display(name))
        p = self.path / name if self.kind == "folder" else self.path
        if self.gzipped:
            if self._inflated is not None:
                data, self._inflated = self._inflated, None
                return io.BytesIO(data)
            return io.BufferedReader(_Gunzip(p, self.display()), buffer_size=1 << 16)
        return p.open("rb")

    def local_path(self, name: str) -> Path | None:
        """The member's path on disk when it has one (not inside a zip), for fast readers."""
        if self._zip is not None or self.gzipped:
            return None
        return self.path / name if self.kind == "folder" else self.path

    def display(self, name: str | None = None) -> str:
        """How to name a member in a message: ``export.zip:data/tweets.js``."""
        if self._zip is not None:
            where = self._where or str(self.path)
            if self.kind == "file":
                return f"{where}:{self._prefix}{self.names()[0]}"
            if name is None:
                return f"{where}:{self._prefix.rstrip('/')}" if self._prefix else where
            return f"{where}:{self._prefix}{name}"
        if name is None or self.kind == "file":
            return str(self.path)
        return f"{self.path}/{name}"

    def size(self) -> int:
        """Bytes on disk: the file (a zip counts as its compressed size) or the folder's files."""
        if self.kind == "folder":
            return sum((self.path / n).stat().st_size for n in self.names())
        if self._zip is not None and (self._prefix or self._part):
            return sum(self._zip.getinfo(self._prefix + n).compress_size for n in self.names())
        return self.path.stat().st_size

    def sha256(self) -> str:
        """A digest of the whole source (for a folder: of its member names and contents).

        A part of a zip (a folder in it, or one member) is digested as the same folder or
        file on disk would be, so it is recognised as already imported either way.
        """
        h = hashlib.sha256()
        if self.kind == "folder":
            for n in self.names():
                h.update(n.encode())
                h.update(b"\0")
                with (self.path / n).open("rb") as fh:
                    for chunk in iter(lambda: fh.read(1 << 20), b""):
                        h.update(chunk)
        elif self._zip is not None and (self._prefix or self._part):
            # its own handle: the digest may be computed while an importer reads the zip
            with zipfile.ZipFile(self._zip.filename or self.path) as zf:
                for n in self.names():
                    if self.kind != "file":
                        h.update(n.encode())
                        h.update(b"\0")
                    with _guarded_member(zf, self._prefix + n, self.display(n)) as fh:
                        for chunk in iter(lambda: fh.read(1 << 20), b""):
                            h.update(chunk)
        else:
            return file_sha256(self.path)
        return h.hexdigest()

    def iter_children(self) -> Iterator[Path]:
        """Immediate children of a folder, for recursive discovery."""
        if self.kind != "folder":
            return iter(())
        return iter(sorted(p for p in self.path.iterdir() if not _is_junk(p.name)))

    def children(self, workdir: Path, folders_only: bool = False) -> list[Source]:
        """The immediate sub-folders and files of a folder or zip, as sources of their own.

        One pass over :meth:`names` (already listed): a sub-folder's listing is cut from this
        one, so walking a tree lists it once per level, never once per file. Inside a zip, a
        sub-folder shares the zip's handle; a member is a file read from the zip and written
        to ``workdir`` only when an importer asks for its :attr:`path`; a zip inside a zip is
        written to ``workdir`` to be opened in turn.
        """
        if self._children is not None:
            return (
                [c for c in self._children if c.kind != "file"] if folders_only else self._children
            )
        if self.kind == "file":
            return []
        dirs: dict[str, list[str]] = {}
        files: list[str] = []
        for n in self.names():
            head, sep, rest = n.partition("/")
            if sep:
                dirs.setdefault(head, []).append(rest)
            else:
                files.append(n)
        out: list[Source] = []
        for d, names in sorted(dirs.items()):
            if self._zip is None:
                out.append(Source(self.path / d, _names=names, _kind="folder"))
            else:
                out.append(
                    Source(
                        self.path,
                        self._zip,
                        _names=names,
                        _kind="zip",
                        _prefix=f"{self._prefix}{d}/",
                        _where=self._where,
                        _owns_zip=False,
                    )
                )
        if folders_only:
            return out
        for f in files:
            if self._zip is None:
                out.append(Source.open(self.path / f))
            elif f.lower().endswith(".zip"):
                out.append(self._nested_zip(f, workdir))
            else:
                out.append(ZipMember(self, f, workdir))
        out.sort(key=lambda s: s.display())
        self._children = out
        return out

    def subset(self, names: list[str]) -> Source:
        """Some files of this folder or zip (immediate members), seen as a source of their own:
        sibling responses of one export (posts pages and their insights) are read together."""
        if self._zip is None:
            return Source(self.path, _names=sorted(names), _kind="folder")
        return Source(
            self.path,
            self._zip,
            _names=sorted(names),
            _kind="zip",
            _prefix=self._prefix,
            _where=self._where,
            _owns_zip=False,
            _part=True,
        )

    def _nested_zip(self, name: str, workdir: Path) -> Source:
        """A zip inside this zip, written to ``workdir`` and opened (named ``a.zip:b.zip``)."""
        target = _free_path(workdir, PurePosixPath(name).name)
        with self.stream(name) as fin, target.open("wb") as fout:
            shutil.copyfileobj(fin, fout, 1 << 22)
        _stamp(target, self._zip, self._prefix + name)
        src = Source.open(target)
        if src._zip is None:  # named .zip but not one: a plain member after all
            return ZipMember(self, name, workdir)
        src._where = self.display(name)
        return src

    def close(self) -> None:
        if self._zip is not None and self._owns_zip:
            self._zip.close()


def file_sha256(path: str | Path) -> str:
    """The sha256 of a file's bytes (a gzip file's compressed bytes): a plain file's
    :meth:`Source.sha256`, also computed ahead of a read (``ingest``'s files read together)."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _is_gz(name: str) -> bool:
    return name.lower().endswith(".gz") and len(name) > 3


#: a gzip file of at most this many bytes on disk is read and inflated in one call
_GZIP_READ_AT_ONCE = 256 * 1024


def _gunzip_at_once(path: Path, display: str, size: int) -> bytes | None:
    """The first ``size`` bytes of a small gzip file's content (all of it when shorter),
    read and inflated in one call: what :class:`_Gunzip` gives, without its layers of
    Python file objects (~100 us a fetched page, ~20 here). None when the file is larger
    than :data:`_GZIP_READ_AT_ONCE` on disk. As :mod:`gzip` reads it: members one after the
    other, zero bytes between or after them skipped, each member's CRC and length checked
    when it is inflated to its end; a damaged or cut file is a :class:`FormatError`."""
    with path.open("rb") as fh:
        data = fh.read(_GZIP_READ_AT_ONCE + 1)
    if len(data) > _GZIP_READ_AT_ONCE:
        return None
    out: list[bytes] = []
    got = 0
    try:
        while data and got < size:
            member = zlib.decompressobj(31)
            part = member.decompress(data, size - got)
            out.append(part)
            got += len(part)
            if got >= size:
                break
            if not member.eof:
                raise EOFError("Compressed file ended before the end-of-stream marker was reached")
            data = member.unused_data.lstrip(b"\0")
    except (EOFError, zlib.error) as exc:
        raise FormatError(display, f"damaged gzip file ({exc})") from exc
    return b"".join(out)


class _Gunzip(io.RawIOBase):
    """A gzip file's content; a damaged or cut file is a :class:`FormatError` naming it."""

    def __init__(self, path: Path, display: str) -> None:
        self._raw = gzip.open(path, "rb")  # noqa: SIM115 - closed by close()
        self._display = display

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        try:
            data = self._raw.read(len(view))
        except (OSError, EOFError, zlib.error) as exc:
            raise FormatError(self._display, f"damaged gzip file ({exc})") from exc
        view[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._raw.close()
        super().close()


def _files_under(root: Path) -> list[str]:
    """The files below ``root`` as ``/``-separated relative names (one ``scandir`` per
    folder: the entry types come with the listing, no ``stat`` per file)."""
    out: list[str] = []
    stack = [("", str(root))]
    while stack:
        rel, folder = stack.pop()
        with os.scandir(folder) as entries:
            for e in entries:
                name = rel + e.name
                if e.is_dir(follow_symlinks=False):  # a link to a folder could loop
                    stack.append((name + "/", e.path))
                elif e.is_file():
                    out.append(name)
    return out


def _free_path(workdir: Path, name: str) -> Path:
    """A new path ``workdir/N/name`` (members of different folders may share a name)."""
    workdir.mkdir(parents=True, exist_ok=True)
    folder = Path(os.path.realpath(workdir)) / str(len(os.listdir(workdir)))
    folder.mkdir()
    return folder / name


def _stamp(target: Path, zf: zipfile.ZipFile | None, member: str) -> None:
    """Give an extracted member the modification time the zip records for it (importers
    date a file without a date of its own by its modification time)."""
    if zf is None:
        return
    try:
        stamp = time.mktime((*zf.getinfo(member).date_time, 0, 0, -1))
    except (KeyError, OverflowError, ValueError):
        return
    os.utime(target, (stamp, stamp))


class ZipMember(Source):
    """One file of a zip seen as a plain file (kind ``"file"``).

    Detection and reading through :meth:`head`, :meth:`read_bytes` and :meth:`stream` go
    through the zip; :attr:`path` writes the member to the work folder the first time an
    importer asks for it (some read files with DuckDB or polars by path), so a tree's
    members no importer wants are never written out.
    """

    def __init__(self, parent: Source, member: str, workdir: Path) -> None:
        folder, _, base = member.rpartition("/")
        super().__init__(
            Path(base),
            parent._zip,
            _names=[base],
            _kind="file",
            _prefix=parent._prefix + (folder + "/" if folder else ""),
            _where=parent._where or str(parent.path),
            _owns_zip=False,
        )
        self._zip_path = parent.path
        self._workdir = workdir
        self._extracted: Path | None = None

    @property
    def path(self) -> Path:
        if self._extracted is None:
            target = _free_path(self._workdir, self._given.name)
            with self.stream(self._given.name) as fin, target.open("wb") as fout:
                shutil.copyfileobj(fin, fout, 1 << 22)
            _stamp(target, self._zip, self._prefix + self._given.name)
            self._extracted = target
        return self._extracted

    @path.setter
    def path(self, value: Path) -> None:
        self._given = value

    @property
    def name(self) -> str:
        return self._given.name

    def __repr__(self) -> str:  # the dataclass one would read `path`, writing the member out
        return f"ZipMember({self.display()!r})"

    def local_path(self, name: str) -> Path | None:
        return None

    def size(self) -> int:
        assert self._zip is not None
        return self._zip.getinfo(self._prefix + self._given.name).file_size

    def sha256(self) -> str:
        h = hashlib.sha256()
        # its own handle on the archive (the digest may run on a second thread), held to
        # the same limits as every read of a member
        with (
            zipfile.ZipFile(self._zip_path) as zf,
            _guarded_member(zf, self._prefix + self._given.name, self.display()) as fh,
        ):
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        return h.hexdigest()


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


def _archive_size(zf: zipfile.ZipFile) -> int:
    """Bytes of the archive file itself (what every member together was compressed into)."""
    try:
        return os.fstat(zf.fp.fileno()).st_size  # type: ignore[union-attr]
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        pass
    if zf.filename and os.path.exists(zf.filename):
        return os.path.getsize(zf.filename)
    return sys.maxsize


def _guarded_member(zf: zipfile.ZipFile, member: str, display: str) -> io.BufferedReader:
    """A zip member opened for reading, held to the member size and ratio limits from its
    declared sizes and again as it is inflated (declared sizes can lie)."""
    info = zf.getinfo(member)
    # what the member can have been compressed into: a forged archive may declare more than
    # the whole archive holds
    compressed = min(info.compress_size, _archive_size(zf))
    guard = _Guard(display, info.file_size, compressed)
    guard.check_declared()
    try:
        raw = zf.open(info)
    except (zipfile.BadZipFile, NotImplementedError) as exc:
        raise FormatError(display, f"cannot be read from the zip ({exc})") from exc
    return io.BufferedReader(_Inflating(raw, guard), buffer_size=1 << 16)
