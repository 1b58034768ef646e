"""No silent loss where an error is promised (issue 15.4): a count that is no number, NaN or
infinity, a CSV cut mid-line or inside its header is refused with one line naming the file,
the record and the value, never stored as NULL counts or as an import of 0 posts. Locale
numbers and "not available" markers keep working."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from fixture_copy import edited_fixture

import engagecore
from engagecore import textutil
from engagecore.errors import EngageError, FormatError

CHANNEL = "UCfVvGxNuFTd9ktLB7jTu3Wg"
FIXTURES = Path(__file__).parent / "fixtures"


# -- textutil.parse_count ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12,400", 12400),
        ("12.345", 12345),
        ("1 234", 1234),
        ("1\u202f234", 1234),
        ("1'234", 1234),
        ("12,5", 12),
        ("1,234.6", 1235),
        ("1.234,4", 1234),
        (" 77 ", 77),
        (12.0, 12),
        (0, 0),
        ("", None),
        ("-", None),
        ("—", None),
        ("N/A", None),
        ("n/a", None),
        (None, None),
    ],
)
def test_parse_count_accepts_locale_numbers_and_markers(raw: object, expected: int | None) -> None:
    assert textutil.parse_count(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "12abc",
        "NaN",
        "nan",
        "inf",
        "1e5",
        "12 abc",
        "0x10",
        math.nan,
        math.inf,
        -math.inf,
        True,
        False,
        [1],
        {"value": 1},
        2**63,
        float(2**64),
        "9" * 30,
        "9" * 5000,
    ],
)
def test_parse_count_refuses_what_is_no_count(raw: object) -> None:
    with pytest.raises(ValueError, match="not a count"):
        textutil.parse_count(raw)


# -- importers: a count that is no number ----------------------------------------------------

# importer → (fixture, member to edit, old text, new text, ingest options)
BAD_COUNTS: dict[str, tuple[str, str, str, str, dict[str, str]]] = {
    "facebook-graph-12abc": (
        "facebook/graph",
        "posts_page1.json",
        '"values": [{"value": 15230}]',
        '"values": [{"value": "12abc"}]',
        {},
    ),
    "facebook-graph-nan": (
        "facebook/graph",
        "posts_page1.json",
        '"values": [{"value": 15230}]',
        '"values": [{"value": NaN}]',
        {},
    ),
    "instagram-export-nan": (
        "instagram/dyi_2022_de",
        "logged_information/past_instagram_insights/posts.json",
        '"value": "77"',
        '"value": NaN',
        {},
    ),
    "instagram-export-12abc": (
        "instagram/dyi_2022_de",
        "logged_information/past_instagram_insights/posts.json",
        '"value": "77"',
        '"value": "12abc"',
        {},
    ),
    "instagram-graph-nan": (
        "instagram/graph/media_with_insights.json",
        "",
        '"value": 1500',
        '"value": NaN',
        {},
    ),
    "instagram-graph-infinity": (
        "instagram/graph/media_with_insights.json",
        "",
        '"value": 1500',
        '"value": Infinity',
        {},
    ),
    "x-api-nan": ("x/api/tweets-page.json", "", '"like_count": 1284', '"like_count": NaN', {}),
    "x-archive-12abc": (
        "x/archive",
        "data/tweets.js",
        '"favorite_count" : "1284"',
        '"favorite_count" : "12abc"',
        {},
    ),
    "youtube-data-api-nan": (
        "youtube/videos_list.json",
        "",
        '"viewCount": "12400"',
        '"viewCount": NaN',
        {},
    ),
    "mastodon-nan": (
        "mastodon/api/statuses.json",
        "",
        '"favourites_count": 21',
        '"favourites_count": NaN',
        {},
    ),
    "mastodon-true": (
        "mastodon/api/statuses.json",
        "",
        '"favourites_count": 21',
        '"favourites_count": true',
        {},
    ),
}


def _refused(tmp: Path, path: Path, options: dict[str, str]) -> str:
    with engagecore.open(tmp / "e.duckdb") as eng:
        eng.ingest([FIXTURES / "spreadsheet" / "posts.csv"])
        before = eng.store.table_digest()
        with pytest.raises(EngageError) as err:
            eng.ingest([path], options=options)
        assert eng.store.table_digest() == before
    message = str(err.value)
    assert "\n" not in message and "\r" not in message
    return message


@pytest.mark.parametrize("case", sorted(BAD_COUNTS))
def test_count_that_is_no_number_is_refused(case: str, tmp_path: Path) -> None:
    rel, member, old, new, options = BAD_COUNTS[case]
    path = edited_fixture(tmp_path, rel, member, old, new)
    message = _refused(tmp_path, path, options)
    assert str(path) in message
    value = re.search(r"NaN|Infinity|12abc|True", new, re.IGNORECASE)
    assert value is not None
    shown = value.group().lower().replace("infinity", "inf")  # a float once parsed
    assert shown in message.lower(), message
    assert "expected" in message and "count" in message


# -- CSVs cut short ---------------------------------------------------------------------------

CSVS: dict[str, tuple[str, dict[str, str]]] = {
    "meta-business-csv": ("facebook/business_suite/fb_en_views.csv", {}),
    "spreadsheet": ("spreadsheet/posts.csv", {}),
    "youtube-studio-csv": ("youtube/table_data_engagement.csv", {"account": CHANNEL}),
}


@pytest.mark.parametrize("case", sorted(CSVS))
def test_csv_cut_mid_line_is_refused(case: str, tmp_path: Path) -> None:
    rel, options = CSVS[case]
    data = (FIXTURES / rel).read_bytes()
    text = data.decode("utf-8-sig")
    lines = text.rstrip("\r\n").split("\n")
    last = lines[-1]
    fields = last.count(",")
    assert fields >= 4
    cut = last[: [m.start() for m in re.finditer(",", last)][2]]  # keep two commas: 3 fields
    path = tmp_path / Path(rel).name
    path.write_bytes(data[: data.rindex(last.encode("utf-8"))] + cut.encode("utf-8"))
    message = _refused(tmp_path, path, options)
    assert str(path) in message and "cut short" in message and "line" in message


@pytest.mark.parametrize("case", sorted(CSVS))
def test_csv_cut_inside_its_header_is_refused(case: str, tmp_path: Path) -> None:
    rel, options = CSVS[case]
    text = (FIXTURES / rel).read_text(encoding="utf-8-sig")
    header = text.split("\n", 1)[0].rstrip("\r")
    names = header.split(",")
    cut = ",".join(names[:-1]) + "," + names[-1].strip('"')[:3]  # inside the last name
    path = tmp_path / Path(rel).name
    path.write_text(cut, encoding="utf-8")
    message = _refused(tmp_path, path, options)
    assert str(path) in message and "truncated" in message


@pytest.mark.parametrize("case", sorted(CSVS))
def test_csv_with_blank_trailing_lines_still_imports(case: str, tmp_path: Path) -> None:
    rel, options = CSVS[case]
    path = tmp_path / Path(rel).name
    path.write_bytes((FIXTURES / rel).read_bytes() + b"\r\n\r\n")
    with engagecore.open(tmp_path / "e.duckdb") as eng:
        report = eng.ingest([path], options=options)
    assert sum(u.posts for u in report.units) > 0


def test_csv_field_over_the_csv_limit_is_one_line_error(tmp_path: Path) -> None:
    """A huge field (an unclosed quote swallowing the file) was csv's internal error."""
    header = "Content,Video title,Video publish time,Views,Likes,Comments added,Shares,Impressions"
    path = tmp_path / "Table data.csv"
    path.write_text(
        f'{header}\nTotal,,,1,2,3,4,5\nabcdefghijk,"{"x" * 200_000}","Dec 15, 2023",1,2,3,4,5\n',
        encoding="utf-8",
    )
    message = _refused(tmp_path, path, {"account": CHANNEL})
    assert str(path) in message and "characters" in message


def test_compact_and_locale_insight_values_still_read(tmp_path: Path) -> None:
    with engagecore.open(tmp_path / "e.duckdb") as eng:
        eng.ingest([FIXTURES / "instagram" / "dyi_2022_de"])
        impressions = eng.posts()["impressions"].to_list()
    assert 1234 in impressions  # "1.234" in the German export


def test_format_error_quoting_a_carriage_return_is_one_line() -> None:
    err = FormatError("a\rb.csv", "expected a count, got 'x\r\ny'\x1b[2J", "line 2\n")
    assert "\r" not in str(err) and "\n" not in str(err) and "\x1b" not in str(err)
    assert "a b.csv" in str(err) and "\\x1b" in str(err)


@pytest.mark.parametrize("name", ["located.csv", "museofile.csv"])
def test_registry_cut_mid_line_is_refused(name: str, tmp_path: Path) -> None:
    """A museum list cut short would import its last museum without city or region."""
    data = (FIXTURES / "registry" / name).read_bytes().rstrip(b"\r\n")
    last = data.rsplit(b"\n", 1)[1]
    sep = b";" if b";" in last else b","
    cut = data[: len(data) - len(last)] + sep.join(last.split(sep)[:3])
    path = tmp_path / name
    path.write_bytes(cut)
    with engagecore.open(tmp_path / "e.duckdb") as eng:
        before = eng.store.table_digest()
        with pytest.raises(FormatError, match="cut short") as err:
            eng.import_registry(path)
        assert eng.store.table_digest() == before
    assert str(path) in str(err.value) and "line" in str(err.value)


def test_spreadsheet_count_error_names_the_line_after_blank_lines(tmp_path: Path) -> None:
    """Blank lines before a bad count shifted the line the error named."""
    path = tmp_path / "posts.csv"
    path.write_text(
        "network,account,post_id,posted_at,likes\n\n\nx,a,1,2024-03-05T14:30:00Z,12abc\n",
        encoding="utf-8",
    )
    with engagecore.open(tmp_path / "e.duckdb") as eng, pytest.raises(FormatError) as err:
        eng.ingest([path])
    assert "line 4" in str(err.value) and "12abc" in str(err.value)


@pytest.mark.parametrize(
    ("rel", "old", "new", "options"),
    [
        ("spreadsheet/posts.csv", "2024-03-05T14:30:00Z", "0001-01-01T00:00:00+05:00", {}),
        (
            "youtube/table_data_engagement.csv",
            '"Aug 14, 2023"',
            '"Jan 1, 0001"',
            {"account": CHANNEL},
        ),
        ("youtube/videos_list.json", '"2023-08-14T03:10:32Z"', '"0001-01-01T00:00:00+05:00"', {}),
    ],
)
def test_time_shifted_out_of_the_calendar_is_a_format_error(
    rel: str, old: str, new: str, options: dict[str, str], tmp_path: Path
) -> None:
    """Year 1 in a zone east of UTC made datetime.astimezone raise OverflowError."""
    path = edited_fixture(tmp_path, rel, "", old, new)
    message = _refused(tmp_path, path, options)
    assert str(path) in message and "0001" in message and "OverflowError" not in message


def test_count_at_and_text_at_name_file_record_and_field() -> None:
    """The helpers every importer maps its read errors through: one FormatError naming the
    file, the record, the field and the value; values that fit pass through."""
    from engagecore.errors import FormatError
    from engagecore.plugin import count_at, text_at

    assert count_at("1 234", "likes", "posts.json", 3) == 1234
    assert count_at("", "likes", "posts.json", 3) is None
    assert text_at("Nocturne", "'caption'", "posts.json", "id 7") == "Nocturne"
    with pytest.raises(FormatError) as bad_count:
        count_at("12abc", "statistics.viewCount", "videos.json", "id abc")
    assert str(bad_count.value) == (
        "videos.json, record id abc: expected statistics.viewCount to be a count, got '12abc'"
    )
    with pytest.raises(FormatError) as bad_text:
        text_at(["a", "list"], "'username'", "users.json", "id 1")
    assert str(bad_text.value) == (
        "users.json, record id 1: expected 'username' as text, got ['a', 'list']"
    )
