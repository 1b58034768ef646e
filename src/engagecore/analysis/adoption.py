"""Adoption over the registry: per network and year, how many of the registry's museums are
present on the network, and what share of the registry that is (docs/analyses.md).

**The registry** is the store's museums that have a Muséofile id (``museofile_id``: imported
from the Musées de France registry, ``engage museums import-registry``). A store where no
museum has one (no registry imported, e.g. a demo store) counts every museum of the store
instead, and says so in ``registry_basis``.

**Presence**: a museum is present on a network from its presence date there, the earliest
over its accounts on that network of :data:`PRESENT_AT` (the account's first post in the
store, or its creation date on the network when that is earlier). That expression is the only place the presence date is defined.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import polars as pl

from engagecore.errors import UsageError
from engagecore.museums import fold
from engagecore.scoring.inputs import sql_list

#: An account's presence date on its network, as a SQL aggregate over its posts ``p``
#: joined (LEFT) to the account ``a``: the earlier of the account's first post in the store
#: and its creation date on the network (``accounts.created_at``, where the source gives it;
#: ``least`` skips a NULL, so either alone is enough).
PRESENT_AT = "least(min(p.posted_at), min(a.created_at))"

#: The network label of the rows counting a museum present on any network.
ANY_NETWORK = "any"

#: ``registry_basis`` when museums with a Muséofile id exist, and when none does.
REGISTRY_MUSEOFILE = "museofile"
REGISTRY_STORE = "store"

ADOPTION_COLUMNS: tuple[str, ...] = (
    "network",
    "year",
    "new",
    "present",
    "registry",
    "share",
    "region",
    "registry_basis",
)

_SCHEMA = {
    "network": pl.Utf8,
    "year": pl.Int64,
    "new": pl.Int64,
    "present": pl.Int64,
    "registry": pl.Int64,
    "share": pl.Float64,
    "region": pl.Utf8,
    "registry_basis": pl.Utf8,
}


def presence_sql() -> str:
    """Per account linked to a museum: network, account_id, museum and ``present_at``."""
    return f"""
        SELECT a.network, a.account_id, a.museum, {PRESENT_AT} AS present_at
        FROM accounts a LEFT JOIN posts p USING (network, account_id)
        WHERE a.museum IS NOT NULL
        GROUP BY a.network, a.account_id, a.museum
        HAVING {PRESENT_AT} IS NOT NULL
    """


def outside_registry(
    con: duckdb.DuckDBPyConnection, networks: Sequence[str] | None = None
) -> list[str]:
    """The museums present on a network (of ``networks``) that :func:`adoption` leaves out
    for want of a Muséofile id, by slug; none when no museum has one (every museum is then
    the registry)."""
    if not con.sql("SELECT count(museofile_id) FROM museums").fetchall()[0][0]:
        return []
    net_filter = f"AND s.network IN ({sql_list(networks)})" if networks else ""
    rows = con.sql(
        f"SELECT DISTINCT m.slug FROM ({presence_sql()}) s JOIN museums m ON m.slug = s.museum "
        f"WHERE m.museofile_id IS NULL {net_filter} ORDER BY m.slug"
    ).fetchall()
    return [slug for (slug,) in rows]


def registry(
    con: duckdb.DuckDBPyConnection, region: str | None = None
) -> tuple[pl.DataFrame, str, str]:
    """The registry's museums (slug, region), its basis (``museofile`` or ``store``) and the
    region as the store spells it (``all`` without one): only the museums of ``region`` when
    given (accents, case and punctuation ignored: ``ile de france`` is ``Île-de-France``); an
    unknown region is a one-line :class:`UsageError` naming the known ones."""
    museums = con.sql("SELECT slug, region, museofile_id FROM museums").pl()
    in_registry = museums.filter(pl.col("museofile_id").is_not_null())
    basis = REGISTRY_MUSEOFILE
    if in_registry.is_empty():
        in_registry, basis = museums, REGISTRY_STORE
    label = "all"
    if region is not None:
        known = sorted({r for r in in_registry.get_column("region").drop_nulls()})
        want = fold(region)
        match = [r for r in known if fold(r) == want]
        if not match:
            shown = ", ".join(known) or "none (no museum of the registry has a region)"
            raise UsageError(
                f"--region {region!r}: no museum of the registry there; known: {shown}"
            )
        in_registry = in_registry.filter(pl.col("region").is_in(match))
        label = ", ".join(match)
    return in_registry.select("slug", "region"), basis, label


def adoption(
    con: duckdb.DuckDBPyConnection,
    *,
    networks: Sequence[str] | None = None,
    region: str | None = None,
) -> pl.DataFrame:
    """Per network and year: the registry's museums present by the end of that year (UTC).

    Columns (:data:`ADOPTION_COLUMNS`): ``new`` (museums first present that year),
    ``present`` (cumulative: present by 31 December), ``registry`` (the registry's size, in
    ``region`` when given), ``share`` = present ÷ registry, ``region`` (the filter, or
    ``all``), ``registry_basis`` (see the module). Years run from the first presence on any
    network to the last year of the store's posts, for every network that has a museum of
    the registry (or every network of ``networks``); without a network filter, rows
    ``network = "any"`` count a museum present on at least one network. Museums outside the
    registry are never counted.
    """
    members, basis, label = registry(con, region)
    net_filter = f"AND network IN ({sql_list(networks)})" if networks else ""
    presence = con.sql(
        f"SELECT museum, network, min(present_at) AS present_at FROM ({presence_sql()}) "
        f"WHERE true {net_filter} GROUP BY museum, network"
    ).pl()
    presence = presence.with_columns(pl.col("present_at").dt.convert_time_zone("UTC"))
    presence = presence.join(members.select(museum="slug"), on="museum", how="semi")
    if not networks:
        anywhere = presence.group_by("museum").agg(pl.col("present_at").min())
        presence = pl.concat(
            [presence, anywhere.with_columns(network=pl.lit(ANY_NETWORK))], how="diagonal"
        )
    if presence.is_empty():
        return pl.DataFrame(schema=_SCHEMA)
    years = presence.get_column("present_at").dt.year().to_list()
    newest = con.sql("SELECT year(timezone('UTC', max(posted_at))) FROM posts").fetchall()
    if newest and newest[0][0] is not None:
        years.append(int(newest[0][0]))
    first_year, last_year = min(years), max(years)
    names = sorted(set(networks or ()) | set(presence.get_column("network")))
    grid = pl.DataFrame({"network": names}).join(
        pl.DataFrame({"year": list(range(first_year, last_year + 1))}), how="cross"
    )
    new = presence.group_by("network", year=pl.col("present_at").dt.year().cast(pl.Int64)).agg(
        new=pl.len()
    )
    size = members.height
    out = (
        grid.join(new, on=["network", "year"], how="left")
        .with_columns(pl.col("new").fill_null(0))
        .sort("network", pl.col("network") == ANY_NETWORK, "year")
        .with_columns(present=pl.col("new").cum_sum().over("network"))
        .with_columns(
            registry=pl.lit(size),
            share=pl.when(pl.lit(size) > 0).then(pl.col("present") / size),
            region=pl.lit(label),
            registry_basis=pl.lit(basis),
        )
    )
    return (
        out.sort(pl.col("network") == ANY_NETWORK, "network", "year")
        .select(list(_SCHEMA))
        .cast(_SCHEMA)  # type: ignore[arg-type]
    )
