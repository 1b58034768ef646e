"""Every command's terminal table fits 80 and 60 columns, never cutting a word or a number.

Each command runs in process at ``COLUMNS=W`` and once more at ``COLUMNS=1000`` (where nothing
has to be cut). Every word of the narrow output must then be a word of the wide one, or a
legitimate short form of one: a compact number (``12k``, ``1.2M``), a text cut with ``…``
(a path's tail ``…/file.json``, a long free text ``Musée des …``), a header broken after ``_``
or ``-``. A word cut across two lines (``Toulous`` / ``e``, ``1,237,6`` / ``85``) is neither.
"""

from __future__ import annotations

import dataclasses
import re
import shlex
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from built_once import copy_of, demo_build
from cli_run import run
from rich.cells import cell_len

from engagecore.api import Engine
from engagecore.demo import DemoResult

FIXTURES = Path(__file__).resolve().parent / "fixtures"
WIDE = 1000

# words of the caption the table renderer writes when it leaves columns out
# (and the heading of explain's list of meanings, printed apart only when they do not fit
# beside the figures)
_CAPTION_WORDS = {
    "what",
    "each",
    "input",
    "means",
    "\\",
    "not",
    "shown:",
    "--format",
    "json|csv",
    "for",
    "every",
    "column",
    "—",
    "·",
}
_COMPACT = re.compile(r"^[-+]?\d{1,3}(\.\d)?[kMB]%?$")
_BOX = re.compile(r"[\u2500-\u257f]")


@dataclass
class Demo:
    db: Path
    result: DemoResult


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """A real store: 12 simulated museums imported by the real importers, plus a registry."""
    built = demo_build(tmp_path_factory, museums=12, seed=0)
    db = copy_of(built.db, tmp_path_factory.mktemp("width") / "demo.duckdb")
    with Engine(db) as eng:
        eng.import_registry(FIXTURES / "registry" / "museofile.csv")
        eng.import_registry(FIXTURES / "registry" / "located.csv")
    return Demo(db, built.result)


def _run(
    args: list[str],
    width: int,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> str:
    monkeypatch.setenv("COLUMNS", str(width))
    capsys.readouterr()
    code, out, err = run(args, capsys)
    assert code == 0, err
    return out


def _words(text: str) -> list[str]:
    return _BOX.sub(" ", text).split()


def _pieces(word: str) -> Iterator[str]:
    """Every run of consecutive parts of a word broken after '_' or '-' (header wrapping)."""
    parts = re.split(r"(?<=[_-])", word)
    for i in range(len(parts)):
        for j in range(i + 1, len(parts) + 1):
            yield "".join(parts[i:j])


def _bad_words(narrow: str, wide: str) -> list[str]:
    # a word and its punctuation-stripped core both count ("people;" in one layout is
    # "people" at the end of a line in another)
    known = {q for w in _words(wide) for p in _pieces(w) for q in (p, p.strip("()[],;:*"))}
    known |= _CAPTION_WORDS
    wide_words = set(_words(wide))
    bad = []
    for word in _words(narrow):
        core = word.strip("()[],;:*")
        if word in known or core in known or _COMPACT.match(core):
            continue
        if "…" in word:
            head, _, tail = word.partition("…")
            if any(w.startswith(head) for w in wide_words if head) or any(
                tail and (w.endswith(tail) or tail.lstrip("/") in w) for w in wide_words
            ):
                continue
        bad.append(word)
    return bad


def check_fits(narrow: str, wide: str, width: int) -> None:
    long = [line for line in narrow.splitlines() if cell_len(line) > width]
    assert not long, f"{len(long)} line(s) wider than {width}:\n" + "\n".join(long[:5])
    bad = _bad_words(narrow, wide)
    assert not bad, f"words or numbers cut across lines at {width} columns: {bad[:12]}"


def test_the_check_catches_a_cut_word_and_a_cut_number() -> None:
    wide = "museum   city      followers\nrodin    Toulouse  1,237,685\n"
    cut = "museum  city    followers\nrodin   Toulous 1,237,6\n        e       85\n"
    assert set(_bad_words(cut, wide)) == {"Toulous", "e", "1,237,6", "85"}
    assert _bad_words("rodin Toul… 1.2M …/x.csv\n", wide + "/a/b/x.csv") == []


COMMANDS: dict[str, list[str]] = {
    "museums list": ["museums", "list"],
    "plugins": ["plugins"],
    "plugins --all": ["plugins", "--all"],
    "score": ["score"],
    "score quarter": ["score", "--period", "quarter"],
    "score month": ["score", "--period", "month"],
    "score with growth": ["score", "--with-growth"],
    "score growth quarter": ["score", "--with-growth", "--period", "quarter"],
    "score explain": ["score", "--explain", "louvre"],
    "compare": ["compare", "louvre", "pompidou"],
    "ranking": ["score", "--sort", "young", "--top", "10"],
    "ranking growth": ["score", "--sort", "growth", "--top", "10"],
    "compare with growth": ["compare", "louvre", "pompidou", "--with-growth"],
    "tables": ["tables"],
    "followers list": ["followers", "list"],
    "query": ["query", "SELECT slug, name, city, region, museofile_id FROM museums"],
}


def _params() -> list[object]:
    return [
        pytest.param(name, width, id=f"{name}-{width}") for name in COMMANDS for width in (80, 60)
    ]


@pytest.fixture(scope="module")
def wide_outputs() -> dict[str, str]:
    """Each command's output at WIDE columns on the module's store, run by the first test of
    the command that needs it (the store is only read: the same for both widths)."""
    return {}


@pytest.mark.parametrize(("name", "width"), _params())
def test_command_fits(
    name: str,
    width: int,
    demo: Demo,
    wide_outputs: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    args = (
        [*COMMANDS[name], "--db", str(demo.db)]
        if name != "plugins" and not name.startswith("plugins ")
        else COMMANDS[name]
    )
    narrow = _run(args, width, capsys, monkeypatch)
    if name not in wide_outputs:
        wide_outputs[name] = _run(args, WIDE, capsys, monkeypatch)
    wide = wide_outputs[name]
    assert narrow.strip()
    if name == "museums list":  # the reference is really wider: COLUMNS is honoured
        assert max(cell_len(line) for line in wide.splitlines()) > 100
    check_fits(narrow, wide, width)


def _deep_tree(root: Path) -> list[Path]:
    """A spreadsheet four folders deep, an Instagram export, an X archive."""
    deep = root / "exports" / "2024" / "reseaux-sociaux" / "musee-des-beaux-arts-de-bordeaux"
    deep.mkdir(parents=True)
    shutil.copy(FIXTURES / "spreadsheet" / "posts.csv", deep / "publications_2024_semestre1.csv")
    return [deep, FIXTURES / "instagram" / "dyi_2025", FIXTURES / "x" / "archive"]


@pytest.mark.parametrize("width", [80, 60])
def test_ingest_summary_fits(
    width: int,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    paths = [str(p) for p in _deep_tree(tmp_path)]
    narrow = _run(
        ["ingest", *paths, "--db", str(tmp_path / "a.duckdb")], width, capsys, monkeypatch
    )
    wide = _run(["ingest", *paths, "--db", str(tmp_path / "b.duckdb")], WIDE, capsys, monkeypatch)
    assert "publications_2024_semestre1.csv" in narrow  # the file name is kept, the path cut
    check_fits(narrow, wide, width)


@pytest.mark.parametrize("width", [80, 60])
def test_import_registry_fits(
    width: int,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    deep = tmp_path / "registre" / "ministere-de-la-culture" / "2024" / "liste-des-musees"
    deep.mkdir(parents=True)
    reg = deep / "musees-de-france-base-museofile.csv"
    shutil.copy(FIXTURES / "registry" / "museofile.csv", reg)
    args = ["museums", "import-registry", str(reg)]
    narrow = _run([*args, "--db", str(tmp_path / "a.duckdb")], width, capsys, monkeypatch)
    wide = _run([*args, "--db", str(tmp_path / "b.duckdb")], WIDE, capsys, monkeypatch)
    check_fits(narrow, wide, width)


@pytest.mark.parametrize("width", [80, 60])
def test_demo_output_fits(
    width: int,
    demo: Demo,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The demo's own output (its import replayed from the module's real run)."""
    import engagecore.demo

    # as a user sees it after the README's command: the store named as given, relative
    # (the demo's store was built under a long temporary path)
    relative = shlex.quote(str(demo.result.db_path))
    shown = dataclasses.replace(
        demo.result,
        next_commands=[
            c.replace(relative, "engage-demo.duckdb") for c in demo.result.next_commands
        ],
    )
    monkeypatch.setattr(engagecore.demo, "run_demo", lambda *a, **k: shown)
    args = ["demo", "--museums", "12", "--db", str(tmp_path / "unused.duckdb")]
    narrow = _run(args, width, capsys, monkeypatch)
    wide = _run(args, WIDE, capsys, monkeypatch)
    assert "louvre" in narrow
    check_fits(narrow, wide, width)
