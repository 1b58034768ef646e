"""A fetch's saved responses reach the import as names in their folder (``SavedFiles``), and
the import makes each file's path only when it reaches it: a 16,000-page fetch held 16,000
``Path`` objects (~7.6 MB) through its whole import (benchmarks/RESULTS.md, "Fetch (issue
11)", stop 27)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cli_run import run
from fetch_replay import YouTubeReplay, make_videos
from test_fetch_together import env  # noqa: F401 (the store and replay)

from engagecore import ingest
from engagecore.fetch import run as fetch_run
from engagecore.fetch.run import SavedFiles
from engagecore.store import Store

NOW = datetime.now(UTC).replace(microsecond=0)
pytestmark = pytest.mark.usefixtures("no_backoff")


def test_saved_files_is_a_sequence_of_paths_in_its_folder(tmp_path: Path) -> None:
    files = SavedFiles(tmp_path, ["a.json.gz", "b.json.gz", "c.json.gz"])
    assert len(files) == 3
    assert files[0] == tmp_path / "a.json.gz" and files[-1] == tmp_path / "c.json.gz"
    assert list(files) == [tmp_path / n for n in ("a.json.gz", "b.json.gz", "c.json.gz")]
    tail = files[1:]
    assert isinstance(tail, SavedFiles) and list(tail) == [tmp_path / "b.json.gz", files[2]]
    assert list(files.names) == ["a.json.gz", "b.json.gz", "c.json.gz"]
    assert all(type(n) is str for n in files.names)


class _Untouchable(Sequence[Path]):
    """A sequence of paths that fails when a path of it is made."""

    def __len__(self) -> int:
        return 3

    def __getitem__(self, i: Any) -> Any:
        raise AssertionError("a path was made")

    def __iter__(self) -> Iterator[Path]:
        raise AssertionError("the paths were iterated")


def test_recorded_paths_below_the_folder_named_never_make_the_paths(tmp_path: Path) -> None:
    # engage fetch records responses/<network>/… relative to the store's folder: the
    # arguments' own paths are never needed, so never made
    recorded = ingest._recorded_path(_Untouchable(), False, relative_to=tmp_path)
    assert recorded(str(tmp_path / "responses" / "youtube" / "x.json.gz")) == (
        "responses/youtube/x.json.gz"
    )


def test_the_import_makes_each_path_once_when_it_reaches_it(
    env: Path,  # noqa: F811
    youtube: YouTubeReplay,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db = env
    youtube.videos = make_videos(120, NOW - timedelta(hours=1))

    made: list[str] = []
    given: list[Sequence[str | Path]] = []

    class Counting(SavedFiles):
        def __getitem__(self, i: Any) -> Any:
            if isinstance(i, int):
                made.append(self.names[i])
            return super().__getitem__(i)

    real = ingest.run

    def spy(store: Store, paths: Sequence[str | Path], **kw: Any) -> ingest.IngestReport:
        given.append(paths)
        assert isinstance(paths, SavedFiles), type(paths)
        return real(store, Counting(paths.folder, paths.names), **kw)

    monkeypatch.setattr(fetch_run.ingest, "run", spy)
    code, _, err = run(["fetch", "youtube", "@museedulouvre", "--museum", "louvre"], capsys)
    assert code == 0, err
    (files,) = given
    assert isinstance(files, SavedFiles)
    on_disk = sorted(p.name for p in files.folder.glob("*.json.gz"))
    # every saved file, each once, in the order saved (channels, uploads, videos)
    assert sorted(files.names) == on_disk and len(set(files.names)) == len(on_disk) == 1 + 3 + 3
    assert made == list(files.names)  # each path made once, in order, as the import reached it
    with closing(Store(db, read_only=True)) as s:
        assert s.fetchall("SELECT count(*) FROM posts")[0][0] == 120
        assert s.fetchall("SELECT count(*) FROM imports")[0][0] == len(on_disk)


def test_names_are_packed_and_read_back_exactly() -> None:
    """A fetch's saved names, packed (:class:`Names`): each read back as written, in order,
    with indexing, slicing and accents; far smaller than a list of ``str``."""
    import sys

    from engagecore.fetch.run import Names

    written = [f"20251201T000000Z-{i:04d}.json.gz" for i in range(2_000)] + ["réponse é.json.gz"]
    names = Names(written[:10])
    names.extend(written[10:])
    assert len(names) == len(written) and list(names) == written
    assert names[0] == written[0] and names[-1] == written[-1] and names[1500] == written[1500]
    assert list(names[5:9]) == written[5:9] and list(names[::-500]) == written[::-500]
    with pytest.raises(IndexError):
        names[len(written)]
    as_list = sys.getsizeof(written) + sum(sys.getsizeof(n) for n in written)
    packed = sys.getsizeof(names._bytes) + sys.getsizeof(names._ends)
    assert packed < as_list / 2
    files = SavedFiles(tmp := Path("/x"), names)
    assert files.names is names  # held as given, not copied
    assert files[3] == tmp / written[3]
