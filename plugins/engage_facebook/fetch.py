"""``engage fetch`` for Facebook Pages: the Graph API with a Meta access token (``ENGAGE_META_TOKEN``).

1. ``/{page}?fields=id,name,username,link,followers_count,fan_count`` by page id or username:
   the Page (its id and username; a follower snapshot);
2. ``/{page-id}/posts?fields=id,message,created_time,permalink_url,status_type,
   attachments{type,media_type},shares,reactions.summary(true).limit(0),
   comments.summary(true).limit(0)``, newest first, following ``paging.next``, with ``since``
   (Unix time) at the newest stored post (one second after it), or at the start of the
   refresh window when recent posts are refreshed (each refresh adds an observation);
3. for a Page the token manages (found once per run through ``/me/accounts``, which gives
   each managed Page's own access token: the Graph API answers post insights only to a Page
   token), the posts carry their insights inline: ``insights.metric(post_total_media_view_unique,
   post_media_view)``, the older names (``post_impressions_unique``, ``post_impressions``) when
   the API refuses the newer ones. A refused permission is not fatal: the posts are stored
   without insights and the summary says so.

Every response but ``/me/accounts`` (which holds Page tokens) is saved and read by the
``facebook-graph`` importer; the core strips ``access_token`` from the saved ``paging.next``
URLs. Graph counts no quota units: Meta limits by usage, which the core's HTTP client watches
(``X-App-Usage``, ``X-Business-Use-Case-Usage``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from engagecore.plugin import Fetcher, FetchPlan, FetchResult, FetchSession

GRAPH_VERSION = "v23.0"
API = "https://graph.facebook.com"
GRAPH = f"{API}/{GRAPH_VERSION}"
#: posts asked per page (Graph allows 100; reaction and comment summaries make pages heavy)
PAGE = 50
PAGE_FIELDS = "id,name,username,link,followers_count,fan_count"
POST_FIELDS = (
    "id,message,created_time,permalink_url,status_type,attachments{type,media_type},shares,"
    "reactions.summary(true).limit(0),comments.summary(true).limit(0)"
)
#: post insight metrics, newest names first; the older names where the API refuses those
INSIGHT_METRICS = (
    "post_total_media_view_unique,post_media_view",
    "post_impressions_unique,post_impressions",
)
#: the note the summary shows when an owned Page's insights were refused
NO_INSIGHTS = "insights not permitted (read_insights)"

_EXPIRED = (
    "the Meta access token has expired or is invalid; create a new one and set "
    "ENGAGE_META_TOKEN (docs/fetch.md)"
)
_PERMISSION = (
    "the Meta token lacks a permission for this Page (pages_read_engagement, read_insights; "
    "another museum's Page needs the Page Public Content Access feature); grant it "
    "(docs/fetch.md)"
)
_RATE = (
    "Meta's rate limit is reached (app, Page or account usage); run again in an hour "
    "(docs/fetch.md, cron)"
)
_UNKNOWN = (
    "no such Facebook Page (or it is unpublished or restricted by age or country); check "
    "the page id or username (engage museums link)"
)
_INVALID_METRIC = "Graph API refused an insights metric"


def _error(body: Any) -> dict[str, Any]:
    err = body.get("error") if isinstance(body, dict) else None
    return err if isinstance(err, dict) else {}


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        ts = datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        return None
    return ts.astimezone(UTC)


def _refused(exc: Exception, *reasons: str) -> bool:
    text = str(exc)
    return any(r in text for r in reasons)


class FacebookFetcher(Fetcher):
    """A Page's followers and posts with their public counts; post insights for the Pages
    the token manages."""

    network = "facebook"
    description = "Facebook Graph API (Meta token): Page, followers, posts; owned Pages' insights"
    official_base = API
    secret_env = "ENGAGE_META_TOKEN"
    secret_name = "access token"

    def authorize(self, secret: str) -> tuple[dict[str, str], dict[str, str]]:
        return {"access_token": secret}, {}

    def explain(self, status: int, body: Any) -> str | None:
        err = _error(body)
        code, sub = err.get("code"), err.get("error_subcode")
        message = str(err.get("message") or "")
        if code == 190 or (code == 102 and status == 401):
            return _EXPIRED
        if code in (4, 17, 32, 613) or (isinstance(code, int) and 80000 <= code < 80100):
            return _RATE
        if code == 10 or (isinstance(code, int) and 200 <= code < 300):
            return _PERMISSION
        if code == 100 and "metric" in message.lower():
            return f"{_INVALID_METRIC} ({message[:160]})"
        if code == 100 and (sub == 33 or "does not exist" in message or "Unknown path" in message):
            return _UNKNOWN
        if code == 803:  # "(#803) Some of the aliases you requested do not exist"
            return _UNKNOWN
        if err:
            return f"Graph API error {code}: {message[:200]}"
        return None

    def network_wide(self, status: int, body: Any) -> bool:
        # a missing permission may hold for other Pages only (another museum's Page needs
        # Page Public Content Access, the token's own do not): not network-wide
        return _error(body).get("code") in (190, 4, 17, 32, 613)

    # -----------------------------------------------------------------------------------------
    def _managed(self, session: FetchSession) -> dict[str, str]:
        """The Pages the token manages, by id and by lower-case username → their Page token;
        asked once per run (not saved: the answer holds the tokens)."""
        known = session.shared.get("pages")
        if known is not None:
            return dict(known)
        pages: dict[str, str] = {}
        query: dict[str, str | int] = {"fields": "id,username,access_token", "limit": 100}
        url = f"{GRAPH}/me/accounts"
        try:
            while True:
                doc = session.get(url, query, save=False)
                for page in doc.get("data") or [] if isinstance(doc, dict) else []:
                    token = page.get("access_token") if isinstance(page, dict) else None
                    if not isinstance(token, str) or not isinstance(page.get("id"), str):
                        continue
                    pages[page["id"]] = token
                    if isinstance(page.get("username"), str):
                        pages[page["username"].lower()] = token
                nxt = ((doc.get("paging") or {}) if isinstance(doc, dict) else {}).get("next")
                if not isinstance(nxt, str) or not (doc.get("data") or []):
                    break
                url, query = _follow(nxt)
        except Exception as exc:
            if not _refused(exc, _PERMISSION, "Graph API error 100:"):
                raise  # an expired token, a rate limit, the network down: as for any request
            # no pages_show_list, or the token is itself a Page's ("nonexisting field
            # (accounts) on node type (Page)"): no managed Page known, public figures only
        session.shared["pages"] = pages
        return dict(pages)

    def fetch(self, plan: FetchPlan, session: FetchSession) -> FetchResult:
        managed = self._managed(session)
        ident = plan.account.account_id.lstrip("@")
        if not ident.isdigit() and plan.account.handle:
            ident = plan.account.handle.lstrip("@")
        page = session.get(f"{GRAPH}/{ident}", {"fields": PAGE_FIELDS}, save=False)
        page_id = page.get("id") if isinstance(page, dict) else None
        if not isinstance(page_id, str) or not page_id.isdigit():
            raise session.error(_UNKNOWN)
        session.save(page)
        username = page.get("username") if isinstance(page.get("username"), str) else None
        result = FetchResult(account_id=page_id, handle=username)
        token = managed.get(page_id) or (managed.get(username.lower()) if username else None)
        if token is not None:
            session.use_secret(token)
        owned = token is not None or plan.account.owned
        self._posts(plan, session, page_id, result, owned)
        return result

    def _stop_at(self, plan: FetchPlan) -> int | None:
        """``since`` (Unix seconds): after the newest stored post, or the refresh window's
        start; ``--since`` on a first fetch."""
        if plan.newest_post is None:
            return None if plan.since is None else int(plan.since.timestamp())
        if plan.refresh_since is not None and plan.refresh_since <= plan.newest_post:
            return int(plan.refresh_since.timestamp())
        return int((plan.newest_post + timedelta(seconds=1)).timestamp())

    def _posts(
        self, plan: FetchPlan, session: FetchSession, page_id: str, result: FetchResult, owned: bool
    ) -> None:
        refresh = set(plan.refresh_ids)
        metrics = list(INSIGHT_METRICS) if owned else []
        since = self._stop_at(plan)
        url = f"{GRAPH}/{page_id}/posts"
        query: dict[str, str | int] | None = None
        first = True
        while True:
            if query is None:  # the first page (again, when insights were refused)
                fields = POST_FIELDS + (f",insights.metric({metrics[0]})" if metrics else "")
                query = {"fields": fields, "limit": self._room(plan, result)}
                if since is not None:
                    query["since"] = since
            try:
                doc = session.get(url, query)
            except Exception as exc:
                if first and metrics and _refused(exc, _INVALID_METRIC, _PERMISSION):
                    metrics.pop(0)  # older metric names, then none
                    if not metrics:
                        result.note = NO_INSIGHTS
                    query = None
                    continue
                raise
            first = False
            data = doc.get("data") if isinstance(doc, dict) else None
            if not isinstance(data, list):
                raise session.error(
                    "the posts response holds no 'data' list; run again later "
                    "(nothing of this account was stored)"
                )
            before = result.new_posts
            reached = self._count(plan, data, result, refresh, since)
            session.posts(result.new_posts - before)
            nxt = (doc.get("paging") or {}).get("next")
            if reached or not data or not isinstance(nxt, str) or self._full(plan, result):
                return
            url, query = _follow(nxt)

    @staticmethod
    def _count(
        plan: FetchPlan,
        posts: list[Any],
        result: FetchResult,
        refresh: set[str],
        since: int | None,
    ) -> bool:
        """Count a page's posts; True when it reached ``since`` (an API that ignored it)."""
        reached = False
        for post in posts:
            if not isinstance(post, dict):
                continue
            ts = _time(post.get("created_time"))
            if ts is None:
                continue
            if plan.wants(ts):
                result.new_posts += 1
            elif str(post.get("id", "")).split("_", 1)[-1] in refresh:
                result.refreshed_posts += 1
            if since is not None and ts.timestamp() < since:
                reached = True
        return reached

    @staticmethod
    def _room(plan: FetchPlan, result: FetchResult) -> int:
        if plan.max_posts is None:
            return PAGE
        return max(1, min(PAGE, plan.max_posts - result.new_posts))

    @staticmethod
    def _full(plan: FetchPlan, result: FetchResult) -> bool:
        return plan.max_posts is not None and result.new_posts >= plan.max_posts


def _follow(next_url: str) -> tuple[str, dict[str, str | int]]:
    """``paging.next`` as the official endpoint and its query, without the token (the
    session adds its own; the host is the session's, so ``--api-base`` holds for it too)."""
    parts = urlsplit(next_url)
    query: dict[str, str | int] = {
        k: v for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "access_token"
    }
    return API + parts.path, query
