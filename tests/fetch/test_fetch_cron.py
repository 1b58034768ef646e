"""``engage fetch --all`` run weekly from cron (QA as a museum's digital team, h5): no
terminal, output appended to a log, the exit code read by cron or systemd. The log has no
control codes, a line of totals after the table, and the exit code tells a complete run
(0), a run where some account failed (1) and a run that had nothing to fetch (3). Each
account's row of the table is one line of the log, its status's detail a line after it."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

import pytest
from cli_run import run
from test_fetch_mastodon_hosts import Instances, instances  # noqa: F401  (the fixture)
from test_fetch_missing_key import db as two_networks  # noqa: F401  (the fixture)

from engagecore.museums import Museums
from engagecore.store import Store

pytestmark = pytest.mark.usefixtures("no_backoff")


def _totals(out: str) -> str:
    """The table's totals line (after the table, on the standard output the log gets)."""
    (line,) = [x for x in out.splitlines() if x.startswith("total: ")]
    return line


def test_a_weekly_run_logs_its_totals_without_control_codes(
    instances: tuple[Path, Instances],  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(["fetch", "--all"], capsys)
    assert code == 0, err
    assert "\x1b" not in out + err and "\r" not in out + err  # no progress bar, no colours
    assert _totals(out) == "total: 3 accounts, 3 ok; 9 new posts, 0 refreshed, 9 requests, quota 9"
    # a week later: the counts of the stored posts refreshed, nothing new
    code, out, err = run(["fetch", "--all"], capsys)
    assert code == 0, err
    assert _totals(out).startswith("total: 3 accounts, 3 ok; 0 new posts, 9 refreshed")


def test_a_partial_failure_exits_1_and_the_totals_say_so(
    instances: tuple[Path, Instances],  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, replay = instances
    replay.refuse["other"] = (404, {"error": "Record not found"}, {})
    code, out, err = run(["fetch", "--all"], capsys)
    assert code == 1
    (line,) = err.strip().splitlines()
    assert line.startswith("engage: error: mastodon account @other@mastodon.art")
    assert _totals(out).startswith("total: 3 accounts, 2 ok, 1 failed; 6 new posts")
    # csv and json carry the rows, one per account, for scripts to add up
    code, out, _ = run(["fetch", "--all", "--format", "csv"], capsys)
    assert code == 1 and "total:" not in out and len(out.strip().splitlines()) == 4


def test_a_run_with_nothing_to_fetch_exits_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "engage.duckdb"
    monkeypatch.setenv("ENGAGE_DB", str(db))
    with closing(Store(db)) as store:
        Museums(store).add("Musée sans compte", slug="alone")
    code, out, err = run(["fetch", "--all"], capsys)
    assert code == 3
    assert out == ""
    (line,) = err.strip().splitlines()
    assert line.startswith("engage: nothing to fetch: no linked account")


def _rows_after_the_rule(out: str) -> list[str]:
    """The table's lines after its header's rule: its rows, then its caption lines."""
    lines = out.splitlines()
    rule = next(i for i, x in enumerate(lines) if x.startswith("─"))
    return lines[rule + 1 :]


@pytest.mark.parametrize("dry", [False, True], ids=["run", "dry-run"])
def test_in_a_log_each_account_is_one_line_and_its_status_s_detail_a_line_after(
    two_networks: Path,  # noqa: F811
    dry: bool,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)  # no terminal, no COLUMNS: 80 columns
    code, out, err = run(["fetch", "--all", *(["--dry-run"] if dry else [])], capsys)
    assert code == (1 if dry else 0), err
    rows = _rows_after_the_rule(out)
    assert all(len(x) <= 80 for x in out.splitlines()[: -len(rows)])
    wrapped = [x for x in rows if x[:1].isspace()]
    assert wrapped == [], "a row of the table went on over several lines"
    # the detail is whole, once, on a line of its own: "youtube @museeother: skipped: no API key"
    with closing(Store(two_networks, read_only=True)) as store:
        named = {f"{n} @{h}" for n, h in store.fetchall("SELECT network, handle FROM accounts")}
    details = [x for x in rows if x.split(": ", 1)[0] in named]
    assert len(named) == 5 and len(details) == (5 if dry else 2)  # every dry run's; 2 skipped
    assert all(len(x.split(": ")) >= 3 for x in details)  # "NETWORK ACCOUNT: KIND: DETAIL"
    if not dry:
        assert "youtube @museeyoutube: skipped: no API key" in details
