"""The simulator's museums: the curated list of ``data/museums.toml`` first, then made-up
museums with plausible French names ("Musée des Beaux-Arts d'Angers") in real cities.

Also makes account handles in a network's style for museums the list gives none.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import numpy as np

from engagecore._sim import load_toml

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_VOWELS = set("AEIOUYÉÈÊÂÎÔ")


@dataclass
class Roster:
    """Museums as parallel lists; ``closed`` is a weekday index (0 = Monday) or -1."""

    slug: list[str]
    name: list[str]
    city: list[str]
    region: list[str]
    museofile_id: list[str | None]
    aliases: list[list[str]]
    kind: list[str]
    closed: np.ndarray
    curated: np.ndarray
    handles: list[dict[str, str]]
    handle_base: list[str]

    def __len__(self) -> int:
        return len(self.slug)


def ascii_words(text: str) -> list[str]:
    """Words of ``text`` without accents or punctuation: "Saint-Étienne" → [Saint, Etienne]."""
    nfkd = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in nfkd if not unicodedata.combining(ch))
    return [w for w in re.split(r"[^A-Za-z0-9]+", plain) if w]


def _camel(text: str) -> str:
    return "".join(w[:1].upper() + w[1:] for w in ascii_words(text))


def _of(city: str) -> str:
    """French "de" before a city name: de Rennes, d'Angers, du Havre, des Sables, de La Rochelle."""
    if city.startswith("Le "):
        return "du " + city[3:]
    if city.startswith("Les "):
        return "des " + city[4:]
    if city[:1] in _VOWELS:
        return "d'" + city
    return "de " + city


def _bare(city: str) -> str:
    for article in ("Le ", "La ", "Les "):
        if city.startswith(article):
            return city[len(article) :]
    return city


def _closed_index(day: str) -> int:
    return WEEKDAYS.index(day) if day else -1


def build_roster(n: int, rng: np.random.Generator) -> Roster:
    """``n`` museums: the curated ones in file order, then made-up ones (deterministic for
    ``rng``); slugs are unique."""
    data = load_toml("museums.toml")
    curated: list[dict[str, Any]] = data["museum"][:n]
    roster = Roster(
        slug=[m["slug"] for m in curated],
        name=[m["name"] for m in curated],
        city=[m["city"] for m in curated],
        region=[m["region"] for m in curated],
        museofile_id=[m.get("museofile_id") for m in curated],
        aliases=[list(m.get("aliases", [])) for m in curated],
        kind=[m["kind"] for m in curated],
        closed=np.array([_closed_index(m.get("closed", "")) for m in curated], dtype=np.int64),
        curated=np.ones(len(curated), dtype=bool),
        handles=[dict(m.get("handles", {})) for m in curated],
        handle_base=[_camel(m["slug"]) for m in curated],
    )
    extra = n - len(curated)
    if extra <= 0:
        return roster
    templates: list[dict[str, Any]] = data["template"]
    cities: list[dict[str, Any]] = data["city"]
    combos = [
        (t, c)
        for t, tpl in enumerate(templates)
        for c, city in enumerate(cities)
        if city.get("port", False) or not tpl.get("ports_only", False)
    ]
    weights = np.array([templates[t].get("weight", 1.0) for t, _ in combos])
    picks: list[int] = []
    while len(picks) < extra:  # every combination once before any repeats
        take = min(extra - len(picks), len(combos))
        picks.extend(rng.choice(len(combos), size=take, replace=False, p=weights / weights.sum()))
    taken = set(roster.slug)
    closed_draw = rng.choice([0, 1, -1], size=extra, p=[0.45, 0.45, 0.10])
    for pick in picks:
        tpl, city = templates[combos[pick][0]], cities[combos[pick][1]]
        name = tpl["name"].format(de=_of(city["name"]), city=_bare(city["name"]))
        base_slug = tpl["slug"] + "-" + "-".join(ascii_words(city["name"])).lower()
        slug, copy = base_slug, 1
        while slug in taken:
            copy += 1
            slug = f"{base_slug}-{copy}"
        taken.add(slug)
        roster.slug.append(slug)
        roster.name.append(name if copy == 1 else f"{name} – site {copy}")
        roster.city.append(city["name"])
        roster.region.append(city["region"])
        roster.museofile_id.append(None)
        roster.aliases.append([])
        roster.kind.append(tpl["kind"])
        roster.handles.append({})
        base = tpl["handle"] + _camel(city["name"])
        roster.handle_base.append(base if copy == 1 else f"{base}{copy}")
    roster.closed = np.concatenate([roster.closed, closed_draw.astype(np.int64)])
    roster.curated = np.concatenate([roster.curated, np.zeros(extra, dtype=bool)])
    return roster


def make_handle(base: str, case: str, max_len: int, taken: set[str]) -> str:
    """A handle in a network's style ("camel" or "lower"), at most ``max_len`` characters and
    not in ``taken`` (a number is appended when needed); added to ``taken``."""
    stem = base if case == "camel" else base.lower()
    handle, n = stem[:max_len], 1
    while handle.lower() in taken:
        n += 1
        suffix = str(n)
        handle = stem[: max_len - len(suffix)] + suffix
    taken.add(handle.lower())
    return handle
