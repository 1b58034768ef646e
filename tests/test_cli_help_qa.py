"""``engage --help`` and each command's ``--help`` as a user reads them at 60, 80 and 120
columns: a description's words flow to the width, never broken where the docstring's source
line ended ("… --format json, csv" / "or" / "parquet give every input")."""

from __future__ import annotations

import itertools
import re

import pytest
import typer
from cli_run import run

from engagecore.cli import build_app, help_commands, reflow_help


def _commands() -> list[list[str]]:
    return [path for path, _ in help_commands(typer.main.get_command(build_app())) if path]


def test_every_help_paragraph_is_one_flowing_text() -> None:
    # as engage runs: main() reflows the help of the command tree it built
    command = typer.main.get_command(build_app())
    reflow_help(command)
    for path, cmd in help_commands(command):
        for paragraph in (cmd.help or "").split("\n\n"):
            assert "\n" not in paragraph.strip(), (path, paragraph)


def _early_breaks(out: str, width: int) -> list[tuple[str, str]]:
    """Pairs of lines of one text where the second's first word would have fitted on the
    first: the description paragraphs (one space of margin) and the continuation lines of a
    panel's cell ("│" then the cell's column)."""
    found = []
    lines = out.splitlines()
    commands = False  # in the Commands panel (the options' panels have several columns)
    for line, nxt in itertools.pairwise(lines):
        if line.startswith(("╭", "╰")):
            commands = line.startswith("╭─ Commands")
            continue
        if commands and re.match(r"│\s{3,}\S", nxt):
            end, limit = len(line.rstrip().rstrip("│").rstrip()), width - 2
        elif re.match(r" \S", line) and re.match(r" \S", nxt):
            end, limit = len(line.rstrip()), width - 1
        else:
            continue
        first = nxt.strip(" │").split()[0]
        if first.startswith(("[", "-")):  # [default: …], [required], the next option
            continue
        if end + 1 + len(first) <= limit:
            found.append((line, nxt))
    return found


@pytest.mark.parametrize("width", [60, 80, 120])
def test_no_description_line_breaks_early(
    width: int, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    for args in [[], *_commands()]:
        code, out, _ = run([*args, "--help"], capsys)
        assert code == 0
        assert _early_breaks(out, width) == [], (args, width)


def test_usage_lines_have_no_doubled_brackets(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # growth and young read "Usage: engage growth [OPTIONS] [[MUSEUM]...]..."
    monkeypatch.setenv("COLUMNS", "120")
    for args in _commands():
        code, out, _ = run([*args, "--help"], capsys)
        usage = next(x for x in out.splitlines() if "Usage:" in x)
        assert code == 0 and "[[" not in usage and "]...]" not in usage, usage


def _usage(text: str) -> str:
    return next(x for x in text.splitlines() if "Usage:" in x)


def test_usage_lines_name_arguments_without_braces(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # typer 0.29 wrote a required argument in braces: "engage compare [OPTIONS] {MUSEUM}..."
    monkeypatch.setenv("COLUMNS", "200")
    usages = {}
    for args in _commands():
        code, out, _ = run([*args, "--help"], capsys)
        assert code == 0, args
        usages[" ".join(args)] = usage = _usage(out)
        assert "{" not in usage and "}" not in usage, usage
    # the core's and the example plugin's commands alike, required and optional arguments
    assert usages["compare"].split()[-1] == "MUSEUM...", usages["compare"]
    assert usages["museums alias"].split()[-2:] == ["MUSEUM", "ALIAS"], usages["museums alias"]
    assert usages["posts"].split()[-1] == "[MUSEUM]...", usages["posts"]
    assert usages["peertube-url"].split()[-1] == "HANDLE", usages["peertube-url"]


def test_usage_line_of_a_missing_argument_has_no_braces(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    code, out, err = run(["museums", "alias", "louvre"], capsys)
    assert code == 2
    assert _usage(out + err).split()[-2:] == ["MUSEUM", "ALIAS"], out + err


def test_a_number_range_reads_in_words(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # click's notation read "--top N [x>=1]", "--wait SECONDS [x>=0]": an equation to decode
    monkeypatch.setenv("COLUMNS", "120")
    for args in [[], *_commands()]:
        code, out, _ = run([*args, "--help"], capsys)
        assert code == 0 and not re.search(r"x\s*[<>]=|<=\s*x", out), (args, out)
    code, out, _ = run(["posts", "--help"], capsys)
    assert re.search(r"--top\s+N \[at least 1\]", out), out
    code, out, _ = run(["--help"], capsys)
    assert re.search(r"--wait\s+SECONDS \[at least 0\]", out), out
