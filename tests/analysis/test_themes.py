"""``engage themes`` / ``Engine.themes``: lifts of themes, formats and times, with planted
effects in a simulated cohort imported into a real store."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from analysis_store import build_store
from built_once import built_once, copy_of
from cli_run import run

import engagecore
from engagecore.analysis.themes import (
    LIFT_COLUMNS,
    load_themes,
    normalized,
    ratio_lift,
    rule_labels,
    what_works,
)
from engagecore.errors import UsageError

#: The simulator's themes all without a lift, except the closing-day series at 1.8.
PLANTED = {
    "collection": 1.0,
    "exposition": 1.0,
    "evenement": 1.0,
    "coulisses": 1.0,
    "jourdefermeture": 1.8,
    "jeune_public": 1.0,
    "infos_pratiques": 1.0,
    "histoire": 1.0,
}


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """The planted store (built once per test run; a copy for this test process) and the
    museums that post no #jourdefermeture."""

    def build(folder: Path) -> None:
        cohort = build_store(folder / "planted.duckdb", 20, 1, lifts=PLANTED)
        assert cohort.post_truth is not None
        series = set(
            cohort.posts.join(cohort.post_truth, on=["network", "post_id"]).filter(
                pl.col("theme") == "jourdefermeture"
            )["museum"]
        )
        plain = sorted(set(cohort.museums["slug"]) - series)
        (folder / "plain.json").write_text(json.dumps(plain), encoding="utf-8")

    built = built_once(tmp_path_factory, "themes-planted", build)
    db = copy_of(built / "planted.duckdb", tmp_path_factory.mktemp("planted") / "planted.duckdb")
    return db, json.loads((built / "plain.json").read_text(encoding="utf-8"))


def _row(lifts: pl.DataFrame, factor: str, level: str, source: str = "rules") -> dict:
    rows = lifts.filter(
        (pl.col("factor") == factor) & (pl.col("level") == level) & (pl.col("source") == source)
    )
    assert rows.height == 1, (factor, level, source)
    return rows.row(0, named=True)


def test_planted_closing_day_lift_of_1_8_is_covered(planted: tuple[Path, list[str]]) -> None:
    db, _ = planted
    with engagecore.open(db, read_only=True) as eng:
        report = eng.themes()
    assert report.lifts.columns == list(LIFT_COLUMNS)
    row = _row(report.lifts, "theme", "closing_day")
    assert row["lift_low"] <= 1.8 <= row["lift_high"]
    assert row["lift_low"] > 1.3  # and the effect is found, not a wide interval
    assert row["posts"] >= 100 and row["label"] == "#jourdefermeture series"


def test_a_theme_without_planted_lift_covers_1(planted: tuple[Path, list[str]]) -> None:
    db, plain = planted
    assert len(plain) >= 5
    with engagecore.open(db, read_only=True) as eng:
        lifts = eng.themes(plain, with_model=False).lifts
    assert lifts.filter(
        (pl.col("factor") == "theme") & (pl.col("level") == "closing_day")
    ).is_empty()
    for theme in ("collection", "exhibitions", "events"):
        row = _row(lifts, "theme", theme)
        assert row["lift_low"] <= 1.0 <= row["lift_high"], theme
        assert row["museums"] == len(plain)


def test_planted_formats_rank_as_planted(planted: tuple[Path, list[str]]) -> None:
    db, _ = planted
    with engagecore.open(db, read_only=True) as eng:
        lifts = eng.themes(with_model=False).lifts
    # data/simulation.toml: link 0.6, text 0.7, photo 1.0, reel 1.3 (times the account's mix)
    link, text = _row(lifts, "format", "link"), _row(lifts, "format", "text")
    reel = _row(lifts, "format", "reel")
    assert link["lift_high"] < 1 and text["lift_high"] < 1 and reel["lift_low"] > 1
    assert link["lift"] < text["lift"] < reel["lift"]
    weekdays = lifts.filter(pl.col("factor") == "weekday")["level"].to_list()
    assert weekdays == [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ]
    hours = lifts.filter(pl.col("factor") == "hour")["level"].to_list()
    assert hours == sorted(hours) and all(h.endswith("h") for h in hours)


def test_the_model_reports_held_out_precision_and_labels_what_rules_miss(
    planted: tuple[Path, list[str]],
) -> None:
    db, _ = planted
    with engagecore.open(db, read_only=True) as eng:
        report = eng.themes()
    model = report.model
    assert model is not None and model.overall_precision is not None
    assert 0.5 < model.overall_precision <= 1.0
    assert model.precision["closing_day"] is not None and model.predicted["closing_day"] > 0
    # a caption without a hashtag or a keyword of the rules
    caption = "Le musée est fermé au public, mais pas pour nous : les salles sont vides 🤫"
    post = pl.DataFrame(
        {"network": ["n"], "post_id": ["1"], "text": [caption], "hashtags": [[]]},
        schema_overrides={"hashtags": pl.List(pl.Utf8)},
    )
    rules = rule_labels(post, load_themes()).drop("network", "post_id")
    assert not any(rules.row(0))
    guessed = model.predict([caption]).row(0, named=True)
    assert guessed["closing_day"] or guessed["behind_the_scenes"]
    # model rows are reported apart, with the precision of their theme
    model_rows = report.lifts.filter(pl.col("source") == "model")
    assert model_rows["precision"].is_not_null().all()
    assert report.lifts.filter(pl.col("source") == "rules")["precision"].is_null().all()


def test_rules_fold_case_accents_and_punctuation() -> None:
    themes = load_themes()
    texts = ["Dans les COULISSES", "#Coulisses", "Behind-the-scenes!", "Les Coulisses", "Une nuit"]
    posts = pl.DataFrame(
        {"network": "n", "post_id": [str(i) for i in range(5)], "text": texts},
    ).with_columns(hashtags=pl.lit([], dtype=pl.List(pl.Utf8)))
    got = rule_labels(posts, themes)["behind_the_scenes"].to_list()
    assert got == [True, True, True, True, False]
    assert pl.select(normalized(pl.lit("L’Œuvre du JOUR"))).item() == " l oeuvre du jour "
    # a prefix word: "restaurat*" matches restauration, restauratrices
    posts = posts.with_columns(text=pl.lit("Nos restauratrices au travail"))
    assert rule_labels(posts, themes)["behind_the_scenes"].all()


def test_a_user_themes_file_adds_words_and_themes(tmp_path: Path) -> None:
    mine = tmp_path / "mine.toml"
    mine.write_text(
        '[themes.dinosaurs]\nlabel = "dinosaurs"\nkeywords = ["dinosaure*", "tricératops"]\n'
        '[themes.contest]\nhashtags = ["grandjeu"]\n',
        encoding="utf-8",
    )
    themes = {t.name: t for t in load_themes(mine)}
    assert "dinosaurs" in themes and "grandjeu" in themes["contest"].hashtags
    assert "concours" in themes["contest"].hashtags  # the packaged words stay
    bad = tmp_path / "bad.toml"
    bad.write_text("[themes.x]\nkeywords = 'not a list'\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"bad\.toml"):
        load_themes(bad)


def test_ratio_lift_by_hand() -> None:
    # one stratum: the group's posts at 2 and 4 (mean 3), the others at 1, 1, 2, 4 (mean 2)
    groups = pl.DataFrame(
        {"key": ["g"], "stratum": [1], "n": [2], "s": [6.0], "q": [20.0], "museum": ["m"]}
    )
    totals = pl.DataFrame({"stratum": [1], "n": [6], "s": [14.0], "q": [42.0]})
    row = ratio_lift(groups, totals).row(0, named=True)
    assert row["lift"] == pytest.approx(1.5)
    assert row["lift_low"] < 1.5 < row["lift_high"]
    assert row["lift_low"] * row["lift_high"] == pytest.approx(1.5**2)  # symmetric in logs


def test_what_works_on_an_empty_selection() -> None:
    empty = pl.DataFrame(
        schema={
            "museum": pl.Utf8,
            "network": pl.Utf8,
            "account_id": pl.Utf8,
            "post_id": pl.Utf8,
            "posted_at": pl.Datetime("us", "UTC"),
            "kind": pl.Utf8,
            "rate": pl.Float64,
            "rate_basis": pl.Utf8,
            "text": pl.Utf8,
            "hashtags": pl.List(pl.Utf8),
        }
    )
    report = what_works(empty)
    assert report.lifts.is_empty() and report.lifts.columns == list(LIFT_COLUMNS)


def test_what_works_on_a_few_posts_no_model_could_learn_from() -> None:
    """Three posts, one caption without a theme: the model learns nothing (too few), and
    what it predicts for that caption is no theme — not a frame of another height
    (`engage report --all` on a three-post spreadsheet stopped on a ShapeError)."""
    few = pl.DataFrame(
        {
            "museum": ["louvre"] * 3,
            "network": ["instagram"] * 3,
            "account_id": ["1"] * 3,
            "post_id": ["a", "b", "c"],
            "posted_at": [datetime(2025, 5, d, 12, tzinfo=UTC) for d in (1, 2, 3)],
            "kind": ["image"] * 3,
            "rate": [0.01, 0.02, 0.03],
            "rate_basis": ["followers"] * 3,
            "text": ["Vernissage ce soir #expo", "Bonne semaine", None],
            "hashtags": [["expo"], [], []],
        },
        schema_overrides={"posted_at": pl.Datetime("us", "UTC")},
    )
    report = what_works(few, min_posts=1)
    assert report.model is not None
    assert report.model.predict(["Bonne semaine", ""]).height == 2
    assert not any(report.model.predict(["Bonne semaine", ""]).select(pl.all().any()).row(0))
    assert set(report.labels["source"]) <= {"rules"}
    assert report.lifts.height > 0


def test_cli_themes_json_table_and_errors(
    demo_store: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = run(["themes", "--db", str(demo_store), "-f", "json"], capsys)
    assert code == 0
    rows = json.loads(out)
    assert {r["factor"] for r in rows} >= {"theme", "format", "weekday", "hour"}
    assert "held-out precision" in err
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = run(["themes", "louvre", "--no-model", "--db", str(demo_store)], capsys)
    assert code == 0 and max(len(line) for line in out.splitlines()) <= 80
    assert "lift" in out
    code, out, err = run(["themes", "--db", str(demo_store), "--timezone", "Mars/Olympus"], capsys)
    assert code != 0 and out == "" and "Mars/Olympus" in err
    assert len(err.strip().splitlines()) == 1
    since = datetime(2025, 1, 1, tzinfo=UTC)
    with engagecore.open(demo_store, read_only=True) as eng:
        recent = eng.themes(since=since, with_model=False).lifts
        every = eng.themes(with_model=False).lifts
    fmt = pl.col("factor") == "format"
    assert recent.filter(fmt)["posts"].sum() < every.filter(fmt)["posts"].sum()
