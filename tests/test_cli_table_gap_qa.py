"""The tables fitted by ``score_cmd.fit_table`` (the demo's top museums, ``engage score``,
``--explain``, the comparison's drivers) keep two spaces between columns: the top museums'
name ran into the score ("Musée d'Art moderne et 98 [93–100] 0.93%"), a rank into its museum
(" 1 carnavalet")."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from built_once import demo_at_width
from rich.console import Console

from engagecore.cli.score_cmd import Col, fit_table


def _cells(line: str) -> list[str]:
    """A table line cut where two or more spaces stand: its cells, when the columns keep a
    clear gap (a cell's own words are one space apart: "Musée Rodin", "25 [11–38]")."""
    return re.split(r" {2,}", line.strip())


def _top_table(out: str) -> list[str]:
    lines = out.splitlines()
    start = next(i for i, x in enumerate(lines) if x.startswith("top museums")) + 1
    end = next(i for i in range(start, len(lines)) if not lines[i].strip())
    table = [x.rstrip() for x in lines[start:end]]
    # the notes under the table (dim lines) begin with a word and a colon
    return [x for x in table if not re.match(r"^[a-z ]+: ", x)]


def test_a_fitted_table_keeps_two_spaces_between_full_columns() -> None:
    # a wrapped name filling its column beside a score filling its own
    cols = [Col("#"), Col("name", "left", flex=True, least=18), Col("score"), Col("rate")]
    rows = [["2", "Musée d'Art moderne et contemporain de Bastia", "98 [93–100]", "0.93%"]]
    table, dropped = fit_table(cols, rows, width=42)
    console = Console(width=42)
    with console.capture() as shown:
        console.print(table)
    lines = [x.rstrip() for x in shown.get().splitlines() if x.strip()]
    assert dropped == [] and max(len(x) for x in lines) <= 42
    assert _cells(lines[0]) == ["#", "name", "score", "rate"], lines
    assert _cells(lines[1]) == ["2", "Musée d'Art moderne", "98 [93–100]", "0.93%"], lines


@pytest.mark.parametrize("width", [80, 100, 160])
def test_the_top_museums_columns_have_a_clear_gap(
    width: int,
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out, _, _ = demo_at_width(12, 0, width, tmp_path, tmp_path_factory, capsys, monkeypatch)
    table = _top_table(out)
    assert max(len(x) for x in table) <= width
    flat = " ".join(out.split())
    left_out = re.search(r"not shown: (.*?) — ", flat)
    hidden = left_out.group(1).split(", ") if left_out else []
    header = ["#", "museum", "name", "score", "rate", "young share", "young reach", "followers"]
    shown = [h.split()[-1] for h in header if h not in hidden]
    assert _cells(table[1]) == shown, "\n".join(table)
    ranks = [x for x in table[2:] if re.match(r" ?\d+ ", x)]
    assert len(ranks) == 10, "\n".join(table)
    for rank, line in enumerate(ranks, 1):
        cells = _cells(line)
        assert len(cells) == len(shown) and cells[0] == str(rank), (cells, "\n".join(table))
        assert re.fullmatch(r"\d+ \[\d+–\d+\]", cells[shown.index("score")]), cells
