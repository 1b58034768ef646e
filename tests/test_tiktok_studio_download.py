"""TikTok Studio's "Download data", whole: one zip per tab (Overview, Content, Followers,
Viewers), entries at the root, CSVs with a BOM, every field quoted and no final newline,
days without a year, header-only audience tables, ``undefined``, percent strings.

The fixtures (tests/fixtures/tiktok/studio_download) are the zips' contents, one folder per
zip named as the zip is; the zips are made from them here, as Studio names them."""

from __future__ import annotations

import json
import shutil
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from cli_run import run
from engage_tiktok import TikTokStudioImporter
from engage_tiktok.studio_download import TikTokStudioDownloadImporter, part_of
from test_tiktok import registered as _registered  # noqa: F401  (the fixture `registered`)

import engagecore
from engagecore import schema
from engagecore.errors import FormatError
from engagecore.pluginapi import Batch, ReadContext
from engagecore.sources import Source

STUDIO = TikTokStudioImporter()
DOWNLOAD = TikTokStudioDownloadImporter()
HANDLE = "museedemo"
OVERVIEW = "Overview_2025-12-28_1767462374_museedemo"
#: The download's days run December 28, 2025 → January 3, 2026; the first total is
#: `undefined`: a snapshot at the end of each of the six others (23:59:59 in Paris).
SNAPSHOTS = [
    (datetime(2025, 12, 29, 22, 59, 59, tzinfo=UTC), 4810),
    (datetime(2025, 12, 30, 22, 59, 59, tzinfo=UTC), 4812),
    (datetime(2025, 12, 31, 22, 59, 59, tzinfo=UTC), 4811),
    (datetime(2026, 1, 1, 22, 59, 59, tzinfo=UTC), 4830),
    (datetime(2026, 1, 2, 22, 59, 59, tzinfo=UTC), 4845),
    (datetime(2026, 1, 3, 22, 59, 59, tzinfo=UTC), 4845),
]
#: A zip that keeps no times (1980-01-01, the format's first day): only the Overview zip's
#: name can give the year.
NO_TIME = (1980, 1, 1, 0, 0, 0)


def zip_folder(folder: Path, target: Path, when: tuple[int, ...] = NO_TIME) -> Path:
    """``folder``'s files as the entries, at the root, of a stored zip named ``target``."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as zf:
        for f in sorted(folder.iterdir()):
            zf.writestr(zipfile.ZipInfo(f.name, date_time=when), f.read_bytes())  # type: ignore[arg-type]
    return target


def download(
    fixtures: Path,
    into: Path,
    handle: str = HANDLE,
    parts: tuple[str, ...] = ("Overview", "Content", "Followers", "Viewers"),
    when: tuple[int, ...] = NO_TIME,
) -> Path:
    """The four zips of one account's download, as Studio names them, in ``into``."""
    into.mkdir(parents=True, exist_ok=True)
    for folder in sorted((fixtures / "tiktok" / "studio_download").iterdir()):
        part = folder.name.partition("_")[0]
        if part not in parts:
            continue
        name = folder.name.replace(HANDLE, handle)
        if handle != HANDLE:  # another account: its own video links
            copy = into / f".{name}"
            shutil.copytree(folder, copy)
            for f in copy.glob("*.csv"):
                f.write_bytes(f.read_bytes().replace(b"@museedemo/", f"@{handle}/".encode()))
                f.write_bytes(f.read_bytes().replace(b"@MuseeDemo/", f"@{handle}/".encode()))
                f.write_bytes(f.read_bytes().replace(b"/video/7", b"/video/8"))  # its videos
            # its own followers (an import is known by its content: the same bytes twice
            # are one import)
            history = copy / "FollowerHistory.csv"
            if history.exists():
                history.write_bytes(history.read_bytes().replace(b'"48', b'"58'))
            zip_folder(copy, into / f"{name}.zip", when)
            shutil.rmtree(copy)
        else:
            zip_folder(folder, into / f"{name}.zip", when)
    return into


def read(path: Path, **options: str) -> Batch:
    source = Source.open(path)
    try:
        assert DOWNLOAD.detect(source) >= 0.85, f"{path} not claimed"
        assert STUDIO.detect(source) == 0.0
        batch = DOWNLOAD.read(source, ReadContext(timezone="Europe/Paris", options=dict(options)))
    finally:
        source.close()
    for table, df in batch.frames().items():
        assert df.schema == schema.PRODUCED[table][0], table
    return batch


def ingest(
    paths: list[Path], db: Path, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, list[dict[str, object]], str]:
    code, out, err = run(
        ["ingest", *map(str, paths), "--db", str(db), "--format", "json", *extra], capsys
    )
    return code, (json.loads(out) if code == 0 else []), err


def stored(db: Path, query: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.sql(query).fetchall()


# -- the whole download -----------------------------------------------------------------------


@pytest.mark.usefixtures("_registered")
def test_the_whole_download_imports_videos_and_followers_and_names_each_table_not_stored(
    fixtures: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = download(fixtures, tmp_path / "download")
    db = tmp_path / "s.duckdb"
    code, report, err = ingest([folder], db, capsys)
    assert code == 0, err
    assert "no importer reads" not in err  # nothing skipped
    by_file = {str(r["path"]).rsplit("/", 1)[1]: r for r in report}
    assert by_file["Content_museedemo.zip"]["posts"] == 4
    assert by_file["Followers_museedemo.zip:FollowerHistory.csv"]["follower_snapshots"] == 6
    assert by_file["Content_museedemo.zip"]["importer"] == "tiktok-studio"
    history = by_file["Followers_museedemo.zip:FollowerHistory.csv"]
    assert history["importer"] == "tiktok-studio-download"
    unstored = {
        f"{OVERVIEW}.zip": "TikTok Studio Overview: the account's daily totals (7 rows)",
        "Followers_museedemo.zip:FollowerActivity.csv": (
            "TikTok Studio FollowerActivity: active followers per hour (header only)"
        ),
        "Followers_museedemo.zip:FollowerGender.csv": (
            "TikTok Studio FollowerGender: followers by gender (3 rows)"
        ),
        "Followers_museedemo.zip:FollowerTopTerritories.csv": (
            "TikTok Studio FollowerTopTerritories: followers by country (3 rows)"
        ),
        "Viewers_museedemo.zip": (
            "TikTok Studio Viewers: total, new and returning viewers per day (7 rows)"
        ),
    }
    assert set(by_file) == {
        *unstored,
        "Content_museedemo.zip",
        "Followers_museedemo.zip:FollowerHistory.csv",
    }
    for name, note in unstored.items():
        status = str(by_file[name]["status"])
        assert status.startswith(f"imported (empty: {note}; not stored: "), status
        assert by_file[name]["importer"] == "tiktok-studio-download"
    snaps = stored(
        db, "SELECT account_id, observed_at, followers FROM follower_snapshots ORDER BY 2"
    )
    assert snaps == [(HANDLE, at, n) for at, n in SNAPSHOTS]  # December, then January 2026
    assert stored(db, "SELECT DISTINCT account_id FROM posts") == [(HANDLE,)]
    # the same download again changes nothing
    before = engagecore.open(db).store.table_digest()
    code, report, err = ingest([folder], db, capsys)
    assert code == 0, err
    assert {r["status"] for r in report} == {"already imported"}
    assert engagecore.open(db).store.table_digest() == before


@pytest.mark.usefixtures("_registered")
def test_the_download_unzipped_gives_the_same_rows(
    fixtures: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each zip unpacked into a folder of its name (what a double click does)."""
    folder = tmp_path / "download"
    shutil.copytree(fixtures / "tiktok" / "studio_download", folder)
    db = tmp_path / "s.duckdb"
    code, report, err = ingest([folder], db, capsys)
    assert code == 0, err
    assert len(report) == 7 and "no importer reads" not in err
    snaps = stored(
        db, "SELECT account_id, observed_at, followers FROM follower_snapshots ORDER BY 2"
    )
    assert snaps == [(HANDLE, at, n) for at, n in SNAPSHOTS]
    assert stored(db, "SELECT count(*) FROM posts") == [(4,)]


@pytest.mark.usefixtures("_registered")
def test_two_accounts_downloads_in_one_folder_are_two_accounts(
    fixtures: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = download(fixtures, tmp_path / "both")
    download(fixtures, folder, handle="musee.autre_2")
    db = tmp_path / "s.duckdb"
    code, report, err = ingest([folder], db, capsys)
    assert code == 0, err
    assert len(report) == 14
    rows = stored(
        db,
        "SELECT account_id, count(*), max(followers) FROM follower_snapshots GROUP BY 1 ORDER BY 1",
    )
    assert rows == [("musee.autre_2", 6, 5845), (HANDLE, 6, 4845)]
    posts = stored(db, "SELECT account_id, count(*) FROM posts GROUP BY 1 ORDER BY 1")
    assert posts == [("musee.autre_2", 4), (HANDLE, 4)]


# -- FollowerHistory: the account and the year ------------------------------------------------


def test_the_account_comes_from_the_zip_name_and_is_checked_against_account(
    fixtures: Path, tmp_path: Path
) -> None:
    folder = download(fixtures, tmp_path / "dl", parts=("Overview", "Followers"))
    member = Source.open(folder / "Followers_museedemo.zip")
    try:
        (history,) = [
            c for c in member.children(tmp_path / "work") if c.name == "FollowerHistory.csv"
        ]
        batch = DOWNLOAD.read(history, ReadContext(timezone="Europe/Paris"))
        assert batch.follower_snapshots is not None
        assert batch.follower_snapshots["account_id"].unique().to_list() == [HANDLE]
        assert batch.accounts is not None and batch.accounts["handle"].to_list() == [HANDLE]
        with pytest.raises(
            FormatError, match=r"FollowerHistory\.csv: the file is of account @museedemo"
        ):
            DOWNLOAD.read(
                history, ReadContext(timezone="Europe/Paris", options={"account": "louvre"})
            )
    finally:
        member.close()


@pytest.mark.usefixtures("_registered")
def test_the_year_comes_from_the_export_date_when_no_overview_zip_is_beside(
    fixtures: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Dates ordered and ending near the export's date (the zip's time: two days after the
    last day, as Studio's figures lag) give the year without the Overview zip."""
    folder = download(
        fixtures, tmp_path / "dl", parts=("Followers",), when=(2026, 1, 5, 18, 46, 14)
    )
    db = tmp_path / "s.duckdb"
    code, _, err = ingest([folder], db, capsys)
    assert code == 0, err
    snaps = stored(db, "SELECT observed_at, followers FROM follower_snapshots ORDER BY 1")
    assert snaps == SNAPSHOTS


@pytest.mark.parametrize("when", [NO_TIME, (2026, 3, 1, 12, 0, 0)], ids=["no time", "weeks later"])
@pytest.mark.usefixtures("_registered")
def test_followerhistory_without_a_year_is_refused_naming_the_file_and_the_overview_zip(
    fixtures: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    when: tuple[int, ...],
) -> None:
    folder = download(fixtures, tmp_path / "dl", parts=("Content", "Followers"), when=when)
    db = tmp_path / "s.duckdb"
    code, _, err = ingest([folder], db, capsys)
    assert code != 0
    line = err.strip()
    assert len(line.splitlines()) == 1, err
    assert (
        "Followers_museedemo.zip:FollowerHistory.csv: its days (December 28, …) are written "
        "without a year" in line
    )
    assert "Overview_<first day>_<number>_<handle>.zip, whose name gives the year" in line
    assert not db.exists()  # nothing of the run kept: not even an empty store


def test_an_overview_zip_of_another_period_or_account_gives_no_year(
    fixtures: Path, tmp_path: Path
) -> None:
    folder = download(fixtures, tmp_path / "dl", parts=("Followers",))
    (folder / "Overview_2025-06-01_1751000000_museedemo.zip").write_bytes(b"")  # months before
    (folder / "Overview_2025-12-28_1767462374_another.zip").write_bytes(b"")  # not this account
    member = Source.open(folder / "Followers_museedemo.zip")
    try:
        (history,) = [c for c in member.children(tmp_path / "w") if c.name == "FollowerHistory.csv"]
        with pytest.raises(FormatError, match="written without a year"):
            DOWNLOAD.read(history, ReadContext(timezone="Europe/Paris"))
        (folder / f"{OVERVIEW} (1).zip").write_bytes(b"")  # a browser's second copy: its name
        batch = DOWNLOAD.read(history, ReadContext(timezone="Europe/Paris"))
        assert batch.follower_snapshots is not None
        assert batch.follower_snapshots["followers"].to_list() == [n for _, n in SNAPSHOTS]
    finally:
        member.close()


def studio_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    lines = [",".join(f'"{c}"' for c in r) for r in [header, *rows]]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes("\n".join(lines).encode("utf-8-sig"))
    return path


HISTORY = ["Date", "Followers", "Difference in followers from previous day"]


def test_days_out_of_order_or_not_in_english_are_refused_naming_the_line(tmp_path: Path) -> None:
    folder = tmp_path / "Followers_museedemo"
    (tmp_path / f"{OVERVIEW}.zip").write_bytes(b"")
    path = studio_csv(
        folder / "FollowerHistory.csv",
        HISTORY,
        [["December 28", "10", "1"], ["December 30", "11", "0"], ["December 29", "11", "0"]],
    )
    with pytest.raises(
        FormatError, match=r"line 4: column 'Date': December 29 does not follow December 30"
    ):
        read(path)
    studio_csv(folder / "FollowerHistory.csv", HISTORY, [["28 de dezembro", "10", "1"]])
    with pytest.raises(
        FormatError, match=r"line 2: column 'Date': expected a day like 'September 25'"
    ):
        read(path)


def test_days_with_their_year_need_nothing_beside(tmp_path: Path) -> None:
    path = studio_csv(
        tmp_path / "FollowerHistory.csv",
        HISTORY,
        [["2025/12/31", "10", "1"], ["2026-01-01", "NAN", "0"], ["2026/01/02", "12", "0"]],
    )
    batch = read(path, account="@MuseeDemo")
    assert batch.follower_snapshots is not None
    assert batch.follower_snapshots["followers"].to_list() == [10, 12]
    with pytest.raises(
        FormatError, match=r"names no account: import it in its Followers_<handle>\.zip"
    ):
        read(path)


def test_a_header_only_history_is_an_import_of_nothing_that_says_why(tmp_path: Path) -> None:
    path = studio_csv(tmp_path / "Followers_museedemo" / "FollowerHistory.csv", HISTORY, [])
    batch = read(path)
    assert batch.follower_snapshots is None
    assert batch.empty_reason == (
        "TikTok Studio's FollowerHistory table holds no day with a follower total (header only)"
    )


# -- the tables not stored --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "header", "rows", "note"),
    [
        (
            "FollowerGender.csv",
            ["Gender", "Distribution"],
            [["Female", "0.61"]],
            "followers by gender (1 row)",
        ),
        (
            "FollowerTopTerritories.csv",
            ["Top territories", "Distribution"],
            [],
            "followers by country (header only)",
        ),
        (
            "FollowerActivity.csv",
            ["Date", "Hour", "Active followers"],
            [["January 3", "20", "41"]],
            "active followers per hour (1 row)",
        ),
        (
            "Viewers.csv",
            ["Date", "Total Viewers", "New Viewers", "Returning Viewers"],
            [["January 1", "undefined", "0", "0"]],
            "total, new and returning viewers per day (1 row)",
        ),
    ],
)
def test_each_table_not_stored_alone_is_recognised_without_an_account(
    tmp_path: Path, name: str, header: list[str], rows: list[list[str]], note: str
) -> None:
    batch = read(studio_csv(tmp_path / name, header, rows))
    assert batch.rows() == 0
    assert batch.empty_reason is not None and note in batch.empty_reason
    assert "not stored: " in batch.empty_reason


def test_the_viewers_workbook_is_recognised(fixtures: Path) -> None:
    pytest.importorskip("openpyxl", reason="openpyxl is a dependency: reinstall engagecore")
    batch = read(fixtures / "tiktok" / "studio_download" / "Viewers_museedemo" / "Viewers.xlsx")
    assert batch.empty_reason is not None
    assert batch.empty_reason.startswith(
        "TikTok Studio Viewers: total, new and returning viewers per day (7 rows)"
    )


def test_a_download_table_is_never_grouped_with_another(fixtures: Path, tmp_path: Path) -> None:
    """The zips unpacked all into one folder: each file its own import (each one reported);
    the folder is not claimed whole."""
    folder = tmp_path / "all"
    folder.mkdir()
    for f in (fixtures / "tiktok" / "studio_download").rglob("*.*"):
        shutil.copy(f, folder / f.name)
    source = Source.open(folder)
    group = source.subset(["FollowerHistory.csv", "FollowerGender.csv"])
    for importer in (STUDIO, DOWNLOAD):
        assert importer.detect(source) == 0.0
        assert importer.detect(group) == 0.0
        assert importer.detect(source.subset(["Content.csv", "FollowerGender.csv"])) == 0.0
    assert STUDIO.detect(Source.open(folder / "Content.csv")) >= 0.85
    assert DOWNLOAD.detect(Source.open(folder / "Content.csv")) == 0.0


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "Overview_2026-06-18_1786845545_nong.nghiep.xanh.17.zip",
            ("overview", "nong.nghiep.xanh.17", "2026-06-18"),
        ),
        ("Followers_Musee_Demo.zip", ("followers", "musee_demo", None)),
        ("Viewers_museedemo (1).zip", ("viewers", "museedemo", None)),
        ("Content_museedemo", ("content", "museedemo", None)),
        ("Overview_2026-13-40_1786845545_x.zip", None),
        ("Followers.zip", None),
    ],
)
def test_the_zip_names(name: str, expected: tuple[str, str, str | None] | None) -> None:
    found = part_of(name)
    shown = None if found is None else (found[0], found[1], found[2] and found[2].isoformat())
    assert shown == expected


def test_a_followerhistory_workbook_reads_as_the_csv(fixtures: Path, tmp_path: Path) -> None:
    """The same table as XLSX (some downloads hold workbooks): its text cells, the year
    from the Overview zip beside its folder."""
    openpyxl = pytest.importorskip("openpyxl", reason="openpyxl is a dependency")
    source = fixtures / "tiktok" / "studio_download" / "Followers_museedemo" / "FollowerHistory.csv"
    rows = [
        [c.strip('"') for c in line.split('","')]
        for line in source.read_text(encoding="utf-8-sig").splitlines()
    ]
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    folder = tmp_path / "Followers_museedemo"
    folder.mkdir()
    book.save(folder / "FollowerHistory.xlsx")
    (tmp_path / f"{OVERVIEW}.zip").write_bytes(b"")
    batch = read(folder / "FollowerHistory.xlsx")
    assert batch.follower_snapshots is not None
    got = batch.follower_snapshots.select("observed_at", "followers").rows()
    assert got == SNAPSHOTS


@pytest.mark.usefixtures("_registered")
@pytest.mark.parametrize("unpacked", [False, True], ids=["its zips", "its folders"])
def test_a_download_zipped_whole_gives_the_same_rows(
    fixtures: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], unpacked: bool
) -> None:
    """The download folder sent zipped (its zips, or the zips unpacked into folders, in one
    zip under a folder of its own): the Overview zip is found beside the Followers zip
    inside it."""
    if unpacked:
        folder = tmp_path / "download"
        shutil.copytree(fixtures / "tiktok" / "studio_download", folder)
    else:
        folder = download(fixtures, tmp_path / "download")
    whole = tmp_path / "sent.zip"
    with zipfile.ZipFile(whole, "w") as zf:
        for f in sorted(folder.rglob("*")):
            if f.is_file():
                zf.write(f, f"tiktok/{f.relative_to(folder).as_posix()}")
    db = tmp_path / "s.duckdb"
    code, report, err = ingest([whole], db, capsys)
    assert code == 0, err
    assert len(report) == 7 and "no importer reads" not in err
    snaps = stored(db, "SELECT observed_at, followers FROM follower_snapshots ORDER BY 1")
    assert snaps == SNAPSHOTS


def test_a_followerhistory_cut_short_is_refused_naming_the_line(tmp_path: Path) -> None:
    (tmp_path / f"{OVERVIEW}.zip").write_bytes(b"")
    path = studio_csv(
        tmp_path / "Followers_museedemo" / "FollowerHistory.csv",
        HISTORY,
        [["December 28", "10", "1"], ["December 29", "11", "0"]],
    )
    whole = path.read_bytes()
    path.write_bytes(whole[: whole.rindex(b'"11"') + 2])  # `"December 29","1`
    with pytest.raises(FormatError, match=r"line 3: not a readable CSV: .* \(a file cut short\?\)"):
        read(path)
    path.write_bytes(whole[: whole.rindex(b',"11"')])  # `"December 29"`: one column of three
    with pytest.raises(FormatError, match=r"line 3: expected 3 columns as in the header, got 1"):
        read(path)
