"""``engage fetch`` for X: the API v2 with a bearer token (``ENGAGE_X_BEARER_TOKEN``).

1. ``GET {base}/2/users/by/username/{handle}?user.fields=public_metrics,created_at`` (or
   ``/2/users/{id}`` once the account's id is known) — the account's id, name and followers
   (a follower snapshot);
2. ``GET {base}/2/users/{id}/tweets`` with ``max_results=100``, ``tweet.fields=public_metrics,
   created_at,author_id,note_tweet,referenced_tweets,entities,lang``, the author's username and
   the media types as expansions (the posts' URLs and kinds), paged with ``pagination_token``:
   an incremental run sends ``since_id`` (the newest stored post's time as an X id: ids are
   Snowflakes, their top bits a time), a first run ``start_time`` when ``--since`` is given;
   ``--max-posts`` stops the paging;
3. ``GET {base}/2/tweets?ids=…`` (100 ids a request, same fields) — fresh counts of the stored
   posts younger than ``--refresh-days``; X leaves out a deleted post, which keeps its last
   reading.

``{base}`` is https://api.x.com, or ``--api-base`` / ``ENGAGE_X_API_BASE``. Every response
saved holds ``data`` first: the ``x-api`` importer (:mod:`engage_x.api`) reads it as it reads
a user's saved response (a repost is stored as not the museum's own post). The bearer token
goes in the ``Authorization`` header only, never in a URL or a saved file. X's user timeline
reaches back 3,200 posts at most.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from engagecore.plugin import Fetcher, FetchPlan, FetchResult, FetchSession, api_time

API = "https://api.x.com"
USER_BY_NAME = API + "/2/users/by/username/{}"
USER_BY_ID = API + "/2/users/{}"
TIMELINE = API + "/2/users/{}/tweets"
TWEETS = API + "/2/tweets"
TOKEN_ENV = "ENGAGE_X_BEARER_TOKEN"

#: ``protected``: a private account's posts cannot be read, said at once
USER_FIELDS = "public_metrics,created_at,protected"
TWEET_FIELDS = "public_metrics,created_at,author_id,note_tweet,referenced_tweets,entities,lang"
#: the author's username (each post's URL) and each medium's type (the post's kind)
EXPANSIONS = {
    "expansions": "author_id,attachments.media_keys",
    "user.fields": "username,name",
    "media.fields": "type",
}
#: X's largest and smallest ``max_results`` of a timeline page; ids per ``/2/tweets`` call
PAGE = 100
MIN_PAGE = 5
#: X's Snowflake ids: milliseconds since this epoch, shifted left by 22 bits
TWEPOCH_MS = 1_288_834_974_657

_ADVICE = {
    401: (
        "the bearer token was refused (invalid or revoked); set a valid "
        f"{TOKEN_ENV} (developer portal → your app → Keys and tokens → Bearer Token)"
    ),
    403: (
        "X refused the request: your app's access level does not include this endpoint, or "
        "the app is not attached to a project (developer portal → Products)"
    ),
    404: "not found; check the handle (`engage museums links`)",
}


def since_id(newest: datetime) -> str:
    """The X id just below every post of ``newest``'s second or later (X gives
    ``created_at`` to the second: the newest stored post comes again, as an observation)."""
    ms = int(newest.astimezone(UTC).replace(microsecond=0).timestamp() * 1000)
    return str(max(((ms - TWEPOCH_MS) << 22) - 1, 1))


def _errors(doc: Any) -> list[dict[str, Any]]:
    errs = doc.get("errors") if isinstance(doc, dict) else None
    return [e for e in errs or [] if isinstance(e, dict)]


def _words(body: Any) -> str:
    """X's own title and detail from an error body: ``{"title","detail","status","type"}``
    or ``{"errors": [{"title","detail"}]}``."""
    for part in [body, *_errors(body)] if isinstance(body, dict) else []:
        title, detail = part.get("title"), part.get("detail") or part.get("message")
        if title and detail and detail != title:
            return f"{title}: {detail}"
        if title or detail:
            return str(title or detail)
    return ""


def _capped(body: Any) -> bool:
    if not isinstance(body, dict):
        return False
    return "usage-capped" in str(body.get("type", "")) or body.get("title") == "UsageCapExceeded"


def _data_first(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` with ``data`` as its first key, as the importer recognizes a response."""
    return {"data": doc["data"], **{k: v for k, v in doc.items() if k != "data"}}


def _posted(t: Any) -> datetime | None:
    return api_time(t.get("created_at") if isinstance(t, dict) else None)


class XFetcher(Fetcher):
    """A public X account's followers and posts with their public counts."""

    network = "x"
    description = "X API v2 (bearer token): profile, followers, posts with public counts"
    official_base = API
    secret_env = TOKEN_ENV
    secret_name = "bearer token"

    def explain(self, status: int, body: Any) -> str | None:
        said = _words(body)
        said_ = f" ({said})" if said else ""
        if status == 429:
            if _capped(body):
                return (
                    f"the app's monthly post cap is used up{said_}; wait for the next month "
                    "or raise the app's access level"
                )
            return (
                f"rate limited{said_} for longer than the time budget allows; X's windows "
                "last 15 minutes (x-rate-limit-reset): run again then"
            )
        if status in _ADVICE:
            return f"HTTP {status}{said_}; {_ADVICE[status]}"
        if status >= 500:
            return f"X answered HTTP {status}{said_}; run again later"
        if said:
            return f"HTTP {status} ({said}); see X's message"
        return None

    def network_wide(self, status: int, body: Any) -> bool:
        # an app capped, or not enrolled for the endpoint, fails for every account alike
        if _capped(body):
            return True
        if status != 403 or not isinstance(body, dict):
            return False
        return "client-not-enrolled" in f"{body.get('reason', '')} {body.get('type', '')}"

    # -- the calls -------------------------------------------------------------------------
    def _user(self, plan: FetchPlan, session: FetchSession) -> dict[str, Any]:
        acc = plan.account
        if acc.account_id.isdigit() and acc.account_id != acc.handle:
            url = USER_BY_ID.format(acc.account_id)
        else:
            url = USER_BY_NAME.format((acc.handle or acc.account_id).lstrip("@"))
        doc = session.get(url, {"user.fields": USER_FIELDS}, save=False)
        data = doc.get("data") if isinstance(doc, dict) else None
        if not isinstance(data, dict) or not data.get("id"):
            errs = _errors(doc)
            said = _words(doc)
            if errs and "Not Found" in str(errs[0].get("title", "")):
                raise session.error(f"no such user on X ({said}); check the handle")
            if errs and "suspended" in said.lower():
                raise session.error(f"the account is suspended ({said})")
            raise session.error(
                "the user lookup returned no user"
                + (f" ({said})" if said else "")
                + "; check the handle"
            )
        if data.get("protected"):
            raise session.error("the account's posts are protected (a private account)")
        session.save(_data_first(doc))
        return data

    def _timeline(self, plan: FetchPlan, session: FetchSession, user_id: str) -> int:
        new = 0
        token: str | None = None
        limit = plan.max_posts
        after = None
        if plan.newest_post is not None and (plan.since is None or plan.newest_post >= plan.since):
            after = since_id(plan.newest_post)
        while True:
            want = PAGE if limit is None else max(MIN_PAGE, min(PAGE, limit - new))
            params: dict[str, str | int] = {
                "max_results": want,
                "tweet.fields": TWEET_FIELDS,
                **EXPANSIONS,
            }
            if after is not None:
                params["since_id"] = after
            elif plan.since is not None:
                params["start_time"] = plan.since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            if token:
                params["pagination_token"] = token
            doc = session.get(TIMELINE.format(user_id), params, save=False)
            if not isinstance(doc, dict):
                raise session.error("a timeline page is not a JSON object; run again later")
            data = doc.get("data")
            if data is None and _errors(doc):
                said = _words(doc)
                if "Authorization" in said or "not authorized" in said:
                    raise session.error(
                        f"the account's posts are protected (a private account) ({said})"
                    )
                raise session.error(f"X refused the timeline ({said})")
            if isinstance(data, list) and data:
                fresh = [t for t in data if (p := _posted(t)) is None or plan.wants(p)]
                if limit is not None and new + len(fresh) > limit:
                    fresh = fresh[: limit - new]
                    doc = {**doc, "data": fresh}
                new += len(fresh)
                session.save(_data_first(doc))
                session.posts(len(fresh))
            meta = doc.get("meta") if isinstance(doc.get("meta"), dict) else {}
            token = meta.get("next_token") if isinstance(meta, dict) else None
            if not token or not data or (limit is not None and new >= limit):
                return new

    def _refresh(self, plan: FetchPlan, session: FetchSession) -> int:
        done = 0
        ids = list(plan.refresh_ids)
        for i in range(0, len(ids), PAGE):
            part = ids[i : i + PAGE]
            doc = session.get(
                TWEETS, {"ids": ",".join(part), "tweet.fields": TWEET_FIELDS, **EXPANSIONS},
                save=False,
            )  # fmt: skip
            data = doc.get("data") if isinstance(doc, dict) else None
            if isinstance(data, list) and data:  # all deleted: nothing to observe
                session.save(_data_first(doc))
                done += len(data)
        return done

    def fetch(self, plan: FetchPlan, session: FetchSession) -> FetchResult:
        user = self._user(plan, session)
        uid = str(user["id"])
        new = self._timeline(plan, session, uid)
        refreshed = self._refresh(plan, session)
        handle = user.get("username")
        return FetchResult(
            account_id=uid,
            handle=str(handle) if handle else None,
            new_posts=new,
            refreshed_posts=refreshed,
        )
