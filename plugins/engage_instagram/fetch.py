"""``engage fetch`` for Instagram: the Graph API with a Meta access token (``ENGAGE_META_TOKEN``).

The token belongs to a user who manages a Facebook Page linked to an Instagram professional
account: that account's id (``ENGAGE_INSTAGRAM_USER_ID``, else found through
``/me/accounts?fields=instagram_business_account``) is the caller of every request.

- Any other business or creator account, through Business Discovery:
  ``/{ig-user-id}?fields=business_discovery.username(H){followers_count,media_count,
  media.limit(50){id,caption,timestamp,media_type,media_product_type,permalink,like_count,
  comments_count}}``, paged with ``media.after(cursor)``; public counts only.
- The token's own account: ``/{ig-user-id}?fields=id,username,name,followers_count,
  media_count`` (a follower snapshot), ``/{ig-user-id}/media`` with each media's insights
  inline (``insights.metric(reach,views,saved,shares)``; without them when the token lacks
  ``instagram_manage_insights`` or a media refuses them), paged with ``after``, and the
  account's ``follower_demographics`` by age.

Newest first, the pages are followed back to the newest stored post, or to the start of the
refresh window when recent posts are refreshed. Graph counts no quota units: Meta limits by
usage, which the core's HTTP client watches (``X-App-Usage``, ``X-Business-Use-Case-Usage``).
The ``instagram-graph`` importer reads every response saved.
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

from engagecore.plugin import Fetcher, FetchPlan, FetchResult, FetchSession, api_time

GRAPH_VERSION = "v23.0"
API = "https://graph.facebook.com"
GRAPH = f"{API}/{GRAPH_VERSION}"
PAGE = 50
MEDIA_FIELDS = (
    "id,caption,timestamp,media_type,media_product_type,permalink,like_count,comments_count"
)
MEDIA_INSIGHTS = "insights.metric(reach,views,saved,shares)"
USER_ENV = "ENGAGE_INSTAGRAM_USER_ID"

_EXPIRED = (
    "the Meta access token has expired or is invalid; create a new one and set "
    "ENGAGE_META_TOKEN (docs/fetch.md)"
)
_PERMISSION = (
    "the Meta token lacks a permission (instagram_basic, instagram_manage_insights, "
    "pages_show_list, pages_read_engagement, business_management); grant it (docs/fetch.md)"
)
_RATE = (
    "Meta's rate limit is reached (app or account usage); run again in an hour "
    "(docs/fetch.md, cron)"
)
_NOT_FOUND = (
    "no such business or creator account (Business Discovery sees only those: a personal "
    "or private account cannot be fetched); check the handle"
)


def _error(body: Any) -> dict[str, Any]:
    err = body.get("error") if isinstance(body, dict) else None
    return err if isinstance(err, dict) else {}


def _code(body: Any) -> int | None:
    code = _error(body).get("code")
    return code if isinstance(code, int) else None


class InstagramFetcher(Fetcher):
    """Business Discovery for any professional account, owned media and insights for the
    token's own account."""

    network = "instagram"
    description = "Instagram Graph API (Meta token): Business Discovery; owned media, insights"
    official_base = API
    secret_env = "ENGAGE_META_TOKEN"
    secret_name = "access token"

    def authorize(self, secret: str) -> tuple[dict[str, str], dict[str, str]]:
        return {"access_token": secret}, {}

    def explain(self, status: int, body: Any) -> str | None:
        err = _error(body)
        code, sub = _code(body), err.get("error_subcode")
        if code == 190 or (code == 102 and status == 401):
            return _EXPIRED
        if code in (4, 17, 32, 613) or (isinstance(code, int) and 80000 <= code < 80100):
            return _RATE
        if code == 110 or sub == 2207013:
            return _NOT_FOUND
        if code == 10 or (isinstance(code, int) and 200 <= code < 300):
            return _PERMISSION
        if code == 100 and "does not exist" in str(err.get("message", "")):
            return "no such Instagram account id; check the link (engage museums link)"
        if err:
            msg = str(err.get("message") or "")[:200]
            return f"Graph API error {code}: {msg}"
        return None

    def network_wide(self, status: int, body: Any) -> bool:
        code = _code(body)
        return code in (190, 4, 17, 32, 613) or code == 10

    # -----------------------------------------------------------------------------------------
    def _caller(self, session: FetchSession) -> tuple[str, str | None]:
        """The token's Instagram account (id, username), found once per run."""
        known = session.shared.get("me")
        if known is not None:
            return known
        me = self._find_caller(session)
        session.shared["me"] = me
        return me

    def _find_caller(self, session: FetchSession) -> tuple[str, str | None]:
        given = os.environ.get(USER_ENV, "").strip()
        if given:
            doc = session.get(f"{GRAPH}/{given}", {"fields": "id,username"}, save=False)
            return given, doc.get("username") if isinstance(doc, dict) else None
        pages = session.get(
            f"{GRAPH}/me/accounts",
            {"fields": "instagram_business_account{id,username}", "limit": 100},
            save=False,
        )
        for page in pages.get("data") or [] if isinstance(pages, dict) else []:
            ig = page.get("instagram_business_account") if isinstance(page, dict) else None
            if isinstance(ig, dict) and isinstance(ig.get("id"), str):
                return ig["id"], ig.get("username")
        raise session.error(
            "the Meta token manages no Page linked to an Instagram professional account; "
            f"link one, or set {USER_ENV} (docs/fetch.md)",
            network_wide=True,
        )

    def fetch(self, plan: FetchPlan, session: FetchSession) -> FetchResult:
        me_id, me_name = self._caller(session)
        handle = (plan.account.handle or plan.account.account_id).lstrip("@").lower()
        owned = plan.account.owned or (me_name is not None and me_name.lower() == handle)
        if owned:
            return self._owned(plan, session, me_id, handle)
        return self._discovery(plan, session, me_id, handle)

    def _stop_at(self, plan: FetchPlan) -> datetime | None:
        """Page back to here: the newest stored post, or the refresh window's start."""
        marks = [t for t in (plan.newest_post, plan.refresh_since) if t is not None]
        if plan.newest_post is None:
            return plan.since
        return min(marks) if marks else None

    def _count(
        self, plan: FetchPlan, media: list[Any], result: FetchResult, refresh: set[str]
    ) -> bool:
        """Count a page's media; True when the page reached the stop mark."""
        stop = self._stop_at(plan)
        reached = False
        new = 0
        for m in media:
            if not isinstance(m, dict):
                continue
            ts = api_time(m.get("timestamp"))
            if ts is None:
                continue
            if plan.wants(ts):
                new += 1
            elif str(m.get("id")) in refresh:
                result.refreshed_posts += 1
            if stop is not None and ts <= stop:
                reached = True
        result.new_posts += new
        return reached

    def _room(self, plan: FetchPlan, result: FetchResult) -> int:
        if plan.max_posts is None:
            return PAGE
        return max(1, min(PAGE, plan.max_posts - result.new_posts))

    def _full(self, plan: FetchPlan, result: FetchResult) -> bool:
        return plan.max_posts is not None and result.new_posts >= plan.max_posts

    def _discovery(
        self, plan: FetchPlan, session: FetchSession, me_id: str, handle: str
    ) -> FetchResult:
        result = FetchResult(handle=handle, account_id=handle)
        refresh = set(plan.refresh_ids)
        after: str | None = None
        while True:
            edge = f"media.limit({self._room(plan, result)})"
            if after:
                edge = f"media.after({after}).limit({self._room(plan, result)})"
            fields = (
                f"business_discovery.username({handle})"
                f"{{id,username,name,followers_count,media_count,{edge}{{{MEDIA_FIELDS}}}}}"
            )
            doc = session.get(f"{GRAPH}/{me_id}", {"fields": fields})
            bd = doc.get("business_discovery") if isinstance(doc, dict) else None
            if not isinstance(bd, dict):
                raise session.error("the response holds no business_discovery; " + _NOT_FOUND)
            edge_doc = bd.get("media")
            media_edge: dict[str, Any] = edge_doc if isinstance(edge_doc, dict) else {}
            media = media_edge.get("data") or []
            before = result.new_posts
            reached = self._count(plan, media, result, refresh)
            session.posts(result.new_posts - before)
            after = ((media_edge.get("paging") or {}).get("cursors") or {}).get("after")
            if reached or not media or not after or self._full(plan, result):
                return result

    def _owned(
        self, plan: FetchPlan, session: FetchSession, me_id: str, handle: str
    ) -> FetchResult:
        result = FetchResult(handle=handle, account_id=handle, import_account=handle)
        session.get(
            f"{GRAPH}/{me_id}",
            {"fields": "id,username,name,followers_count,media_count"},
        )
        refresh = set(plan.refresh_ids)
        fields = f"{MEDIA_FIELDS},username,{MEDIA_INSIGHTS}"
        after: str | None = None
        while True:
            query: dict[str, str | int] = {"fields": fields, "limit": self._room(plan, result)}
            if after:
                query["after"] = after
            try:
                doc = session.get(f"{GRAPH}/{me_id}/media", query)
            except Exception as exc:
                if fields.endswith(MEDIA_INSIGHTS) and _insights_refused(exc):
                    fields = f"{MEDIA_FIELDS},username"  # this token or media: no insights
                    continue
                raise
            media = doc.get("data") or [] if isinstance(doc, dict) else []
            before = result.new_posts
            reached = self._count(plan, media, result, refresh)
            session.posts(result.new_posts - before)
            after = ((doc.get("paging") or {}).get("cursors") or {}).get("after")
            has_next = bool((doc.get("paging") or {}).get("next"))
            if reached or not media or not has_next or self._full(plan, result):
                break
        try:
            session.get(
                f"{GRAPH}/{me_id}/insights",
                {
                    "metric": "follower_demographics",
                    "period": "lifetime",
                    "metric_type": "total_value",
                    "breakdown": "age",
                },
            )
        except Exception as exc:
            if not _insights_refused(exc):
                raise  # audience ages are a bonus: a token without them still fetches posts
        return result


def _insights_refused(exc: Exception) -> bool:
    text = str(exc)
    return "lacks a permission" in text or "Graph API error 100" in text
