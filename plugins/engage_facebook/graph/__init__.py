"""``facebook-graph``: saved Facebook Graph API responses (one JSON file, or a folder or zip
of them) read into posts, accounts, follower snapshots and audience ages.

Understood: posts pages of ``/{page-id}/posts`` (with ``reactions``/``comments`` summaries,
``shares``, ``attachments``, embedded ``insights``; paging files side by side), post and
page insights, page objects (with a ``posts`` edge when fetched along). A post id
"{page_id}_{post_id}" gives the account (the page) and the post id (the rest). Embedded
insights win over standalone ones for the same post. ``observed_at`` of a file: its top-level
``engagecore_observed_at`` when present (ISO 8601, UTC when it names no zone), else its
modification time (:func:`engagecore.plugin.observed_at`).

``shares`` is the one count whose absence means zero: Meta omits it from a post nobody
shared. It is read as 0 when the file shows it was fetched (some post has ``shares`` or
reaction/comment summaries, or its paging URL asks for ``shares``), as NULL otherwise.

The package's modules, one per concept: :mod:`detect` (what a file is), :mod:`posts` (posts
pages to posts), :mod:`post_fields` (a post's fields, in SQL), :mod:`large_page` (streaming a
large posts page), :mod:`insights` (post and page insights), :mod:`page` (page objects); this
module sorts a source's files by kind and assembles the batch. Constants they share are in
:mod:`engage_facebook.common`.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from engage_facebook.graph import detect
from engage_facebook.graph import insights as gi
from engage_facebook.graph.detect import Classified, classify
from engage_facebook.graph.page import Page, parse_page
from engage_facebook.graph.posts import PostsFile, PostsReader, normalize
from engagecore import plugin
from engagecore.plugin import Batch, FormatError, Importer, ReadContext, Source, check_named


def _load(source: Source, name: str) -> Any:
    return source.read_json(name)


class FacebookGraphImporter(Importer):
    """Posts with reactions, comments, shares and insights; page followers and ages."""

    name = "facebook-graph"
    network = "facebook"
    description = (
        "Facebook Graph API responses saved as JSON: /{page-id}/posts pages, post and page "
        "insights (page_fans/page_follows, page_fans_gender_age), page objects"
    )

    def detect(self, source: Source) -> float:
        return detect.confidence(source)

    def read(self, source: Source, ctx: ReadContext) -> Batch:
        with ctx.temp_dir("engage-fb-") as tmp:
            batch = _Reader(source, Path(tmp)).read()
        if batch.accounts is not None:
            # Graph responses name their page (post ids are page_post): another --account
            # is a mistake, said so rather than mixed
            named = batch.accounts.select("account_id", "handle").iter_rows()
            check_named(ctx, source.display(), named, "page")
        return batch


class _Reader:
    """One read of one source: sorts its files by kind, then reads each kind at once."""

    def __init__(self, source: Source, workdir: Path) -> None:
        self.source = source
        self.workdir = workdir
        self.posts_files: list[PostsFile] = []
        self.pages: list[Page] = []
        self.insights = gi.Insights()
        self.insight_docs: list[tuple[str, Any]] = []
        self._extracted = 0
        # Asked once: each Source call on a folder stats it again, and a dump may be
        # thousands of page files.
        self._kind = source.kind
        self._prefix = source.display("") if self._kind != "file" else ""
        self._zip_modified = plugin.modified_at(source, "") if self._kind == "zip" else None
        # a zip member or a gzip file (as ``engage fetch`` saves responses): no path to read
        self._packed = self._kind == "zip" or source.gzipped

    def _display(self, name: str) -> str:
        return self._prefix + name if self._kind != "file" else self.source.display(name)

    def _local(self, name: str) -> Path:
        """The member on disk (a zip member or a gzip file's content is extracted to the work
        folder)."""
        if not self._packed:
            return self.source.path / name if self._kind == "folder" else self.source.path
        self._extracted += 1
        target = self.workdir / f"member-{self._extracted}.json"
        plugin.copy_range(self.source, target, name=name)
        return target

    def _head(self, name: str) -> tuple[bytes, Path | None, os.stat_result | None]:
        """The member's first bytes, and its path and status when it is a file on disk
        (one open)."""
        if self._packed:
            return detect.member_head(self.source, name), None, None
        path = self._local(name)
        head, stat = detect.file_head(path)
        return head, path, stat

    def _take(self, name: str) -> None:
        display = self._display(name)
        head, path, stat = self._head(name)
        found: Classified | None = classify(head)
        if found is None:
            raise FormatError(
                display,
                "expected a Facebook Graph API response (a posts page, insights or a page object)",
            )
        if found.kind == "posts":
            if path is None or stat is None:  # packed: extracted, the zip's (or file's) time
                path = self._local(name)
                size = path.stat().st_size
                modified = self._zip_modified or plugin.modified_at(self.source, name)
            else:
                size = stat.st_size
                # plugin.modified_at's answer, from the status the head was read with
                modified = datetime.fromtimestamp(stat.st_mtime, UTC)
            self.posts_files.append(PostsFile(path, display, size, modified))
        elif found.kind == "insights":
            self.insight_docs.append((display, _load(self.source, name)))
        elif found.kind == "page":
            doc = _load(self.source, name)
            page = parse_page(doc, display, plugin.observed_at(self.source, name, doc))
            self.pages.append(page)
            if page.posts:
                self._edge_to_file(page, display, name)
        elif found.kind == "error":
            err = _load(self.source, name).get("error", {})
            raise FormatError(
                display,
                f"this is a Graph API error response ({err.get('type')} {err.get('code')}: "
                f"{err.get('message')}), not data: fetch it again",
            )

    def _edge_to_file(self, page: Page, display: str, name: str) -> None:
        """A page's ``posts`` edge written as a posts page, so one reader reads all posts."""
        path = self.workdir / f"edge-{len(self.posts_files)}.json"
        observed = page.observed_at.isoformat()
        path.write_text(json.dumps({"data": page.posts, plugin.OBSERVED_AT_KEY: observed}))
        size = path.stat().st_size
        self.posts_files.append(
            PostsFile(path, display, size, plugin.modified_at(self.source, name))
        )

    def read(self) -> Batch:
        for name in self.source.names():
            self._take(name)
        page_ids = sorted({p.page_id for p in self.pages})
        only_page = page_ids[0] if len(page_ids) == 1 else None
        for display, doc in self.insight_docs:
            gi.parse_insights(doc, display, only_page, self.insights)
        extra = gi.post_metrics_frame(self.insights)
        reader = PostsReader(self.workdir, only_page, sum(f.size for f in self.posts_files))
        try:
            raw, observed = reader.read(self.posts_files)
        finally:
            reader.close()
        displays = [f.display for f in self.posts_files]
        posts, names = normalize(raw, observed, displays, extra)
        if extra.height and posts.height == 0:
            raise FormatError(
                self.insight_docs[0][0],
                "post insights without their posts: import the folder holding both the "
                "/{page-id}/posts pages and the insights",
            )
        return Batch(
            accounts=self._accounts(posts, names),
            posts=posts if posts.height else None,
            follower_snapshots=self._followers(),
            audience_age=_none_if_empty(gi.audience_frame(self.insights)),
            museum_hints=self._hints(names),
            notes=self.insights.note(),
        )

    def _accounts(self, posts: pl.DataFrame, names: pl.DataFrame) -> pl.DataFrame | None:
        rows: dict[str, dict[str, Any]] = {}
        for account in posts["account_id"].unique().to_list() if posts.height else []:
            rows[account] = {"network": "facebook", "account_id": account}
        for account, display_name in names.iter_rows():
            rows[account]["display_name"] = display_name
        for account, _ in self.insights.followers:
            rows.setdefault(account, {"network": "facebook", "account_id": account})
        for account, _ in self.insights.ages:
            rows.setdefault(account, {"network": "facebook", "account_id": account})
        for page in self.pages:
            rows[page.page_id] = {
                "network": "facebook",
                "account_id": page.page_id,
                "handle": page.username,
                "display_name": page.name or rows.get(page.page_id, {}).get("display_name"),
            }
        ordered = [rows[k] for k in sorted(rows)]
        return _none_if_empty(plugin.frame("accounts", ordered))

    def _followers(self) -> pl.DataFrame | None:
        best: dict[tuple[str, datetime], tuple[int, dict[str, Any]]] = {}
        candidates = gi.follower_rows(self.insights) + [
            (
                0,
                {
                    "network": "facebook",
                    "account_id": p.page_id,
                    "observed_at": p.observed_at,
                    "followers": p.followers,
                },
            )
            for p in self.pages
            if p.followers is not None
        ]
        for rank, row in candidates:
            key = (row["account_id"], row["observed_at"])
            if key not in best or rank < best[key][0]:
                best[key] = (rank, row)
        rows = [row for _, row in sorted(best.values(), key=lambda r: _key(r[1]))]
        return _none_if_empty(plugin.frame("follower_snapshots", rows))

    def _hints(self, names: pl.DataFrame) -> dict[str, str]:
        hints = dict(names.iter_rows())
        hints.update({p.page_id: p.name for p in self.pages if p.name})
        return hints


def _key(row: dict[str, Any]) -> tuple[str, datetime]:
    return (str(row["account_id"]), row["observed_at"])


def _none_if_empty(df: pl.DataFrame) -> pl.DataFrame | None:
    return df if df.height else None
