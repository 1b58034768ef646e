"""Ingest: find the import units under the paths given, detect their importer, read, write.

A run is one transaction: if any unit fails, nothing of the run is kept. A unit already
imported (same content digest, same importer) is skipped, so importing twice changes nothing.
The files of an ``engage fetch`` (``together``) are imported in batches of whole files, each
read, validated and written in its own transaction (see :func:`_run_together`).
"""

from __future__ import annotations

import csv
import os
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import duckdb
import polars as pl

from engagecore import accountopt, limits, plugins, schema, scratch
from engagecore.detection import CLAIM, choose_importer, detect_all
from engagecore.errors import (
    AmbiguousMuseum,
    DetectionError,
    EngageError,
    FormatError,
    PluginError,
    UsageError,
    ValidationError,
    option,
)
from engagecore.museums import Museums
from engagecore.pluginapi import Batch, Importer, ReadContext, checked_notes
from engagecore.sources import Source, file_sha256
from engagecore.store import Store
from engagecore.validate import first_unlisted_account, validate_frame

Progress = Callable[[int, int, str], None]


@dataclass
class Unit:
    """One thing to import: a source and the importer chosen for it."""

    source: Source
    importer: Importer
    confidence: float
    #: its sha256 when computed ahead (files read together: see :class:`_AskedRecorded`)
    digest: str | None = None


@dataclass
class UnitResult:
    path: str
    importer: str
    network: str
    status: str  # imported | already imported | dry run
    posts: int = 0
    accounts: int = 0
    follower_snapshots: int = 0
    audience_age: int = 0
    museums: list[str] = field(default_factory=list)
    #: what the importer said beside what it stored (``Batch.notes``)
    notes: list[str] = field(default_factory=list)


@dataclass
class IngestReport:
    units: list[UnitResult] = field(default_factory=list)
    skipped_files: list[str] = field(default_factory=list)
    #: of the skipped files, those a museum registry reader claims (`museums import-registry`)
    registry_files: list[str] = field(default_factory=list)
    created_museums: list[str] = field(default_factory=list)
    unattached_accounts: list[str] = field(default_factory=list)
    #: how many files gave each note (``UnitResult.notes``), kept even when ``units`` is not
    notes: dict[str, int] = field(default_factory=dict)
    #: False: ``units`` is left empty (``engage fetch``: 16,000 pages' results, never read)
    keep_units: bool = True

    def add(self, result: UnitResult) -> None:
        """A file's result: its notes counted, and the result kept when ``keep_units``."""
        for note in result.notes:
            self.notes[note] = self.notes.get(note, 0) + 1
        if self.keep_units:
            self.units.append(result)

    def table(self) -> pl.DataFrame:
        return pl.DataFrame(
            [
                {
                    "path": u.path,
                    "importer": u.importer,
                    "network": u.network,
                    "status": u.status,
                    "posts": u.posts,
                    "accounts": u.accounts,
                    "follower_snapshots": u.follower_snapshots,
                    "audience_age": u.audience_age,
                    "museums": ", ".join(u.museums),
                }
                for u in self.units
            ],
            schema={
                "path": pl.Utf8,
                "importer": pl.Utf8,
                "network": pl.Utf8,
                "status": pl.Utf8,
                "posts": pl.Int64,
                "accounts": pl.Int64,
                "follower_snapshots": pl.Int64,
                "audience_age": pl.Int64,
                "museums": pl.Utf8,
            },
        )


def _candidates(network: str | None) -> list[Importer]:
    reg = plugins.registry()
    imps = list(reg.importers.values())
    if network is None:
        return imps
    # a network any importer declares (the Meta Business Suite CSV importer is Facebook's
    # and reads Instagram files too), or one importer by name
    chosen = [i for i in imps if network == i.name or network in i.networks]
    if not chosen:
        known = sorted({n for i in imps for n in i.networks} | {i.name for i in imps})
        known = [k for k in known if k != plugins.ANY_NETWORK]
        raise DetectionError(f"network {network!r}: no importer for it; known: {', '.join(known)}")
    if network not in reg.networks and all(network != i.name for i in chosen):
        raise UsageError(plugins.unregistered(network))
    return chosen


def _choose(
    source: Source, importers: Sequence[Importer], forced: bool, explicit: bool = True
) -> Unit | None:
    """The unit ``source`` is, or None. ``forced`` (a network was named): a weak claim
    counts, and a source named explicitly goes to the network's only importer even unclaimed."""

    def how(best: Importer) -> str:
        if forced:  # the network is already named: the importer's own name is the way out
            return f"name the importer instead of the network: {option('network', best.name)}"
        return f"choose one with {option('network', 'NAME')}"

    # a weak claim counts when the network was named (any confidence above 0)
    chosen = choose_importer(source, importers, claim=0.0 if forced else CLAIM, how=how)
    if chosen is None:
        if forced and explicit and len(importers) == 1:
            return Unit(source, importers[0], 0.0)
        return None
    return Unit(source, *chosen)


@dataclass
class Discovery:
    """What :func:`discover` found: the units, the files no importer reads, and the sources
    opened to walk zips (closed by :meth:`close`, after the units were read)."""

    units: list[Unit] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    registries: list[str] = field(default_factory=list)  # skipped, but a museum registry
    opened: list[Source] = field(default_factory=list)

    def close(self) -> None:
        for src in self.opened:
            src.close()


def discover(
    paths: Iterable[str | Path], network: str | None = None, *, workdir: Path | None = None
) -> tuple[list[Unit], list[str]]:
    """The import units under ``paths`` and the files skipped as not recognised
    (see :func:`walk`)."""
    found = walk(paths, network, workdir=workdir)
    return found.units, found.skipped


def walk(
    paths: Iterable[str | Path], network: str | None = None, *, workdir: Path | None = None
) -> Discovery:
    """Every export under ``paths``: a folder or a zip is a tree, walked at any depth.

    A folder or zip an importer claims is the root of one export, one unit, and nothing
    under it is offered to another importer, unless another importer claims one of its
    sub-folders: then it mixes exports, and is walked into. A folder or zip nobody claims
    is walked into (zips inside folders and zips too). Files no importer claims are skipped
    and reported; a path named explicitly must be recognised (an error says what it is).

    ``workdir`` receives the zip members an importer needs on disk (a temporary folder
    removed at exit when not given).
    """
    importers = _candidates(network)
    forced = network is not None
    found = Discovery()
    work = workdir if workdir is not None else _scratch()

    def visit(source: Source, explicit: bool) -> None:
        unit = _choose(source, importers, forced and source.kind != "folder", explicit)
        source.forget_head()
        if unit is not None and source.kind != "file" and _mixes_exports(unit, importers, work):
            unit = None
        if unit is not None:
            found.units.append(unit)
            return
        if source.kind == "folder" or (
            source.kind == "zip" and (explicit or source.is_subtree or _zip_named(source))
        ):
            if source.kind == "zip" and source._owns_zip:
                found.opened.append(source)
            before = (len(found.units), len(found.skipped))
            children = source.children(work)
            for child in children:
                visit(child, False)
            _group_siblings(found.units, before[0], source, children)
            if explicit and len(found.units) == before[0]:
                what = "folder" if source.kind == "folder" else "zip"
                skipped = len(found.skipped) - before[1]
                raise DetectionError(
                    f"{source.display()}: no importable export found in this {what} "
                    f"({skipped} file(s) no importer reads; known importers: "
                    f"{', '.join(sorted(i.name for i in importers))})"
                )
            return
        registry = _registry_reader(source) if source.kind == "file" else None
        source.close()
        if explicit:
            raise DetectionError(describe_unread(source, network, registry=registry))
        found.skipped.append(source.display())
        if registry is not None:
            found.registries.append(source.display())

    try:
        for p in paths:
            visit(Source.open(p), True)
    except BaseException:
        found.close()
        raise
    return found


def _group_siblings(units: list[Unit], start: int, parent: Source, children: list[Source]) -> None:
    """Files of one folder claimed one by one by the same importer are read as one unit when
    that importer claims them together (Graph posts pages and the insights that need them,
    side by side with other networks' files); ``units[start:]`` are the folder's units."""
    direct = {id(c) for c in children if c.kind == "file"}
    groups: dict[str, list[int]] = {}
    for i in range(start, len(units)):
        if id(units[i].source) in direct:
            groups.setdefault(units[i].importer.name, []).append(i)
    drop: set[int] = set()
    for positions in groups.values():
        if len(positions) < 2:
            continue
        imp = units[positions[0]].importer
        group = parent.subset([units[i].source.name for i in positions])
        try:
            conf = float(imp.detect(group))
        except Exception:  # a file-only importer may not expect a folder: no group then
            conf = 0.0
        if conf < CLAIM:
            continue
        for i in positions:
            units[i].source.close()
        units[positions[0]] = Unit(group, imp, conf)
        drop.update(positions[1:])
    if drop:
        units[:] = [u for i, u in enumerate(units) if i not in drop]


def _zip_named(source: Source) -> bool:
    """A zip found in a tree is walked into when named .zip (an .xlsx or .docx is a zip too:
    a file, skipped when nobody reads it)."""
    return source.name.lower().endswith(".zip")


def _mixes_exports(unit: Unit, importers: Sequence[Importer], work: Path) -> bool:
    """Whether another importer claims a sub-folder of the folder or zip ``unit`` claims
    (then it is not one export but several side by side)."""
    others = [i for i in importers if i.name != unit.importer.name]
    for child in unit.source.children(work, folders_only=True) if others else []:
        scored = detect_all(child, others)
        if scored and scored[0][0] >= CLAIM:
            return True
    return False


#: up to this size, an unrecognised JSON file is parsed to name its top-level keys
_DESCRIBE_PARSE_BYTES = 16 * 1024 * 1024


def _registry_reader(source: Source) -> str | None:
    """The registry reader that claims a file no importer reads (the official museum list
    is imported by ``engage museums import-registry``, not by ingest), or None."""
    readers = list(plugins.registry().registry_readers.values())
    try:  # the best claim, tied or not: several readers claiming it is a registry all the same
        scored = detect_all(source, readers, "registry reader")
    finally:
        source.forget_head()
    return scored[0][1].name if scored and scored[0][0] >= CLAIM else None


def describe_unread(
    source: Source, network: str | None = None, *, registry: str | None = None
) -> str:
    """One line saying what a file no importer claims is: a museum registry (``registry``:
    its reader), empty, binary, HTML, JSON or CSV of a shape no importer knows (with its keys
    or columns), and what to do."""
    where = source.display()
    if registry is not None:
        return (
            f"{where}: a museum registry ({registry}), not a network export: import it with "
            f"`engage museums import-registry {where}`"
        )
    name = source.names()[0] if source.kind == "file" and source.names() else source.name
    try:
        head = source.head(name, 8192) if source.kind == "file" else b""
    except OSError as exc:
        return f"{where}: cannot be read ({exc.strerror or exc})"
    anyone = f"any importer of {network!r}" if network else "any importer"
    whom = f"no importer of {network!r}" if network else "no importer"
    force = "" if network else f"; to force one: {option('network', 'NAME')}"
    if source.kind == "zip":
        return f"{where}: a zip archive, but {anyone} recognises nothing in it"
    if not head.strip(b" \t\r\n\xef\xbb\xbf"):
        return f"{where}: empty file"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return f"{where}: UTF-16 text; save it as UTF-8 (CSV UTF-8) and import it again"
    text = _utf8_prefix(head)
    if text is None or "\x00" in text:
        return f"{where}: binary data, not a JSON or CSV export"
    body = text.lstrip("\ufeff \t\r\n")
    lower = body[:200].lower()
    if lower.startswith(("<!doctype html", "<html")) or "<html" in lower:
        return (
            f"{where}: an HTML page, not an export {anyone} reads "
            "(request the export in JSON, or save the API response as JSON)"
        )
    if body.startswith("window.") and "=" in body[:200]:
        return (
            f"{where}: a file of an X archive ({body.split('=', 1)[0].strip()}); "
            "import the whole archive, its zip or folder"
        )
    if body.startswith(("{", "[")):
        return f"{where}: JSON, but not a shape {anyone} knows ({_json_shape(source, name)}){force}"
    first = body.splitlines()[0] if body else ""
    sep = max((",", ";", "\t"), key=first.count)
    if first.count(sep) >= 1:
        cols = [c.strip().strip('"') for c in first.split(sep)]
        shown = ", ".join(cols[:8]) + (", …" if len(cols) > 8 else "")
        return f"{where}: CSV whose header matches {whom} (columns: {shown}){force}"
    return f"{where}: text, but not a JSON or CSV export {anyone} reads"


def _utf8_prefix(head: bytes) -> str | None:
    """The head as UTF-8, tolerating a character cut at its end; None when it is not."""
    try:
        return head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3 and exc.reason == "unexpected end of data":
            return head[: exc.start].decode("utf-8", errors="replace")
        return None


def _json_shape(source: Source, name: str) -> str:
    import json

    try:
        if source.size() > _DESCRIBE_PARSE_BYTES:
            return "too large to describe"
        doc = json.loads(source.read_bytes(name))
    except RecursionError:
        return "JSON nested too deep to read"
    except (ValueError, OSError) as exc:
        return f"not valid JSON: {str(exc).splitlines()[0][:80]}"
    if isinstance(doc, dict):
        keys = list(doc)
        shown = ", ".join(keys[:8]) + (", …" if len(keys) > 8 else "")
        return f"top-level keys: {shown}" if keys else "an empty object"
    if isinstance(doc, list):
        first = doc[0] if doc else None
        if isinstance(first, dict):
            keys = list(first)
            shown = ", ".join(keys[:8]) + (", …" if len(keys) > 8 else "")
            return f"an array of {len(doc)} objects with keys: {shown}"
        return f"an array of {len(doc)} item(s)"
    return f"a bare {type(doc).__name__}"


def _scratch() -> Path:
    """A work folder for :func:`walk` called on its own: created only if a zip member is
    written out, removed at exit."""
    import atexit
    import shutil
    import tempfile
    import uuid

    folder = Path(tempfile.gettempdir()) / f"engage-tree-{uuid.uuid4().hex}"
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def _validated(
    batch: Batch, imp: Importer, path: str, now: datetime | None = None
) -> dict[str, pl.DataFrame]:
    known = set(plugins.registry().networks)
    declared = imp.networks
    out = {}
    for table, df in batch.frames().items():
        df = validate_frame(table, df, plugin=plugins.owner_name(imp), path=path, now=now)
        written = set(df["network"].unique().to_list())
        if plugins.ANY_NETWORK not in declared:
            undeclared = sorted(written - declared)
            if undeclared:
                raise PluginError(
                    plugins.owner_name(imp),
                    f"importer {imp.name!r} read {table} rows of network {undeclared[0]!r} "
                    f"from {path}, a network it does not declare (declares: "
                    f"{', '.join(sorted(declared))}; set Importer.networks)",
                )
        unknown = sorted(written - known)
        if unknown and plugins.ANY_NETWORK not in declared:
            # declared, but its plugin is disabled or absent: the user's setting, said so
            raise UsageError(f"{path}: {plugins.unregistered(unknown[0])}")
        if unknown:
            why = plugins.left_out(unknown[0])
            raise ValidationError(
                f"plugin {plugins.owner_name(imp)!r}, file {path}, table {table}, column 'network': "
                f"{unknown[0]!r} is not a registered network "
                f"(known: {', '.join(sorted(known))})" + (f"; {why}" if why else "")
            )
        out[table] = df
    return out


def _check_accounts_listed(
    frames: Mapping[str, pl.DataFrame],
    imp: Importer,
    label: Callable[[pl.DataFrame], str] | str,
    streamed: pl.DataFrame | None = None,
    by: tuple[str, ...] = (),
) -> None:
    """Every account a row of the batch names has its row in the batch's accounts frame
    (:func:`~engagecore.validate.first_unlisted_account`): otherwise a PluginError naming
    the plugin, the file and the first missing account. ``by``: further key columns telling
    files read together apart (``import_id``); ``label`` then names the file of a missing
    row."""
    found = first_unlisted_account(frames, streamed, by)
    if found is None:
        return
    table, first = found
    net, acc = first.row(0)[:2]
    where = label(first) if callable(label) else label
    listed = frames.get("accounts")
    lacks = (
        "but returned no accounts frame"
        if listed is None or not listed.height
        else "which its accounts frame lacks"
    )
    raise PluginError(
        plugins.owner_name(imp),
        f"importer {imp.name!r} read {table} of account {acc!r} ({net}) from {where}, "
        f"{lacks}: set Batch.accounts with a row (account_id, handle, display_name) for "
        "every account its rows name",
    )


def _written_networks(
    frames: dict[str, pl.DataFrame], imp: Importer, streamed: _Streamed | None = None
) -> str:
    """What ``imports.network`` records for a unit: the networks of the rows it wrote,
    sorted and comma-joined (``facebook,instagram``); with no row, the importer's network."""
    written: set[str] = set()
    for df in frames.values():
        column = df.get_column("network")
        # a page's few rows as Python values (a polars unique() is ~25 us a call, per file)
        written.update(column.to_list() if column.len() <= 1000 else column.unique().to_list())
    if streamed is not None:
        written |= set(streamed.keys["network"].unique().to_list())
    return ",".join(sorted(written)) if written else imp.network


#: buffered rows written to the store at once (fewer, larger statements: much faster)
FLUSH_ROWS = 500_000


@dataclass
class _Pending:
    """Frames read but not yet written: many small exports are written in a few statements."""

    accounts: list[pl.DataFrame] = field(default_factory=list)
    tables: dict[str, list[pl.DataFrame]] = field(default_factory=dict)
    imports: list[dict[str, Any]] = field(default_factory=list)
    placeholders: list[tuple[str, str]] = field(default_factory=list)
    #: accounts whose posts or follower snapshots this run wrote (their posts' followers
    #: as of each post are refreshed once, at the end of the run)
    touched: list[pl.DataFrame] = field(default_factory=list)
    rows: int = 0

    def add(self, table: str, df: pl.DataFrame, import_id: int) -> None:
        self.tables.setdefault(table, []).append(
            df.with_columns(pl.lit(import_id, dtype=pl.Int64).alias("import_id"))
        )
        self.rows += df.height

    def flush(self, store: Store) -> None:
        if self.accounts:
            store.write_accounts(pl.concat(self.accounts, how="vertical_relaxed"))
        for table, frames in self.tables.items():
            df = pl.concat(frames, how="vertical_relaxed")
            if table in ("posts", "follower_snapshots"):
                self.touched.append(df.select("network", "account_id").unique())
            if table == "posts":
                store.write_posts(df)
            else:
                store.write_rows(table, df)
        for row in self.imports:
            store.record_import(**row)
        for net, handle in self.placeholders:
            store.drop_placeholder_account(net, handle)
        self.placeholders.clear()
        self.accounts.clear()
        self.tables.clear()
        self.imports.clear()
        self.rows = 0


#: posts handed over in parts (``Batch.post_parts``) are validated in batches of about this
#: many rows: one batch is held at a time, never the whole table
PART_ROWS = 20_000


@dataclass
class _Streamed:
    """Posts handed over in parts: how many rows, their (network, account_id), and the
    Parquet files they were staged in (validated, with their ``import_id``)."""

    rows: int
    keys: pl.DataFrame
    files: list[Path]
    folder: Path

    def write(self, store: Store) -> None:
        """The staged posts into the store, in one statement each (see
        :meth:`Store.write_posts_files`); the staging files removed."""
        import shutil

        try:
            store.write_posts_files(self.files)
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def _stage_parts(
    batch: Batch, imp: Importer, label: str, ctx: ReadContext, import_id: int
) -> _Streamed:
    """Consume ``batch.post_parts``: each batch of about :data:`PART_ROWS` rows validated
    as it comes and staged as a Parquet file in the run's temporary folder (the store gets
    them in one large append once the unit's accounts are known: many small appends to one
    transaction would stay in DuckDB's memory until it commits)."""
    import tempfile

    parts, batch.post_parts = batch.post_parts, None
    assert parts is not None
    if ctx.scratch is not None:
        ctx.scratch.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="posts-parts-", dir=ctx.scratch))
    staged = _Streamed(
        0, pl.DataFrame(schema={"network": pl.Utf8, "account_id": pl.Utf8}), [], folder
    )
    held: list[pl.DataFrame] = []
    keys: list[pl.DataFrame] = []

    def stage() -> None:
        if not held:
            return
        df = pl.concat(held, how="vertical_relaxed") if len(held) > 1 else held[0]
        held.clear()
        df = _validated(_only("posts", df), imp, label, ctx.now)["posts"]
        keys.append(df.select("network", "account_id").unique())
        staged.rows += df.height
        out = folder / f"part-{len(staged.files):06d}.parquet"
        df.with_columns(pl.lit(import_id, dtype=pl.Int64).alias("import_id")).write_parquet(
            out, compression="lz4"
        )
        staged.files.append(out)

    try:
        while True:
            with _reading(imp, label):
                part = next(parts, None)
            if part is None:
                break
            held.append(part)
            del part
            if sum(df.height for df in held) >= PART_ROWS:
                stage()
        stage()
    except BaseException:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
        raise
    finally:
        close = getattr(parts, "close", None)
        if close is not None:
            close()
    if keys:
        staged.keys = pl.concat(keys).unique()
    return staged


def run(
    store: Store,
    paths: Sequence[str | Path],
    *,
    network: str | None = None,
    museum: str | None = None,
    dry_run: bool = False,
    options: dict[str, Any] | None = None,
    timezone: str = "Europe/Paris",
    progress: Progress | None = None,
    account: str | None = None,
    allow_empty: bool = False,
    keep_paths: bool = False,
    now: datetime | None = None,
    relative_to: Path | None = None,
    together: bool = False,
    keep_units: bool = True,
) -> IngestReport:
    """Import every unit under ``paths`` in one transaction (see the module docstring).

    ``account`` names the account of files that do not name theirs (also accepted as
    ``options["account"]``); ``allow_empty`` accepts a unit that yields nothing at all.
    ``imports.path`` records where each unit was found relative to the argument that named
    it (``exports/x/archive.zip``), never the directories above it: a store is shared, and
    a home directory names its user. ``keep_paths`` stores the absolute path instead.
    ``now`` (default: the clock) ends the plausible time window of the values read
    (:mod:`engagecore.validate`); tests pass a fixed one. ``relative_to`` records paths
    relative to that folder instead (``engage fetch``: ``responses/<network>/…`` beside
    the store).

    ``together`` (``engage fetch``: the responses one account's fetch saved): ``paths`` are
    plain files read as one unit (see :func:`_run_together`): each file is still digested,
    skipped when already imported and recorded in ``imports`` with its own rows, but the
    importer is chosen once per kind of file, and the frames of many files are validated and
    written together, in batches of :data:`TOGETHER_ROWS` rows.
    """
    memory = limits.ingest_memory_sql()  # a validated size, never raw text
    opts = dict(options or {})
    if account is not None:
        if opts.get("account") not in (None, account):
            raise UsageError(
                f"account {account!r} and options['account'] {opts['account']!r} disagree; give one"
            )
        opts["account"] = account
    recorded = _recorded_path(paths, keep_paths, relative_to)
    try:
        # temporary files of the run (zip members an importer needs on disk, importers'
        # own): beside the store, removed however the run ends
        with scratch.run_folder(store.path) as folder:
            tree = folder / "tree"
            tree.mkdir()
            found = Discovery() if together else walk(paths, network, workdir=tree)
            if not together and opts.get("account") is not None:
                accountopt.one_network(
                    str(opts["account"]),
                    [(u.importer.network, u.source.display()) for u in found.units],
                    ", ".join(str(p) for p in paths),
                )
            try:
                report = IngestReport(
                    skipped_files=found.skipped,
                    registry_files=found.registries,
                    keep_units=keep_units,
                )
                museums = Museums(store)
                museum_slug = museums.resolve(museum) if museum else None
                ctx = ReadContext(timezone=timezone, now=now, options=opts, scratch=folder)
                # DuckDB keeps a transaction's appended rows in memory up to its limit (80 %
                # of RAM by default), on top of the frames just read: capped during an
                # ingest, it writes them to the file instead (1M Graph posts: peak 2.2 GB ->
                # 1.9 GB, same time).
                store.con.execute(memory)
                args = (museum_slug, museums, ctx, dry_run, progress, recorded, allow_empty)
                try:
                    if together:
                        units = _FilesTogether(paths, network)
                        return _run_together(store, units, report, *args)
                    return _run_units(store, found.units, report, *args)
                finally:
                    store.con.execute("RESET memory_limit")
            finally:
                found.close()
    except (MemoryError, EngageError, duckdb.Error) as exc:
        # the real cause, where it would read as a format error or an aborted transaction
        oom = limits.out_of_memory(exc, "during the import (nothing was stored)", ingest=True)
        if oom is not None:
            raise oom from exc
        raise


def _recorded_path(
    paths: Sequence[str | Path], keep_paths: bool, relative_to: Path | None = None
) -> Callable[[str], str]:
    """How a unit's path is written to ``imports.path`` (see :func:`run`): from a unit's
    :meth:`Source.display`, a file's path or a zip member's ``a.zip:dir/file``."""
    base = None if relative_to is None else os.path.abspath(relative_to) + os.sep

    @cache
    def roots() -> list[Path]:
        # made when first needed: a fetch's files (16,000 pages) are all below ``base``
        return [Path(os.path.abspath(p)) for p in paths]

    def recorded(display: str) -> str:
        full = os.path.abspath(display)
        if keep_paths:
            return full
        if base is not None and full.startswith(base):
            return full[len(base) :].replace(os.sep, "/")
        for root in roots():
            top = str(root)
            if full == top or full.startswith((top + os.sep, top + ":")):
                # the argument's own name and what lies below it (a zip's members after ':')
                return full[len(str(root.parent)) :].lstrip(os.sep).replace(os.sep, "/")
        return Path(full).name

    return recorded


#: the status of a file whose content this importer imported before: skipped, not read (one
#: line in a table's status column at 80 columns: "skipped (already imported)" wrapped)
ALREADY_IMPORTED = "already imported"


def _skipped(label: str, imp: Importer, wrote: str | None) -> UnitResult:
    """A file already imported by the same importer: said, with the networks it wrote."""
    return UnitResult(label, imp.name, wrote or imp.network, ALREADY_IMPORTED)


def _unit_result(
    label: str,
    src: Source,
    imp: Importer,
    wrote: str,
    frames: dict[str, pl.DataFrame],
    batch: Batch,
    dry_run: bool,
    allow_empty: bool,
    streamed: int = 0,
) -> UnitResult:
    """What a read file gives, counted; a file giving nothing is refused unless the importer
    says why (``empty_reason``) or the run allows it. ``streamed``: posts already written
    part by part."""
    result = UnitResult(label, imp.name, wrote, "dry run" if dry_run else "imported")
    if not streamed and not any(frames[t].height for t in _CONTENT_TABLES if t in frames):
        if not (allow_empty or batch.empty_reason):
            raise FormatError(label, _nothing_read(imp, src))
        result.status += f" (empty: {batch.empty_reason or 'allowed'})"
    result.posts = (frames["posts"].height if "posts" in frames else 0) + streamed
    for table in ("follower_snapshots", "audience_age"):
        setattr(result, table, frames[table].height if table in frames else 0)
    result.notes = batch_notes(batch, imp, label)
    return result


def batch_notes(batch: Batch, imp: Importer, path: str) -> list[str]:
    """``batch.notes`` checked (:func:`engagecore.pluginapi.checked_notes`): notes that are
    not one-line texts are the plugin's error, naming it, the importer and the file."""
    try:
        return checked_notes(batch.notes)
    except ValueError as exc:
        raise PluginError(
            plugins.owner_name(imp), f"importer {imp.name!r}, file {path}: {exc}"
        ) from None


def _import_row(
    import_id: int,
    imp: Importer,
    wrote: str,
    path: str,
    digest: str,
    batch: Batch,
    notes: list[str],
    streamed: int = 0,
) -> dict[str, Any]:
    """A file's ``imports`` row: ``network`` the rows' networks (docs/model.md), ``path`` as
    recorded (a zip member: a.zip:dir/file), ``notes`` the batch's as checked for its
    :class:`UnitResult`."""
    owner = plugins.owner_name(imp)
    return {
        "import_id": import_id,
        "plugin": owner,
        "plugin_version": plugins.plugin_version(owner),
        "importer": imp.name,
        "network": wrote,
        "path": path,
        "sha256": digest,
        "rows": batch.rows() + streamed,
        "notes": notes or None,
    }


class _Recorded:
    """(digest, importer) -> the networks that import wrote, for every import of the store
    and every file this run has read: a file imported before is skipped (and the networks
    said again). One entry per file of a fetch's 16,000 pages, and of every page a store
    ever imported: each key is one bytes object (the raw digest and the importer's name),
    its value an interned name, ~130 bytes a file where a (hex digest, name) tuple in a
    dict and again in a set took ~330 (benchmarks/RESULTS.md, "Fetch (issue 11)")."""

    def __init__(self, rows: Iterable[tuple[str, str, str]]) -> None:
        self._wrote = {_import_key(d, i): sys.intern(n) for d, i, n in rows}

    def __contains__(self, key: tuple[str, str]) -> bool:
        return _import_key(*key) in self._wrote

    def get(self, digest: str, importer: str) -> str | None:
        return self._wrote.get(_import_key(digest, importer))

    def add(self, digest: str, importer: str, wrote: str) -> None:
        self._wrote[_import_key(digest, importer)] = sys.intern(wrote)


def _import_key(digest: str, importer: str) -> bytes:
    try:
        raw = bytes.fromhex(digest)
    except ValueError:  # never a sha256 of ours: kept as written
        raw = digest.encode()
    return raw + b"\0" + importer.encode()


class _AskedRecorded(_Recorded):
    """:class:`_Recorded` for files read together (``engage fetch``'s pages): the store is
    asked about the files a window of :data:`WINDOW` at a time (one query), and of this
    run only the files not written yet are held. Held at once: the answers for one window
    and the files of the batch being read, where :class:`_Recorded` holds every import of
    the store and of the run (a store of a million imports: 118 MB, loaded again for each
    account of a fetch; a 16,000-page fetch: ~1.6 MB of its own).

    A file whose digest was not asked ahead (one too large to hash before its read) is
    asked on its own when it is reached."""

    #: files asked about in one query
    WINDOW = 256

    def __init__(self, store: Store) -> None:
        self._store = store
        #: the store's answers for the digests asked (the current window's)
        self._wrote = {}
        self._asked: set[str] = set()
        #: this run's files whose ``imports`` rows are not written yet: key -> (digest,
        #: networks)
        self._unwritten: dict[bytes, tuple[str, str]] = {}

    def ask(self, digests: Sequence[str], *, window: bool = True) -> None:
        """What the store recorded of these digests: a new window (the answers of the
        previous one let go) or, ``window`` False, added to the current one."""
        rows = (
            self._store.fetchall(
                "SELECT sha256, importer, network FROM imports "
                "WHERE sha256 IN (SELECT unnest(?::VARCHAR[]))",
                [list(digests)],
            )
            if digests
            else []
        )
        answers = {_import_key(d, i): sys.intern(n) for d, i, n in rows}
        if window:
            self._wrote, self._asked = answers, set(digests)
        else:
            self._wrote.update(answers)
            self._asked.update(digests)

    def _lookup(self, digest: str, importer: str) -> tuple[bool, str | None]:
        key = _import_key(digest, importer)
        if key in self._unwritten:
            return True, self._unwritten[key][1]
        if digest not in self._asked:
            self.ask([digest], window=False)
        if key in self._wrote:
            return True, self._wrote[key]
        return False, None

    def __contains__(self, key: tuple[str, str]) -> bool:
        return self._lookup(*key)[0]

    def get(self, digest: str, importer: str) -> str | None:
        return self._lookup(digest, importer)[1]

    def add(self, digest: str, importer: str, wrote: str) -> None:
        self._unwritten[_import_key(digest, importer)] = (digest, sys.intern(wrote))

    def written(self) -> None:
        """The ``imports`` rows of the files added are in the store (the next window's
        query finds them); those of the current window's digests are kept with its
        answers (a later file of the window may repeat one)."""
        for key, (digest, wrote) in self._unwritten.items():
            if digest in self._asked:
                self._wrote[key] = wrote
        self._unwritten.clear()


def _recorded(store: Store) -> _Recorded:
    """(digest, importer) -> the networks that import wrote, for every import of the store
    (said again when a file is skipped as already imported)."""
    return _Recorded(store.fetchall("SELECT sha256, importer, network FROM imports"))


def _known_accounts(store: Store) -> dict[tuple[str, str], str | None]:
    """(network, account) -> its museum, for every account of the store."""
    return {
        (n, a): m for n, a, m in store.fetchall("SELECT network, account_id, museum FROM accounts")
    }


def _run_units(
    store: Store,
    units: _Units,
    report: IngestReport,
    museum_slug: str | None,
    museums: Museums,
    ctx: ReadContext,
    dry_run: bool,
    progress: Progress | None,
    recorded: Callable[[str], str],
    allow_empty: bool = False,
) -> IngestReport:
    total = len(units)
    with store.transaction():
        recorded_networks, known = _recorded(store), _known_accounts(store)
        next_id = store.next_import_id()
        pending = _Pending()
        for unit, label, digest, batch in _new_reads(
            units, ctx, recorded_networks, report, progress
        ):
            src, imp = unit.source, unit.importer
            import_id, next_id = next_id, next_id + 1
            streamed = None
            if batch.post_parts is not None:  # validated part by part as the importer reads
                streamed = _stage_parts(batch, imp, label, ctx, import_id)
            frames = _validated(batch, imp, label, ctx.now)
            _check_accounts_listed(frames, imp, label, streamed.keys if streamed else None)
            wrote = _written_networks(frames, imp, streamed)
            recorded_networks.add(digest, imp.name, wrote)
            count = streamed.rows if streamed else 0
            result = _unit_result(
                label, src, imp, wrote, frames, batch, dry_run, allow_empty, count
            )
            accounts = _accounts_with_museums(
                known,
                museums,
                _with_streamed(frames, streamed),
                batch,
                museum_slug,
                report,
                pending.placeholders,
            )
            result.accounts = accounts.height
            result.museums = sorted({m for m in accounts["museum"].to_list() if m})
            pending.accounts.append(accounts)
            if streamed is not None:  # after the accounts: the posts get their keys
                pending.flush(store)
                streamed.write(store)
                pending.touched.append(streamed.keys)
            for table, df in frames.items():
                if table != "accounts":
                    pending.add(table, df, import_id)
            pending.imports.append(
                _import_row(
                    import_id, imp, wrote, recorded(label), digest, batch, result.notes, count
                )
            )
            report.add(result)
            if pending.rows >= FLUSH_ROWS:
                pending.flush(store)
        pending.flush(store)
        if pending.touched:
            store.refresh_followers(pl.concat(pending.touched))
        if progress:
            progress(total, total, "done")
        if dry_run:
            # Everything was read, validated and written inside the transaction; undo it.
            raise _DryRun(report)
    return report


def _with_streamed(
    frames: dict[str, pl.DataFrame], streamed: _Streamed | None
) -> dict[str, pl.DataFrame]:
    """``frames`` with the (network, account_id) of posts written part by part among the
    posts (what attaching accounts to museums reads of them)."""
    if streamed is None:
        return frames
    keys = [streamed.keys]
    if "posts" in frames:
        keys.insert(0, frames["posts"].select("network", "account_id"))
    return {**frames, "posts": pl.concat(keys)}


#: the tables an import must add rows to (accounts alone are no data)
_CONTENT_TABLES = ("posts", "follower_snapshots", "audience_age")


def _nothing_read(imp: Importer, src: Source) -> str:
    tabular = src.kind == "file" and src.name.lower().endswith((".csv", ".tsv", ".txt"))
    why = "a header without rows?" if tabular else "an account with no posts yet?"
    return (
        f"{imp.name} found no posts, follower counts or audience ages in it ({why}); "
        "nothing was imported. If the export really is empty, "
        f"{option('allow_empty')} imports it (the account, without data)"
    )


#: from this size on, a source's digest is computed while it is read, not before
CONCURRENT_DIGEST_BYTES = 64 * 1024 * 1024


def _new_reads(
    units: _Units,
    ctx: ReadContext,
    recorded_networks: _Recorded,
    report: IngestReport,
    progress: Progress | None,
) -> Iterator[tuple[Unit, str, str, Batch]]:
    """Each unit not imported before, read in order: (unit, its label, its digest, its
    batch). Progress is reported before each unit; a unit whose digest was imported by the
    same importer (in the store, or earlier in this run) is reported as skipped and not
    read."""
    for n, unit in enumerate(units, start=1):
        imp = unit.importer
        label = unit.source.display()
        if progress:
            progress(n - 1, len(units), label)
        try:
            digest, batch = _digest_and_read(
                unit.source, imp, ctx, label, recorded_networks, unit.digest
            )
        except FormatError as exc:
            # "pass --account" would name every file's account: this file alone needs it
            if (
                len(units) > 1
                and ctx.options.get("account") is None
                and accountopt.asked_for(str(exc))
            ):
                raise accountopt.on_its_own(exc, label) from exc
            raise
        if batch is None:
            report.add(_skipped(label, imp, recorded_networks.get(digest, imp.name)))
            continue
        yield unit, label, digest, batch  # the caller records it before the next


def _digest_and_read(
    src: Source,
    imp: Importer,
    ctx: ReadContext,
    label: str,
    done: _Recorded,
    digest: str | None = None,
) -> tuple[str, Batch | None]:
    """The source's sha256 and its batch; no batch when it was imported already.

    A small source is hashed first, so an already imported one is never read. A large one
    is hashed on a second thread while the importer reads it (hashlib and DuckDB release
    the GIL): hashing a 3 GB archive alone takes seconds. Re-importing it then costs a read,
    and still changes nothing.
    """
    if digest is not None or src.size() < CONCURRENT_DIGEST_BYTES:
        digest = digest or src.sha256()
        if (digest, imp.name) in done:
            src.forget_head()
            src.close()
            return digest, None
        return digest, _read(src, imp, ctx, label)
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(src.sha256)  # reads through its own file handles
        try:
            batch = _read(src, imp, ctx, label)
        finally:
            digest = pending.result()
    if (digest, imp.name) in done:
        parts = batch.post_parts
        if parts is not None and hasattr(parts, "close"):
            parts.close()  # an importer still reading: stopped, nothing of it written
        return digest, None
    return digest, batch


#: What malformed data makes a reader raise when it did not foresee it (a number too large,
#: a value of the wrong type reaching polars or DuckDB, JSON nested too deep): the file's
#: fault, reported as a FormatError naming it. Anything else is a bug of the importer.
_DATA_ERRORS = (
    ValueError,
    KeyError,
    TypeError,
    IndexError,
    OSError,
    ArithmeticError,
    RecursionError,
    csv.Error,
    pl.exceptions.PolarsError,
    duckdb.Error,
)


@contextmanager
def _reading(imp: Importer, label: str) -> Iterator[None]:
    """Anything but an EngageError an importer raises becomes an error naming file or
    plugin (while it reads, and while its ``post_parts`` are consumed)."""
    try:
        yield
    except EngageError:
        raise
    except _DATA_ERRORS as exc:
        raise FormatError(label, f"cannot be read by {imp.name}: {exc!r}") from exc
    except Exception as exc:
        raise PluginError(
            plugins.owner_name(imp), f"importer {imp.name!r} crashed on {label}: {exc!r}"
        ) from exc


def _read(src: Source, imp: Importer, ctx: ReadContext, label: str) -> Batch:
    """Run an importer (see :func:`_reading`)."""
    try:
        with _reading(imp, label):
            batch = imp.read(src, ctx)
    finally:
        src.forget_head()  # what detection kept and the read did not take
        src.close()
    if not isinstance(batch, Batch):
        raise PluginError(
            plugins.owner_name(imp),
            f"importer {imp.name!r} returned {_a(type(batch).__name__)} from read() on {label}; "
            "expected a Batch (engagecore.plugin.Batch)",
        )
    return batch


def _a(noun: str) -> str:
    return f"{'an' if noun[:1] in 'aeiouAEIOU' else 'a'} {noun}"


class _DryRun(Exception):
    def __init__(self, report: IngestReport) -> None:
        super().__init__("dry run")
        self.report = report


def run_or_dry(store: Store, paths: Sequence[str | Path], **kw: Any) -> IngestReport:
    """:func:`run`, where a dry run returns its report after rolling everything back."""
    try:
        return run(store, paths, **kw)
    except _DryRun as dry:
        return dry.report


def _once(names: list[str], name: str) -> None:
    """Add ``name`` to a report's list unless it is there: an account is named once however
    many of the run's units hold it (a download's tables, an export's yearly files)."""
    if name not in names:
        names.append(name)


def _accounts_with_museums(
    known: dict[tuple[str, str], str | None],
    museums: Museums,
    frames: dict[str, pl.DataFrame],
    batch: Batch,
    museum_slug: str | None,
    report: IngestReport,
    placeholders: list[tuple[str, str]],
) -> pl.DataFrame:
    """Every account the unit mentions, with the museum it attaches to (or null).

    ``known`` (network, account_id → museum) is read once per run and kept up to date here;
    placeholder accounts made by ``museums link`` before an import are appended to
    ``placeholders`` when their real account arrives.
    """
    parts = []
    if "accounts" in frames:
        parts.append(frames["accounts"])
    for table in ("posts", "follower_snapshots", "audience_age"):
        if table in frames:
            parts.append(
                frames[table]
                .select("network", "account_id")
                .unique()
                .with_columns(
                    pl.lit(None, pl.Utf8).alias("handle"),
                    pl.lit(None, pl.Utf8).alias("display_name"),
                    pl.lit(None, schema.UTC_TS).alias("created_at"),
                )
            )
    columns = ("network", "account_id", "museum", "handle", "display_name", "created_at")
    if not parts:  # the columns in the order of the frames of other units, concatenated
        return pl.DataFrame(schema={**schema.ACCOUNTS, "museum": pl.Utf8}).select(columns)
    acc = (
        pl.concat(parts, how="vertical_relaxed")
        .group_by("network", "account_id", maintain_order=True)
        .agg(
            pl.col("handle").drop_nulls().first(),
            pl.col("display_name").drop_nulls().first(),
            pl.col("created_at").min(),
        )
    )
    slugs: list[str | None] = []
    for net, acc_id, handle, display, _created in acc.iter_rows():
        if museum_slug is not None:
            slugs.append(museum_slug)
            continue
        current = known.get((net, acc_id))
        if current is None and handle and handle != acc_id and (net, handle) in known:
            # linked earlier by handle (`museums link`), before the account's id was known:
            # the placeholder row gives way to the real account
            current = known.pop((net, handle))
            placeholders.append((net, handle))
        if current:
            slugs.append(current)
            continue
        hint = batch.museum_hints.get(acc_id) or display
        if not hint:
            slugs.append(None)
            _once(report.unattached_accounts, f"{net}:{handle or acc_id}")
            continue
        try:
            found = museums.find(hint)
        except AmbiguousMuseum:
            slugs.append(None)
            _once(
                report.unattached_accounts, f"{net}:{handle or acc_id} (name {hint!r} is ambiguous)"
            )
            continue
        if found is None:
            found = museums.add(hint)
            report.created_museums.append(found)
        slugs.append(found)
    for (net, acc_id), slug in zip(
        acc.select("network", "account_id").iter_rows(), slugs, strict=True
    ):
        if slug is not None or (net, acc_id) not in known:
            known[(net, acc_id)] = slug
    return acc.with_columns(pl.Series("museum", slugs, dtype=pl.Utf8)).select(columns)


# -- files read together (``engage fetch``) ----------------------------------------------------

#: files read together are validated and written in batches of about this many rows: the
#: frames of one batch are held at once, never those of every page of a long fetch
TOGETHER_ROWS = 20_000


class _Units(Protocol):
    """Units to read in order, counted before (a list, or :class:`_FilesTogether`)."""

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[Unit]: ...


class _FilesTogether:
    """One unit per plain file of ``paths``, for :func:`_run_together`, made as it is
    reached (a long fetch's 16,000 pages are not all opened and held before the first is
    read): the importer is detected once per kind of file (a file the importer chosen for
    an earlier one claims goes to it without asking every importer again). A file no
    importer reads stops the run at its turn, as a file that cannot be read does: the
    batches before its own are stored."""

    def __init__(self, paths: Sequence[str | Path], network: str | None) -> None:
        # kept as given: a fetch's :class:`engagecore.fetch.run.SavedFiles` makes each path
        # only when it is reached
        self.paths = paths
        self.network = network
        #: a network named: any claim of that network's importer is taken
        self.forced = network is not None
        self.importers = _candidates(network)
        #: the importers chosen for earlier files, asked first
        self.chosen: list[Importer] = []

        #: told the digests of each window of files before its first is read (see
        #: :class:`_AskedRecorded`)
        self.ask: Callable[[Sequence[str]], None] | None = None

    def __len__(self) -> int:
        return len(self.paths)

    def __iter__(self) -> Iterator[Unit]:
        size = _AskedRecorded.WINDOW
        for start in range(0, len(self.paths), size):
            window = list(self.paths[start : start + size])  # its paths made once
            digests = [_file_sha256(p) for p in window]
            if self.ask is not None:
                self.ask([d for d in digests if d is not None])
            for p, digest in zip(window, digests, strict=True):
                unit = self._unit(p)
                unit.digest = digest
                yield unit

    def _unit(self, path: str | Path) -> Unit:
        src = Source.open(path)
        try:
            if src.kind != "file":
                raise UsageError(f"{src.display()}: expected a file (files are read together)")
            for imp in self.chosen:
                try:
                    conf = float(imp.detect(src))
                except Exception:  # detect_all's rule: a failing detect is no claim
                    conf = 0.0
                if conf >= CLAIM or (self.forced and conf > 0):
                    # read at once (see __iter__): a gzip page's content, inflated by its
                    # detection, is kept for the read (and dropped by it)
                    src.forget_head(keep_content=True)
                    return Unit(src, imp, conf)
            unit = _choose(src, self.importers, self.forced, explicit=True)
            if unit is None:
                raise DetectionError(describe_unread(src, self.network))
        except BaseException:
            src.close()
            raise
        self.chosen.append(unit.importer)
        src.forget_head(keep_content=True)
        return unit


def _file_sha256(path: str | Path) -> str | None:
    """A file's sha256 (what :meth:`Source.sha256` gives a plain file) computed ahead of its
    read; None for what is not a plain file or is large enough to be hashed while it is
    read (:data:`CONCURRENT_DIGEST_BYTES`), and for a file that cannot be read (its read
    then says why)."""
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode) or st.st_size >= CONCURRENT_DIGEST_BYTES:
            return None
        return file_sha256(path)
    except OSError:
        return None


def _check_types(table: str, df: pl.DataFrame, imp: Importer, path: str) -> None:
    """The checks of :func:`validate_frame` a concatenation would hide (a column missing
    from one file, a wrong type cast to a common one), per file: a schema comparison."""
    target, _ = schema.PRODUCED[table]
    got = df.schema
    if all(got.get(c) in (t, pl.Null) for c, t in target.items()):
        return
    validate_frame(table, df.head(0), plugin=plugins.owner_name(imp), path=path)
    raise ValidationError(  # pragma: no cover - validate_frame raised on the same check
        f"plugin {plugins.owner_name(imp)!r}, file {path}, table {table}: unexpected columns"
    )


@dataclass
class _Read:
    """One file of a batch: its unit, label, frames (unvalidated) and import number."""

    unit: Unit
    label: str
    frames: dict[str, pl.DataFrame]
    batch: Batch
    import_id: int
    result: UnitResult


def _run_together(
    store: Store,
    units: _FilesTogether,
    report: IngestReport,
    museum_slug: str | None,
    museums: Museums,
    ctx: ReadContext,
    dry_run: bool,
    progress: Progress | None,
    recorded: Callable[[str], str],
    allow_empty: bool = False,
) -> IngestReport:
    """:func:`_run_units` for plain files read as one unit.

    Each file is digested (one already imported is skipped) and read by its importer on its
    own, so that every row keeps the import of the file it came from and each file gets its
    ``imports`` row (name, digest, rows), exactly as if it had been imported alone. What is
    done once per batch of files (about :data:`TOGETHER_ROWS` rows) instead of once per
    file: the validation (one frame per table, the files' frames concatenated; a refused
    value is looked for file by file then, so that the error names its file) and the store
    writes.

    Each batch is read, validated and written in a transaction of its own, with its files'
    ``imports`` rows and the followers as of each post of its accounts (only the posts whose
    value changes are updated): nothing of a long fetch's reading or writing is held across
    batches, so the import's peak memory does not grow with the files. A file that cannot be
    read leaves the store as it was before its batch: the batches before it are stored,
    whole files each, the others are not recorded as imported (``engage fetch`` says so and
    imports them on its next run, as after an interruption between two batches). A caller
    that holds a transaction, and a dry run, get one transaction for the whole
    (:meth:`Store.transaction` is nestable).
    """
    total = len(units)
    whole = store.transaction() if dry_run else nullcontext()
    with whole:
        known = _known_accounts(store)
        recorded_networks = _AskedRecorded(store)
        units.ask = recorded_networks.ask
        next_id = store.next_import_id()
        reads = _new_reads(units, ctx, recorded_networks, report, progress)
        more = True
        while more:
            prepared = _Prepared(ctx)
            try:
                with store.transaction():  # a batch: its reading, validation and writes
                    group: list[_Read] = []
                    rows = 0
                    for unit, label, digest, batch in reads:
                        src, imp = unit.source, unit.importer
                        frames = batch.frames()
                        for table, df in frames.items():
                            _check_types(table, df, imp, label)
                        wrote = _written_networks(frames, imp)
                        recorded_networks.add(digest, imp.name, wrote)
                        result = _unit_result(
                            label, src, imp, wrote, frames, batch, dry_run, allow_empty
                        )
                        import_id, next_id = next_id, next_id + 1
                        group.append(_Read(unit, label, frames, batch, import_id, result))
                        prepared.pending.imports.append(
                            _import_row(
                                import_id, imp, wrote, recorded(label), digest, batch, result.notes
                            )
                        )
                        report.add(result)
                        rows += sum(df.height for df in frames.values())
                        if rows >= TOGETHER_ROWS:
                            break
                    else:
                        more = False
                    if not dry_run:
                        # DuckDB's memory bounded by what this batch needs, not by the store
                        # it grows (cached blocks, checkpoints): see limits.batch_memory_bytes
                        store.con.execute(limits.batch_memory_sql(_frames_bytes(group)))
                    _prepare_group(group, prepared, known, museums, museum_slug, report, ctx)
                    del group
                    if not dry_run:
                        prepared.write(store)
                        recorded_networks.written()
                        # the commit may checkpoint, and a checkpoint that runs out of memory
                        # is fatal to DuckDB (the database is invalidated until reopened):
                        # it runs under the ingest's limit, never the batch's
                        store.con.execute(limits.ingest_memory_sql())
            finally:
                prepared.staged.remove()
            if not dry_run:
                # the blocks this batch read and wrote are in the file: no need to keep them
                store.drop_cache(limits.ingest_memory_sql())
        if progress:
            progress(total, total, "done")
        if dry_run:
            raise _DryRun(report)
    return report


@dataclass
class _Staged:
    """Validated posts (with their ``import_id``) staged as Parquet files, written in one
    statement (:meth:`Store.write_posts_files`: one large append, not many small ones)."""

    folder: Path
    files: list[Path] = field(default_factory=list)
    keys: list[pl.DataFrame] = field(default_factory=list)

    def add(self, df: pl.DataFrame) -> None:
        if df.is_empty():
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        out = self.folder / f"posts-{len(self.files):06d}.parquet"
        df.write_parquet(out, compression="lz4")
        self.files.append(out)
        self.keys.append(df.select("network", "account_id").unique())

    def remove(self) -> None:
        import shutil

        shutil.rmtree(self.folder, ignore_errors=True)


class _Prepared:
    """One batch of files read together, validated, to be written in one transaction."""

    def __init__(self, ctx: ReadContext) -> None:
        self.pending = _Pending()
        self.staged = _Staged(Path(tempfile.mkdtemp(prefix="together-", dir=ctx.scratch)))

    def write(self, store: Store) -> None:
        """Its rows, then the followers as of each post: of its own posts, and of every post
        of an account it brings a follower snapshot of (only the posts whose value changes
        are updated: an update's memory grows with the rows it touches)."""
        ids = [row["import_id"] for row in self.pending.imports]
        snapshots = [
            df.select("network", "account_id").unique()
            for df in self.pending.tables.get("follower_snapshots", [])
        ]
        _record_imports(store, self.pending.imports)
        self.pending.imports.clear()
        self.pending.flush(store)
        store.write_posts_files(self.staged.files)  # after the accounts: posts get their keys
        self.staged.remove()
        if self.staged.keys and ids:
            store.refresh_followers(
                pl.concat(self.staged.keys), changed_only=True, imports=(min(ids), max(ids))
            )
        if snapshots:
            store.refresh_followers(pl.concat(snapshots), changed_only=True)


def _frames_bytes(group: list[_Read]) -> int:
    """The size of a batch's frames, as polars estimates it."""
    return sum(int(df.estimated_size()) for r in group for df in r.frames.values())


def _prepare_group(
    group: list[_Read],
    prepared: _Prepared,
    known: dict[tuple[str, str], str | None],
    museums: Museums,
    museum_slug: str | None,
    report: IngestReport,
    ctx: ReadContext,
) -> None:
    """Validate the frames of ``group`` table by table, concatenated, into ``prepared``."""
    by_importer: dict[str, list[_Read]] = {}
    for r in group:
        by_importer.setdefault(r.unit.importer.name, []).append(r)
    for reads in by_importer.values():
        _write_reads(reads, prepared, known, museums, museum_slug, report, ctx)


def _record_imports(store: Store, rows: list[dict[str, Any]]) -> None:
    """The ``imports`` rows of many files in one statement (one each: a millisecond a file)."""
    if not rows:
        return
    df = pl.DataFrame(
        rows,
        schema={
            "import_id": pl.Int64,
            "plugin": pl.Utf8,
            "plugin_version": pl.Utf8,
            "importer": pl.Utf8,
            "network": pl.Utf8,
            "path": pl.Utf8,
            "sha256": pl.Utf8,
            "rows": pl.Int64,
            "notes": pl.List(pl.Utf8),
        },
    ).with_columns(pl.lit(datetime.now(UTC), dtype=schema.UTC_TS).alias("imported_at"))
    with store.registered("_imports", df):
        cols = ", ".join(df.columns)
        store.con.execute(f"INSERT INTO imports ({cols}) SELECT {cols} FROM _imports")


def _write_reads(
    reads: list[_Read],
    prepared: _Prepared,
    known: dict[tuple[str, str], str | None],
    museums: Museums,
    museum_slug: str | None,
    report: IngestReport,
    ctx: ReadContext,
) -> None:
    """The files of one importer in a batch: validated together, into ``prepared`` (the
    posts staged, the other rows held)."""
    pending = prepared.pending
    imp = reads[0].unit.importer
    tables = sorted({t for r in reads for t in r.frames})
    validated: dict[str, pl.DataFrame] = {}
    for table in tables:
        parts = [(r, r.frames[table]) for r in reads if table in r.frames]
        whole = pl.concat([df for _, df in parts], how="vertical_relaxed")
        ids = _import_ids(parts, whole.height)
        try:
            one = _validated(_only(table, whole), imp, parts[0][0].label, ctx.now)[table]
        except EngageError:
            # which file: each one's frame on its own, so that the error names it
            for r, df in parts:
                _validated(_only(table, df), imp, r.label, ctx.now)
            raise
        validated[table] = one.with_columns(ids.alias("import_id"))
    labels = {r.import_id: r.label for r in reads}
    _check_accounts_listed(
        validated, imp, lambda row: labels[row["import_id"][0]], by=("import_id",)
    )
    hints: dict[str, str] = {}
    for r in reads:
        for acc, hint in r.batch.museum_hints.items():
            hints.setdefault(acc, hint)
    accounts = _accounts_with_museums(
        known,
        museums,
        {t: df.drop("import_id") for t, df in validated.items()},
        Batch(museum_hints=hints),
        museum_slug,
        report,
        pending.placeholders,
    )
    pending.accounts.append(accounts)
    for r in reads:
        r.result.accounts = accounts.height
        r.result.museums = sorted({m for m in accounts["museum"].to_list() if m})
    for table, df in validated.items():
        if table == "posts":
            prepared.staged.add(df)
        elif table != "accounts":
            pending.tables.setdefault(table, []).append(df)
            pending.rows += df.height


def _import_ids(parts: list[tuple[_Read, pl.DataFrame]], rows: int) -> pl.Series:
    """Each row's import of files' frames concatenated: the files' numbers, each repeated
    by its frame's rows (a file's part found by its rows' cumulative end: a few vectorized
    calls per batch, not one series per file)."""
    ends = pl.Series([df.height for _, df in parts], dtype=pl.Int64).cum_sum()
    part = ends.search_sorted(pl.int_range(0, rows, eager=True), side="right")
    return pl.Series([r.import_id for r, _ in parts], dtype=pl.Int64).gather(part)


def _only(table: str, df: pl.DataFrame) -> Batch:
    """A batch of one frame (to validate it alone)."""
    batch = Batch()
    setattr(batch, table, df)
    return batch
