"""The issue-13 analyses on the page: what works, risks, breakouts, young reach over time,
growth and adoption — each read back from the page and checked against the Engine's own
analysis of the same store (the page shows those figures, collected once)."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest
from report_data import IMG, SCRIPT, Pages
from report_html import parse
from report_html import section_of as _section
from report_html import table_rows as _rows

import engagecore
from engagecore import scoring
from engagecore.analysis.themes import MODEL_TRAIN_MAX
from engagecore.report import build_html, collect, i18n, sections

EN, FR = i18n.Texts("en"), i18n.Texts("fr")


# what works ---------------------------------------------------------------------------------
def test_what_works_for_one_museum_shows_that_museums_theme_lifts(pages: Pages) -> None:
    with engagecore.open(pages.db, read_only=True) as eng:
        lifts = eng.themes(["louvre"]).lifts
    themes = lifts.filter(pl.col("factor") == "theme")
    assert themes.height >= 3
    section = _section(pages.single_en, "themes")
    rows = _rows(section)
    assert len(rows) == themes.height
    for row, r in zip(rows, themes.iter_rows(named=True), strict=True):
        assert row[0] == r["label"]
        assert row[1] == ("rules" if r["source"] == "rules" else "text model")
        assert row[2] == f"×{r['lift']:.2f}"
        assert row[3] == f"×{r['lift_low']:.2f}–×{r['lift_high']:.2f}"
        assert row[4] == f"{r['posts']:,}"
        assert row[5] == "1"  # one museum's posts
    # the dot-and-interval chart and the formats/timing chart, with their basis
    assert [s.attrs["id"] for s in section.iter("svg")] == ["chart-themes", "chart-timing"]
    caption = section.iter("figcaption")[0].text()
    assert "Basis: size-adjusted engagement rate" in caption and "posts of Musée" in caption


def test_what_works_for_a_cohort_is_pooled(pages: Pages) -> None:
    with engagecore.open(pages.db, read_only=True) as eng:
        lifts = eng.themes(["louvre", "orsay", "pompidou"]).lifts
    themes = lifts.filter(pl.col("factor") == "theme")
    rows = _rows(_section(pages.cohort_en, "themes"))
    assert [r[2] for r in rows] == [f"×{v:.2f}" for v in themes["lift"]]
    assert max(int(r[5]) for r in rows) == 3
    assert "the 3 museums pooled" in _section(pages.cohort_en, "themes").text()


def test_model_labels_are_apart_and_its_precision_stated(pages: Pages) -> None:
    with engagecore.open(pages.db, read_only=True) as eng:
        report = eng.themes(["louvre", "orsay", "pompidou"])
    assert report.model is not None and report.model.overall_precision is not None
    section = _section(pages.cohort_en, "themes")
    text = section.text()
    assert f"right {report.model.overall_precision:.0%} of the time" in text
    assert f"at most {MODEL_TRAIN_MAX:,} captions" in text
    rows = _rows(section)
    model_rows = report.lifts.filter(pl.col("factor") == "theme", pl.col("source") == "model")
    got = [r for r in rows if r[1] == "text model"]
    assert len(got) == model_rows.height
    for row, r in zip(got, model_rows.iter_rows(named=True), strict=True):
        assert row[6] == ("—" if r["precision"] is None else f"{100 * r['precision']:.0f}%")
    assert all(r[6] == "—" for r in rows if r[1] == "rules")


def test_french_what_works_names_days_and_sources_in_french(pages: Pages) -> None:
    section = _section(pages.cohort_fr, "themes")
    assert section.iter("h2")[0].text() == " ".join(FR("s_themes").split())
    svg = section.iter("svg")[1].text()
    assert "lundi" in svg or "samedi" in svg
    assert "Monday" not in svg and "Saturday" not in svg
    rows = _rows(section)
    assert {r[1] for r in rows} <= {"règles", "modèle de texte"}
    labels = {r[0] for r in rows}
    assert "coulisses" in labels and "behind the scenes" not in labels
    assert labels <= {fr for _, fr in i18n.THEMES_FR.values()}


def test_hostile_theme_label_is_text(report_store: Path, tmp_path: Path) -> None:
    hostile = tmp_path / "themes.toml"
    hostile.write_text(
        '[themes.evil]\nlabel = "<script>alert(1)</script> <img src=x onerror=alert(2)>"\n'
        'hashtags = []\nkeywords = ["le", "la", "the"]\n',
        encoding="utf-8",
    )
    with engagecore.open(report_store, read_only=True) as eng:
        data = collect(eng, ["louvre"])
        data.themes = eng.themes(["louvre"], themes=hostile)
    page = build_html(data, "en", [sections.what_works])
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    text = _section(page, "themes").text()
    assert SCRIPT in text and IMG in text


# risks --------------------------------------------------------------------------------------
def test_risks_table_lists_flagged_posts_with_may_and_the_rule(pages: Pages) -> None:
    with engagecore.open(pages.db, read_only=True) as eng:
        flagged = eng.risks(["louvre"])
    assert flagged.height > 0
    section = _section(pages.single_en, "risks")
    rows = _rows(section)
    assert len(rows) == min(flagged.height, 30)
    for row, r in zip(rows, flagged.head(30).iter_rows(named=True), strict=True):
        assert row[4] == ", ".join(r["matched"])
        assert row[5].startswith("may ")
        assert row[6] == r["rule"]
    assert " will " not in section.text().lower()
    links = {a.attrs["href"] for a in section.iter("a")}
    assert set(flagged.head(30)["rule_source"]) <= links
    # a flagged louvre caption holds the planted markup: shown as text
    assert SCRIPT in section.text() and "<script>alert(1)" not in pages.single_en


def test_french_risks_say_may_in_french(pages: Pages) -> None:
    section = _section(pages.cohort_fr, "risks")
    rows = _rows(section)
    assert rows and all(r[6] == FR("risk_may") for r in rows)


def test_risk_rule_source_is_a_link_only_if_http(report_store: Path) -> None:
    with engagecore.open(report_store, read_only=True) as eng:
        data = collect(eng, ["louvre"])
    assert data.risks.height >= 2
    data.risks = data.risks.head(2).with_columns(
        rule=pl.Series(["<b>rule</b>", "ok rule"]),
        rule_source=pl.Series(["javascript:alert(5)", "https://example.org/policy"]),
    )
    page = build_html(data, "en", [sections.risks])
    section = _section(page, "risks")
    hrefs = [a.attrs["href"] for a in section.iter("a")]
    assert "https://example.org/policy" in hrefs
    assert not [h for h in hrefs if h.lower().startswith("javascript")]
    rows = _rows(section)
    assert rows[0][6] == "<b>rule</b> (javascript:alert(5))"
    assert "<b>rule</b>" not in page


# breakouts ----------------------------------------------------------------------------------
def test_breakouts_section_counts_and_lists_the_newest(pages: Pages) -> None:
    with engagecore.open(pages.db, read_only=True) as eng:
        posts = eng.top_posts(["louvre"], top=None, breakouts=True)
    assert posts.height > 0
    section = _section(pages.single_en, "breakouts")
    assert section.iter("p")[0].text().startswith(f"{posts.height} posts did")
    rows = _rows(section)
    newest = posts.sort("posted_at", descending=True).head(10)
    assert [r[1] for r in rows] == [d.strftime("%Y-%m-%d") for d in newest["posted_at"]]
    # and the top-posts table marks them
    top = _rows(_section(pages.single_en, "posts"))
    assert any("(breakout)" in r[4] for r in top)


# young reach over time ----------------------------------------------------------------------
def test_young_over_time_reads_the_history_without_scoring_again(
    report_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = scoring.score

    def counting(inputs, specs, cfg):  # type: ignore[no-untyped-def]
        calls.append(cfg.period)
        return real(inputs, specs, cfg)

    monkeypatch.setattr(scoring, "score", counting)
    with engagecore.open(report_store, read_only=True) as eng:
        data = collect(eng, ["louvre", "orsay"], period="quarter")
        monkeypatch.setattr(scoring, "score", real)
        expected = eng.young(["louvre", "orsay"], period="quarter")
    assert sorted(calls) == ["all", "quarter"]  # once per grain
    cols = ["museum", "network", "period", "young_basis", "young_reach"]
    assert data.young_time.select(cols).sort(cols).equals(expected.select(cols).sort(cols))
    page = build_html(data, "en", [sections.young_time])
    section = _section(page, "young-time")
    svg = section.iter("svg")[0]
    assert "measured" in svg.text() or "estimated" in svg.text()
    assert "per quarter" in svg.attrs["aria-label"]
    assert "Basis:" in section.iter("figcaption")[0].text()


# growth -------------------------------------------------------------------------------------
def test_growth_table_sums_the_accounts_per_network_and_period(pages: Pages) -> None:
    with engagecore.open(pages.db, read_only=True) as eng:
        grown = eng.growth(["louvre"], period="quarter").filter(pl.col("followers").is_not_null())
        names = {k: s.display_name for k, s in engagecore.plugins.registry().networks.items()}
    assert grown["change"].drop_nulls().len() > 0
    rows = {(r[0], r[1]): r for r in _rows(_section(pages.single_en, "growth"))}
    for (net, period), part in grown.group_by("network", "period"):
        row = rows[(names[str(net)], str(period))]
        assert row[2] == f"{part['followers'].sum():,}"
        changed = part.filter(pl.col("change").is_not_null())
        if changed.height:
            # signed alike, with a true minus (stop 27)
            assert row[3] == f"{changed['change'].sum():+,}".replace("-", "\u2212")
            before = (changed["followers"] - changed["change"]).sum()
            pct = f"{100 * changed['change'].sum() / before:+,.1f}%"
            assert row[4] == pct.replace("-", "\u2212")
        else:
            assert row[3] == "—"
    assert len(rows) == grown.select("network", "period").n_unique()


# adoption -----------------------------------------------------------------------------------
def test_adoption_curves_only_for_all_museums(pages: Pages) -> None:
    assert "adoption" not in [s.attrs["id"] for s in parse(pages.cohort_en).iter("section")]
    assert "adoption" not in [s.attrs["id"] for s in parse(pages.single_en).iter("section")]
    with engagecore.open(pages.db, read_only=True) as eng:
        adopted = eng.adoption()
    last = adopted.filter(pl.col("year") == adopted["year"].max())
    section = _section(pages.cohort_fr, "adoption")
    rows = _rows(section)
    assert len(rows) == last.height
    present = sorted(int(r[2].replace("\u202f", "")) for r in rows)
    assert present == sorted(last["present"].to_list())
    assert all(r[1] == str(adopted["year"].max()) for r in rows)
    caption = section.iter("figcaption")[0].text().replace("\u00a0", " ")
    assert "Base :" in caption and f"({last['registry'][0]} musées)" in caption
    assert section.iter("svg")[0].attrs["id"] == "chart-adoption"


def test_how_to_read_explains_the_new_sections_in_both_languages(pages: Pages) -> None:
    en = _section(pages.single_en, "how-to-read").text()
    fr = _section(pages.cohort_fr, "how-to-read").text()
    assert "lift of ×1.3" in en and "be removed or restricted" in en and "adoption" in en
    assert "effet de ×1,3" in fr and "être retirée" in fr and "adoption" in fr


def test_no_axis_title_is_cut_short(pages: Pages) -> None:
    # the small lift charts cut their axis title: "Effet (× les autres publications du c…"
    for page in (pages.single_en, pages.cohort_fr, pages.cohort_en):
        groups = re.findall(r'<g class="mark-text role-axis-title"[^>]*>(.*?)</g>', page)
        titles = [re.sub(r"<[^>]+>", " ", g).strip() for g in groups]
        assert "Lift" in " ".join(titles) or "Effet" in " ".join(titles)
        assert [x for x in titles if "…" in x] == []
