"""``instagram-export``: Instagram's "Download your information" JSON export.

Reads a whole export (zip or folder) or one of its files on its own. Files are found by
name wherever a version of the export put them (``media.json`` ≤2020,
``content/posts_1.json``, ``your_instagram_activity/content|media/posts_N.json``,
``reels.json``, ``stories.json``), then recognised by their content.

``observed_at`` of every count: the newest creation time the export reveals (posts, media
and insights entries), or the export's date when its zip or folder keeps Meta's name
(``instagram-USERNAME-YYYY-MM-DD-...``) and that date is later; with neither, the file's
modification time. The export holds no generation time of its own.

Posts files (a posts list, or ``{"ig_reels_media"|"ig_stories"|"ig_igtv_media": [...]}``)
are read post by post from the file (:class:`engagecore.plugin.JsonStream`) into frames of
at most :data:`_CHUNK` posts: their memory is that of the frames, whatever the file's size;
a post larger than :data:`MAX_POST_CHARS` is refused. The other files (insights, profile,
the ≤2020 ``media.json``) are small and parsed whole.

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
    media_id,
    squashed_head,
)
from engage_instagram.export import insights as export_insights
from engage_instagram.export import labels
from engage_instagram.export.posts import (
    WRAPPER_KINDS,
    PostRecord,
    post_from_entry,
    posts_from_legacy,
    posts_from_list,
)
from engagecore import plugin
from engagecore.plugin import (
    Batch,
    FormatError,
    Importer,
    JsonStream,
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
#: Posts turned into a frame at a time while a posts file is read.
_CHUNK = 5_000
#: The largest post of a streamed posts file, in characters of its JSON (Meta's JSON is
#: ASCII: bytes). A post is a few media and a caption of at most 2,200 characters (~1 KB);
#: reading one costs up to twice its size.
MAX_POST_CHARS = 64 * 1024 * 1024
#: The start of a posts file we read post by post (first bytes, whitespace removed).
_STREAMED = re.compile(
    rb'^(?:\xef\xbb\xbf)?(?:\[|\{"(ig_reels_media|ig_stories|ig_igtv_media)":\[)'
)
#: The columns of a posts chunk, before the export's account and time are known.
_CHUNK_SCHEMA = pl.Schema(
    [
        ("post_id", pl.String()),
        ("posted_at", pl.Datetime("us", "UTC")),
        ("kind", pl.String()),
        ("text", pl.String()),
        ("media_ids", pl.List(pl.String())),
        ("timestamps", pl.List(pl.Int64())),
    ]
)
#: The type of each list column's items.
_ITEMS: dict[str, pl.DataType] = {"media_ids": pl.String(), "timestamps": pl.Int64()}
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
        #: the posts read so far, as frames of at most _CHUNK posts
        self.chunks: list[pl.DataFrame] = []
        self._file_chunks = 0
        self.insights: list[export_insights.MediaInsight] = []
        self.audience = export_insights.Audience()
        self.username: str | None = None
        self.display_name: str | None = None

    def read(self, names: list[str]) -> Batch:
        for name in names:
            if not self._stream(name):
                data = fix_mojibake_in_place(load_json(self.source, name))
                seen = len(self.posts), len(self.insights)
                self._take(name, data)
                self._check_times(name, *seen)
            self._flush(self.source.display(name))
        chunks = self.chunks
        self.chunks = []
        found = pl.concat(chunks, rechunk=False) if chunks else pl.DataFrame(schema=_CHUNK_SCHEMA)
        del chunks
        # one record per post id (an export may list a post in two files): the first wins
        found = found.unique("post_id", keep="first", maintain_order=True)
        found = _attach(found, self.insights, self.source.display())
        account = self._account()
        observed = self._observed_at(found, names)
        # sorted while the frame is narrow (a sort copies every column)
        found = found.drop("media_ids", "timestamps").sort("posted_at", "post_id")
        posts_df = plugin.frame(
            "posts",
            found.with_columns(
                network=pl.lit(NETWORK_NAME),
                account_id=pl.lit(account),
                is_own=pl.lit(True),
                observed_at=pl.lit(observed, dtype=pl.Datetime("us", "UTC")),
            ),
        ).with_columns(hashtags=plugin.hashtags_expr("text"), mentions=plugin.mentions_expr("text"))
        del found
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

    def _stream(self, name: str) -> bool:
        """Read a posts file post by post; False when the file is not one (read it whole)."""
        m = _STREAMED.match(squashed_head(self.source, name, 256))
        if m is None:
            return False
        where = self.source.display(name)
        with self.source.stream(name) as fh:
            doc = JsonStream(fh, where)
            if m[1] is None:
                doc.take("[")
                self._stream_posts(doc, name, "reel" if "reels" in name else None)
                doc.end()
                return True
            # {"ig_reels_media": [...], ...}: the posts of the first wrapper key are streamed,
            # any other top-level value is read whole; as when the file is read whole, the
            # first of WRAPPER_KINDS present gives the posts, the other keys are ignored
            doc.take("{")
            taken: str | None = None
            others: dict[str, Any] = {}
            while True:
                key = doc.value(MAX_POST_CHARS, "a key")
                if not isinstance(key, str):
                    raise FormatError(where, f"not valid JSON (a key that is not text: {key!r})")
                doc.take(":")
                if taken is None and key in WRAPPER_KINDS and doc.peek() == "[":
                    doc.take("[")
                    taken = key
                    self._stream_posts(doc, name, WRAPPER_KINDS[key])
                else:
                    others[key] = doc.value(MAX_POST_CHARS, f"the value of {key!r}")
                if doc.take(",}") == "}":
                    break
            doc.end()
        first = next((k for k in WRAPPER_KINDS if k == taken or k in others), None)
        if first != taken:
            # another wrapper key comes first: read as the whole file would be
            self.posts = []
            self.chunks = self.chunks[: self._file_chunks]
            seen = len(self.posts), len(self.insights)
            self._take(name, fix_mojibake_in_place(others))
            self._check_times(name, *seen)
        return True

    def _stream_posts(self, doc: JsonStream, name: str, kind: str | None) -> None:
        """The posts of a JSON array, the '[' read: each post is checked as it is read (its
        times within Instagram's life too, the first bad one raised once the file is read,
        as when the file is read whole) and kept in frames of at most _CHUNK posts."""
        where = doc.where
        self._file_chunks = len(self.chunks)
        late: FormatError | None = None
        index = 0
        if doc.peek() == "]":
            doc.take("]")
            return
        while True:
            doc.record = index
            entry = fix_mojibake_in_place(doc.value(MAX_POST_CHARS, "a post"))
            self.posts.append(post_from_entry(entry, index, where, kind))
            del entry  # the record holds the caption now, alone
            index += 1
            doc.record = None
            if len(self.posts) >= _CHUNK:
                late = late or self._late_times(name)
                self._flush(where)
            if doc.take(",]") == "]":
                break
        late = late or self._late_times(name)
        if late is not None:
            raise late

    def _late_times(self, name: str) -> FormatError | None:
        try:
            self._check_times(name, 0, len(self.insights))
        except FormatError as exc:
            return exc
        return None

    def _flush(self, where: str) -> None:
        """The posts read so far become a frame chunk (their Python objects are freed)."""
        if not self.posts:
            return
        posts, self.posts = self.posts, []
        self.chunks.append(_chunk(posts, where))
        del posts

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

    def _observed_at(self, posts: pl.DataFrame, names: list[str]) -> datetime:
        stamps = [int(i.created.timestamp()) for i in self.insights]
        newest_post = posts["timestamps"].list.max().max() if posts.height else None
        if newest_post is not None:
            stamps.append(int(newest_post))  # type: ignore[arg-type]
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


def _chunk(posts: list[PostRecord], where: str) -> pl.DataFrame:
    """Post records as a frame of ``_CHUNK_SCHEMA``, their captions let go one by one.

    Each caption is encoded to UTF-8 as its record lets it go, and the column is cast from
    those bytes without a copy: built from Python text, a long caption was held three
    times (the text, the UTF-8 copy Python caches in it, polars' buffer); this way at most
    twice (the text and its bytes, then the bytes and polars' buffer)."""
    encoded: list[bytes | None] = []
    for p in posts:
        try:
            encoded.append(None if p.text is None else p.text.encode())
        except UnicodeEncodeError:
            raise FormatError(
                where,
                f"caption: expected Unicode text (a lone UTF-16 surrogate such as \\ud800 "
                f"is none), got {p.text!r:.80}",
                f"post {p.post_id}",
            ) from None
        p.text = None
    texts = pl.Series("text", encoded, dtype=pl.Binary)
    del encoded
    frame = pl.DataFrame(
        {
            "post_id": [p.post_id for p in posts],
            "posted_at": [p.posted_at for p in posts],
            "kind": [p.kind for p in posts],
            "text": texts.cast(pl.String),
        },
        schema={k: _CHUNK_SCHEMA[k] for k in ("post_id", "posted_at", "kind", "text")},
    )
    # the list columns from flat values (polars builds a list of Python lists one Series
    # per row: 10x slower than the rest of the read)
    lists = []
    columns: tuple[tuple[str, list[list[Any]]], ...] = (
        ("media_ids", [sorted(p.media_ids) for p in posts]),
        ("timestamps", [sorted(p.timestamps) for p in posts]),
    )
    for column, values in columns:
        flat = pl.DataFrame(
            {
                "_i": [i for i, v in enumerate(values) for _ in v],
                column: [x for v in values for x in v],
            },
            schema={"_i": pl.Int64, column: _ITEMS[column]},
        )
        lists.append(flat.group_by("_i", maintain_order=True).agg(pl.col(column)))
    frame = frame.with_row_index("_i").cast({"_i": pl.Int64})
    for listed in lists:
        frame = frame.join(listed, on="_i", how="left", maintain_order="left")
    return frame.drop("_i").select(_CHUNK_SCHEMA.names())


def _attach(
    posts: pl.DataFrame, insights: list[export_insights.MediaInsight], where: str
) -> pl.DataFrame:
    """:func:`export_insights.attach` on a posts frame: the posts an insight may be about
    (one of its media ids, or its creation time) are taken out as records, in order, so that
    each insight finds the same post as among all the posts; their counts are joined back
    and the insights that found no post are appended as posts."""
    if not insights:
        return posts
    ids = sorted({media_id(i.uri) for i in insights if i.uri})
    stamps = sorted({int(i.created.timestamp()) for i in insights})
    posts = posts.with_row_index("_row")
    hit = posts.filter(
        pl.col("post_id").is_in(ids)
        | pl.col("media_ids").list.eval(pl.element().is_in(ids)).list.any()
        | pl.col("timestamps").list.eval(pl.element().is_in(stamps)).list.any()
    )
    records = [
        PostRecord(
            r["post_id"],
            r["posted_at"],
            r["kind"],
            r["text"],
            set(r["media_ids"]),
            set(r["timestamps"]),
        )
        for r in hit.iter_rows(named=True)
    ]
    rows = hit["_row"].to_list()
    joined = export_insights.attach(records, insights)
    counted = [{"_row": row, **p.counts} for row, p in zip(rows, joined, strict=False) if p.counts]
    if counted:
        found = pl.DataFrame(counted, infer_schema_length=None).cast({"_row": pl.UInt32})
        posts = posts.join(found, on="_row", how="left", maintain_order="left")
    new = joined[len(records) :]
    posts = posts.drop("_row")
    if new:
        extra = _chunk(new, where)
        extra_counts = pl.DataFrame(
            [{"_row": i, **p.counts} for i, p in enumerate(new)], infer_schema_length=None
        ).cast({"_row": pl.UInt32})
        extra = extra.with_row_index("_row").join(
            extra_counts, on="_row", how="left", maintain_order="left"
        )
        posts = pl.concat([posts, extra.drop("_row")], how="diagonal_relaxed")
    return posts
