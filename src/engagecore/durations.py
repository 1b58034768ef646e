"""Durations as people say them, one rule in every surface (the terminal, the score's reasons,
the report in English and French; docs/scoring.md §1.5, "Durations").

Under 48 hours a duration is said in hours, from 48 hours on in days; with one decimal under
10 and none from 10 on (a trailing ``.0`` dropped): ``1.5 h``, ``11 h``, ``47 h``, ``2 days``,
``4.4 days``, ``44 days``. French writes the decimal comma and ``jours``: ``4,4 jours``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import polars as pl

#: from this many hours on, a duration is said in days
DAYS_FROM_HOURS = 48

_UNITS = {"en": ("h", "days"), "fr": ("h", "jours")}


def _figure(value: float) -> str:
    text = f"{value:.1f}" if value < 10 else f"{value:.0f}"
    return text.removesuffix(".0")


def duration(hours: float, lang: str = "en") -> str:
    """``hours`` as people say it (see the module docstring); ``lang``: ``en`` or ``fr``."""
    hour, days = _UNITS[lang]
    if hours < DAYS_FROM_HOURS:
        text, unit = _figure(hours), hour
    else:
        text, unit = _figure(hours / 24), days
    if lang == "fr":
        text = text.replace(".", ",")
    return f"{text} {unit}"


def duration_expr(hours: pl.Expr, values: Iterable[float | None]) -> pl.Expr:
    """``hours`` as :func:`duration` says them in English, as a polars expression; ``values``
    the hours it meets (a score's few maturity ages), each worded once in Python."""
    words = {h: duration(h) for h in set(values) if h is not None}
    return hours.replace_strict(words, default=None, return_dtype=pl.Utf8)


_ENGLISH = re.compile(r"^(\d+(?:\.\d+)?) (h|days)$")


def to_french(text: str) -> str:
    """An English duration of :func:`duration` (``4.4 days``) in French (``4,4 jours``);
    other text as it is."""
    found = _ENGLISH.match(text)
    if found is None:
        return text
    figure, unit = found.groups()
    return f"{figure.replace('.', ',')} {'h' if unit == 'h' else 'jours'}"
