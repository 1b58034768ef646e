"""The simulator's captions: a fixed pool of French (and a few English) posts per museum kind
and theme, rendered once from ``data/captions.toml``.

Posts pick captions from the pool by index, so ten million posts share a few thousand strings
(polars string views make the gathered column cheap) and their hashtags and mentions are
extracted once per caption, with the same rules the importers use.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import polars as pl

from engagecore import textutil
from engagecore._sim import load_toml


@dataclass(frozen=True)
class Theme:
    """What a post is about, with its share of posts and the engagement lift planted for it."""

    name: str
    weight: float
    lift: float


@dataclass(frozen=True)
class CaptionPool:
    """Every caption once; ``offset[kind, theme, english]`` / ``count[...]`` locate a block."""

    kinds: tuple[str, ...]
    youth: np.ndarray  # per kind: shift of the audience towards young age bands
    themes: tuple[Theme, ...]
    text: pl.Series
    language: pl.Series
    hashtags: pl.Series
    mentions: pl.Series
    offset: np.ndarray  # int64 [n_kinds, n_themes, 2]
    count: np.ndarray  # int64 [n_kinds, n_themes, 2]

    def kind_index(self, kind: str) -> int:
        try:
            return self.kinds.index(kind)
        except ValueError:
            raise ValueError(
                f"unknown museum kind {kind!r}; expected one of {self.kinds}"
            ) from None

    def theme_index(self, theme: str) -> int:
        return [t.name for t in self.themes].index(theme)


def _render(template: str, kind: dict[str, Any], i: int, j: int) -> str:
    subjects: list[str] = kind["subjects"]
    expos: list[str] = kind["exhibitions"]
    emoji: list[str] = kind["emoji"]
    sujet = subjects[i % len(subjects)]
    return template.format(
        sujet=sujet,
        Sujet=sujet[:1].upper() + sujet[1:],
        expo=expos[(i + j) % len(expos)],
        emoji=emoji[(i + 2 * j) % len(emoji)],
        salle=1 + (7 * i + 3 * j) % 40,
    )


def _variants(templates: list[str], kind: dict[str, Any]) -> list[str]:
    """Each template with each of the kind's subjects (or exhibitions), duplicates dropped."""
    out: dict[str, None] = {}
    n = max(len(kind["subjects"]), len(kind["exhibitions"]))
    for j, template in enumerate(templates):
        varies = any(k in template for k in ("{sujet}", "{Sujet}", "{expo}", "{emoji}", "{salle}"))
        for i in range(n if varies else 1):
            out.setdefault(_render(template, kind, i, j), None)
    return list(out)


@cache
def caption_pool() -> CaptionPool:
    """The pool, built on first use (a few thousand captions, a few milliseconds)."""
    data = load_toml("captions.toml")
    themes = tuple(
        Theme(name, float(t["weight"]), float(t["lift"])) for name, t in data["themes"].items()
    )
    kinds = tuple(data["kinds"])
    texts: list[str] = []
    langs: list[str] = []
    offset = np.zeros((len(kinds), len(themes), 2), dtype=np.int64)
    count = np.zeros_like(offset)
    for k, kind_name in enumerate(kinds):
        kind = data["kinds"][kind_name]
        for t, theme in enumerate(themes):
            spec = data["themes"][theme.name]
            for e, (key, lang) in enumerate((("templates", "fr"), ("english", "en"))):
                block = _variants(spec.get(key) or spec["templates"], kind)
                offset[k, t, e] = len(texts)
                count[k, t, e] = len(block)
                texts.extend(block)
                langs.extend([lang] * len(block))
    return CaptionPool(
        kinds=kinds,
        youth=np.array([float(data["kinds"][k].get("youth", 0.0)) for k in kinds]),
        themes=themes,
        text=pl.Series("text", texts, dtype=pl.Utf8),
        language=pl.Series("language", langs, dtype=pl.Utf8),
        hashtags=pl.Series("hashtags", [textutil.hashtags(s) for s in texts], pl.List(pl.Utf8)),
        mentions=pl.Series("mentions", [textutil.mentions(s) for s in texts], pl.List(pl.Utf8)),
        offset=offset,
        count=count,
    )
