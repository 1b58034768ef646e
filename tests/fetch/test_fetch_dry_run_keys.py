"""``engage fetch --all --dry-run`` checks a cron job's setup: per network it would fetch, it
says whether the network's key or token variable is set (the variable's name, never its
value, asked of the plugin's fetcher), and exits 1 with one error line naming the variable
when a needed one is missing. No request is sent."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_run import run
from test_fetch_mastodon_hosts import Instances, instances  # noqa: F401  (the fixture)
from test_fetch_missing_key import db  # noqa: F401  (the fixture: YouTube without its key)

from engagecore import plugins

KEY = "AIzaDryRunPlantedKey0123456789"


def _env_var(network: str) -> str:
    """The variable the network's plugin says its fetcher reads."""
    return plugins.registry().fetchers[network].secret_env


def test_a_dry_run_without_a_needed_key_names_the_variable_and_exits_1(
    db: Path,  # noqa: F811
    instances: tuple[Path, Instances],  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    var = _env_var("youtube")
    assert var  # YouTube needs a key
    code, out, err = run(["fetch", "--all", "--dry-run", "--format", "csv"], capsys)
    assert code == 1, err
    errors = [line for line in err.splitlines() if line.startswith("engage: error:")]
    assert len(errors) == 1
    assert var in errors[0] and "not set" in errors[0]
    # every network it would fetch is said: mastodon needs no key
    assert any(
        line.startswith("engage: mastodon:") and "no key" in line for line in err.splitlines()
    )
    assert instances[1].asked == []  # no request sent
    rows = [line.split(",") for line in out.strip().splitlines()[1:]]
    assert {r[1] for r in rows} == {"mastodon", "youtube"}


def test_a_dry_run_with_every_key_set_says_so_without_the_value_and_exits_0(
    db: Path,  # noqa: F811
    instances: tuple[Path, Instances],  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    var = _env_var("youtube")
    monkeypatch.setenv(var, KEY)
    code, out, err = run(["fetch", "--all", "--dry-run"], capsys)
    assert code == 0, err
    assert KEY not in out + err
    (line,) = [x for x in err.splitlines() if x.startswith("engage: youtube:")]
    assert var in line and "is set" in line
    assert instances[1].asked == []


def test_a_dry_run_checks_the_secret_file_named(
    db: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    secret = tmp_path / "youtube.key"
    secret.write_text(KEY)
    secret.chmod(0o644)
    code, _, err = run(
        ["fetch", "--all", "--network", "youtube", "--dry-run", "--secret-file", str(secret)],
        capsys,
    )
    assert code == 2
    assert "readable by others" in err and KEY not in err
    secret.chmod(0o600)
    code, _, err = run(
        ["fetch", "--all", "--network", "youtube", "--dry-run", "--secret-file", str(secret)],
        capsys,
    )
    assert code == 0, err
    assert KEY not in err
    (line,) = [x for x in err.splitlines() if x.startswith("engage: youtube:")]
    assert str(secret) in line
