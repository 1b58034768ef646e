"""``FacebookDemoWriter``: simulated accounts written as the Graph API responses a museum
would save, so ``engage demo`` goes through :class:`FacebookGraphImporter` like real data.

One folder per account: ``page.json`` (the page object), ``posts_0001.json``... (posts pages
of 100 with reactions/comments summaries, ``shares`` absent when zero as Meta does, insights
embedded), ``page_follows.json`` (the follower history) and ``page_fans_gender_age.json`` when
the account has age data. Post ids are written "{page_id}_{post_id}", Facebook's own form.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import polars as pl

from engage_facebook.common import GRAPH_SHAPES, POST_METRICS
from engagecore.plugin import OBSERVED_AT_KEY, DemoAccountData, DemoWriter

PAGE_SIZE: Final = 100
_FIELDS = (
    "id,message,created_time,permalink_url,status_type,parent_id,attachments{type},shares,"
    "reactions.summary(true).limit(0),comments.summary(true).limit(0),"
    "insights.metric(post_impressions,post_total_media_view_unique,post_media_view)"
)
_GRAPH = "https://graph.facebook.com/v23.0"
#: The gender split the writer spreads each age band over (read back summed, so any split).
_GENDERS: Final = (("F", 0.56), ("M", 0.42), ("U", 0.02))


def _time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def graph_post_id(account_id: str, post_id: str) -> str:
    """The Graph id of a post, "{page_id}_{post_id}" (the importer reads the post id back)."""
    return f"{account_id}_{post_id}"


def _post(row: dict[str, Any], account_id: str, handle: str) -> dict[str, Any]:
    local = str(row["post_id"])
    pid = graph_post_id(account_id, local)
    status_type, attachment = GRAPH_SHAPES.get(row["kind"], GRAPH_SHAPES["other"])
    section = "reel" if row["kind"] == "reel" else f"{handle}/posts"
    post: dict[str, Any] = {
        "id": pid,
        "created_time": _time(row["posted_at"]),
        "permalink_url": row["url"] or f"https://www.facebook.com/{section}/{local}",
        "status_type": status_type,
    }
    if row["text"] is not None:
        post["message"] = row["text"]
    if attachment is not None:
        post["attachments"] = {"data": [{"type": attachment}]}
    if not row["is_own"]:
        post["parent_id"] = f"1{account_id}_{local}"  # a post of another page, shared
    if row["shares"]:
        post["shares"] = {"count": row["shares"]}
    for edge, col in (("reactions", "likes"), ("comments", "comments")):
        if row[col] is not None:
            post[edge] = {"data": [], "summary": {"total_count": row[col]}}
    metrics = [
        {
            "name": names[0],
            "period": "lifetime",
            "values": [{"value": row[col]}],
            "id": f"{pid}/insights/{names[0]}/lifetime",
        }
        for col, names in POST_METRICS.items()
        if row[col] is not None
    ]
    if metrics:
        post["insights"] = {"data": metrics}
    return post


def _write(path: Path, doc: dict[str, Any]) -> None:
    # compact, as the Graph API sends it (and json's C encoder: an indent runs its Python one,
    # ~5x slower on the demo's pages)
    path.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


class FacebookDemoWriter(DemoWriter):
    """Writes one simulated Facebook page as saved Graph API responses."""

    network = "facebook"

    def write(self, data: DemoAccountData, folder: Path) -> list[Path]:
        out = folder / f"facebook-{data.handle}"
        out.mkdir(parents=True, exist_ok=True)
        stamp = data.export_date.astimezone(UTC).isoformat()
        page_id = data.account_id
        followers = data.followers.sort("observed_at")
        latest = int(followers["followers"][-1]) if followers.height else None
        page: dict[str, Any] = {
            "id": page_id,
            "name": data.museum_name,
            "username": data.handle,
            "link": f"https://www.facebook.com/{data.handle}",
            OBSERVED_AT_KEY: stamp,
        }
        if latest is not None:
            page["followers_count"] = latest
            page["fan_count"] = latest
        _write(out / "page.json", page)
        rows = data.posts.sort("posted_at", descending=True).to_dicts()
        pages = [rows[i : i + PAGE_SIZE] for i in range(0, len(rows), PAGE_SIZE)] or [[]]
        for n, chunk in enumerate(pages, start=1):
            doc: dict[str, Any] = {
                "data": [_post(r, page_id, data.handle) for r in chunk],
                "paging": {"cursors": {"before": f"b{n}", "after": f"a{n}"}},
                OBSERVED_AT_KEY: stamp,
            }
            if n < len(pages):
                doc["paging"]["next"] = (
                    f"{_GRAPH}/{page_id}/posts?fields={_FIELDS}&limit={PAGE_SIZE}&after=a{n}"
                )
            _write(out / f"posts_{n:04d}.json", doc)
        if followers.height:
            _write(out / "page_follows.json", _follows(page_id, followers))
        if data.audience_age is not None and data.audience_age.height:
            _write(out / "page_fans_gender_age.json", _ages(page_id, data.audience_age, latest))
        return [out]


def _follows(page_id: str, followers: pl.DataFrame) -> dict[str, Any]:
    values = [
        {"value": int(n), "end_time": _time(t)}
        for t, n in followers.select("observed_at", "followers").iter_rows()
    ]
    return {
        "data": [
            {
                "name": "page_follows",
                "period": "day",
                "values": values,
                "title": "Lifetime Total Follows",
                "id": f"{page_id}/insights/page_follows/day",
            }
        ]
    }


def _ages(page_id: str, ages: pl.DataFrame, followers: int | None) -> dict[str, Any]:
    """Shares turned back into counts per gender and age, as Meta reported them."""
    scale = max(followers or 0, 100_000)
    values = []
    for (when,), group in ages.sort("observed_at").group_by(["observed_at"], maintain_order=True):
        counts: dict[str, int] = {}
        for band, share in group.select("age_band", "share").iter_rows():
            for gender, part in _GENDERS:
                counts[f"{gender}.{band}"] = round(share * part * scale)
        values.append({"value": counts, "end_time": _time(when)})
    return {
        "data": [
            {
                "name": "page_fans_gender_age",
                "period": "lifetime",
                "values": values,
                "id": f"{page_id}/insights/page_fans_gender_age/lifetime",
            }
        ]
    }
