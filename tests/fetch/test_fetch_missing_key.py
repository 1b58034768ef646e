"""``engage fetch --all`` from a weekly cron job, with no key for one network: the other
networks are fetched, one note line says which network was skipped and what to set, exit 0.
A network named with --network, or a run that fetched nothing, is still an error (exit 1)."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

import pytest
from cli_run import run
from test_fetch_mastodon_hosts import Instances, instances  # noqa: F401  (the fixture)

from engagecore.museums import Museums
from engagecore.store import Store

pytestmark = pytest.mark.usefixtures("no_backoff")
NOTE = (
    "engage: note: youtube: 2 accounts skipped, no API key; set ENGAGE_YOUTUBE_API_KEY "
    "(docs/fetch.md says how to get one)"
)


@pytest.fixture
def db(
    instances: tuple[Path, Instances],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    path, _ = instances
    monkeypatch.delenv("ENGAGE_YOUTUBE_API_KEY", raising=False)
    with closing(Store(path)) as store:
        museums = Museums(store)
        museums.link("c-other", "youtube", "@museeother")
        museums.add("Musée sans Mastodon", slug="d-youtube-only")
        museums.link("d-youtube-only", "youtube", "@museeyoutube")
    return path


def _posts(db: Path) -> int:
    with closing(Store(db, read_only=True)) as s:
        return int(s.fetchall("SELECT count(*) FROM posts")[0][0])


def test_a_network_without_its_key_is_skipped_with_one_note_and_exit_0(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["fetch", "--all", "--format", "csv"], capsys)
    assert code == 0, err
    assert err.strip().splitlines() == [NOTE]
    rows = [line.split(",") for line in out.strip().splitlines()[1:]]
    status = {(r[1], r[0]): r[-1] for r in rows}
    assert (
        status[("youtube", "c-other")]
        == status[("youtube", "d-youtube-only")]
        == ("skipped: no API key")
    )
    assert [s for (net, _), s in status.items() if net == "mastodon"] == ["ok"] * 3
    assert _posts(db) == 9


def test_a_network_named_or_a_run_that_fetched_nothing_fails_for_want_of_its_key(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["fetch", "--all", "--network", "youtube"], capsys)
    assert code == 1
    (line,) = err.strip().splitlines()
    assert line == (
        "engage: error: youtube: no API key; set ENGAGE_YOUTUBE_API_KEY "
        "(docs/fetch.md says how to get one)"
    )
    # a museum with only YouTube accounts: nothing could be fetched, the run failed; the
    # error line is all it prints (no table of "skipped" rows above it)
    code, out, err = run(["fetch", "d-youtube-only"], capsys)
    assert code == 1
    (line,) = err.strip().splitlines()
    assert line.startswith("engage: error: youtube: 1 account skipped, no API key; set ")
    assert out == ""
    assert _posts(db) == 0
    # json keeps its rows, for a script that reads them
    code, out, err = run(["fetch", "d-youtube-only", "--format", "json"], capsys)
    assert code == 1 and "skipped: no API key" in out
