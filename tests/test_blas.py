"""The small model fits run on one BLAS thread, whatever the machine (engagecore.blas).

Each test raises BLAS to two threads around the call (as on any machine with two cores or
more), then reads the number of threads from inside scikit-learn's ``fit``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import polars as pl
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from engagecore.analysis.themes import load_themes, train_model
from engagecore.scoring.cohort import _fit


def _blas_threads() -> set[int]:
    return {i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}


@pytest.fixture
def threads_seen_by(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[type], list[set[int]]]]:
    """``threads_seen_by(Model)``: the BLAS threads in force at each ``Model.fit``."""

    def watch(model: type) -> list[set[int]]:
        seen: list[set[int]] = []
        fit = model.fit

        def counting_fit(self: Any, *args: Any, **kwargs: Any) -> Any:
            seen.append(_blas_threads())
            return fit(self, *args, **kwargs)

        monkeypatch.setattr(model, "fit", counting_fit)
        return seen

    with threadpool_limits(limits=2, user_api="blas"):
        assert _blas_threads() == {2}  # the machine's setting, not one thread already
        yield watch


def test_the_size_fit_runs_on_one_blas_thread(threads_seen_by: Callable) -> None:
    from sklearn.linear_model import HuberRegressor

    seen = threads_seen_by(HuberRegressor)
    x = np.linspace(5, 12, 40)
    slope, _, _, how = _fit(x, 0.3 * x + np.sin(x), 5)
    assert how == "huber" and slope == pytest.approx(0.3, abs=0.2)
    assert seen == [{1}]
    assert _blas_threads() == {2}  # put back after the fit


def test_the_themes_models_train_on_one_blas_thread(threads_seen_by: Callable) -> None:
    from sklearn.linear_model import LogisticRegression

    seen = threads_seen_by(LogisticRegression)
    themes = load_themes()[:2]
    rng = np.random.default_rng(0)
    words = [f"mot{i}" for i in range(60)]
    texts = [" ".join(rng.choice(words, 8)) for _ in range(300)]
    labels = pl.DataFrame(
        {t.name: [("mot1 " in s or "mot2 " in s) == (k == 0) for s in texts] for k, t in enumerate(themes)}
    )
    model = train_model(pl.Series(texts), labels, themes)
    assert len(seen) == 2 and model.overall_precision is not None
    assert all(threads == {1} for threads in seen)
    assert _blas_threads() == {2}
