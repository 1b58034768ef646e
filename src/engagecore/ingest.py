"""Ingest: find the import units under the paths given, detect their importer, read, write.

A run is one transaction: if any unit fails, nothing of the run is kept. A unit already
imported (same content digest, same importer) is skipped, so importing twice changes nothing.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from engagecore import plugins, schema
from engagecore.errors import (
    AmbiguousMuseum,
    DetectionError,
    EngageError,
    FormatError,
    PluginError,
    ValidationError,
)
from engagecore.museums import Museums
from engagecore.pluginapi import Batch, Importer, ReadContext
from engagecore.sources import Source
from engagecore.store import Store
from engagecore.validate import validate_frame

#: confidence at or above which an importer claims a source
CLAIM = 0.5
#: two claims closer than this are a tie
TIE = 0.05

Progress = Callable[[int, int, str], None]


@dataclass
class Unit:
    """One thing to import: a source and the importer chosen for it."""

    source: Source
    importer: Importer
    confidence: float


@dataclass
class UnitResult:
    path: str
    importer: str
    network: str
    status: str  # imported | skipped (already imported) | dry run
    posts: int = 0
    accounts: int = 0
    follower_snapshots: int = 0
    audience_age: int = 0
    museums: list[str] = field(default_factory=list)


@dataclass
class IngestReport:
    units: list[UnitResult] = field(default_factory=list)
    skipped_files: list[str] = field(default_factory=list)
    created_museums: list[str] = field(default_factory=list)
    unattached_accounts: list[str] = field(default_factory=list)

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
    chosen = [i for i in imps if network in (i.network, i.name)]
    if not chosen:
        known = sorted({i.network for i in imps} | {i.name for i in imps})
        raise DetectionError(
            f"--network {network!r}: no importer for it; known: {', '.join(known)}"
        )
    return chosen


def _detect(source: Source, importers: Sequence[Importer]) -> list[tuple[float, Importer]]:
    scored = []
    for imp in importers:
        try:
            conf = float(imp.detect(source))
        except EngageError:
            conf = 0.0
        except Exception as exc:
            raise PluginError(
                imp.plugin, f"importer {imp.name!r} failed to inspect {source.display()}: {exc!r}"
            ) from exc
        if conf > 0:
            scored.append((conf, imp))
    return sorted(scored, key=lambda t: -t[0])


def _choose(source: Source, importers: Sequence[Importer], forced: bool) -> Unit | None:
    scored = _detect(source, importers)
    if forced and not scored and len(importers) == 1:
        return Unit(source, importers[0], 0.0)
    if not scored or (scored[0][0] < CLAIM and not forced):
        return None
    best_conf, best = scored[0]
    ties = [imp for conf, imp in scored[1:] if best_conf - conf < TIE]
    if ties:
        names = ", ".join(i.name for i in (best, *ties))
        raise DetectionError(
            f"{source.display()}: several importers claim it ({names}); choose one with --network"
        )
    return Unit(source, best, best_conf)


def discover(
    paths: Iterable[str | Path], network: str | None = None
) -> tuple[list[Unit], list[str]]:
    """The import units under ``paths`` and the files skipped as not recognised.

    A path named explicitly must be recognised; inside a folder, unrecognised files (a
    README, a thumbnail) are skipped and reported.
    """
    importers = _candidates(network)
    forced = network is not None
    units: list[Unit] = []
    skipped: list[str] = []

    def visit(path: Path, explicit: bool) -> None:
        source = Source.open(path)
        unit = _choose(source, importers, forced and source.kind != "folder")
        if unit is not None:
            units.append(unit)
            return
        if source.kind == "folder":
            before = len(units)
            for child in source.iter_children():
                visit(child, False)
            if explicit and len(units) == before:
                raise DetectionError(
                    f"{path}: no importable export found in this folder "
                    f"(known importers: {', '.join(sorted(i.name for i in importers))})"
                )
            return
        source.close()
        if explicit:
            raise DetectionError(
                f"{path}: no importer recognises this file (known importers: "
                f"{', '.join(sorted(i.name for i in importers))}); use --network to force one"
            )
        skipped.append(str(path))

    for p in paths:
        visit(Path(p), True)
    return units, skipped


def _validated(
    batch: Batch, imp: Importer, path: str, now: datetime | None = None
) -> dict[str, pl.DataFrame]:
    known = set(plugins.registry().networks)
    out = {}
    for table, df in batch.frames().items():
        df = validate_frame(table, df, plugin=imp.plugin, path=path, now=now)
        unknown = df.filter(~pl.col("network").is_in(sorted(known)))
        if unknown.height:
            raise ValidationError(
                f"plugin {imp.plugin!r}, file {path}, table {table}, column 'network': "
                f"{unknown['network'][0]!r} is not a registered network "
                f"(known: {', '.join(sorted(known))})"
            )
        out[table] = df
    return out


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
    now: datetime | None = None,
) -> IngestReport:
    """Import every unit under ``paths`` in one transaction (see the module docstring).

    ``now`` (default: the clock) ends the plausible time window of the values read
    (:mod:`engagecore.validate`); tests pass a fixed one."""
    units, skipped = discover(paths, network)
    report = IngestReport(skipped_files=skipped)
    museums = Museums(store)
    museum_slug = museums.resolve(museum) if museum else None
    ctx = ReadContext(timezone=timezone, now=now, options=dict(options or {}))
    # DuckDB keeps a transaction's appended rows in memory up to its limit (80 % of RAM by
    # default), on top of the frames just read: capped during an ingest, it writes them to
    # the file instead (1M Graph posts: peak 2.2 GB -> 1.9 GB, same time).
    store.con.execute(f"SET memory_limit = '{os.environ.get('ENGAGE_INGEST_MEMORY', '512MB')}'")
    try:
        return _run_units(store, units, report, museum_slug, museums, ctx, dry_run, progress)
    finally:
        store.con.execute("RESET memory_limit")


def _run_units(
    store: Store,
    units: list[Unit],
    report: IngestReport,
    museum_slug: str | None,
    museums: Museums,
    ctx: ReadContext,
    dry_run: bool,
    progress: Progress | None,
) -> IngestReport:
    total = len(units)
    with store.transaction():
        done = {(d, i) for d, i in store.fetchall("SELECT sha256, importer FROM imports")}
        known: dict[tuple[str, str], str | None] = {
            (n, a): m
            for n, a, m in store.fetchall("SELECT network, account_id, museum FROM accounts")
        }
        next_id = store.next_import_id()
        pending = _Pending()
        for n, unit in enumerate(units, start=1):
            src, imp = unit.source, unit.importer
            label = src.display()
            if progress:
                progress(n - 1, total, label)
            digest, batch = _digest_and_read(src, imp, ctx, label, done)
            if batch is None:
                report.units.append(
                    UnitResult(label, imp.name, imp.network, "skipped (already imported)")
                )
                continue
            done.add((digest, imp.name))
            frames = _validated(batch, imp, label, ctx.now)
            result = UnitResult(label, imp.name, imp.network, "dry run" if dry_run else "imported")
            result.posts = frames["posts"].height if "posts" in frames else 0
            for table in ("follower_snapshots", "audience_age"):
                setattr(result, table, frames[table].height if table in frames else 0)
            import_id, next_id = next_id, next_id + 1
            accounts = _accounts_with_museums(
                known, museums, frames, batch, museum_slug, report, pending.placeholders
            )
            result.accounts = accounts.height
            result.museums = sorted({m for m in accounts["museum"].to_list() if m})
            pending.accounts.append(accounts)
            for table, df in frames.items():
                if table != "accounts":
                    pending.add(table, df, import_id)
            pending.imports.append(
                {
                    "import_id": import_id,
                    "plugin": imp.plugin,
                    "plugin_version": imp.plugin_version or plugins.plugin_version(imp.plugin),
                    "importer": imp.name,
                    "network": imp.network,
                    "path": os.path.abspath(str(src.path)),
                    "sha256": digest,
                    "rows": batch.rows(),
                }
            )
            report.units.append(result)
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


#: from this size on, a source's digest is computed while it is read, not before
CONCURRENT_DIGEST_BYTES = 64 * 1024 * 1024


def _digest_and_read(
    src: Source, imp: Importer, ctx: ReadContext, label: str, done: set[tuple[str, str]]
) -> tuple[str, Batch | None]:
    """The source's sha256 and its batch; no batch when it was imported already.

    A small source is hashed first, so an already imported one is never read. A large one
    is hashed on a second thread while the importer reads it (hashlib and DuckDB release
    the GIL): hashing a 3 GB archive alone takes seconds. Re-importing it then costs a read,
    and still changes nothing.
    """
    if src.size() < CONCURRENT_DIGEST_BYTES:
        digest = src.sha256()
        if (digest, imp.name) in done:
            src.close()
            return digest, None
        return digest, _read(src, imp, ctx, label)
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(src.sha256)  # reads through its own file handles
        try:
            batch = _read(src, imp, ctx, label)
        finally:
            digest = pending.result()
    return digest, None if (digest, imp.name) in done else batch


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


def _read(src: Source, imp: Importer, ctx: ReadContext, label: str) -> Batch:
    """Run an importer; anything but an EngageError becomes an error naming file or plugin."""
    try:
        return imp.read(src, ctx)
    except EngageError:
        raise
    except _DATA_ERRORS as exc:
        raise FormatError(label, f"cannot be read by {imp.name}: {exc!r}") from exc
    except Exception as exc:
        raise PluginError(imp.plugin, f"importer {imp.name!r} crashed on {label}: {exc!r}") from exc
    finally:
        src.close()


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
                )
            )
    if not parts:
        return pl.DataFrame(schema={**schema.ACCOUNTS, "museum": pl.Utf8})
    acc = (
        pl.concat(parts, how="vertical_relaxed")
        .group_by("network", "account_id", maintain_order=True)
        .agg(pl.col("handle").drop_nulls().first(), pl.col("display_name").drop_nulls().first())
    )
    slugs: list[str | None] = []
    for net, acc_id, handle, display in acc.iter_rows():
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
            report.unattached_accounts.append(f"{net}:{handle or acc_id}")
            continue
        try:
            found = museums.find(hint)
        except AmbiguousMuseum:
            slugs.append(None)
            report.unattached_accounts.append(
                f"{net}:{handle or acc_id} (name {hint!r} is ambiguous)"
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
    return acc.with_columns(pl.Series("museum", slugs, dtype=pl.Utf8)).select(
        "network", "account_id", "museum", "handle", "display_name"
    )
