"""Conformance checks for network plugins, and a pytest plugin (``-p engagecore.testing``).

A plugin author runs the same checks engagecore runs on its own plugins
(``tests/test_contract.py``). Each is a plain function that raises ``AssertionError`` with a
message naming what is wrong; what each one checks, and no more:

- :func:`check_network` — a :class:`NetworkSpec`'s name, display name and interaction weights;
- :func:`check_importer` — an importer's names and ``networks`` declaration, and that it
  gives confidence 0 to a foreign file. It calls ``detect`` only, never ``read``: it says
  nothing about what the importer reads, so test your importer's reading of your own
  samples yourself (counts and times, not only ids);
- :func:`check_demo_roundtrip` — the files a network's demo writer writes are claimed by a
  registered importer of that network and read back into valid frames holding the post ids
  that were written.

Loaded with ``pytest -p engagecore.testing``, this module adds one fixture, ``foreign_file``
(a small text file no importer should claim). :func:`sample_account` builds the simulated
account :func:`check_demo_roundtrip` writes.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from engagecore import plugins, schema
from engagecore.detection import choose_importer
from engagecore.pluginapi import DemoAccountData, Importer, NetworkSpec, ReadContext
from engagecore.sources import Source
from engagecore.validate import validate_frame


def check_network(spec: NetworkSpec) -> None:
    """The spec's naming and interaction weights.

    Asserts: ``name`` is non-empty, lower case and without spaces; ``display_name`` is
    non-empty; ``interactions`` is non-empty, every interaction is among ``provides``, and
    every weight is above 0. The spec need not be registered.
    """
    assert spec.name and spec.name == spec.name.lower() and " " not in spec.name
    assert spec.display_name
    assert spec.interactions, f"network {spec.name!r} defines no interactions"
    missing = set(spec.interactions) - set(spec.provides)
    assert not missing, f"network {spec.name!r}: interactions {missing} not in provides"
    assert all(w > 0 for w in spec.interactions.values())


def check_importer(importer: Importer, foreign: Path) -> None:
    """Naming, the networks declared, and a confidence of 0 on a file of no network's format.

    Asserts: ``name``, ``network`` and ``description`` are non-empty; ``importer.networks``
    is a non-empty frozenset of non-empty names holding ``importer.network``; and
    ``importer.detect`` on ``foreign`` (opened as a :class:`Source`) returns exactly 0.0.
    It never calls ``importer.read``: nothing here checks what the importer reads, nor that
    its networks are registered (registration checks that one of them is), nor that it
    claims its own files.

    ``importer`` may be the registered one (``plugins.registry().importers[name]``) or one
    built by hand (``MyImporter()``): nothing here needs the plugin that registers it.

    """
    assert importer.name and importer.network and importer.description
    declared = importer.networks
    assert isinstance(declared, frozenset), (
        f"{importer.name}: networks is {declared!r}; expected a frozenset of network names"
    )
    assert declared, f"{importer.name} declares no network"
    assert all(isinstance(n, str) and n for n in declared), (
        f"{importer.name}: networks {sorted(map(repr, declared))} holds an empty or non-text name"
    )
    assert importer.network in declared, (
        f"{importer.name}: its network {importer.network!r} is not among those it declares"
    )
    src = Source.open(foreign)
    try:
        conf = importer.detect(src)
    finally:
        src.close()
    assert conf == 0.0, f"{importer.name} claims an unrelated file with confidence {conf}"


def sample_account(network: str, *, posts: int = 5, with_age: bool = True) -> DemoAccountData:
    """A simulated account of ``network`` in the normalized model, for round-trip checks.

    ``posts`` French photo posts from 2024-03-04 09:30 UTC (every count column filled),
    one follower snapshot (12,345 on 2024-06-01 UTC) and, with ``with_age``, a seven-band
    audience age breakdown summing to 1.
    """
    start = datetime(2024, 3, 4, 9, 30, tzinfo=UTC)
    export = datetime(2024, 6, 1, tzinfo=UTC)
    n = posts
    texts = [
        f"Coulisses n°{i} : la restauration de « La Liseuse » ✨ #JourDeFermeture #musée @amis_du_musee"
        for i in range(n)
    ]
    df = pl.DataFrame(
        {
            "network": [network] * n,
            "post_id": [str(1_700_000_000_000 + i * 7919) for i in range(n)],
            "account_id": ["424242"] * n,
            "posted_at": [start + timedelta(days=3 * i, hours=i) for i in range(n)],
            "kind": ["photo"] * n,
            "is_own": [True] * n,
            "text": texts,
            "language": ["fr"] * n,
            "hashtags": [["JourDeFermeture", "musée"]] * n,
            "mentions": [["amis_du_musee"]] * n,
            "url": [None] * n,
            "likes": [100 + 10 * i for i in range(n)],
            "comments": [5 + i for i in range(n)],
            "shares": [2 + i for i in range(n)],
            "quotes": [i for i in range(n)],
            "saves": [3 * i for i in range(n)],
            "views": [1000 + 100 * i for i in range(n)],
            "impressions": [2000 + 100 * i for i in range(n)],
            "reach": [1500 + 100 * i for i in range(n)],
            "observed_at": [export] * n,
        }
    )
    posts_df = pl.DataFrame(df.to_dict(), schema=schema.POSTS)
    followers = pl.DataFrame(
        {
            "network": [network],
            "account_id": ["424242"],
            "observed_at": [export],
            "followers": [12345],
        },
        schema=schema.FOLLOWER_SNAPSHOTS,
    )
    age = None
    if with_age:
        bands = [
            ("13-17", 13, 17, 0.05),
            ("18-24", 18, 24, 0.25),
            ("25-34", 25, 34, 0.30),
            ("35-44", 35, 44, 0.2),
            ("45-54", 45, 54, 0.1),
            ("55-64", 55, 64, 0.06),
            ("65+", 65, None, 0.04),
        ]
        age = pl.DataFrame(
            {
                "network": [network] * 7,
                "account_id": ["424242"] * 7,
                "observed_at": [export] * 7,
                "age_band": [b[0] for b in bands],
                "age_min": [b[1] for b in bands],
                "age_max": [b[2] for b in bands],
                "share": [b[3] for b in bands],
                "basis": ["followers"] * 7,
            },
            schema=schema.AUDIENCE_AGE,
        )
    return DemoAccountData(
        museum_name="Musée des Beaux-Arts de Test",
        handle="mba_test",
        account_id="424242",
        posts=posts_df,
        followers=followers,
        audience_age=age,
        export_date=export,
    )


def check_demo_roundtrip(network: str, folder: Path) -> pl.DataFrame:
    """Write a sample account with the network's registered demo writer and read it back.

    Asserts: the writer (``registry().demo_writers[network]``) writes at least one file; for
    each file, an importer declaring ``network`` (or any network) claims it, chosen as
    ``engage ingest`` chooses (:func:`engagecore.plugin.choose_importer`: the highest
    confidence, at least 0.5; a tie at the top is a ``DetectionError``); every frame it reads
    passes the store's validation; and the post ids read back are exactly those written, each once. Counts,
    times and the other tables are not compared. Returns the posts read back.
    """
    reg = plugins.registry()
    writer = reg.demo_writers[network]
    data = sample_account(network)
    paths = writer.write(data, folder)
    assert paths, f"demo writer for {network!r} wrote nothing"
    importers = [
        i
        for i in reg.importers.values()
        if network in i.networks or plugins.ANY_NETWORK in i.networks
    ]
    frames = []
    for p in paths:
        src = Source.open(p)
        try:
            chosen = choose_importer(src, importers)  # as engage ingest chooses, ties refused
            assert chosen is not None, f"no importer of {network!r} claims {p}"
            importer = chosen[0]
            batch = importer.read(src, ReadContext())
        finally:
            src.close()
        for table, df in batch.frames().items():
            validate_frame(table, df, plugin=plugins.owner_name(importer), path=str(p))
        if batch.posts is not None:
            frames.append(batch.posts)
    posts = pl.concat(frames) if frames else schema.empty("posts")
    assert sorted(posts["post_id"].to_list()) == sorted(data.posts["post_id"].to_list())
    return posts


@pytest.fixture
def foreign_file(tmp_path: Path) -> Iterator[Path]:
    """A small French text file (``notes.txt``) no importer should claim."""
    p = tmp_path / "notes.txt"
    p.write_text("Liste de courses : pain, fromage.\n", encoding="utf-8")
    yield p
