"""``engage plugins new NAME``: a plugin skeleton that installs, passes its own tests as
generated, and is scored with its own young-audience prior and rate basis order."""

from __future__ import annotations

import importlib.metadata as md
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from cli_run import run

ROOT = Path(__file__).resolve().parents[1]
NAME = "zine-stream"  # a network no plugin of the test session registers


def _env(site: Path) -> dict[str, str]:
    """The environment of a subprocess: the generated plugin installed in ``site``, then
    this checkout's engagecore and plugins; no setting of this test session's."""
    paths = [str(site), str(ROOT / "src"), str(ROOT / "plugins")]
    if os.environ.get("PYTHONPATH"):
        paths.append(os.environ["PYTHONPATH"])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ENGAGE_", "PYTEST_"))}
    return {**env, "PYTHONPATH": os.pathsep.join(paths)}


def _declare_the_kit(site: Path) -> None:
    """engagecore's ``pytest11`` entry point as this checkout's pyproject.toml declares it,
    in ``site``, when the installed engagecore's metadata lacks it (installed from an older
    checkout): the generated tests then get the kit's fixtures as after ``pip install
    engagecore``, with a plain ``pytest``."""
    if any(e.value == "engagecore.testing" for e in md.entry_points(group="pytest11")):
        return
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    declared = project["entry-points"]["pytest11"]
    info = site / "engagecore_kit_entry_point-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: engagecore-kit-entry-point\nVersion: 1.0\n", "utf-8"
    )
    lines = "".join(f"{name} = {value}\n" for name, value in declared.items())
    (info / "entry_points.txt").write_text(f"[pytest11]\n{lines}", "utf-8")


def _step(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, f"{args}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.mark.slow  # six subprocesses: pip, the plugin's pytest, ingest, followers add, score, a spec read
def test_generated_plugin_installs_passes_its_tests_and_scores_with_its_own_prior_and_basis(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "engage-zine-stream"
    code, out, err = run(["plugins", "new", NAME, "--dir", str(folder)], capsys)
    assert code == 0, err
    assert "network 'zine_stream'" in out and "package engage_zine_stream" in out
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert files == [
        "README.md",
        "pyproject.toml",
        "samples/posts.csv",
        "src/engage_zine_stream/__init__.py",
        "src/engage_zine_stream/posts_csv.py",
        "tests/test_engage_zine_stream.py",
    ]
    for f in files:  # every placeholder filled
        text = (folder / f).read_text("utf-8")
        assert "${" not in text and "__pkg__" not in text, f
    pyproject = (folder / "pyproject.toml").read_text("utf-8")
    assert '[project.entry-points.engagecore]\nzine_stream = "engage_zine_stream"' in pyproject
    assert '"engagecore>=' in pyproject and 'build-backend = "hatchling.build"' in pyproject
    assert "ENGAGE_PLUGIN_API = 1" in (folder / "src/engage_zine_stream/__init__.py").read_text()

    # installed for real (a wheel built by hatchling, with its entry point), beside the venv
    site = tmp_path / "site"
    _step(
        ["-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index",
         "--disable-pip-version-check", "--quiet", "--target", str(site), str(folder)],
        tmp_path, os.environ.copy(),
    )  # fmt: skip
    assert (site / "engage_zine_stream" / "posts_csv.py").is_file()
    (dist_info,) = site.glob("engage_zine_stream-*.dist-info")
    assert "zine_stream = engage_zine_stream" in (dist_info / "entry_points.txt").read_text()

    _declare_the_kit(site)
    env = _env(site)
    # its own tests pass as generated, run as its author runs them
    report = _step(["-m", "pytest", "-q", "-p", "no:cacheprovider"], folder, env)
    tests = (
        (folder / "tests" / "test_engage_zine_stream.py").read_text("utf-8").count("\ndef test_")
    )
    assert tests >= 5
    assert re.search(rf"^{tests} passed in ", report, re.MULTILINE), report

    # imported through its entry point, scored with the prior and basis order it ships
    db = str(tmp_path / "engage.duckdb")
    sample = str(folder / "samples" / "posts.csv")
    ingest = json.loads(
        _step(["-m", "engagecore", "ingest", sample, "--db", db, "--format", "json"], tmp_path, env)
    )  # fmt: skip
    assert [(r["importer"], r["network"], r["posts"]) for r in ingest] == [
        ("zine_stream-posts-csv", "zine_stream", 3)
    ]
    # a follower count typed by hand: the default order would now rate by followers; the
    # plugin's basis_order ("views", "followers") keeps views first
    _step(["-m", "engagecore", "followers", "add", "zine_stream", "musee_demo", "5000",
           "--db", db], tmp_path, env)  # fmt: skip
    scores = json.loads(
        _step(["-m", "engagecore", "score", "--network", "zine_stream", "--db", db,
               "--format", "json"], tmp_path, env)
    )  # fmt: skip
    (row,) = [r for r in scores if r["network"] == "zine_stream"]
    assert row["followers"] == 5000 and row["posts_rated"] == 3
    assert row["rate_basis"] == "views"
    # the young share estimated from the generated prior: its 13-17 and 18-24 bands
    shipped = json.loads(
        _step(["-c", "import json, engage_zine_stream as m; n = m.NETWORK; print(json.dumps("
               "{'bands': dict(n.young_prior.bands), 'sources': n.young_prior.sources, "
               "'basis_order': n.basis_order}))"], tmp_path, env)
    )  # fmt: skip
    assert shipped["basis_order"] == ["views", "followers"]
    young = shipped["bands"]["13-17"] + shipped["bands"]["18-24"]
    assert row["young_basis"] == "estimated (platform prior)"
    assert row["typical_young_share"] == pytest.approx(young, abs=1e-6)
    assert row["young_share"] == pytest.approx(young, abs=1e-6)
    assert row["young_source"] == f"zine_stream plugin: {shipped['sources'][0]}"
    assert row["young_reach"] == round(young * 5000)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Zine"], "plugin name 'Zine': expected a lower-case slug"),
        (["zine stream"], "plugin name 'zine stream': expected a lower-case slug"),
        (["9zine"], "plugin name '9zine': expected a lower-case slug"),
        (["zine--x"], "plugin name 'zine--x': expected a lower-case slug"),
        (["zine", "--network", "Zine"], "network 'Zine': expected a lower-case name"),
        (["zine", "--network", "class"], "network 'class': expected a lower-case name"),
        (["zine", "--network", "youtube"], "network 'youtube' is already registered by plugin 'youtube'"),
        (["x", "--network", "x2"], "a Python package 'engage_x' is already installed: choose another NAME"),
    ],
)  # fmt: skip
def test_a_bad_name_is_one_line_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    folder = tmp_path / "out"
    code, out, err = run(["plugins", "new", *args, "--dir", str(folder)], capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err, err
    assert not folder.exists()


def test_an_existing_folder_that_is_not_empty_is_refused_and_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "engage-zine"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine\n", "utf-8")
    code, out, err = run(["plugins", "new", "zine", "--dir", str(folder)], capsys)
    assert code == 2 and out == ""
    assert (
        err == f"engage: error: {folder}: exists and is not an empty folder; choose another --dir\n"
    )
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["engage-zine"]  # no staging left
    # a file in the way too; an empty folder is filled
    (tmp_path / "file").write_text("x", "utf-8")
    code, _, err = run(["plugins", "new", "zine", "--dir", str(tmp_path / "file")], capsys)
    assert code == 2 and "exists and is not an empty folder" in err
    (tmp_path / "empty").mkdir()
    code, _, err = run(["plugins", "new", "zine", "--dir", str(tmp_path / "empty")], capsys)
    assert code == 0, err
    assert (tmp_path / "empty" / "src" / "engage_zine" / "__init__.py").is_file()


def test_default_folder_names_and_a_leading_engage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run(["plugins", "new", "engage-art_feed"], capsys)
    assert code == 0, err
    assert out.startswith("wrote engage-art-feed: plugin engage-art-feed (package engage_art_feed")
    folder = tmp_path / "engage-art-feed"
    init = (folder / "src" / "engage_art_feed" / "__init__.py").read_text("utf-8")
    assert 'name="art_feed"' in init and 'display_name="Art Feed"' in init
    assert "class ArtFeedPostsCsvImporter" in (
        folder / "src" / "engage_art_feed" / "posts_csv.py"
    ).read_text("utf-8")
    assert 'name = "engage-art-feed"' in (folder / "pyproject.toml").read_text("utf-8")


def test_the_listing_is_still_engage_plugins(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["plugins", "--format", "json"], capsys)
    assert code == 0 and "youtube" in {r["name"] for r in json.loads(out)}
    code, out, _ = run(["plugins", "--help"], capsys)
    assert code == 0 and "new" in out and "--all" in out


def _guide_sections() -> dict[str, str]:
    text = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    parts = re.split(r"^## (.+)$", text, flags=re.MULTILINE)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts), 2)}


def test_the_guide_covers_the_store_followers_priors_errors_and_the_kit() -> None:
    from engagecore import schema, testing

    sections = _guide_sections()
    store = sections["The store: column types and post kinds"]
    for table, (columns, required) in schema.PRODUCED.items():
        assert f"**`{table}`**" in store, table
        for column in columns.names():
            assert f"`{column}`" in store, f"{table}.{column}"
        assert all(f"`{c}`" in store for c in required)
    assert all(f"`{k}`" in store for k in schema.POST_KINDS)
    assert all(b in store for b in schema.AGE_BASES)
    assert "engage followers add NETWORK HANDLE N" in sections["A network without followers"]
    prior = sections["Shipping a young prior and a basis order"]
    assert "YoungPrior" in prior and "basis_order" in prior and "ENGAGE_YOUNG_PRIORS" in prior
    errors = sections["Errors: one line, naming the file and the record"]
    assert "record=" in errors and 'f"line {reader.line_num}"' in errors
    kit = sections["Testing a plugin: the conformance kit"]
    checks = [n for n in dir(testing) if n.startswith("check_")]
    assert {"check_network", "check_importer", "check_demo_roundtrip"} <= set(checks)
    for name in [*checks, "check_read", "foreign_file", "pytest11"]:
        assert f"{name}" in kit, name


def test_the_worked_example_names_every_file_the_generator_writes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "engage-pixelfed"
    code, _, err = run(["plugins", "new", "pixelfed", "--dir", str(folder)], capsys)
    assert code == 0, err
    example = _guide_sections()["A worked example: the generated skeleton"]
    for path in folder.rglob("*"):
        if path.is_file():
            assert path.name in example, path.relative_to(folder)
    init = (folder / "src" / "engage_pixelfed" / "__init__.py").read_text("utf-8")
    importer = (folder / "src" / "engage_pixelfed" / "posts_csv.py").read_text("utf-8")
    for shown in ('name = "pixelfed-posts-csv"', "PixelfedPostsCsvImporter", "ENGAGE_PLUGIN_API = 1"):
        assert shown in example and shown in init + importer, shown
    assert (
        'basis_order=("views", "followers")' in example
        and 'basis_order=("views", "followers")' in init
    )
    head = (folder / "samples" / "posts.csv").read_text("utf-8").splitlines()[0]
    assert head in example
