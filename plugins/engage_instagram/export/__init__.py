"""``instagram-export``: Instagram's "Download your information" JSON export.

Reads a whole export (zip or folder) or one of its files on its own. Files are found by
name wherever a version of the export put them (``media.json`` ≤2020,
``content/posts_1.json``, ``your_instagram_activity/content|media/posts_N.json``,
``reels.json``, ``stories.json``), then recognised by their content.

``observed_at`` of every count: the newest creation time the export reveals (posts, media
and insights entries), or the export's date when its zip or folder keeps Meta's name
(``instagram-USERNAME-YYYY-MM-DD-...``) and that date is later; with neither, the file's
modification time. The export holds no generation time of its own.

The account is the username of ``personal_information/personal_information.json`` (or of
the ≤2020 ``profile.json``); only when the export names none is ``--account`` used, and
without either the read fails asking for it.
"""

from __future__ import annotations

import fnmatch
import re
from datetime import UTC, datetime
from typing import Any

import polars as pl

from engage_instagram.common import (
    NETWORK_NAME,
    account_option,
    fix_mojibake_in_place,
    load_json,
    squashed_head,
)
from engage_instagram.export import insights as export_insights
from engage_instagram.export import labels
from engage_instagram.export.posts import (
    WRAPPER_KINDS,
    PostRecord,
    posts_from_legacy,
    posts_from_list,
)
from engagecore import plugin
from engagecore.plugin import (
    Batch,
    FormatError,
    Importer,
    ReadContext,
    Source,
    check_named,
    check_time,
    option,
)

#: Member names that may hold what we read, wherever the export version put them.
_CANDIDATES = (
    "posts_[0-9]*.json",
    "reels.json",
    "stories.json",
    "igtv_videos.json",
    "media.json",
    "past_instagram_insights/*.json",
    "personal_information/personal_information.json",
    "profile.json",
)
#: How many candidate files' heads detection reads before concluding none is Instagram's.
_MAX_SNIFFED = 32
#: Folders that only Instagram exports have.
_INSTAGRAM_DIRS = ("your_instagram_activity/", "past_instagram_insights/")
#: Top-level folders of an export, to find where an export starts inside a zip or folder.
_ROOT_DIRS = (
    "your_instagram_activity/",
    "logged_information/",
    "personal_information/",
    "content/",
    "media/",
)
_EXPORT_DATE = re.compile(r"^instagram-.+?-(\d{4})-(\d{2})-(\d{2})(?:[-_.]|$)")
_STRONG_KEYS = (
    b'"ig_reels_media"',
    b'"ig_stories"',
    b'"ig_igtv_media"',
    b'"organic_insights_posts"',
    b'"organic_insights_reels"',
    b'"organic_insights_stories"',
)


def signature(head: bytes) -> float:
    """How surely whitespace-free first bytes are an Instagram export file."""
    if any(k in head for k in _STRONG_KEYS):
        return 0.95
    if head.startswith(b'[{"media":[{') and b'"uri"' in head and b'"creation_timestamp"' in head:
        return 0.95
    if b'"organic_insights_audience"' in head:
        return 0.9
    if b'"taken_at"' in head and (b'"photos":[' in head or b'"videos":[' in head):
        return 0.9
    if b'"profile_user"' in head or (b'"date_joined"' in head and b'"username"' in head):
        return 0.6
    return 0.0


def _root(name: str) -> str:
    """The folder an export starts in, from one of its member names."""
    hits = [
        i for d in _ROOT_DIRS for i in [name.find(d)] if i == 0 or (i > 0 and name[i - 1] == "/")
    ]
    if hits:
        return name[: min(hits)]
    return name.rsplit("/", 1)[0] + "/" if "/" in name else ""


def _members(source: Source) -> dict[str, float]:
    """Members that are Instagram export files, with how sure we are of each."""
    if source.kind == "file":
        name = source.names()[0]
        if not name.lower().endswith(".json"):
            return {}
        score = signature(squashed_head(source, name))
        return {name: score} if score else {}
    found = {}
    sniffed = 0
    for name in source.glob(*_CANDIDATES):
        if any(d in name for d in _INSTAGRAM_DIRS):
            found[name] = 0.95
            continue
        if sniffed >= _MAX_SNIFFED and not found:
            # Dozens of posts_N.json that are not Instagram's (e.g. saved Graph API pages of
            # another network): stop reading heads; detection must stay cheap.
            break
        sniffed += 1
        score = signature(squashed_head(source, name))
        if score:
            found[name] = score
    return found


def _html_only(source: Source) -> bool:
    return any(n.endswith(".html") and any(d in n for d in _INSTAGRAM_DIRS) for n in source.names())


class InstagramExportImporter(Importer):
    """Posts, insights counts, follower count and follower ages of a DYI export."""

    name = "instagram-export"
    network = NETWORK_NAME
    description = (
        'Instagram "Download your information" JSON export (zip, folder or one of its files: '
        "posts_1.json, reels.json, stories.json, media.json, past_instagram_insights/*.json)"
    )

    def detect(self, source: Source) -> float:
        members = _members(source)
        if not members:
            return 0.9 if source.kind != "file" and _html_only(source) else 0.0
        roots = {_root(n) for n in members}
        if len(roots) > 1:
            return 0.0  # several exports side by side: let each be imported on its own
        root = roots.pop()
        if root and (source.kind == "folder" or root.count("/") > 1):
            return 0.0  # the export is deeper: claim it there, not with its neighbours
        if root and any(not n.startswith(root) for n in source.names()):
            return 0.0  # a zip holding the export's folder beside other things: walk in
        return max(members.values())

    def read(self, source: Source, ctx: ReadContext) -> Batch:
        members = _members(source)
        if source.kind == "file" and not members:
            members = {source.names()[0]: 0.0}
        if not members:
            if _html_only(source):
                raise FormatError(
                    source.display(),
                    "this export is in HTML; request it again choosing the JSON format",
                )
            raise FormatError(
                source.display(),
                "no Instagram export file found (expected posts_1.json, reels.json, "
                "stories.json, media.json or past_instagram_insights/*.json)",
            )
        roots = sorted({_root(n) for n in members})
        if len(roots) > 1:
            raise FormatError(
                source.display(),
                f"holds several Instagram exports ({', '.join(r or '/' for r in roots)}); "
                "import each one on its own",
            )
        return _Reader(source, ctx, roots[0]).read(sorted(members))


class _Reader:
    """The state of one read: what each file contributed."""

    def __init__(self, source: Source, ctx: ReadContext, root: str) -> None:
        self.source = source
        self.ctx = ctx
        self.root = root
        self.posts: list[PostRecord] = []
        self.insights: list[export_insights.MediaInsight] = []
        self.audience = export_insights.Audience()
        self.username: str | None = None
        self.display_name: str | None = None

    def read(self, names: list[str]) -> Batch:
        for name in names:
            data = fix_mojibake_in_place(load_json(self.source, name))
            seen = len(self.posts), len(self.insights)
            self._take(name, data)
            self._check_times(name, *seen)
        posts = export_insights.attach(_dedupe(self.posts), self.insights)
        self.posts = []
        account = self._account()
        observed = self._observed_at(posts, names)
        posts_df = (
            _posts_frame(posts, account, observed)
            .with_columns(
                hashtags=plugin.hashtags_expr("text"), mentions=plugin.mentions_expr("text")
            )
            .sort("posted_at", "post_id")
        )
        batch = Batch(
            accounts=plugin.frame(
                "accounts",
                [
                    {
                        "network": NETWORK_NAME,
                        "account_id": account,
                        "handle": account,
                        "display_name": self.display_name,
                    }
                ],
            ),
            posts=posts_df,
        )
        if self.audience.followers is not None:
            batch.follower_snapshots = plugin.frame(
                "follower_snapshots",
                [
                    {
                        "network": NETWORK_NAME,
                        "account_id": account,
                        "observed_at": observed,
                        "followers": self.audience.followers,
                    }
                ],
            )
        if self.audience.ages:
            batch.audience_age = plugin.frame(
                "audience_age",
                [
                    {
                        "network": NETWORK_NAME,
                        "account_id": account,
                        "observed_at": observed,
                        "age_band": band,
                        "age_min": lo,
                        "age_max": hi,
                        "share": share,
                        "basis": "followers",
                    }
                    for band, lo, hi, share in self.audience.ages
                ],
            )
        if self.display_name:
            batch.museum_hints[account] = self.display_name
        return batch

    def _take(self, name: str, data: Any) -> None:
        """Recognise one file by its content and keep what it holds."""
        where = self.source.display(name)
        if isinstance(data, list):
            self.posts += posts_from_list(data, where, "reel" if "reels" in name else None)
            return
        if not isinstance(data, dict):
            raise FormatError(where, f"expected a JSON list or object, got {type(data).__name__}")
        for key, kind in WRAPPER_KINDS.items():
            if key in data:
                items = data[key]
                if not isinstance(items, list):
                    raise FormatError(where, f"expected '{key}' to be a list")
                self.posts += posts_from_list(items, where, kind)
                return
        if any(k.startswith("organic_insights_") for k in data):
            self.insights += export_insights.media_insights(data, where)
            if "organic_insights_audience" in data:
                self.audience = export_insights.audience(data, where)
            return
        if "profile_user" in data:
            self._personal(data, where)
            return
        if isinstance(data.get("username"), str) and "date_joined" in data:
            self.username = data["username"].strip().lstrip("@").lower() or None  # ≤2020
            if isinstance(data.get("name"), str) and data["name"].strip():
                self.display_name = data["name"].strip()
            return
        if any(isinstance(data.get(k), list) for k in ("photos", "videos")):
            self.posts += posts_from_legacy(data, where, self.ctx.timezone)
            return
        lists = [v for v in data.values() if isinstance(v, list)]
        if len(lists) == 1 and all(isinstance(e, dict) and "media" in e for e in lists[0]):
            self.posts += posts_from_list(lists[0], where, None)  # an unknown wrapper key
            return
        if self.source.kind != "file" and not fnmatch.fnmatchcase(
            name.rsplit("/", 1)[-1], "posts_[0-9]*.json"
        ):
            return  # a file of the same name that holds something else: not ours
        raise FormatError(
            where,
            "expected an Instagram export file (a posts list, ig_reels_media, ig_stories, "
            f"organic_insights_*, profile_user or media.json), found keys {sorted(data)[:6]}",
        )

    def _check_times(self, name: str, posts: int, insights: int) -> None:
        """The times this file added, each within Instagram's life: the newest of them
        becomes every row's observed_at, so one year-3000 entry would make this export the
        newest reading forever. Checked here to name the file and the entry."""
        where = self.source.display(name)
        for p in self.posts[posts:]:
            for stamp in sorted({int(p.posted_at.timestamp()), *p.timestamps}):
                check_time(
                    datetime.fromtimestamp(stamp, UTC),
                    NETWORK_NAME,
                    path=where,
                    record=f"post {p.post_id}",
                    what="creation_timestamp",
                    now=self.ctx.now,
                )
        for ins in self.insights[insights:]:
            check_time(
                ins.created,
                NETWORK_NAME,
                path=where,
                record=ins.index,
                what="creation_timestamp",
                now=self.ctx.now,
            )

    def _personal(self, data: dict[str, Any], where: str) -> None:
        users = data.get("profile_user")
        if not isinstance(users, list) or not users or not isinstance(users[0], dict):
            raise FormatError(where, "expected 'profile_user' to be a non-empty list")
        smd = users[0].get("string_map_data") or {}
        for label, v in smd.items() if isinstance(smd, dict) else ():
            key = labels.label_key(label)
            value = v.get("value") if isinstance(v, dict) else None
            if not isinstance(value, str) or not value.strip():
                continue
            if key in labels.USERNAME_LABELS:
                self.username = value.strip().lstrip("@").lower()
            elif key in labels.NAME_LABELS:
                self.display_name = value.strip()

    def _account(self) -> str:
        if self.username is not None:
            # the export names its account: a different --account is a mistake, said so
            check_named(self.ctx, self.source.display(), [(self.username, self.username)])
        account = self.username or account_option(self.ctx)
        if account is None:
            raise FormatError(
                self.source.display(),
                "the export names no account (no personal_information/personal_information.json"
                f" or profile.json with a username): pass {option('account', 'USERNAME')}",
            )
        return account

    def _observed_at(self, posts: list[PostRecord], names: list[str]) -> datetime:
        stamps = [ts for p in posts for ts in p.timestamps]
        stamps += [int(i.created.timestamp()) for i in self.insights]
        newest = datetime.fromtimestamp(max(stamps), tz=UTC) if stamps else None
        dated = _export_date(self.source, self.root)
        candidates = [d for d in (newest, dated) if d is not None]
        if candidates:
            return max(candidates)
        return max(plugin.modified_at(self.source, n) for n in names)


def _export_date(source: Source, root: str) -> datetime | None:
    """The date in Meta's export name (``instagram-USERNAME-2024-05-20-AbCd.zip``)."""
    for name in (root.rstrip("/").rsplit("/", 1)[-1], source.name):
        m = _EXPORT_DATE.match(name)
        if m:
            try:
                return datetime(int(m[1]), int(m[2]), int(m[3]), tzinfo=UTC)
            except ValueError:
                continue
    return None


def _posts_frame(posts: list[PostRecord], account: str, observed: datetime) -> pl.DataFrame:
    """The posts rows as a frame, emptying ``posts``: once a caption is in the frame, no
    Python string holds it any more (a caption is the only large value of an export, and
    its Python string, with the UTF-8 copy polars makes of it, weighs twice the frame's)."""
    rows = [p.row(account, observed) for p in posts]
    posts.clear()
    if not rows:
        return plugin.frame("posts", [])
    # the captions as one typed column: a frame built from dicts holds a long text twice
    texts = pl.Series("text", [r.pop("text") for r in rows], dtype=pl.String)
    df = pl.DataFrame(rows, infer_schema_length=None)
    del rows
    return plugin.frame("posts", df.with_columns(texts))


def _dedupe(posts: list[PostRecord]) -> list[PostRecord]:
    """One record per post id (an export may list a post in two files): the first wins."""
    seen: dict[str, PostRecord] = {}
    for p in posts:
        seen.setdefault(p.post_id, p)
    return list(seen.values())
