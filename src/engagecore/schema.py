"""The normalized model: the contract every network plugin writes to.

One polars schema per table that plugins produce, and the DuckDB DDL of every table of the
store. ``SCHEMA_VERSION`` is bumped with each migration in :mod:`engagecore.store`.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Final

import polars as pl

SCHEMA_VERSION: Final = 6

UTC_TS = pl.Datetime("us", "UTC")


def _cols(cols: dict[str, Any]) -> dict[str, Any]:
    """Column name → polars type (typed loosely: polars mixes type classes and instances)."""
    return cols


#: The counts a post can carry. A count the source does not expose is NULL, never 0.
COUNT_COLUMNS: Final = (
    "likes",
    "comments",
    "shares",
    "quotes",
    "saves",
    "views",
    "impressions",
    "reach",
)

#: Plausibility limits every produced row is held to (:func:`engagecore.validate.validate_frame`
#: refuses the import otherwise; docs/model.md "Limits"). A count above MAX_COUNT is no
#: museum's (the most followed account on any network has under 10^9 followers).
MAX_COUNT: Final = 10**12
#: The longest post text kept, in characters: every network's own limit is far below
#: (Instagram 2,200, X long posts 25,000, YouTube title + description 5,100, Facebook 63,206).
MAX_TEXT_CHARS: Final = 100_000
#: The longest value of any other text column (ids, handles, names, URLs, each hashtag).
MAX_FIELD_CHARS: Final = 4_096
#: The earliest plausible time of a post or an observation on a network whose
#: ``NetworkSpec.launched`` is not set (before Facebook, the oldest network we read).
EARLIEST_LAUNCH: Final = date(2004, 1, 1)
#: How far past "now" a time may lie (exports written in a zone ahead of the clock).
FUTURE_TOLERANCE: Final = timedelta(days=1)

#: Post kinds the model knows. Plugins map their network's vocabulary onto these.
POST_KINDS: Final = frozenset(
    {"text", "photo", "video", "reel", "story", "live", "link", "carousel", "other"}
)

#: Bases of an audience-age distribution.
AGE_BASES: Final = frozenset({"followers", "viewers", "engaged"})

ACCOUNTS: Final = pl.Schema(
    _cols(
        {
            "network": pl.Utf8,
            "account_id": pl.Utf8,
            "handle": pl.Utf8,
            "display_name": pl.Utf8,
            "created_at": UTC_TS,
        }
    )
)

#: Columns a plugin's frame may leave out (schema version 4 added them): validation adds
#: them as NULL, so a plugin written before them keeps working.
OPTIONAL: Final[dict[str, tuple[str, ...]]] = {"accounts": ("created_at",)}

POSTS: Final = pl.Schema(
    _cols(
        {
            "network": pl.Utf8,
            "post_id": pl.Utf8,
            "account_id": pl.Utf8,
            "posted_at": UTC_TS,
            "kind": pl.Utf8,
            "is_own": pl.Boolean,
            "text": pl.Utf8,
            "language": pl.Utf8,
            "hashtags": pl.List(pl.Utf8),
            "mentions": pl.List(pl.Utf8),
            "url": pl.Utf8,
            **{c: pl.Int64 for c in COUNT_COLUMNS},
            "observed_at": UTC_TS,
        }
    )
)

FOLLOWER_SNAPSHOTS: Final = pl.Schema(
    _cols(
        {
            "network": pl.Utf8,
            "account_id": pl.Utf8,
            "observed_at": UTC_TS,
            "followers": pl.Int64,
        }
    )
)

AUDIENCE_AGE: Final = pl.Schema(
    _cols(
        {
            "network": pl.Utf8,
            "account_id": pl.Utf8,
            "observed_at": UTC_TS,
            "age_band": pl.Utf8,
            "age_min": pl.Int32,
            "age_max": pl.Int32,
            "share": pl.Float64,
            "basis": pl.Utf8,
        }
    )
)

#: Tables a plugin may produce, with their schema and the columns that may not be null.
PRODUCED: Final[dict[str, tuple[pl.Schema, tuple[str, ...]]]] = {
    "accounts": (ACCOUNTS, ("network", "account_id")),
    "posts": (POSTS, ("network", "post_id", "account_id", "posted_at", "kind", "is_own")),
    "follower_snapshots": (
        FOLLOWER_SNAPSHOTS,
        ("network", "account_id", "observed_at", "followers"),
    ),
    "audience_age": (
        AUDIENCE_AGE,
        ("network", "account_id", "observed_at", "age_band", "age_min", "share", "basis"),
    ),
}

_COUNTS_DDL = ",\n    ".join(f"{c} BIGINT" for c in COUNT_COLUMNS)

_MUSEUMS = """
CREATE TABLE museums (
    slug VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    city VARCHAR,
    region VARCHAR,
    country VARCHAR,
    museofile_id VARCHAR,
    created_at TIMESTAMPTZ NOT NULL
)"""
_MUSEUM_ALIASES = """
CREATE TABLE museum_aliases (
    alias_key VARCHAR NOT NULL,
    slug VARCHAR NOT NULL,
    alias VARCHAR NOT NULL,
    PRIMARY KEY (alias_key, slug)
)"""
_ACCOUNTS_V1_COLUMNS = """
    network VARCHAR NOT NULL,
    account_id VARCHAR NOT NULL,
    museum VARCHAR,
    handle VARCHAR,
    display_name VARCHAR"""
_POSTS_V1_COLUMNS = f"""
    network VARCHAR NOT NULL,
    post_id VARCHAR NOT NULL,
    account_id VARCHAR NOT NULL,
    posted_at TIMESTAMPTZ NOT NULL,
    kind VARCHAR NOT NULL,
    is_own BOOLEAN NOT NULL,
    text VARCHAR,
    language VARCHAR,
    hashtags VARCHAR[],
    mentions VARCHAR[],
    url VARCHAR,
    {_COUNTS_DDL},
    observed_at TIMESTAMPTZ NOT NULL,
    import_id BIGINT NOT NULL"""
_POST_OBSERVATIONS = f"""
CREATE TABLE post_observations (
    network VARCHAR NOT NULL,
    post_id VARCHAR NOT NULL,
    observed_at TIMESTAMPTZ NOT NULL,
    {_COUNTS_DDL},
    import_id BIGINT NOT NULL
    -- key (network, post_id, observed_at), kept by the store's writes: see KEYS
)"""
_FOLLOWER_SNAPSHOTS = """
CREATE TABLE follower_snapshots (
    network VARCHAR NOT NULL,
    account_id VARCHAR NOT NULL,
    observed_at TIMESTAMPTZ NOT NULL,
    followers BIGINT NOT NULL,
    import_id BIGINT NOT NULL,
    PRIMARY KEY (network, account_id, observed_at)
)"""
_AUDIENCE_AGE = """
CREATE TABLE audience_age (
    network VARCHAR NOT NULL,
    account_id VARCHAR NOT NULL,
    observed_at TIMESTAMPTZ NOT NULL,
    age_band VARCHAR NOT NULL,
    age_min INTEGER NOT NULL,
    age_max INTEGER,
    share DOUBLE NOT NULL,
    basis VARCHAR NOT NULL,
    import_id BIGINT NOT NULL,
    PRIMARY KEY (network, account_id, observed_at, age_band, basis)
)"""
_IMPORTS_V1_COLUMNS = """
    import_id BIGINT PRIMARY KEY,
    plugin VARCHAR NOT NULL,
    plugin_version VARCHAR,
    importer VARCHAR NOT NULL,
    network VARCHAR NOT NULL,
    path VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    rows BIGINT NOT NULL,
    imported_at TIMESTAMPTZ NOT NULL"""

#: DuckDB DDL of schema version 1, one statement per table.
DDL_V1: Final = (
    _MUSEUMS,
    _MUSEUM_ALIASES,
    f"CREATE TABLE accounts ({_ACCOUNTS_V1_COLUMNS},\n    PRIMARY KEY (network, account_id)\n)",
    f"""
CREATE TABLE posts ({_POSTS_V1_COLUMNS}
    -- key (network, post_id), kept by the store's writes: see KEYS
)""",
    _POST_OBSERVATIONS,
    _FOLLOWER_SNAPSHOTS,
    _AUDIENCE_AGE,
    f"CREATE TABLE imports ({_IMPORTS_V1_COLUMNS}\n)",
)

#: Schema version 2, columns the store derives so that scoring reads columns instead of
#: joining ten million posts to other tables:
#: - each post keeps its account's followers as of the post, from the follower snapshots
#:   (engagecore.followers): NULL when the account has no snapshot; ``followers_fallback``
#:   is true when the post predates every snapshot and the first one after it was used;
#: - each account gets an integer ``account_key`` (from a sequence; stable), which its
#:   posts carry: grouping posts by one integer costs less than by two strings.
DDL_V2: Final = (
    "ALTER TABLE posts ADD COLUMN followers_at_post BIGINT",
    "ALTER TABLE posts ADD COLUMN followers_fallback BOOLEAN",
    "CREATE SEQUENCE account_key_seq",
    "ALTER TABLE accounts ADD COLUMN account_key INTEGER DEFAULT nextval('account_key_seq')",
    "ALTER TABLE posts ADD COLUMN account_key INTEGER",
)

#: Schema version 3: who linked each account to its museum (``accounts.linked_by``):
#: ``user`` (``engage museums link``), ``import`` (``engage museums links import FILE``),
#: ``discover`` (``engage museums discover``, from Wikidata); NULL when an ingest attached it
#: (``--museum`` or the export's name) or the link predates version 3. A link made by
#: ``museums link`` before the account's id was known keeps its origin when the real account
#: arrives. Links made by hand before version 3 are recognisable only while the account is
#: still the placeholder ``museums link`` creates (id = handle, no post): those become ``user``.
DDL_V3: Final = (
    "ALTER TABLE accounts ADD COLUMN linked_by VARCHAR",
    """
UPDATE accounts SET linked_by = 'user'
WHERE museum IS NOT NULL AND account_id = handle
  AND NOT EXISTS (SELECT 1 FROM posts p
                  WHERE p.network = accounts.network AND p.account_id = accounts.account_id)
  AND NOT EXISTS (SELECT 1 FROM follower_snapshots f
                  WHERE f.network = accounts.network AND f.account_id = accounts.account_id)""",
)

#: Schema version 4: when each account was created on its network (``accounts.created_at``),
#: where the source gives it (X ``createdAt`` / ``created_at``, Bluesky ``createdAt``, YouTube
#: ``snippet.publishedAt``); NULL when unknown. The earliest known value is kept.
DDL_V4: Final = ("ALTER TABLE accounts ADD COLUMN created_at TIMESTAMPTZ",)

#: Schema version 5: ``post_observations`` holds the readings of the posts read at two or
#: more times only (all of their readings); a post read once has its one reading in its
#: ``posts`` row alone — a first import writes each post once, not twice. The migration
#: deletes the observation rows of posts that have exactly one (that reading is the posts
#: row's).
DDL_V5: Final = (
    """
DELETE FROM post_observations o USING (
    SELECT network, post_id FROM post_observations GROUP BY ALL HAVING count(*) = 1
) once
WHERE o.network = once.network AND o.post_id = once.post_id""",
)

#: Schema version 6: what an importer said beside what it stored (``imports.notes``, from
#: ``Batch.notes``: "3 rows had '--' counts, stored as unknown"); NULL when it said nothing
#: (and for the imports made before version 6).
DDL_V6: Final = ("ALTER TABLE imports ADD COLUMN notes VARCHAR[]",)

#: The current schema (:data:`SCHEMA_VERSION`) in one script: what a new, empty store file is
#: created with, instead of replaying every migration on it (~10 ms of CPU instead of ~33;
#: the migrations stay, for existing files). Each table's columns in the order the migrations
#: leave them. A new migration changes this script too: tests/test_store_schema.py checks that
#: a store created with it and a version 1 store migrated have the same catalog.
DDL_NEW: Final = (
    _MUSEUMS,
    _MUSEUM_ALIASES,
    "CREATE SEQUENCE account_key_seq",
    f"""
CREATE TABLE accounts ({_ACCOUNTS_V1_COLUMNS},
    account_key INTEGER DEFAULT nextval('account_key_seq'),
    linked_by VARCHAR,
    created_at TIMESTAMPTZ,
    PRIMARY KEY (network, account_id)
)""",
    f"""
CREATE TABLE posts ({_POSTS_V1_COLUMNS},
    followers_at_post BIGINT,
    followers_fallback BOOLEAN,
    account_key INTEGER
    -- key (network, post_id), kept by the store's writes: see KEYS
)""",
    _POST_OBSERVATIONS,
    _FOLLOWER_SNAPSHOTS,
    _AUDIENCE_AGE,
    f"CREATE TABLE imports ({_IMPORTS_V1_COLUMNS},\n    notes VARCHAR[]\n)",
)

#: How a link was made (``accounts.linked_by``; NULL: by an ingest).
LINK_ORIGINS: Final = ("user", "import", "discover")

#: Columns of ``posts`` the store derives (never written by a plugin).
POSTS_DERIVED: Final = ("followers_at_post", "followers_fallback", "account_key")

#: The key of each large table. posts and post_observations carry no PRIMARY KEY index: on
#: 1M posts an index made the insert 3.5x slower and cost ~560 MB more; the store keeps the
#: keys unique itself (anti-join inserts), and tests check it with Store.duplicate_keys().
KEYS: Final = {
    "posts": ("network", "post_id"),
    "post_observations": ("network", "post_id", "observed_at"),
}

#: Tables whose content defines the store's state (what "unchanged" is checked against).
DATA_TABLES: Final = (
    "museums",
    "museum_aliases",
    "accounts",
    "posts",
    "post_observations",
    "follower_snapshots",
    "audience_age",
    "imports",
)


def empty(table: str) -> pl.DataFrame:
    """An empty frame of a produced table's schema."""
    return pl.DataFrame(schema=PRODUCED[table][0])
