"""``engage museums discover``: the accounts of the store's museums, from Wikidata.

Wikidata's SPARQL endpoint (``{base}/sparql``, default https://query.wikidata.org,
``ENGAGE_WIKIDATA_API_BASE`` or ``--api-base``) is asked, in batches, for the items whose
Muséofile identifier (P539) is a museum's, and — for museums without one — for the items whose
label is the museum's name and which are located (P131, transitively) in a place whose label
is its city. Of each item found, the account properties are read: those the registered
networks claim (:attr:`NetworkSpec.wikidata_property`) and the others Wikidata has for social
accounts (:data:`ACCOUNT_PROPERTIES`), which are listed but cannot be linked while no plugin
registers their network.

Conservative on purpose: a museum matched by several items that name accounts, or an item with
several values for one property, proposes nothing for it; a museum that already has an account on a network
gets no other one there; an account linked to another museum stays where it is (a
conflict is reported). A plain run links the proposals (origin ``discover``); ``--dry-run``
only lists them.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import polars as pl

import engagecore
from engagecore import plugins
from engagecore.fetch.http import FetchError, HttpClient, with_base
from engagecore.museums import Museums, fold
from engagecore.store import Store

#: The official endpoint; ``--api-base`` / ``ENGAGE_WIKIDATA_API_BASE`` replace its host.
SPARQL_ENDPOINT = "https://query.wikidata.org/sparql"
API_BASE_ENV = "ENGAGE_WIKIDATA_API_BASE"

#: Muséofile identifier (the French Ministry of Culture's museum id, M5004).
MUSEOFILE = "P539"
#: located in the administrative territorial entity.
LOCATED_IN = "P131"

#: Wikidata's properties for an item's social accounts (checked against Wikidata's property
#: pages as far as possible offline: docs/museums.md says how). A registered network claims
#: its own through ``NetworkSpec.wikidata_property``; the others are listed, never linked.
ACCOUNT_PROPERTIES: dict[str, str] = {
    "P2002": "X username",
    "P2003": "Instagram username",
    "P2013": "Facebook username",
    "P2397": "YouTube channel ID",
    "P7085": "TikTok username",
    "P4033": "Mastodon address",
    "P12361": "Bluesky handle",
}

#: Muséofile ids per query (a VALUES clause; POSTed, so the size is no URL's).
BATCH = 200
#: Museums per name-and-city query (each costs a label lookup and a P131 walk).
NAME_BATCH = 50
#: Languages a museum's name and city are matched in (Wikidata labels are language-tagged).
LANGUAGES = ("fr", "en")

_ENTITY = re.compile(r"^https?://www\.wikidata\.org/entity/(Q[0-9]+)$")
_PROP = re.compile(r"/(P[0-9]+)$")


def user_agent() -> str:
    """A descriptive User-Agent, as Wikimedia's policy asks of every client."""
    return (
        f"engagecore/{engagecore.__version__} (engage museums discover; "
        f"https://github.com/engagecore/engagecore) httpx/{httpx.__version__}"
    )


def account_properties() -> dict[str, tuple[str, str | None]]:
    """Property id → (label, the registered network that claims it, or None)."""
    claimed = {
        spec.wikidata_property: name
        for name, spec in plugins.registry().networks.items()
        if spec.wikidata_property
    }
    out: dict[str, tuple[str, str | None]] = {
        pid: (label, claimed.get(pid)) for pid, label in ACCOUNT_PROPERTIES.items()
    }
    for pid, name in claimed.items():
        if pid not in out:
            spec = plugins.registry().networks[name]
            out[pid] = (f"{spec.display_name} account", name)
    return out


def _literal(text: str) -> str:
    """``text`` as a SPARQL string literal."""
    escaped = (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    )
    return f'"{escaped}"'


def _accounts_clause(props: Iterable[str]) -> str:
    values = " ".join(f"wdt:{p}" for p in props)
    return f"OPTIONAL {{ VALUES ?property {{ {values} }} ?item ?property ?value . }}"


def museofile_query(ids: Sequence[str], props: Iterable[str]) -> str:
    """The items whose Muséofile id is one of ``ids``, with their account values."""
    values = " ".join(_literal(i) for i in ids)
    return (
        "SELECT ?item ?key ?property ?value WHERE {\n"
        f"  VALUES ?key {{ {values} }}\n"
        f"  ?item wdt:{MUSEOFILE} ?key .\n"
        f"  {_accounts_clause(props)}\n"
        "}"
    )


def name_query(museums: Sequence[tuple[str, str, str]], props: Iterable[str]) -> str:
    """The items labelled with a museum's name and located in a place labelled with its
    city (slug, name, city each), in French or English, with their account values."""
    rows = " ".join(
        f"({_literal(slug)} {_literal(name)}@{lang} {_literal(city)}@{lang})"
        for slug, name, city in museums
        for lang in LANGUAGES
    )
    return (
        "SELECT DISTINCT ?item ?key ?property ?value WHERE {\n"
        f"  VALUES (?key ?name ?city) {{ {rows} }}\n"
        "  ?item rdfs:label ?name .\n"
        "  ?place rdfs:label ?city .\n"
        f"  ?item wdt:{LOCATED_IN}+ ?place .\n"
        f"  {_accounts_clause(props)}\n"
        "}"
    )


@dataclass(frozen=True)
class Found:
    """One binding: an item found for a key (Muséofile id or slug), maybe an account."""

    key: str
    item: str
    prop: str | None
    value: str | None


def parse_results(doc: Any, where: str) -> list[Found]:
    """The bindings of a SPARQL JSON result (``head.vars``, ``results.bindings``)."""
    bindings = doc.get("results", {}).get("bindings") if isinstance(doc, dict) else None
    if not isinstance(bindings, list):
        raise FetchError(
            f"wikidata: {where}: not SPARQL JSON results (no results.bindings); "
            "check --api-base, or run again later"
        )
    out = []
    for n, b in enumerate(bindings):
        try:
            item = _ENTITY.match(b["item"]["value"])
            key = b["key"]["value"]
            prop = b.get("property", {}).get("value")
            value = b.get("value", {}).get("value")
        except (KeyError, TypeError, AttributeError):
            raise FetchError(
                f"wikidata: {where}: binding {n + 1} lacks ?item or ?key; "
                "check --api-base, or run again later"
            ) from None
        if item is None:
            continue
        pmatch = _PROP.search(prop) if isinstance(prop, str) else None
        pid = pmatch.group(1) if pmatch else None
        out.append(Found(key, item.group(1), pid, value.strip() if value else None))
    return out


def ask(client: HttpClient, endpoint: str, query: str) -> list[Found]:
    """POST one query; its bindings, or a one-line :class:`FetchError`."""
    try:
        resp = client.post(
            endpoint,
            {"query": query},
            headers={"Accept": "application/sparql-results+json", "User-Agent": user_agent()},
        )
        if resp.status != 200:
            hint = {
                429: "Wikidata asks to slow down: run again later",
                403: "Wikidata refused the client; run again later",
            }.get(resp.status, "run again later")
            raise FetchError(f"wikidata: {endpoint} answered HTTP {resp.status}; {hint}")
        doc = resp.json()
    except FetchError as exc:
        text = str(exc)
        raise FetchError(text if text.startswith("wikidata:") else f"wikidata: {text}") from None
    return parse_results(doc, endpoint)


@dataclass
class _Museum:
    slug: str
    name: str
    city: str | None
    museofile_id: str | None


def _museums(store: Store, only: Sequence[str] | None) -> list[_Museum]:
    rows = store.fetchall("SELECT slug, name, city, museofile_id FROM museums ORDER BY slug")
    chosen = set(only) if only else None
    return [
        _Museum(s, n, c, (m or "").strip() or None)
        for s, n, c, m in rows
        if chosen is None or s in chosen
    ]


def lookups(store: Store, museums: Sequence[str] | None = None) -> tuple[int, int, int]:
    """How many of the museums (all, or the slugs ``museums``) are looked up by Muséofile
    id, by name and city, and not at all (neither)."""
    chosen = _museums(store, museums)
    by_id = sum(1 for m in chosen if m.museofile_id)
    by_name = sum(1 for m in chosen if not m.museofile_id and m.city)
    return by_id, by_name, len(chosen) - by_id - by_name


PROPOSAL_SCHEMA = {
    "museum": pl.Utf8,
    "network": pl.Utf8,
    "handle": pl.Utf8,
    "wikidata": pl.Utf8,
    "via": pl.Utf8,
    "status": pl.Utf8,
}


def discover(
    store: Store,
    *,
    dry_run: bool = False,
    api_base: str | None = None,
    museums: Sequence[str] | None = None,
    client: HttpClient | None = None,
) -> pl.DataFrame:
    """Ask Wikidata for the accounts of the store's museums (all, or the slugs ``museums``)
    and link them unless ``dry_run``: one row per proposal (museum, network — the property
    label when no plugin claims it —, handle, Wikidata item, via museofile|name, status).

    Status: ``linked`` (or ``proposed`` in a dry run), ``already linked``, ``conflict: …``
    (linked to another museum: left there), ``not linked: … has …`` (the museum already has
    another account on that network), ``not linked: several values``, ``not linked: no
    plugin for …``, ``not linked: several items`` (the museum matched several items).
    """
    base = api_base or os.environ.get(API_BASE_ENV) or None
    endpoint = with_base(SPARQL_ENDPOINT, base)
    props = account_properties()
    chosen = _museums(store, museums)
    by_id: dict[str, list[_Museum]] = defaultdict(list)
    for m in chosen:
        if m.museofile_id:
            by_id[m.museofile_id].append(m)
    named = [m for m in chosen if not m.museofile_id and m.city]
    own = client is None
    http = client if client is not None else HttpClient(attempts=4, per_host=1)
    found: list[tuple[_Museum, str, list[Found]]] = []
    try:
        ids = sorted(by_id)
        for i in range(0, len(ids), BATCH):
            got = ask(http, endpoint, museofile_query(ids[i : i + BATCH], props))
            per: dict[str, list[Found]] = defaultdict(list)
            for f in got:
                per[f.key].append(f)
            for key, fs in per.items():
                for m in by_id.get(key, []):
                    found.append((m, "museofile", fs))
        for i in range(0, len(named), NAME_BATCH):
            part = named[i : i + NAME_BATCH]
            got = ask(
                http, endpoint, name_query([(m.slug, m.name, m.city or "") for m in part], props)
            )
            per = defaultdict(list)
            for f in got:
                per[f.key].append(f)
            for m in part:
                if per.get(m.slug):
                    found.append((m, "name", per[m.slug]))
    finally:
        if own:
            http.close()
    return _settle(store, found, props, dry_run)


def _settle(
    store: Store,
    found: list[tuple[_Museum, str, list[Found]]],
    props: dict[str, tuple[str, str | None]],
    dry_run: bool,
) -> pl.DataFrame:
    """Each proposal's status, and the links made unless ``dry_run``, in one transaction."""
    linked: dict[tuple[str, str], tuple[str | None, str, str | None]] = {}
    for net, acc, museum, handle, origin in store.fetchall(
        "SELECT network, account_id, museum, handle, linked_by FROM accounts"
    ):
        for key in {acc.lower(), (handle or acc).lower()}:
            linked[(net, key)] = (museum, handle or acc, origin)
    has: dict[tuple[str, str], str] = {}
    for net, acc, museum, handle, _ in store.fetchall(
        "SELECT network, account_id, museum, handle, linked_by FROM accounts "
        "WHERE museum IS NOT NULL ORDER BY network, account_id"
    ):
        has.setdefault((museum, net), handle or acc)
    rows: list[dict[str, str]] = []
    to_link: list[tuple[str, str, str]] = []
    for m, via, fs in found:
        items = sorted({f.item for f in fs})
        holders = sorted({f.item for f in fs if f.prop in props and f.value})
        if len(items) > 1 and len(holders) == 1:
            # the museum and, say, its building: only one of them names accounts
            items, fs = holders, [f for f in fs if f.item == holders[0]]
        if len(items) > 1:
            rows.append(_row(m.slug, "", "", ", ".join(items), via, "not linked: several items"))
            continue
        values: dict[str, set[str]] = defaultdict(set)
        for f in fs:
            if f.prop in props and f.value:
                values[f.prop].add(f.value)
        for pid in sorted(values, key=lambda p: list(props).index(p)):
            label, net = props[pid]
            shown_net = net or label
            vals = sorted(values[pid])
            handle = vals[0].lstrip("@") if len(vals) == 1 else ", ".join(vals)
            if net is None:
                status = f"not linked: no plugin for {label} ({pid})"
            elif len(vals) > 1:
                status = "not linked: several values"
            else:
                status = _status(m.slug, net, handle, linked, has, dry_run)
                if status in ("linked", "proposed"):
                    to_link.append((m.slug, net, handle))
                    has[(m.slug, net)] = handle
            rows.append(_row(m.slug, shown_net, handle, items[0], via, status))
    if not dry_run and to_link:
        museums = Museums(store)
        with store.transaction():
            for slug, net, handle in to_link:
                museums.link(slug, net, handle, origin="discover")
    return pl.DataFrame(rows, schema=PROPOSAL_SCHEMA)


def _status(
    slug: str,
    net: str,
    handle: str,
    linked: dict[tuple[str, str], tuple[str | None, str, str | None]],
    has: dict[tuple[str, str], str],
    dry_run: bool,
) -> str:
    current = linked.get((net, handle.lower()))
    if current is not None and current[0] is not None:
        museum, _, origin = current
        if museum == slug:
            return "already linked"
        return f"conflict: linked to {museum} ({origin or 'ingest'}), left there"
    other = has.get((slug, net))
    if other is not None and fold(other) != fold(handle):
        return f"not linked: {slug} has {net}:{other}"
    return "proposed" if dry_run else "linked"


def _row(
    museum: str, network: str, handle: str, item: str, via: str, status: str
) -> dict[str, str]:
    return {
        "museum": museum,
        "network": network,
        "handle": handle,
        "wikidata": item,
        "via": via,
        "status": status,
    }
