"""``engage risks`` / ``Engine.risks``: posts that MAY be removed under nudity rules."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest
from cli_run import run

import engagecore
from engagecore.analysis.risks import load_rules, matched_terms, policy_risks
from engagecore.analysis.text import normalize, normalized, terms_regex
from engagecore.errors import UsageError

RULES = load_rules()


def _prefilter(texts: pl.Series) -> pl.Series:
    """The first pass of policy_risks over many captions (polars)."""
    return (
        pl.DataFrame({"t": texts})
        .select(normalized(pl.col("t")).str.contains(terms_regex(RULES.terms)))
        .to_series()
    )


FLAGGED = {
    "Étude de NU au fusain, salle 4": ["nu"],
    "La femme nue de Bonnard #art": ["nue"],
    "La nudité dans l'art antique": ["nudite"],
    "La NUDITE dans l'art": ["nudite"],
    "#Vénus de Milo, copie en plâtre": ["venus"],
    "L'Olympia de Manet revient au musée": ["olympia"],
    "La Grande Odalisque d'Ingres": ["odalisque", "grande odalisque"],
    "A nude by Modigliani": ["nude"],
    "Naked truth: a marble study": ["naked"],
    "Les baigneuses de Renoir": ["baigneuses"],
    "Ve\u0301nus anadyome\u0300ne (decomposed accents)": ["venus"],
}
NOT_FLAGGED = [
    "La Nuit des musées : entrée gratuite !",
    "Découvrez le menu du café du musée",
    "Un nuage de poussière dans les réserves",
    "Nuance, continue, avenue, numérique, nuances de bleu",
    "Une comète visible à l'œil nu ce soir",
    "Visite pieds nus dans le jardin japonais",
    "Venusia n'est pas un mot de la liste",
    "Au sein de nos collections",
    "",
]


@pytest.mark.parametrize(("text", "words"), FLAGGED.items())
def test_nudity_words_are_found_whole_any_case_any_accent(text: str, words: list[str]) -> None:
    assert matched_terms(text, RULES) == words
    assert _prefilter(pl.Series([text])).item()


@pytest.mark.parametrize("text", NOT_FLAGGED)
def test_no_false_positive_on_nuit_menu_nuage_and_harmless_phrases(text: str) -> None:
    assert matched_terms(text, RULES) == []


def test_the_prefilter_never_misses_a_match() -> None:
    texts = pl.Series([*FLAGGED, *NOT_FLAGGED, "NU", "Un nu. Une nue!", "(Vénus)", "odalisques"])
    hits = _prefilter(texts).to_list()
    for text, hit in zip(texts.to_list(), hits, strict=True):
        if matched_terms(text, RULES):
            assert hit, text


def test_normalize_folds_accents_case_ligatures_and_punctuation() -> None:
    assert normalize("#Vénus, l’Œil NU") == "venus l oeil nu"


def test_rules_come_from_the_plugins_and_a_user_file_extends_them(tmp_path: Path) -> None:
    mine = tmp_path / "mine.toml"
    mine.write_text(
        "[terms]\nwords = ['académie']\nexclude = ['Vénus de Milo']\n"
        "[networks.mastodon]\nrule = 'Instance rules'\nwording = 'Each instance'\n"
        "quoted = false\nsource = 'https://example.org/about'\n"
        "consequence = 'may be hidden by the instance'\nkinds = ['photo']\n",
        encoding="utf-8",
    )
    rules = load_rules(mine)
    # the user's file replaces the rule Mastodon's plugin ships (mastodon.social's)
    assert RULES.networks["mastodon"].source == "https://mastodon.social/about"
    assert rules.networks["mastodon"].consequence == "may be hidden by the instance"
    assert rules.networks["mastodon"].kinds == ("photo",)
    assert rules.networks["facebook"] == RULES.networks["facebook"]
    assert matched_terms("Une Académie d'homme", rules) == ["academie"]
    assert matched_terms("La Vénus de Milo", rules) == []
    assert matched_terms("La Vénus de Milo", RULES) == ["venus"]
    posts = pl.DataFrame(
        {
            "museum": ["m", "m"],
            "network": ["mastodon", "mastodon"],
            "account_id": ["1", "1"],
            "post_id": ["a", "b"],
            "posted_at": [datetime(2024, 1, 1, tzinfo=UTC)] * 2,
            "kind": ["photo", "photo"],
            "text": ["Un nu de Degas", "Un paysage"],
            "url": [None, None],
        }
    )
    assert policy_risks(posts, RULES)["post_id"].to_list() == ["a"]
    flagged = policy_risks(posts, rules)
    assert flagged["post_id"].to_list() == ["a"]
    assert flagged["rule"].to_list() == ["Instance rules"]
    # a network with no rule (none shipped, none in the file): never flagged
    other = posts.with_columns(network=pl.lit("pixelfed"))
    assert policy_risks(other, rules).is_empty()


def test_rules_file_quotes_meta_and_says_may_never_will() -> None:
    table = RULES.table()
    assert {"facebook", "instagram", "x"} <= set(table["network"])
    meta = table.filter(pl.col("network").is_in(["facebook", "instagram"]))
    assert meta["source"].str.starts_with("https://transparency.meta.com/").all()
    assert meta["wording"].str.contains("paintings, sculptures").all()
    assert table["source"].str.starts_with("https://").all()
    assert table["consequence"].str.starts_with("may ").all()
    assert not table["consequence"].str.contains(r"\bwill\b").any()
    # every network with a demo writer has a rule: a demo shows risks on each
    from engagecore import plugins

    assert set(plugins.registry().demo_writers) <= set(table["network"])


def _set_texts(db: Path, changes: list[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """Give posts of chosen kinds new captions; returns (network, post_id, kind)."""
    con = duckdb.connect(str(db))
    done = []
    for kind, text in changes:
        row = con.execute(
            "SELECT network, post_id FROM posts WHERE is_own AND kind = ? AND network = "
            "'facebook' AND post_id NOT IN (SELECT unnest(?)) ORDER BY post_id LIMIT 1",
            [kind, [d[1] for d in done]],
        ).fetchone()
        assert row is not None, kind
        con.execute("UPDATE posts SET text = ? WHERE network = ? AND post_id = ?", [text, *row])
        done.append((row[0], row[1], kind))
    con.close()
    return done


def test_store_posts_are_flagged_from_caption_and_kind(demo_copy: Path) -> None:
    con = duckdb.connect(str(demo_copy))
    con.execute("UPDATE posts SET text = 'Bonne journée' WHERE network = 'facebook'")
    con.close()
    photo, text_only, night = _set_texts(
        demo_copy,
        [
            ("photo", "Étude de nu et Vénus au bain, salle 3 #Ingres"),
            ("text", "A nude by Modigliani, on show from Monday"),  # no image: not flagged
            ("photo", "La Nuit des musées : le menu du café"),
        ],
    )
    with engagecore.open(demo_copy, read_only=True) as eng:
        out = eng.risks(networks=["facebook"])
        linked = eng.store.fetchall(
            "SELECT a.museum FROM posts p JOIN accounts a USING (network, account_id) "
            "WHERE p.network = ? AND p.post_id = ?",
            [photo[0], photo[1]],
        )[0][0]
    assert out["post_id"].to_list() == [photo[1]]
    row = out.row(0, named=True)
    assert row["matched"] == ["nu", "venus"]
    assert row["risk"].startswith("may ") and "will" not in row["risk"]
    assert row["rule_source"].startswith("https://transparency.meta.com/")
    assert row["kind"] == "photo" and row["museum"] == linked
    assert text_only[1] not in out["post_id"].to_list()
    assert night[1] not in out["post_id"].to_list()


def test_cli_risks_json_csv_and_a_bad_rules_file(
    demo_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["risks", "--db", str(demo_store), "-f", "json"], capsys)
    assert code == 0
    rows = json.loads(out)
    # the simulated captions name a "Vénus de marbre" and a "statuette de Vénus"
    assert rows and all("venus" in r["matched"] for r in rows)
    assert all(r["risk"].startswith("may ") for r in rows)
    code, out, _ = run(["risks", "--db", str(demo_store), "-f", "csv"], capsys)
    assert code == 0 and out.splitlines()[0].startswith("museum,network,posted_at")
    code, out, _ = run(["risks", "--db", str(demo_store)], capsys)
    assert code == 0 and "may" in out
    bad = tmp_path / "rules.toml"
    bad.write_text("[networks.facebook]\nrule = 'no wording, no source'\n", encoding="utf-8")
    code, out, err = run(["risks", "--db", str(demo_store), "--rules", str(bad)], capsys)
    assert code != 0 and out == ""
    assert len(err.strip().splitlines()) == 1 and str(bad) in err
    with pytest.raises(UsageError):
        load_rules(tmp_path / "missing.toml")
