"""The page: sections rendered into one self-contained HTML file by a jinja2 template.

jinja2 with autoescaping on: every value the template prints is HTML-escaped unless marked
safe, and only two things are marked safe, both written by engagecore itself — the charts'
SVG (:mod:`.charts`, whose text vl-convert escapes) and the "how to read" text of
:mod:`.i18n`. Escaping by default means a forgotten call cannot let a caption's markup through,
which calling ``html.escape`` at each place could.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cache
from importlib import resources

import jinja2

from engagecore.report.data import ReportData
from engagecore.report.i18n import Texts
from engagecore.report.model import Section
from engagecore.report.sections import SECTIONS, SectionFn

#: A table cell that is a date, a month or a period ("2024-01-22", "2024-01", "2024-Q1",
#: "2024-W03"): printed on one line (a browser breaks "2024-01-22" after a hyphen otherwise).
_DATE = re.compile(r"\d{4}-(\d{2}(-\d{2})?|Q\d|W\d{2})")


def _is_date(value: object) -> bool:
    return isinstance(value, str) and _DATE.fullmatch(value) is not None


@cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
    )
    env.tests["date"] = _is_date
    source = resources.files("engagecore.report").joinpath("template.html.j2").read_text("utf-8")
    return env.from_string(source)


def build_html(
    data: ReportData,
    lang: str,
    sections: Sequence[SectionFn] = SECTIONS,
    *,
    now: datetime | None = None,
) -> str:
    """The page for ``data`` in ``lang`` (en or fr): one string, no outside resource."""
    from altair.utils.schemapi import debug_mode

    from engagecore import __version__

    t = Texts(lang)
    built: list[Section] = []
    # altair's debug mode checks every object it makes against the Vega-Lite schema as it is
    # made (jsonschema): over half of the page's time. Our charts are fixed code, checked by
    # the tests' renderings; vl-convert still refuses a spec it cannot draw.
    with debug_mode(False):
        for fn in sections:
            section = fn(data, t)
            if section is not None:
                built.append(section)
    when = (now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    if data.single:
        title = t("page_title_one", museum=data.name(data.museums[0]))
        subtitle = t("subtitle", store=data.store, when=when, version=__version__)
    else:
        title = t("page_title")
        # --all leaves out the museums without posts: said, with the store's count
        more = data.all_museums and data.store_museums > len(data.museums)
        subtitle = t(
            "subtitle_cohort_of" if more else "subtitle_cohort",
            n=t.number(len(data.museums)),
            total=t.number(data.store_museums),
            store=data.store,
            when=when,
            version=__version__,
        )
    return _template().render(
        lang=lang,
        title=title,
        subtitle=subtitle,
        header_notes=[],
        contents=t("contents"),
        sections=built,
        version=__version__,
    )
