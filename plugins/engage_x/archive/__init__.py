"""``x-archive``: X's "Download an archive of your data" (zip or unzipped folder).

Reads ``data/tweets.js`` (or ``tweets-partN.js`` parts, or the 2019–2022 ``tweet.js``) into
posts, ``account.js`` (or ``manifest.js``'s userInfo) into the account, and the follower count
of ``manifest.js`` (or the number of entries of ``follower.js``) into a follower snapshot
dated ``archiveInfo.generationDate``. Long posts get their full text from ``note-tweet.js``.

Replies (``in_reply_to_status_id_str``) are kept as the museum's own posts: answering the
public is part of its engagement work. Retweets ("RT @user: ...") are kept with
``is_own = False`` and NULL counts (the archive's "0" is not a count of the repost).
The archive has no replies, quotes or impressions counts: those stay NULL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

import duckdb
import polars as pl

from engage_x import common as C
from engage_x.archive import notes, tweets, ytd
from engagecore.plugin import (
    Batch,
    FormatError,
    Importer,
    ReadContext,
    Source,
    check_named,
    frame,
    memory_connection,
    modified_at,
    parse_count,
    text_at,
)

_TWEETS_RE = re.compile(r"^tweets?(?:-part(\d+))?\.js$")
_TWEET_PATTERNS = ("tweets.js", "tweets-part*.js", "tweet.js", "tweet-part*.js")
_SIDE_FILES = ("manifest.js", "account.js")


def _part_order(member: str) -> tuple[int, int, str]:
    """tweets.js (or tweet.js) first, then parts by number."""
    m = _TWEETS_RE.match(PurePosixPath(member).name)
    part = int(m.group(1)) if m and m.group(1) else 0
    return (0 if m and m.group(1) is None else 1, part, member)


@dataclass
class _Archive:
    """The members of one archive, keyed by the folder that holds them (``data``)."""

    folder: str
    tweets: list[str] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)

    def get(self, name: str) -> str | None:
        return self.files.get(name)


def _archives(source: Source) -> list[_Archive]:
    """Group the archive members of a source by folder (a folder may hold several archives)."""
    groups: dict[str, _Archive] = {}
    members = source.glob(*_TWEET_PATTERNS, *_SIDE_FILES, "note-tweet.js", "follower.js")
    for m in members:
        path = PurePosixPath(m)
        arch = groups.setdefault(str(path.parent), _Archive(str(path.parent)))
        if _TWEETS_RE.match(path.name):
            arch.tweets.append(m)
        else:
            arch.files[path.name] = m
    out = [
        a
        for a in groups.values()
        if a.tweets or "manifest.js" in a.files or "account.js" in a.files
    ]
    for a in out:
        a.tweets.sort(key=_part_order)
    return sorted(out, key=lambda a: a.folder)


def _is_root(source: Source, arch: _Archive) -> bool:
    """Whether ``source`` is the archive itself: its files at the top (an unzipped ``data``
    folder) or in a top ``data/`` folder, with nothing beside them but what X puts in an
    archive (``assets/``, ``Your archive.html``)."""
    if arch.folder in ("", "."):
        return True
    if arch.folder != "data":
        return False
    return all(
        n.startswith(("data/", "assets/")) or ("/" not in n and n.lower().endswith(".html"))
        for n in source.names()
    )


def _text(obj: dict[str, Any], key: str, where: str) -> str | None:
    return text_at(obj.get(key), repr(key), where, "#1")


def _parse_iso(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


class XArchiveImporter(Importer):
    """X account archive, as the zip X sends or the folder it unzips to."""

    name = "x-archive"
    network = C.NETWORK
    description = "X (Twitter) account archive: zip or folder with data/tweets.js"

    def detect(self, source: Source) -> float:
        if source.kind == "file":
            # A lone tweets.js: readable only with account.js beside it, so not certain.
            if not _TWEETS_RE.match(source.name):
                return 0.0
            gname = ytd.global_name(source.head(source.name, 256)) or ""
            return 0.6 if gname.startswith(("YTD.tweet.", "YTD.tweets.")) else 0.0
        archives = _archives(source)
        if len(archives) != 1 or not _is_root(source, archives[0]):
            # several archives side by side, or one deeper down, or among other files: not
            # the root of one archive; the ingest walks in and finds each archive's root
            return 0.0
        arch = archives[0]
        member = (
            arch.tweets[0] if arch.tweets else arch.get("manifest.js") or arch.files["account.js"]
        )
        name = ytd.global_name(source.head(member, 256))
        if name is None:
            return 0.0
        return 0.95 if name.startswith("YTD.") or name == "__THAR_CONFIG" else 0.3

    def read(self, source: Source, ctx: ReadContext) -> Batch:
        if source.kind == "file":
            raise FormatError(
                source.display(),
                "expected the whole archive (zip or folder): a lone tweets file does not say "
                "whose account it is (account.js)",
            )
        archives = _archives(source)
        if not archives:
            raise FormatError(source.display(), "expected an X archive with data/tweets.js")
        batches = [self._read_one(source, a, ctx) for a in archives]
        hints: dict[str, str] = {}
        for b in batches:
            hints.update(b.museum_hints)
        return Batch(
            accounts=pl.concat([b.accounts for b in batches if b.accounts is not None]),
            posts=pl.concat([b.posts for b in batches if b.posts is not None]),
            follower_snapshots=pl.concat(
                [b.follower_snapshots for b in batches if b.follower_snapshots is not None]
            ),
            museum_hints=hints,
        )

    # -- one archive -------------------------------------------------------------------

    def _read_one(self, source: Source, arch: _Archive, ctx: ReadContext) -> Batch:
        manifest = self._manifest(source, arch)
        account_id, handle, display_name, created = self._account(source, arch, manifest)
        # the archive names its account: a different --account is a mistake, said so
        check_named(ctx, source.display(arch.get("account.js")), [(account_id, handle)])
        generated = _parse_iso(manifest.get("archiveInfo", {}).get("generationDate"))

        with ctx.temp_dir("engage-x-") as tmp:
            parts = [tweets.read_tweets(source, m, Path(tmp)) for m in arch.tweets]
            followers = self._followers(source, arch, manifest, Path(tmp))
        posts = pl.concat(parts) if parts else pl.DataFrame(schema=tweets.RAW_SCHEMA)
        posts = posts.unique("post_id", keep="first", maintain_order=True)
        note_member = arch.get("note-tweet.js")
        if note_member is not None:
            note_frame = notes.notes_frame(
                ytd.load(source, note_member), source.display(note_member)
            )
            posts = notes.apply_notes(posts, note_frame)

        observed = generated or self._fallback_observed(source, arch, posts)
        posts_out = frame(
            "posts",
            posts.with_columns(
                network=pl.lit(C.NETWORK),
                account_id=pl.lit(account_id),
                _handle=pl.lit(handle, dtype=pl.Utf8),
                observed_at=pl.lit(observed, dtype=pl.Datetime("us", "UTC")),
            ).with_columns(url=C.status_url_expr("_handle", "post_id")),
        )
        accounts = frame(
            "accounts",
            [
                {
                    "network": C.NETWORK,
                    "account_id": account_id,
                    "handle": handle,
                    "display_name": display_name,
                    "created_at": created,
                }
            ],
        )
        snaps = frame(
            "follower_snapshots",
            []
            if followers is None
            else [
                {
                    "network": C.NETWORK,
                    "account_id": account_id,
                    "observed_at": observed,
                    "followers": followers,
                }
            ],
        )
        hints = {account_id: display_name} if display_name else {}
        return Batch(
            accounts=accounts, posts=posts_out, follower_snapshots=snaps, museum_hints=hints
        )

    def _manifest(self, source: Source, arch: _Archive) -> dict[str, Any]:
        member = arch.get("manifest.js")
        if member is None:
            return {}
        value = ytd.load(source, member)
        if not isinstance(value, dict):
            raise FormatError(
                source.display(member), "expected a JSON object after 'window.__THAR_CONFIG ='"
            )
        return value

    def _account(
        self, source: Source, arch: _Archive, manifest: dict[str, Any]
    ) -> tuple[str, str | None, str | None, datetime | None]:
        """The archive's account: id, username, display name and creation time."""
        member = arch.get("account.js")
        if member is not None:
            value = ytd.load(source, member)
            first = value[0] if isinstance(value, list) and value else None
            acc = first.get("account", first) if isinstance(first, dict) else None
            if not isinstance(acc, dict) or not acc.get("accountId"):
                raise FormatError(
                    source.display(member),
                    'expected [{"account": {"accountId", "username", "accountDisplayName"}}]',
                    record="#1",
                )
            where = source.display(member)
            return (
                str(acc["accountId"]),
                _text(acc, "username", where),
                _text(acc, "accountDisplayName", where),
                C.created_time(acc.get("createdAt"), where, "#1", "'createdAt'"),
            )
        info = manifest.get("userInfo")
        if isinstance(info, dict) and info.get("accountId"):
            where = source.display(arch.get("manifest.js"))
            return (
                str(info["accountId"]),
                _text(info, "userName", where),
                _text(info, "displayName", where),
                None,
            )
        raise FormatError(
            source.display(arch.tweets[0] if arch.tweets else None),
            "expected account.js (or manifest.js with userInfo.accountId) in the same folder",
        )

    def _followers(
        self, source: Source, arch: _Archive, manifest: dict[str, Any], workdir: Path
    ) -> int | None:
        files = manifest.get("dataTypes", {}).get("follower", {}).get("files") or []
        if files and isinstance(files[0], dict) and files[0].get("count") is not None:
            raw = files[0]["count"]
            try:
                return parse_count(raw)
            except ValueError as exc:
                raise FormatError(
                    source.display(arch.get("manifest.js")),
                    f"expected dataTypes.follower.files[0].count to be a count, got {raw!r}",
                ) from exc
        member = arch.get("follower.js")
        if member is None:
            return None
        tmp = workdir / "follower.json"
        ytd.strip_to_file(source, member, tmp)
        try:
            with memory_connection(tmp.stat().st_size) as con:
                path = str(tmp).replace("'", "''")
                row = con.sql(
                    f"SELECT count(*) FROM read_json('{path}', format='array', columns={{'follower': 'JSON'}})"
                ).fetchall()
        except duckdb.Error as exc:
            raise tweets.duckdb_error(source.display(member), exc, tmp) from exc
        return int(row[0][0]) if row else 0

    def _fallback_observed(self, source: Source, arch: _Archive, posts: pl.DataFrame) -> datetime:
        """No generation date: the newest post time, else the file's modification time."""
        newest = posts["posted_at"].max() if posts.height else None
        if isinstance(newest, datetime):
            return newest
        member = arch.tweets[0] if arch.tweets else next(iter(arch.files.values()))
        return modified_at(source, member)
