"""``engage fetch`` for YouTube: the Data API v3 with an API key (``ENGAGE_YOUTUBE_API_KEY``).

1. ``channels.list?part=snippet,statistics,contentDetails`` by ``forHandle`` (or ``id`` for
   a ``UC…`` channel id): the channel, its subscribers (a follower snapshot), its uploads
   playlist;
2. ``playlistItems.list?part=contentDetails`` over the uploads playlist, 50 a page
   (``pageToken``), newest first, until a video no newer than the newest stored one (or
   older than ``--since``, or ``--max-posts`` reached);
3. ``videos.list?part=snippet,contentDetails,statistics`` in batches of 50 ids: the new
   videos, then the stored ones younger than ``--refresh-days`` (a new observation of their
   counts).

Each batch of ``videos.list`` is sent aside (:meth:`FetchSession.submit`) while the next
page of uploads is asked for. Every call costs 1 quota unit (the documented cost of these
``list`` methods; a key has 10,000 a day by default). Every response is saved and read by the
``youtube-data-api`` importer: the playlistItems pages (ids without counts) as nothing.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future
from typing import Any

from engagecore.plugin import Fetcher, FetchPlan, FetchResult, FetchSession, api_time

API = "https://www.googleapis.com"
CHANNELS = API + "/youtube/v3/channels"
PLAYLIST_ITEMS = API + "/youtube/v3/playlistItems"
VIDEOS = API + "/youtube/v3/videos"
#: the most ids ``videos.list`` takes, and items a ``playlistItems.list`` page gives
BATCH = 50
#: pages of uploads whose ids are remembered to give a video listed twice once (this one and
#: the two before it)
_RECENT_PAGES = 3
#: quota units per call of each ``list`` method used (Data API v3 quota table)
LIST_COST = 1

_CHANNEL_ID = re.compile(r"^UC[A-Za-z0-9_-]{22}$")

#: error reasons that every account of the run would meet alike
_KEY_REASONS = {
    "keyInvalid": "the API key is invalid; check ENGAGE_YOUTUBE_API_KEY (docs/fetch.md)",
    "keyExpired": "the API key has expired; create a new one (docs/fetch.md)",
    "API_KEY_INVALID": "the API key is invalid; check ENGAGE_YOUTUBE_API_KEY (docs/fetch.md)",
    "accessNotConfigured": (
        "the YouTube Data API v3 is not enabled for this key's Google Cloud project; "
        "enable it (docs/fetch.md)"
    ),
    "ipRefererBlocked": "the API key's restrictions refuse this machine; allow it in Google Cloud",
    "quotaExceeded": (
        "the daily quota of the API key is exhausted (10,000 units by default; it resets at "
        "midnight Pacific time); run again tomorrow, or ask Google for more quota"
    ),
    "dailyLimitExceeded": (
        "the daily quota of the API key is exhausted; run again tomorrow, or ask Google for more"
    ),
    "rateLimitExceeded": "too many requests per second for this key; run again in a few minutes",
}
_ACCOUNT_REASONS = {
    "channelNotFound": "no such channel; check the handle or channel id",
    "playlistNotFound": "the channel's uploads are not public (playlist not found)",
    "forbidden": "the channel's uploads are not public",
}


def _reasons(body: Any) -> list[str]:
    """The ``reason`` values of a Data API error body (and Google's newer ``details``)."""
    err = body.get("error") if isinstance(body, dict) else None
    if not isinstance(err, dict):
        return []
    out = [e.get("reason") for e in err.get("errors") or [] if isinstance(e, dict)]
    for d in err.get("details") or []:
        if isinstance(d, dict) and isinstance(d.get("reason"), str):
            out.append(d["reason"])
    return [r for r in out if isinstance(r, str)]


class YouTubeFetcher(Fetcher):
    """Channels, their uploads and the counts of their videos from the Data API v3."""

    network = "youtube"
    description = "YouTube Data API v3 (API key): channel, subscribers, videos with counts"
    official_base = API
    secret_env = "ENGAGE_YOUTUBE_API_KEY"
    secret_name = "API key"

    def authorize(self, secret: str) -> tuple[dict[str, str], dict[str, str]]:
        return {"key": secret}, {}

    def explain(self, status: int, body: Any) -> str | None:
        for reason in _reasons(body):
            if reason in _KEY_REASONS:
                return _KEY_REASONS[reason]
            if reason in _ACCOUNT_REASONS:
                return _ACCOUNT_REASONS[reason]
        if status in (400, 403) and isinstance(body, dict):
            msg = str((body.get("error") or {}).get("message") or "")[:200]
            return f"HTTP {status} from the Data API ({msg or 'no message'}); check the API key"
        return None

    def network_wide(self, status: int, body: Any) -> bool:
        return any(r in _KEY_REASONS for r in _reasons(body))

    def fetch(self, plan: FetchPlan, session: FetchSession) -> FetchResult:
        account = plan.account
        ident = account.account_id
        query: dict[str, str | int] = {"part": "snippet,statistics,contentDetails"}
        if _CHANNEL_ID.match(ident):
            query["id"] = ident
        else:
            query["forHandle"] = "@" + (account.handle or ident).lstrip("@")
        doc = session.get(CHANNELS, query, quota=LIST_COST, save=False)
        items = doc.get("items") if isinstance(doc, dict) else None
        if not items:
            raise session.error("no such channel; check the handle or channel id (UC…)")
        channel = items[0]
        session.save(doc)
        channel_id = channel.get("id")
        handle = (channel.get("snippet") or {}).get("customUrl")
        uploads = ((channel.get("contentDetails") or {}).get("relatedPlaylists") or {}).get(
            "uploads"
        )
        result = FetchResult(
            account_id=channel_id if isinstance(channel_id, str) else None,
            handle=handle.lstrip("@") if isinstance(handle, str) else None,
        )
        # each full batch of new ids is asked for while the next page of uploads is (the
        # client's per-host limit: two requests at a time)
        batches = _Batches(session)
        # only the ids not sent yet are held, and of those sent the ones also due for a
        # refresh (a long channel's ids are never held whole: memory flat in the pages)
        unsent: list[str] = []
        due = set(plan.refresh_ids)
        fetched: set[str] = set()
        pages = self._new_ids(plan, session, uploads) if isinstance(uploads, str) else iter(())
        for page_ids in pages:
            unsent += page_ids
            fetched.update(v for v in page_ids if v in due)
            while len(unsent) >= BATCH:
                batches.send(unsent[:BATCH], new=True)
                del unsent[:BATCH]
        if unsent:
            batches.send(unsent, new=True)
        refresh = [v for v in plan.refresh_ids if v not in fetched]
        for start in range(0, len(refresh), BATCH):
            batches.send(refresh[start : start + BATCH], new=False)
        result.new_posts, result.refreshed_posts = batches.finish()
        return result

    def _new_ids(self, plan: FetchPlan, session: FetchSession, uploads: str) -> Iterator[list[str]]:
        """Ids of the uploads newer than the newest stored video, newest first, a page of
        uploads at a time. A video listed again (an upload during the paging shifts the
        playlist: a page's last items come again at the top of the next) is given once: the
        ids of the last :data:`_RECENT_PAGES` pages are remembered (this one included), not every id seen."""
        recent: deque[set[str]] = deque(maxlen=_RECENT_PAGES)
        count = 0
        token: str | None = None
        while True:
            query: dict[str, str | int] = {
                "part": "contentDetails",
                "playlistId": uploads,
                "maxResults": BATCH,
            }
            if token:
                query["pageToken"] = token
            page = session.get(PLAYLIST_ITEMS, query, quota=LIST_COST)
            items = page.get("items") or [] if isinstance(page, dict) else []
            older = False
            ids: list[str] = []
            here: set[str] = set()
            recent.append(here)
            # the ids of the pages before this one still remembered, in one set (one lookup
            # per video, not one per page remembered)
            before: set[str] = set().union(*list(recent)[:-1])
            for item in items:
                details = item.get("contentDetails") if isinstance(item, dict) else None
                if not isinstance(details, dict) or not isinstance(details.get("videoId"), str):
                    continue
                published = api_time(details.get("videoPublishedAt"))
                if published is None:  # a private or deleted video: no date, no counts
                    continue
                if not plan.wants(published):
                    older = True  # newest first: the rest is stored or too old
                    continue
                video = details["videoId"]
                if video not in here and video not in before:
                    here.add(video)
                    ids.append(video)
                    count += 1
                if plan.max_posts is not None and count >= plan.max_posts:
                    yield ids
                    return
            yield ids
            token = page.get("nextPageToken") if isinstance(page, dict) else None
            if older or not token:
                return


class _Batches:
    """``videos.list`` calls sent aside (:meth:`FetchSession.submit`), counted in order;
    a few at most wait to be counted (each holds its parsed answer)."""

    #: answers not yet counted, at most
    AHEAD = 4

    def __init__(self, session: FetchSession) -> None:
        self.session = session
        self.waiting: deque[tuple[Future[Any], bool]] = deque()
        self.new = 0
        self.refreshed = 0

    def send(self, ids: list[str], *, new: bool) -> None:
        query: dict[str, str | int] = {
            "part": "snippet,contentDetails,statistics",
            "id": ",".join(ids),
            "maxResults": BATCH,
        }
        self.waiting.append((self.session.submit(VIDEOS, query, quota=LIST_COST), new))
        while self.waiting and (len(self.waiting) > self.AHEAD or self.waiting[0][0].done()):
            self._count()

    def _count(self) -> None:
        future, new = self.waiting.popleft()
        doc = future.result()
        items = doc.get("items") if isinstance(doc, dict) else None
        got = sum(1 for i in items or [] if isinstance(i, dict) and isinstance(i.get("id"), str))
        if new:
            self.new += got
            self.session.posts(got)
        else:
            self.refreshed += got

    def finish(self) -> tuple[int, int]:
        """(new, refreshed) videos got, once every call answered."""
        while self.waiting:
            self._count()
        return self.new, self.refreshed
