"""Conformance checks for network plugins, and a pytest plugin.

A plugin author runs the same checks engagecore runs on its own plugins
(``tests/test_contract.py``, ``tests/test_kit_builtin.py``). Each is a plain function that
raises ``AssertionError`` with a message naming what is wrong; what each one checks, and no
more:

- :func:`check_network` — a :class:`NetworkSpec`'s name, display name and interaction weights;
- :func:`check_importer` — an importer's names and ``networks`` declaration, and that it
  gives confidence 0 to a foreign file. It calls ``detect`` only, never ``read``;
- :func:`check_read` — reads a sample (a file, folder or zip) with the importer as
  ``engage ingest`` does (a :class:`Source`, a :class:`ReadContext`) and compares the frames
  with the rows the test expects: claimed by ``detect``, valid for the store, timezone-aware
  UTC times equal to those expected, counts equal and NULL where the sample has no value,
  every network registered and declared, no row read twice, every account a row names in
  the accounts frame, the same frames on a second read, and a copy of the sample cut in the
  middle refused with a ``FormatError``. This is the check of what an importer reads; a
  mistake in the test's ``expect`` is a ``ValueError``;
- :func:`check_demo_roundtrip` — the files a network's demo writer writes are claimed by a
  registered importer of that network and read back into valid frames holding the post ids
  that were written.

Installing engagecore makes this module a pytest plugin (the ``pytest11`` entry point
``engagecore.testing``; ``pytest -p engagecore.testing`` loads it where plugins are not
auto-loaded). It adds one fixture, ``foreign_file`` (a small text file no importer should
claim), and nothing else: no hook, no option, nothing done at import (pytest itself rewrites
the asserts of engagecore's modules, as it does for every plugin's distribution).
:func:`sample_account` builds the simulated account :func:`check_demo_roundtrip` writes.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any, NoReturn

import polars as pl
import pytest

from engagecore import plugins, schema
from engagecore.detection import CLAIM, choose_importer
from engagecore.errors import EngageError, FormatError
from engagecore.pluginapi import (
    Batch,
    DemoAccountData,
    Importer,
    NetworkSpec,
    ReadContext,
    checked_notes,
)
from engagecore.sources import Source
from engagecore.validate import first_unlisted_account, validate_frame


def check_network(spec: NetworkSpec) -> None:
    """The spec's naming and interaction weights.

    Asserts: ``name`` is non-empty, lower case and without spaces; ``display_name`` is
    non-empty; ``interactions`` is non-empty, every interaction is among ``provides``, and
    every weight is above 0. The spec need not be registered.
    """
    assert spec.name and spec.name == spec.name.lower() and " " not in spec.name
    assert spec.display_name
    assert spec.interactions, f"network {spec.name!r} defines no interactions"
    missing = set(spec.interactions) - set(spec.provides)
    assert not missing, f"network {spec.name!r}: interactions {missing} not in provides"
    assert all(w > 0 for w in spec.interactions.values())


def check_importer(importer: Importer, foreign: Path) -> None:
    """Naming, the networks declared, and a confidence of 0 on a file of no network's format.

    Asserts: ``name``, ``network`` and ``description`` are non-empty; ``importer.networks``
    is a non-empty frozenset of non-empty names holding ``importer.network``; and
    ``importer.detect`` on ``foreign`` (opened as a :class:`Source`) returns exactly 0.0.
    It never calls ``importer.read``: nothing here checks what the importer reads, nor that
    its networks are registered (registration checks that one of them is), nor that it
    claims its own files.

    ``importer`` may be the registered one (``plugins.registry().importers[name]``) or one
    built by hand (``MyImporter()``): nothing here needs the plugin that registers it.

    """
    assert importer.name and importer.network and importer.description
    declared = importer.networks
    assert isinstance(declared, frozenset), (
        f"{importer.name}: networks is {declared!r}; expected a frozenset of network names"
    )
    assert declared, f"{importer.name} declares no network"
    assert all(isinstance(n, str) and n for n in declared), (
        f"{importer.name}: networks {sorted(map(repr, declared))} holds an empty or non-text name"
    )
    assert importer.network in declared, (
        f"{importer.name}: its network {importer.network!r} is not among those it declares"
    )
    src = Source.open(foreign)
    try:
        conf = importer.detect(src)
    finally:
        src.close()
    assert conf == 0.0, f"{importer.name} claims an unrelated file with confidence {conf}"


def sample_account(network: str, *, posts: int = 5, with_age: bool = True) -> DemoAccountData:
    """A simulated account of ``network`` in the normalized model, for round-trip checks.

    ``posts`` French photo posts from 2024-03-04 09:30 UTC (every count column filled),
    one follower snapshot (12,345 on 2024-06-01 UTC) and, with ``with_age``, a seven-band
    audience age breakdown summing to 1.
    """
    start = datetime(2024, 3, 4, 9, 30, tzinfo=UTC)
    export = datetime(2024, 6, 1, tzinfo=UTC)
    n = posts
    texts = [
        f"Coulisses n°{i} : la restauration de « La Liseuse » ✨ #JourDeFermeture #musée @amis_du_musee"
        for i in range(n)
    ]
    df = pl.DataFrame(
        {
            "network": [network] * n,
            "post_id": [str(1_700_000_000_000 + i * 7919) for i in range(n)],
            "account_id": ["424242"] * n,
            "posted_at": [start + timedelta(days=3 * i, hours=i) for i in range(n)],
            "kind": ["photo"] * n,
            "is_own": [True] * n,
            "text": texts,
            "language": ["fr"] * n,
            "hashtags": [["JourDeFermeture", "musée"]] * n,
            "mentions": [["amis_du_musee"]] * n,
            "url": [None] * n,
            "likes": [100 + 10 * i for i in range(n)],
            "comments": [5 + i for i in range(n)],
            "shares": [2 + i for i in range(n)],
            "quotes": [i for i in range(n)],
            "saves": [3 * i for i in range(n)],
            "views": [1000 + 100 * i for i in range(n)],
            "impressions": [2000 + 100 * i for i in range(n)],
            "reach": [1500 + 100 * i for i in range(n)],
            "observed_at": [export] * n,
        }
    )
    posts_df = pl.DataFrame(df.to_dict(), schema=schema.POSTS)
    followers = pl.DataFrame(
        {
            "network": [network],
            "account_id": ["424242"],
            "observed_at": [export],
            "followers": [12345],
        },
        schema=schema.FOLLOWER_SNAPSHOTS,
    )
    age = None
    if with_age:
        bands = [
            ("13-17", 13, 17, 0.05),
            ("18-24", 18, 24, 0.25),
            ("25-34", 25, 34, 0.30),
            ("35-44", 35, 44, 0.2),
            ("45-54", 45, 54, 0.1),
            ("55-64", 55, 64, 0.06),
            ("65+", 65, None, 0.04),
        ]
        age = pl.DataFrame(
            {
                "network": [network] * 7,
                "account_id": ["424242"] * 7,
                "observed_at": [export] * 7,
                "age_band": [b[0] for b in bands],
                "age_min": [b[1] for b in bands],
                "age_max": [b[2] for b in bands],
                "share": [b[3] for b in bands],
                "basis": ["followers"] * 7,
            },
            schema=schema.AUDIENCE_AGE,
        )
    return DemoAccountData(
        museum_name="Musée des Beaux-Arts de Test",
        handle="mba_test",
        account_id="424242",
        posts=posts_df,
        followers=followers,
        audience_age=age,
        export_date=export,
    )


def check_demo_roundtrip(network: str, folder: Path) -> pl.DataFrame:
    """Write a sample account with the network's registered demo writer and read it back.

    Asserts: the writer (``registry().demo_writers[network]``) writes at least one file; for
    each file, an importer declaring ``network`` (or any network) claims it, chosen as
    ``engage ingest`` chooses (:func:`engagecore.plugin.choose_importer`: the highest
    confidence, at least 0.5; a tie at the top is a ``DetectionError``); every frame it reads
    passes the store's validation; no file gives a post twice; and the post ids read back
    are exactly those written (a writer may write one account in several formats, e.g. an
    archive and API responses: each file then gives its posts, and the ids are compared as a
    set). Counts, times and the other tables are not compared. Returns the posts read back,
    one row per post (the first file's).
    """
    reg = plugins.registry()
    writer = reg.demo_writers[network]
    data = sample_account(network)
    paths = writer.write(data, folder)
    assert paths, f"demo writer for {network!r} wrote nothing"
    importers = [
        i
        for i in reg.importers.values()
        if network in i.networks or plugins.ANY_NETWORK in i.networks
    ]
    frames = []
    for p in paths:
        src = Source.open(p)
        try:
            chosen = choose_importer(src, importers)  # as engage ingest chooses, ties refused
            assert chosen is not None, f"no importer of {network!r} claims {p}"
            importer = chosen[0]
            batch = importer.read(src, ReadContext())
        finally:
            src.close()
        for table, df in batch.frames().items():
            validate_frame(table, df, plugin=plugins.owner_name(importer), path=str(p))
        if batch.posts is not None:
            ids = batch.posts["post_id"]
            assert ids.n_unique() == ids.len(), f"{p} gives a post twice"
            frames.append(batch.posts)
    posts = pl.concat(frames) if frames else schema.empty("posts")
    posts = posts.unique("post_id", keep="first", maintain_order=True)
    assert sorted(posts["post_id"].to_list()) == sorted(data.posts["post_id"].to_list())
    return posts


# --- check_read ---------------------------------------------------------------------------

#: The columns that identify a row of each produced table (the store's keys): expected rows
#: are matched to the rows read by those of them they give.
ROW_KEYS: dict[str, tuple[str, ...]] = {
    "accounts": ("network", "account_id"),
    "posts": ("network", "post_id"),
    "follower_snapshots": ("network", "account_id", "observed_at"),
    "audience_age": ("network", "account_id", "observed_at", "age_band", "basis"),
}
#: The columns every expected row of a table must give (posts also give every count their
#: network provides): check_read compares values, not only ids.
_MUST_GIVE: dict[str, tuple[str, ...]] = {
    "accounts": ("account_id",),
    "posts": ("post_id", "posted_at"),
    "follower_snapshots": ("account_id", "followers"),
    "audience_age": ("account_id", "age_band", "share"),
}
#: how many differences from ``expect`` one failure lists
_SHOWN = 20


class _Kit:
    """Failures of one check_read call, each an AssertionError naming importer and sample."""

    def __init__(self, importer: Importer, sample: Path) -> None:
        self.importer = importer
        self.sample = sample
        self.prefix = f"importer {importer.name!r} reading {sample}"
        #: each read's ``Batch.notes`` (checked), by the read's name
        self.notes: dict[str, list[str]] = {}

    def fail(self, message: str) -> NoReturn:
        raise AssertionError(f"{self.prefix}: {message}")

    def misuse(self, message: str) -> NoReturn:
        """A mistake of the test's ``expect``, not of the importer."""
        raise ValueError(f"check_read({self.importer.name!r}, {self.sample}): {message}")


def _shown(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, datetime):
        return value.isoformat()
    return repr(value)


def _row_label(table: str, row: Mapping[str, object]) -> str:
    keys = [c for c in ROW_KEYS[table] if c != "network" and c in row]
    shown = ", ".join(
        f"{c}={_shown(row[c]) if isinstance(row[c], datetime) else row[c]}" for c in keys
    )
    net = row.get("network")
    return f"{table} row ({'network=' + str(net) + ', ' if net is not None else ''}{shown})"


def _read_frames(
    kit: _Kit, path: Path, ctx_args: dict[str, Any], what: str
) -> dict[str, pl.DataFrame]:
    """Read ``path`` with the importer as ``engage ingest`` does (a Source, a ReadContext with
    a scratch folder), and validate every frame as the store does."""
    src = Source.open(path)
    try:
        with tempfile.TemporaryDirectory(prefix="engage-kit-") as scratch:
            ctx = ReadContext(**ctx_args, scratch=Path(scratch))
            try:
                batch = kit.importer.read(src, ctx)
            except EngageError as exc:
                kit.fail(f"{what}: refused it: {exc}")
            except Exception as exc:
                kit.fail(f"{what}: crashed: {exc!r}")
    finally:
        src.close()
    if not isinstance(batch, Batch):
        kit.fail(f"{what}: read returned {type(batch).__name__}; expected a Batch")
    frames = batch.frames()  # a generator of post_parts may add notes until its end
    try:
        kit.notes[what] = checked_notes(batch.notes)
    except ValueError as exc:
        kit.fail(f"{what}: {exc}")
    out = {}
    for table, df in frames.items():
        try:
            out[table] = validate_frame(
                table, df, plugin=plugins.owner_name(kit.importer), path=str(path)
            )
        except EngageError as exc:
            kit.fail(f"{what}: the {table} frame is not valid for the store: {exc}")
    return out


def _check_networks(kit: _Kit, frames: Mapping[str, pl.DataFrame]) -> None:
    """Every row's network registered and declared by the importer."""
    registered = set(plugins.registry().networks)
    declared = kit.importer.networks
    for table, df in frames.items():
        for net in df["network"].unique(maintain_order=True).to_list():
            row = df.row(df["network"].eq(net).arg_true()[0], named=True)
            where = _row_label(table, row)
            if net not in registered:
                kit.fail(
                    f"{where}: network {net!r} is not a registered network (registered: "
                    f"{', '.join(sorted(registered))}); a misspelt name?"
                )
            if plugins.ANY_NETWORK not in declared and net not in declared:
                kit.fail(
                    f"{where}: network {net!r} is not among the networks the importer declares "
                    f"({', '.join(sorted(declared))}); set Importer.networks"
                )


def _check_keys(kit: _Kit, frames: Mapping[str, pl.DataFrame]) -> None:
    """No row read twice (the store keeps one row per key)."""
    for table, df in frames.items():
        dup = df.select(ROW_KEYS[table]).is_duplicated()
        if dup.any():
            row = df.row(int(dup.arg_true()[0]), named=True)
            kit.fail(f"{_row_label(table, row)} is read more than once (same key)")


def _check_accounts(kit: _Kit, frames: Mapping[str, pl.DataFrame]) -> None:
    """Every account a row names (posts, follower snapshots, audience age) has its row in
    the accounts frame (:func:`~engagecore.validate.first_unlisted_account`, the check
    ``engage ingest`` makes): without it the account has no handle or name to be attached
    to its museum by."""
    found = first_unlisted_account(frames)
    if found is None:
        return
    table, first = found
    net, acc = first.row(0)
    if "accounts" not in frames:
        kit.fail(
            f"{table} name account {acc!r} of {net}, but the batch has no accounts frame: "
            "set Batch.accounts (account_id, handle, display_name) so the account can be "
            "attached to its museum"
        )
    kit.fail(
        f"{table} name account {acc!r} of {net}, which has no row in the accounts "
        f"frame (accounts read: {frames['accounts']['account_id'].to_list()})"
    )


def _key_order(table: str, df: pl.DataFrame) -> pl.DataFrame:
    return df.sort(list(ROW_KEYS[table]), nulls_last=True)


def _check_same(
    kit: _Kit, first: Mapping[str, pl.DataFrame], second: Mapping[str, pl.DataFrame]
) -> None:
    """A second read of the same sample gives the same frames (row order aside)."""
    why = "a read must depend on the file only (no clock, no random ids, no state kept)"
    if set(first) != set(second):
        kit.fail(
            f"reading it twice gave different frames: {sorted(first)}, then {sorted(second)}; "
            + why
        )
    for table in first:
        a, b = _key_order(table, first[table]), _key_order(table, second[table])
        if a.height != b.height:
            kit.fail(f"reading it twice gave {a.height} {table} rows, then {b.height}; " + why)
        for ra, rb in zip(a.iter_rows(named=True), b.iter_rows(named=True), strict=True):
            for col, va in ra.items():
                if va != rb[col]:
                    kit.fail(
                        f"reading it twice gave different {table}: {_row_label(table, ra)}, "
                        f"column {col!r}: {_shown(va)}, then {_shown(rb[col])}; " + why
                    )


def _expected_value(kit: _Kit, table: str, col: str, value: object, where: str) -> object:
    """An expected value as the frame holds it (times as aware datetimes in UTC)."""
    dtype = schema.PRODUCED[table][0][col]
    if value is None or not isinstance(dtype, pl.Datetime):
        return value
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            kit.misuse(f"expect {where}, {col}: {value!r} is not an ISO 8601 time")
    if not isinstance(value, datetime):
        kit.misuse(f"expect {where}, {col}: {value!r}; expected a datetime or an ISO 8601 text")
    if value.tzinfo is None or value.utcoffset() is None:
        kit.misuse(
            f"expect {where}, {col}: {value.isoformat()} has no time zone; give the instant "
            "(e.g. datetime(2024, 3, 4, 8, 30, tzinfo=UTC) or '2024-03-04T08:30:00Z')"
        )
    return value.astimezone(UTC)


def _differs(expected: object, got: object) -> bool:
    if expected is None or got is None:
        return expected is not got
    if isinstance(expected, bool) or isinstance(got, bool):
        return type(expected) is not type(got) or expected != got
    if isinstance(expected, float) or isinstance(got, float):
        if not isinstance(expected, int | float) or not isinstance(got, int | float):
            return True
        return not math.isclose(expected, got, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(expected, tuple | list):
        return not isinstance(got, list) or list(expected) != got
    return bool(expected != got)


def _difference(col: str, expected: object, got: object, timezone: str) -> str:
    text = f"column {col!r}: expected {_shown(expected)}, got {_shown(got)}"
    if expected is None and got == 0:
        return text + " (an empty cell read as 0? a value the sample lacks is NULL, never 0)"
    if got is None and isinstance(expected, int):
        return text + " (the sample gives a value here)"
    if isinstance(expected, datetime) and isinstance(got, datetime):
        off = got - expected
        quarter = timedelta(minutes=15)
        if abs(off) <= timedelta(hours=14) and off % quarter == timedelta(0):
            sign = "+" if off > timedelta(0) else "-"
            minutes = int(abs(off).total_seconds() // 60)
            text += (
                f" (off by {sign}{minutes // 60}:{minutes % 60:02d}: a local time "
                f"({timezone}) stored as if it were UTC, or a UTC time shifted again?)"
            )
    return text


def _check_gives(kit: _Kit, where: str, want: Mapping[str, object], must: Sequence[str]) -> None:
    lacking = [c for c in must if c not in want]
    if lacking:
        kit.misuse(
            f"expect {where} gives no {lacking}: give them (None where the sample has no "
            "value); check_read compares counts and times, not only ids"
        )


def _check_expected(
    kit: _Kit,
    frames: Mapping[str, pl.DataFrame],
    expect: Mapping[str, Sequence[Mapping[str, object]]],
    timezone: str,
) -> None:
    unknown = sorted(set(expect) - set(schema.PRODUCED))
    if unknown:
        kit.misuse(f"expect names {unknown}; expected frames among {list(schema.PRODUCED)}")
    specs = plugins.registry().networks
    problems: list[str] = []
    for table in schema.PRODUCED:
        columns = schema.PRODUCED[table][0]
        got = frames.get(table)
        rows = [] if got is None else got.rows(named=True)
        used: dict[int, int] = {}
        for n, want in enumerate(expect.get(table, ())):
            where = f"{table}[{n}]"
            bad = sorted(set(want) - set(columns))
            if bad:
                kit.misuse(f"expect {where} names column(s) {bad}; {table} has {list(columns)}")
            _check_gives(kit, where, want, _MUST_GIVE[table])
            want = {c: _expected_value(kit, table, c, v, where) for c, v in want.items()}
            keys = [c for c in ROW_KEYS[table] if c in want]
            found = [
                i for i, r in enumerate(rows) if all(not _differs(want[c], r[c]) for c in keys)
            ]
            label = _row_label(table, want)
            if not found:
                problems.append(f"{label} expected, not read")
                continue
            if len(found) > 1:
                kit.misuse(
                    f"expect {where} matches {len(found)} {table} rows read; give more of the "
                    f"key columns {list(ROW_KEYS[table])}"
                )
            if found[0] in used:
                kit.misuse(f"expect {where} and {table}[{used[found[0]]}] are the same row")
            used[found[0]] = n
            row = rows[found[0]]
            if table == "posts":  # every count the row's network provides
                spec = specs.get(str(row["network"]))
                provided = () if spec is None else spec.provides
                _check_gives(kit, where, want, [c for c in schema.COUNT_COLUMNS if c in provided])
            for col, value in want.items():
                if col in ROW_KEYS[table] and col in keys:
                    continue
                if _differs(value, row[col]):
                    problems.append(f"{label}, {_difference(col, value, row[col], timezone)}")
            if table == "posts":
                # a count the network does not provide is NULL, whatever expect leaves out
                for col in schema.COUNT_COLUMNS:
                    if col not in want and row[col] is not None:
                        problems.append(
                            f"{label}, column {col!r}: expected NULL (its network does not "
                            f"provide it, and expect gives no value), got {row[col]!r}"
                        )
        for i, row in enumerate(rows):
            if i not in used:
                problems.append(f"{_row_label(table, row)} read, not expected")
    if problems:
        more = f"\n  … and {len(problems) - _SHOWN} more" if len(problems) > _SHOWN else ""
        kit.fail(
            f"{len(problems)} difference(s) from expect:\n  "
            + "\n  ".join(problems[:_SHOWN])
            + more
        )


def _cut(data: bytes) -> int:
    """Where to cut a member "in the middle" so that the cut is detectable: inside the line
    holding the middle byte, just after its first character (a record that lost its
    fields: a CSV row cut in its last field would read as a shorter value), or at the
    middle byte of a one-line file; never inside a UTF-8 character."""
    mid = len(data) // 2
    start = data.rfind(b"\n", 0, mid) + 1
    while 0 < start < len(data) and data[start : start + 1] in (b"\n", b"\r"):
        start += 1  # blank lines: the next record
    cut = start + 1 if 0 < start < len(data) - 1 else max(mid, 1)
    while 0 < cut < len(data) and data[cut] & 0xC0 == 0x80:
        cut += 1
    return cut


def truncated_copy(
    sample: Path, folder: Path, member: str | None = None
) -> tuple[Path, str, int, int]:
    """A copy of ``sample`` in ``folder`` with one member cut in the middle (see
    :func:`_cut`): the file itself, else ``member`` of a folder or zip (default: the
    largest). Returns the copy, the member cut, the bytes kept and the member's size."""
    dest = folder / sample.name
    if sample.is_dir():
        shutil.copytree(sample, dest)
        names = [p.relative_to(dest).as_posix() for p in sorted(dest.rglob("*")) if p.is_file()]
        name = member or max(names, key=lambda n: (dest / n).stat().st_size)
        if name not in names:
            raise ValueError(f"{sample} has no file {name!r} to cut; it has {names}")
        target = dest / name
        data = target.read_bytes()
        cut = _cut(data)
        stat = target.stat()
        target.write_bytes(data[:cut])
        os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        return dest, name, cut, len(data)
    if zipfile.is_zipfile(sample):
        with (
            zipfile.ZipFile(sample) as zin,
            zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout,
        ):
            infos = [i for i in zin.infolist() if not i.is_dir()]
            name = member or max(infos, key=lambda i: i.file_size).filename
            if name not in {i.filename for i in infos}:
                raise ValueError(
                    f"{sample} has no member {name!r} to cut; it has {[i.filename for i in infos]}"
                )
            cut = size = 0
            for info in zin.infolist():
                data = zin.read(info)
                if info.filename == name:
                    cut, size = _cut(data), len(data)
                    data = data[:cut]
                zout.writestr(info, data)
        shutil.copystat(sample, dest)
        return dest, name, cut, size
    data = sample.read_bytes()
    cut = _cut(data)
    dest.write_bytes(data[:cut])
    shutil.copystat(sample, dest)
    return dest, sample.name, cut, len(data)


def _check_notes(kit: _Kit, got: list[str], want: Sequence[str]) -> None:
    """Each note read holds one of ``want``'s texts, each text is in one note."""
    if isinstance(want, str):
        kit.misuse("notes must be a sequence of texts, not one text")
    left = list(got)
    for part in want:
        found = next((n for n in left if part in n), None)
        if found is None:
            kit.fail(f"no note says {part!r}; notes read: {got!r}")
        left.remove(found)
    if left:
        kit.fail(f"notes not expected: {left!r}")


def _check_truncated(kit: _Kit, ctx_args: dict[str, Any], member: str | None) -> None:
    with tempfile.TemporaryDirectory(prefix="engage-kit-cut-") as tmp:
        copy, name, cut, size = truncated_copy(kit.sample, Path(tmp), member)
        what = f"a copy of the sample with {name} cut at byte {cut:,} of {size:,}"
        src = Source.open(copy)
        try:
            with tempfile.TemporaryDirectory(prefix="engage-kit-") as scratch:
                ctx = ReadContext(**ctx_args, scratch=Path(scratch))
                try:
                    batch = kit.importer.read(src, ctx)
                except FormatError as exc:
                    if PurePosixPath(name).name not in str(exc) and copy.name not in str(exc):
                        kit.fail(f"{what}: refused, but the FormatError names no file: {exc}")
                    return
                except EngageError as exc:
                    kit.fail(
                        f"{what}: refused with {type(exc).__name__} ({exc}); expected a "
                        "FormatError naming the file"
                    )
                except Exception as exc:
                    kit.fail(
                        f"{what}: crashed ({exc!r}); expected a FormatError naming the file and "
                        "what was expected"
                    )
        finally:
            src.close()
        rows = batch.rows() if isinstance(batch, Batch) else 0
        hint = ""
        if member is None and name != kit.sample.name:
            hint = f"; if the importer never reads {name}, name the member to cut: truncate=..."
        kit.fail(
            f"{what}: accepted ({rows} rows read); a file cut short must be refused with a "
            "FormatError naming the file (a truncated download would import part of the data "
            f"silently){hint}"
        )


def check_read(
    importer: Importer,
    sample: str | Path,
    *,
    expect: Mapping[str, Sequence[Mapping[str, object]]],
    timezone: str | None = None,
    account: str | None = None,
    options: Mapping[str, Any] | None = None,
    truncate: str | None = None,
    notes: Sequence[str] | None = None,
) -> dict[str, pl.DataFrame]:
    """Read ``sample`` with ``importer`` as ``engage ingest`` does and compare what it reads
    with ``expect``; return the frames read (validated, by table name).

    ``expect`` maps a frame (``"accounts"``, ``"posts"``, ``"follower_snapshots"``,
    ``"audience_age"``) to the rows the sample holds, each a mapping column → value. Rows are
    matched to the rows read by the key columns they give (:data:`ROW_KEYS`: ``post_id`` for
    posts, ``account_id`` and ``observed_at`` for follower snapshots, …); only the columns
    given are compared, except that a posts row must give ``posted_at`` and every count its
    network ``provides`` (``None`` where the sample has no value), and a count it does not
    give must be NULL. Times are aware datetimes or ISO 8601 texts with an offset
    (``"2024-03-04T08:30:00Z"``). A frame ``expect`` does not name must be absent or empty.

    ``timezone`` (default: ``ReadContext``'s, Europe/Paris) and ``account`` are what the user
    would give ``engage ingest`` (``--timezone``, ``--account``); ``options`` the rest of
    ``ReadContext.options``. ``truncate`` names the member of a folder or zip sample to cut
    (default: the largest). ``notes`` (default: not compared): the notes the read gives
    (``Batch.notes``), each given as a part of its text (``"'--'"``), one per note, in any
    order; ``()``: none.

    Asserts, in this order (each failure an ``AssertionError`` naming the importer, the
    sample, the frame, the row, the column, and what was expected and got):

    1. ``detect`` claims the sample (confidence at least 0.5, what ``engage ingest`` needs);
    2. ``read`` returns a :class:`Batch` without raising, and every frame passes the store's
       validation (columns, types: times timezone-aware UTC, counts Int64; keys not null;
       plausible values);
    3. every row's network is registered and declared by the importer (``networks``);
    4. no row is read twice (same key);
    5. every account a row names (posts, follower snapshots, audience age) has its row in the
       accounts frame (a batch without one leaves the account without handle or museum);
    6. a second read gives the same frames (no clock, no random ids) and the same notes;
       every note is one line of text (``Batch.notes``);
    7. the rows read are exactly those of ``expect``, with its values: counts equal, NULL
       where ``None`` (never 0), times the same instants (an offset of whole quarter-hours
       is named as a local time stored as UTC); the notes those of ``notes`` when given;
    8. a copy of the sample cut in the middle (the member's line holding its middle byte,
       just after its first character) is refused with a ``FormatError`` naming the file.

    A mistake in ``expect`` itself (an unknown frame or column, a row matching several rows
    read, a time without zone, a missing count) raises ``ValueError``.
    """
    path = Path(sample)
    kit = _Kit(importer, path)
    if not path.exists():
        kit.misuse("no such file or folder")
    tz = timezone if timezone is not None else ReadContext().timezone
    opts: dict[str, Any] = dict(options or {})
    if account is not None:
        opts["account"] = account
    ctx_args: dict[str, Any] = {"timezone": tz, "options": opts}

    src = Source.open(path)
    try:
        conf = importer.detect(src)
    except EngageError as exc:
        kit.fail(f"detect refused it: {exc}")
    finally:
        src.close()
    if not conf >= CLAIM:
        kit.fail(
            f"detect gives its own sample confidence {conf!r}; engage ingest needs at least "
            f"{CLAIM} to choose the importer"
        )
    first = _read_frames(kit, path, ctx_args, "read")
    _check_networks(kit, first)
    _check_keys(kit, first)
    _check_accounts(kit, first)
    second = _read_frames(kit, path, ctx_args, "second read")
    _check_same(kit, first, second)
    if kit.notes["read"] != kit.notes["second read"]:
        kit.fail(
            f"a second read gives other notes: {kit.notes['second read']!r} after "
            f"{kit.notes['read']!r}"
        )
    _check_expected(kit, first, expect, tz)
    if notes is not None:
        _check_notes(kit, kit.notes["read"], notes)
    _check_truncated(kit, ctx_args, truncate)
    return first


@pytest.fixture
def foreign_file(tmp_path: Path) -> Iterator[Path]:
    """A small French text file (``notes.txt``) no importer should claim."""
    p = tmp_path / "notes.txt"
    p.write_text("Liste de courses : pain, fromage.\n", encoding="utf-8")
    yield p
