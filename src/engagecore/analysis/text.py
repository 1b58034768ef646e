"""Caption matching shared by the analyses: words and phrases found whole, in any case, with
or without accents (docs/analyses.md)."""

from __future__ import annotations

import re
from collections.abc import Sequence

import polars as pl

from engagecore.textutil import fold

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae"})


def normalize(text: str) -> str:
    """``text`` as the matching reads it: accents and case folded (:func:`textutil.fold`),
    œ/æ spelt oe/ae, every run of non-word characters (punctuation, ``#``, apostrophes) one
    space. ``normalize("#Vénus, l’Œil NU") == "venus l oeil nu"``."""
    return " ".join(re.sub(r"[\W_]+", " ", fold(text).translate(_LIGATURES)).split())


_FOLD = {
    **{c: "a" for c in "àáâãäåā"},
    **{c: "e" for c in "èéêëē"},
    **{c: "i" for c in "ìíîïī"},
    **{c: "o" for c in "òóôõöōø"},
    **{c: "u" for c in "ùúûüū"},
    "ç": "c",
    "ñ": "n",
    "ý": "y",
    "ÿ": "y",
    "œ": "oe",
    "æ": "ae",
    "ß": "ss",
    "’": "'",
}


def normalized(text: pl.Expr) -> pl.Expr:
    """:func:`~engagecore.analysis.risks.normalize` in polars, for many captions at once:
    lower case, accents and combining marks removed, œ/æ as oe/ae, every run of non-word
    characters one space, with a space at both ends."""
    low = text.fill_null("").str.to_lowercase().str.replace_all(r"\p{M}+", "")
    folded = low.str.replace_many(list(_FOLD), list(_FOLD.values()))
    return pl.lit(" ") + folded.str.replace_all(r"[\W_]+", " ") + pl.lit(" ")


def terms_regex(terms: Sequence[str]) -> str:
    """A regex matching, in a :func:`normalized` text, any of ``terms`` as whole words or
    phrases (``word*``: any word it starts)."""
    alts = []
    for term in terms:
        words = normalize(term).split(" ")
        if words == [""]:
            continue
        body = " ".join(re.escape(w) for w in words)
        alts.append(body + (r"\w*" if term.strip().endswith("*") else ""))
    return r" (?:" + "|".join(sorted(set(alts))) + r") " if alts else r"(?!x)x"
