"""``meta-business-csv``: Meta Business Suite per-post CSV exports, Facebook and Instagram.

The Facebook variant names a page ("Page ID", "Page name") and its rows are network
"facebook"; the Instagram variant names an account ("Account username") and its rows are
network "instagram". Headers are localized (see :data:`ALIASES`). "Publish time" is
``MM/DD/YYYY HH:MM`` in the exporter's local time, read in ``ReadContext.timezone``; "Date"
holds "Lifetime" (the period of the counts), never the publication date. A post id "{page_id}_{post_id}"
is reduced to the post's own id, as the Graph importer does. Rows are numbered
from 1 after the header in error messages. ``observed_at`` is the newest publish time in the
file: the export states no date of its own.
"""

from __future__ import annotations

import csv
import io
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import polars as pl

from engage_facebook.common import kind_of_label
from engagecore import plugin
from engagecore.plugin import (
    Batch,
    FormatError,
    Importer,
    ReadContext,
    Source,
    UsageError,
    check_named,
    fold,
    given_account,
    option,
)

#: Publish-time layouts, tried in order; the first that reads every row of a file wins.
TIME_FORMATS: Final = (
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%d/%m/%Y %H:%M",
)


# Headers, in every language we know, mapped to one field name. They are compared folded
# (lowercase, accents stripped, ’ as '), so "Réactions" and "Reactions" are one alias. Add a
# language by adding its labels here; nothing else changes.

#: field → header labels (English first, then French).
ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "post_id": ("Post ID", "Identifiant de la publication", "ID de la publication"),
    "page_id": ("Page ID", "Identifiant de la Page", "ID de la Page"),
    "page_name": ("Page name", "Nom de la Page"),
    "account_id": ("Account ID", "Identifiant du compte", "ID du compte"),
    "account_username": ("Account username", "Nom d'utilisateur du compte"),
    "account_name": ("Account name", "Nom du compte"),
    "title": ("Title", "Titre"),
    "description": ("Description",),
    "publish_time": ("Publish time", "Heure de publication"),
    "permalink": ("Permalink", "Permalien", "Lien permanent"),
    "post_type": ("Post type", "Type de publication"),
    "is_share": ("Is share", "Est un partage"),
    "date": ("Date",),
    "views": ("Views", "Vues"),
    "impressions": ("Impressions",),
    "reach": ("Reach", "Couverture", "Portée"),
    "reactions": ("Reactions", "Réactions"),
    "likes": ("Likes", "J'aime", "Mentions J'aime"),
    "comments": ("Comments", "Commentaires"),
    "shares": ("Shares", "Partages"),
    "saves": ("Saves", "Enregistrements"),
}

#: Count fields and the POSTS column each fills, per network (Facebook likes = reactions).
COUNTS: Final[dict[str, dict[str, str]]] = {
    "facebook": {
        "reactions": "likes",
        "comments": "comments",
        "shares": "shares",
        "views": "views",
        "impressions": "impressions",
        "reach": "reach",
    },
    "instagram": {
        "likes": "likes",
        "comments": "comments",
        "shares": "shares",
        "saves": "saves",
        "views": "views",
        "impressions": "impressions",
        "reach": "reach",
    },
}

#: Values of "Is share" that mean yes.
YES: Final = frozenset({"yes", "oui", "true", "vrai", "1"})

_BY_LABEL: Final = {fold(label): f for f, labels in ALIASES.items() for label in labels}


def field_of(header: str) -> str | None:
    """The field a header names, or None for a column we do not use."""
    return _BY_LABEL.get(fold(header))


def fields(headers: list[str]) -> dict[str, str]:
    """field → the first header naming it."""
    out: dict[str, str] = {}
    for h in headers:
        f = field_of(h)
        if f is not None and f not in out:
            out[f] = h
    return out


def _header(source: Source, name: str) -> tuple[list[str], str] | None:
    """The header fields and the separator of a CSV member, from its first bytes."""
    head = source.head(name, 8192).decode("utf-8", "ignore").lstrip("\ufeff")
    first = head.splitlines()[0] if head else ""
    sep = ";" if first.count(";") > first.count(",") else ","
    try:
        return next(csv.reader([first], delimiter=sep)), sep
    except (csv.Error, StopIteration):
        return None


class MetaBusinessSuiteCsvImporter(Importer):
    """Per-post lifetime counts from Business Suite exports (Facebook pages, Instagram)."""

    name = "meta-business-csv"
    network = "facebook"
    #: the Instagram variant's rows are Instagram's (``--network instagram`` chooses it too)
    networks = frozenset({"facebook", "instagram"})
    description = (
        "Meta Business Suite per-post CSV export (Facebook or Instagram; English or French "
        "headers); publish times read in --timezone"
    )

    def detect(self, source: Source) -> float:
        if source.kind != "file" or not source.name.lower().endswith(".csv"):
            return 0.0
        found = _header(source, source.names()[0])
        if found is None:
            return 0.0
        f = fields(found[0])
        if "post_id" in f and "publish_time" in f:
            owner = "page_id" in f or "account_id" in f or "account_username" in f
            return 0.95 if owner else 0.6
        return 0.0

    def read(self, source: Source, ctx: ReadContext) -> Batch:
        name = source.names()[0]
        display = source.display(name)
        text = source.read_text(name)  # not UTF-8 (a UTF-16 export): said before anything
        found = _header(source, name)
        if found is None:
            raise FormatError(display, "expected a CSV header line")
        headers, sep = found
        f = fields(headers)
        network = "instagram" if "page_id" not in f and "account_username" in f else "facebook"
        owner = "page_id" if network == "facebook" else "account_id"
        given = given_account(ctx)
        for need in ("post_id", "publish_time", owner):
            if need == owner and need not in f and given is not None:
                continue  # the export does not name its page or account: --account does
            if need not in f:
                wanted = ALIASES[need][0]
                raise FormatError(
                    display,
                    f"expected a {wanted!r} column (Business Suite per-post export); "
                    f"found {headers[:8]}"
                    + (
                        f"; or name the account with {option('account', 'ID')}"
                        if need == owner
                        else ""
                    ),
                )
        known = [label for labels in ALIASES.values() for label in labels]
        plugin.check_csv_records(text, display, delimiter=sep, known_headers=known)
        with plugin.read_errors(display, "a well-formed CSV"):
            raw = pl.read_csv(
                io.BytesIO(text.encode("utf-8")),
                separator=sep,
                infer_schema=False,
                quote_char='"',
            )
        df = raw.select(pl.col(h).alias(field) for field, h in f.items())
        if owner not in df.columns:
            df = df.with_columns(pl.lit(given, dtype=pl.Utf8).alias(owner))
        df = df.with_row_index("row", offset=1).filter(pl.col("post_id").is_not_null())
        posts = _posts(df, network, owner, display, ctx)
        accounts = _accounts(df, network, owner)
        # the rows name their page or account: a different --account is a mistake, said so
        check_named(ctx, display, accounts.select("account_id", "handle").iter_rows())
        return Batch(
            accounts=accounts,
            posts=posts,
            museum_hints=_hints(df, network, owner),
        )


def _label(df: pl.DataFrame, i: int) -> str:
    return f"{df['row'][i]} (post {df['post_id'][i]})"


def _posted_at(df: pl.DataFrame, display: str, tz: str) -> pl.Series:
    """Publish times as UTC: naive local times placed in ``tz``, daylight saving handled.

    An ambiguous time (the repeated hour of autumn) is read as the earlier one; a time that
    does not exist (the skipped hour of spring) with the offset in force just before it.
    """
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise UsageError(
            f"unknown timezone {tz!r}: expected an IANA name like Europe/Paris"
        ) from exc
    text = df["publish_time"].str.strip_chars()
    naive = None
    for fmt in TIME_FORMATS:
        parsed = text.str.to_datetime(fmt, strict=False, time_unit="us")
        if parsed.null_count() == text.null_count():
            naive = parsed
            break
    if naive is None:
        bad = text.str.to_datetime(TIME_FORMATS[0], strict=False).is_null() & text.is_not_null()
        i = int(bad.arg_true()[0]) if bad.any() else int(text.is_null().arg_true()[0])
        raise FormatError(
            display,
            f"column 'Publish time': expected MM/DD/YYYY HH:MM, got {text[i]!r}",
            _label(df, i),
        )
    if text.null_count():
        i = int(text.is_null().arg_true()[0])
        raise FormatError(display, "column 'Publish time': expected a value", _label(df, i))
    frame = pl.DataFrame({"t": naive})
    one_hour = pl.duration(hours=1)
    return frame.select(
        pl.coalesce(
            pl.col("t").dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null"),
            (pl.col("t") - one_hour).dt.replace_time_zone(
                tz, ambiguous="earliest", non_existent="null"
            )
            + one_hour,
        )
        .dt.convert_time_zone("UTC")
        .alias("posted_at")
    )["posted_at"]


def _counts(df: pl.DataFrame, network: str, display: str) -> dict[str, pl.Series]:
    """Each count column parsed with the locale rules of :func:`plugin.parse_count`."""
    mapping = dict(COUNTS[network])
    if network == "facebook" and "reactions" not in df.columns:
        mapping["likes"] = "likes"  # an export without "Reactions" counts likes only
    out: dict[str, pl.Series] = {}
    for field, column in mapping.items():
        if field not in df.columns:
            continue
        values = df[field]
        parsed: dict[str, int | None] = {}
        for value in values.drop_nulls().unique().to_list():
            try:
                parsed[value] = plugin.parse_count(value)
            except ValueError as exc:
                i = int((values == value).arg_true()[0])
                raise FormatError(
                    display,
                    f"column {field!r}: expected a count like 12,400, got {value!r}",
                    _label(df, i),
                ) from exc
        out[column] = values.replace_strict(parsed, default=None, return_dtype=pl.Int64)
    return out


def _posts(
    df: pl.DataFrame, network: str, owner: str, display: str, ctx: ReadContext
) -> pl.DataFrame:
    posted_at = _posted_at(df, display, ctx.timezone)
    labels = df["post_type"].unique().to_list() if "post_type" in df.columns else []
    kind_of = {label: kind_of_label(label) for label in labels if label is not None}
    is_share = (
        pl.col("is_share").str.strip_chars().str.to_lowercase().is_in(sorted(YES))
        if "is_share" in df.columns
        else pl.lit(False)
    )
    description = pl.col("description") if "description" in df.columns else pl.lit(None)
    title = pl.col("title") if "title" in df.columns else pl.lit(None)
    text = pl.coalesce(
        pl.when(description.str.len_chars() > 0).then(description),
        pl.when(title.str.len_chars() > 0).then(title),
    ).cast(pl.Utf8)
    out = df.with_columns(
        pl.lit(network).alias("network"),
        pl.col(owner).str.strip_chars().alias("account_id"),
        _post_id().alias("post_id"),
        posted_at.alias("posted_at"),
        (
            pl.col("post_type").replace_strict(kind_of, default="other", return_dtype=pl.Utf8)
            if "post_type" in df.columns
            else pl.lit("other")
        ).alias("kind"),
        (~is_share.fill_null(False)).alias("is_own"),
        text.alias("text"),
        (pl.col("permalink") if "permalink" in df.columns else pl.lit(None)).alias("url"),
        *(s.alias(col) for col, s in _counts(df, network, display).items()),
    )
    out = out.with_columns(
        plugin.hashtags_expr("text").alias("hashtags"),
        plugin.mentions_expr("text").alias("mentions"),
        pl.col("posted_at").max().alias("observed_at"),
    )
    # One row per post: a file with daily rows for a post keeps its last one.
    out = out.unique(["network", "post_id"], keep="last", maintain_order=True)
    return plugin.frame("posts", out)


def _post_id() -> pl.Expr:
    """The post's own id: "{page_id}_{post_id}" loses its page part, as in the Graph
    importer, so a post imported from an export and from the API is one post."""
    post_id = pl.col("post_id").str.strip_chars()
    return (
        pl.when(post_id.str.contains("_", literal=True))
        .then(post_id.str.splitn("_", 2).struct.field("field_1"))
        .otherwise(post_id)
    )


def _accounts(df: pl.DataFrame, network: str, owner: str) -> pl.DataFrame:
    handle = "account_username" if network == "instagram" else None
    name = "account_name" if network == "instagram" else "page_name"
    cols: list[Any] = [
        pl.lit(network).alias("network"),
        pl.col(owner).str.strip_chars().alias("account_id"),
        (pl.col(handle) if handle and handle in df.columns else pl.lit(None)).alias("handle"),
        (pl.col(name) if name in df.columns else pl.lit(None)).alias("display_name"),
    ]
    out = df.select(cols).unique("account_id", keep="last", maintain_order=True)
    return plugin.frame("accounts", out)


def _hints(df: pl.DataFrame, network: str, owner: str) -> dict[str, str]:
    name = "account_name" if network == "instagram" else "page_name"
    if name not in df.columns:
        return {}
    pairs = df.select(pl.col(owner).str.strip_chars(), pl.col(name)).drop_nulls().unique(owner)
    return dict(pairs.iter_rows())
