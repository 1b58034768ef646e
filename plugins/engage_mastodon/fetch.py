"""``engage fetch`` for Mastodon: the public API of the account's own instance, no token.

The account is linked by its address ``user@instance`` (``engage fetch mastodon
@louvre@mastodon.social --museum louvre``; Wikidata's "Mastodon address", P4033):

1. ``GET https://INSTANCE/api/v1/accounts/lookup?acct=USER`` — the account's id on its
   instance, its name and ``followers_count`` (a follower snapshot), saved for the
   ``mastodon-api`` importer;
2. ``GET https://INSTANCE/api/v1/accounts/:id/statuses?limit=40`` newest first, paged with
   ``max_id`` — the id of the page's last status, which is what the ``Link: <…>;
   rel="next"`` header of the answer carries — until a page is empty, or reaches back past
   both the newest stored post (what is new) and ``--refresh-days`` (the statuses younger
   than it are read again: their counts get a new observation), ``--since`` or
   ``--max-posts``. Each page is saved as ``{"statuses": [...]}`` (with
   ``engagecore_observed_at``), without the statuses older than that, for the
   ``mastodon-api`` importer: the account's statuses with their counts and its boosts
   (stored as not its own, without counts).

Every request goes to the account's own instance (the one that holds its statuses and
counts): ``--api-base`` / ``ENGAGE_MASTODON_API_BASE`` replaces that host (tests). Errors
come as ``{"error": "Record not found"}``; an instance that allows no public reading
(``authorized fetch`` / limited mode) answers 401 or 403; a 429 carries
``X-RateLimit-Reset`` (an ISO time), which the core's client waits for.
"""

from __future__ import annotations

from typing import Any

from engagecore.plugin import Fetcher, FetchPlan, FetchResult, FetchSession, api_time

from .common import account_key, address, host_of

#: the instance most museums are on (only for documentation: every account's own is used)
API = "https://mastodon.social"
LOOKUP = "https://{instance}/api/v1/accounts/lookup"
STATUSES = "https://{instance}/api/v1/accounts/{id}/statuses"
#: the API's largest page of statuses
PAGE = 40


def split_address(value: str) -> tuple[str, str] | None:
    """``@user@instance`` (or ``user@instance``, or its web address
    ``https://instance/@user``) → (user, instance); None when it is none of these."""
    text = value.strip()
    if text.startswith(("https://", "http://")):
        rest = text.split("://", 1)[1].rstrip("/")
        host, _, path = rest.partition("/")
        user = path.lstrip("@") if path.startswith("@") and "/" not in path else ""
        return (user, host.lower()) if user and host else None
    user, _, instance = text.lstrip("@").partition("@")
    if not user or not instance or "@" in instance or "/" in instance or "." not in instance:
        return None
    return user, instance.lower()


def _words(body: Any) -> str:
    if isinstance(body, dict):
        return str(body.get("error") or body.get("error_description") or "")
    return ""


def _is_boost(status: Any) -> bool:
    return isinstance(status, dict) and isinstance(status.get("reblog"), dict)


class MastodonFetcher(Fetcher):
    """A public Mastodon account's followers and statuses with their counts (no token)."""

    network = "mastodon"
    description = "Mastodon public API of the account's instance (no token): followers, posts"
    official_base = API
    secret_env = ""
    secret_name = ""

    def explain(self, status: int, body: Any) -> str | None:
        said = _words(body)
        said_ = f" ({said})" if said else ""
        if status == 404:
            return (
                f"HTTP 404{said_}; no such account on its instance: check the address "
                "user@instance (`engage museums links`)"
            )
        if status in (401, 403):
            return (
                f"HTTP {status}{said_}; the instance allows no public reading of this account "
                "(authorized fetch or limited mode): no figures without an account there"
            )
        if status == 410:
            return f"HTTP 410{said_}; the account was deleted or suspended: unlink it"
        if status == 429:
            return (
                f"rate limited{said_} for longer than the time budget allows; the instance's "
                "window ends at its X-RateLimit-Reset time: run again then"
            )
        if status >= 500:
            return f"the instance answered HTTP {status}{said_}; run again later"
        return f"HTTP {status}{said_}; see the instance's message" if said else None

    def network_wide(self, status: int, body: Any) -> bool:
        # each account has its own instance: an error answer says nothing of the others
        # (the core still stops the network on a 401 or a 429, whatever this says)
        return False

    def _lookup(self, plan: FetchPlan, session: FetchSession) -> tuple[str, str, dict[str, Any]]:
        acc = plan.account
        found = split_address(acc.handle or "") or split_address(acc.account_id)
        if found is None:
            raise session.error(
                f"expected a Mastodon address like @user@instance, got "
                f"{acc.handle or acc.account_id!r}; link the account by its address"
            )
        user, instance = found
        doc = session.get(LOOKUP.format(instance=instance), {"acct": user})
        if not isinstance(doc, dict) or not doc.get("id"):
            raise session.error("the account lookup returned no account (no id); check the address")
        return user, instance, doc

    def _statuses(
        self, plan: FetchPlan, session: FetchSession, instance: str, ident: str
    ) -> tuple[int, int]:
        stop = plan.newest_post
        if plan.refresh_since is not None and (stop is None or plan.refresh_since < stop):
            stop = plan.refresh_since
        if plan.since is not None and (stop is None or plan.since > stop):
            stop = plan.since
        new = refreshed = 0
        limit = plan.max_posts
        max_id: str | None = None
        url = STATUSES.format(instance=instance, id=ident)
        while True:
            params: dict[str, str | int] = {"limit": PAGE}
            if max_id:
                params["max_id"] = max_id
            page = session.get(url, params, save=False)
            if not isinstance(page, list):
                raise session.error("a statuses page is not a list of statuses; run again later")
            kept: list[Any] = []
            older = 0
            before = new
            for status in page:
                at = api_time(status.get("created_at")) if isinstance(status, dict) else None
                if at is not None and stop is not None and at < stop:
                    older += 1
                    continue
                if at is None or plan.wants(at):
                    if limit is not None and new >= limit:
                        continue
                    new += 1
                elif not _is_boost(status):  # a boost has no counts of the museum's
                    refreshed += 1
                kept.append(status)
            if kept:
                session.save({"statuses": kept})
                session.posts(new - before)
            last = page[-1] if page else None
            max_id = str(last.get("id")) if isinstance(last, dict) and last.get("id") else None
            # newest first: a page reaching back past ``stop`` is the last one needed
            if not page or not max_id or older:
                return new, refreshed
            if limit is not None and new >= limit and plan.refresh_since is None:
                return new, refreshed

    def fetch(self, plan: FetchPlan, session: FetchSession) -> FetchResult:
        user, instance, account = self._lookup(plan, session)
        # as the importer names it: the instance of the account's pages (its web address)
        acct = str(account.get("acct") or user)
        home = host_of(account.get("url")) or instance
        handle = acct if "@" in acct else address(acct, home)
        new, refreshed = self._statuses(plan, session, instance, str(account["id"]))
        return FetchResult(
            account_id=account_key(handle),
            handle=handle,
            new_posts=new,
            refreshed_posts=refreshed,
        )
