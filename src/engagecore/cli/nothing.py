"""Why a command that reads the store's posts found none: the store has none, or a filter the
user gave left none — a museum without a linked account, a network none of them is on, dates
without a post. A researcher is told which, not to import posts into a store that has them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from engagecore.api import Engine
from engagecore.cli.output import Format, err_line

#: What a command reading posts says on a store that has none.
NO_POSTS = "the store has no posts: import some with `engage ingest` or run `engage demo`"
#: ... and on a store whose accounts are linked to no museum.
NO_LINK = (
    "no account is linked to a museum: link one with `engage museums link MUSEUM "
    "--network NET --handle H` (or `engage museums discover`)"
)


def nothing_to_show(frame: pl.DataFrame, fmt: Format, output: Path | None) -> bool:
    """True for an empty result bound for the terminal as a table: the command's line on
    stderr says why, a table without a row would say nothing more (a file, csv and json
    still get their header, ``[]``, for a script to read)."""
    return frame.is_empty() and fmt is Format.table and output is None


def tell_why_empty(
    eng: Engine, frame: pl.DataFrame, otherwise: str, where: Mapping[str, Any]
) -> None:
    """On an empty ``frame``, one line on stderr: :func:`why_nothing`'s reason for the
    filters ``where`` (``museums``, ``networks``, ``since``, ``until``), else ``otherwise``,
    the command's own."""
    if frame.is_empty():
        err_line(why_nothing(eng, **where) or otherwise)


def why_nothing(
    eng: Engine,
    *,
    museums: Sequence[str] | None = None,
    networks: Sequence[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> str | None:
    """The first reason, in that order, why no post is left; ``None`` when the filters leave
    posts (the command's own reason then applies: too few posts for a figure…)."""
    from engagecore.scoring.inputs import as_utc

    store = eng.store
    if not store.fetchall("SELECT count(*) FROM posts")[0][0]:
        return NO_POSTS
    slugs = [eng.museums.resolve(m) for m in museums or ()]
    for slug in slugs:
        if not store.fetchall("SELECT count(*) FROM accounts WHERE museum = ?", [slug])[0][0]:
            return (
                f"{slug} has no linked account: link one with `engage museums link {slug} "
                "--network NET --handle H` (or `engage museums discover`)"
            )
    where: list[str] = ["a.museum IS NOT NULL"]
    params: list[object] = []
    if slugs:
        where.append(f"a.museum IN ({', '.join('?' * len(slugs))})")
        params += slugs
    if networks:
        where.append(f"p.network IN ({', '.join('?' * len(networks))})")
        params += list(networks)
        asked = "the museums asked" if slugs else "a linked account"
        if not _count(eng, where, params):
            return f"no post on {', '.join(networks)} by {asked}"
    if since is not None:
        where.append("p.posted_at >= ?")
        params.append(as_utc(since))
    if until is not None:
        where.append("p.posted_at < ?")
        params.append(as_utc(until))
    if (since or until) and not _count(eng, where, params):
        bounds = (f"from {since:%Y-%m-%d}" if since else "") + (
            f"{' ' if since else ''}before {until:%Y-%m-%d}" if until else ""
        )
        return f"no post {bounds} by {'the museums asked' if slugs else 'a linked account'}"
    return None


def _count(eng: Engine, where: list[str], params: list[object]) -> int:
    sql = (
        "SELECT count(*) FROM posts p JOIN accounts a USING (network, account_id) "
        f"WHERE {' AND '.join(where)}"
    )
    return int(eng.store.fetchall(sql, params)[0][0])


def why_no_adoption(
    eng: Engine, *, networks: Sequence[str] | None = None, region: str | None = None
) -> str:
    """Why ``engage adoption`` counts no museum: no posts, no linked account, none on the
    networks asked, none of the registry (or of its ``region``) among the linked museums."""
    store = eng.store
    if not store.fetchall("SELECT count(*) FROM posts")[0][0]:
        return NO_POSTS
    if not store.fetchall("SELECT count(*) FROM accounts WHERE museum IS NOT NULL")[0][0]:
        return NO_LINK
    if networks:
        marks = ", ".join("?" * len(networks))
        sql = f"SELECT count(*) FROM accounts WHERE museum IS NOT NULL AND network IN ({marks})"
        if not store.fetchall(sql, list(networks))[0][0]:
            return f"no museum has an account on {', '.join(networks)}"
    where = f" in {region}" if region else ""
    return (
        f"no museum of the registry{where} has an account with a post or a creation date "
        "(the registry: the museums with a Muséofile id, `engage museums import-registry`)"
    )
