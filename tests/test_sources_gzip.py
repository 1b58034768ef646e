"""A gzip file's size told without inflating it twice (issue 11 point 10): its trailer's
length trusted only to say "larger", a smaller one checked by inflating at most the limit,
and a content that fits inflated once for the read that follows."""

from __future__ import annotations

import gzip
import io
import json
import random
from pathlib import Path

import pytest
from engage_youtube import YouTubeDataApiImporter
from hypothesis import given, settings
from hypothesis import strategies as st

from engagecore import ingest, sources
from engagecore.errors import FormatError
from engagecore.jsonstream import JsonStream
from engagecore.plugin import Batch, Importer, ReadContext
from engagecore.sources import Source
from engagecore.store import Store

LIMIT = 1000


def _gz(path: Path, data: bytes) -> Source:
    path.write_bytes(gzip.compress(data))
    return Source.open(path)


def _isize(path: Path) -> int:
    return int.from_bytes(path.read_bytes()[-4:], "little")


def test_a_small_gzip_file_is_inflated_once_for_its_size_and_its_read(tmp_path: Path) -> None:
    path = tmp_path / "page.json.gz"
    source = _gz(path, b'{"a": 1}')
    assert not JsonStream.larger(source, "page.json", LIMIT)
    path.unlink()  # the read takes the content inflated to tell the size
    assert source.read_json("page.json") == {"a": 1}
    with pytest.raises(FileNotFoundError):  # given once, not kept
        source.read_bytes("page.json")


def test_a_gzip_file_larger_than_the_limit_is_told_from_its_trailer(tmp_path: Path) -> None:
    path = tmp_path / "big.json.gz"
    source = _gz(path, b"x" * (LIMIT + 1))
    assert _isize(path) == LIMIT + 1
    assert source.inflates_past(LIMIT)
    with source.stream("big.json") as fh:  # nothing kept: read from the file
        assert len(fh.read()) == LIMIT + 1


def test_a_multi_member_gzip_whose_last_member_is_small_is_still_larger(tmp_path: Path) -> None:
    path = tmp_path / "two.json.gz"
    path.write_bytes(gzip.compress(b"x" * (3 * LIMIT)) + gzip.compress(b"y"))
    assert _isize(path) == 1  # the trailer gives the last member's length only
    source = Source.open(path)
    assert JsonStream.larger(source, "two.json", LIMIT)
    assert len(source.read_bytes("two.json")) == 3 * LIMIT + 1


def test_a_trailer_that_understates_the_size_is_not_trusted(tmp_path: Path) -> None:
    # as a content over 4 GiB gives: its length modulo 2**32, here 10
    path = tmp_path / "wrapped.json.gz"
    # (more than one read buffer of 64 KiB: the count stops before the trailer is checked)
    data = bytearray(gzip.compress(b"x" * (1 << 20)))
    data[-4:] = (10).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    source = Source.open(path)
    assert JsonStream.larger(source, "wrapped.json", LIMIT)  # at most LIMIT + 1 inflated
    with pytest.raises(FormatError, match="damaged gzip file"):
        source.read_bytes("wrapped.json")  # read to its end, its length does not match


def test_a_trailer_that_overstates_the_size_leads_to_a_read_that_refuses_it(
    tmp_path: Path,
) -> None:
    path = tmp_path / "lies.json.gz"
    data = bytearray(gzip.compress(b'{"a": 1}'))
    data[-4:] = (1 << 31).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    source = Source.open(path)
    assert JsonStream.larger(source, "lies.json", LIMIT)  # streamed, then:
    with pytest.raises(FormatError, match="damaged gzip file"), source.stream("lies.json") as fh:
        fh.read()


@pytest.mark.parametrize("trailer", [10, 1 << 31])
def test_a_cut_gzip_file_is_refused_naming_it_whatever_its_last_bytes_say(
    tmp_path: Path, trailer: int
) -> None:
    path = tmp_path / "cut.json.gz"
    path.write_bytes(gzip.compress(b'{"a": 1}' * 50)[:-8] + trailer.to_bytes(4, "little"))
    source = Source.open(path)
    assert JsonStream.larger(source, "cut.json", LIMIT) is (trailer > LIMIT)
    with pytest.raises(FormatError, match=r"cut\.json\.gz.*damaged gzip file"):
        source.read_json("cut.json")
    with (
        pytest.raises(FormatError, match=r"cut\.json\.gz.*damaged gzip file"),
        source.stream("cut.json") as fh,
    ):
        fh.read()


def _listing(**extra: object) -> dict[str, object]:
    return {
        "kind": "youtube#playlistItemListResponse",
        "items": [{"kind": "youtube#playlistItem", "contentDetails": {"videoId": "v1"}}],
        **extra,
    }


@pytest.mark.parametrize(
    ("doc", "claimed"),
    [
        (_listing(engagecore_observed_at="2024-05-01T00:00:00+00:00"), 0.9),
        (_listing(), 0.0),
        # the field inside an item, or not last: not a page engage fetch saved
        (_listing(items=[{"engagecore_observed_at": "2024-05-01T00:00:00Z"}]), 0.0),
        ({**_listing(engagecore_observed_at="2024-05-01T00:00:00Z"), "etag": "x"}, 0.0),
    ],
)
@pytest.mark.parametrize("name", ["page.json", "page.json.gz"])
def test_a_fetched_listing_is_told_from_its_last_bytes(
    tmp_path: Path, doc: dict[str, object], claimed: float, name: str
) -> None:
    path = tmp_path / name
    text = json.dumps(doc, indent=1).encode() + b"\n"
    path.write_bytes(gzip.compress(text) if name.endswith(".gz") else text)
    source = Source.open(path)
    try:
        assert YouTubeDataApiImporter().detect(source) == claimed
    finally:
        source.close()


def _videos_page(n: int, description: str = "", noise: int = 0) -> bytes:
    rng = random.Random(n)
    items = [
        {
            "kind": "youtube#video",
            "id": f"v{i:010d}",
            "snippet": {
                "publishedAt": "2024-05-01T10:00:00Z",
                "channelId": "UCaaaaaaaaaaaaaaaaaaaaaa",
                "title": f"video {i}",
                "description": description + rng.randbytes(noise).hex(),
                "channelTitle": "Musée",
            },
            "statistics": {"viewCount": str(i)},
        }
        for i in range(n)
    ]
    return json.dumps({"kind": "youtube#videoListResponse", "items": items}).encode()


def _count_inflations(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The gzip files inflated (through a stream, or at once), in order."""
    opened: list[Path] = []
    real = sources._Gunzip.__init__
    at_once = sources._gunzip_at_once

    def counting(self: sources._Gunzip, path: Path, display: str) -> None:
        opened.append(path)
        real(self, path, display)

    def counting_at_once(path: Path, display: str, size: int) -> bytes | None:
        data = at_once(path, display, size)
        if data is not None:
            opened.append(path)
        return data

    monkeypatch.setattr(sources._Gunzip, "__init__", counting)
    monkeypatch.setattr(sources, "_gunzip_at_once", counting_at_once)
    return opened


def test_a_gzip_page_detected_then_read_is_inflated_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened = _count_inflations(monkeypatch)
    path = tmp_path / "page.json.gz"
    source = _gz(path, _videos_page(50, "x" * 500))
    imp = YouTubeDataApiImporter()
    assert imp.detect(source) == 0.95
    source.forget_head(keep_content=True)  # as the files read together do
    batch = imp.read(source, ReadContext(scratch=tmp_path))
    assert batch.posts is not None and batch.posts.height == 50
    assert opened == [path]  # was: once for detection, once for the read
    source.forget_head()
    with source.stream("page.json") as fh:  # nothing kept once taken: read from the file
        assert fh.read() == _videos_page(50, "x" * 500)
    assert len(opened) == 2


def test_a_larger_gzip_page_keeps_only_its_first_bytes_for_detection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "big.json.gz"
    content = _videos_page(300, "y" * 4000)
    assert len(content) > sources._GZIP_KEPT_WHOLE
    source = _gz(path, content)
    assert source.head("big.json", 100) == content[:100]
    assert source._inflated is None and source._head == content[: sources._HEAD_KEPT + 1]
    assert source.read_bytes("big.json") == content


@pytest.mark.parametrize("together", [False, True])
def test_a_damaged_gzip_page_past_its_first_bytes_is_still_refused_by_its_read(
    tmp_path: Path, together: bool
) -> None:
    # cut past the first 64 KiB inflated: detection sees a videos page, as before, and the
    # import's error names the damage (not "no importer recognised it")
    path = tmp_path / "cut.json.gz"
    whole = gzip.compress(_videos_page(200, noise=300))
    assert len(whole) > 40_000  # little compressed: cut well past the first 64 KiB inflated
    path.write_bytes(whole[:-2000])
    store = Store(tmp_path / "s.duckdb")
    try:
        with pytest.raises(FormatError, match=r"cut\.json\.gz.*damaged gzip file"):
            ingest.run(store, [path], network="youtube", together=together)
        assert store.fetchall("SELECT count(*) FROM imports") == [(0,)]
    finally:
        store.close()


def test_the_read_drops_what_detection_kept_whether_it_took_it_or_not(tmp_path: Path) -> None:
    class Unread(Importer):
        name = "unread"
        network = "youtube"

        def detect(self, source: Source) -> float:
            return 1.0

        def read(self, source: Source, ctx: ReadContext) -> Batch:
            return Batch()  # takes nothing

    source = _gz(tmp_path / "page.json.gz", _videos_page(3))
    source.head("page.json", 10)
    source.forget_head(keep_content=True)
    assert source._inflated is not None
    ingest._read(source, Unread(), ReadContext(scratch=tmp_path), "page.json.gz")
    assert source._inflated is None  # the batch's files hold no page's content


def _through_the_stream(path: Path, size: int) -> bytes | str:
    try:
        with io.BufferedReader(sources._Gunzip(path, "f.gz")) as fh:
            return fh.read(size)
    except FormatError:
        return "damaged"


def _at_once(path: Path, size: int) -> bytes | str:
    try:
        data = sources._gunzip_at_once(path, "f.gz", size)
    except FormatError as exc:
        assert str(exc).startswith("f.gz: damaged gzip file (")
        return "damaged"
    assert data is not None
    return data


_MEMBER = st.binary(max_size=3000).map(lambda b: gzip.compress(b, mtime=0))


@settings(max_examples=300, deadline=None)
@given(
    members=st.lists(_MEMBER, max_size=3),
    between=st.sampled_from([b"", b"\0", b"\0\0\0\0"]),
    damage=st.sampled_from(["none", "cut", "garbage", "crc", "length", "zeros"]),
    # past the content (up to 9,000 bytes): read to its end, as head() asks of a small page
    size=st.sampled_from([10_000, sources._GZIP_KEPT_WHOLE + 1]),
)
def test_a_small_gzip_file_inflated_at_once_reads_as_through_the_stream(
    tmp_path_factory: pytest.TempPathFactory,
    members: list[bytes],
    between: bytes,
    damage: str,
    size: int,
) -> None:
    data = bytearray(between.join(members))
    if damage == "cut" and data:
        del data[len(data) // 2 :]
    elif damage == "garbage":
        data += b"PK\x03\x04 not gzip"
    elif damage in ("crc", "length") and data:
        data[-8 if damage == "crc" else -1] ^= 0xFF
    elif damage == "zeros":
        data += b"\0" * 20
    path = tmp_path_factory.mktemp("gz") / "f.json.gz"
    path.write_bytes(bytes(data))
    assert _at_once(path, size) == _through_the_stream(path, size)


def test_a_gzip_file_inflated_at_once_stops_at_the_size_asked(tmp_path: Path) -> None:
    path = tmp_path / "two.json.gz"
    path.write_bytes(gzip.compress(b"a" * 500) + b"\0\0" + gzip.compress(b"b" * 500))
    assert sources._gunzip_at_once(path, "two", 700) == b"a" * 500 + b"b" * 200
    assert sources._gunzip_at_once(path, "two", 2000) == b"a" * 500 + b"b" * 500
    assert sources._gunzip_at_once(tmp_path / "two.json.gz", "two", 1) == b"a"


def test_a_gzip_file_too_large_to_read_at_once_goes_through_the_stream(tmp_path: Path) -> None:
    path = tmp_path / "big.json.gz"
    content = random.Random(2).randbytes(sources._GZIP_READ_AT_ONCE + 10)  # incompressible
    path.write_bytes(gzip.compress(content))
    assert sources._gunzip_at_once(path, "big", 100) is None
    assert Source.open(path).head("big.json", 100) == content[:100]
