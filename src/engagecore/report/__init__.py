"""``engage report``: one self-contained HTML page (inline SVG charts, no script, no request to
any host), in English or French, for one museum or a cohort.

``collect`` gathers the frames once (:class:`ReportData`); each section of
:data:`~engagecore.report.sections.SECTIONS` is one function of those frames; ``build_html``
renders them. ``Engine.report`` and ``engage report`` call both.
"""

from __future__ import annotations

from engagecore.report.build import build_html
from engagecore.report.data import ReportData, collect
from engagecore.report.i18n import Texts, lang_from_env
from engagecore.report.model import Card, Figure, Link, Missing, Section, Table
from engagecore.report.sections import SECTIONS

__all__ = [
    "SECTIONS",
    "Card",
    "Figure",
    "Link",
    "Missing",
    "ReportData",
    "Section",
    "Table",
    "Texts",
    "build_html",
    "collect",
    "lang_from_env",
]
