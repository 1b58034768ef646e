"""What a page is made of: sections of figures, tables and texts.

A section is built by one small function (data frames in, :class:`Section` out), so an
analysis adds a section without touching the page: see :mod:`engagecore.report.sections`.
Every text here is plain text: the template escapes it. A chart's SVG is the one piece of
markup, made by :func:`engagecore.report.charts.to_svg`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Link:
    """A table cell that links out (a post's own address). Only http(s) addresses become
    links; anything else (``javascript:``, ``data:``) is shown as text."""

    text: str
    href: str

    @property
    def safe_href(self) -> str | None:
        try:
            parts = urlsplit(self.href.strip())
        except ValueError:
            return None
        if parts.scheme.lower() in ("http", "https") and parts.netloc:
            return self.href.strip()
        return None


@dataclass(frozen=True)
class Missing:
    """A table cell without a figure: the page's "—" with a mark (¹, ²…) that the table's
    caption explains, and the same reason as the cell's tooltip."""

    text: str
    reason: str


Cell = str | Link | Missing


@dataclass
class Figure:
    """One chart: its SVG, its alt text (also the SVG's ``aria-label``), a caption naming the
    figure's basis."""

    svg: str
    alt: str
    caption: str


@dataclass
class Table:
    columns: list[str]
    rows: list[list[Cell]]
    caption: str
    numeric: frozenset[int] = frozenset()  # column indexes aligned right
    #: numeric columns whose figures may wrap at a space ("72 (68–78)", "1.48% (followers)"),
    #: so that a wide table fits a laptop's page; never inside a word such as "(68–78)"
    wrap: frozenset[int] = frozenset()
    #: the column naming each row (the museum): its long words may break, and it stays in
    #: view while a table wider than a phone scrolls sideways
    key: int | None = None


@dataclass
class Section:
    id: str
    title: str
    intro: str = ""
    paragraphs: list[str] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    html: str = ""  # trusted markup written by engagecore itself (the "how to read" text)
    cards: list[Card] = field(default_factory=list)


@dataclass
class Card:
    """A headline box: a title (the network), a big figure, and sentences."""

    title: str
    figure: str
    lines: list[str]
    tone: str = ""  # "", "muted"
