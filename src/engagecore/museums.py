"""Museums: stable slugs, aliases, and name resolution that ignores case, accents and articles.

"Louvre", "musée du louvre" and "louvre" resolve to one museum; a name that matches several
museums is an error listing the candidates.
"""

from __future__ import annotations

import builtins
import difflib
import functools
import re
import shlex
import tomllib
import unicodedata
from collections import Counter
from datetime import UTC, datetime
from importlib import resources
from typing import Any

import polars as pl

from engagecore.errors import AmbiguousMuseum, MuseumNotFound, UsageError
from engagecore.store import Store

_ARTICLES = ("le", "la", "les", "l", "the", "un", "une")
# Generic heads of museum names; "musée du Louvre" is also known as "Louvre".
_HEADS = ("musee", "musees", "museum", "museo", "museu", "centre", "center", "centro")
_LINKS = ("du", "de", "des", "d", "la", "le", "les", "l", "of", "the", "national", "nationale")


def fold(text: str) -> str:
    """Lower case, accents removed, punctuation to spaces, spaces collapsed."""
    nfkd = unicodedata.normalize("NFKD", text)
    no_accents = "".join(ch for ch in nfkd if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^\w]+", " ", no_accents.lower().replace("_", " ")).split())


#: France's regions by their official names (INSEE's code officiel géographique, 2016 on):
#: the two registry files spell some apart ("Ile-de-France", "Pays-de-la-Loire",
#: "Provence-Alpes-Côte-d'Azur"); a museum's region is stored as written here. The overseas
#: groupings ("DROM", "Territoires et départements d'outre-mer") are cut differently by
#: each file and stay as written.
REGIONS = (
    "Auvergne-Rhône-Alpes",
    "Bourgogne-Franche-Comté",
    "Bretagne",
    "Centre-Val de Loire",
    "Corse",
    "Grand Est",
    "Hauts-de-France",
    "Île-de-France",
    "Normandie",
    "Nouvelle-Aquitaine",
    "Occitanie",
    "Pays de la Loire",
    "Provence-Alpes-Côte d'Azur",
)


def region_name(region: str | None) -> str | None:
    """``region``'s official name when it is one of :data:`REGIONS` spelt another way
    (accents, case, hyphens and apostrophes ignored), else ``region`` as given."""
    if region is None:
        return None
    return _REGION_BY_KEY.get(fold(region), region)


def name_key(text: str) -> str:
    """The key a name is matched on: folded, without leading articles."""
    words = fold(text).split()
    while len(words) > 1 and words[0] in _ARTICLES:
        words = words[1:]
    return " ".join(words)


def short_key(text: str) -> str:
    """The key without its generic head: "Musée du Louvre" → "louvre"."""
    words = name_key(text).split()
    if len(words) > 1 and words[0] in _HEADS:
        words = words[1:]
        while len(words) > 1 and words[0] in _LINKS:
            words = words[1:]
    return " ".join(words)


def words_key(text: str) -> str:
    """The key a name is suggested on, whatever the order of its words: its folded words
    other than articles, generic heads and links, sorted ("Orsay museum" and "Musée
    d'Orsay" → "orsay"); all its words sorted when none is left."""
    words = fold(text).split()
    kept = [w for w in words if w not in _ARTICLES and w not in _HEADS and w not in _LINKS]
    return " ".join(sorted(kept or words))


_REGION_BY_KEY = {fold(r): r for r in REGIONS}


def keys_of(text: str) -> set[str]:
    return {k for k in (name_key(text), short_key(text)) if k}


def slugify(text: str) -> str:
    return "-".join(short_key(text).split()) or "museum"


# -- short slugs for registry imports --------------------------------------------------------

#: Words a registry slug leaves out: articles and links, and the generic words of museum names
#: ("musée municipal de Vayrac" → vayrac).
_SLUG_STOP = frozenset(
    (
        *_ARTICLES,
        *_LINKS,
        "et", "en", "a", "au", "aux", "sur", "sous", "pour", "and", "de", "of",
        "musee", "musees", "museum", "museums", "museo", "museu", "museal", "museale",
        "municipal", "municipale", "municipaux", "departemental", "departementale",
        "communal", "communale", "intercommunal", "intercommunale", "national", "nationale",
    )
)  # fmt: skip
#: The longest prefix of significant words a short slug is made of, before the city is added.
_SLUG_WORDS = 3
#: Separators after which a registry name goes on with a subtitle ("X - musée de Y").
_SUBTITLE = re.compile(r"\s[-–—]\s|[:;,/]|\(|\)")


@functools.cache
def known_museums() -> dict[str, tuple[str, tuple[str, ...]]]:
    """Muséofile id → (slug, aliases) of the museums ``data/museums.toml`` names (the curated
    table the demo uses too): the Centre Pompidou's registry row becomes ``pompidou``."""
    text = resources.files("engagecore").joinpath("data", "museums.toml").read_text("utf-8")
    out = {}
    for m in tomllib.loads(text).get("museum", []):
        if m.get("museofile_id"):
            out[m["museofile_id"]] = (m["slug"], tuple(m.get("aliases", ())))
    return out


def _slug_units(text: str) -> builtins.list[str]:
    """The significant words of ``text``, folded, as slug units: hyphenated words stay one
    unit ("beaux-arts") without their generic parts ("château-musée" → chateau), and a run of
    capitalized words after the first word is one name ("Jean Aicard" → jean-aicard)."""
    units: builtins.list[str] = []
    run = False  # the previous unit is a capitalized name that may go on
    for i, word in enumerate(re.split(r"[^\w-]+", text.replace("_", " "))):
        folded = fold(word.replace("-", " ")).split()
        parts = [p for p in folded if p not in _SLUG_STOP]
        if not parts:
            run = False
            continue
        unit = "-".join(parts)
        capital = i > 0 and word[:1].isupper()
        if capital and run and units[-1].count("-") < 2:
            units[-1] = f"{units[-1]}-{unit}"
        else:
            units.append(unit)
        run = capital
    return units


def _name_units(name: str) -> builtins.list[str]:
    """The slug units of a registry name's first part that has any (subtitles and
    parenthesized notes are left out unless nothing else remains)."""
    for part in _SUBTITLE.split(name):
        units = _slug_units(part)
        if units:
            return units
    return []


def slug_candidates(name: str, city: str | None) -> builtins.list[str]:
    """Short slugs for a museum, preferred first: its first significant word, its first two,
    the two followed by its city, the first one and the city, then the first three words
    (with the city). A museum named by generic words or by its city ("musée municipal",
    "musée d'Argonne" in Varennes-en-Argonne) gets the city alone."""
    words = _name_units(name)
    town = "-".join(_name_units(city or ""))
    heads = ["-".join(words[:k]) for k in range(1, min(len(words), _SLUG_WORDS) + 1)]

    def with_town(head: str) -> str:
        if not town or set(head.split("-")) <= set(town.split("-")):
            return town
        return f"{head}-{town}"

    if not heads:
        return [town] if town else []
    two = heads[:2]
    out = [*two, *(with_town(h) for h in reversed(two))]
    if len(heads) > 2:
        out += [heads[2], with_town(heads[2])]
    return list(dict.fromkeys(c for c in out if c))


def name_head(name: str) -> builtins.list[str]:
    """A registry name's head before its subtitle ("Petit Palais" of "Petit Palais, musée des
    beaux-arts de la ville de Paris"), as an alias: people call the museum by it, and another
    museum may share it (Avignon's "musée du Petit Palais"), which must then be ambiguous
    rather than resolve silently to that other one. Empty when the name has no subtitle."""
    head = _SUBTITLE.split(name, maxsplit=1)[0].strip()
    return [head] if head and head != name.strip() and _slug_units(head) else []


def long_slug(name: str, city: str | None) -> str:
    """The long slug: every word of the name, then the city (kept as an alias)."""
    base = slugify(name)
    town = "-".join(fold(city or "").split())
    return f"{base}-{town}" if town and not base.endswith(town) else base


def short_slugs(
    new: builtins.list[tuple[str, str | None, str | None]],
    existing: builtins.list[tuple[str, str | None]],
    taken: set[str],
) -> builtins.list[str]:
    """A short, unique slug for each new museum (name, city, Muséofile id).

    A museum of the curated table (:func:`known_museums`) gets its slug there. Otherwise it
    gets its first candidate (:func:`slug_candidates`) that no other museum — new or
    existing — has among its candidates and that no slug takes yet, so that "beaux-arts"
    names none of France's many "musée des Beaux-Arts" (each gets ``beaux-arts-<city>``);
    failing that its long slug, numbered if need be. ``taken`` is updated.
    """
    cands = [slug_candidates(name, city) for name, city, _ in new]
    claims = Counter(c for cs in cands for c in cs)
    claims.update(c for name, city in existing for c in slug_candidates(name, city))
    known = known_museums()
    out: builtins.list[str | None] = [None] * len(new)
    for i, (_, _, mid) in enumerate(new):
        curated = known.get(mid or "", ("", ()))[0]
        if curated and curated not in taken:
            out[i] = curated
            taken.add(curated)
    for i, (name, city, _) in enumerate(new):
        if out[i] is not None:
            continue
        found = next((c for c in cands[i] if claims[c] == 1 and c not in taken), None)
        if found is None:
            base = found = long_slug(name, city)
            n = 2
            while found in taken:
                found, n = f"{base}-{n}", n + 1
        out[i] = found
        taken.add(found)
    return [s for s in out if s is not None]


#: The accounts rows :meth:`Museums.link` takes for (network, handle, handle): its handle in
#: any case, or its id.
_SAME_ACCOUNT = "network = ? AND (lower(handle) = lower(?) OR account_id = ?)"


def check_handle(account: str) -> str:
    """``account`` without a leading '@'; a web address pasted for a handle
    (``https://x.com/MuseeLouvre``) is a :class:`UsageError` — stored, it would be a second,
    bogus account of the museum. No network's handle or account id holds a '/'."""
    handle = account.strip().lstrip("@")
    if "/" in handle:
        raise UsageError(
            f"handle {account.strip()!r} is a web address; expected the account's handle alone "
            "(the last part of the address, without '@')"
        )
    return handle


class Museums:
    """Museum registry operations on a :class:`Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def list(self, query: str | None = None) -> pl.DataFrame:
        """Every museum, or those ``query`` finds: each of its words (case, accents and
        punctuation ignored) begins a word of the museum's slug, name, city or an alias —
        "orsay", "Musée d’Orsay", "beaux-arts lyon". Found museums come by how well they
        match, then by slug: the query is a museum's slug, name or alias; each of its words is
        a whole word of the museum's ("louvre", not the town of Louvres); the rest."""
        found = self.store.frame(
            """
            SELECT m.slug, m.name, m.city,
                   (SELECT count(*) FROM accounts c WHERE c.museum = m.slug) AS accounts,
                   m.region, m.country, m.museofile_id,
                   coalesce(list_sort(list(DISTINCT a.alias)
                       FILTER (WHERE a.alias IS NOT NULL AND a.alias <> m.name)), []) AS aliases
            FROM museums m LEFT JOIN museum_aliases a ON a.slug = m.slug
            GROUP BY ALL ORDER BY m.slug
            """
        )
        words = fold(query or "").split()
        if not words:
            return found

        whole_query = " ".join(words)

        def rank(row: dict[str, Any]) -> int | None:
            """None: not found; 0 named, 1 by whole words, 2 by words' beginnings."""
            named = [row["slug"], row["name"] or "", row["city"] or "", *row["aliases"]]
            have = fold(" ".join(named)).split()
            if not all(any(h.startswith(w) for h in have) for w in words):
                return None
            names = (row["slug"], row["name"] or "", *row["aliases"])
            if any(" ".join(fold(n).split()) == whole_query for n in names):
                return 0
            return 1 if all(w in have for w in words) else 2

        ranks = pl.Series("_rank", [rank(r) for r in found.iter_rows(named=True)], pl.Int64)
        return (
            found.with_columns(ranks)
            .filter(pl.col("_rank").is_not_null())
            .sort("_rank", maintain_order=True)
            .drop("_rank")
        )

    def exists(self, slug: str) -> bool:
        return bool(
            self.store.fetchall("SELECT count(*) FROM museums WHERE slug = ?", [slug])[0][0]
        )

    def _free_slug(self, base: str, taken: set[str] | None = None) -> str:
        slug, n = base, 2
        while self.exists(slug) or (taken is not None and slug in taken):
            slug, n = f"{base}-{n}", n + 1
        return slug

    def add(
        self,
        name: str,
        *,
        slug: str | None = None,
        city: str | None = None,
        region: str | None = None,
        country: str | None = "FR",
        museofile_id: str | None = None,
        aliases: builtins.list[str] | tuple[str, ...] = (),
    ) -> str:
        """Add a museum and return its slug. An explicit slug that exists is an error; so is,
        without a slug, a name that already finds a museum (of the same city, or one of them
        without a city): a twin would split the museum's accounts and figures in two."""
        if not name.strip():
            raise UsageError("a museum needs a name")
        if slug is not None:
            if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", slug):
                raise UsageError(
                    f"slug {slug!r}: expected lower-case letters, digits and '-' (e.g. louvre)"
                )
            if self.exists(slug):
                raise UsageError(
                    f"museum slug {slug!r} already exists: {self._described([slug])}; to find "
                    f"it by {name!r} too: `engage museums alias {slug} {shlex.quote(name)}`; "
                    "for another museum, pick another --slug"
                )
        else:
            twins = self._same_museum(name, city)
            if twins:
                which = "its slug" if len(twins) == 1 else "the slug of the one you mean"
                raise UsageError(
                    f"{name!r} is already in the store: {self._described(twins)}; use {which} "
                    "(`engage museums link SLUG …`), or for another museum of that name give "
                    "--slug and --city"
                )
            slug = self._free_slug(slugify(name))
        with self.store.transaction():
            self.store.con.execute(
                "INSERT INTO museums VALUES (?, ?, ?, ?, ?, ?, ?)",
                [slug, name, city, region_name(region), country, museofile_id, datetime.now(UTC)],
            )
            for alias in (name, slug, *aliases):
                self._add_alias_row(slug, alias)
        return slug

    def _add_alias_row(self, slug: str, alias: str) -> None:
        for key in keys_of(alias):
            self.store.con.execute(
                "INSERT INTO museum_aliases VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                [key, slug, alias],
            )

    def alias(self, museum: str, alias: str) -> str:
        """Give a museum another name it can be found by; returns its slug."""
        slug = self.resolve(museum)
        clash = [s for s in self._candidates(alias) if s != slug]
        if clash:
            raise UsageError(
                f"alias {alias!r} already names {', '.join(clash)}; choose a more specific alias"
            )
        with self.store.transaction():
            self._add_alias_row(slug, alias)
        return slug

    def _candidates(self, name: str) -> builtins.list[str]:
        keys = sorted(keys_of(name))
        if not keys:
            return []
        exact = self.store.fetchall("SELECT slug FROM museums WHERE slug = ?", [name.strip()])
        if exact:
            return [exact[0][0]]
        marks = ", ".join("?" for _ in keys)
        # A full-name match wins over a short-name match ("Musée de Lyon" vs "Lyon").
        full = self.store.fetchall(
            "SELECT DISTINCT slug FROM museum_aliases WHERE alias_key = ? ORDER BY slug",
            [name_key(name)],
        )
        if len(full) == 1:
            return [full[0][0]]
        rows = self.store.fetchall(
            f"SELECT DISTINCT slug FROM museum_aliases WHERE alias_key IN ({marks}) ORDER BY slug",
            keys,
        )
        return [r[0] for r in rows]

    def find(self, name: str) -> str | None:
        """The slug ``name`` resolves to, None when none; ambiguous names raise."""
        cands = self._candidates(name)
        if len(cands) > 1:
            raise AmbiguousMuseum(self._ambiguous_message(name, cands))
        return cands[0] if cands else None

    def resolve(self, name: str) -> str:
        """The slug of the one museum ``name`` designates, or a helpful error."""
        slug = self.find(name)
        if slug is None:
            known = [
                r[0] for r in self.store.fetchall("SELECT DISTINCT alias_key FROM museum_aliases")
            ]
            close = difflib.get_close_matches(name_key(name), known, n=3, cutoff=0.75)
            # the same words in another order ("Orsay museum"): matched on sorted words
            by_words: dict[str, builtins.list[str]] = {}
            for key in known:
                by_words.setdefault(words_key(key), []).append(key)
            words = words_key(name)
            hits = (
                [words]  # the same words: the others only look alike
                if words in by_words
                else difflib.get_close_matches(words, by_words, n=3, cutoff=0.75)
            )
            for hit in hits:
                close += [k for k in by_words[hit] if k not in close]
            hint = ""
            if close:
                slugs = self.store.fetchall(
                    "SELECT DISTINCT slug FROM museum_aliases WHERE alias_key IN "
                    f"({', '.join('?' for _ in close)})",
                    close,
                )
                hint = f"; did you mean {', '.join(sorted(s for (s,) in slugs))}?"
            raise MuseumNotFound(
                f"no museum called {name!r}{hint} (see `engage museums list`, "
                "or add it with `engage museums add`)"
            )
        return slug

    def _same_museum(self, name: str, city: str | None) -> builtins.list[str]:
        """The museums ``name`` (its full or short name) finds, of ``city`` when both have one."""
        keys = sorted(keys_of(name))
        if not keys:
            return []
        marks = ", ".join("?" for _ in keys)
        rows = self.store.fetchall(
            "SELECT DISTINCT m.slug, m.city FROM museum_aliases a JOIN museums m USING (slug) "
            f"WHERE a.alias_key IN ({marks}) ORDER BY m.slug",
            keys,
        )
        return [s for s, c in rows if city is None or c is None or fold(c) == fold(city)]

    def _described(self, slugs: builtins.list[str], limit: int = 5) -> str:
        """``louvre (musée du Louvre, Paris)``, for the first ``limit`` of ``slugs``."""
        return self._description(slugs, limit)[1]

    def _description(self, slugs: builtins.list[str], limit: int) -> tuple[int, str]:
        """How many of ``slugs`` are museums, and :meth:`_described`'s text of them."""
        marks = ", ".join("?" for _ in slugs)
        rows = self.store.fetchall(
            f"SELECT slug, name, city FROM museums WHERE slug IN ({marks}) ORDER BY slug", slugs
        )
        shown = "; ".join(f"{s} ({n}{', ' + c if c else ''})" for s, n, c in rows[:limit])
        more = f"; and {len(rows) - limit} more" if len(rows) > limit else ""
        return len(rows), shown + more

    def _ambiguous_message(self, name: str, slugs: builtins.list[str]) -> str:
        n, shown = self._description(slugs, 10)
        return f"{name!r} matches {n} museums: {shown}; use a slug"

    def linked_to(self, network: str, account: str) -> builtins.list[str]:
        """The museums the account (handle or id, as :meth:`link` takes it) is linked to now."""
        handle = check_handle(account)
        rows = self.store.fetchall(
            f"SELECT DISTINCT museum FROM accounts WHERE {_SAME_ACCOUNT} AND museum IS NOT NULL"
            " ORDER BY museum",
            [network, handle, handle],
        )
        return [m for (m,) in rows]

    def link(
        self, museum: str, network: str, account: str, *, origin: str = "user"
    ) -> tuple[str, str]:
        """Attach an account (by handle or id; '@' ignored) to a museum.

        An account not seen yet is created from the handle, so that a later import of that
        account's export lands on the museum. ``origin`` records who made the link
        (``accounts.linked_by``: user, import, discover).
        """
        slug = self.resolve(museum)
        handle = check_handle(account)
        rows = self.store.fetchall(
            f"SELECT account_id FROM accounts WHERE {_SAME_ACCOUNT}", [network, handle, handle]
        )
        with self.store.transaction():
            if rows:
                for (account_id,) in rows:
                    self.store.con.execute(
                        "UPDATE accounts SET museum = ?, linked_by = ? "
                        "WHERE network = ? AND account_id = ?",
                        [slug, origin, network, account_id],
                    )
                return slug, rows[0][0]
            self.store.con.execute(
                "INSERT INTO accounts (network, account_id, museum, handle, linked_by) "
                "VALUES (?, ?, ?, ?, ?)",
                [network, handle, slug, handle, origin],
            )
        return slug, handle

    def upsert_registry(self, df: pl.DataFrame) -> tuple[int, int]:
        """Add or update museums from an official registry frame; returns (added, updated).

        A row matches an existing museum by Muséofile id, else by a unique name match in the
        same city, and keeps its slug (the id's other rows, its other names, then match it by
        the id: aliases); otherwise it is added with a short slug
        (:func:`short_slugs`: ``orsay``, ``beaux-arts-lyon``), its long slug (every word of
        the name and the city) as an alias.
        """
        added = updated = 0
        existing = self.store.fetchall("SELECT slug, museofile_id, name, city FROM museums")
        by_id = {mid: slug for slug, mid, _, _ in existing if mid}
        ids = {slug: mid for slug, mid, _, _ in existing}
        by_name_city: dict[tuple[str, str], builtins.list[str]] = {}
        for slug, _, name, city in existing:
            by_name_city.setdefault((short_key(name), fold(city or "")), []).append(slug)
        taken = {slug for slug, *_ in existing}
        fresh = []
        updates = []
        now = datetime.now(UTC)
        # a row repeating a new museum's id gives it another name (an alias)
        other_names: dict[str, builtins.list[str]] = {}
        for rec in df.iter_rows(named=True):
            rec["region"] = region_name(rec["region"])
            name, city, mid = rec["name"], rec["city"], rec["museofile_id"]
            slug = by_id.get(mid) if mid else None
            if slug is None and not (mid and mid in other_names):
                same = by_name_city.get((short_key(name), fold(city or "")), [])
                slug = same[0] if len(same) == 1 else None
            if slug is not None:
                updates.append((rec, slug))
                if mid and ids.get(slug) in (None, "", mid):
                    # the id's other rows (its other names) are this museum's too: a museum
                    # added by hand and matched by name must not get a twin under "Guimet"
                    by_id.setdefault(mid, slug)
            elif mid and mid in other_names:
                other_names[mid].append(name)
            else:
                fresh.append(rec)
                if mid:
                    other_names[mid] = []
        slugs = short_slugs(
            [(r["name"], r["city"], r["museofile_id"]) for r in fresh],
            [(name, city) for _, _, name, city in existing],
            taken,
        )
        known = known_museums()
        new_rows = []
        new_aliases = []
        for rec, slug in zip(fresh, slugs, strict=True):
            name, city, mid = rec["name"], rec["city"], rec["museofile_id"]
            new_rows.append(
                {
                    "slug": slug,
                    "name": name,
                    "city": city,
                    "region": rec["region"],
                    "country": rec["country"],
                    "museofile_id": mid,
                    "created_at": now,
                }
            )
            extra = known[mid][1] if mid in known and known[mid][0] == slug else ()
            names = other_names.get(mid, ())
            for alias in (name, slug, long_slug(name, city), *extra, *name_head(name), *names):
                for key in keys_of(alias):
                    new_aliases.append({"alias_key": key, "slug": slug, "alias": alias})
            added += 1
        with self.store.transaction():
            if new_rows:
                frame = pl.DataFrame(
                    new_rows, schema_overrides={"created_at": pl.Datetime("us", "UTC")}
                )
                with self.store.registered("_m", frame):
                    self.store.con.execute(
                        "INSERT INTO museums SELECT slug, name, city, region, country, "
                        "museofile_id, created_at FROM _m"
                    )
                aliases = pl.DataFrame(new_aliases).unique()
                with self.store.registered("_a", aliases):
                    self.store.con.execute(
                        "INSERT INTO museum_aliases SELECT alias_key, slug, alias FROM _a "
                        "ON CONFLICT DO NOTHING"
                    )
            if updates:
                updated = self._apply_registry_updates(updates)
            self._official_region_names()
        return added, updated

    def _official_region_names(self) -> None:
        """Regions stored before their names were made official (:func:`region_name`)
        renamed: one spelling per region in the store."""
        for (region,) in self.store.fetchall("SELECT DISTINCT region FROM museums"):
            if region is not None and region_name(region) != region:
                self.store.con.execute(
                    "UPDATE museums SET region = ? WHERE region = ?", [region_name(region), region]
                )

    def _apply_registry_updates(self, updates: builtins.list[tuple[dict[str, Any], str]]) -> int:
        """Fill the city, region and Muséofile id an existing museum lacks from its registry
        row, and add the row's name as an alias, in two statements; returns how many museums
        changed."""
        frame = pl.DataFrame(
            [
                {
                    "slug": slug,
                    "city": rec["city"],
                    "region": rec["region"],
                    "museofile_id": rec["museofile_id"],
                }
                for rec, slug in updates
            ],
            schema={c: pl.Utf8 for c in ("slug", "city", "region", "museofile_id")},
        ).unique("slug", keep="first", maintain_order=True)
        cols = ("city", "region", "museofile_id")
        filled = {
            c: f"CASE WHEN coalesce(museums.{c}, '') = '' THEN u.{c} ELSE museums.{c} END"
            for c in cols
        }
        changed = " OR ".join(f"({filled[c]}) IS DISTINCT FROM museums.{c}" for c in cols)
        aliases = pl.DataFrame(
            [
                {"alias_key": key, "slug": slug, "alias": alias}
                for rec, slug in updates
                for alias in (rec["name"], *name_head(rec["name"]))
                for key in keys_of(alias)
            ],
            schema={"alias_key": pl.Utf8, "slug": pl.Utf8, "alias": pl.Utf8},
        ).unique(["alias_key", "slug"], keep="first", maintain_order=True)
        with self.store.registered("_u", frame), self.store.registered("_ua", aliases):
            n = self.store.fetchall(
                f"SELECT count(*) FROM museums JOIN _u u USING (slug) WHERE {changed}"
            )[0][0]
            self.store.con.execute(
                f"UPDATE museums SET {', '.join(f'{c} = {filled[c]}' for c in cols)} "
                f"FROM _u u WHERE museums.slug = u.slug AND ({changed})"
            )
            self.store.con.execute(
                "INSERT INTO museum_aliases SELECT alias_key, slug, alias FROM _ua "
                "ON CONFLICT DO NOTHING"
            )
        return int(n)
