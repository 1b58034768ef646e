"""Museums: stable slugs, aliases, and name resolution that ignores case, accents and articles.

"Louvre", "musée du louvre" and "louvre" resolve to one museum; a name that matches several
museums is an error listing the candidates.
"""

from __future__ import annotations

import builtins
import difflib
import re
import unicodedata
from datetime import UTC, datetime

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


def keys_of(text: str) -> set[str]:
    return {k for k in (name_key(text), short_key(text)) if k}


def slugify(text: str) -> str:
    return "-".join(short_key(text).split()) or "museum"


class Museums:
    """Museum registry operations on a :class:`Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def list(self) -> pl.DataFrame:
        return self.store.frame(
            """
            SELECT m.slug, m.name, m.city, m.region, m.country, m.museofile_id,
                   coalesce(list_sort(list(DISTINCT a.alias)
                       FILTER (WHERE a.alias IS NOT NULL AND a.alias <> m.name)), []) AS aliases,
                   (SELECT count(*) FROM accounts c WHERE c.museum = m.slug) AS accounts
            FROM museums m LEFT JOIN museum_aliases a ON a.slug = m.slug
            GROUP BY ALL ORDER BY m.slug
            """
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
        """Add a museum and return its slug. An explicit slug that exists is an error."""
        if not name.strip():
            raise UsageError("a museum needs a name")
        if slug is not None:
            if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", slug):
                raise UsageError(
                    f"slug {slug!r}: expected lower-case letters, digits and '-' (e.g. louvre)"
                )
            if self.exists(slug):
                raise UsageError(f"museum slug {slug!r} already exists; pick another --slug")
        else:
            slug = self._free_slug(slugify(name))
        with self.store.transaction():
            self.store.con.execute(
                "INSERT INTO museums VALUES (?, ?, ?, ?, ?, ?, ?)",
                [slug, name, city, region, country, museofile_id, datetime.now(UTC)],
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

    def _ambiguous_message(self, name: str, slugs: builtins.list[str]) -> str:
        marks = ", ".join("?" for _ in slugs)
        rows = self.store.fetchall(
            f"SELECT slug, name, city FROM museums WHERE slug IN ({marks}) ORDER BY slug", slugs
        )
        shown = "; ".join(f"{s} ({n}{', ' + c if c else ''})" for s, n, c in rows[:10])
        more = f"; and {len(rows) - 10} more" if len(rows) > 10 else ""
        return f"{name!r} matches {len(rows)} museums: {shown}{more}; use a slug"

    def link(self, museum: str, network: str, account: str) -> tuple[str, str]:
        """Attach an account (by handle or id; '@' ignored) to a museum.

        An account not seen yet is created from the handle, so that a later import of that
        account's export lands on the museum.
        """
        slug = self.resolve(museum)
        handle = account.lstrip("@")
        rows = self.store.fetchall(
            "SELECT account_id FROM accounts WHERE network = ? AND "
            "(lower(handle) = lower(?) OR account_id = ?)",
            [network, handle, handle],
        )
        with self.store.transaction():
            if rows:
                for (account_id,) in rows:
                    self.store.con.execute(
                        "UPDATE accounts SET museum = ? WHERE network = ? AND account_id = ?",
                        [slug, network, account_id],
                    )
                return slug, rows[0][0]
            self.store.con.execute(
                "INSERT INTO accounts (network, account_id, museum, handle) VALUES (?, ?, ?, ?)",
                [network, handle, slug, handle],
            )
        return slug, handle

    def upsert_registry(self, df: pl.DataFrame) -> tuple[int, int]:
        """Add or update museums from an official registry frame; returns (added, updated).

        A row matches an existing museum by Muséofile id, else by a unique name match in the
        same city; otherwise it is added with a slug made unique with its city.
        """
        added = updated = 0
        existing = self.store.fetchall("SELECT slug, museofile_id, name, city FROM museums")
        by_id = {mid: slug for slug, mid, _, _ in existing if mid}
        by_name_city: dict[tuple[str, str], builtins.list[str]] = {}
        for slug, _, name, city in existing:
            by_name_city.setdefault((short_key(name), fold(city or "")), []).append(slug)
        taken = {slug for slug, *_ in existing}
        new_rows = []
        new_aliases = []
        updates = []
        now = datetime.now(UTC)
        for rec in df.iter_rows(named=True):
            name, city, mid = rec["name"], rec["city"], rec["museofile_id"]
            slug = by_id.get(mid) if mid else None
            if slug is None:
                same = by_name_city.get((short_key(name), fold(city or "")), [])
                slug = same[0] if len(same) == 1 else None
            if slug is not None:
                updates.append((rec, slug))
                continue
            base = slugify(name)
            if base in taken and city:
                base = f"{base}-{'-'.join(fold(city).split())}"
            slug = base
            n = 2
            while slug in taken:
                slug, n = f"{base}-{n}", n + 1
            taken.add(slug)
            if mid:
                by_id[mid] = slug
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
            for alias in (name, slug):
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
            for rec, slug in updates:
                before = self.store.fetchall(
                    "SELECT city, region, museofile_id FROM museums WHERE slug = ?", [slug]
                )[0]
                after = (
                    before[0] or rec["city"],
                    before[1] or rec["region"],
                    before[2] or rec["museofile_id"],
                )
                if after != before:
                    self.store.con.execute(
                        "UPDATE museums SET city = ?, region = ?, museofile_id = ? WHERE slug = ?",
                        [*after, slug],
                    )
                    updated += 1
                self._add_alias_row(slug, rec["name"])
        return added, updated
