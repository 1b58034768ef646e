"""A folder or a zip is a tree: every export in it is found and imported, each by its own
importer, in one all-or-nothing ingest; files no importer reads are reported."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import polars as pl
import pytest
from cli_run import run

import engagecore
from engagecore import plugins
from engagecore.demo import DEMO_END, DEMO_START, POSTS_PER_ACCOUNT, _write_exports
from engagecore.errors import DetectionError, EngageError, FormatError
from engagecore.ingest import walk
from engagecore.simulate import Cohort, simulate_cohort


def _cohort(n: int = 4, seed: int = 3) -> Cohort:
    reg = plugins.registry()
    networks = {k: s for k, s in reg.networks.items() if k in reg.demo_writers}
    return simulate_cohort(
        n, seed, networks, start=DEMO_START, end=DEMO_END, posts_per_account=POSTS_PER_ACCOUNT
    )


def _demo_folder(folder: Path, n: int = 4, seed: int = 3) -> tuple[Cohort, list[Path]]:
    """The folder `engage demo --keep-files` writes: facebook/, instagram/, x/, youtube/."""
    cohort = _cohort(n, seed)
    paths = _write_exports(cohort, plugins.registry().demo_writers, folder)
    return cohort, paths


def _zip_tree(folder: Path, target: Path, top: str = "") -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                z.write(p, top + p.relative_to(folder).as_posix())
    return target


def _counts(db: Path) -> dict[str, int]:
    with engagecore.open(db) as eng:
        row = eng.store.fetchall(
            "SELECT (SELECT count(*) FROM posts), (SELECT count(*) FROM follower_snapshots), "
            "(SELECT count(*) FROM audience_age), (SELECT count(*) FROM accounts)"
        )[0]
    return dict(zip(("posts", "follower_snapshots", "audience_age", "accounts"), row, strict=True))


def _posts_by_network(db: Path) -> dict[str, int]:
    with engagecore.open(db) as eng:
        return dict(eng.store.fetchall("SELECT network, count(*) FROM posts GROUP BY network"))


def test_the_demo_folder_imports_every_export(tmp_path: Path) -> None:
    cohort, paths = _demo_folder(tmp_path / "demo")
    folders = {p.name for p in (tmp_path / "demo").iterdir()}
    assert folders == set(cohort.accounts["network"].to_list())
    assert folders >= {"facebook", "instagram", "x", "youtube"}
    with engagecore.open(tmp_path / "tree.duckdb") as eng:
        report = eng.ingest([tmp_path / "demo"])
    assert report.skipped_files == []
    # every post the simulated cohort wrote, every network
    expected = cohort.posts.group_by("network").len()
    assert _posts_by_network(tmp_path / "tree.duckdb") == dict(expected.iter_rows())
    assert _counts(tmp_path / "tree.duckdb")["posts"] == cohort.posts.height
    assert _counts(tmp_path / "tree.duckdb")["accounts"] == cohort.accounts.height
    # the same store as importing each export the writers listed, one by one
    with engagecore.open(tmp_path / "paths.duckdb") as eng:
        eng.ingest(paths)
    assert _counts(tmp_path / "tree.duckdb") == _counts(tmp_path / "paths.duckdb")
    # each export by its own importer: the X archives are one unit each, not one for all
    x_units = [u for u in report.units if u.importer == "x-archive"]
    assert len(x_units) == cohort.accounts.filter(pl.col("network") == "x").height


def test_the_cli_imports_the_demo_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cohort, _ = _demo_folder(tmp_path / "demo", n=2, seed=5)
    db = tmp_path / "c.duckdb"
    code, _out, err = run(["ingest", str(tmp_path / "demo"), "--db", str(db)], capsys)
    assert code == 0, err
    assert f"{cohort.posts.height} post(s)" in err.replace(",", "")
    assert _counts(db)["posts"] == cohort.posts.height


def test_a_zip_of_a_mixed_tree_and_the_same_tree_unzipped(tmp_path: Path) -> None:
    cohort, _ = _demo_folder(tmp_path / "demo")
    archive = _zip_tree(tmp_path / "demo", tmp_path / "exports.zip", top="exports/")
    db = tmp_path / "z.duckdb"
    with engagecore.open(db) as eng:
        report = eng.ingest([archive])
        assert report.skipped_files == []
        # messages and provenance name the member in the zip
        assert all(u.path.startswith(str(archive) + ":exports/") for u in report.units)
        assert eng.store.fetchall("SELECT count(*) FROM imports WHERE path LIKE '%.zip:%'")[0][
            0
        ] == len(report.units)
    assert _counts(db)["posts"] == cohort.posts.height
    # the unzipped tree is the same data: every part of it is recognised as imported
    with engagecore.open(db) as eng:
        before = eng.store.table_digest()
        again = eng.ingest([tmp_path / "demo"])
        assert {u.status for u in again.units} == {"already imported"}
        assert eng.store.table_digest() == before


def test_nested_zips_and_folders_at_any_depth(tmp_path: Path, fixtures: Path) -> None:
    cohort, _ = _demo_folder(tmp_path / "demo", n=2, seed=7)
    demo = tmp_path / "demo"
    tree = tmp_path / "tree"
    (tree / "deep" / "er").mkdir(parents=True)
    # x/ zipped alone, inside a zip holding instagram/ too, inside a folder
    inner = _zip_tree(demo / "x", tmp_path / "x.zip")
    outer = tree / "deep" / "outer.zip"
    with zipfile.ZipFile(outer, "w") as z:
        z.write(inner, "nested/x.zip")
        for p in sorted((demo / "instagram").rglob("*")):
            if p.is_file():
                z.write(p, "instagram/" + p.relative_to(demo / "instagram").as_posix())
        z.writestr("notes/readme.txt", "what is in here")
        z.write(fixtures / "spreadsheet" / "posts.csv", "sheets/posts.csv")
    shutil.copytree(demo / "facebook", tree / "deep" / "er" / "facebook")
    shutil.copytree(demo / "youtube", tree / "youtube")
    (tree / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0")
    db = tmp_path / "n.duckdb"
    with engagecore.open(db) as eng:
        report = eng.ingest([tree])
    importers = {u.importer for u in report.units}
    assert {"x-archive", "instagram-export", "facebook-graph", "spreadsheet"} <= importers
    sheet = pl.read_csv(fixtures / "spreadsheet" / "posts.csv")
    # the four networks copied into the tree (the demo's other networks are left out)
    copied = cohort.posts.filter(pl.col("network").is_in(["x", "instagram", "facebook", "youtube"]))
    assert _counts(db)["posts"] == copied.height + sheet.height
    assert sorted(report.skipped_files) == sorted(
        [f"{outer}:notes/readme.txt", str(tree / "photo.png")]
    )
    x_unit = next(u for u in report.units if u.importer == "x-archive")
    assert x_unit.path.startswith(f"{outer}:nested/x.zip:")


def test_an_x_archive_root_beside_other_exports_is_not_swallowed(
    tmp_path: Path, fixtures: Path
) -> None:
    """X's archive importer once claimed any folder with a tweets.js somewhere below it."""
    top = tmp_path / "museum"
    shutil.copytree(fixtures / "x" / "archive" / "data", top / "data")
    shutil.copytree(fixtures / "facebook" / "graph", top / "facebook")
    shutil.copy(fixtures / "youtube" / "table_data_engagement.csv", top / "Table data.csv")
    found = walk([top])
    assert sorted(u.importer.name for u in found.units) == [
        "facebook-graph",
        "x-archive",
        "youtube-studio-csv",
    ]
    x_unit = next(u for u in found.units if u.importer.name == "x-archive")
    assert x_unit.source.path == top / "data"
    found.close()


def test_skipped_files_are_listed_on_one_line(
    tmp_path: Path, fixtures: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(fixtures / "spreadsheet" / "posts.csv", folder / "posts.csv")
    for n in range(12):
        (folder / f"note-{n:02d}-with-a-rather-long-name.txt").write_text("hello")
    code, _out, err = run(["ingest", str(folder), "--db", str(tmp_path / "s.duckdb")], capsys)
    assert code == 0, err
    lines = [line for line in err.splitlines() if line.startswith("skipped")]
    assert len(lines) == 1
    assert lines[0].startswith("skipped: 12 files no importer reads: note-00")
    assert "…" in lines[0] and len(lines[0]) <= 80
    # also beside a JSON report (on stderr: stdout stays JSON)
    code, out, err = run(
        ["ingest", str(folder), "--db", str(tmp_path / "j.duckdb"), "--format", "json"], capsys
    )
    assert code == 0 and json.loads(out)[0]["importer"] == "spreadsheet"
    assert err.startswith("skipped: 12 files no importer reads: ")
    with engagecore.open(tmp_path / "s2.duckdb") as eng:
        report = eng.ingest([folder])
    assert len(report.skipped_files) == 12


def test_a_malformed_member_keeps_nothing_of_the_tree(tmp_path: Path, fixtures: Path) -> None:
    _demo_folder(tmp_path / "demo", n=2, seed=9)
    shutil.copy(
        fixtures / "facebook" / "malformed" / "posts_bad_count.json",
        tmp_path / "demo" / "youtube" / "posts_bad_count.json",
    )
    archive = _zip_tree(tmp_path / "demo", tmp_path / "demo.zip")
    db = tmp_path / "m.duckdb"
    with engagecore.open(db) as eng:
        eng.ingest([fixtures / "spreadsheet" / "posts.csv"])
        before = eng.store.table_digest()
        imports = eng.imports().height
        for target in (tmp_path / "demo", archive):
            with pytest.raises(FormatError, match=r"posts_bad_count\.json"):
                eng.ingest([target])
            assert eng.store.table_digest() == before
            assert eng.imports().height == imports


def test_an_explicit_folder_with_nothing_importable_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "f").mkdir()
    (tmp_path / "f" / "a.txt").write_text("x")
    with pytest.raises(DetectionError, match=r"no importable export found in this folder \(1 "):
        walk([tmp_path / "f"])
    empty_zip = tmp_path / "e.zip"
    with zipfile.ZipFile(empty_zip, "w") as z:
        z.writestr("docs/a.txt", "x")
    with pytest.raises(DetectionError, match="no importable export found in this zip"):
        walk([empty_zip])


def test_a_zip_named_otherwise_inside_a_tree_is_a_file(tmp_path: Path, fixtures: Path) -> None:
    """An .xlsx is a zip: it is not walked into, just skipped (and named) as one file."""
    folder = tmp_path / "t"
    folder.mkdir()
    with zipfile.ZipFile(folder / "book.xlsx", "w") as z:
        z.writestr("xl/workbook.xml", "<x/>")
    shutil.copy(fixtures / "spreadsheet" / "posts.csv", folder / "posts.csv")
    found = walk([folder])
    assert found.skipped == [str(folder / "book.xlsx")]
    found.close()


def test_errors_name_members_inside_zips(tmp_path: Path) -> None:
    bad = tmp_path / "b.zip"
    with zipfile.ZipFile(bad, "w") as z:
        z.writestr(
            "exports/x/page.json",
            '{"data": [{"id": "1", "text": "hi", "edit_history_tweet_ids": ["1"]}]}',
        )
        z.writestr("exports/other.txt", "x")
    with engagecore.open(tmp_path / "b.duckdb") as eng, pytest.raises(EngageError) as info:
        eng.ingest([bad])
    assert f"{bad}:exports/x/page.json" in str(info.value)


def test_loose_responses_of_several_networks_side_by_side(tmp_path: Path, fixtures: Path) -> None:
    """Graph posts pages and their insights, beside other networks' files in one folder (or
    zip), are read together by their importer: the insights meet their posts."""
    mixed = tmp_path / "responses"
    mixed.mkdir()
    for f in (fixtures / "facebook" / "graph").iterdir():
        shutil.copy(f, mixed / f.name)
    shutil.copy(fixtures / "instagram" / "graph" / "media_with_insights.json", mixed / "ig.json")
    shutil.copy(fixtures / "youtube" / "videos_list.json", mixed)
    shutil.copy(fixtures / "x" / "api" / "tweets-page.json", mixed)
    (mixed / "notes.txt").write_text("where these came from")

    def facebook(db: Path) -> list[tuple[int, ...]]:
        with engagecore.open(db) as eng:
            return eng.store.fetchall(
                "SELECT count(*), count(reach), count(impressions), "
                "(SELECT count(*) FROM follower_snapshots WHERE network = 'facebook') "
                "FROM posts WHERE network = 'facebook'"
            )

    with engagecore.open(tmp_path / "alone.duckdb") as eng:
        eng.ingest([fixtures / "facebook" / "graph"])
    archive = _zip_tree(mixed, tmp_path / "responses.zip")
    for i, target in enumerate((mixed, archive)):
        db = tmp_path / f"mixed{i}.duckdb"
        with engagecore.open(db) as eng:
            report = eng.ingest([target])
        assert sorted(u.importer for u in report.units) == [
            "facebook-graph",
            "instagram-graph",
            "x-api",
            "youtube-data-api",
        ]
        assert [Path(p.replace(":", "/")).name for p in report.skipped_files] == ["notes.txt"]
        assert facebook(db) == facebook(tmp_path / "alone.duckdb")
        assert set(_posts_by_network(db)) == {"facebook", "instagram", "x", "youtube"}
    # the zip's parts have the digests of the same files unzipped
    with engagecore.open(tmp_path / "mixed1.duckdb") as eng:
        again = eng.ingest([mixed])
    assert {u.status for u in again.units} == {"already imported"}


def test_a_zip_with_an_instagram_export_folder_beside_an_x_folder(tmp_path: Path) -> None:
    """Instagram's importer claims a zip whose one top folder is its export; not a zip that
    also holds other exports beside that folder."""
    _demo_folder(tmp_path / "demo", n=1, seed=11)
    demo = tmp_path / "demo"
    ig = next((demo / "instagram").iterdir())
    archive = tmp_path / "two.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for p in sorted(ig.rglob("*")):
            if p.is_file():
                z.write(p, f"{ig.name}/{p.relative_to(ig).as_posix()}")
        for p in sorted((demo / "x").rglob("*")):
            if p.is_file():
                z.write(p, "x/" + p.relative_to(demo / "x").as_posix())
    found = walk([archive])
    assert sorted(u.importer.name for u in found.units) == ["instagram-export", "x-archive"]
    found.close()


@pytest.mark.slow
def test_the_folder_engage_demo_keeps_gives_every_post(tmp_path: Path) -> None:
    """The issue's own case: the folder `engage demo --keep-files D` writes (the default 60
    museums, seed 0, the demo's own writer), then `engage ingest D`."""
    cohort, _ = _demo_folder(tmp_path / "D", n=60, seed=0)
    db = tmp_path / "again.duckdb"
    with engagecore.open(db) as eng:
        report = eng.ingest([tmp_path / "D"])
    assert report.skipped_files == []
    assert _counts(db)["posts"] == cohort.posts.height
    assert _counts(db)["accounts"] == cohort.accounts.height
    assert _posts_by_network(db) == dict(cohort.posts.group_by("network").len().iter_rows())
