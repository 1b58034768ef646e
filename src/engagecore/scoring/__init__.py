"""The scoring core: engagement rates, scores with intervals, composite and young reach.

Frames in, frames out (polars); the formulas are specified in docs/scoring.md. Typical use::

    inputs = load_inputs(con, networks=None, museums=None, since=None, until=None)
    scores = score(inputs, registry().networks, ScoringConfig(period="quarter"))
    posts = post_metrics(inputs, registry().networks)
    result = compare(scores, posts, ["louvre", "orsay"])
"""

from __future__ import annotations

from engagecore.scoring.compare import ComparisonResult, compare, drivers, mann_whitney
from engagecore.scoring.config import ScoringConfig
from engagecore.scoring.engagement import (
    FRACTIONAL_SIZES,
    PERFORMANCE_COLUMNS,
    SCORE_COLUMNS,
    SUMMARY_COLUMNS,
    WHOLE_COUNTS,
    score,
)
from engagecore.scoring.explain import explain
from engagecore.scoring.inputs import ScoringInputs, load_inputs
from engagecore.scoring.leaderboard import LEADERBOARD_COLUMNS, NEEDS_GROWTH, SORTS, leaderboard
from engagecore.scoring.posts import POST_METRIC_COLUMNS, post_metrics
from engagecore.scoring.young import load_priors

__all__ = [
    "FRACTIONAL_SIZES",
    "LEADERBOARD_COLUMNS",
    "NEEDS_GROWTH",
    "PERFORMANCE_COLUMNS",
    "POST_METRIC_COLUMNS",
    "SCORE_COLUMNS",
    "SORTS",
    "SUMMARY_COLUMNS",
    "WHOLE_COUNTS",
    "ComparisonResult",
    "ScoringConfig",
    "ScoringInputs",
    "compare",
    "drivers",
    "explain",
    "leaderboard",
    "load_inputs",
    "load_priors",
    "mann_whitney",
    "post_metrics",
    "score",
]
