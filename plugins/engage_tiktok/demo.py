"""Writes a simulated TikTok account as the TikTok Studio analytics exports its owner downloads.

Layout under ``folder/tiktok-<handle>/`` (one import unit, read by ``tiktok-studio``):

- ``Content.csv``: one row per video, newest first, in Studio's real format (UTF-8 with a
  BOM, CRLF line ends; ``Video title,Video link,Post time,Video views,Likes,Comments,Shares,
  Add to Favorites``; ``Post time`` local time without zone, written in
  :data:`TIMEZONE`, the ``--timezone`` ``engage ingest`` reads it in by default; a count the
  simulation has not is ``--``). Studio's table states no date, so the file's modification
  time is set to when the counts were observed: the importer reads them as of then.
- ``Followers.csv``: one row per day holding a follower snapshot (``Date,New followers,Total
  followers,Reached audience,Engaged audience``; audiences the simulation does not model are
  ``--``, as Studio writes a figure it does not have).

An account with owned audience-age data also gets, beside its folder,
``tiktok-<handle>-business/business_get.json`` (a folder of its own: an import unit that a
folder of several accounts' exports keeps apart): the TikTok API for Business ``/business/get/``
response its owner saves (read by ``tiktok-business``), with ``followers_count`` and
``audience_ages`` — the followers by TikTok's age groups (``18-24`` … ``55+``), each a fraction
of the followers TikTok reports an age for, so that they add up to 1 as in the API's answers
(TikTok reports no one under 18: the simulated 13-17 share is not in the file). TikTok gives
the ages only to accounts of at least 100 followers: below, the response has no
``audience_ages``. Its top-level ``engagecore_observed_at`` is when the ages were observed.

An account that never posted has no Content table to name it (Studio's Followers table names
no account), so it is written as what such an account can download: the "Download your
data" JSON, ``user_data_tiktok.json``, its profile and no video (an import of zero posts;
its follower counts are not in that export). Only the account's own videos are written (a
Studio export lists no repost). Studio's viewers-by-age table is not written: no importer
reads it yet.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from engagecore.plugin import OBSERVED_AT_KEY, DemoAccountData, DemoWriter

from .business import AGE_GROUPS
from .common import NETWORK_NAME, handle_of
from .studio import CONTENT, METRICS

#: The time zone the Content table's ``Post time`` is written in: ``engage ingest``'s default
#: ``--timezone`` (a museum's Studio shows its own local time).
TIMEZONE = "Europe/Paris"
_FOLLOWERS_HEADER = (
    "Date",
    "New followers",
    "Total followers",
    "Reached audience",
    "Engaged audience",
)
_NOT_AVAILABLE = "--"
#: TikTok returns ``audience_ages`` only for accounts of at least this many followers.
MIN_FOLLOWERS_FOR_AGES = 100


def _aware(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _csv(path: Path, header: tuple[str, ...], rows: list[list[str]]) -> None:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text("\ufeff" + out.getvalue(), encoding="utf-8", newline="")


def _cell(value: Any) -> str:
    return _NOT_AVAILABLE if value is None else str(int(value))


def _handle(data: DemoAccountData) -> str:
    handle = handle_of(data.handle)
    if not re.fullmatch(r"[a-z0-9._]{1,64}", handle):
        raise ValueError(f"@{data.handle} is not a TikTok username (letters, digits, '.', '_')")
    return handle


def _age_groups(ages: pl.DataFrame) -> list[dict[str, Any]]:
    """The simulated bands as TikTok's ``audience_ages``: the bands from 18 up gathered into
    its groups (``55+`` takes 55-64 and 65+), as fractions of their sum (TikTok reports no
    one under 18)."""
    shares = dict.fromkeys(AGE_GROUPS, 0.0)
    for lo, share in ages.select("age_min", "share").iter_rows():
        group = next(
            (g for g, (a, b) in AGE_GROUPS.items() if a <= lo and (b is None or lo <= b)), None
        )
        if group is not None and share is not None:
            shares[group] += float(share)
    total = sum(shares.values())
    if total <= 0:
        return []
    return [{"age": g, "percentage": round(s / total, 6)} for g, s in shares.items()]


class TikTokDemoWriter(DemoWriter):
    """Writes one simulated account as TikTok Studio's Content and Followers tables."""

    network = NETWORK_NAME

    def write(self, data: DemoAccountData, folder: Path) -> list[Path]:
        handle = _handle(data)
        root = Path(folder) / f"tiktok-{handle}"
        root.mkdir(parents=True, exist_ok=True)
        own = data.posts.filter(pl.col("is_own"))
        business = self._business(data, handle, Path(folder))
        if own.is_empty():
            return [self._profile_only(data, handle, root), *business]
        tz = ZoneInfo(TIMEZONE)
        rows = []
        for post in own.sort("posted_at", "post_id", descending=[True, False]).iter_rows(
            named=True
        ):
            local = _aware(post["posted_at"]).astimezone(tz)
            rows.append(
                [
                    post["text"] or "",
                    f"https://www.tiktok.com/@{handle}/video/{post['post_id']}",
                    local.strftime("%Y/%m/%d %H:%M:%S"),
                    *(_cell(post[METRICS[column]]) for column in CONTENT[3:]),
                ]
            )
        content = root / "Content.csv"
        _csv(content, CONTENT, rows)
        seen = own["observed_at"].max()
        when = _aware(seen if isinstance(seen, datetime) else data.export_date).timestamp()
        os.utime(content, (when, when))
        self._followers(data, tz, root)
        return [root, *business]

    def _followers(self, data: DemoAccountData, tz: ZoneInfo, root: Path) -> None:
        """One row per local day holding a snapshot (the day's last), oldest first."""
        days: dict[str, int] = {}
        for row in data.followers.sort("observed_at").iter_rows(named=True):
            if row["followers"] is not None:
                day = _aware(row["observed_at"]).astimezone(tz).strftime("%Y/%m/%d")
                days[day] = int(row["followers"])
        if not days:
            return
        rows, before = [], None
        for day, total in days.items():
            new = _NOT_AVAILABLE if before is None else str(max(total - before, 0))
            rows.append([day, new, str(total), _NOT_AVAILABLE, _NOT_AVAILABLE])
            before = total
        _csv(root / "Followers.csv", _FOLLOWERS_HEADER, rows)

    def _business(self, data: DemoAccountData, handle: str, folder: Path) -> list[Path]:
        """The ``/business/get/`` response of an account with age data (none without)."""
        ages = data.audience_age
        if ages is None or ages.is_empty():
            return []
        seen = _aware(ages["observed_at"].max())  # type: ignore[arg-type]
        # the account's followers when the ages were read: its last snapshot by then
        before = data.followers.filter(pl.col("observed_at") <= seen).drop_nulls("followers")
        followers = int(before["followers"][-1]) if before.height else None
        doc_data: dict[str, Any] = {
            "is_business_account": True,
            "username": handle,
            "display_name": data.museum_name,
            "followers_count": followers,
        }
        if followers is not None and followers >= MIN_FOLLOWERS_FOR_AGES:
            doc_data["audience_ages"] = _age_groups(ages.filter(pl.col("observed_at") == seen))
        doc = {
            OBSERVED_AT_KEY: seen.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "code": 0,
            "message": "OK",
            "request_id": f"{seen:%Y%m%d%H%M%S}{zlib.crc32(handle.encode()):08X}",
            "data": doc_data,
        }
        unit = folder / f"tiktok-{handle}-business"
        unit.mkdir(parents=True, exist_ok=True)
        path = unit / "business_get.json"
        path.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
        os.utime(path, (seen.timestamp(), seen.timestamp()))
        return [unit]

    def _profile_only(self, data: DemoAccountData, handle: str, root: Path) -> Path:
        """The "Download your data" export of an account without videos."""
        doc = {
            "Activity": None,
            "Post": {"Posts": {"VideoList": None}},
            "Profile": {
                "Profile Information": {
                    "ProfileMap": {
                        "userName": handle,
                        "bioDescription": f"{data.museum_name} sur TikTok",
                    }
                }
            },
        }
        path = root / "user_data_tiktok.json"
        path.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
        when = _aware(data.export_date).timestamp()
        os.utime(path, (when, when))
        return path
