"""What the report's tests share: the hostile texts planted in the store, the pages built."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(2)>"
BAD_URL = "javascript:alert(3)"
NAME = "Musée du Louvre <b onmouseover=alert(4)>&amp;"


@dataclass(frozen=True)
class Pages:
    db: Path
    single_en: str
    cohort_fr: str
    cohort_en: str
    folder: Path
