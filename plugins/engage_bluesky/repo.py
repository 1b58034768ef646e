"""The repository export (``com.atproto.sync.getRepo``, "Export my data" in the app's
settings): a CAR file holding the account's records as DAG-CBOR blocks.

A CAR v1 file is a header (``{"version": 1, "roots": [commit]}``) then blocks, each a CID and
its bytes. The commit names the account (``did``) and the root of a Merkle search tree whose
keys are ``collection/rkey`` and whose values are the records. This importer frames the
blocks itself (so that a file cut short names the block it ends in, and a block whose bytes
do not match its CID is refused as damaged) and decodes each with ``libipld`` (the DAG-CBOR
codec of the AT Protocol Python SDK's author).

What it gives: every ``app.bsky.feed.post`` record as an own post (text, time, kind,
language, hashtags and mentions from facets and tags, as the feed importer reads them) and
every ``app.bsky.feed.repost`` as a not-own row (named ``repost:{author did}/{post rkey}``
after the post it reposts, as the feed importer names it; no text: the reposted post is not
in the repository). **No counts**: a repository
holds what the account wrote, not what others did (likes, reposts, replies of others live in
their repositories): every count is NULL. The account is the commit's DID with the display
name of its ``app.bsky.actor.profile`` record; the handle is not in the repository: an
``--account`` handle names it. ``observed_at`` is the file's modification time.

Times follow the rule the feed importer shares (module ``common``): ``createdAt``, unless it
is before Bluesky existed (a backdated import) or more than a day after the time the record
key encodes (a TID: when the record was written, to the microsecond), then the key's time.
A post or repost dated before Bluesky existed under a key that dates nothing after it cannot
be dated from a repository (the feed dates it by ``indexedAt``): refused.

A file on disk larger than :data:`STREAM_OVER` bytes is not held in memory: its blocks are
read one at a time (each checked against its CID and decoded, as ever), only where each lies
is kept, and the tree's nodes and records are read again from the file as the tree is walked;
its posts are handed to the ingest in frames of :data:`PART_ROWS` rows as they are read
(``Batch.post_parts``: validated and written a batch at a time), never held all at once: the
posts table is about the size of the CAR file itself (DAG-CBOR is compact, and each row gains
a URL the file does not hold). A CAR inside a zip or gzip file is first inflated into the run's
temporary folder (``ReadContext.temp_dir``: beside the store, under the zip caps as it streams)
and read from there the same way; the copy goes when its posts are read.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import tempfile
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from engagecore.plugin import (
    Batch,
    FormatError,
    Importer,
    ReadContext,
    Rows,
    Source,
    UsageError,
    check_named,
    copy_range,
    frame,
    given_account,
    modified_at,
    text_at,
)

from .common import (
    LAUNCHED,
    NETWORK,
    POST,
    REPOST,
    embed_kind,
    key_time,
    language,
    parse_time,
    record_text,
    repost_id,
    split_uri,
    tags_and_mentions,
    tid_time,
    web_url,
    when_posted,
)

__all__ = ["BlueskyRepoImporter", "tid_time"]

PROFILE = "app.bsky.actor.profile"
_DAG_CBOR = 0x71
_SHA256 = 0x12
#: The CAR v1 header, as DAG-CBOR writes it: a two-entry map with "roots" first.
_HEADER_START = b"\xa2eroots"
#: A repository file larger than this (bytes) is read block by block, not held in memory.
STREAM_OVER = 4 * 1024 * 1024
#: The posts of a large repository are handed to the ingest in frames of this many rows.
PART_ROWS = 5000


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    """An unsigned LEB128 varint at ``pos``: (value, position after it); ValueError if cut."""
    value = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise ValueError("a varint runs past the end")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7


def _cid_end(data: bytes, pos: int) -> tuple[int, int, bytes]:
    """The end of the CIDv1 at ``pos``, its multihash code and digest."""
    version, p = _varint(data, pos)
    if version != 1:
        raise ValueError(f"a CID of version {version} (expected 1)")
    _, p = _varint(data, p)  # codec
    code, p = _varint(data, p)
    size, p = _varint(data, p)
    if p + size > len(data):
        raise ValueError("a CID runs past the end")
    return p + size, code, data[p : p + size]


def _detect(head: bytes) -> float:
    try:
        size, pos = _varint(head, 0)
    except ValueError:
        return 0.0
    header = head[pos : pos + size]
    if not (0 < size < 512 and header.startswith(_HEADER_START) and b"gversion\x01" in header):
        return 0.0
    return 0.9 if b"did:" in head else 0.6


def _blocks(data: bytes, where: str) -> tuple[list[bytes], Iterator[tuple[int, bytes, bytes]]]:
    """The header's roots and an iterator of (block number, CID bytes, block bytes)."""
    codec = _codec()
    try:
        size, pos = _varint(data, 0)
        header = codec.decode_dag_cbor(data[pos : pos + size])
    except ValueError as exc:
        raise FormatError(where, f"expected a CAR file header ({exc})") from None
    roots = header.get("roots") if isinstance(header, dict) else None
    if not isinstance(header, dict) or header.get("version") != 1 or not isinstance(roots, list):
        raise FormatError(where, "expected a CAR v1 header with 'version' 1 and 'roots'")

    def walk(pos: int) -> Iterator[tuple[int, bytes, bytes]]:
        n = 0
        while pos < len(data):
            try:
                length, start = _varint(data, pos)
                end = start + length
                if end > len(data):
                    raise ValueError("the file ends inside it (cut short?)")
                cid_end, code, digest = _cid_end(data, start)
                if cid_end > end:
                    raise ValueError("its CID runs past the block")
            except ValueError as exc:
                raise FormatError(
                    where, f"expected a whole CAR block: {exc}", f"block {n}"
                ) from None
            body = data[cid_end:end]
            if code == _SHA256 and hashlib.sha256(body).digest() != digest:
                raise FormatError(
                    where,
                    "expected the block's bytes to match its CID (a damaged file)",
                    f"block {n}",
                )
            yield n, data[start:cid_end], body
            n, pos = n + 1, end

    return [bytes(r) for r in roots], walk(pos + size)


def _read_varint(fh: Any) -> tuple[int, int] | None:
    """An unsigned LEB128 varint read from ``fh``: (value, its size in bytes); None at the
    end of the file; ValueError if cut."""
    value = shift = size = 0
    while True:
        byte = fh.read(1)
        if not byte:
            if size == 0:
                return None
            raise ValueError("a varint runs past the end")
        size += 1
        value |= (byte[0] & 0x7F) << shift
        if not byte[0] & 0x80:
            return value, size
        shift += 7
        if shift > 63:
            raise ValueError("a varint runs past the end")


class _FileBlocks:
    """A repository file's blocks by CID, read from the file when asked for: only where
    each block lies is held (its every block checked and decoded once when indexed)."""

    def __init__(self, path: Any, where: str) -> None:
        self.where = where
        self.fd = os.open(path, os.O_RDONLY)
        self.at: dict[bytes, int] = {}  # CID → body offset << 32 | body length
        self.codec = _codec()

    def close(self) -> None:
        os.close(self.fd)

    def index(self) -> list[bytes]:
        """Reads every block once; returns the header's roots."""
        codec, where = self.codec, self.where
        with os.fdopen(os.dup(self.fd), "rb", buffering=1 << 20) as fh:
            try:
                first = _read_varint(fh)
                if first is None:
                    raise ValueError("a varint runs past the end")
                size, pos = first
                header = codec.decode_dag_cbor(fh.read(size))
            except ValueError as exc:
                raise FormatError(where, f"expected a CAR file header ({exc})") from None
            roots = header.get("roots") if isinstance(header, dict) else None
            if (
                not isinstance(header, dict)
                or header.get("version") != 1
                or not isinstance(roots, list)
            ):
                raise FormatError(where, "expected a CAR v1 header with 'version' 1 and 'roots'")
            pos += size
            n = 0
            while True:
                try:
                    found = _read_varint(fh)
                    if found is None:
                        break
                    length, skip = found
                    data = fh.read(length)
                    if len(data) < length:
                        raise ValueError("the file ends inside it (cut short?)")
                    cid_end, code, digest = _cid_end(data, 0)
                except ValueError as exc:
                    raise FormatError(
                        where, f"expected a whole CAR block: {exc}", f"block {n}"
                    ) from None
                body = data[cid_end:]
                if code == _SHA256 and hashlib.sha256(body).digest() != digest:
                    raise FormatError(
                        where,
                        "expected the block's bytes to match its CID (a damaged file)",
                        f"block {n}",
                    )
                try:
                    codec.decode_dag_cbor(body)
                except (ValueError, RecursionError) as exc:
                    raise FormatError(
                        where, f"expected a DAG-CBOR record ({exc})", f"block {n}"
                    ) from None
                self.at[data[:cid_end]] = (pos + skip + cid_end) << 32 | len(body)
                n, pos = n + 1, pos + skip + length
        return [bytes(r) for r in roots]

    def __contains__(self, cid: object) -> bool:
        return cid in self.at

    def __getitem__(self, cid: bytes) -> Any:
        at = self.at[cid]
        return self.codec.decode_dag_cbor(os.pread(self.fd, at & 0xFFFFFFFF, at >> 32))

    def clear(self) -> None:
        self.at.clear()

    def get(self, cid: Any) -> Any:
        return self[cid] if isinstance(cid, bytes) and cid in self.at else None


def _codec() -> Any:
    try:
        return importlib.import_module("libipld")
    except ImportError:
        raise UsageError(
            "reading a Bluesky repository (CAR) export needs the libipld package: "
            "pip install libipld"
        ) from None


def _when(value: Any, rkey: str, where: str, record: str) -> datetime:
    """A record's ``posted_at`` by the rule the feed importer shares
    (:func:`~engage_bluesky.common.when_posted`); a record dated before Bluesky existed whose
    key dates nothing after it cannot be dated from a repository: refused."""
    created = parse_time(value, where, record, "createdAt")
    when = when_posted(created, rkey)
    if when is None:
        raise FormatError(
            where,
            f"expected createdAt after Bluesky's launch ({LAUNCHED}), got {value!r}, and the "
            "record key is no TID to date it by",
            record,
        )
    return when


class _Tree:
    """The records of a repository: the Merkle search tree walked from the commit."""

    def __init__(self, blocks: Any, where: str) -> None:
        self.blocks = blocks
        self.where = where

    def node(self, cid: Any, what: str) -> Any:
        if not isinstance(cid, bytes) or cid not in self.blocks:
            raise FormatError(self.where, f"expected the {what} block the tree links to (missing)")
        return self.blocks[cid]

    def entries(self, cid: bytes) -> Iterator[tuple[str, bytes]]:
        """(key, record CID) in key order; iterative, so a deep tree does not recurse."""
        stack: list[tuple[str, Any]] = [("node", cid)]
        while stack:
            kind, item = stack.pop()
            if kind == "entry":
                yield item
                continue
            node = self.node(item, "tree node")
            entries = node.get("e") if isinstance(node, dict) else None
            if not isinstance(entries, list):
                raise FormatError(self.where, "expected a tree node with entries 'e'")
            todo: list[tuple[str, Any]] = []
            if node.get("l") is not None:
                todo.append(("node", node["l"]))
            key = b""
            for e in entries:
                if not isinstance(e, dict) or not isinstance(e.get("k"), bytes):
                    raise FormatError(self.where, "expected tree entries with a key 'k'")
                prefix = e.get("p", 0)
                key = key[: prefix if isinstance(prefix, int) else 0] + e["k"]
                try:
                    name = key.decode("utf-8")
                except UnicodeDecodeError:
                    raise FormatError(self.where, f"expected a text key, got {key!r}") from None
                todo.append(("entry", (name, e.get("v"))))
                if e.get("t") is not None:
                    todo.append(("node", e["t"]))
            stack.extend(reversed(todo))


class _Parts:
    """The posts of a large repository in frames of :data:`PART_ROWS` rows, made as the tree
    is walked (the ingest writes each batch of them as it comes). The file is closed at the
    end, or by :meth:`close` (the ingest stops a repository it finds already imported)."""

    def __init__(
        self,
        first: dict[str, Any] | None,
        records: Iterator[dict[str, Any]],
        blocks: _FileBlocks,
        release: Callable[[], None] = lambda: None,
    ) -> None:
        self._first = first
        self._records: Iterator[dict[str, Any]] | None = records
        self._blocks = blocks
        self._release = release  # the inflated copy of a zip or gzip member, if any

    def __iter__(self) -> _Parts:
        return self

    def __next__(self) -> Any:
        if self._records is None:
            raise StopIteration
        rows: list[dict[str, Any]] = []
        if self._first is not None:
            rows.append(self._first)
            self._first = None
        try:
            for row in self._records:
                rows.append(row)
                if len(rows) >= PART_ROWS:
                    return frame("posts", rows)
        except BaseException:
            self.close()
            raise
        self.close()
        if rows:
            return frame("posts", rows)
        raise StopIteration

    def close(self) -> None:
        if self._records is not None:
            self._records = None
            try:
                self._blocks.close()
            finally:
                self._release()


class BlueskyRepoImporter(Importer):
    """Reads a Bluesky repository export (CAR of DAG-CBOR records): posts without counts."""

    name = "bluesky-repo"
    network = NETWORK
    description = (
        "Bluesky repository export (com.atproto.sync.getRepo, a .car file): the account's "
        "posts and reposts, without counts (NULL)"
    )

    def detect(self, source: Source) -> float:
        names = source.names()
        if source.kind != "file" or len(names) != 1:
            return 0.0
        return _detect(source.head(names[0], 1024))

    def read(self, source: Source, ctx: ReadContext) -> Batch:
        member = source.names()[0]
        where = source.display(member)
        path = source.local_path(member)
        spool: tempfile.TemporaryDirectory[str] | None = None
        if path is None:
            # a zip member or a gzip file: inflated into the run's temporary folder as it
            # streams (the zip caps apply), then read as a file on disk, never whole
            spool = ctx.temp_dir("engage-car-")
            try:
                path = Path(spool.name) / "repo.car"
                copy_range(source, path, name=member)
            except BaseException:
                spool.cleanup()
                raise
        release = spool.cleanup if spool is not None else (lambda: None)
        try:
            large = path.stat().st_size > STREAM_OVER
        except OSError:
            large = False
        if not large:
            try:
                found = self._load(source, member, where)
                batch = Batch()
                rows = Rows("posts")
                for row in self._records(source, ctx, member, found, batch):
                    rows.add(row)
            finally:
                release()
            batch.posts = rows.frame(order=("posted_at", "post_id"))
            return batch
        blocks = _FileBlocks(path, where)
        try:
            roots = blocks.index()
            batch = Batch()
            records = self._records(source, ctx, member, (roots, blocks), batch)
            first = next(records, None)  # the commit checked before the batch is handed over
        except BaseException:
            try:
                blocks.close()
            finally:
                release()
            raise
        batch.post_parts = _Parts(first, records, blocks, release)
        return batch

    @staticmethod
    def _load(source: Source, member: str, where: str) -> tuple[list[bytes], Any]:
        """A small repository read whole: its roots and its decoded blocks."""
        data = source.read_bytes(member)
        roots, walk = _blocks(data, where)
        codec = _codec()
        blocks: dict[bytes, Any] = {}
        for n, cid, body in walk:
            try:
                blocks[cid] = codec.decode_dag_cbor(body)
            except (ValueError, RecursionError) as exc:
                raise FormatError(
                    where, f"expected a DAG-CBOR record ({exc})", f"block {n}"
                ) from None
        return roots, blocks

    def _records(
        self,
        source: Source,
        ctx: ReadContext,
        member: str,
        found: tuple[list[bytes], Any],
        batch: Batch,
    ) -> Iterator[dict[str, Any]]:
        """The posts' rows in the tree's key order; ``batch``'s account, museum hint and
        empty reason set once the tree is walked."""
        where = source.display(member)
        roots, blocks = found
        if len(roots) != 1 or not isinstance(blocks.get(roots[0]), dict):
            raise FormatError(where, "expected the header's root to be the repository's commit")
        commit = blocks[roots[0]]
        did = text_at(commit.get("did"), "the commit's did", where, "commit")
        if not did or not did.startswith("did:"):
            raise FormatError(where, f"expected the commit to name a did, got {did!r}", "commit")
        tree = _Tree(blocks, where)
        seen = modified_at(source, member)
        given = given_account(ctx)
        handle = given.lstrip("@") if given and not given.startswith("did:") else None
        check_named(ctx, where, [(did, handle)])
        display_name: str | None = None
        root = commit.get("data")
        tree.node(root, "tree root")
        posts = 0
        for key, value in tree.entries(root):
            collection, _, rkey = key.partition("/")
            if collection not in (POST, REPOST, PROFILE):
                continue  # likes given, follows, lists…: not the account's posts
            rec = tree.node(value, f"record {key}")
            if collection == PROFILE:
                if isinstance(rec, dict):
                    display_name = (
                        text_at(rec.get("displayName"), "displayName", where, key) or None
                    )
                continue
            if not isinstance(rec, dict):
                raise FormatError(where, "expected a record object", key)
            posts += 1
            yield self._row(collection, rec, did, rkey, handle, where, key, seen)
        blocks.clear()  # the blocks (or where they lie) go before the posts become a frame
        account = {
            "network": NETWORK,
            "account_id": did,
            "handle": handle,
            "display_name": display_name,
        }
        batch.accounts = frame("accounts", [account])
        batch.museum_hints = {did: display_name} if display_name else {}
        batch.empty_reason = (
            None if posts else "the repository holds no post (an account that never posted)"
        )

    @staticmethod
    def _row(
        collection: str,
        rec: dict[str, Any],
        did: str,
        rkey: str,
        handle: str | None,
        where: str,
        key: str,
        seen: datetime,
    ) -> dict[str, Any]:
        row: dict[str, Any] = {
            "network": NETWORK,
            "post_id": rkey,
            "account_id": did,
            "posted_at": _when(rec.get("createdAt"), rkey, where, key),
            "observed_at": seen,
        }
        if collection == REPOST:
            subject = rec.get("subject")
            uri = subject.get("uri") if isinstance(subject, dict) else None
            author, _, post_rkey = split_uri(uri, where, key)
            row.update(
                post_id=repost_id(author, post_rkey),
                # the repost's key's time first, as the feed (which lacks its createdAt) has it
                posted_at=key_time(rkey) or row["posted_at"],
                is_own=False,
                kind="other",
                url=web_url(None, author, post_rkey),
                hashtags=[],
                mentions=[],
            )
            return row
        text = record_text(rec, where, key)
        tags, mentioned = tags_and_mentions(text, rec.get("facets"), rec.get("tags"), where, key)
        row.update(
            is_own=True,
            kind=embed_kind(rec.get("embed")),
            text=text or None,
            language=language(rec),
            hashtags=tags,
            mentions=mentioned,
            url=web_url(handle, did, rkey),
        )
        return row
