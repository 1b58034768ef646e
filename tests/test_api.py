"""The Python API a notebook uses: every call returns polars frames."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from built_once import copy_of, demo_build

import engagecore


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    built = demo_build(tmp_path_factory, museums=8, seed=1)  # the growth tests' demo too
    return copy_of(built.db, tmp_path_factory.mktemp("api") / "demo.duckdb")


def test_python_api_returns_frames(demo_db: Path) -> None:
    with engagecore.open(demo_db, read_only=True) as eng:
        scores = eng.score(period="year")
        assert isinstance(scores, pl.DataFrame) and not scores.is_empty()
        assert set(scores["period"].unique()) <= {"2024", "2025"}
        metrics = eng.post_metrics(networks=["instagram"])
        assert set(metrics["network"].unique()) == {"instagram"}
        assert {"rate", "rate_basis", "overperformance", "breakout"} <= set(metrics.columns)
        comparison = eng.compare(["louvre", "pompidou"])
        assert isinstance(comparison.table, pl.DataFrame) and "winner" in comparison.table.columns
        explained = eng.explain("Musée du Louvre")
        assert isinstance(explained, pl.DataFrame) and not explained.is_empty()
        only = eng.score(museums=["louvre"])
        assert set(only["museum"]) == {"louvre"}
        # filtering the output does not change a museum's percentile within its cohort
        full = scores.filter(museum="louvre")
        yearly = eng.score(museums=["louvre"], period="year")
        assert (
            yearly.sort("network", "period")["engagement_score"].to_list()
            == full.sort("network", "period")["engagement_score"].to_list()
        )
        with pytest.raises(engagecore.UsageError, match="unknown network"):
            eng.score(networks=["myspace"])
