"""A gzip file's size told without inflating it twice (issue 11 point 10): its trailer's
length trusted only to say "larger", a smaller one checked by inflating at most the limit,
and a content that fits inflated once for the read that follows."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from engage_youtube import YouTubeDataApiImporter

from engagecore.errors import FormatError
from engagecore.jsonstream import JsonStream
from engagecore.sources import Source

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
