"""Every count is a whole number in every output: `engage score --format csv` printed
`young_reach`, `interactions`, `audience` and `n_effective` as 5480.0 where every other
count is 5480 (the scoring frames' Float64 columns). A float column that holds only whole
numbers is a count printed as a float, unless it is one of the documented fractional
sizes (docs/scoring.md §2.8)."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import polars as pl
import pytest
from built_once import copy_of, demo_build
from cli_run import run

from engagecore.api import Engine
from engagecore.scoring import FRACTIONAL_SIZES, WHOLE_COUNTS

FIXTURES = Path(__file__).resolve().parent / "fixtures"
DOCS = Path(__file__).resolve().parents[1] / "docs"

#: Every command that prints data from a store (explain's values are text).
COMMANDS: dict[str, list[str]] = {
    "score": ["score"],
    "score quarter growth": ["score", "--period", "quarter", "--with-growth"],
    "ranking": ["score", "--sort", "young", "--top", "5"],
    "explain": ["score", "--explain", "louvre"],
    "compare": ["compare", "louvre", "pompidou", "--with-growth"],
    "drivers": ["compare", "louvre", "pompidou", "--drivers"],
    "young": ["young"],
    "growth": ["growth"],
    "adoption": ["adoption"],
    "posts": ["posts"],
    "themes": ["themes"],
    "risks": ["risks"],
    "followers list": ["followers", "list"],
    "museums list": ["museums", "list"],
    "museums links": ["museums", "links"],
    "tables": ["tables"],
    "query": ["query", "SELECT network, count(*) AS posts FROM posts GROUP BY 1"],
}

_WHOLE_FLOAT = re.compile(r"^-?\d+\.0$")
#: Percentile scores (0–100: ``engagement_score``, compare's ``louvre growth_high``...), which
#: a small cohort makes whole by chance (3 museums: 0, 50, 100): measures, not counts.
_SCORE = re.compile(r"(^| )(\w+_)?(score|growth)(_low|_high)?$")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 12-museum demo store with the registry (adoption counts its museums)."""
    built = demo_build(tmp_path_factory, museums=12, seed=0)
    db = copy_of(built.db, tmp_path_factory.mktemp("counts") / "demo.duckdb")
    with Engine(db) as eng:
        eng.import_registry(FIXTURES / "registry" / "museofile.csv")
    return db


def whole_floats_json(text: str) -> set[str]:
    """The columns of a json array of objects whose values are floats, every one whole."""
    rows = json.loads(text)
    seen: dict[str, bool] = {}
    for row in rows:
        for name, value in row.items():
            if isinstance(value, float):
                seen[name] = seen.get(name, True) and value.is_integer()
            elif value is not None:
                seen[name] = False
    return {name for name, whole in seen.items() if whole}


def whole_floats_csv(text: str) -> set[str]:
    """The columns of a csv whose every non-empty cell is spelt as a whole float (5480.0)."""
    seen: dict[str, bool] = {}
    for row in csv.DictReader(io.StringIO(text)):
        for name, value in row.items():
            if value:
                seen[name] = seen.get(name, True) and bool(_WHOLE_FLOAT.match(value))
    return {name for name, whole in seen.items() if whole}


def test_the_checks_catch_a_whole_float() -> None:
    frame = pl.DataFrame({"reach": [5480.0, None], "rate": [0.5, 1.0], "posts": [3, 4]})
    assert whole_floats_json(json.dumps(frame.to_dicts())) == {"reach"}
    assert whole_floats_csv(frame.write_csv()) == {"reach"}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_no_count_is_printed_as_a_float(
    name: str, store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for fmt, whole_floats in (("json", whole_floats_json), ("csv", whole_floats_csv)):
        code, out, err = run([*COMMANDS[name], "--db", str(store), "--format", fmt], capsys)
        assert code == 0, err
        assert out.strip(), f"{name} --format {fmt} printed nothing"
        wrong = {c for c in whole_floats(out) - set(FRACTIONAL_SIZES) if not _SCORE.search(c)}
        assert not wrong, f"{name} --format {fmt}: counts printed as floats: {sorted(wrong)}"


def test_the_counts_are_int64_in_the_python_frames(store: Path) -> None:
    with Engine(store, read_only=True) as eng:
        scores = eng.score(period="quarter", with_growth=True)
        young = eng.young(period="quarter")
    for column in WHOLE_COUNTS:
        assert scores.schema[column] == pl.Int64, column
        assert scores[column].drop_nulls().len() > 0, column
    for column in ("young_reach", "young_reach_low", "young_reach_high", "audience"):
        assert young.schema[column] == pl.Int64, column
    # a fractional size keeps its fraction, rounded the same way everywhere
    for column in FRACTIONAL_SIZES:
        values = scores[column].drop_nulls()
        assert scores.schema[column] == pl.Float64
        assert (values.round(2) == values).all()


def test_the_docs_say_which_sizes_are_fractional() -> None:
    scoring = (DOCS / "scoring.md").read_text(encoding="utf-8")
    for column in FRACTIONAL_SIZES:
        assert re.search(rf"`{column}`[^\n]*fraction", scoring), column
    for column in WHOLE_COUNTS:
        assert f"`{column}`" in scoring, column
