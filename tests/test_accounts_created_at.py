"""Schema version 4: each account's creation date (``accounts.created_at``), where the source
gives it: migrated into older stores, validated like a post's time, the earliest kept."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

import engagecore
from engagecore import schema
from engagecore.errors import FormatError
from engagecore.store import Store
from engagecore.validate import validate_frame


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def _created(db: Path) -> dict[tuple[str, str], datetime | None]:
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.sql("SELECT network, account_id, created_at FROM accounts").fetchall()
    return {(n, a): c for n, a, c in rows}


def test_a_version_3_store_is_migrated_and_keeps_its_accounts(tmp_path: Path) -> None:
    path = tmp_path / "v3.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ)"
    )
    for ddl in (*schema.DDL_V1, *schema.DDL_V2, *schema.DDL_V3):
        con.execute(ddl)
    con.execute("INSERT INTO schema_migrations VALUES (1, now()), (2, now()), (3, now())")
    con.execute(
        "INSERT INTO accounts (network, account_id, museum, handle, linked_by) "
        "VALUES ('x', '42', NULL, 'louvre_x', 'user')"
    )
    con.close()
    store = Store(path)
    assert store.schema_version == schema.SCHEMA_VERSION
    assert store.fetchall("SELECT account_id, handle, linked_by, created_at FROM accounts") == [
        ("42", "louvre_x", "user", None)
    ]
    store.close()


def test_the_upsert_keeps_the_earliest_known_creation_date(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")

    def write(created: datetime | None, handle: str | None = "h") -> None:
        store.write_accounts(
            pl.DataFrame(
                {
                    "network": ["x"],
                    "account_id": ["1"],
                    "museum": [None],
                    "handle": [handle],
                    "display_name": [None],
                    "created_at": [created],
                },
                schema={**schema.ACCOUNTS, "museum": pl.Utf8},
            )
        )

    def created() -> datetime | None:
        value = store.fetchall("SELECT created_at FROM accounts")[0][0]
        return value.astimezone(UTC) if value is not None else None

    write(None)
    assert created() is None
    write(utc(2015, 6, 1))
    assert created() == utc(2015, 6, 1)
    write(utc(2013, 3, 29))  # an earlier reading wins
    assert created() == utc(2013, 3, 29)
    write(utc(2016, 1, 1))  # a later one does not
    write(None)  # nor an unknown one
    assert created() == utc(2013, 3, 29)
    # a frame without the column (an older caller) leaves it as it is
    store.write_accounts(
        pl.DataFrame(
            {"network": ["x"], "account_id": ["1"], "museum": ["louvre"], "handle": ["h"]},
            schema_overrides={"museum": pl.Utf8},
        ).with_columns(display_name=pl.lit(None, pl.Utf8))
    )
    assert created() == utc(2013, 3, 29)
    store.close()


def test_an_accounts_frame_may_leave_the_column_out() -> None:
    frame = pl.DataFrame(
        {"network": ["x"], "account_id": ["1"], "handle": ["h"], "display_name": [None]},
        schema_overrides={"display_name": pl.Utf8},
    )
    checked = validate_frame("accounts", frame, plugin="p", path="f.json")
    assert checked.columns == list(schema.ACCOUNTS)
    assert checked["created_at"].to_list() == [None]


@pytest.mark.parametrize(
    ("created", "expected"),
    [(utc(1999, 1, 1), "2006-03-21 (x launched)"), (utc(2999, 1, 1), "now + 1 day")],
)
def test_an_implausible_creation_date_is_the_files_error(created: datetime, expected: str) -> None:
    frame = pl.DataFrame(
        {
            "network": ["x"],
            "account_id": ["1318554661"],
            "handle": ["h"],
            "display_name": [None],
            "created_at": [created],
        },
        schema=schema.ACCOUNTS,
    )
    with pytest.raises(FormatError) as err:
        validate_frame(
            "accounts",
            frame,
            plugin="p",
            path="account.js",
            launched={"x": datetime(2006, 3, 21).date()},
        )
    message = str(err.value)
    assert "account.js" in message and "1318554661" in message and "created_at" in message
    assert expected in message and len(message.splitlines()) == 1


def _ingest(tmp_path: Path, *paths: Path) -> Path:
    db = tmp_path / "s.duckdb"
    with engagecore.open(db) as eng:
        eng.ingest(list(paths))
    return db


def test_the_x_archive_gives_the_accounts_creation_date(tmp_path: Path, fixtures: Path) -> None:
    db = _ingest(tmp_path, fixtures / "x" / "archive")
    assert _created(db)[("x", "1318554661")] == utc(2013, 3, 29, 9, 20, 4)


def test_the_x_api_user_gives_it_when_asked_for(tmp_path: Path, fixtures: Path) -> None:
    user = tmp_path / "user.json"
    text = (fixtures / "x" / "api" / "user.json").read_text(encoding="utf-8")
    user.write_text(
        text.replace('"username": "MuseeOrsay",', '"username": "MuseeOrsay",\n    "created_at": '
        '"2013-03-29T09:20:04.000Z",'),
        encoding="utf-8",
    )
    db = _ingest(tmp_path, user)
    assert _created(db)[("x", "1318554661")] == utc(2013, 3, 29, 9, 20, 4)
    # the fixture as saved without user.fields=created_at: unknown, NULL
    db2 = tmp_path / "plain"
    db2.mkdir()
    plain = _ingest(db2, fixtures / "x" / "api" / "user.json")
    assert _created(plain)[("x", "1318554661")] is None


def test_bluesky_get_profile_gives_it(tmp_path: Path, fixtures: Path) -> None:
    db = _ingest(tmp_path, fixtures / "bluesky" / "profile.json")
    (created,) = [c for (n, _), c in _created(db).items() if n == "bluesky"]
    assert created == utc(2023, 9, 14, 8, 12, 45, 310000)


def test_youtube_channels_list_gives_it(tmp_path: Path, fixtures: Path) -> None:
    db = _ingest(tmp_path, fixtures / "youtube" / "channels_list.json")
    created = _created(db)
    assert created[("youtube", "UCfVvGxNuFTd9ktLB7jTu3Wg")] == utc(2011, 5, 11, 14, 24, 37)
    assert created[("youtube", "UCh1ddenSubs0000000000aa")] == utc(2014, 2, 3, 10)


@pytest.mark.parametrize("source", ["api/lookup.json", "archive"])
def test_mastodon_lookup_and_archive_actor_give_it(
    tmp_path: Path, fixtures: Path, source: str
) -> None:
    # the lookup's created_at and the archive actor's published: the same day
    db = _ingest(tmp_path, fixtures / "mastodon" / source)
    assert _created(db)[("mastodon", "centrepompidou@mastodon.social")] == utc(2022, 11, 8)


def test_an_older_export_without_it_keeps_the_known_date(tmp_path: Path, fixtures: Path) -> None:
    """The archive gives the date; a later API response without it leaves it."""
    archive = tmp_path / "archive"
    shutil.copytree(fixtures / "x" / "archive", archive)
    db = _ingest(tmp_path, archive, fixtures / "x" / "api" / "user.json")
    assert _created(db)[("x", "1318554661")] == utc(2013, 3, 29, 9, 20, 4)
