"""ISO 8601 durations as YouTube writes them in ``contentDetails.duration``.

"PT1H40M7S", "PT30S", "P1DT2H" (long streams), and "P0D" for a live stream in progress.
"""

from __future__ import annotations

import re

_DURATION = re.compile(
    r"P(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?"
)


def parse_duration(value: str) -> float:
    """Seconds in an ISO 8601 duration; ``ValueError`` when it is not one."""
    m = _DURATION.fullmatch(value)
    if m is None or value in ("P", "PT"):
        raise ValueError(f"not an ISO 8601 duration: {value!r}")
    parts = {k: float(v) if v else 0.0 for k, v in m.groupdict().items()}
    return (
        parts["w"] * 604800 + parts["d"] * 86400 + parts["h"] * 3600 + parts["m"] * 60 + parts["s"]
    )


def format_duration(seconds: int) -> str:
    """Whole seconds as YouTube writes them: 6007 → "PT1H40M7S", 0 → "P0D"."""
    if seconds <= 0:
        return "P0D"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    out = f"P{days}D" if days else "P"
    if hours or minutes or secs:
        out += "T"
        out += f"{hours}H" if hours else ""
        out += f"{minutes}M" if minutes else ""
        out += f"{secs}S" if secs else ""
    return out
