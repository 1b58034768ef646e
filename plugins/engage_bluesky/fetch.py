"""``engage fetch`` for Bluesky: the public AppView, no key or token.

1. ``GET {base}/xrpc/app.bsky.actor.getProfile?actor=HANDLE`` (or the account's DID once
   known) — the account's DID, handle, name and ``followersCount`` (a follower snapshot), saved
   for the ``bluesky-profile`` importer;
2. ``GET {base}/xrpc/app.bsky.feed.getAuthorFeed?actor=DID&limit=100&filter=posts_with_replies``
   newest first, paged with ``cursor`` until the AppView gives none, or until a page reaches
   back past both the newest stored post (what is new) and ``--refresh-days`` (the posts
   younger than it are read again: their counts get a new observation). Each page
   is saved for the ``bluesky-feed`` importer, without the items older than that (or than
   ``--since``, or past ``--max-posts``): the posts the account wrote with their counts, and
   its reposts (stored as not its own).

``{base}`` is https://public.api.bsky.app, or ``--api-base`` / ``ENGAGE_BLUESKY_API_BASE``.
Errors come as ``{"error": "InvalidRequest", "message": "Profile not found"}`` (HTTP 400);
a 429 carries ``ratelimit-reset`` (epoch seconds), which the core's client waits for.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from engagecore.plugin import Fetcher, FetchPlan, FetchResult, FetchSession, api_time

from .common import REASON_REPOST, key_time, when_posted

API = "https://public.api.bsky.app"
PROFILE = API + "/xrpc/app.bsky.actor.getProfile"
AUTHOR_FEED = API + "/xrpc/app.bsky.feed.getAuthorFeed"
#: the AppView's largest page
PAGE = 100
#: posts, replies and reposts (the AppView's default; said so the request is explicit)
FILTER = "posts_with_replies"

#: the AppView's ``error`` names → what it means and what to do
_ADVICE = {
    "AccountTakedown": "the account was taken down by Bluesky's moderation; unlink it",
    "AccountDeactivated": "the account is deactivated; fetch it again if it comes back",
    "BlockedActor": "the account cannot be read (blocked)",
    "BlockedByActor": "the account cannot be read (it blocks its readers)",
}


def _words(body: Any) -> tuple[str, str]:
    """The AppView's ``error`` name and ``message`` from an error body."""
    if not isinstance(body, dict):
        return "", ""
    return str(body.get("error") or ""), str(body.get("message") or "")


def _is_repost(item: Any) -> bool:
    reason = item.get("reason") if isinstance(item, dict) else None
    return isinstance(reason, dict) and reason.get("$type") == REASON_REPOST


def item_time(item: Any) -> datetime | None:
    """When a feed item entered the account's feed, as the ``bluesky-feed`` importer stores
    it: a repost's time (its record key's, else ``reason.indexedAt``), a post's by the rule of
    :func:`~engage_bluesky.common.when_posted`."""
    if not isinstance(item, dict):
        return None
    if _is_repost(item):
        uri = item["reason"].get("uri")
        written = key_time(uri.rpartition("/")[2]) if isinstance(uri, str) else None
        return written or api_time(item["reason"].get("indexedAt"))
    post = item.get("post")
    if not isinstance(post, dict):
        return None
    record = post.get("record")
    created = api_time(record.get("createdAt")) if isinstance(record, dict) else None
    indexed = api_time(post.get("indexedAt"))
    uri = post.get("uri")
    rkey = uri.rpartition("/")[2] if isinstance(uri, str) else ""
    if created is None:
        return indexed
    return when_posted(created, rkey, indexed) or indexed


class BlueskyFetcher(Fetcher):
    """A public Bluesky account's followers and posts with their counts (no key)."""

    network = "bluesky"
    description = "Bluesky public AppView (no key): profile, followers, posts with counts"
    official_base = API
    secret_env = ""
    secret_name = ""

    def explain(self, status: int, body: Any) -> str | None:
        error, message = _words(body)
        said = f"{error}: {message}" if error and message else error or message
        said_ = f" ({said})" if said else ""
        if status == 429:
            return (
                f"rate limited{said_} for longer than the time budget allows; the AppView's "
                "window ends at its ratelimit-reset time: run again then"
            )
        if error in _ADVICE:
            return f"HTTP {status}{said_}; {_ADVICE[error]}"
        if "not found" in message.lower() or status == 404:
            return (
                f"HTTP {status}{said_}; no such account on Bluesky: check the handle "
                "(`engage museums links`)"
            )
        if status >= 500:
            return f"the Bluesky AppView answered HTTP {status}{said_}; run again later"
        if said:
            return f"HTTP {status}{said_}; see the AppView's message"
        return None

    # -- the calls -------------------------------------------------------------------------
    def _profile(self, plan: FetchPlan, session: FetchSession) -> dict[str, Any]:
        acc = plan.account
        actor = acc.account_id if acc.account_id.startswith("did:") else acc.handle
        actor = (actor or acc.account_id).lstrip("@")
        doc = session.get(PROFILE, {"actor": actor}, save=False)
        if not isinstance(doc, dict) or not str(doc.get("did") or "").startswith("did:"):
            raise session.error("getProfile returned no profile (no did); check the handle")
        # the importer recognizes a profile by its first keys: did, handle, followersCount
        first = {k: doc[k] for k in ("did", "handle", "displayName", "followersCount") if k in doc}
        session.save({**first, **{k: v for k, v in doc.items() if k not in first}})
        return doc

    def _feed(self, plan: FetchPlan, session: FetchSession, did: str) -> tuple[int, int]:
        """The new posts and the refreshed ones, page after page."""
        stop = plan.newest_post
        if plan.refresh_since is not None and (stop is None or plan.refresh_since < stop):
            stop = plan.refresh_since
        if plan.since is not None and (stop is None or plan.since > stop):
            stop = plan.since
        new = refreshed = 0
        cursor: str | None = None
        limit = plan.max_posts
        while True:
            params: dict[str, str | int] = {"actor": did, "limit": PAGE, "filter": FILTER}
            if cursor:
                params["cursor"] = cursor
            doc = session.get(AUTHOR_FEED, params, save=False)
            feed = doc.get("feed") if isinstance(doc, dict) else None
            if not isinstance(feed, list):
                raise session.error("a getAuthorFeed page holds no 'feed' list; run again later")
            kept: list[Any] = []
            older = 0
            before = new
            for item in feed:
                at = item_time(item)
                if at is not None and stop is not None and at < stop:
                    older += 1
                    continue
                if at is None or plan.wants(at):
                    if limit is not None and new >= limit:
                        continue
                    new += 1
                elif not _is_repost(item):  # a repost has no counts of the museum's
                    refreshed += 1
                kept.append(item)
            if kept:
                assert isinstance(doc, dict)
                session.save({"feed": kept, **{k: v for k, v in doc.items() if k != "feed"}})
                session.posts(new - before)
            cursor = doc.get("cursor") if isinstance(doc, dict) else None
            # newest first: a page reaching back past ``stop`` is the last one needed
            if not cursor or not feed or older:
                return new, refreshed
            if limit is not None and new >= limit and plan.refresh_since is None:
                return new, refreshed

    def fetch(self, plan: FetchPlan, session: FetchSession) -> FetchResult:
        profile = self._profile(plan, session)
        did = str(profile["did"])
        new, refreshed = self._feed(plan, session, did)
        handle = profile.get("handle")
        return FetchResult(
            account_id=did,
            handle=str(handle) if handle else None,
            new_posts=new,
            refreshed_posts=refreshed,
        )
