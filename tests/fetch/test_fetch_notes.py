"""``engage fetch`` prints what the importers said about the responses it imported
(``Batch.notes``), as ``engage ingest`` does: after the summary, on standard error, once per
note and account, with the number of files that gave it.

No built-in importer has a note on the responses its fetcher saves today; the YouTube Data
API importer is given two here (a plugin's importer may give any)."""

from __future__ import annotations

import json
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cli_run import run
from engage_youtube import YouTubeDataApiImporter
from fetch_replay import YouTubeReplay, make_videos
from test_fetch_youtube import env  # noqa: F401 (the store and replay of the YouTube tests)

from engagecore.pluginapi import Batch, ReadContext
from engagecore.sources import Source
from engagecore.store import Store

NOW = datetime.now(UTC).replace(microsecond=0)
EVERY = "a note every response gives"
CHANNEL = "a note of the channels.list response only"
pytestmark = pytest.mark.usefixtures("no_backoff")


@pytest.fixture
def noted(env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:  # noqa: F811
    """test_fetch_youtube's store and replay, the Data API importer giving two notes."""
    read = YouTubeDataApiImporter.read

    def read_with_notes(self: YouTubeDataApiImporter, source: Source, ctx: ReadContext) -> Batch:
        batch = read(self, source, ctx)
        channel = batch.follower_snapshots is not None and batch.follower_snapshots.height > 0
        batch.notes = [*batch.notes, EVERY, *([CHANNEL] if channel else [])]
        return batch

    monkeypatch.setattr(YouTubeDataApiImporter, "read", read_with_notes)
    return env


def _noted(db: Path) -> int:
    with closing(Store(db, read_only=True)) as s:
        return int(s.fetchall("SELECT count(*) FROM imports WHERE notes IS NOT NULL")[0][0])


def test_fetch_prints_each_note_once_with_the_files_that_gave_it(
    noted: Path, youtube: YouTubeReplay, capsys: pytest.CaptureFixture[str]
) -> None:
    youtube.videos = make_videos(120, NOW - timedelta(hours=1))
    code, out, err = run(["fetch", "youtube", "@museedulouvre", "--museum", "louvre"], capsys)
    assert code == 0, err
    files = _noted(noted)  # every response saved gave EVERY: the channel, uploads, videos
    assert files == 7
    notes = [x for x in err.splitlines() if x.startswith("note: ")]
    assert notes == [
        f"note: youtube @museedulouvre: {EVERY} ({files:,} files)",
        f"note: youtube @museedulouvre: {CHANNEL}",  # one file: no count
    ]
    assert "@museedulouvre" in out and "note:" not in out  # the summary on stdout


def test_fetch_prints_the_notes_whatever_the_format(
    noted: Path, youtube: YouTubeReplay, capsys: pytest.CaptureFixture[str]
) -> None:
    youtube.videos = make_videos(3, NOW - timedelta(hours=1))
    code, out, err = run(
        ["fetch", "youtube", "@museedulouvre", "--museum", "louvre", "-f", "json"], capsys
    )
    assert code == 0, err
    assert json.loads(out)[0]["account"] == "@museedulouvre"  # stdout stays JSON
    assert f"note: youtube @museedulouvre: {CHANNEL}" in err.splitlines()


def test_the_python_api_gives_the_notes(noted: Path, youtube: YouTubeReplay) -> None:
    import engagecore

    youtube.videos = make_videos(3, NOW - timedelta(hours=1))
    with engagecore.open(noted) as eng:
        report = eng.fetch(link=("youtube", "@museedulouvre", "louvre"))
    (account,) = report.accounts
    assert account.notes == {EVERY: _noted(noted), CHANNEL: 1}
    assert report.import_notes[1] == f"youtube @museedulouvre: {CHANNEL}"
