"""A simulated cohort written as real exports and imported: the analyses' test stores (the
themes' planted lifts among them). Its own module, not conftest.py: a test module importing
``conftest`` gets whichever conftest of the run came first on sys.path."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path

import pytest

import engagecore.simulate as simulate
from engagecore import plugins
from engagecore.api import Engine
from engagecore.demo import (
    DEMO_END,
    DEMO_START,
    _attach_accounts,
    _register_museums,
    _write_exports,
)


def build_store(
    db: Path, museums: int, seed: int, *, lifts: Mapping[str, float] | None = None
) -> simulate.Cohort:
    """Simulate a cohort (the planted lift of each theme in ``lifts`` replacing the one in
    data/captions.toml), write it as real export files, import them into ``db``."""
    registry = plugins.registry()
    networks = {n: s for n, s in registry.networks.items() if n in registry.demo_writers}
    pool = simulate.caption_pool()
    if lifts:
        themes = tuple(dataclasses.replace(t, lift=lifts.get(t.name, t.lift)) for t in pool.themes)
        pool = dataclasses.replace(pool, themes=themes)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(simulate, "caption_pool", lambda: pool)
        cohort = simulate.simulate_cohort(
            museums,
            seed,
            networks,
            start=DEMO_START,
            end=DEMO_END,
            posts_per_account=150,
            with_post_truth=True,
        )
    with Engine(db) as engine:
        paths = _write_exports(cohort, registry.demo_writers, db.parent / f"exports-{db.stem}")
        _register_museums(engine, cohort)
        engine.ingest(paths)
        _attach_accounts(engine, cohort)
    return cohort
