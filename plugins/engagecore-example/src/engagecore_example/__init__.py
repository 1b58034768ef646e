"""Example third-party plugin: the Mastodon network, from saved API responses.

Boosts (``reblog``) are recorded with ``is_own = False``: the counts belong to the boosted
status, not to the account's own publishing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated, Any

import typer

from engagecore.plugin import (
    Batch,
    FormatError,
    Importer,
    NetworkSpec,
    ReadContext,
    Source,
    YoungPrior,
    frame,
    hookimpl,
    parse_count,
    unescape,
)

#: The version of engagecore's plugin API (``engagecore.plugin.PLUGIN_API``) this plugin was
#: written for: an older engagecore refuses to load it rather than fail in the middle of a run.
ENGAGE_PLUGIN_API = 1

#: Who uses Mastodon, by age band. No survey measures Mastodon use by age: X's profile (a
#: text-first network of the same kind; Pew Research Center 2023-2024 usage by age weighted
#: by INSEE's 2024 population of France) is used as a proxy, with a low concentration to say
#: how weak that is.
YOUNG_PRIOR = YoungPrior(
    bands={
        "13-17": 0.0588,
        "18-24": 0.1884,
        "25-34": 0.2186,
        "35-44": 0.1878,
        "45-54": 0.1557,
        "55-64": 0.1182,
        "65+": 0.0726,
    },
    sources=("proxy: the x entry (no published age survey of Mastodon users)",),
    concentration=8,
    note="proxy, weak: widen your reading of every Mastodon young figure",
)

#: How museums behave on Mastodon, for ``engage demo`` and the benchmarks (the keys of
#: ``[default]`` in engagecore's data/simulation.toml; the others keep the default).
SIMULATION: dict[str, Any] = {
    "followers_median": 300.0,
    "posts_per_week": 3.0,
    "kinds": {"text": 0.45, "photo": 0.45, "video": 0.05, "link": 0.05},
    "repost_share": 0.15,
    "adoption": [
        ("2017-04-01", 0.0),
        ("2022-10-31", 0.01),
        ("2023-06-30", 0.08),
        ("2024-12-31", 0.12),
    ],
}

NETWORK = NetworkSpec(
    name="mastodon",
    display_name="Mastodon",
    interactions={"likes": 1.0, "comments": 1.0, "shares": 1.0},
    provides=frozenset({"likes", "comments", "shares"}),
    launched=date(2016, 10, 5),  # first release
    young_prior=YOUNG_PRIOR,
    simulation=SIMULATION,
)


def _strip_html(html: str | None) -> str | None:
    if html is None:
        return None
    import re

    text = re.sub(r"<br\s*/?>", "\n", html)
    text = re.sub(r"</p>\s*<p>", "\n\n", text)
    text = re.sub(r"<[^>]+>", "", text)
    return unescape(text)


def _ts(value: Any, path: str, record: int) -> datetime:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(UTC)
    except (ValueError, OverflowError):
        raise FormatError(
            path, f"expected 'created_at' as an ISO 8601 time, got {value!r}", record
        ) from None


def _count(obj: dict[str, Any], key: str, path: str, record: int | str) -> int | None:
    """A count field; FormatError naming the file, the record and the value otherwise."""
    try:
        return parse_count(obj.get(key))
    except ValueError:
        raise FormatError(
            path, f"expected {key!r} to be a count, got {obj.get(key)!r}", record
        ) from None


class MastodonStatusesImporter(Importer):
    """A saved ``/api/v1/accounts/:id/statuses`` (array) or account lookup (object) response."""

    name = "mastodon-api"
    network = "mastodon"
    description = "Mastodon API statuses / account JSON"

    def detect(self, source: Source) -> float:
        if source.kind != "file" or not source.name.endswith(".json"):
            return 0.0
        head = source.head(source.names()[0], 2048).decode("utf-8", "replace")
        if '"favourites_count"' in head and '"reblogs_count"' in head:
            return 0.95
        if '"followers_count"' in head and '"acct"' in head and '"statuses_count"' in head:
            return 0.9
        return 0.0

    def read(self, source: Source, ctx: ReadContext) -> Batch:
        name = source.names()[0]
        path = source.display(name)
        data = source.read_json(name)
        observed = datetime.fromtimestamp(source.path.stat().st_mtime, UTC)
        if isinstance(data, dict):
            return self._account(data, path, observed)
        if not isinstance(data, list):
            raise FormatError(path, "expected a JSON array of statuses or an account object")
        posts: list[dict[str, Any]] = []
        accounts: dict[str, dict[str, Any]] = {}
        for i, st in enumerate(data):
            if not isinstance(st, dict) or "id" not in st or "created_at" not in st:
                raise FormatError(path, "expected a status with 'id' and 'created_at'", record=i)
            acc = st.get("account") or {}
            account_id = str(acc.get("id") or ctx.options.get("account") or "")
            if not account_id:
                raise FormatError(path, "status has no account; pass --account", record=i)
            accounts[account_id] = {
                "network": "mastodon",
                "account_id": account_id,
                "handle": acc.get("acct"),
                "display_name": acc.get("display_name"),
            }
            boosted = st.get("reblog")
            counted = boosted if isinstance(boosted, dict) else st
            text = _strip_html(counted.get("content"))
            posts.append(
                {
                    "network": "mastodon",
                    "post_id": str(st["id"]),
                    "account_id": account_id,
                    "posted_at": _ts(st["created_at"], path, i),
                    "kind": "photo" if counted.get("media_attachments") else "text",
                    "is_own": boosted is None,
                    "text": text,
                    "language": counted.get("language"),
                    "hashtags": [t["name"] for t in counted.get("tags", [])],
                    "mentions": [m["acct"] for m in counted.get("mentions", [])],
                    "url": st.get("url") or counted.get("url"),
                    "likes": _count(counted, "favourites_count", path, i),
                    "comments": _count(counted, "replies_count", path, i),
                    "shares": _count(counted, "reblogs_count", path, i),
                    "observed_at": observed,
                }
            )
        return Batch(
            accounts=frame("accounts", list(accounts.values())),
            posts=frame("posts", posts) if posts else None,
            museum_hints={a: v["display_name"] for a, v in accounts.items() if v["display_name"]},
        )

    def _account(self, data: dict[str, Any], path: str, observed: datetime) -> Batch:
        for key in ("id", "acct", "followers_count"):
            if key not in data:
                raise FormatError(path, f"account object lacks {key!r}")
        account_id = str(data["id"])
        return Batch(
            accounts=frame(
                "accounts",
                [
                    {
                        "network": "mastodon",
                        "account_id": account_id,
                        "handle": data["acct"],
                        "display_name": data.get("display_name"),
                    }
                ],
            ),
            follower_snapshots=frame(
                "follower_snapshots",
                [
                    {
                        "network": "mastodon",
                        "account_id": account_id,
                        "observed_at": observed,
                        "followers": _count(data, "followers_count", path, account_id),
                    }
                ],
            ),
            museum_hints={account_id: data["display_name"]} if data.get("display_name") else {},
        )


@hookimpl
def register_networks(register: Callable[[NetworkSpec], None]) -> None:
    register(NETWORK)


@hookimpl
def register_importers(register: Callable[[Importer], None]) -> None:
    register(MastodonStatusesImporter())


@hookimpl
def register_commands(cli: typer.Typer) -> None:
    @cli.command("mastodon-handle")
    def mastodon_handle(
        handle: Annotated[str, typer.Argument(help="user@instance")],
    ) -> None:
        """Print the API lookup URL for a Mastodon handle (example plugin command)."""
        user, _, instance = handle.lstrip("@").partition("@")
        if not instance:
            raise typer.BadParameter("expected user@instance")
        typer.echo(f"https://{instance}/api/v1/accounts/lookup?acct={user}")
