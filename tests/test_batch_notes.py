"""``Batch.notes``: what an importer says beside the rows it stores — in the ingest summary,
in the import's provenance (``imports.notes``), checked like the frames."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest
from cli_run import run

import engagecore
from engagecore import plugins, schema
from engagecore.errors import FormatError, PluginError
from engagecore.hookspecs import hookimpl
from engagecore.pluginapi import MAX_NOTE_CHARS, Batch, Importer, ReadContext, checked_notes
from engagecore.sources import Source
from engagecore.store import Store
from engagecore.testing import check_read
from engagecore.textutil import frame


class _Noted(Importer):
    """Reads ``*.noted.json``: ``{"posts": [[id, likes], ...], "notes": [...], "parts": bool}``
    (network x, account "museum"); ``parts``: the posts handed over as ``post_parts``, the
    notes added by the generator at its end."""

    name = "noted"
    network = "x"
    description = "a test format whose importer says things"

    def detect(self, source: Source) -> float:
        return 0.95 if source.name.endswith(".noted.json") else 0.0

    def read(self, source: Source, ctx: ReadContext) -> Batch:
        try:
            doc = json.loads(source.read_text(source.names()[0]))
        except json.JSONDecodeError as exc:
            raise FormatError(source.display(), f"expected JSON ({exc})") from None
        posts = frame(
            "posts",
            [
                {
                    "network": "x",
                    "post_id": str(pid),
                    "account_id": "museum",
                    "posted_at": datetime(2024, 5, 1, 12, tzinfo=UTC),
                    "kind": "text",
                    "is_own": True,
                    "likes": likes,
                    "observed_at": datetime(2024, 6, 1, tzinfo=UTC),
                }
                for pid, likes in doc["posts"]
            ],
        )
        batch = Batch(
            accounts=frame("accounts", [{"network": "x", "account_id": "museum", "handle": "m"}])
        )
        if not doc.get("parts"):
            batch.posts = posts
            batch.notes = doc["notes"]
            return batch

        def parts() -> Iterator[pl.DataFrame]:
            yield posts
            batch.notes.extend(doc["notes"])  # said once everything was read

        batch.post_parts = parts()
        return batch


class _NotedPlugin:
    @staticmethod
    @hookimpl
    def register_importers(register: Callable[[Any], None]) -> None:
        register(_Noted())


@pytest.fixture
def noted() -> None:
    plugins.get_plugin_manager().register(_NotedPlugin(), name="noted")


def _write(tmp_path: Path, name: str, doc: dict[str, Any]) -> Path:
    p = tmp_path / f"{name}.noted.json"
    p.write_text(json.dumps(doc), encoding="utf-8")
    return p


NOTES = ["2 rows had '--' counts, stored as unknown", "ages are not in this export"]


@pytest.mark.parametrize("parts", [False, True], ids=["posts", "post_parts"])
def test_notes_beside_stored_posts_are_reported_and_kept(
    tmp_path: Path, noted: None, parts: bool
) -> None:
    # the same note twice is said once; spaces around a note are not kept
    doc = {"posts": [[1, 5], [2, None]], "notes": [*NOTES, f"  {NOTES[0]} "], "parts": parts}
    src = _write(tmp_path, "a", doc)
    with engagecore.open(tmp_path / "s.duckdb") as eng:
        report = eng.ingest([src])
        assert [(u.posts, u.notes) for u in report.units] == [(2, NOTES)]
        assert eng.store.fetchall("SELECT importer, rows, notes FROM imports") == [
            ("noted", 3, NOTES)
        ]


def test_no_note_is_null_in_the_provenance(tmp_path: Path, noted: None) -> None:
    src = _write(tmp_path, "a", {"posts": [[1, 5]], "notes": []})
    with engagecore.open(tmp_path / "s.duckdb") as eng:
        assert eng.ingest([src]).units[0].notes == []
        assert eng.store.fetchall("SELECT notes FROM imports") == [(None,)]


def test_the_summary_says_each_note_whatever_the_format(
    tmp_path: Path, noted: None, capsys: pytest.CaptureFixture[str]
) -> None:
    a = _write(tmp_path, "a", {"posts": [[1, 5]], "notes": NOTES})
    b = _write(tmp_path, "b", {"posts": [[2, 5]], "notes": ["b's own note"]})
    db = str(tmp_path / "s.duckdb")
    code, out, err = run(
        ["ingest", str(a), str(b), "--db", db, "--format", "json"],
        capsys,
    )
    assert code == 0, err
    assert json.loads(out)[0]["posts"] == 1  # the table as before: notes go to stderr
    lines = [line for line in err.splitlines() if line.startswith("note: ")]
    assert lines == [
        f"note: {a}: {NOTES[0]}",
        f"note: {a}: {NOTES[1]}",
        f"note: {b}: b's own note",
    ]


@pytest.mark.parametrize(
    ("notes", "message"),
    [
        ("one text", "must be a list of texts, got str"),
        (["fine", 3], r"notes\[1\] must be a text, got int"),
        (["  "], r"notes\[0\] is empty"),
        (["two\nlines"], "holds a newline"),
        (["x" * (MAX_NOTE_CHARS + 1)], f"at most {MAX_NOTE_CHARS}"),
    ],
)
def test_notes_that_are_not_one_line_texts_are_the_plugins_error(
    tmp_path: Path, noted: None, notes: object, message: str
) -> None:
    src = _write(tmp_path, "a", {"posts": [[1, 5]], "notes": notes})
    with engagecore.open(tmp_path / "s.duckdb") as eng:
        before = eng.store.table_digest()
        with pytest.raises(
            PluginError, match=rf"plugin 'noted': importer 'noted', file .*{message}"
        ):
            eng.ingest([src])
        assert eng.store.table_digest() == before
    with pytest.raises(ValueError, match=message):
        checked_notes(notes)


def test_the_kit_compares_the_notes(tmp_path: Path, noted: None) -> None:
    src = _write(tmp_path, "a", {"posts": [[1, 5]], "notes": NOTES})
    expect: dict[str, Any] = {
        "accounts": [{"account_id": "museum"}],
        "posts": [
            {
                "post_id": "1",
                "posted_at": "2024-05-01T12:00:00Z",
                "likes": 5,
                "comments": None,
                "shares": None,
                "quotes": None,
                "views": None,
                "impressions": None,
                "saves": None,
                "reach": None,
            }
        ],
    }
    imp = _Noted()
    provides = plugins.registry().networks["x"].provides
    expect["posts"][0] = {
        k: v for k, v in expect["posts"][0].items() if k in ("post_id", "posted_at", *provides)
    }
    check_read(imp, src, expect=expect, notes=["'--'", "ages"])
    with pytest.raises(AssertionError, match="no note says 'reach'"):
        check_read(imp, src, expect=expect, notes=["'--'", "reach"])
    with pytest.raises(AssertionError, match=r"notes not expected: .*ages"):
        check_read(imp, src, expect=expect, notes=["'--'"])
    bad = _write(tmp_path, "b", {"posts": [[1, 5]], "notes": ["a\nb"]})
    with pytest.raises(AssertionError, match=r"read: Batch.notes\[0\] holds a newline"):
        check_read(imp, bad, expect=expect)


def test_a_version_5_store_gets_the_notes_column(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ)"
    )
    for ddl in (*schema.DDL_V1, *schema.DDL_V2, *schema.DDL_V3, *schema.DDL_V4, *schema.DDL_V5):
        con.execute(ddl)
    con.execute("INSERT INTO schema_migrations SELECT range, now() FROM range(1, 6)")
    con.execute(
        "INSERT INTO imports VALUES (1, 'p', '1', 'x-archive', 'x', 'a.js', 'abc', 3, now())"
    )
    con.close()
    store = Store(path)
    assert store.schema_version == schema.SCHEMA_VERSION
    assert store.fetchall("SELECT import_id, notes FROM imports") == [(1, None)]
    store.close()


def test_graph_insights_name_the_metrics_not_stored(fixtures: Path) -> None:
    # post_insights.json holds post_clicks, a metric with no column in the model: said, not
    # passed over without a word (the views metrics beside it are stored)
    importer = plugins.registry().importers["facebook-graph"]
    source = Source.open(fixtures / "facebook" / "graph")
    try:
        batch = importer.read(source, ReadContext())
    finally:
        source.close()
    assert batch.notes == ["insights metrics not stored (no column for them): post_clicks"]
