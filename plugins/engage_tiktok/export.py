"""``tiktok-export``: TikTok's "Download your data" export in JSON.

``user_data_tiktok.json`` (``user_data.json`` in older exports), alone or in its zip or
folder. Posted videos are at ``Post.Posts.VideoList`` (older exports:
``Video.Videos.VideoList``), each ``{"Date": "2025-05-01 12:00:00" (UTC), "Link", "Likes"
(a string), "Title", …}``: likes only — views, comments and shares are not in the export
(NULL). The video id is the number in ``Link``; the account is ``userName`` of
``Profile.Profile Information.ProfileMap``, else the handle in a link, else ``--account``.
Most sections are ``null`` for an account that never posted: such an export is an import of
zero posts, said so, not an error. The export states no date: the likes are observed at the
file's modification time.
"""

from __future__ import annotations

import re
from typing import Any

from engagecore import plugin
from engagecore.plugin import (
    Batch,
    FormatError,
    Importer,
    ReadContext,
    Source,
    check_named,
    given_account,
    option,
)

from .common import (
    NETWORK_NAME,
    SHARE_LINK,
    VIDEO_LINK,
    count,
    handle_of,
    modified_at,
    utc_time,
)

_NAMES = ("user_data_tiktok.json", "user_data.json")
_WHITESPACE = re.compile(rb"\s+")
#: Keys of the export's first level (sorted by TikTok: "Activity" comes first).
_SECTIONS = (b'"Activity":', b'"Ads and data":', b'"App Settings":', b'"Comment":')
_VIDEO_PATHS = (("Post", "Posts", "VideoList"), ("Video", "Videos", "VideoList"))


def _score(source: Source, name: str) -> float:
    head = _WHITESPACE.sub(b"", source.head(name, 8192))
    if not head.startswith((b"{", b"\xef\xbb\xbf{")):
        return 0.0
    if b'"VideoList":' in head or b'"ProfileMap":' in head:
        return 0.9
    base = name.rsplit("/", 1)[-1].lower()
    if base in _NAMES and any(s.replace(b" ", b"") in head for s in _SECTIONS):
        return 0.9
    return 0.0


def _dig(data: Any, path: tuple[str, ...]) -> tuple[bool, Any]:
    """(whether the path exists, the value there)."""
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return False, None
        data = data[key]
    return True, data


class TikTokExportImporter(Importer):
    """Posted videos (likes) of TikTok's "Download your data" JSON export."""

    name = "tiktok-export"
    network = NETWORK_NAME
    description = (
        'TikTok "Download your data" JSON export (user_data_tiktok.json, alone or in its zip '
        "or folder): posted videos with their likes"
    )

    def _member(self, source: Source) -> str | None:
        if source.kind == "file":
            names = source.names()
            return names[0] if names and names[0].lower().endswith(".json") else None
        found = source.glob(*_NAMES)
        return found[0] if len(found) == 1 else None

    def detect(self, source: Source) -> float:
        member = self._member(source)
        if member is None:
            return 0.0
        if source.kind == "folder" and len(source.names()) > 1:
            return 0.0  # a folder holding the export beside other files: walk into it
        return _score(source, member)

    def read(self, source: Source, ctx: ReadContext) -> Batch:
        member = self._member(source)
        if member is None:
            raise FormatError(
                source.display(), "expected TikTok's user_data_tiktok.json (Download your data)"
            )
        where = source.display(member)
        data = source.read_json(member)
        if not isinstance(data, dict):
            raise FormatError(where, f"expected a JSON object, got {type(data).__name__}")
        videos: list[Any] = []
        path_seen = False
        for path in _VIDEO_PATHS:
            exists, value = _dig(data, path)
            if not exists and not _dig(data, path[:1])[0]:
                continue
            path_seen = True
            if value is None:
                continue  # a section TikTok leaves null: no video
            if not isinstance(value, list):
                raise FormatError(where, f"expected {'.'.join(path)} to be a list")
            videos = value
            break
        if not path_seen and not any(k in data for k in ("Profile", "Activity", "Your Activity")):
            raise FormatError(
                where,
                "expected TikTok's Download your data export (Post.Posts.VideoList or "
                f"Video.Videos.VideoList), found keys {sorted(data)[:6]}",
            )
        handles: set[str] = set()
        seen = modified_at(source, member)
        posts: dict[str, dict[str, Any]] = {}
        for i, item in enumerate(videos):
            record = f"VideoList[{i}]"
            if not isinstance(item, dict):
                raise FormatError(where, "expected an object {Date, Link, Likes}", record)
            link = item.get("Link")
            m = SHARE_LINK.search(link) if isinstance(link, str) else None
            if m is None:
                raise FormatError(
                    where, f"'Link': expected a TikTok video link, got {link!r}", record
                )
            named = VIDEO_LINK.match(link) if isinstance(link, str) else None
            if named is not None:
                handles.add(handle_of(named["handle"]))
            title = item.get("Title") if isinstance(item.get("Title"), str) else None
            posts[m["id"]] = {
                "post_id": m["id"],
                "posted_at": utc_time(item.get("Date"), where, record, "Date"),
                "text": title if title and title.strip() else None,
                "likes": count(item.get("Likes"), where, record, "Likes"),
            }
        account = self._account(data, handles, ctx, where)
        rows = [
            {
                "network": NETWORK_NAME,
                "account_id": account,
                "kind": "video",
                "is_own": True,
                "hashtags": plugin.hashtags(p["text"] or ""),
                "mentions": plugin.mentions(p["text"] or ""),
                "url": f"https://www.tiktok.com/@{account}/video/{p['post_id']}",
                "observed_at": seen,
                **p,
            }
            for p in sorted(posts.values(), key=lambda p: (p["posted_at"], p["post_id"]))
        ]
        batch = Batch(
            accounts=plugin.frame(
                "accounts", [{"network": NETWORK_NAME, "account_id": account, "handle": account}]
            ),
            posts=plugin.frame("posts", rows),
        )
        if not rows:
            batch.empty_reason = (
                "the export holds no posted video (its Post section is empty: an account that "
                "never posted, or whose videos were deleted)"
            )
        return batch

    def _account(
        self, data: dict[str, Any], handles: set[str], ctx: ReadContext, where: str
    ) -> str:
        profile = None
        for key in ("Profile Information", "Profile Info"):
            exists, value = _dig(data, ("Profile", key, "ProfileMap", "userName"))
            if exists and isinstance(value, str) and value.strip():
                profile = handle_of(value)
                break
        named = {profile} if profile else handles
        if len(named) > 1:
            shown = ", ".join(f"@{h}" for h in sorted(named))
            raise FormatError(where, f"names several accounts ({shown})")
        if named:
            handle = next(iter(named))
            check_named(ctx, where, [(handle, handle)])
            return handle
        given = given_account(ctx)
        if given is None:
            raise FormatError(
                where,
                "the export names no account (no Profile.Profile Information.ProfileMap."
                f"userName): pass {option('account', 'HANDLE')}",
            )
        return handle_of(given)
