"""The shared output layer: data printed as text (never console markup), CSV cells that a
spreadsheet cannot run, the terminal's width read at print time, the table's short forms."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from cli_run import run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console

from engagecore.cli import output
from engagecore.cli.output import Format, emit

HOSTILE = {
    "slash": "[/]",
    "link": "[link=http://evil.example]x[/link]",
    "bold": "[bold red]alarm",
}
FORMULAS = {
    "hyperlink": '=HYPERLINK("http://evil")',
    "at": "@SUM(1)",
    "plus": "+1+cmd|' /C calc'!A0",
    "minus": "-2+3",
    "tab": "\tindented",
}
_BOX = re.compile(r"[\u2500-\u257f]")


def _add(db: str, names: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    for slug, name in names.items():
        code, _, err = run(["museums", "add", "--slug", slug, "--db", db, "--", name], capsys)
        assert code == 0, err


def test_names_are_text_not_markup(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A museum named `[/]` used to break `museums list` for the whole store, and
    `[link=…]` rendered a clickable link on a terminal."""
    db = str(tmp_path / "m.duckdb")
    _add(db, HOSTILE, capsys)
    terminal = io.StringIO()
    monkeypatch.setattr(
        output,
        "console",
        Console(file=terminal, width=120, force_terminal=True, color_system="truecolor"),
    )
    code, _, err = run(["museums", "list", "--db", db], capsys)
    shown = terminal.getvalue()
    assert code == 0, err
    assert "\x1b]8;" not in shown  # no hyperlink escape sequence
    for name in HOSTILE.values():
        assert name in _strip_ansi(shown)


def test_control_characters_of_data_are_shown_not_sent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An escape sequence in a name would colour, move the cursor or make a link."""
    db = str(tmp_path / "c.duckdb")
    link = "\x1b]8;;http://evil.example\x1b\\click\x1b]8;;\x1b\\"
    _add(db, {"esc": "red \x1b[31malert", "osc": link, "bidi": "abc\u202edef"}, capsys)
    code, out, err = run(["museums", "list", "--db", db], capsys)
    assert code == 0, err
    assert "\x1b" not in out and "\u202e" not in out
    assert "red \\x1b[31malert" in out and "abc\\u202edef" in out
    code, out, err = run(
        ["museums", "link", "esc", "--network", "x", "--handle", "a\x1b[2Jb", "--db", db], capsys
    )
    assert "\x1b" not in out + err
    code, out, _ = run(["museums", "list", "--db", db, "--format", "json"], capsys)
    assert {r["slug"]: r["name"] for r in json.loads(out)}["osc"] == link  # data unchanged


def _strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def test_titles_and_captions_are_text_not_markup() -> None:
    df = pl.DataFrame({"museum": ["[/]", "[link=http://evil.example]x[/link]"], "posts": [1, 2]})
    console = Console(file=io.StringIO(), width=80, force_terminal=True)
    output.print_table(console, df, title="[/] [bold]", caption="[link=http://x]y[/link]")
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert "\x1b]8;" not in text
    clean = _strip_ansi(text)
    for literal in ("[/] [bold]", "[link=http://x]y[/link]", "[/]", "[link=http://evil.example]"):
        assert literal in clean


def test_museums_list_csv_neutralizes_formulas(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "f.duckdb")
    _add(db, FORMULAS, capsys)
    code, out, _ = run(["museums", "list", "--db", db, "--format", "csv"], capsys)
    assert code == 0
    names = {r["slug"]: r["name"] for r in csv.DictReader(io.StringIO(out))}
    for slug, name in FORMULAS.items():
        assert names[slug] == "'" + name.strip(" ")
    # json is data, not a spreadsheet: the names as stored
    code, out, _ = run(["museums", "list", "--db", db, "--format", "json"], capsys)
    assert {r["slug"]: r["name"] for r in json.loads(out)} == FORMULAS


def test_csv_keeps_numbers_and_plain_text(capsys: pytest.CaptureFixture[str]) -> None:
    df = pl.DataFrame(
        {
            "value": [-0.5, 3.0, -12.0],
            "count": [-3, 0, 7],
            "as_text": ["-0.5", "+3", "-1e-05"],
            "label": ["a-b", "=1+1", "@x"],
            "tags": [["-x", "y"], ["=z"], []],
            "=name": [1, 2, 3],
            "ids": [[-1, 2], [3], []],
            "kind": pl.Series(["@a", "b", "=c"], dtype=pl.Categorical),
        }
    )
    emit(df, Format.csv)
    out, _ = capsys.readouterr()
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["value", "count", "as_text", "label", "tags", "'=name", "ids", "kind"]
    assert [r[0] for r in rows[1:]] == ["-0.5", "3.0", "-12.0"]
    assert [r[1] for r in rows[1:]] == ["-3", "0", "7"]
    assert [r[2] for r in rows[1:]] == ["-0.5", "+3", "-1e-05"]
    assert [r[3] for r in rows[1:]] == ["a-b", "'=1+1", "'@x"]
    assert [r[4] for r in rows[1:]] == ["'-x y", "'=z", ""]
    assert [r[6] for r in rows[1:]] == ["'-1 2", "3", ""]  # a list is text once joined
    assert [r[7] for r in rows[1:]] == ["'@a", "b", "'=c"]
    emit(df, Format.json)
    out, _ = capsys.readouterr()
    assert json.loads(out)[1]["label"] == "=1+1" and json.loads(out)[0]["=name"] == 1


def test_console_width_follows_columns_at_print_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """rich reads COLUMNS when a console is made; ours read it at each print."""
    monkeypatch.setenv("COLUMNS", "100")
    made_at_100 = output._Console()
    monkeypatch.setenv("COLUMNS", "47")
    assert made_at_100.width == 47 and output.console.width == 47
    assert output._Console(width=66).width == 66  # an explicit width stays


def test_table_written_to_a_file_is_the_fitted_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    df = pl.DataFrame(
        {
            "museum": ["louvre", "orsay"],
            "followers": [1_237_685, 98_765],
            "note": ["a long free text " * 6, "short"],
            "country": ["FR", "FR"],
        }
    )
    target = tmp_path / "t.txt"
    emit(df, Format.table, title="t", output=target)
    text = target.read_text(encoding="utf-8")
    assert "\x1b" not in text and "louvre" in text and "country: FR" in text
    assert max(len(line) for line in text.splitlines()) <= 60


def test_compact_numbers() -> None:
    cases = {
        0: "0",
        9_876: "9,876",
        12_345: "12k",
        -12_345: "-12k",
        866_000: "866k",
        999_600: "1.0M",
        1_237_685: "1.2M",
        12_400_000: "12M",
        3_400_000_000: "3.4B",
    }
    assert {n: output.compact_number(n) for n in cases} == cases
    assert output.compact_number(None) == output.compact_number(float("nan")) == "—"


def test_shorten_path_keeps_the_end() -> None:
    path = "/home/someone/exports/2024/instagram/posts_1.json"
    assert output.shorten_path(path, 100) == path
    assert output.shorten_path(path, 26) == "…/instagram/posts_1.json"
    assert output.shorten_path(path, 14) == "…/posts_1.json"
    assert output.shorten_path(path, 8) == "…03.json"[:0] + "…_1.json"


def test_table_moves_shared_values_and_leaves_out_last_columns() -> None:
    df = pl.DataFrame(
        {
            "slug": ["a", "b", "c"],
            "posts": [123_456, 2_000_000, 7],
            "country": ["FR", "FR", "FR"],
            "aliases": [["one", "two"], [], ["three"]],
            "region": ["Auvergne-Rhône-Alpes", "Île-de-France", "Occitanie"],
            "museofile_id": ["M1", "M2", "M3"],
        }
    )
    table, caption = output.render_table(df, 30, priority=("slug", "posts", "region"))
    headers = [str(c.header) for c in table.columns]
    assert headers[:2] == ["slug", "posts"] and "country" not in headers
    assert caption[0] == "country: FR"
    assert caption[1].startswith("not shown: ") and "aliases" in caption[1]
    # too long for 30 columns: the way to every column on a line of its own, whole
    assert caption[2] == "  — --format json|csv for every column"
    console = Console(file=io.StringIO(), width=30)
    console.print(table)
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert "2.0M" in text and "123k" in text
    wide, caption = output.render_table(df, 200)
    assert len(wide.columns) == 5 and caption == ["country: FR"]


_WORD = st.text(alphabet="abcdeéèfghijklmnoprstuvwxyzÎ'-_", min_size=1, max_size=12)
_NUMBERISH = st.from_regex(r"[0-9][0-9.,:-]{0,9}", fullmatch=True)


def _column(kind: str) -> st.SearchStrategy[list[object]]:
    if kind == "int":
        item: st.SearchStrategy[object] = st.integers(-(10**13), 10**13)
    elif kind == "float":
        item = st.one_of(st.floats(-1e9, 1e9), st.just(float("nan")))
    elif kind == "word":
        item = _WORD
    elif kind == "text":
        item = st.lists(st.one_of(_WORD, _NUMBERISH), min_size=1, max_size=12).map(" ".join)
    elif kind == "path":
        item = st.lists(st.one_of(_WORD, _NUMBERISH), min_size=1, max_size=8).map(
            lambda parts: "/" + "/".join(parts)
        )
    else:
        item = st.lists(_WORD, max_size=5)
    return st.lists(st.one_of(st.none(), item), min_size=4, max_size=4)


@st.composite
def _frames(draw: st.DrawFn) -> pl.DataFrame:
    names = ["museum", "posts", "follower_snapshots", "note", "path", "aliases", "rate", "x"]
    kinds = ["word", "int", "int", "text", "path", "list", "float", "text"]
    chosen = draw(st.lists(st.integers(0, len(names) - 1), min_size=1, max_size=8, unique=True))
    data = {names[i]: draw(_column(kinds[i])) for i in chosen}
    schema: dict[str, pl.DataType] = {
        "word": pl.Utf8(),
        "int": pl.Int64(),
        "float": pl.Float64(),
        "text": pl.Utf8(),
        "path": pl.Utf8(),
        "list": pl.List(pl.Utf8()),
    }  # type: ignore[assignment]
    return pl.DataFrame(data, schema={names[i]: schema[kinds[i]] for i in chosen})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(df=_frames(), width=st.integers(24, 130))
def test_any_table_fits_and_keeps_figures_whole(df: pl.DataFrame, width: int) -> None:
    """Whatever the frame: no line wider than the console, and every word with a digit in
    it (a count, a rate, a date, an id) shown whole, as one of the cell's written forms."""
    console = Console(file=io.StringIO(), width=width)
    output.print_table(console, df, title="t")
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert max(cell_len(line) for line in text.splitlines()) <= width, text
    whole: set[str] = set()
    for name in df.columns:
        for v in df[name].to_list():
            for compact in (False, True):
                whole.update(output._cell(v, compact).split())
                whole.update(w.rstrip(",") for w in output._cell(v, compact).split())
    for word in _BOX.sub(" ", text).split():
        if any(ch.isdigit() for ch in word) and "…" not in word:
            assert word.rstrip(",") in whole or word in whole, (word, text)


def test_years_and_ids_are_written_plain() -> None:
    df = pl.DataFrame({"year": [2024, 2025], "museofile_id": [5031, 12345], "posts": [12345, 1]})
    console = Console(file=io.StringIO(), width=80)
    output.print_table(console, df)
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert "2024" in text and "12345" in text and "12,345" in text and "2,024" not in text


@pytest.mark.parametrize("fmt", ["table", "csv"])
def test_a_reader_that_leaves_does_not_fail_the_command(
    fmt: str, tmp_path: Path, fixtures: Path
) -> None:
    """`engage ingest … | head -1`: the import is committed, so the command must not end
    with rc 1 because its summary could not be read (rich exits 1 on a broken pipe)."""
    db = str(tmp_path / "p.duckdb")
    args = [sys.executable, "-m", "engagecore", "ingest", str(fixtures / "spreadsheet")]
    proc = subprocess.Popen(
        [*args, "--db", db, "--format", fmt],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader leaves before the first line
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0, err
    assert "Error" not in err and "Traceback" not in err
    again = subprocess.run([*args, "--db", db, "--format", "json"], capture_output=True, text=True)
    assert again.returncode == 0 and json.loads(again.stdout)[0]["status"] != "imported"
