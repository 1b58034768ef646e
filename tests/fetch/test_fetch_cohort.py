"""Done when: ``engage fetch --all`` on linked museums fills a cohort that ``engage score`` ranks."""

from __future__ import annotations

import json
import random
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cli_run import run
from fetch_replay import TOKEN, GraphReplay, Media

from engagecore.museums import Museums
from engagecore.store import Store

NOW = datetime.now(UTC).replace(microsecond=0)
pytestmark = pytest.mark.usefixtures("no_backoff")


def test_fetch_all_builds_a_cohort_that_score_ranks(
    tmp_path: Path,
    graph: GraphReplay,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db = tmp_path / "engage.duckdb"
    monkeypatch.setenv("ENGAGE_DB", str(db))
    monkeypatch.setenv("ENGAGE_META_TOKEN", TOKEN)
    monkeypatch.setenv("ENGAGE_INSTAGRAM_API_BASE", graph.base)
    rng = random.Random(7)
    museums = {f"musee{i}": f"Musée numéro {i}" for i in range(6)}
    with closing(Store(db)) as store:
        m = Museums(store)
        for handle, name in museums.items():
            slug = m.add(name, slug=handle)
            m.link(slug, "instagram", handle)
    for i, handle in enumerate(museums):
        graph.accounts[handle] = [
            Media(
                f"17{i}{k:013d}",
                NOW - timedelta(days=2 * k + 1),
                likes=rng.randint(50, 400) * (i + 1),
            )
            for k in range(40)
        ]
    code, out, err = run(["fetch", "--all", "--format", "json"], capsys)
    assert code == 0, err
    fetched = json.loads(out)
    assert [(r["account"], r["new posts"], r["status"]) for r in fetched] == [
        (f"@{h}", 40, "ok") for h in museums
    ]
    code, out, err = run(["score", "--network", "instagram", "--format", "json"], capsys)
    assert code == 0, err
    rows = json.loads(out)
    scored = [r for r in rows if r.get("network") == "instagram"]
    assert len({r["museum"] for r in scored}) == 6
    # a real cohort: every museum has a score, ranked by its likes (planted: musee5 best)
    assert all(r["cohort_size"] == 6 and r["engagement_score"] is not None for r in scored)
    best = max(scored, key=lambda r: r["engagement_score"])
    worst = min(scored, key=lambda r: r["engagement_score"])
    assert (best["museum"], worst["museum"]) == ("musee5", "musee0")
