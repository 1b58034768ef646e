"""``tiktok-business``: the TikTok API for Business account endpoint, saved as JSON — the
account's followers and their ages.

The response of ``GET https://business-api.tiktok.com/open_api/v1.3/business/get/`` ("Get
profile data of a TikTok account", TikTok API for Business,
https://business-api.tiktok.com/portal/docs?id=1762228399168514; asked with ``business_id``,
``start_date``/``end_date`` and ``fields``, a JSON list such as ``["username",
"display_name", "followers_count", "audience_ages", "audience_genders"]``). Its fields as
documented, transcribed in the API's Go client ``bububa/tiktok-business``
(``model/business/insight.go``: ``audience_ages`` items ``{age, percentage}``, the age one of
18-24, 25-34, 35-44, 45-54, 55+; returned only for accounts of at least 100 followers) and
used by the Python client ``sns-sdks/python-tiktok`` (``get_account_data``; an error is a
``code`` other than 0)::

    {"code": 0, "message": "OK", "request_id": "…",
     "data": {"username": "museedemo", "display_name": "Musée Démo", "followers_count": 4845,
              "audience_ages": [{"age": "18-24", "percentage": 0.31}, …],
              "audience_genders": [{"gender": "Female", "percentage": 0.62}, …],
              "metrics": [{"date": "2025-10-30", "followers_count": 4838, …}, …]}}

What it gives:

- the account: ``username`` (the handle, as in ``https://www.tiktok.com/@handle``) and
  ``display_name``; a response asked without ``username`` names no account: ``--account``;
- ``followers_count`` → a follower snapshot when the response was saved, and each
  ``metrics[]`` day's ``followers_count`` (the date is in UTC, the documentation says) → a
  snapshot at the end of that day, UTC;
- ``audience_ages`` → the account's audience by age, **basis followers** (TikTok: "the
  distribution of followers by age"), one row per documented group (``18-24``, ``25-34``,
  ``35-44``, ``45-54``, ``55+``) with its ``percentage`` (a fraction, 0–1) as the share.
  TikTok reports no one under 18: the mass it withholds (when the groups sum to less than 1)
  is left unassigned, which the young-share interval of ``engage score`` bounds.
  TikTok returns the demographics only for accounts with at least 100 followers: without
  them, no age rows. ``audience_genders`` (Female, Male, Other) and the countries and cities
  are not stored (the model has no table for them).

A response with ``code`` other than 0 is refused with TikTok's code and message. The
response states no time of its own: its figures are observed at its top-level
``engagecore_observed_at`` when present, else the file's modification time.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from engagecore.plugin import (
    Batch,
    FormatError,
    Importer,
    ReadContext,
    Source,
    count_at,
    frame,
    observed_at,
    option,
)

from .common import NETWORK_NAME, day_end, handle_of, one_account

_WHITESPACE = re.compile(rb"\s+")
#: The age groups TikTok documents for ``audience_ages`` → (age_min, age_max).
AGE_GROUPS: dict[str, tuple[int, int | None]] = {
    "18-24": (18, 24),
    "25-34": (25, 34),
    "35-44": (35, 44),
    "45-54": (45, 54),
    "55+": (55, None),
}
#: How far the groups' percentages may add up past 1 (TikTok rounds them).
SUM_SLACK = 0.01
#: The largest response read (one account's profile: a few kilobytes).
MAX_RESPONSE = 16 * 1024 * 1024
_UTC = ZoneInfo("UTC")


def _score(head: bytes) -> float:
    head = _WHITESPACE.sub(b"", head)
    if b'"request_id":' not in head or b'"code":' not in head:
        return 0.0
    if b'"data":{' in head and any(
        key in head
        for key in (
            b'"audience_ages":',
            b'"followers_count":',
            b'"is_business_account":',
            b'"profile_image":',
        )
    ):
        return 0.9
    if re.search(rb'"code":[1-9][0-9]*,', head) and b'"message":' in head:
        return 0.85  # an error answer of the API for Business: claimed, to say what TikTok said
    return 0.0


def _percentage(value: Any, where: str, record: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise FormatError(
            where, f"expected a percentage as a fraction between 0 and 1, got {value!r}", record
        )
    return float(value)


class TikTokBusinessImporter(Importer):
    """TikTok API for Business ``/business/get/``: followers and their ages."""

    name = "tiktok-business"
    network = NETWORK_NAME
    description = (
        "TikTok API for Business /business/get/ responses (JSON): followers_count, daily "
        "followers, audience_ages (followers by age)"
    )

    def _members(self, source: Source) -> list[str]:
        names = [n for n in source.names() if n.lower().endswith(".json")]
        if source.kind == "file":
            names = source.names()
        return [n for n in names if _score(source.head(n, 4096)) > 0]

    def detect(self, source: Source) -> float:
        names = source.names()
        members = self._members(source)
        if not members or (source.kind != "file" and len(members) != len(names)):
            return 0.0
        return max(_score(source.head(n, 4096)) for n in members)

    def read(self, source: Source, ctx: ReadContext) -> Batch:
        members = self._members(source)
        if not members:
            raise FormatError(
                source.display(),
                'expected a TikTok API for Business /business/get/ response ({"code": 0, '
                '"request_id": …, "data": {"followers_count": …, "audience_ages": …}})',
            )
        accounts: dict[str, str | None] = {}
        snapshots: dict[datetime, int] = {}
        ages: list[dict[str, Any]] = []
        for name in sorted(members):
            where = source.display(name)
            doc = self._load(source, name, where)
            seen = observed_at(source, name, doc)
            data = doc["data"]
            handle = data.get("username")
            if handle is not None:
                if not isinstance(handle, str) or not handle.strip():
                    raise FormatError(where, f"data.username: expected a handle, got {handle!r}")
                display = data.get("display_name")
                accounts[handle_of(handle)] = display if isinstance(display, str) else None
            followers = count_at(data.get("followers_count"), "data.followers_count", where)
            if followers is not None:
                snapshots[seen] = followers
            metrics = data.get("metrics") or []
            if not isinstance(metrics, list):
                raise FormatError(where, "expected data.metrics to be a list of days")
            for i, day in enumerate(metrics):
                record = f"metrics[{i}]"
                if not isinstance(day, dict):
                    raise FormatError(where, "expected a day object", record)
                n = count_at(day.get("followers_count"), "followers_count", where, record)
                if n is not None:
                    date = day.get("date")
                    text = date if isinstance(date, str) else repr(date)
                    snapshots[day_end(text, _UTC, where, record, "date")] = n
            ages.extend(self._ages(data.get("audience_ages"), where, seen))
        account = self._account(source, ctx, accounts)
        batch = Batch(
            accounts=frame(
                "accounts",
                [
                    {
                        "network": NETWORK_NAME,
                        "account_id": account,
                        "handle": account,
                        "display_name": accounts.get(account),
                    }
                ],
            ),
            museum_hints={account: display} if (display := accounts.get(account)) else {},
        )
        if snapshots:
            batch.follower_snapshots = frame(
                "follower_snapshots",
                [
                    {
                        "network": NETWORK_NAME,
                        "account_id": account,
                        "observed_at": at,
                        "followers": n,
                    }
                    for at, n in sorted(snapshots.items())
                ],
            )
        if ages:
            batch.audience_age = frame(
                "audience_age",
                [{"network": NETWORK_NAME, "account_id": account, **row} for row in ages],
            ).unique(subset=["observed_at", "age_band"], keep="last", maintain_order=True)
        if not snapshots and not ages:
            batch.empty_reason = (
                "the response holds neither followers_count nor audience_ages (ask "
                "/business/get/ for fields followers_count and audience_ages)"
            )
        return batch

    @staticmethod
    def _load(source: Source, name: str, where: str) -> dict[str, Any]:
        with source.stream(name) as fh:
            raw = fh.read(MAX_RESPONSE + 1)
        if len(raw) > MAX_RESPONSE:
            raise FormatError(where, "expected one account's response, not a file over 16 MB")
        try:
            doc = json.loads(raw.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise FormatError(where, f"expected a whole JSON response ({exc})") from None
        if not isinstance(doc, dict):
            raise FormatError(where, "expected a JSON object (one /business/get/ response)")
        code = doc.get("code")
        if code != 0:
            raise FormatError(
                where, f"the response is an error: code {code!r}: {doc.get('message')}"
            )
        if not isinstance(doc.get("data"), dict):
            raise FormatError(where, "expected a 'data' object")
        return doc

    @staticmethod
    def _ages(value: Any, where: str, seen: datetime) -> list[dict[str, Any]]:
        if value is None:
            return []  # not asked for, or an account under 100 followers
        if not isinstance(value, list):
            raise FormatError(where, "expected data.audience_ages to be a list of age groups")
        rows: list[dict[str, Any]] = []
        total = 0.0
        for i, group in enumerate(value):
            record = f"audience_ages[{i}]"
            age = group.get("age") if isinstance(group, dict) else None
            band = age.strip().replace(" ", "") if isinstance(age, str) else None
            if band not in AGE_GROUPS:
                raise FormatError(
                    where,
                    f"expected an age group among {', '.join(AGE_GROUPS)}, got {age!r}",
                    record,
                )
            assert isinstance(group, dict) and band is not None
            lo, hi = AGE_GROUPS[band]
            share = _percentage(group.get("percentage"), where, record)
            total += share
            rows.append(
                {
                    "observed_at": seen,
                    "age_band": band,
                    "age_min": lo,
                    "age_max": hi,
                    "share": share,
                    "basis": "followers",
                }
            )
        if total > 1 + SUM_SLACK:
            raise FormatError(
                where,
                f"expected audience_ages percentages adding up to at most 1, got {total:.4f}",
            )
        return rows

    @staticmethod
    def _account(source: Source, ctx: ReadContext, accounts: dict[str, str | None]) -> str:
        return one_account(
            ctx,
            source.display(),
            accounts.keys(),
            several="holds responses of several accounts ({shown}); import each on its own",
            missing="the response names no account (asked without the username field): pass "
            f"{option('account', 'HANDLE')}",
        )
