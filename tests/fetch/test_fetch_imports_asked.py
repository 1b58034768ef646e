"""Files read together (a fetch's pages) ask the store which of them were imported, a window
of files at a time, instead of loading every import of the store; of the run itself only the
files not yet written are held. A file already imported — by an earlier run, earlier in this
run's batch, or in a batch this run wrote — is still skipped, and said so."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path
from typing import Any

import pytest
from test_fetch_batch_memory import _fresh as _store
from test_fetch_batch_memory import pages  # noqa: F401 (400 videos' saved responses)
from test_fetch_together import env  # noqa: F401 (the store and replay)

from engagecore import ingest
from engagecore.store import Store

pytestmark = pytest.mark.usefixtures("no_backoff")


def _twin(page: Path, folder: Path, name: str) -> Path:
    """The same bytes under another name (a response saved twice)."""
    folder.mkdir(parents=True, exist_ok=True)
    twin = folder / name
    shutil.copyfile(page, twin)
    return twin


def _imports_queries(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    real = Store.fetchall

    def spy(self: Store, sql: str, params: Any = None) -> Any:
        if "FROM imports" in sql and "sha256" in sql:
            seen.append(" ".join(sql.split()))
        return real(self, sql, params)

    monkeypatch.setattr(Store, "fetchall", spy)
    return seen


@pytest.mark.parametrize("window", [2, 256])
def test_a_file_repeated_in_the_run_is_skipped_in_its_batch_or_after_it(
    pages: list[Path],  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    window: int,
) -> None:
    # batches of ~120 rows: the twin of the first videos page comes batches after it; with
    # a window of 2 it is asked of the store (which holds it), with 256 it is in the window
    # the store was asked about before the page was written
    monkeypatch.setattr(ingest, "TOGETHER_ROWS", 120)
    monkeypatch.setattr(ingest._AskedRecorded, "WINDOW", window)
    videos = [p for p in pages if b"videoListResponse" in gzip.decompress(p.read_bytes())]
    first = videos[0]
    late = _twin(first, tmp_path / "more", "zz-late-twin.json.gz")
    near = _twin(pages[1], tmp_path / "more", "zz-near-twin.json.gz")
    files = [*pages[:2], near, *pages[2:], late]
    for store in _store(tmp_path / "db"):
        report = ingest.run(store, files, network="youtube", allow_empty=True, together=True)
        assert store.fetchall("SELECT count(*) FROM posts") == [(400,)]
        recorded = {r[0] for r in store.fetchall("SELECT path FROM imports")}
        assert len(recorded) == len(pages) and not any("twin" in p for p in recorded)
        status = {Path(u.path).name: u.status for u in report.units}
        assert status["zz-late-twin.json.gz"] == ingest.ALREADY_IMPORTED
        assert status["zz-near-twin.json.gz"] == ingest.ALREADY_IMPORTED
        assert sum(u.status.startswith("imported") for u in report.units) == len(pages)


def test_a_file_an_earlier_run_imported_is_skipped_without_loading_every_import(
    pages: list[Path],  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ingest._AskedRecorded, "WINDOW", 5)
    for store in _store(tmp_path / "db"):
        ingest.run(store, pages[:9], network="youtube", allow_empty=True, together=True)
        before = store.fetchall("SELECT count(*) FROM imports")[0][0]
        assert before == 9
        queries = _imports_queries(monkeypatch)
        report = ingest.run(store, pages, network="youtube", allow_empty=True, together=True)
        status = [u.status for u in report.units]
        assert status[:9] == [ingest.ALREADY_IMPORTED] * 9
        assert all(s.startswith("imported") for s in status[9:])
        assert len(status) == len(pages)
        # the networks the earlier import wrote are said again
        assert {u.network for u in report.units[:9]} == {"youtube"}
        assert store.fetchall("SELECT count(*) FROM imports")[0][0] == len(pages)
        assert store.fetchall("SELECT count(*) FROM posts") == [(400,)]
        # one question per window of 5 files, never the whole table
        assert len(queries) == -(-len(pages) // 5), queries
        assert all("WHERE sha256 IN" in q for q in queries), queries


def test_what_the_run_holds_of_its_files_is_bounded_by_a_window_and_a_batch(
    pages: list[Path],  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ingest, "TOGETHER_ROWS", 120)
    monkeypatch.setattr(ingest._AskedRecorded, "WINDOW", 4)
    made: list[ingest._AskedRecorded] = []
    held: list[tuple[int, int]] = []
    init = ingest._AskedRecorded.__init__
    written = ingest._AskedRecorded.written

    def spy_init(self: ingest._AskedRecorded, store: Store) -> None:
        init(self, store)
        made.append(self)

    def spy_written(self: ingest._AskedRecorded) -> None:
        held.append((len(self._wrote), len(self._unwritten)))
        written(self)

    monkeypatch.setattr(ingest._AskedRecorded, "__init__", spy_init)
    monkeypatch.setattr(ingest._AskedRecorded, "written", spy_written)
    for store in _store(tmp_path / "db"):
        ingest.run(store, pages, network="youtube", allow_empty=True, together=True)
        assert store.fetchall("SELECT count(*) FROM imports")[0][0] == len(pages)
    (rec,) = made
    assert len(held) >= 3  # several batches
    # at each batch's end: at most a window of answers and the batch's own files
    assert all(answers <= 4 + unwritten for answers, unwritten in held), held
    assert max(unwritten for _, unwritten in held) < len(pages)
    assert rec._unwritten == {} and len(rec._wrote) <= 4
