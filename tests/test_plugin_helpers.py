"""The shared helpers of ``engagecore.plugin`` (issue 10, item 5), and that every plugin
uses them: when a response was observed, ranged copies, folding, choosing the importer,
read errors as FormatErrors."""

from __future__ import annotations

import io
import json
import os
import random
import tracemalloc
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest

import engagecore
from engagecore import plugins
from engagecore.errors import DetectionError, FormatError
from engagecore.plugin import (
    OBSERVED_AT_KEY,
    Batch,
    Importer,
    ReadContext,
    RegistryReader,
    Source,
    api_time,
    choose_importer,
    copy_range,
    detect_each,
    fold,
    hookimpl,
    member_files,
    modified_at,
    observed_at,
    parse_observed_at,
    read_errors,
)
from engagecore.testing import check_demo_roundtrip

FIXTURES = Path(__file__).resolve().parent / "fixtures"

# -- observed_at --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-06-01T10:00:00Z", datetime(2024, 6, 1, 10, tzinfo=UTC)),
        ("2024-06-01T12:00:00+02:00", datetime(2024, 6, 1, 10, tzinfo=UTC)),
        ("2024-06-01T12:00:00+0200", datetime(2024, 6, 1, 10, tzinfo=UTC)),
        ("2024-06-01T10:00:00", datetime(2024, 6, 1, 10, tzinfo=UTC)),  # naive is UTC
        ("2024-06-01", datetime(2024, 6, 1, tzinfo=UTC)),
        (" 2024-06-01T10:00:00.250000Z ", datetime(2024, 6, 1, 10, 0, 0, 250000, tzinfo=UTC)),
    ],
)
def test_parse_observed_at_reads_iso_8601_as_utc(value: str, expected: datetime) -> None:
    got = parse_observed_at(value, "page.json")
    assert got == expected and got is not None and got.utcoffset() is not None
    assert got.tzinfo == UTC


@pytest.mark.parametrize(
    "value", ["yesterday", "", 1717236000, ["2024-06-01"], "0001-01-01T00:00:00+01:00"]
)
def test_a_bad_observed_at_is_a_format_error_naming_the_file(value: object) -> None:
    with pytest.raises(
        FormatError, match=r"^page\.json: expected engagecore_observed_at as an ISO"
    ):
        parse_observed_at(value, "page.json")


def test_observed_at_falls_back_on_the_files_modification_time(tmp_path: Path) -> None:
    path = tmp_path / "page.json"
    path.write_text("{}")
    os.utime(path, ns=(1_717_236_000_123_456_000, 1_717_236_000_123_456_000))
    src = Source.open(path)
    expected = datetime(2024, 6, 1, 10, 0, 0, 123456, tzinfo=UTC)
    assert observed_at(src, None, {}) == expected == modified_at(src)
    assert observed_at(src, path.name, None) == expected  # no document: the time too
    doc = {OBSERVED_AT_KEY: "2024-01-02T03:04:05Z"}
    assert observed_at(src, path.name, doc) == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    with pytest.raises(FormatError, match=r"page\.json: expected engagecore_observed_at"):
        observed_at(src, None, {OBSERVED_AT_KEY: "soon"})


def test_a_zip_members_time_is_the_zips(tmp_path: Path) -> None:
    archive = tmp_path / "dump.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("data/page.json", "{}")
    os.utime(archive, (1_700_000_000.5, 1_700_000_000.5))
    src = Source.open(archive)
    try:
        expected = datetime.fromtimestamp(1_700_000_000.5, UTC)
        assert modified_at(src, "data/page.json") == expected
        with pytest.raises(FormatError, match=r"dump\.zip:data/page\.json: expected"):
            observed_at(src, "data/page.json", {OBSERVED_AT_KEY: 12})
    finally:
        src.close()


def _set(doc: Any, value: str | None) -> Any:
    doc = dict(doc)
    doc.pop(OBSERVED_AT_KEY, None)
    if value is not None:
        doc = {OBSERVED_AT_KEY: value, **doc}
    return doc


#: A saved API response of each network whose observed_at lands in follower_snapshots.
RESPONSES = [
    ("x-api", FIXTURES / "x" / "api" / "user.json"),
    ("facebook-graph", FIXTURES / "facebook" / "graph" / "page.json"),
    ("instagram-graph", FIXTURES / "instagram" / "graph" / "business_discovery.json"),
    ("youtube-data-api", FIXTURES / "youtube" / "channels_list.json"),
]


def _snapshot_times(importer: str, path: Path, ctx: ReadContext) -> set[datetime]:
    imp = plugins.registry().importers[importer]
    src = Source.open(path)
    try:
        batch = imp.read(src, ctx)
    finally:
        src.close()
    assert batch.follower_snapshots is not None
    return set(batch.follower_snapshots["observed_at"].to_list())


@pytest.mark.parametrize(("importer", "fixture"), RESPONSES)
def test_every_api_importer_reads_observed_at_alike(
    importer: str, fixture: Path, tmp_path: Path
) -> None:
    path = tmp_path / fixture.name
    doc = json.loads(fixture.read_text(encoding="utf-8"))
    # naive: UTC, whatever the user's time zone
    path.write_text(json.dumps(_set(doc, "2024-03-01T10:00:00")), encoding="utf-8")
    ctx = ReadContext(timezone="America/New_York")
    assert _snapshot_times(importer, path, ctx) == {datetime(2024, 3, 1, 10, tzinfo=UTC)}
    # absent: the file's time, to the microsecond
    path.write_text(json.dumps(_set(doc, None)), encoding="utf-8")
    os.utime(path, ns=(1_709_287_200_654_321_000, 1_709_287_200_654_321_000))
    mtime = datetime(2024, 3, 1, 10, 0, 0, 654321, tzinfo=UTC)
    assert _snapshot_times(importer, path, ctx) == {mtime}
    # invalid: one line naming the file
    path.write_text(json.dumps(_set(doc, "le 1er mars")), encoding="utf-8")
    with pytest.raises(FormatError) as info:
        _snapshot_times(importer, path, ctx)
    assert str(info.value).startswith(f"{path}: expected engagecore_observed_at as an ISO")
    assert "\n" not in str(info.value)


# -- copy_range ---------------------------------------------------------------------------


def _data(size: int) -> bytes:
    return bytes(range(256)) * (size // 256) + bytes(range(size % 256))


def test_copy_range_copies_exactly_the_range_to_a_path_or_a_stream(tmp_path: Path) -> None:
    data = _data(9 * 1024 * 1024 + 77)  # more than two buffers
    src = tmp_path / "big.json"
    src.write_bytes(data)
    out = tmp_path / "out.json"
    start, end = 1000, len(data) - 5
    assert copy_range(src, out, start, end) == end - start
    assert out.read_bytes() == data[start:end]
    buf = io.BytesIO(b"head:")
    buf.seek(0, io.SEEK_END)
    assert copy_range(Source.open(src), buf, 3, 10) == 7  # a Source, its own member
    assert buf.getvalue() == b"head:" + data[3:10]
    assert copy_range(src, out, 10) == len(data) - 10  # to the end
    assert out.read_bytes() == data[10:]
    assert copy_range(src, out, len(data) + 5) == 0  # past the end: nothing
    assert out.read_bytes() == b""
    with pytest.raises(ValueError, match="bad byte range"):
        copy_range(src, out, 10, 5)


def test_copy_range_appends_after_what_an_open_file_holds(tmp_path: Path) -> None:
    src = tmp_path / "a.bin"
    src.write_bytes(_data(5000))
    with (tmp_path / "b.bin").open("wb") as fh:
        fh.write(b"prefix")  # buffered, not yet on disk: must come first all the same
        copy_range(src, fh, 100, 4100)
        fh.write(b"suffix")
    assert (tmp_path / "b.bin").read_bytes() == b"prefix" + _data(5000)[100:4100] + b"suffix"


def test_copy_range_finishes_in_user_space_when_the_kernel_copy_stops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _data(300_000)
    src = tmp_path / "a.bin"
    src.write_bytes(data)
    real = os.copy_file_range
    calls: list[int] = []

    def flaky(fd_in: int, fd_out: int, count: int, offset_src: int | None = None) -> int:
        calls.append(count)
        if len(calls) > 1:
            raise OSError(18, "Invalid cross-device link")
        return real(fd_in, fd_out, min(count, 1234), offset_src)

    monkeypatch.setattr(os, "copy_file_range", flaky, raising=False)
    out = tmp_path / "b.bin"
    assert copy_range(src, out, 7, 250_007) == 250_000
    assert out.read_bytes() == data[7:250_007]
    assert calls  # the kernel was asked first


def test_copy_range_streams_a_zip_member_without_holding_it(tmp_path: Path) -> None:
    data = random.Random(7).randbytes(16 * 1024 * 1024)  # no zip bomb: incompressible
    archive = tmp_path / "dump.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("posts.json", data)
    src = Source.open(archive)
    out = tmp_path / "slice.bin"
    try:
        tracemalloc.start()
        copied = copy_range(src, out, 3_000_000, 13_000_000, name="posts.json")
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    finally:
        src.close()
    assert copied == 10_000_000
    assert out.read_bytes() == data[3_000_000:13_000_000]
    assert peak < 8 * 1024 * 1024  # a few buffers, not the 10 MB range nor the member


def test_copy_range_into_a_pipe(tmp_path: Path) -> None:
    src = tmp_path / "a.bin"
    src.write_bytes(_data(10_000))
    r, w = os.pipe()
    with os.fdopen(w, "wb", buffering=0) as out:
        assert copy_range(src, out, 2, 4002) == 4000
    with os.fdopen(r, "rb") as fh:
        assert fh.read() == _data(10_000)[2:4002]


# -- fold ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Réactions", "REACTIONS"),
        ("  Comptes   touchés : ", "comptes touches :"),
        ("Mentions J’aime", "mentions j'aime"),
        ("Mentions J‘aime", "Mentions J`aime"),
        ("\ufeffPost ID", "post id"),
        ("Straße", "STRASSE"),
        ("Portée", "portee"),
    ],
)
def test_fold_matches_labels_across_case_accents_and_apostrophes(a: str, b: str) -> None:
    assert fold(a) == fold(b)


def test_fold_is_lowercase_trimmed_and_keeps_other_characters() -> None:
    assert fold("  Vidéo\u00a0IG  ") == "video ig"
    assert fold("Heure de publication") == "heure de publication"
    assert fold("Reach") != fold("Reach (paid)")


def test_plugins_match_headers_and_labels_with_the_shared_fold() -> None:
    from engage_facebook.business_csv import fields
    from engage_facebook.common import kind_of_label
    from engage_instagram.export.labels import label_key

    assert fields(["IDENTIFIANT DE LA PUBLICATION", "Réactions", "Mentions J’aime"]) == {
        "post_id": "IDENTIFIANT DE LA PUBLICATION",
        "reactions": "Réactions",
        "likes": "Mentions J’aime",
    }
    assert kind_of_label("RÉEL VIDÉO") == "reel"
    assert label_key("Comptes  Touchés :") == fold("comptes touches")


# -- choosing the importer ----------------------------------------------------------------


class _Claims(Importer):
    """An importer of the Facebook network claiming every .json file it is shown."""

    network = "facebook"
    description = "test"

    def __init__(self, name: str, confidence: float) -> None:
        self.name = name
        self.confidence = confidence

    def detect(self, source: Source) -> float:
        return self.confidence if source.name.endswith(".json") else 0.0

    def read(self, source: Source, ctx: ReadContext) -> Batch:  # pragma: no cover
        return Batch()


def _file(tmp_path: Path) -> Source:
    p = tmp_path / "page.json"
    p.write_text("{}")
    return Source.open(p)


def test_choose_importer_takes_the_highest_claim(tmp_path: Path) -> None:
    a, b, c = _Claims("a", 0.9), _Claims("b", 0.8), _Claims("c", 0.0)
    src = _file(tmp_path)
    assert choose_importer(src, [b, c, a]) == (a, 0.9)
    assert choose_importer(src, [_Claims("weak", 0.4)]) is None
    assert choose_importer(src, [_Claims("weak", 0.4)], claim=0.0) is not None
    assert choose_importer(src, [c]) is None


@pytest.mark.parametrize("order", [0, 1])
def test_a_tie_at_the_top_is_an_error_naming_both_in_either_order(
    tmp_path: Path, order: int
) -> None:
    pair = [_Claims("first", 0.9), _Claims("second", 0.87), _Claims("far", 0.5)]
    if order:
        pair = pair[::-1]
    with pytest.raises(DetectionError) as info:
        choose_importer(_file(tmp_path), pair, how="choose one")
    assert str(info.value) == (
        f"{tmp_path / 'page.json'}: several importers claim it (first, second); choose one"
    )


class _SameRegistry(RegistryReader):
    description = "test"

    def __init__(self, name: str) -> None:
        self.name = name

    def detect(self, source: Source) -> float:
        return 0.95 if source.name == "museofile.csv" else 0.0

    def read(self, source: Source) -> pl.DataFrame:  # pragma: no cover
        raise AssertionError("a tie must not be read")


class _TwoRegistryReaders:
    @staticmethod
    @hookimpl
    def register_registry_readers(register: Callable[[RegistryReader], None]) -> None:
        register(_SameRegistry("registry-copy-a"))
        register(_SameRegistry("registry-copy-b"))


def test_the_registry_import_refuses_a_tie_as_ingest_does(tmp_path: Path) -> None:
    plugins.get_plugin_manager().register(_TwoRegistryReaders(), name="two-readers")
    eng = engagecore.open(tmp_path / "t.duckdb")
    try:
        with pytest.raises(DetectionError) as info:
            eng.import_registry(FIXTURES / "registry" / "museofile.csv")
        message = str(info.value)
        assert "several registry readers claim it" in message
        assert "registry-copy-a" in message and "registry-copy-b" in message
        assert "museofile-base" in message  # the built-in reader is tied at the top too
        assert eng.museums.list().height == 0  # nothing stored
    finally:
        eng.close()


class _GreedyFacebook(Importer):
    name = "facebook-greedy"
    network = "facebook"
    description = "test"

    def detect(self, source: Source) -> float:
        real = plugins.registry().importers["facebook-graph"]
        return float(real.detect(source))  # exactly as sure as the real one

    def read(self, source: Source, ctx: ReadContext) -> Batch:  # pragma: no cover
        raise AssertionError("a tie must not be read")


class _Greedy:
    @staticmethod
    @hookimpl
    def register_importers(register: Callable[[Importer], None]) -> None:
        register(_GreedyFacebook())


def test_the_test_kit_refuses_a_tie_as_ingest_does(tmp_path: Path) -> None:
    plugins.get_plugin_manager().register(_Greedy(), name="greedy")
    with pytest.raises(DetectionError, match=r"several importers claim it \(.*facebook-greedy"):
        check_demo_roundtrip("facebook", tmp_path / "demo")
    # and engage ingest says the same of the same files
    with pytest.raises(DetectionError, match=r"several importers claim it \(.*facebook-greedy"):
        engagecore.open(tmp_path / "t.duckdb").ingest(sorted((tmp_path / "demo").iterdir())[:1])


# -- read errors --------------------------------------------------------------------------


def _raise(exc: BaseException) -> None:
    raise exc


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda: json.loads('{"a": }'), r"not valid JSON \(line 1, column 7: Expecting value\)"),
        (lambda: b"caf\xe9 au lait".decode("utf-8"), r"not utf-8 text \(invalid continuation"),
        (lambda: pl.read_csv(io.StringIO("")), r"empty"),
        (lambda: pl.read_csv(io.StringIO("a,b\n1,2,3\n")), r"found more fields"),
        (lambda: duckdb.sql("SELECT CAST('x' AS INTEGER)").fetchall(), r"Conversion Error"),
        (lambda: _raise(__import__("csv").Error("field larger than field limit")), r"field larger"),
    ],
)
def test_read_errors_become_one_line_format_errors_naming_the_file(
    make: Callable[[], object], reason: str
) -> None:
    with pytest.raises(FormatError) as info, read_errors("export.csv", "a posts CSV", "row 3"):
        make()
    message = str(info.value)
    assert message.startswith("export.csv, record row 3: expected a posts CSV (")
    assert __import__("re").search(reason, message), message
    assert "\n" not in message and len(message) < 320
    assert info.value.__cause__ is not None  # the cause stays chained


def test_read_errors_leaves_bugs_format_errors_and_interrupts_alone() -> None:
    with pytest.raises(KeyError), read_errors("a.csv", "x"):
        _raise(KeyError("column"))
    original = FormatError("a.csv", "expected something precise", 4)
    with pytest.raises(FormatError) as info, read_errors("a.csv", "x"):
        raise original
    assert info.value is original
    with pytest.raises(duckdb.InterruptException), read_errors("a.csv", "x"):
        _raise(duckdb.InterruptException("INTERRUPT Error: Interrupted!"))
    with pytest.raises(duckdb.OutOfMemoryException), read_errors("a.csv", "x"):
        _raise(duckdb.OutOfMemoryException("Out of Memory Error"))


def test_a_broken_parquet_template_is_a_format_error(tmp_path: Path) -> None:
    path = tmp_path / "posts.parquet"
    path.write_bytes(b"PAR1" + b"\x00" * 64 + b"PAR1")
    imp = plugins.registry().importers["spreadsheet"]
    with pytest.raises(
        FormatError, match=r"posts\.parquet: expected a CSV or Parquet post template \("
    ):
        imp.read(Source.open(path), ReadContext())


# --- detect_each / member_files ------------------------------------------------------------


def test_detect_each_takes_the_lowest_member_and_stops_at_the_first_zero(tmp_path: Path) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    for name in ("a.json", "b.json", "c.json", "d.json"):
        (folder / name).write_text("{}", encoding="utf-8")
    scores = {"a.json": 0.9, "b.json": 0.7, "c.json": 0.0, "d.json": 0.95}
    asked: list[str] = []

    def member(source: Source, name: str) -> float:
        asked.append(name)
        return scores[name]

    src = Source.open(folder)
    assert detect_each(src, member) == 0.0
    assert asked == ["a.json", "b.json", "c.json"]  # d.json never read
    scores["c.json"] = 0.8
    asked.clear()
    assert detect_each(src, member) == 0.7 and len(asked) == 4
    (folder / "notes.txt").write_text("x", encoding="utf-8")  # another kind of file: 0
    assert detect_each(Source.open(folder), member) == 0.0
    # a plain file is its own member, whatever its name
    plain = tmp_path / "page.txt"
    plain.write_text("{}", encoding="utf-8")
    assert detect_each(Source.open(plain), lambda s, n: 0.6) == 0.6


def test_member_files_are_the_suffixed_members_or_a_one_line_error(tmp_path: Path) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "page.json").write_text("{}", encoding="utf-8")
    (folder / "notes.txt").write_text("x", encoding="utf-8")
    assert member_files(Source.open(folder), "pages") == ["page.json"]
    plain = tmp_path / "page.txt"
    plain.write_text("{}", encoding="utf-8")
    assert member_files(Source.open(plain), "pages") == ["page.txt"]
    (folder / "page.json").unlink()
    with pytest.raises(FormatError, match=r"pages: expected getProfile responses \(\*\.json\)"):
        member_files(Source.open(folder), "getProfile responses (*.json)")


def test_api_time_reads_zones_and_gives_none_for_what_is_not_a_time() -> None:
    z = datetime(2025, 6, 17, 7, 2, 41, 877000, tzinfo=UTC)
    assert api_time("2025-06-17T07:02:41.877Z") == z
    assert api_time("2025-06-17T09:02:41.877+02:00") == z
    assert api_time("2025-06-17T07:02:41.877") == z  # no zone: UTC
    assert api_time("2026-04-06T17:50:09+0000") == datetime(2026, 4, 6, 17, 50, 9, tzinfo=UTC)
    for bad in (None, "", "yesterday", 1718611361, "2025-13-01T00:00:00Z"):
        assert api_time(bad) is None
