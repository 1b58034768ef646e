"""The follower table of the page says how many accounts each total holds: the demo's page
read "Bluesky 2024-Q1 156,499" then "2024-Q2 541,221, change +1,436 (+0.9 %)" — the total
had gained the accounts first read that quarter, the change counts only the accounts read
in both quarters, and nothing on the row said so."""

from __future__ import annotations

import polars as pl
import pytest
from report_data import Pages
from report_html import parse

import engagecore
from engagecore.report import i18n

EN, FR = i18n.Texts("en"), i18n.Texts("fr")


def _growth_table(page: str, t: i18n.Texts) -> tuple[list[str], list[list[str]]]:
    section = next(s for s in parse(page).iter("section") if s.attrs["id"] == "growth")
    table = next(
        x
        for x in section.iter("table")
        if x.iter("caption")[0].text().startswith(t("growth_table_caption", period="")[:20])
    )
    head = [th.text() for th in table.iter("thead")[0].iter("th")]
    rows = [[td.text() for td in tr.iter("td")] for tr in table.iter("tbody")[0].iter("tr")]
    return head, rows


@pytest.mark.parametrize(
    ("which", "t", "museums"),
    [("cohort_en", EN, ["louvre", "orsay", "pompidou"]), ("cohort_fr", FR, None)],
)
def test_each_total_says_how_many_accounts_it_sums(
    pages: Pages, which: str, t: i18n.Texts, museums: list[str] | None
) -> None:
    head, rows = _growth_table(getattr(pages, which), t)
    assert head[-1] == t("col_accounts"), head
    with engagecore.open(pages.db, read_only=True) as eng:
        grown = eng.growth(museums, period="quarter").filter(pl.col("followers").is_not_null())
        names = {k: s.display_name for k, s in engagecore.plugins.registry().networks.items()}
    counts = {
        (names[str(net)], str(period)): part.height
        for (net, period), part in grown.group_by("network", "period")
    }
    shown = {(r[0], r[1]): int(r[-1].replace(",", "").replace("\u202f", "")) for r in rows}
    assert shown == counts
    # the case this is about: a network whose number of accounts read changes over time
    per_network: dict[str, set[int]] = {}
    for (net, _), n in shown.items():
        per_network.setdefault(net, set()).add(n)
    assert any(len(ns) > 1 for ns in per_network.values())
    # the caption says what the two columns sum
    captions = " ".join(c.text() for c in parse(getattr(pages, which)).iter("caption"))
    assert f"({t('col_accounts')})" in captions
