"""Every command's ``--help`` as a user reads it: a flag shows no value after its name (typer
0.29 writes ``--with-growth <bool>``, which reads as if the flag took one), an option with a
value names it (DATE, FILE, N, NETWORK…) rather than the Python type (``<str>``,
``<list[str]>``, ``<path>``), and an argument's name says what to type."""

from __future__ import annotations

import re

import pytest
import typer
from cli_run import run

from engagecore.cli import build_app, help_commands

_TYPE = re.compile(r"<(bool|str|int|float|path|list\[[^\]]*\]|[a-z|]+)[^>]*>")


def _paths() -> list[list[str]]:
    return [path for path, _ in help_commands(typer.main.get_command(build_app()))]


def _help(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    code, out, err = run([*args, "--help"], capsys)
    assert code == 0, err
    return out


def test_no_help_shows_a_python_type(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    for args in _paths():
        out = _help(args, capsys)
        assert _TYPE.search(out) is None, (args, _TYPE.search(out))


@pytest.mark.parametrize(
    ("args", "flag", "help_start"),
    [
        (["score"], "--with-growth", "Also show"),
        (["compare"], "--drivers", None),
        (["ingest"], "--dry-run", "Read and"),
        (["posts"], "--breakouts", None),
        (["report"], "--all", None),
        ([], "--version", "Show the"),
        (["score"], "--help", "Show this"),
    ],
)
def test_a_flag_is_followed_by_its_help_only(
    args: list[str],
    flag: str,
    help_start: str | None,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    out = _help(args, capsys)
    row = next(line for line in out.splitlines() if re.search(rf"│ {flag}\b", line))
    after = row.split(flag, 1)[1].strip(" │")
    after = re.sub(r"^--no-\S+\s+", "", after)  # the flag's opposite (--no-drivers)
    # what follows the flag is its help text, never a value's name
    assert re.match(r"[A-Z][a-z]", after), row
    if help_start:
        assert after.startswith(help_start), row


@pytest.mark.parametrize(
    ("args", "option", "metavar"),
    [
        (["score"], "--since", "DATE"),
        (["score"], "--until", "DATE"),
        (["score"], "--db", "FILE"),
        (["score"], "--output", "FILE"),
        (["score"], "--top", "N"),
        (["score"], "--network", "NETWORK"),
        (["score"], "--museum", "MUSEUM"),
        (["score"], "--period", "PERIOD"),
        (["score"], "--format", "FORMAT"),
        (["score"], "--explain", "MUSEUM"),
        (["ingest"], "--account", "ACCOUNT"),
        (["ingest"], "--timezone", "ZONE"),
        (["report"], "--out", "FILE"),
        (["report"], "--lang", "LANG"),
        (["demo"], "--keep-files", "DIR"),
        (["demo"], "--seed", "N"),
        (["fetch"], "--max-posts", "N"),
        (["fetch"], "--api-base", "URL"),
        (["followers", "add"], "--date", "DATE"),
        (["museums", "add"], "--alias", "ALIAS"),
    ],
)
def test_an_option_names_its_value(
    args: list[str],
    option: str,
    metavar: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    out = _help(args, capsys)
    row = next(line for line in out.splitlines() if re.search(rf"│ {option}\b", line))
    # the first word after the option (and its short form) is the value's name
    words = [w for w in row.split(option, 1)[1].strip(" │").split() if not w.startswith("-")]
    assert words[0] == metavar, row


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (["ingest"], "PATH"),
        (["compare"], "MUSEUM"),
        (["growth"], "MUSEUM"),
        (["museums", "import-registry"], "FILE"),
        (["followers", "add"], "NETWORK"),
        (["peertube-url"], "HANDLE"),  # a plugin's command: named from its parameter
    ],
)
def test_an_argument_names_what_to_type(
    args: list[str],
    name: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    out = _help(args, capsys)
    panel = out.split("Arguments", 1)[1].split("╰", 1)[0]
    assert re.search(rf"│ [* ]*{re.escape(name)}\s", panel), panel
    usage = next(line for line in out.splitlines() if "Usage:" in line)
    assert name in usage, usage
