"""``engage followers add`` / ``Engine.add_followers``: a follower count recorded by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

import engagecore
from engagecore.cli import main
from engagecore.errors import UsageError

HEADER = "network,account,museum,post_id,posted_at,kind,text,likes,comments,followers\n"


def _cohort(tmp_path: Path) -> Path:
    """Three museums with 12 posts each on x; the third one's export has no follower count."""
    lines = []
    for m, (account, museum, followers) in enumerate(
        (("louvre_x", "Louvre", 50_000), ("orsay_x", "Orsay", 20_000), ("rodin_x", "Rodin", None))
    ):
        for i in range(12):
            f = followers if i == 0 and followers is not None else ""
            lines.append(
                f"x,{account},{museum},{m}-{i},2024-0{1 + i % 9}-1{i % 9}T10:00:00Z,photo,"
                f"post {i},{100 + 7 * i + 13 * m},{3 + i % 4},{f}"
            )
    csv = tmp_path / "posts.csv"
    csv.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    return csv


def _row(eng: engagecore.Engine, museum: str) -> dict[str, object]:
    # three museums: scored with a minimum cohort of 2 (default 5, docs/scoring.md §2.6)
    return eng.score(networks=["x"], min_cohort_score=2).filter(museum=museum).row(0, named=True)


def test_a_museum_without_followers_is_scored_after_followers_add(tmp_path: Path) -> None:
    with engagecore.open(tmp_path / "s.duckdb") as eng:
        eng.ingest([_cohort(tmp_path)], network="spreadsheet")
        before = _row(eng, "rodin")
        assert before["engagement_score"] is None
        assert "follower" in str(before["reason"])
        snap = eng.add_followers("x", "@Rodin_X", "8,000", date="2023-12-31")
        assert (snap.account_id, snap.museum, snap.followers) == ("rodin_x", "rodin", 8000)
        assert snap.observed_at == datetime(2023, 12, 31, tzinfo=UTC) and snap.replaced is None
        # every post of the account takes it at once
        rows = eng.store.fetchall(
            "SELECT DISTINCT followers_at_post FROM posts WHERE account_id = 'rodin_x'"
        )
        assert rows == [(8000,)]
        after = _row(eng, "rodin")
        assert after["engagement_score"] is not None and after["followers"] == 8000
        assert "follower" not in str(after["reason"] or "")
        # provenance: one imports row says where the figure came from
        imp = eng.imports().filter(import_id=snap.import_id).row(0, named=True)
        assert imp["importer"] == "followers-add" and imp["plugin"] == "engagecore"
        assert "rodin_x 8000" in imp["path"] and imp["rows"] == 1
        listed = eng.followers(museum="rodin")
        assert listed.select("followers", "source").rows() == [(8000, "followers-add")]


def test_a_second_figure_for_the_same_time_replaces_the_first(tmp_path: Path) -> None:
    with engagecore.open(tmp_path / "s.duckdb") as eng:
        eng.ingest([_cohort(tmp_path)], network="spreadsheet")
        eng.add_followers("x", "rodin_x", 8000, date=date(2024, 1, 1))
        snap = eng.add_followers("x", "rodin_x", 9000, date=date(2024, 1, 1))
        assert snap.replaced == 8000
        assert eng.followers(museum="rodin")["followers"].to_list() == [9000]
        later = eng.add_followers("x", "rodin_x", 9500)  # default: now
        assert abs(later.observed_at - datetime.now(UTC)) < timedelta(minutes=1)
        assert eng.followers(museum="rodin")["followers"].to_list() == [9500, 9000]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("myspace", "rodin_x", 5), "unknown network 'myspace'; known: "),
        (("x", "nobody", 5), "no x account 'nobody'"),
        (("x", "rodin_x", -5), "expected a number ≥ 0"),
        (("x", "rodin_x", "12k"), "expected a whole number"),
        (("x", "rodin_x", 1.5), "expected a whole number"),
        (("x", "rodin_x", 5, "2999-01-01"), "is in the future"),
        (("x", "rodin_x", 5, "31/12/2024"), "expected a date such as"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    tmp_path: Path, args: tuple[object, ...], message: str
) -> None:
    with engagecore.open(tmp_path / "s.duckdb") as eng:
        eng.ingest([_cohort(tmp_path)], network="spreadsheet")
        eng.link("rodin", "x", "rodin_placeholder")  # linked, no posts yet: refused too
        before = eng.store.table_digest()
        with pytest.raises(UsageError, match=message):
            eng.add_followers(*args)  # type: ignore[arg-type]
        with pytest.raises(UsageError, match="no posts in the store yet"):
            eng.add_followers("x", "rodin_placeholder", 5)
        assert eng.store.table_digest() == before


def test_cli_followers_add_and_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "s.duckdb"
    with engagecore.open(db) as eng:
        eng.ingest([_cohort(tmp_path)], network="spreadsheet")

    def run(*args: str) -> tuple[int, str, str]:
        try:
            main([*args, "--db", str(db)])
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    code, out, _ = run("followers", "add", "x", "rodin_x", "12 500", "--date", "2024-01-01")
    assert code == 0 and "x:rodin_x (rodin): 12,500 followers at 2024-01-01 00:00 UTC" in out
    code, out, _ = run("followers", "list", "--museum", "rodin", "--format", "csv")
    assert code == 0 and out.splitlines()[1].startswith("x,rodin,rodin_x,rodin_x,2024-01-01")
    code, _, err = run("followers", "add", "myspace", "rodin_x", "5")
    assert code == 2 and err.count("\n") == 1 and "facebook, instagram" in err
    code, _, err = run("followers", "add", "x", "rodin_x", "5", "--date", "2999-01-01")
    assert code == 2 and "in the future" in err
    code, _, err = run("followers", "add", "x", "rodin_x", "-5")
    assert code == 2 and err == "engage: error: followers '-5': expected a number ≥ 0\n"
