"""The conformance kit catches the mistakes a third-party plugin author really makes.

``KitCsv`` is a small, correct importer of a CSV of X posts, written as a plugin author would
(from ``engagecore.plugin`` only): it passes :func:`engagecore.testing.check_read`. Each
mistake below is a subclass that gets one step wrong; each test asserts that ``check_read``
fails with an ``AssertionError`` naming the importer, the sample and the mistake.

The four mistakes of issue 10 that the kit let through before ``check_read``: a misspelt
network in the rows, naive local ``posted_at`` stored as UTC, an empty cell read as 0, a
missing accounts frame. Five more: likes and comments swapped, a read that depends on the
clock, a truncated file accepted silently, rows of a network the importer does not declare,
counts parsed as floats. Then a few more (random ids, a sample its own importer does not
claim, naive datetimes, a crash on a truncated file) and mistakes of ``expect`` itself.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
import pytest

from engagecore.plugin import (
    COUNT_COLUMNS,
    Batch,
    Importer,
    ReadContext,
    Source,
    check_csv_records,
    frame,
    parse_count,
)
from engagecore.testing import check_read

HEADER = "account_id,handle,post_id,posted_at,likes,comments,shares,quotes,saves,impressions"
#: local times (Europe/Paris); empty cells are counts the export does not give
SAMPLE = f"""{HEADER}
1318554661,MuseeOrsay,1001,2024-03-04 09:30,1284,37,212,4,,18000
1318554661,MuseeOrsay,1002,2024-07-14 22:15,87,,14,0,3,
1318554661,MuseeOrsay,1003,2024-11-05 08:00,3,1,0,,,210
"""
COUNTS = ("likes", "comments", "shares", "quotes", "saves", "impressions")

EXPECT: dict[str, list[dict[str, object]]] = {
    "accounts": [{"account_id": "1318554661", "handle": "MuseeOrsay"}],
    "posts": [
        {
            "post_id": "1001",
            "account_id": "1318554661",
            "posted_at": datetime(2024, 3, 4, 8, 30, tzinfo=UTC),  # CET, UTC+1
            "likes": 1284,
            "comments": 37,
            "shares": 212,
            "quotes": 4,
            "saves": None,
            "impressions": 18000,
        },
        {
            "post_id": "1002",
            "posted_at": "2024-07-14T20:15:00Z",  # CEST, UTC+2
            "likes": 87,
            "comments": None,
            "shares": 14,
            "quotes": 0,
            "saves": 3,
            "impressions": None,
        },
        {
            "post_id": "1003",
            "posted_at": datetime(2024, 11, 5, 8, 0, tzinfo=ZoneInfo("Europe/Paris")),
            "likes": 3,
            "comments": 1,
            "shares": 0,
            "quotes": None,
            "saves": None,
            "impressions": 210,
        },
    ],
}


class KitCsv(Importer):
    """A correct importer: local times converted from the user's zone, empty cells NULL, the
    accounts frame, observed at the file's modification time, a cut file refused."""

    name = "kit-csv"
    network = "x"
    description = "X posts as a small CSV (the kit's own tests)"
    row_network = "x"

    def detect(self, source: Source) -> float:
        if source.kind != "file" or not source.name.endswith(".csv"):
            return 0.0
        return 0.9 if source.head(source.names()[0], len(HEADER)) == HEADER.encode() else 0.0

    def read(self, source: Source, ctx: ReadContext) -> Batch:
        name = source.names()[0]
        where = source.display(name)
        text = source.read_text(name)
        self.check_whole(text, where)
        rows = [r for r in csv.DictReader(io.StringIO(text, newline="")) if self.keep(r)]
        path = source.local_path(name)
        assert path is not None
        observed = self.observed_at(path)
        posts = [
            {
                "network": self.row_network,
                "post_id": self.post_id(r),
                "account_id": r["account_id"],
                "posted_at": self.posted_at(r["posted_at"], ctx.timezone),
                "kind": "text",
                "is_own": True,
                "observed_at": observed,
                **self.counts(r),
            }
            for r in rows
        ]
        accounts = {
            (r["account_id"], r["handle"]): {
                "network": self.row_network,
                "account_id": r["account_id"],
                "handle": r["handle"],
            }
            for r in rows
        }
        return Batch(accounts=self.accounts(list(accounts.values())), posts=self.posts(posts))

    # the steps the mistakes below get wrong
    def check_whole(self, text: str, where: str) -> None:
        check_csv_records(text, where)

    def keep(self, row: Mapping[str, str | None]) -> bool:
        return True

    def post_id(self, row: Mapping[str, str]) -> str:
        return row["post_id"]

    def posted_at(self, raw: str, timezone: str) -> datetime:
        local = datetime.strptime(raw, "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo(timezone))
        return local.astimezone(UTC)

    def count(self, raw: str) -> int | None:
        return parse_count(raw)

    def counts(self, row: Mapping[str, str]) -> dict[str, int | None]:
        return {c: self.count(row[c]) for c in COUNTS}

    def observed_at(self, path: Path) -> datetime:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC)

    def accounts(self, rows: Sequence[Mapping[str, Any]]) -> pl.DataFrame | None:
        return frame("accounts", rows)

    def posts(self, rows: Sequence[Mapping[str, Any]]) -> pl.DataFrame:
        return frame("posts", rows)


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    path = tmp_path / "posts.csv"
    path.write_text(SAMPLE, encoding="utf-8")
    return path


def _caught(importer: Importer, sample: Path, pattern: str, **kw: Any) -> str:
    """check_read fails on ``importer``; the message names it, the sample and ``pattern``."""
    with pytest.raises(AssertionError) as info:
        check_read(importer, sample, expect=kw.pop("expect", EXPECT), **kw)
    message = str(info.value)
    assert message.startswith(f"importer {importer.name!r} reading {sample}: "), message
    assert re.search(pattern, message, re.S), message
    return message


def test_a_correct_importer_passes_and_gets_its_frames(sample: Path) -> None:
    frames = check_read(KitCsv(), sample, expect=EXPECT)
    assert sorted(frames) == ["accounts", "posts"]
    posts = frames["posts"].sort("post_id")
    assert posts["likes"].to_list() == [1284, 87, 3]
    assert posts["saves"].to_list() == [None, 3, None]
    assert posts["posted_at"].dtype == pl.Datetime("us", "UTC")


def test_the_sample_zone_is_the_users(sample: Path) -> None:
    # read in New York the same local times are other instants: the kit compares instants
    _caught(
        KitCsv(),
        sample,
        r"'posted_at': expected 2024-03-04T08:30:00\+00:00",
        timezone="America/New_York",
    )
    shifted = {
        "accounts": EXPECT["accounts"],
        "posts": [
            {**row, "posted_at": t}
            for row, t in zip(
                EXPECT["posts"],
                ["2024-03-04T14:30:00Z", "2024-07-15T02:15:00Z", "2024-11-05T13:00:00Z"],
                strict=True,
            )
        ],
    }
    check_read(KitCsv(), sample, expect=shifted, timezone="America/New_York")


# --- the four mistakes issue 10 names -------------------------------------------------------


class MisspeltNetwork(KitCsv):
    name = "kit-misspelt-network"
    row_network = "twiter"


def test_catches_a_misspelt_network_in_the_rows(sample: Path) -> None:
    _caught(
        MisspeltNetwork(),
        sample,
        r"network 'twiter' is not a registered network \(registered: .*x.*\); a misspelt name",
    )


class LocalStoredAsUtc(KitCsv):
    name = "kit-local-as-utc"

    def posted_at(self, raw: str, timezone: str) -> datetime:
        return datetime.strptime(raw, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


def test_catches_naive_local_times_stored_as_utc(sample: Path) -> None:
    message = _caught(
        LocalStoredAsUtc(),
        sample,
        r"posts row \(post_id=1001\), column 'posted_at': expected 2024-03-04T08:30:00\+00:00, "
        r"got 2024-03-04T09:30:00\+00:00 \(off by \+1:00: a local time \(Europe/Paris\) stored "
        r"as if it were UTC",
    )
    assert "post_id=1002), column 'posted_at'" in message and "off by +2:00" in message


class EmptyReadAsZero(KitCsv):
    name = "kit-empty-as-zero"

    def count(self, raw: str) -> int | None:
        return parse_count(raw) or 0


def test_catches_an_empty_cell_read_as_zero(sample: Path) -> None:
    message = _caught(
        EmptyReadAsZero(),
        sample,
        r"posts row \(post_id=1001\), column 'saves': expected NULL, got 0 \(an empty cell read as "
        r"0\? a value the sample lacks is NULL, never 0\)",
    )
    assert "post_id=1002), column 'comments': expected NULL, got 0" in message
    # a real 0 stays expected as 0: only the NULLs are reported
    assert "column 'quotes'" not in message.split("post_id=1002")[1].split("\n")[0]


class NoAccountsFrame(KitCsv):
    name = "kit-no-accounts"

    def accounts(self, rows: Sequence[Mapping[str, Any]]) -> pl.DataFrame | None:
        return None


def test_catches_a_missing_accounts_frame(sample: Path) -> None:
    _caught(
        NoAccountsFrame(),
        sample,
        r"posts name account '1318554661' of x, but the batch has no accounts frame",
    )


# --- five more mistakes a plugin author makes -----------------------------------------------


class SwappedCounts(KitCsv):
    name = "kit-swapped-counts"

    def counts(self, row: Mapping[str, str]) -> dict[str, int | None]:
        counts = super().counts(row)
        counts["likes"], counts["comments"] = counts["comments"], counts["likes"]
        return counts


def test_catches_likes_and_comments_swapped(sample: Path) -> None:
    message = _caught(
        SwappedCounts(),
        sample,
        r"posts row \(post_id=1001\), column 'likes': expected 1284, got 37",
    )
    assert "post_id=1001), column 'comments': expected 37, got 1284" in message


class ObservedNow(KitCsv):
    name = "kit-observed-now"

    def observed_at(self, path: Path) -> datetime:
        return datetime.now(UTC)


def test_catches_a_read_that_depends_on_the_clock(sample: Path) -> None:
    _caught(
        ObservedNow(),
        sample,
        r"reading it twice gave different posts: posts row \(network=x, post_id=100\d\), "
        r"column 'observed_at': .*, then .*; a read must depend on the file only",
    )


class AcceptsTruncated(KitCsv):
    """Skips the rows it cannot use, and never checks that the file is whole."""

    name = "kit-accepts-truncated"

    def check_whole(self, text: str, where: str) -> None:
        pass

    def keep(self, row: Mapping[str, str | None]) -> bool:
        return bool(row.get("post_id") and row.get("posted_at"))


def test_catches_a_truncated_file_accepted_silently(sample: Path) -> None:
    assert check_read.__module__ == "engagecore.testing"
    _caught(
        AcceptsTruncated(),
        sample,
        rf"a copy of the sample with posts\.csv cut at byte \d+ of {len(SAMPLE.encode())}: "
        r"accepted \(\d+ rows read\); "
        r"a file cut short must be refused with a FormatError",
    )


class UndeclaredNetwork(KitCsv):
    """Emits Instagram rows (a registered network) while declaring only X."""

    name = "kit-undeclared-network"
    row_network = "instagram"


def test_catches_rows_of_a_network_the_importer_does_not_declare(sample: Path) -> None:
    _caught(
        UndeclaredNetwork(),
        sample,
        r"network 'instagram' is not among the networks the importer declares \(x\); set "
        r"Importer.networks",
    )


class FloatCounts(KitCsv):
    name = "kit-float-counts"

    def posts(self, rows: Sequence[Mapping[str, Any]]) -> pl.DataFrame:
        return frame("posts", rows).with_columns(pl.col(c).cast(pl.Float64) for c in COUNTS)


def test_catches_counts_parsed_as_floats(sample: Path) -> None:
    _caught(
        FloatCounts(),
        sample,
        r"the posts frame is not valid for the store: .*column 'likes': expected type Int64, "
        r"got Float64",
    )


# --- and a few more --------------------------------------------------------------------------


class RandomIds(KitCsv):
    name = "kit-random-ids"

    def post_id(self, row: Mapping[str, str]) -> str:
        return uuid.uuid4().hex


def test_catches_random_ids(sample: Path) -> None:
    _caught(RandomIds(), sample, r"reading it twice gave different posts: .*column 'post_id'")


class DoesNotClaimItsSample(KitCsv):
    name = "kit-does-not-claim"

    def detect(self, source: Source) -> float:
        return 0.9 if source.name.endswith(".CSV") else 0.0


def test_catches_an_importer_that_does_not_claim_its_own_sample(sample: Path) -> None:
    _caught(
        DoesNotClaimItsSample(),
        sample,
        r"detect gives its own sample confidence 0.0; engage ingest needs at least 0.5",
    )


class NaiveTimes(KitCsv):
    name = "kit-naive-times"

    def posts(self, rows: Sequence[Mapping[str, Any]]) -> pl.DataFrame:
        return frame("posts", rows).with_columns(pl.col("posted_at").dt.replace_time_zone(None))


def test_catches_times_without_a_zone(sample: Path) -> None:
    _caught(
        NaiveTimes(),
        sample,
        r"column 'posted_at': expected type Datetime\(time_unit='us', time_zone='UTC'\), got "
        r"Datetime\(time_unit='us', time_zone=None\)",
    )


class CrashesOnTruncated(KitCsv):
    name = "kit-crashes-on-truncated"

    def check_whole(self, text: str, where: str) -> None:
        pass


def test_catches_a_crash_instead_of_a_format_error_on_a_cut_file(sample: Path) -> None:
    _caught(
        CrashesOnTruncated(),
        sample,
        rf"posts\.csv cut at byte \d+ of {len(SAMPLE.encode())}: crashed \(TypeError.*\); expected a FormatError",
    )


class ReadsARowTwice(KitCsv):
    name = "kit-row-twice"

    def posts(self, rows: Sequence[Mapping[str, Any]]) -> pl.DataFrame:
        return frame("posts", [*rows, rows[0]])


def test_catches_a_row_read_twice(sample: Path) -> None:
    _caught(
        ReadsARowTwice(), sample, r"posts row \(network=x, post_id=1001\) is read more than once"
    )


class FollowersOfAnotherAccount(KitCsv):
    """Adds a follower count under the handle instead of the account id."""

    name = "kit-followers-by-handle"

    def read(self, source: Source, ctx: ReadContext) -> Batch:
        batch = super().read(source, ctx)
        assert batch.posts is not None
        observed = batch.posts["observed_at"][0]
        batch.follower_snapshots = frame(
            "follower_snapshots",
            [
                {
                    "network": "x",
                    "account_id": "MuseeOrsay",
                    "observed_at": observed,
                    "followers": 10,
                }
            ],
        )
        return batch


def test_catches_follower_counts_of_an_account_not_in_the_accounts_frame(sample: Path) -> None:
    _caught(
        FollowersOfAnotherAccount(),
        sample,
        r"follower_snapshots name account 'MuseeOrsay' of x, which has no row in the accounts "
        r"frame \(accounts read: \['1318554661'\]\)",
    )


# --- the rows read are exactly those expected --------------------------------------------------


def test_a_row_expected_but_not_read_and_one_read_but_not_expected(sample: Path) -> None:
    expect = {
        "accounts": EXPECT["accounts"],
        "posts": [*EXPECT["posts"][:2], {**EXPECT["posts"][2], "post_id": "1004"}],
    }
    message = _caught(KitCsv(), sample, r"2 difference\(s\) from expect", expect=expect)
    assert "posts row (post_id=1004) expected, not read" in message
    assert "posts row (network=x, post_id=1003) read, not expected" in message


def test_a_frame_read_but_not_expected(sample: Path) -> None:
    _caught(
        KitCsv(),
        sample,
        r"accounts row \(network=x, account_id=1318554661\) read, not expected",
        expect={"posts": EXPECT["posts"]},
    )


# --- mistakes of expect itself: ValueError, not the importer's fault --------------------------


@pytest.mark.parametrize(
    ("change", "pattern"),
    [
        ({"posted_at": datetime(2024, 3, 4, 8, 30)}, r"has no time zone"),
        ({"like": 3}, r"names column\(s\) \['like'\]"),
        ({"saves": ...}, r"gives no \['saves'\]: give them \(None where the sample has no value\)"),
        ({"posted_at": "4 March"}, r"'4 March' is not an ISO 8601 time"),
    ],
)
def test_a_mistake_of_expect_is_a_value_error(
    sample: Path, change: dict[str, object], pattern: str
) -> None:
    row = {k: v for k, v in {**EXPECT["posts"][0], **change}.items() if v is not ...}
    expect = {"accounts": EXPECT["accounts"], "posts": [row, *EXPECT["posts"][1:]]}
    with pytest.raises(ValueError, match=pattern):
        check_read(KitCsv(), sample, expect=expect)


def test_an_unknown_frame_in_expect_is_a_value_error(sample: Path) -> None:
    with pytest.raises(ValueError, match=r"expect names \['post'\]"):
        check_read(KitCsv(), sample, expect={**EXPECT, "post": []})


def test_every_count_column_is_known() -> None:
    assert set(COUNTS) <= set(COUNT_COLUMNS)
