"""Example third-party plugin: the PeerTube network (a federated video network engagecore does
not ship), from a saved ``GET /api/v1/accounts/{name}/videos`` response.

A template to copy for a network that is not built in: one network spec, one importer, one
command, importing only ``engagecore.plugin``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated, Any

import polars as pl
import typer

from engagecore.plugin import (
    POSTS,
    AccrualCurve,
    Batch,
    FormatError,
    Importer,
    NetworkSpec,
    ReadContext,
    Source,
    YoungPrior,
    check_named,
    count_at,
    frame,
    hashtags,
    hookimpl,
    observed_at,
    text_at,
)

#: The version of engagecore's plugin API (``engagecore.plugin.PLUGIN_API``) this plugin was
#: written for: an older engagecore refuses to load it rather than fail in the middle of a run.
ENGAGE_PLUGIN_API = 1

#: Who uses PeerTube, by age band. PLACEHOLDER: no survey measures PeerTube use by age, so
#: these are France's population aged 13 and over (INSEE, 1 January 2024) - a network used
#: alike at every age - at a low concentration to say how little they are worth. Replace
#: them with usage by age x population when a survey exists, and cite it.
YOUNG_PRIOR = YoungPrior(
    bands={
        "13-17": 0.0730,
        "18-24": 0.0947,
        "25-34": 0.1338,
        "35-44": 0.1468,
        "45-54": 0.1494,
        "55-64": 0.1468,
        "65+": 0.2555,
    },
    sources=("placeholder: INSEE population of France aged 13+, 1 January 2024",),
    concentration=5,
    note="placeholder prior (the population, not PeerTube's users): no survey exists",
)

#: The default accrual curve (docs/scoring.md §1.5): F(a) = 1 - 2^-((a / half-life)^shape),
#: used when the store holds too few repeated readings of this network's posts to estimate it.
ACCRUAL = AccrualCurve(
    half_life_hours=24.0,
    shape=0.6,
    sources=("an example: replace by published figures for your network (a half-life study)",),
    note=("an example value, not a measurement: half-life one day, maturity (90 %) ~7.4 days"),
)

NETWORK = NetworkSpec(
    name="peertube",
    display_name="PeerTube",
    interactions={"likes": 1.0},  # the videos list gives likes (and dislikes, not counted)
    provides=frozenset({"likes", "views"}),
    launched=date(2015, 3, 1),  # first commits of the project
    young_prior=YOUNG_PRIOR,
    basis_order=("views", "followers"),  # every video has its views; followers are optional
    accrual=ACCRUAL,
)


class PeerTubeVideosImporter(Importer):
    """A saved ``/api/v1/accounts/{name}/videos`` (or ``/video-channels/{handle}/videos``)
    response: ``{"total": N, "data": [video, ...]}``."""

    name = "peertube-videos"
    network = "peertube"
    description = "PeerTube API videos list JSON (/api/v1/accounts/{name}/videos)"

    def detect(self, source: Source) -> float:
        if source.kind != "file" or not source.name.endswith(".json"):
            return 0.0
        head = source.head(source.names()[0], 4096).decode("utf-8", "replace")
        if '"total"' in head and '"data"' in head and '"shortUUID"' in head:
            return 0.9
        return 0.0

    def read(self, source: Source, ctx: ReadContext) -> Batch:
        member = source.names()[0]
        where = source.display(member)
        doc = source.read_json(member)
        if not isinstance(doc, dict) or not isinstance(doc.get("data"), list):
            raise FormatError(where, 'expected a PeerTube videos list: {"total", "data": [...]}')
        seen = observed_at(source, member, doc)
        accounts: dict[str, dict[str, Any]] = {}
        posts = []
        for i, video in enumerate(doc["data"], start=1):
            record = f"data #{i}"
            if not isinstance(video, dict):
                raise FormatError(where, "expected a video object", record)
            account = video.get("account")
            if not isinstance(account, dict):
                raise FormatError(where, "expected the video's 'account'", record)
            name = text_at(account.get("name"), "account.name", where, record)
            host = text_at(account.get("host"), "account.host", where, record)
            if not name or not host:
                raise FormatError(where, "expected account.name and account.host", record)
            handle = f"{name}@{host}"
            display = text_at(account.get("displayName"), "account.displayName", where, record)
            accounts[handle.lower()] = {
                "network": "peertube",
                "account_id": handle.lower(),
                "handle": handle,
                "display_name": display,
            }
            uuid = text_at(video.get("uuid"), "uuid", where, record)
            if not uuid:
                raise FormatError(where, "expected the video's 'uuid'", record)
            title = text_at(video.get("name"), "name", where, record) or ""
            language = video.get("language")
            posts.append(
                {
                    "network": "peertube",
                    "post_id": uuid,
                    "account_id": handle.lower(),
                    "posted_at": _time(video.get("publishedAt"), where, record),
                    "kind": "live" if video.get("isLive") else "video",
                    "is_own": True,
                    "text": title,
                    "language": language.get("id") if isinstance(language, dict) else None,
                    "hashtags": hashtags(title),
                    "url": text_at(video.get("url"), "url", where, record),
                    "views": count_at(video.get("views"), "views", where, record),
                    "likes": count_at(video.get("likes"), "likes", where, record),
                    "observed_at": seen,
                }
            )
        check_named(ctx, where, [(a["account_id"], a["handle"]) for a in accounts.values()])
        return Batch(
            accounts=frame("accounts", list(accounts.values())) if accounts else None,
            posts=frame("posts", posts) if posts else pl.DataFrame(schema=POSTS),
            museum_hints={k: a["display_name"] for k, a in accounts.items() if a["display_name"]},
            empty_reason=None if posts else "the videos list is empty (a page past the last one?)",
        )


def _time(value: Any, where: str, record: str) -> datetime:
    try:
        ts = datetime.fromisoformat(str(value))
    except ValueError:
        raise FormatError(
            where, f"expected 'publishedAt' as an ISO 8601 time, got {value!r}", record
        ) from None
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


@hookimpl
def register_networks(register: Callable[[NetworkSpec], None]) -> None:
    register(NETWORK)


@hookimpl
def register_importers(register: Callable[[Importer], None]) -> None:
    register(PeerTubeVideosImporter())


@hookimpl
def register_commands(cli: typer.Typer) -> None:
    @cli.command("peertube-url")
    def peertube_url(
        handle: Annotated[str, typer.Argument(help="name@instance")],
    ) -> None:
        """Print the API URL of a PeerTube account's videos (example plugin command)."""
        name, _, instance = handle.lstrip("@").partition("@")
        if not name or not instance:
            raise typer.BadParameter("expected name@instance")
        typer.echo(f"https://{instance}/api/v1/accounts/{name}/videos?count=100&sort=-publishedAt")
