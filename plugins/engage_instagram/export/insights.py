"""Professional-account insights of a "Download your information" export.

``logged_information/past_instagram_insights/``: ``posts.json`` / ``reels.json`` /
``stories.json`` (``organic_insights_*``: one entry per media, counts as locale-formatted
strings under UI-language labels) and ``audience_insights.json`` (follower count and the
follower age distribution as one "13-17: 0.6%, 18-24: 41.1%, ..." string).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engage_instagram.common import from_unix, media_id
from engage_instagram.export import labels
from engage_instagram.export.posts import PostRecord, media_kind
from engagecore import plugin
from engagecore.plugin import FormatError

#: organic_insights_* keys that hold one entry per media, and the kind of that media.
MEDIA_INSIGHT_KEYS = {
    "organic_insights_posts": None,
    "organic_insights_reels": "reel",
    "organic_insights_stories": "story",
}

_COMPACT = re.compile(r"^(\d+(?:[.,]\d+)?)\s*([KkMm])$")
_AGE_ITEM = re.compile(r"(\d{1,3})\s*(?:[-–]\s*(\d{1,3})|\+)\s*:\s*(\d+(?:[.,]\d+)?)\s*%")
_AGE_SEPARATORS = re.compile(r"[\s,;]+")


@dataclass
class MediaInsight:
    """One ``organic_insights_*`` entry: which media it is about and its counts."""

    index: int
    uri: str | None
    created: datetime
    title: str | None
    kind_hint: str | None
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class Audience:
    """What audience_insights.json says: follower count and age shares (0–1)."""

    followers: int | None = None
    ages: list[tuple[str, int, int | None, float]] = field(default_factory=list)


def _value(entry: Any) -> Any:
    """A string_map_data value: ``{"href", "value", "timestamp"}`` or a bare value."""
    return entry.get("value") if isinstance(entry, dict) else entry


def parse_count(value: Any) -> int | None:
    """A locale-formatted count ("1.234", "1,234", "1 234", "12.3K"); "--" is NULL."""
    if isinstance(value, str) and value.strip() in ("--", "—-"):
        return None
    try:
        return plugin.parse_count(value)
    except ValueError:
        m = _COMPACT.match(str(value).strip())
        if m is None:
            raise
        scale = 1_000 if m.group(2) in "Kk" else 1_000_000
        n = round(float(m.group(1).replace(",", ".")) * scale)
        return plugin.parse_count(n)  # the same limit as any count


def _thumbnail(entry: dict[str, Any]) -> dict[str, Any] | None:
    """The media described by an insights entry ("Media Thumbnail", whatever its label)."""
    mmd = entry.get("media_map_data")
    if isinstance(mmd, dict):
        for v in mmd.values():
            if isinstance(v, dict) and "creation_timestamp" in v:
                return v
    return None


def _created_from_labels(smd: dict[str, Any]) -> Any:
    for label, v in smd.items():
        if "timestamp" in labels.label_key(label) and isinstance(v, dict) and v.get("timestamp"):
            return v["timestamp"]
    return None


def media_insights(data: dict[str, Any], where: str) -> list[MediaInsight]:
    """Every per-media entry of an ``organic_insights_posts/reels/stories`` file."""
    out = []
    for key, hint in MEDIA_INSIGHT_KEYS.items():
        entries = data.get(key)
        if entries is None:
            continue
        if not isinstance(entries, list):
            raise FormatError(where, f"expected '{key}' to be a list")
        for i, entry in enumerate(entries):
            if not isinstance(entry, dict):
                raise FormatError(where, "expected an object with string_map_data", i)
            smd = entry.get("string_map_data") or {}
            if not isinstance(smd, dict):
                raise FormatError(where, "expected 'string_map_data' to be an object", i)
            thumb = _thumbnail(entry) or {}
            raw_ts = thumb.get("creation_timestamp") or _created_from_labels(smd)
            try:
                created = from_unix(raw_ts)
            except ValueError:
                created = None
            if created is None:
                raise FormatError(
                    where,
                    "expected media_map_data['Media Thumbnail'].creation_timestamp "
                    f"(unix seconds), got {raw_ts!r}",
                    i,
                )
            counts: dict[str, int] = {}
            for label, v in smd.items():
                column = labels.METRIC_LABELS.get(labels.label_key(label))
                if column is None:
                    continue
                raw = _value(v)
                try:
                    n = parse_count(raw)
                except ValueError as exc:
                    raise FormatError(
                        where, f"{label!r}: expected a count, got {raw!r}", i
                    ) from exc
                if n is not None:
                    counts[column] = n
            uri = thumb.get("uri") if isinstance(thumb.get("uri"), str) else None
            title = thumb.get("title") if isinstance(thumb.get("title"), str) else None
            out.append(MediaInsight(i, uri or None, created, title or None, hint, counts))
    return out


def parse_age_distribution(text: str) -> list[tuple[str, int, int | None, float]] | None:
    """ "13-17: 0.6%, 18-24: 41.1%, 65+: 1.8%" → bands with shares 0–1; None when the text
    is not such a list (comma decimals like "41,1%" are accepted)."""
    items = list(_AGE_ITEM.finditer(text))
    if not items or _AGE_SEPARATORS.sub("", _AGE_ITEM.sub("", text)):
        return None
    out = []
    for m in items:
        lo = int(m.group(1))
        hi = int(m.group(2)) if m.group(2) else None
        band = f"{lo}-{hi}" if hi is not None else f"{lo}+"
        out.append((band, lo, hi, float(m.group(3).replace(",", ".")) / 100.0))
    return out


def _is_gendered(label: str) -> bool:
    words = set(re.findall(r"\w+", labels.label_key(label)))
    return bool(words & labels.GENDER_WORDS)


def audience(data: dict[str, Any], where: str) -> Audience:
    """Follower count and all-genders age distribution of audience_insights.json.

    The age label is looked up in every language we know; for another language the first
    age distribution whose label names no gender is taken (Meta lists all genders first).
    """
    entries = data.get("organic_insights_audience")
    if not isinstance(entries, list):
        raise FormatError(where, "expected 'organic_insights_audience' to be a list")
    result = Audience()
    for i, entry in enumerate(entries):
        smd = entry.get("string_map_data") if isinstance(entry, dict) else None
        if not isinstance(smd, dict):
            raise FormatError(where, "expected an object with string_map_data", i)
        fallback: list[tuple[str, int, int | None, float]] | None = None
        for label, v in smd.items():
            key = labels.label_key(label)
            raw = _value(v)
            if key in labels.FOLLOWERS_LABELS and result.followers is None:
                if isinstance(raw, str) and "%" in raw:
                    continue
                try:
                    result.followers = parse_count(raw)
                except ValueError as exc:
                    raise FormatError(
                        where, f"{label!r}: expected a follower count, got {raw!r}", i
                    ) from exc
            elif key in labels.AGE_ALL_LABELS and not result.ages:
                ages = parse_age_distribution(str(raw or ""))
                if ages is None and raw:
                    raise FormatError(
                        where,
                        f"{label!r}: expected age shares like '18-24: 41.1%, 25-34: 30%', "
                        f"got {raw!r}",
                        i,
                    )
                result.ages = ages or []
            elif fallback is None and isinstance(raw, str) and not _is_gendered(label):
                fallback = parse_age_distribution(raw)
        if not result.ages and fallback:
            result.ages = fallback
    return result


def attach(posts: list[PostRecord], insights: list[MediaInsight]) -> list[PostRecord]:
    """Join insights to posts: on the media id of the thumbnail's file name, else on the
    creation timestamp (caption breaking ties). An insight with no post becomes a post."""
    by_id: dict[str, PostRecord] = {}
    by_ts: dict[int, list[PostRecord]] = {}

    def index(p: PostRecord) -> None:
        for mid in (p.post_id, *p.media_ids):
            by_id.setdefault(mid, p)
        for ts in p.timestamps:
            by_ts.setdefault(ts, []).append(p)

    for p in posts:
        index(p)
    out = list(posts)
    for ins in insights:
        post = by_id.get(media_id(ins.uri)) if ins.uri else None
        ts = int(ins.created.timestamp())
        if post is None:
            candidates = by_ts.get(ts, [])
            same_text = [p for p in candidates if p.text == ins.title]
            post = (same_text or candidates)[0] if candidates else None
        if post is None:
            kind = ins.kind_hint or (media_kind({"uri": ins.uri}) if ins.uri else "other")
            pid = media_id(ins.uri) if ins.uri else f"ts-{ts}"
            post = PostRecord(pid, ins.created, kind, ins.title, {pid}, {ts})
            out.append(post)
            index(post)
        for column, n in ins.counts.items():
            post.counts.setdefault(column, n)
    return out
