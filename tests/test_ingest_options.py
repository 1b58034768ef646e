"""`engage ingest` options and their Python keywords: zero rows read, --account for files that
do not name their account, API parity, what an unread file is, escaped summaries."""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_run import run

import engagecore
from engagecore import plugins
from engagecore.errors import DetectionError, EngageError, FormatError, UsageError, cli_options
from engagecore.hookspecs import hookimpl
from engagecore.ingest import describe_unread
from engagecore.pluginapi import Batch, Importer, ReadContext
from engagecore.sources import Source


def _digest(db: Path) -> tuple[dict[str, str], int]:
    with engagecore.open(db) as eng:
        return eng.store.table_digest(), eng.accounts().height


def _header_only(src: Path, dst: Path) -> Path:
    raw = src.read_text(encoding="utf-8-sig")
    first = next(csv.reader(io.StringIO(raw)))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(first)
    dst.write_text(out.getvalue(), encoding="utf-8")
    return dst


# -- zero rows read ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fixture",
    [
        "youtube/table_data_engagement.csv",
        "facebook/business_suite/fb_en_views.csv",
        "spreadsheet/posts.csv",
    ],
)
def test_a_header_only_csv_is_an_error_unless_allowed(
    fixture: str, fixtures: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _header_only(fixtures / fixture, tmp_path / Path(fixture).name)
    db = tmp_path / "e.duckdb"
    with engagecore.open(db) as eng:
        eng.ingest(fixtures / "spreadsheet" / "posts.csv")  # something already stored
    before = _digest(db)
    args = ["ingest", str(path), "--account", "UCabc", "--db", str(db)]
    code, _out, err = run(args, capsys)
    assert code != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0] and "--allow-empty" in lines[0]
    assert "no posts, follower counts or audience ages" in lines[0]
    assert _digest(db) == before  # no empty account appeared
    code, _out, err = run([*args, "--allow-empty"], capsys)
    assert code == 0, err
    with engagecore.open(db) as eng:
        status = eng.imports().height
    assert status == 2


def test_allow_empty_keyword_and_its_message_in_python(fixtures: Path, tmp_path: Path) -> None:
    path = _header_only(
        fixtures / "youtube" / "table_data_engagement.csv", tmp_path / "Table data.csv"
    )
    with engagecore.open(tmp_path / "p.duckdb") as eng:
        with pytest.raises(FormatError, match=r"allow_empty=True") as info:
            eng.ingest([path], account="UCabc")
        assert "--allow-empty" not in str(info.value)
        report = eng.ingest([path], account="UCabc", allow_empty=True)
        assert report.units[0].status == "imported (empty: allowed)"
        assert eng.accounts()["account_id"].to_list() == ["UCabc"]


def test_an_api_page_past_the_last_result_needs_no_allow_empty(
    fixtures: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    shutil.copy(fixtures / "x" / "api" / "tweets-page.json", folder / "page-1.json")
    shutil.copy(fixtures / "x" / "api" / "empty-page.json", folder / "page-2.json")
    with engagecore.open(tmp_path / "a.duckdb") as eng:
        report = eng.ingest([folder])
    assert [u.status for u in report.units] == [
        "imported",
        "imported (empty: a page past the last post)",
    ]


# -- --account for files that do not name their account ---------------------------------------


def _no_author(fixtures: Path, tmp_path: Path) -> Path:
    """A user-timeline page as X returns it when tweet.fields does not ask for author_id."""
    doc = json.loads((fixtures / "x" / "api" / "tweets-page.json").read_text(encoding="utf-8"))
    for t in doc["data"]:
        t.pop("author_id", None)
    doc.pop("includes", None)
    path = tmp_path / "timeline.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_an_x_timeline_without_author_id_takes_the_account_given(
    fixtures: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _no_author(fixtures, tmp_path)
    db = tmp_path / "x.duckdb"
    code, _out, err = run(["ingest", str(path), "--db", str(db)], capsys)
    assert code == 1 and "author_id" in err and "--account ID" in err
    code, _out, err = run(["ingest", str(path), "--account", "1318554661", "--db", str(db)], capsys)
    assert code == 0, err
    with engagecore.open(db) as eng:
        posts = eng.posts()
        assert posts.height == 6 and set(posts["account_id"]) == {"1318554661"}
    # a handle stands for the account when the page names no id
    with engagecore.open(tmp_path / "h.duckdb") as eng:
        eng.ingest(path, account="@MuseeOrsay")
        acc = eng.accounts()
        assert acc.select("account_id", "handle").rows() == [("MuseeOrsay", "MuseeOrsay")]


def test_a_file_naming_another_account_than_the_one_given_is_refused(
    fixtures: Path, tmp_path: Path
) -> None:
    db = tmp_path / "m.duckdb"
    cases = [
        (fixtures / "x" / "api" / "tweets-page.json", "999", "1318554661"),
        (fixtures / "x" / "api" / "user.json", "@SomeoneElse", "MuseeOrsay"),
        (fixtures / "x" / "archive", "@MuseeLouvre", "MuseeOrsay"),
        (fixtures / "youtube" / "videos_list.json", "UCother", "UC"),
        (fixtures / "facebook" / "business_suite" / "fb_en_views.csv", "1", "104958162837"),
        (fixtures / "facebook" / "graph", "1", "page"),
        (fixtures / "spreadsheet" / "posts.csv", "museeorsay", "museelouvre"),
    ]
    with engagecore.open(db) as eng:
        before = eng.store.table_digest()
        for path, given, named in cases:
            with pytest.raises(FormatError, match=rf"not account={given.lstrip('@')}") as info:
                eng.ingest([path], account=given)
            assert named in str(info.value)
            assert eng.store.table_digest() == before
        # the same account, by id or by handle in any case, is accepted
        eng.ingest([fixtures / "x" / "api" / "tweets-page.json"], account="1318554661")
        eng.ingest([fixtures / "x" / "archive"], account="@museeorsay")
    with cli_options(), pytest.raises(FormatError, match=r"not --account 999; drop --account"):
        engagecore.open(db).ingest([fixtures / "x" / "api" / "user.json"], account="999")


def test_account_fills_what_a_file_leaves_blank(fixtures: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(
        "network,account,post_id,posted_at,likes\n"
        "x,,1,2024-01-01T10:00:00Z,3\n"
        "x,@MyMuseum,2,2024-01-02T10:00:00Z,4\n",
        encoding="utf-8",
    )
    bs = tmp_path / "bs.csv"
    rows = list(
        csv.reader(
            io.StringIO(
                (fixtures / "facebook" / "business_suite" / "fb_en_views.csv").read_text(
                    encoding="utf-8-sig"
                )
            )
        )
    )
    keep = [i for i, h in enumerate(rows[0]) if h not in ("Page ID", "Page name")]
    out = io.StringIO()
    csv.writer(out).writerows([[r[i] for i in keep] for r in rows])
    bs.write_text(out.getvalue(), encoding="utf-8")
    with engagecore.open(tmp_path / "f.duckdb") as eng:
        with pytest.raises(FormatError, match=r"Page ID.*or name the account with account=ID"):
            eng.ingest([bs])
        # --account names one account: files of two networks are imported one run each
        # (tests/test_qa_stop27_ingest.py: one run of both is refused)
        eng.ingest([sheet], account="MyMuseum", options={"account": "MyMuseum"})
        eng.ingest([bs], account="MyMuseum")
        acc = eng.accounts().select("network", "account_id", "posts").rows()
    assert ("x", "MyMuseum", 2) in acc
    assert ("facebook", "MyMuseum", len(rows) - 1) in acc


# -- Python API parity --------------------------------------------------------------------------


def test_every_ingest_option_has_its_keyword(fixtures: Path, tmp_path: Path) -> None:
    studio = fixtures / "youtube" / "table_data_engagement.csv"
    db = tmp_path / "k.duckdb"
    with engagecore.open(db) as eng:
        eng.museums.add("Musée du Louvre", slug="louvre")
        dry = eng.ingest(str(studio), account="UCxyz", dry_run=True)
        assert dry.units[0].status == "dry run" and eng.posts().height == 0
        report = eng.ingest(
            [studio],
            account="UCxyz",
            museum="louvre",
            network="youtube",
            timezone="UTC",
            dry_run=False,
            allow_empty=False,
        )
        assert report.units[0].museums == ["louvre"]
        posts = eng.posts()
        # "Aug 14, 2023" at 12:00 in the zone given
        assert str(posts.sort("posted_at")["posted_at"][0]).startswith("2023-08-14 12:00")
        assert set(posts["account_id"]) == {"UCxyz"} and set(posts["museum"]) == {"louvre"}
    with pytest.raises(UsageError, match="disagree"):
        engagecore.open(tmp_path / "o.duckdb").ingest(
            [studio], account="UCa", options={"account": "UCb"}
        )


def test_api_errors_name_the_keyword_and_the_cli_the_flag(
    fixtures: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with engagecore.open(tmp_path / "n.duckdb") as eng, pytest.raises(DetectionError) as info:
        eng.ingest([fixtures / "spreadsheet" / "posts.csv"], network="foo")
    assert str(info.value).startswith("network 'foo': no importer for it; known: ")
    assert "--network" not in str(info.value)
    code, _out, err = run(
        [
            "ingest",
            str(fixtures / "youtube" / "table_data_engagement.csv"),
            "--db",
            str(tmp_path / "c.duckdb"),
        ],
        capsys,
    )
    assert code == 1 and "--account UC..." in err and "account=" not in err


# -- what an unread file is ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("x.json", b"", r"x\.json: empty file$"),
        ("x.csv", b"  \n\n", r"x\.csv: empty file$"),
        ("x.bin", b"\x00\x01\x02garbage\xff", r"x\.bin: binary data, not a JSON or CSV export$"),
        ("x.png", b"\x89PNG\r\n\x1a\n\x00\x00", r"x\.png: binary data, not a JSON or CSV export$"),
        (
            "x.json",
            b'{"data": [], "meta": {}, "something": 1}',
            r"x\.json: JSON, but not a shape any importer knows "
            r"\(top-level keys: data, meta, something\); to force one: network=NAME$",
        ),
        (
            "x.json",
            b'[{"a": 1, "b": 2}]',
            r"x\.json: JSON, .*\(an array of 1 objects with keys: a, b\)",
        ),
        (
            "x.csv",
            b"alpha,beta,gamma\n1,2,3\n",
            r"x\.csv: CSV whose header matches no importer \(columns: alpha, beta, gamma\)",
        ),
        ("x.html", b"<!DOCTYPE html><html><body>hi</body></html>", r"x\.html: an HTML page"),
        ("x.csv", "a,b\n1,2\n".encode("utf-16"), r"x\.csv: UTF-16 text; save it as UTF-8"),
        ("x.txt", b"hello\n", r"x\.txt: text, but not a JSON or CSV export any importer reads$"),
    ],
)
def test_an_explicit_file_no_importer_reads_says_what_it_is(
    tmp_path: Path, name: str, content: bytes, expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with engagecore.open(tmp_path / "d.duckdb") as eng, pytest.raises(DetectionError) as info:
        eng.ingest([path])
    assert "\n" not in str(info.value)
    import re

    assert re.search(expected, str(info.value)), str(info.value)


def test_with_a_network_forced_no_message_suggests_forcing_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "odd.json"
    path.write_bytes(b'{"hello": "world"}')
    code, _out, err = run(
        ["ingest", str(path), "--network", "x", "--db", str(tmp_path / "f.db")], capsys
    )
    assert code == 1
    assert "JSON, but not a shape any importer of 'x' knows (top-level keys: hello)" in err
    assert "--network" not in err
    code, _out, err = run(["ingest", str(path), "--db", str(tmp_path / "f.db")], capsys)
    assert "to force one: --network NAME" in err
    assert describe_unread(Source.open(path), "x").endswith("(top-level keys: hello)")


# -- the summary: escaped, on 80 columns, never failing after the commit --------------------------


@pytest.mark.parametrize("account", ["[/]", "[link=http://evil.example]x[/link]", "[bold red"])
def test_markup_in_data_never_fails_a_committed_import(
    account: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    sheet = tmp_path / "sheet.csv"
    out = io.StringIO()
    csv.writer(out).writerows(
        [
            ["network", "account", "post_id", "posted_at", "likes"],
            ["x", account, "1", "2024-01-01T10:00:00Z", "3"],
        ]
    )
    sheet.write_text(out.getvalue(), encoding="utf-8")
    db = tmp_path / "m.duckdb"
    code, _out, err = run(["ingest", str(sheet), "--db", str(db)], capsys)
    assert code == 0, err
    assert f"x:{account}" in err  # printed as text, not read as markup
    assert "evil.example" not in err or account in err
    with engagecore.open(db) as eng:
        assert eng.accounts()["account_id"].to_list() == [account]


def test_summary_lines_fit_80_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    folder = tmp_path / ("a-rather-long-folder-name-" * 3)
    folder.mkdir()
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["network", "account", "post_id", "posted_at", "likes", "museum"])
    for n in range(30):
        w.writerow(
            ["x", f"an_account_with_a_long_handle_{n:02d}", str(n), "2024-01-01T10:00:00Z", "1", ""]
        )
    long_name = "Musée des Beaux-Arts et d'Archéologie de la Ville de Quelque-Part-Très-Loin"
    for n in range(5):
        w.writerow(["x", f"m{n}", f"m{n}", "2024-01-01T10:00:00Z", "1", f"{long_name} {n}"])
    (folder / "posts.csv").write_text(out.getvalue(), encoding="utf-8")
    for n in range(20):
        (folder / f"some-notes-file-{n:02d}.txt").write_text("notes")
    code, _out, err = run(["ingest", str(folder), "--db", str(tmp_path / "w.duckdb")], capsys)
    assert code == 0, err
    assert err.strip()
    for line in err.splitlines():
        assert len(line) <= 80, line
    assert "30 account(s) linked to no museum: x:an_account_with_a_long_handle_00" in err
    assert "skipped: 20 files no importer reads: some-notes-file-00.txt" in err
    assert "5 new museum(s), named after the accounts: " in err


def test_engine_ingest_accepts_one_path(fixtures: Path, tmp_path: Path) -> None:
    with engagecore.open(tmp_path / "one.duckdb") as eng:
        report = eng.ingest(fixtures / "spreadsheet" / "posts.csv")
    assert report.units and not isinstance(report, EngageError)


class _CsvClaim(Importer):
    network = "x"
    description = "claims every CSV"

    def __init__(self, name: str) -> None:
        self.name = name

    def detect(self, source: Source) -> float:
        return 0.95 if source.name.endswith(".csv") else 0.0

    def read(self, source: Source, ctx: ReadContext) -> Batch:  # pragma: no cover
        return Batch()


class _TwoClaims:
    @staticmethod
    @hookimpl
    def register_importers(register: Callable[[Any], None]) -> None:
        register(_CsvClaim("csv-one"))
        register(_CsvClaim("csv-two"))


def test_a_tie_within_a_forced_network_asks_for_the_importer(
    tmp_path: Path, fixtures: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plugins.get_plugin_manager().register(_TwoClaims(), name="two-claims")
    path = fixtures / "spreadsheet" / "posts.csv"
    with pytest.raises(DetectionError, match=r"choose one with network=NAME$"):
        engagecore.open(tmp_path / "t.duckdb").ingest([path])
    with pytest.raises(DetectionError) as info:
        engagecore.open(tmp_path / "t.duckdb").ingest([path], network="x")
    assert str(info.value).endswith("name the importer instead of the network: network=csv-one")


def test_an_export_of_an_account_that_never_posted(fixtures: Path, tmp_path: Path) -> None:
    export = tmp_path / "ig"
    shutil.copytree(fixtures / "instagram" / "dyi_2025", export)
    for f in list(export.rglob("*")):
        if f.is_file() and f.name != "personal_information.json":
            f.unlink()
    db = tmp_path / "never.duckdb"
    with engagecore.open(db) as eng:
        with pytest.raises(FormatError, match=r"an account with no posts yet\?.*allow_empty=True"):
            eng.ingest([export])
        assert eng.accounts().is_empty()
        report = eng.ingest([export], allow_empty=True)
        assert report.units[0].status == "imported (empty: allowed)"
        assert eng.accounts()["account_id"].to_list() == ["museedemo"]


def test_every_cli_option_of_ingest_is_a_keyword_of_engine_ingest() -> None:
    import inspect

    import typer

    from engagecore.api import Engine
    from engagecore.cli import build_app

    command = typer.main.get_command(build_app())
    ingest = command.commands["ingest"]  # type: ignore[attr-defined]
    cli = {p.name for p in ingest.params} - {"paths", "db", "fmt"}
    keywords = set(inspect.signature(Engine.ingest).parameters)
    assert cli and cli <= keywords, cli - keywords


def test_an_unlinked_account_is_named_once_however_many_files_hold_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    for year in (2023, 2024, 2025):  # three files, three import units, one account
        out = io.StringIO()
        w = csv.writer(out)
        w.writerow(["network", "account", "post_id", "posted_at", "likes", "museum"])
        w.writerow(["x", "lonely_museum", f"p{year}", f"{year}-01-01T10:00:00Z", "1", ""])
        (folder / f"posts-{year}.csv").write_text(out.getvalue(), encoding="utf-8")
    code, _out, err = run(["ingest", str(folder), "--db", str(tmp_path / "o.duckdb")], capsys)
    assert code == 0, err
    assert "1 account(s) linked to no museum: x:lonely_museum" in err
    assert err.count("x:lonely_museum") == 1
