"""Every importer fuzzed (issue 15, hardening): truncated files, flipped bytes, wrong types,
huge numbers, implausible dates, NUL and CR characters, UTF-16 and Latin-1 re-encodings, each
applied to the small fixtures of tests/fixtures.

Whatever the input, an ingest either fails with an :class:`EngageError` whose message is one
line (never an importer crash, never a traceback) and leaves the store exactly as it was, or
succeeds with plausible values only: times within the network's life, counts 0..10^12, no NUL.

Budget: ``ENGAGE_FUZZ_EXAMPLES`` examples per seed (default 25, ~30 s for the file on two
cores). With ``CI`` set the examples are derandomized, so a CI run is reproducible.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import engagecore
from engagecore import plugins, schema
from engagecore.api import Engine
from engagecore.errors import EngageError, FormatError, PluginError

FIXTURES = Path(__file__).parent / "fixtures"
CHANNEL = "UCfVvGxNuFTd9ktLB7jTu3Wg"
EXAMPLES = int(os.environ.get("ENGAGE_FUZZ_EXAMPLES", "25"))
_CI = bool(os.environ.get("CI"))

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=_CI,
    database=None if _CI else settings.get_profile("default").database,
)


@dataclass(frozen=True)
class Seed:
    """A fixture to mutate: a file, or a folder of which ``members`` are mutated."""

    path: str
    members: tuple[str, ...] = ()
    options: tuple[tuple[str, str], ...] = ()


SEEDS: dict[str, Seed] = {
    "bluesky-feed": Seed("bluesky/feed", ("page-0001.json", "page-0002.json")),
    "bluesky-profile": Seed("bluesky/profile.json"),
    "bluesky-repo": Seed("bluesky/repo.car"),
    "x-archive": Seed(
        "x/archive", ("data/tweets.js", "data/manifest.js", "data/note-tweet.js", "data/account.js")
    ),
    "x-archive-2020": Seed("x/archive-2020", ("data/tweet.js", "data/follower.js")),
    "x-api": Seed("x/api/tweets-page.json"),
    "x-api-user": Seed("x/api/user.json"),
    "instagram-export": Seed(
        "instagram/dyi_2023_fr",
        (
            "logged_information/past_instagram_insights/posts.json",
            "logged_information/past_instagram_insights/audience_insights.json",
            "your_instagram_activity/content/posts_1.json",
        ),
        (("account", "museedemo"),),
    ),
    "instagram-export-2019": Seed("instagram/media_2019", ("media.json", "profile.json")),
    "instagram-graph": Seed("instagram/graph/media_with_insights.json"),
    "instagram-graph-folder": Seed(
        "instagram/graph_folder",
        ("media.json", "insights_17900000000000201.json", "follower_demographics.json"),
    ),
    "facebook-graph": Seed(
        "facebook/graph",
        ("posts_page1.json", "post_insights.json", "page_fans_gender_age.json", "page.json"),
    ),
    "meta-business-csv": Seed("facebook/business_suite/fb_en_views.csv"),
    "meta-business-csv-ig": Seed("facebook/business_suite/ig_en.csv"),
    "youtube-data-api": Seed("youtube/videos_list.json"),
    "youtube-channels": Seed("youtube/channels_list.json"),
    "youtube-analytics": Seed("youtube/analytics_age_gender.json", (), (("account", CHANNEL),)),
    "youtube-studio-csv": Seed("youtube/table_data_engagement.csv", (), (("account", CHANNEL),)),
    "spreadsheet": Seed("spreadsheet/posts.csv"),
    "mastodon": Seed("mastodon/api/statuses.json"),
    "mastodon-archive": Seed("mastodon/archive/outbox.json"),
    "peertube": Seed("example/videos.json"),
}

#: What replaces a number, a quoted string or a date found in the seed.
NASTY = (
    "",
    "null",
    "true",
    "[]",
    "{}",
    '"12abc"',
    '""',
    "-1",
    "1.5",
    "1e400",
    "-1e400",
    "NaN",
    "Infinity",
    "1e12",
    "1000000000001",
    "9223372036854775807",
    "9223372036854775808",
    "99999999999999999999999999999999",
    "170141183460469231731687303715884105728",
    '"99999999999999999999999999"',
    "32503680000",
    "-2208988800",
    "1",
    '"3000-01-01T00:00:00Z"',
    '"1899-12-31T23:59:59+0000"',
    '"1970-01-01T00:00:00.000Z"',
    '"2999-12-31"',
    '"Tue Nov 05 13:24:09 +0000 3000"',
    '"12/31/2999 23:59"',
    '"a\\u0000b"',
    "a\x00b",
    '"a\\rb"',
    "a\rb",
    '"\\ud800"',
    "é" * 3,
    "x" * 140_000,
    "[" * 3000 + "]" * 3000,
)
_TOKEN = re.compile(
    rb'"(?:[^"\\\n]|\\.){0,60}"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|\d{1,2}/\d{1,2}/\d{4} \d\d:\d\d'
)


Mutation = tuple[int, str, int, bytes, int]


@st.composite
def mutations(draw: st.DrawFn, members: int) -> Mutation:
    """(member index, kind, position, payload, count): applied by :func:`_mutate`."""
    member = draw(st.integers(0, max(0, members - 1)))
    kind = draw(st.sampled_from(["truncate", "flip", "replace", "replace", "encode", "splice"]))
    position = draw(st.integers(0, 1 << 30))
    if kind == "flip":
        payload = draw(st.binary(min_size=1, max_size=4))
    elif kind == "replace":
        payload = draw(st.sampled_from(NASTY)).encode("utf-8")
    elif kind == "encode":
        payload = draw(st.sampled_from([b"utf-16", b"utf-16-be", b"latin-1", b"cp1252"]))
    elif kind == "splice":
        payload = draw(st.sampled_from([b"\r", b"\x00", b"\n", b",", b";", b'"', b"\xff\xfe"]))
    else:
        payload = b""
    count = draw(st.integers(1, 3))
    return member, kind, position, payload, count


def _mutate(data: bytes, kind: str, position: int, payload: bytes, count: int) -> bytes:
    if not data:
        return payload
    if kind == "truncate":
        return data[: position % len(data)]
    if kind == "flip":
        flipped = bytearray(data)
        for k, b in enumerate(payload):
            at = (position + k * 7919) % len(flipped)
            flipped[at] ^= b or 0xFF
        return bytes(flipped)
    if kind == "splice":
        at = position % (len(data) + 1)
        return data[:at] + payload * count + data[at:]
    if kind == "encode":
        try:
            return data.decode("utf-8-sig").encode(payload.decode(), errors="replace")
        except UnicodeError:
            return data
    tokens = list(_TOKEN.finditer(data))
    if not tokens:
        return data + payload
    out = data
    for k in range(count):
        tokens = list(_TOKEN.finditer(out))
        if not tokens:
            break
        m = tokens[(position + k * 31) % len(tokens)]
        out = out[: m.start()] + payload + out[m.end() :]
    return out


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="engage-fuzz-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _dump(eng: Engine) -> dict[str, str]:
    return eng.store.table_digest()


def _assert_plausible(eng: Engine) -> None:
    """Every row in the store holds plausible values (schema limits)."""
    upper = datetime.now(UTC) + schema.FUTURE_TOLERANCE + timedelta(minutes=5)
    launched = {
        n: s.launched or schema.EARLIEST_LAUNCH for n, s in plugins.registry().networks.items()
    }
    con = eng.store.con
    for table, cols in (
        ("posts", ("posted_at", "observed_at")),
        ("follower_snapshots", ("observed_at",)),
        ("audience_age", ("observed_at",)),
    ):
        for col in cols:
            for net, low, high in con.execute(
                f"SELECT network, min({col}), max({col}) FROM {table} GROUP BY network"
            ).fetchall():
                first = datetime.combine(
                    launched.get(net, schema.EARLIEST_LAUNCH), datetime.min.time(), UTC
                )
                assert first <= low and high <= upper, (table, col, net, low, high)
    counts = ", ".join(f"min({c}), max({c})" for c in schema.COUNT_COLUMNS)
    row = con.execute(f"SELECT {counts} FROM posts").fetchone()
    assert row is not None
    for v in row:
        assert v is None or 0 <= v <= schema.MAX_COUNT, row
    fol = con.execute("SELECT min(followers), max(followers) FROM follower_snapshots").fetchone()
    assert fol is not None and all(v is None or 0 <= v <= schema.MAX_COUNT for v in fol), fol
    nul = con.execute(
        "SELECT count(*) FROM posts WHERE contains(coalesce(text, ''), chr(0)) "
        "OR contains(post_id, chr(0)) OR contains(account_id, chr(0)) "
        "OR length(coalesce(text, '')) > ?",
        [schema.MAX_TEXT_CHARS],
    ).fetchone()
    assert nul == (0,)
    share = con.execute(
        "SELECT count(*) FROM audience_age WHERE NOT (share BETWEEN 0 AND 1) OR isnan(share)"
    ).fetchone()
    assert share == (0,)


def _materialize(seed: Seed, dest: Path, steps: list[Mutation]) -> Path:
    src = FIXTURES / seed.path
    target_root = dest / src.name
    if src.is_dir():
        shutil.copytree(src, target_root)
    else:
        shutil.copy(src, target_root)
    for step in steps:
        member = (
            target_root / seed.members[step[0] % len(seed.members)] if seed.members else target_root
        )
        member.write_bytes(_mutate(member.read_bytes(), *step[1:]))
    return target_root


def _fuzz_one(
    eng: Engine, workdir: Path, name: str, mutation: list[Mutation], forced: bool
) -> None:
    seed = SEEDS[name]
    dest = Path(tempfile.mkdtemp(dir=workdir))
    try:
        path = _materialize(seed, dest, mutation)
        before = _dump(eng)
        network = None
        if forced:
            network = {"mastodon": "mastodon-api", "peertube": "peertube-videos"}.get(name, name.split("-20")[0])
            if network not in plugins.registry().importers:
                network = None
        try:
            eng.ingest([path], options=dict(seed.options), network=network)
        except PluginError as exc:  # an importer crashed: the bug this test hunts
            raise AssertionError(f"{name} {mutation!r}: importer crashed: {exc}") from exc
        except EngageError as exc:
            message = str(exc)
            assert message and "\n" not in message and "\r" not in message, message
            assert "Traceback" not in message
            assert _dump(eng) == before, f"{name} {mutation!r}: a failed import changed the store"
            return
        _assert_plausible(eng)
    finally:
        shutil.rmtree(dest, ignore_errors=True)


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_fuzzed_import_fails_cleanly_or_stores_plausible_values(
    name: str, workdir: Path, tmp_path: Path
) -> None:
    seed = SEEDS[name]
    with engagecore.open(tmp_path / "fuzz.duckdb") as eng:
        eng.ingest([FIXTURES / "spreadsheet" / "posts.csv"])

        @FUZZ
        @given(
            mutation=st.lists(mutations(len(seed.members) or 1), min_size=1, max_size=3),
            forced=st.booleans(),
        )
        def run(mutation: list[Mutation], forced: bool) -> None:
            _fuzz_one(eng, workdir, name, mutation, forced)

        run()


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_seed_imports_unchanged(name: str, tmp_path: Path) -> None:
    """The control: every seed, unmutated, imports."""
    seed = SEEDS[name]
    with engagecore.open(tmp_path / "e.duckdb") as eng:
        report = eng.ingest([FIXTURES / seed.path], options=dict(seed.options))
        assert report.units and all(u.status == "imported" for u in report.units)
        _assert_plausible(eng)


# -- regressions: the minimal inputs the fuzzer found ----------------------------------------


def test_bare_cr_in_a_file_does_not_crash_studio_detection(tmp_path: Path) -> None:
    """A bare CR in a file's first line made csv raise inside youtube-studio-csv's detect:
    every ingest of that file failed with "importer failed to inspect"."""
    from engage_youtube import YouTubeStudioCsvImporter

    from engagecore.sources import Source

    path = tmp_path / "statuses.json"
    path.write_bytes(b"\r" + (FIXTURES / "mastodon" / "api" / "statuses.json").read_bytes())
    assert YouTubeStudioCsvImporter().detect(Source.open(path)) == 0.0
    with engagecore.open(tmp_path / "e.duckdb") as eng:
        report = eng.ingest([path])
    assert [u.importer for u in report.units] == ["mastodon-api"]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
@pytest.mark.parametrize(
    ("rel", "importer"),
    [
        ("facebook/business_suite/fb_en_views.csv", "meta-business-csv"),
        ("spreadsheet/posts.csv", "spreadsheet"),
        ("youtube/table_data_engagement.csv", "youtube-studio-csv"),
    ],
)
def test_utf16_csv_is_a_one_line_error(
    rel: str, importer: str, encoding: str, tmp_path: Path
) -> None:
    """A UTF-16 CSV (NUL bytes everywhere) crashed another importer's detection; now every
    importer declines it, and forcing its own importer says it is not UTF-8."""
    path = tmp_path / Path(rel).name
    path.write_bytes((FIXTURES / rel).read_text(encoding="utf-8-sig").encode(encoding))
    with engagecore.open(tmp_path / "e.duckdb") as eng:
        before = _dump(eng)
        for network in (None, importer):
            with pytest.raises(EngageError) as err:
                eng.ingest([path], network=network, options={"account": CHANNEL})
            assert not isinstance(err.value, PluginError)
            message = str(err.value)
            assert str(path) in message and "\n" not in message and "\x00" not in message
        assert "UTF-16" in message and "UTF-8" in message
        assert _dump(eng) == before


def test_studio_count_beyond_int64_is_a_format_error(tmp_path: Path) -> None:
    """ "9223372036854775808" in a Studio CSV crashed the importer (polars i128 → i64)."""
    path = tmp_path / "Table data.csv"
    text = (FIXTURES / "youtube" / "table_data_engagement.csv").read_text(encoding="utf-8")
    path.write_text(text.replace(",12400,", ",9223372036854775808,", 1), encoding="utf-8")
    with engagecore.open(tmp_path / "e.duckdb") as eng, pytest.raises(EngageError) as err:
        eng.ingest([path], options={"account": CHANNEL})
    assert not isinstance(err.value, PluginError)
    message = str(err.value)
    assert str(path) in message and "line 3" in message and "9223372036854775808" in message


def test_polars_csv_error_is_one_line(tmp_path: Path) -> None:
    """A stray quote in a Business Suite CSV gave polars' multi-line message."""
    path = tmp_path / "ig_en.csv"
    data = (FIXTURES / "facebook" / "business_suite" / "ig_en.csv").read_bytes()
    at = data.index(b"\n") + 1
    path.write_bytes(data[:at] + b'"' + data[at:])
    with engagecore.open(tmp_path / "e.duckdb") as eng, pytest.raises(EngageError) as err:
        eng.ingest([path])
    assert not isinstance(err.value, PluginError)
    assert str(path) in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("rel", "old", "new", "options"),
    [
        # a number too large for polars where a title was expected ("could not append i128")
        ("youtube/channels_list.json", '"Musée du Louvre"', "9223372036854775808", {}),
        # a boolean where a name was expected: stored as the text "true" before
        ("x/api/user.json", '"Musée d\'Orsay"', "true", {}),
        # a lone UTF-16 surrogate: no character, polars could not encode it
        ("mastodon/api/statuses.json", '"<p>Nocturne', '"\\ud800<p>Nocturne', {}),
        # a list where an age group was expected: "unhashable type: 'list'"
        ("youtube/analytics_age_gender.json", '"age13-17"', "[]", {"account": CHANNEL}),
    ],
)
def test_value_of_the_wrong_type_is_a_one_line_format_error(
    rel: str, old: str, new: str, options: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / Path(rel).name
    text = (FIXTURES / rel).read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with engagecore.open(tmp_path / "e.duckdb") as eng:
        before = _dump(eng)
        with pytest.raises(EngageError) as err:
            eng.ingest([path], options=options)
        assert _dump(eng) == before
    assert not isinstance(err.value, PluginError)
    message = str(err.value)
    assert str(path) in message and "\n" not in message and "expected" in message
    assert new.strip('"').split("<")[0].lower() in message.lower(), message


def test_json_nested_too_deep_does_not_crash_detection(tmp_path: Path) -> None:
    """3,000 nested arrays in the first post made facebook-graph's detection raise
    RecursionError ("importer failed to inspect"); every importer must say 0 or read it."""
    path = tmp_path / "page.json"
    deep = "[" * 3000 + "]" * 3000
    path.write_text(
        '{"data": [{"created_time": "2024-01-01T00:00:00+0000", "id": "1_2", "x": ' + deep + "}]}",
        encoding="utf-8",
    )
    with engagecore.open(tmp_path / "e.duckdb") as eng:
        report = eng.ingest([path])
    assert [u.importer for u in report.units] == ["facebook-graph"]
    lone = tmp_path / "deep.json"
    lone.write_text(deep, encoding="utf-8")
    for network in (None, "x-api", "instagram-graph", "youtube-data-api", "facebook-graph"):
        with engagecore.open(tmp_path / "e.duckdb") as eng, pytest.raises(EngageError) as err:
            eng.ingest([lone], network=network)
        assert not isinstance(err.value, PluginError), err.value
        assert str(lone) in str(err.value)


def test_cli_error_quoting_a_bare_cr_is_one_line(tmp_path: Path) -> None:
    """A bare CR in a quoted value or a file name made the terminal overwrite the error."""
    import subprocess
    import sys

    bad = tmp_path / "bad\rname.csv"
    bad.write_text(
        'network,account,post_id,posted_at,likes\nx,a,1,2024-03-05T14:30:00Z,"12\rabc"\n',
        encoding="utf-8",
    )
    env = {**os.environ, "ENGAGE_DB": str(tmp_path / "e.duckdb")}
    run = subprocess.run(
        [sys.executable, "-m", "engagecore", "ingest", str(bad)],
        capture_output=True,
        env=env,
        check=False,
    )
    assert run.returncode == 1
    err = run.stderr.decode("utf-8")
    assert err.count("\n") == 1 and err.endswith("\n") and "\r" not in err, repr(err)
    assert err.startswith("engage: error: ") and "bad name.csv" in err and "likes" in err


@pytest.mark.parametrize(
    ("old", "new"),
    [('"lang": "fr"', '"lang": NaN'), ('"username": "MuseeOrsay"', '"username": 12')],
)
def test_x_api_text_field_of_another_type_names_the_record(
    old: str, new: str, tmp_path: Path
) -> None:
    """NaN as a post's language reached polars ("unexpected value while building Series")."""
    path = tmp_path / "tweets-page.json"
    text = (FIXTURES / "x" / "api" / "tweets-page.json").read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with engagecore.open(tmp_path / "e.duckdb") as eng, pytest.raises(FormatError) as err:
        eng.ingest([path])
    message = str(err.value)
    assert str(path) in message and "as text" in message and "cannot be read" not in message
    assert re.search(r"record (id|user) \d+", message), message


@pytest.mark.parametrize(
    ("rel", "member", "pattern", "new", "options"),
    [
        ("x/archive", "data/account.js", r'"username" *: *"[^"]*"', '"username" : true', {}),
        ("youtube/channels_list.json", "", r'"customUrl": *"[^"]*"', '"customUrl": -1', {}),
    ],
)
def test_account_names_of_another_type_name_the_file_and_field(
    rel: str, member: str, pattern: str, new: str, options: dict[str, str], tmp_path: Path
) -> None:
    src = FIXTURES / rel
    dest = tmp_path / src.name
    if src.is_dir():
        shutil.copytree(src, dest)
    else:
        shutil.copy(src, dest)
    target = dest / member if member else dest
    text = target.read_text(encoding="utf-8")
    assert re.search(pattern, text)
    target.write_text(re.sub(pattern, new, text, count=1), encoding="utf-8")
    with engagecore.open(tmp_path / "e.duckdb") as eng, pytest.raises(FormatError) as err:
        eng.ingest([dest], options=options)
    message = str(err.value)
    assert str(target) in message and "as text" in message and "cannot be read" not in message
