"""Instagram's posts files read post by post (issue 15.5: peak memory ≤ 3× the largest file
whatever the input): the same batch as a whole read, in bounded memory, with the errors of a
whole read plus the record where a file breaks."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from engage_instagram import export
from engage_instagram.export import InstagramExportImporter

from engagecore import jsonstream as export_stream
from engagecore import limits
from engagecore.errors import FormatError
from engagecore.pluginapi import Batch, ReadContext
from engagecore.sources import Source

EXPORT = InstagramExportImporter()
E2025 = "dyi_2025/instagram-museedemo-2024-06-01-AbCdEf"
POSTS = "your_instagram_activity/media/posts_1.json"


@pytest.fixture
def ig(fixtures: Path) -> Path:
    return fixtures / "instagram"


def read(path: Path, **options: str) -> Batch:
    source = Source.open(path)
    try:
        return EXPORT.read(source, ReadContext(options=dict(options)))
    finally:
        source.close()


def frames(batch: Batch) -> dict[str, pl.DataFrame]:
    return {k: v for k, v in batch.frames().items()}


def _post(i: int, title: str = "Nuit des mus\u00c3\u00a9es #nuit") -> dict[str, object]:
    return {
        "media": [
            {
                "uri": f"media/posts/202001/{10**8 + i}_n_{17 * 10**15 + i}.jpg",
                "creation_timestamp": 1_500_000_000 + 60 * i,
                "media_metadata": {"photo_metadata": {"exif_data": [{"iso": 160}]}},
                "title": title,
            }
        ]
    }


def _export_with_posts(ig: Path, tmp_path: Path, text: str) -> tuple[Path, Path]:
    export_dir = tmp_path / "dyi"
    shutil.copytree(ig / E2025, export_dir)
    posts = export_dir / POSTS
    posts.write_text(text, encoding="utf-8")
    return export_dir, posts


@pytest.mark.parametrize("fixture", [E2025, "dyi_2023_fr", "dyi_2022_de", "dyi_es", "media_2019"])
def test_tiny_reads_and_chunks_give_the_batch_of_one_whole_read(
    ig: Path, fixture: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # every value split across reads (7 bytes a read: inside strings, numbers, escapes and
    # the BOM-less UTF-8 of accents) and posts kept in frames of 1: the same frames
    options = {"account": "museeorsay"} if fixture == "dyi_2023_fr" else {}
    whole = frames(read(ig / fixture, **options))
    monkeypatch.setattr(export_stream, "_READ_SIZE", 7)
    monkeypatch.setattr(export, "_CHUNK", 1)
    streamed = frames(read(ig / fixture, **options))
    assert whole.keys() == streamed.keys()
    for name, df in whole.items():
        assert streamed[name].equals(df), name
    if fixture == E2025:
        posts = streamed["posts"]
        assert posts.height == 7 and posts["likes"].null_count() < posts.height
        assert "Nuit des musées 🌙 au Musée d’Orsay ! #NuitDesMusées @museeorsay" in (
            posts["text"].to_list()
        )


def test_many_posts_keep_their_order_ids_times_and_first_copy(
    ig: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    posts = [_post(i) for i in range(23)] + [_post(3, "a second copy of post 3")]
    export_dir, _ = _export_with_posts(ig, tmp_path, json.dumps(posts, indent=2))
    monkeypatch.setattr(export, "_CHUNK", 5)
    monkeypatch.setattr(export_stream, "_READ_SIZE", 100)
    df = read(export_dir).posts
    assert df is not None
    mine = df.filter(pl.col("post_id").str.starts_with("17000000000"))
    assert mine.height == 23
    assert mine["post_id"].to_list() == [str(17 * 10**15 + i) for i in range(23)]
    assert mine["posted_at"].dt.epoch("s").to_list() == [1_500_000_000 + 60 * i for i in range(23)]
    assert set(mine["text"].to_list()) == {"Nuit des musées #nuit"}  # the first copy wins
    assert mine["hashtags"].to_list()[0] == ["nuit"]


def test_a_posts_file_cut_off_names_the_record_line_and_column(ig: Path, tmp_path: Path) -> None:
    text = json.dumps([_post(i) for i in range(5)], indent=2)
    cut = text[: text.index('"uri"', text.index("100000003"))]  # inside record 3 ... 4
    export_dir, posts = _export_with_posts(ig, tmp_path, cut)
    line = cut.count("\n") + 1
    with pytest.raises(FormatError) as info:
        read(export_dir)
    message = str(info.value)
    assert message.startswith(f"{posts}: not valid JSON in record 4 (line {line}, column ")
    assert message.count("\n") == 0
    assert json.loads(text)  # the whole file was valid


def test_a_broken_record_is_named_and_what_follows_it_is_not_read(ig: Path, tmp_path: Path) -> None:
    text = json.dumps([_post(i) for i in range(4)], indent=2)
    broken = text.replace(
        '"creation_timestamp": 1500000120,', '"creation_timestamp": 1500000120', 1
    )
    export_dir, _ = _export_with_posts(ig, tmp_path, broken)
    with pytest.raises(
        FormatError,
        match=r"posts_1\.json: not valid JSON in record 2 \(line \d+, column \d+: "
        r"Expecting ',' delimiter\)",
    ):
        read(export_dir)


def test_a_post_larger_than_the_limit_is_refused_before_it_is_read_whole(
    ig: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    posts = [_post(0), _post(1, "x" * 50_000), _post(2)]
    export_dir, _ = _export_with_posts(ig, tmp_path, json.dumps(posts))
    monkeypatch.setattr(export, "MAX_POST_CHARS", 4096)
    monkeypatch.setattr(export_stream, "_READ_SIZE", 512)
    reads: list[int] = []
    original = export_stream.JsonStream._read

    def counted(self: export_stream.JsonStream) -> str:
        reads.append(1)
        return original(self)

    monkeypatch.setattr(export_stream.JsonStream, "_read", counted)
    with pytest.raises(FormatError, match=r"posts_1\.json, record 1: a post larger than 4\.0 KiB$"):
        read(export_dir)
    assert len(reads) <= 4096 // 512 + 4  # stopped at the limit, not at the post's end (~100)


def test_a_posts_file_over_the_document_limit_is_streamed_not_refused(
    ig: Path, tmp_path: Path
) -> None:
    export_dir, posts = _export_with_posts(
        ig, tmp_path, json.dumps([_post(i) for i in range(200)], indent=2)
    )
    # every other file of the export is under 4 KiB; the posts file is ~60 KB
    with limits.using(max_document_bytes=4096):
        batch = read(export_dir)
    assert batch.posts is not None and batch.posts.height >= 200
    assert posts.stat().st_size > 40_000


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xef\xbb\xbf" + json.dumps([_post(0)]).encode(), None),
        (json.dumps([_post(0)]).encode("utf-16"), "expected UTF-8 text (UTF-16 text"),
        (json.dumps([_post(0)])[:-2].encode() + b"\xff]]", "expected UTF-8 text (invalid start"),
        (b"[" + json.dumps(_post(0)).encode() + b"] x", "not valid JSON (line 1, column"),
        (
            b"[" + b"[" * 200_000 + b"]" * 200_000 + b"]",
            "expected JSON data, found arrays or objects nested too deep",
        ),
        (b"[", "not valid JSON in record 0 (line 1, column 2: Expecting value)"),
        (b"[]", None),
    ],
    ids=["bom", "utf16", "invalid-utf8", "trailing-data", "deep", "only-bracket", "empty"],
)
def test_a_streamed_posts_file_fails_as_a_whole_read_would(
    ig: Path, tmp_path: Path, content: bytes, message: str | None
) -> None:
    export_dir = tmp_path / "dyi"
    shutil.copytree(ig / E2025, export_dir)
    (export_dir / POSTS).write_bytes(content)
    if message is None:
        batch = read(export_dir)
        assert batch.posts is not None
        return
    with pytest.raises(FormatError) as info:
        read(export_dir)
    assert str(info.value).startswith(f"{export_dir / POSTS}: {message}"), str(info.value)


def test_a_caption_with_a_lone_surrogate_is_refused_naming_the_post(
    ig: Path, tmp_path: Path
) -> None:
    text = json.dumps([_post(0), _post(1, "\\ud800 caf\\u00c3\\u00a9")]).replace("\\\\", "\\")
    export_dir, _ = _export_with_posts(ig, tmp_path, text)
    with pytest.raises(
        FormatError,
        match=r"posts_1\.json, record post 17000000000000001: caption: expected "
        r"Unicode text",
    ):
        read(export_dir)


READ_PEAK = """
import sys
from pathlib import Path
from engage_instagram.export import InstagramExportImporter
from engagecore.plugin import ReadContext, Source
from engagecore import plugins

def hwm():
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) * 1024 for line in fh if line.startswith("VmHWM"))

plugins.registry()
source = Source.open(sys.argv[1])
before = hwm()
batch = InstagramExportImporter().read(source, ReadContext(scratch=Path(sys.argv[2])))
assert batch.posts is not None and batch.posts.height > 20_000
print(before, hwm())
"""


def _read_peak(ig: Path, tmp_path: Path, count: int) -> tuple[int, int]:
    """(bytes of a posts file of ``count`` ordinary posts, the read's peak RSS above the
    interpreter's) — in a fresh process."""
    posts = ",\n".join(json.dumps(_post(i), indent=2) for i in range(count))
    folder = tmp_path / str(count)
    folder.mkdir()
    export_dir, path = _export_with_posts(ig, folder, "[\n" + posts + "\n]\n")
    out = subprocess.run(
        [sys.executable, "-c", READ_PEAK, str(export_dir), str(folder / "run")],
        capture_output=True,
        text=True,
        check=True,
    )
    before, peak = map(int, out.stdout.split())
    return path.stat().st_size, peak - before


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc (Linux)")
def test_a_posts_file_costs_less_memory_per_megabyte_than_its_size_parsed_whole(
    ig: Path, tmp_path: Path
) -> None:
    # 30,000 then 60,000 ordinary posts, pretty-printed as Meta writes them (~11 and ~21
    # MB): what each added MB of posts costs, the fixed costs (libraries' first use) aside.
    # Parsed whole, ~4.5 MB a MB (its bytes, its text, ~2.5x of Python objects, the frame);
    # read post by post, ~1.6 (the frames: 20 columns by then, NULL counts included)
    small, small_peak = _read_peak(ig, tmp_path, 30_000)
    large, large_peak = _read_peak(ig, tmp_path, 60_000)
    slope = (large_peak - small_peak) / (large - small)
    assert slope <= 2.5, f"{slope:.2f} MB of memory per MB of posts"
