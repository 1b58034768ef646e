"""The commands ``engage demo`` prints under "Next, try:" run as printed."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from cli_run import run as _run


def _next_commands(out: str) -> list[str]:
    lines = out.splitlines()
    start = lines.index("Next, try:") + 1
    commands = []
    pending = ""
    for line in lines[start:]:
        if not line.strip():
            break
        # a long command is printed as several lines joined by a shell backslash
        if line.rstrip().endswith("\\"):
            pending += line.strip()[:-1]
            continue
        commands.append((pending + line.strip()).strip())
        pending = ""
    return commands


@pytest.mark.parametrize("width", [80, 60, 30])
def test_a_long_command_is_cut_between_shell_words(width: int) -> None:
    from engagecore.cli.demo_cmd import shell_lines

    command = (
        "engage compare musee-des-beaux-arts-de-lyon orsay --db "
        "'/home/someone/my museum data/2024 exports/engage-demo.duckdb'"
    )
    lines = shell_lines(command, width, indent="  ")
    # a line is over the width only when it holds one word, or one option with its value
    for line in lines:
        words = shlex.split(line.removesuffix("\\"))
        alone = len(words) == 1 or (len(words) == 2 and words[0].startswith("--"))
        assert len(line) <= width or alone, lines
    assert any(line.strip().startswith("--db '/home") for line in lines), "--db beside its value"
    assert all(line.endswith(" \\") for line in lines[:-1]) and len(lines) > 1
    joined = " ".join(line.strip().removesuffix("\\") for line in lines)
    assert shlex.split(joined) == shlex.split(command)


def _demo_next(args: list[str], capsys: pytest.CaptureFixture[str]) -> list[str]:
    code, out, err = _run(["demo", "--museums", "5", "--seed", "2", *args], capsys)
    assert code == 0, err
    return _next_commands(out)


def test_every_printed_next_command_runs_as_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With and without ``--keep-files``: the same commands but the one that ingests the kept
    files; each runs as printed (on the second demo's store, the same cohort: same seed)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ENGAGE_DB", raising=False)
    monkeypatch.setenv("COLUMNS", "80")
    plain = _demo_next([], capsys)
    assert len(plain) >= 5
    assert not any(c.startswith("engage ingest") for c in plain)
    kept = _demo_next(["--keep-files", "my exports"], capsys)  # a name the shell must quote
    ingest = [c for c in kept if c.startswith("engage ingest 'my exports'")]
    assert len(ingest) == 1
    assert [c for c in kept if c not in ingest] == plain
    for command in kept:
        argv = shlex.split(command)
        assert argv[0] == "engage" and "--db" in argv, command
        code, out, err = _run(argv[1:], capsys)
        assert code == 0, f"{command}: {err}"
        assert any(ch.isdigit() for ch in out), f"{command} printed no data: {out!r}"
    # the report is among them, and wrote its page where it said
    assert any(c.startswith("engage report --all") for c in kept)
    assert (tmp_path / "report.html").stat().st_size > 10_000
    # none of them touched the default store
    assert not (tmp_path / "engage.duckdb").exists()
