"""The fields of a Graph API post: which are read, the one SQL projection that turns a post
struct ``p`` into normalized columns, and (on the error path only) naming the post whose
fields have the wrong type.

A Graph post id "{page_id}_{post_id}" becomes account_id = the page, post_id = the post's own
id (globally unique at Facebook), so the Business Suite export, whose "Post ID" is that id,
and the API name a post alike.

Everything per post is computed here, in DuckDB, so that only compact columns cross into
polars: the time is parsed to a timestamp, the kind and ``is_own`` are decided, the insight
metrics are picked by name.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Final

from engage_facebook.common import (
    ATTACHMENT_KINDS,
    MAX_POST_BYTES,
    POST_METRICS,
    STATUS_KINDS,
    TIME_FORMAT,
)

#: The post fields read, with their DuckDB types; everything else in a post is skipped.
POST_FIELDS: Final = {
    "id": "VARCHAR",
    "message": "VARCHAR",
    "created_time": "VARCHAR",
    "permalink_url": "VARCHAR",
    "status_type": "VARCHAR",
    "parent_id": "VARCHAR",
    "from": "STRUCT(id VARCHAR, name VARCHAR)",
    "shares": 'STRUCT("count" BIGINT)',
    "reactions": "STRUCT(summary STRUCT(total_count BIGINT))",
    "likes": "STRUCT(summary STRUCT(total_count BIGINT))",
    "comments": "STRUCT(summary STRUCT(total_count BIGINT))",
    "attachments": "STRUCT(data STRUCT(type VARCHAR)[])",
    # VARCHAR, not JSON: a number or an object arrives as its text (TRY_CAST reads the
    # counts); the JSON type made DuckDB re-serialize every value (0.35 s per 1M posts)
    "insights": 'STRUCT(data STRUCT(name VARCHAR, "values" STRUCT(value VARCHAR)[])[])',
}

#: A posts page as a DuckDB type: the ``data`` array's element.
POST_STRUCT: Final = "STRUCT(" + ", ".join(f'"{k}" {v}' for k, v in POST_FIELDS.items()) + ")"

#: ``read_json(columns=...)`` for a bare array of posts (the streamed form).
ARRAY_COLUMNS: Final = "{" + ", ".join(f"'{k}': '{v}'" for k, v in POST_FIELDS.items()) + "}"

#: ``read_json(columns=...)`` for whole posts pages.
PAGE_COLUMNS: Final = (
    f"{{data: '{POST_STRUCT}[]', paging: 'STRUCT(next VARCHAR, previous VARCHAR)', "
    "engagecore_observed_at: 'VARCHAR'}"
)

#: A paging URL that asked for ``shares``: proof the field was fetched.
_SHARES_REQUESTED: Final = "fields=[^&]*shares"
_SHARES_REQUESTED_RE: Final = re.compile(_SHARES_REQUESTED)


def shares_requested(urls: str) -> bool:
    """Whether paging URLs (joined by spaces) asked for ``shares`` (so absent means 0)."""
    return _SHARES_REQUESTED_RE.search(urls) is not None


def _metric(names: tuple[str, ...]) -> str:
    """The metric's value as written (text), under its newest name present."""
    # Found by position in the list of names (cheaper than a filter per name), and only for
    # posts that carry insights: most rows then skip the lambda.
    position = "list_position(list_transform(p.insights.data, lambda ins: ins.name), '{}')"
    picks = [f'p.insights.data[{position.format(n)}]."values"[-1].value' for n in names]
    pick = picks[0] if len(picks) == 1 else f"coalesce({', '.join(picks)})"
    return f"CASE WHEN p.insights.data IS NOT NULL THEN {pick} END"


def _metric_columns() -> str:
    """Each metric as a count, and ``{column}_bad``: the text of a value that is present
    but no count ("12abc", "NaN", an object), which the importer refuses (never NULL)."""
    out = []
    for c in POST_METRICS:
        cast = f"TRY_CAST({c}_raw AS BIGINT)"
        out.append(f"{cast} AS {c}")
        out.append(f"CASE WHEN {c}_raw IS NOT NULL AND {cast} IS NULL THEN {c}_raw END AS {c}_bad")
    return ",\n    ".join(out)


def _any_bad_metric() -> str:
    return " OR ".join(
        f"({c}_raw IS NOT NULL AND TRY_CAST({c}_raw AS BIGINT) IS NULL)" for c in POST_METRICS
    )


def _case(column: str, table: dict[str, str]) -> str:
    whens = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in table.items())
    return f"CASE {column} {whens} END"


_KIND: Final = f"""
    CASE WHEN contains(coalesce(url, ''), '/reel/') THEN 'reel'
    ELSE coalesce(
        {_case("attachment_type", ATTACHMENT_KINDS)},
        {_case("status_type", STATUS_KINDS)},
        CASE WHEN attachment_type IS NULL AND text IS NOT NULL THEN 'text' ELSE 'other' END)
    END"""

# A post sharing another page's post (parent_id of another page), or written by someone
# else on the page, is not the page's own.
_IS_OWN: Final = """
    NOT (coalesce(split_part(parent_id, '_', 1) <> account_id, false)
         OR coalesce(from_id <> account_id, false))"""


def posts_query(source: str) -> str:
    """The query over ``source``, a relation with columns file, rec, meta_observed,
    shares_requested and the post struct ``p``; ``$page`` is the page of ids without one."""
    metrics = ",\n        ".join(f"{_metric(n)} AS {c}_raw" for c, n in POST_METRICS.items())
    return f"""
WITH src AS ({source}),
raw AS (
    SELECT file, rec, meta_observed, shares_requested,
        p.id AS post_id,
        p.message AS text,
        p.created_time AS created_time,
        p.permalink_url AS url,
        p.status_type AS status_type,
        lower(p.attachments.data[1].type) AS attachment_type,
        p.parent_id AS parent_id,
        p."from".id AS from_id,
        p."from".name AS from_name,
        p.shares."count" AS shares_raw,
        coalesce(p.reactions.summary.total_count, p.likes.summary.total_count) AS likes,
        p.comments.summary.total_count AS comments,
        (p.shares IS NOT NULL OR p.reactions.summary IS NOT NULL
            OR p.likes.summary IS NOT NULL OR p.comments.summary IS NOT NULL)
            AS engagement_fetched,
        {metrics}
    FROM src
),
owned AS (
    SELECT * EXCLUDE (post_id),
        post_id AS graph_id,
        CASE WHEN contains(post_id, '_') THEN substr(post_id, strpos(post_id, '_') + 1)
             ELSE post_id END AS post_id,
        CASE WHEN contains(post_id, '_') THEN split_part(post_id, '_', 1)
             ELSE $page END AS account_id,
        try_strptime(created_time, '{TIME_FORMAT}') AS posted_at
    FROM raw
)
SELECT file, rec, meta_observed, shares_requested, post_id, account_id, posted_at,
    -- the id as written, kept only where an error message will quote it
    CASE WHEN posted_at IS NULL OR account_id IS NULL OR {_any_bad_metric()}
        THEN graph_id END AS graph_id,
    CASE WHEN posted_at IS NULL THEN coalesce(created_time, '') END AS bad_time,
    {_KIND} AS kind,
    {_IS_OWN} AS is_own,
    text, url,
    CASE WHEN from_id = account_id THEN from_name END AS from_name,
    shares_raw, likes, comments, engagement_fetched,
    {_metric_columns()}
FROM owned
"""


def pages_source(biggest: int) -> str:
    """Whole posts pages ($files), each file's index from its position in $files."""
    return f"""
    WITH files AS (
        SELECT unnest($files) AS filename, generate_subscripts($files, 1) - 1 AS file
    ),
    pages AS (
        SELECT filename, engagecore_observed_at AS meta_observed,
            regexp_matches(coalesce(paging.next, '') || ' ' || coalesce(paging.previous, ''),
                           '{_SHARES_REQUESTED}') AS shares_requested,
            data
        FROM read_json($files, format = 'auto', records = true, filename = true,
                       maximum_object_size = {biggest + 1024}, columns = {PAGE_COLUMNS})
    )
    SELECT files.file, pages.meta_observed, pages.shares_requested,
        unnest(pages.data) AS p, unnest(generate_series(0, len(pages.data) - 1)) AS rec
    FROM pages JOIN files USING (filename)
    """


def array_source(file: int, shares_requested: bool) -> str:
    """A bare array of posts ($path), streamed element by element."""
    return f"""
    SELECT {int(file)} AS file, NULL::BIGINT AS rec, NULL::VARCHAR AS meta_observed,
        {bool(shares_requested)} AS shares_requested, p
    FROM read_json($path, format = 'array', columns = {ARRAY_COLUMNS},
                   maximum_object_size = {MAX_POST_BYTES}) AS p
    """


def one_page_query(size: int) -> str:
    """The posts of one page file ($path) of ``size`` bytes, for finding the unreadable one."""
    return f"""SELECT unnest(data) FROM read_json($path, format = 'auto',
        maximum_object_size = {size + 1024}, columns = {{data: '{POST_STRUCT}[]'}})"""


# Naming what is wrong in a posts page DuckDB refused: only the error path comes here, so
# parsing the (small) file in Python is fine.

#: The largest file the error path will parse in Python to name the bad record.
_LOCATE_LIMIT: Final = 64 * 1024 * 1024

_EXPECTED_TYPES: Final = {
    "id": (str,),
    "message": (str,),
    "created_time": (str,),
    "permalink_url": (str,),
    "status_type": (str,),
    "parent_id": (str,),
    "from": (dict,),
    "shares": (dict,),
    "reactions": (dict,),
    "likes": (dict,),
    "comments": (dict,),
    "attachments": (dict,),
    "insights": (dict,),
}


def locate_bad_record(path: Path) -> tuple[int | str | None, str | None]:
    """Name the first post of a small unreadable page whose fields have the wrong type.

    Only used once DuckDB has refused the file, so the per-post Python work is on the error
    path alone.
    """

    if path.stat().st_size > _LOCATE_LIMIT:
        return None, None
    try:
        doc = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        return None, f"not valid JSON ({exc})"
    data = doc.get("data") if isinstance(doc, dict) else None
    if not isinstance(data, list):
        return None, "expected a top-level 'data' array of posts"
    for i, post in enumerate(data):
        label: int | str = i
        if not isinstance(post, dict):
            return label, f"expected a post object, got {type(post).__name__}"
        if isinstance(post.get("id"), str):
            label = f"{i} (id {post['id']})"
        for key, types in _EXPECTED_TYPES.items():
            value = post.get(key)
            if value is not None and not isinstance(value, types):
                return label, f"field {key!r}: expected {types[0].__name__}, got {value!r:.60}"
        for key in ("shares", "reactions", "likes", "comments"):
            value = post.get(key)
            count = (
                (value.get("summary") or {}).get("total_count")
                if key != "shares" and isinstance(value, dict)
                else (value or {}).get("count")
            )
            if count is not None and not isinstance(count, int):
                return label, f"field {key!r}: expected an integer count, got {count!r:.60}"
    return None, None
