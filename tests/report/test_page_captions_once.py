"""A section's table says what it holds in its own words: "Young people reached, across the
museums" printed the chart's caption twice, once under the chart and again over the table
("Young people reached per network, measured and estimated apart. Basis: …")."""

from __future__ import annotations

import pytest
from report_data import Pages
from report_html import parse


@pytest.mark.parametrize("which", ["single_en", "cohort_fr", "cohort_en"])
def test_no_table_repeats_its_sections_chart_caption(pages: Pages, which: str) -> None:
    repeated = []
    for section in parse(getattr(pages, which)).iter("section"):
        charts = {" ".join(f.text().split()) for f in section.iter("figcaption")}
        for caption in section.iter("caption"):
            text = " ".join(caption.text().split())
            if text in charts:
                repeated.append((section.attrs["id"], text))
    assert repeated == []
