"""Saved ``app.bsky.actor.getProfile`` (and ``getProfiles``) responses: the account and a
follower snapshot.

``getProfile`` returns one ``profileViewDetailed`` (``did``, ``handle``, ``displayName``,
``followersCount``, ``followsCount``, ``postsCount``, ``createdAt``, ``indexedAt``, …);
``getProfiles`` returns ``{"profiles": [profileViewDetailed, …]}``. Each profile gives the
account (DID as ``account_id``, handle, display name) and, when ``followersCount`` is present,
the follower count observed at the response's ``engagecore_observed_at`` (else the file's
modification time). The profile's ``createdAt`` is the account's creation date
(``accounts.created_at``, schema version 4); the AppView gives ``0001-01-01T00:00:00.000Z``
for accounts older than the field, read as unknown (NULL). A source is one response, a JSON array of them, or a folder or zip of them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from engagecore.plugin import (
    Batch,
    FormatError,
    Importer,
    ReadContext,
    Source,
    check_named,
    count_at,
    detect_each,
    frame,
    member_files,
    observed_at,
    text_at,
)

from .common import NETWORK, load, parse_time


def _detect_member(source: Source, member: str) -> float:
    head = source.head(member, 4096).decode("utf-8", "ignore").lstrip("\ufeff \t\r\n[")
    if not head.startswith("{") or '"feed"' in head:
        return 0.0
    if '"did:' in head and '"handle"' in head and '"followersCount"' in head:
        return 0.95
    return 0.0


def _read_profile(
    profile: Any,
    where: str,
    record: str | None,
    seen: datetime,
    accounts: dict[str, dict[str, Any]],
    snapshots: dict[tuple[str, datetime], int],
    hints: dict[str, str],
) -> None:
    if not isinstance(profile, dict):
        raise FormatError(where, "expected a profile object", record)
    did = text_at(profile.get("did"), "did", where, record)
    if not did or not did.startswith("did:"):
        raise FormatError(where, f"expected the account's did (did:plc:…), got {did!r}", record)
    handle = text_at(profile.get("handle"), "handle", where, record)
    name = text_at(profile.get("displayName"), "displayName", where, record) or None
    created = None
    if profile.get("createdAt") is not None:
        created = parse_time(profile["createdAt"], where, record or did, "createdAt")
        if created.year == 1:  # the AppView's "not recorded" (accounts older than the field)
            created = None
    accounts[did] = {
        "network": NETWORK,
        "account_id": did,
        "handle": handle,
        "display_name": name,
        "created_at": created,
    }
    if name:
        hints[did] = name
    followers = count_at(profile.get("followersCount"), "followersCount", where, record)
    if followers is not None:
        snapshots[(did, seen)] = followers


class BlueskyProfileImporter(Importer):
    """Reads saved ``app.bsky.actor.getProfile`` / ``getProfiles`` responses."""

    name = "bluesky-profile"
    network = NETWORK
    description = (
        "Bluesky app.bsky.actor.getProfile / getProfiles JSON: the account and its "
        "followersCount; a response, a JSON array of them, or a folder/zip of them"
    )

    def detect(self, source: Source) -> float:
        return detect_each(source, _detect_member)

    def read(self, source: Source, ctx: ReadContext) -> Batch:
        names = member_files(source, "getProfile responses (*.json)")
        accounts: dict[str, dict[str, Any]] = {}
        snapshots: dict[tuple[str, datetime], int] = {}
        hints: dict[str, str] = {}
        for member in names:
            where = source.display(member)
            doc = load(source, member, "did")
            pages = doc if isinstance(doc, list) else [doc]
            for p, page in enumerate(pages):
                prefix = f"[{p}]" if isinstance(doc, list) else ""
                seen = observed_at(source, member, page if isinstance(page, dict) else None)
                if isinstance(page, dict) and "error" in page and "did" not in page:
                    raise FormatError(
                        where,
                        f"is a saved XRPC error ({page.get('error')}: "
                        f"{page.get('message', '')}), not a profile",
                        prefix or None,
                    )
                if isinstance(page, dict) and isinstance(page.get("profiles"), list):
                    for i, profile in enumerate(page["profiles"]):
                        _read_profile(
                            profile,
                            where,
                            f"{prefix}profiles[{i}]",
                            seen,
                            accounts,
                            snapshots,
                            hints,
                        )
                else:
                    _read_profile(page, where, prefix or None, seen, accounts, snapshots, hints)
        check_named(
            ctx, source.display(), [(a["account_id"], a["handle"]) for a in accounts.values()]
        )
        return Batch(
            accounts=frame("accounts", list(accounts.values())),
            follower_snapshots=frame(
                "follower_snapshots",
                [
                    {"network": NETWORK, "account_id": a, "observed_at": t, "followers": n}
                    for (a, t), n in sorted(snapshots.items())
                ],
            ),
            museum_hints=hints,
        )
