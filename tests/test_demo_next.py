"""The commands ``engage demo`` prints under "Next, try:" run as printed."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from engagecore.cli import main


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def _next_commands(out: str) -> list[str]:
    lines = out.splitlines()
    start = lines.index("Next, try:") + 1
    commands = []
    for line in lines[start:]:
        if not line.strip():
            break
        commands.append(line.strip())
    return commands


@pytest.mark.parametrize("keep", [False, True])
def test_every_printed_next_command_runs_as_printed(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    keep: bool,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ENGAGE_DB", raising=False)
    monkeypatch.setenv("COLUMNS", "80")
    args = ["demo", "--museums", "5", "--seed", "2"]
    if keep:
        args += ["--keep-files", "my exports"]  # a folder name the shell must quote
    code, out, err = _run(args, capsys)
    assert code == 0, err
    commands = _next_commands(out)
    assert len(commands) >= 5
    assert any(c.startswith("engage ingest 'my exports'") for c in commands) is keep
    for command in commands:
        argv = shlex.split(command)
        assert argv[0] == "engage" and "--db" in argv, command
        code, out, err = _run(argv[1:], capsys)
        assert code == 0, f"{command}: {err}"
        assert any(ch.isdigit() for ch in out), f"{command} printed no data: {out!r}"
    # none of them touched the default store
    assert not (tmp_path / "engage.duckdb").exists()
