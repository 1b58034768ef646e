"""Insights responses of the Graph API: small documents parsed as JSON.

Page insights give daily follower counts (``page_fans``, renamed ``page_follows`` on 2025-11-15) and the historical
``page_fans_gender_age`` (removed 2024-03-14); post insights give impressions, reach and views
under their old and new names. Every metric names its object in its ``id``
("{object_id}/insights/{metric}/{period}").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

import polars as pl

from engage_facebook.common import POST_METRICS, TIME_FORMAT
from engagecore import plugin
from engagecore.plugin import FormatError

#: Page follower metrics, newest name first: on a day both report, the newer one wins.
FOLLOWER_METRICS: Final = ("page_follows", "page_fans")
AGE_METRIC: Final = "page_fans_gender_age"
_POST_METRIC_RANK: Final = {
    name: (col, rank) for col, names in POST_METRICS.items() for rank, name in enumerate(names)
}
_AGE_KEY = re.compile(r"[MFU]\.(?:(\d+)-(\d+)|(\d+)\+)")


@dataclass
class Insights:
    """What insights responses hold, gathered over every file of a source."""

    # (post_id, column) → (rank of the metric name, value); rank 0 is the newest name
    post_metrics: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)
    # (account_id, end_time) → (rank, followers)
    followers: dict[tuple[str, datetime], tuple[int, int]] = field(default_factory=dict)
    # (account_id, end_time) → {age_band: count}
    ages: dict[tuple[str, datetime], dict[str, int]] = field(default_factory=dict)
    # the metrics read but not stored (no column for them), in the order met
    skipped: dict[str, None] = field(default_factory=dict)

    def note(self) -> list[str]:
        """The import's note of the metrics not stored (``Batch.notes``), if any."""
        if not self.skipped:
            return []
        names = list(self.skipped)
        shown = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
        return [f"insights metrics not stored (no column for them): {shown}"]


def _count(value: Any, display: str, record: str, what: str) -> int | None:
    return plugin.count_at(value, what, display, record)


def _end_time(value: dict[str, Any], display: str, record: str) -> datetime:
    raw = value.get("end_time")
    try:
        return datetime.strptime(str(raw), TIME_FORMAT).astimezone(UTC)
    except (ValueError, OverflowError) as exc:  # overflow: year 1 or 9999 shifted by a zone
        raise FormatError(
            display, f"expected 'end_time' like 2024-03-01T08:00:00+0000, got {raw!r}", record
        ) from exc


def parse_insights(doc: Any, display: str, only_page: str | None, into: Insights) -> None:
    """Add one insights response's metrics to ``into``; unknown metrics are skipped, and
    named in ``into.skipped``."""
    data = doc.get("data") if isinstance(doc, dict) else None
    if not isinstance(data, list):
        raise FormatError(display, 'expected an insights response {"data": [metrics]}')
    for i, metric in enumerate(data):
        record = str(i)
        if not isinstance(metric, dict) or not isinstance(metric.get("name"), str):
            raise FormatError(display, "expected a metric with a 'name'", record)
        name = metric["name"]
        record = f"{i} ({name})"
        values = metric.get("values")
        if not isinstance(values, list) or not all(isinstance(v, dict) for v in values):
            raise FormatError(display, "expected 'values' as a list of {\"value\": ...}", record)
        object_id = str(metric.get("id") or "").split("/insights/")[0] or None
        if name in _POST_METRIC_RANK:
            if object_id is None:
                raise FormatError(display, "expected an 'id' naming the post", record)
            col, rank = _POST_METRIC_RANK[name]
            raw = values[-1].get("value") if values else None
            value = None if isinstance(raw, dict | list) else _count(raw, display, record, name)
            if value is None:
                continue
            old = into.post_metrics.get((object_id, col))
            if old is None or rank <= old[0]:
                into.post_metrics[(object_id, col)] = (rank, value)
        elif name in FOLLOWER_METRICS or name == AGE_METRIC:
            page = object_id or only_page
            if page is None:
                raise FormatError(
                    display, "expected an 'id' naming the page (or one page object)", record
                )
            for value in values:
                when = _end_time(value, display, record)
                if name == AGE_METRIC:
                    _add_ages(value.get("value"), (page, when), display, record, into)
                    continue
                followers = _count(value.get("value"), display, record, name)
                if followers is None:
                    continue
                rank = FOLLOWER_METRICS.index(name) + 1  # 0 is kept for page objects
                old_f = into.followers.get((page, when))
                if old_f is None or rank <= old_f[0]:
                    into.followers[(page, when)] = (rank, followers)
        else:
            into.skipped.setdefault(name)


def _add_ages(
    raw: Any, key: tuple[str, datetime], display: str, record: str, into: Insights
) -> None:
    if raw is None:
        return
    if not isinstance(raw, dict):
        raise FormatError(display, f"expected {{'F.25-34': n, ...}}, got {raw!r:.60}", record)
    bands: dict[str, int] = {}
    for k, v in raw.items():
        m = _AGE_KEY.fullmatch(k)
        if m is None:
            raise FormatError(
                display, f"expected keys like 'F.25-34' or 'M.65+', got {k!r}", record
            )
        band = f"{m[1]}-{m[2]}" if m[1] else f"{m[3]}+"
        n = _count(v, display, record, k) or 0
        bands[band] = bands.get(band, 0) + n  # summed over genders
    into.ages[key] = bands


def post_metrics_frame(ins: Insights) -> pl.DataFrame:
    """Standalone post insights as one row per post: post_id, impressions, reach, views."""
    rows: dict[str, dict[str, Any]] = {}
    for (graph_id, col), (_, value) in ins.post_metrics.items():
        post_id = graph_id.split("_", 1)[-1]  # "{page_id}_{post_id}" → the post's own id
        rows.setdefault(post_id, {"post_id": post_id})[col] = value
    schema = {"post_id": pl.Utf8, **{c: pl.Int64 for c in POST_METRICS}}
    return pl.DataFrame(list(rows.values()), schema=schema)


def follower_rows(ins: Insights) -> list[tuple[int, dict[str, Any]]]:
    """(rank, row) per daily follower count, for merging with page objects' counts."""
    return [
        (rank, {"network": "facebook", "account_id": a, "observed_at": t, "followers": n})
        for (a, t), (rank, n) in ins.followers.items()
    ]


def audience_frame(ins: Insights) -> pl.DataFrame:
    """``page_fans_gender_age`` as audience shares (basis followers), one set per end_time."""
    rows = []
    for (account, when), bands in sorted(ins.ages.items()):
        total = sum(bands.values())
        if total <= 0:
            continue
        for band, n in sorted(bands.items(), key=lambda kv: int(re.split(r"[-+]", kv[0])[0])):
            low, _, high = band.rstrip("+").partition("-")
            rows.append(
                {
                    "network": "facebook",
                    "account_id": account,
                    "observed_at": when,
                    "age_band": band,
                    "age_min": int(low),
                    "age_max": int(high) if high else None,
                    "share": n / total,
                    "basis": "followers",
                }
            )
    return plugin.frame("audience_age", rows)
