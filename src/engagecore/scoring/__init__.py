"""The scoring core: engagement rates, scores with intervals, composite and young reach.

Frames in, frames out (polars); the formulas are specified in docs/scoring.md.
"""

from __future__ import annotations

from engagecore.scoring.config import ScoringConfig
from engagecore.scoring.engagement import SCORE_COLUMNS, score
from engagecore.scoring.inputs import ScoringInputs, load_inputs

__all__ = [
    "SCORE_COLUMNS",
    "ScoringConfig",
    "ScoringInputs",
    "load_inputs",
    "score",
]
