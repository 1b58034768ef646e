"""What the scoring reads: posts, follower snapshots and audience age, each tied to a museum.

:func:`load_inputs` reads them from the DuckDB store lazily: the heavy per-post work of the
scoring runs as SQL inside DuckDB (that is what keeps 10M posts within a few seconds), and the
polars frames here are only materialized when someone asks for them.
:meth:`ScoringInputs.from_frames` builds the same inputs from polars frames (notebooks, tests).
"""

from __future__ import annotations

import uuid
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import duckdb
import polars as pl

from engagecore import followers, memdb, schema
from engagecore.errors import UsageError

if TYPE_CHECKING:
    import pyarrow as pa

#: Columns of the posts the scoring uses (the POSTS table plus the account's museum).
POST_COLUMNS: tuple[str, ...] = (
    "network",
    "post_id",
    "account_id",
    "museum",
    "posted_at",
    "kind",
    "is_own",
    "text",
    "hashtags",
    *schema.COUNT_COLUMNS,
    "observed_at",
)

POSTS_SCHEMA = pl.Schema(
    {c: schema.POSTS[c] if c != "museum" else pl.Utf8 for c in POST_COLUMNS},
)
ACCOUNTS_SCHEMA = pl.Schema({"network": pl.Utf8, "account_id": pl.Utf8, "museum": pl.Utf8})
FOLLOWERS_SCHEMA = pl.Schema({**schema.FOLLOWER_SNAPSHOTS})
AUDIENCE_SCHEMA = pl.Schema({**schema.AUDIENCE_AGE})
OBSERVATIONS_SCHEMA = pl.Schema(
    {c: schema.POSTS[c] for c in ("network", "post_id", "observed_at", *schema.COUNT_COLUMNS)}
)


@dataclass
class SqlTables:
    """A DuckDB connection where the four inputs can be read as SQL subqueries.

    ``posts`` need not carry the museum: the scoring SQL joins them to ``accounts``, which
    holds the accounts passing the filters, each with its museum (or its own label when it is
    linked to none).
    """

    con: duckdb.DuckDBPyConnection
    posts: str
    accounts: str
    followers: str
    audience_age: str
    #: every reading of the posts read at two or more times (network, post_id, observed_at
    #: and the counts): the store's ``post_observations``; accrual curves are estimated
    #: from it
    observations: str = ""
    #: a query of one boolean: are there more readings than posts (some post read twice)?
    repeats: str = "SELECT FALSE"

    def with_clause(self) -> str:
        """``WITH`` definitions naming the inputs ``in_posts``, ``in_accounts``, ...

        ``in_posts`` is NOT MATERIALIZED: the scoring SQL reads it twice (its time span, and
        the posts themselves); materialized, DuckDB would copy every post's columns once more
        (1.3 s of 10M posts), whereas inlined each reader scans only the columns it needs.
        """
        return (
            f"WITH in_posts AS NOT MATERIALIZED ({self.posts}),\n"
            f"in_accounts AS ({self.accounts}),\n"
            f"in_followers AS ({self.followers}),\n"
            f"in_audience AS ({self.audience_age})"
        )


@dataclass
class ScoringInputs:
    """The frames the scoring reads.

    ``posts`` has :data:`POST_COLUMNS`; ``accounts`` maps (network, account_id) → museum slug
    (or, for an account linked to no museum, its own label: :func:`labelled_accounts_sql`);
    ``followers`` and ``audience_age`` have the store's columns. ``since``/``until`` record
    the time filter the posts went through (``since <= posted_at < until``).
    """

    posts: pl.LazyFrame
    accounts: pl.LazyFrame
    followers: pl.LazyFrame
    audience_age: pl.LazyFrame
    since: datetime | None = None
    until: datetime | None = None
    #: the posts' repeated readings (:data:`OBSERVATIONS_SCHEMA`), for inputs from frames
    observations: pl.LazyFrame | None = None
    _sql: SqlTables | None = field(default=None, repr=False)
    _accounts: pl.DataFrame | None = field(default=None, repr=False)

    def accounts_frame(self) -> pl.DataFrame:
        """``accounts`` collected once (the scoring reads it several times)."""
        if self._accounts is None:
            self._accounts = self.accounts.collect()
        return self._accounts

    @classmethod
    def from_frames(
        cls,
        posts: pl.DataFrame | pl.LazyFrame,
        accounts: pl.DataFrame | pl.LazyFrame | None = None,
        followers: pl.DataFrame | pl.LazyFrame | None = None,
        audience_age: pl.DataFrame | pl.LazyFrame | None = None,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        observations: pl.DataFrame | pl.LazyFrame | None = None,
    ) -> ScoringInputs:
        """Inputs from frames: ``posts`` carries ``museum`` itself, or ``accounts`` maps it.

        ``observations``: every reading of the posts (``post_observations``' columns:
        network, post_id, observed_at and the counts), from which accrual curves are
        estimated (None: none beyond the posts' own readings).

        Missing count columns are added as NULL. An account without a museum is scored
        under its own label, as :func:`load_inputs` does (:func:`labelled_accounts_sql`:
        ``@handle`` — the ``handle`` column of ``accounts`` if given, else the account id).
        """
        p = posts.lazy()
        names = p.collect_schema().names()
        if accounts is None:
            if "museum" not in names:
                raise UsageError("posts have no 'museum' column: pass accounts mapping it")
            accounts_lf = p.select("network", "account_id", "museum").unique()
        else:
            accounts_lf = accounts.lazy()
        acc_names = accounts_lf.collect_schema().names()
        handle = pl.col("handle") if "handle" in acc_names else pl.col("account_id")
        accounts_lf = accounts_lf.select(
            "network",
            "account_id",
            museum=unlinked_label(pl.col("museum"), pl.col("network"), handle),
        )
        if "museum" in names:
            p = p.drop("museum")
        p = p.join(accounts_lf, on=["network", "account_id"], how="left")
        p = _conform(p, POSTS_SCHEMA).filter(pl.col("museum").is_not_null())
        if since is not None:
            p = p.filter(pl.col("posted_at") >= as_utc(since))
        if until is not None:
            p = p.filter(pl.col("posted_at") < as_utc(until))
        accounts_lf = _conform(accounts_lf, ACCOUNTS_SCHEMA)
        fol = _conform(
            followers.lazy() if followers is not None else FOLLOWERS_SCHEMA.to_frame().lazy(),
            FOLLOWERS_SCHEMA,
        )
        aud = _conform(
            audience_age.lazy() if audience_age is not None else AUDIENCE_SCHEMA.to_frame().lazy(),
            AUDIENCE_SCHEMA,
        )
        obs = None if observations is None else _conform(observations.lazy(), OBSERVATIONS_SCHEMA)
        return cls(p, accounts_lf, fol, aud, since=since, until=until, observations=obs)

    def sql(self) -> SqlTables:
        """The inputs as DuckDB subqueries: the store itself, or the frames registered."""
        if self._sql is not None:
            return self._sql
        # a connection of its own to the process's in-memory database (engagecore.memdb),
        # in UTC; the tables in a schema of their own, dropped with these inputs
        obs = self.observations
        if obs is None:
            obs = OBSERVATIONS_SCHEMA.to_frame().lazy()
        # one frame held at a time, copied then let go; the posts (by far the largest) say
        # which database: the shared one, or one of their own past memdb.SHARED_MAX
        posts = self.posts.collect().to_arrow()
        con = memdb.connection(posts.nbytes)
        ns = f"inputs_{uuid.uuid4().hex}"
        con.execute(f"CREATE SCHEMA {ns}").fetchall()
        weakref.finalize(self, _drop_schema, con, ns)

        def t(name: str) -> str:
            return f"{ns}.{name}"

        # copied into tables (not views of registered frames): the scoring reads some inputs
        # on a second cursor, and a cursor sees neither registered frames nor TEMP tables
        def copy(name: str, table: pa.Table) -> None:
            con.register("_frame", table)
            con.execute(f"CREATE TABLE {t(name)} AS SELECT * FROM _frame").fetchall()
            con.unregister("_frame")

        copy("in_posts_raw", posts)
        del posts  # copied: let go before the next frame is collected
        for name, frame in (
            ("in_accounts_raw", self.accounts),
            ("in_followers_frame", self.followers),
            ("in_audience_frame", self.audience_age),
            ("in_observations_frame", obs),
        ):
            copy(name, frame.collect().to_arrow())
        # what the store keeps (followers as of each post, integer account keys), made here
        con.execute(
            f"CREATE TABLE {t('in_accounts_frame')} AS SELECT *, "
            "(row_number() OVER (ORDER BY network, account_id))::INTEGER AS account_key "
            f"FROM {t('in_accounts_raw')}"
        ).fetchall()
        con.execute(
            f"CREATE TABLE {t('in_posts_frame')} AS SELECT f.*, a.account_key FROM ("
            + followers.posts_with_followers_sql(t("in_posts_raw"), t("in_followers_frame"))
            + f") f LEFT JOIN {t('in_accounts_frame')} a USING (network, account_id)"
        ).fetchall()
        con.execute(f"DROP TABLE {t('in_posts_raw')}").fetchall()
        con.execute(f"DROP TABLE {t('in_accounts_raw')}").fetchall()
        self._sql = SqlTables(
            con,
            f"SELECT * FROM {t('in_posts_frame')}",
            f"SELECT * FROM {t('in_accounts_frame')}",
            f"SELECT * FROM {t('in_followers_frame')}",
            f"SELECT * FROM {t('in_audience_frame')}",
            observations=f"SELECT * FROM {t('in_observations_frame')}",
            repeats=f"SELECT (SELECT count(*) FROM {t('in_observations_frame')}) > 0",
        )
        return self._sql


def _drop_schema(con: duckdb.DuckDBPyConnection, ns: str) -> None:
    """Drop the tables of inputs no longer used (their memory given back), close their
    connection."""
    try:
        con.execute(f"DROP SCHEMA IF EXISTS {ns} CASCADE").fetchall()
    except duckdb.Error:
        pass  # a connection interrupted or a process ending: the database goes with it
    finally:
        con.close()


def load_inputs(
    con: duckdb.DuckDBPyConnection,
    *,
    networks: Sequence[str] | None = None,
    museums: Sequence[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> ScoringInputs:
    """The store's posts, accounts, follower snapshots and audience age, filtered.

    :param networks: keep only these networks (None: all).
    :param museums: keep only these museum slugs (already resolved from aliases).
    :param since: keep posts with ``posted_at >= since`` (naive datetimes are UTC).
    :param until: keep posts with ``posted_at < until``.
    An account attached to no museum is scored under its own label (``@handle``, see
    :func:`labelled_accounts_sql`); ``museums`` may name such labels. Snapshots and audience age are not cut by
    ``since``/``until``: the followers as of a post may come from an earlier snapshot.
    """
    acc_where = ["TRUE"]
    if networks is not None:
        acc_where.append(f"a.network IN ({sql_list(networks)})")
    if museums is not None:
        acc_where.append(f"a.museum IN ({sql_list(museums)})")
    acc = " AND ".join(acc_where)
    # every account, an unlinked one under its own label (labelled before any filter, so
    # that a label does not depend on the networks asked for)
    labelled = f"({labelled_accounts_sql('accounts')}) a"
    post_where = ["TRUE"]
    if networks is not None:
        post_where.append(f"p.network IN ({sql_list(networks)})")
    if since is not None:
        post_where.append(f"p.posted_at >= {_ts(since)}")
    if until is not None:
        post_where.append(f"p.posted_at < {_ts(until)}")
    if museums is not None:
        # only the posts of the chosen museums' accounts reach the scoring SQL
        post_where.append(
            "(p.network, p.account_id) IN "
            f"(SELECT (a.network, a.account_id) FROM {labelled} WHERE {acc})"
        )
    raw_cols = ", ".join(f"p.{c}" for c in (*POST_COLUMNS, *schema.POSTS_DERIVED) if c != "museum")
    tables = SqlTables(
        con,
        # the scoring SQL joins posts to in_accounts itself (that join keeps the museum filter)
        posts=f"SELECT {raw_cols} FROM posts p WHERE {' AND '.join(post_where)}",
        accounts="SELECT a.network, a.account_id, a.museum, a.account_key "
        f"FROM {labelled} WHERE {acc}",
        followers="SELECT f.network, f.account_id, f.observed_at, f.followers "
        f"FROM follower_snapshots f JOIN {labelled} USING (network, account_id) WHERE {acc}",
        audience_age="SELECT g.network, g.account_id, g.observed_at, g.age_band, g.age_min, "
        "g.age_max, g.share, g.basis FROM audience_age g "
        f"JOIN {labelled} USING (network, account_id) WHERE {acc}",
        observations="SELECT * EXCLUDE (import_id) FROM post_observations",
        # the store keeps observations only of posts read at two or more times (schema v5):
        # any row means some post was read twice (a count DuckDB reads off its metadata)
        repeats="SELECT (SELECT count(*) FROM post_observations) > 0",
    )
    posts_sql = (
        f"SELECT p.*, a.museum FROM ({tables.posts}) p "
        f"JOIN ({tables.accounts}) a USING (network, account_id)"
    )

    def lazy(sql: str, target: pl.Schema) -> pl.LazyFrame:
        # Each input reads through its own cursor, made here on the caller's thread: polars
        # may run several deferred inputs at once, and scoring reads some from a worker
        # thread while the main one queries ``con`` (a connection is not to be shared
        # between threads; cursors are separate connections to the same database).
        cursor = con.cursor()

        def fetch() -> pl.DataFrame:
            frame = cursor.sql(sql).pl()
            return _conform(frame.lazy(), target).collect()

        return pl.defer(fetch, schema=target)

    return ScoringInputs(
        posts=lazy(posts_sql, POSTS_SCHEMA),
        accounts=lazy(tables.accounts, ACCOUNTS_SCHEMA),
        followers=lazy(tables.followers, FOLLOWERS_SCHEMA),
        audience_age=lazy(tables.audience_age, AUDIENCE_SCHEMA),
        since=since,
        until=until,
        _sql=tables,
    )


def labelled_accounts_sql(table: str) -> str:
    """The accounts of ``table`` (network, account_id, handle, museum, ...) with ``museum``
    set for every one: an account linked to no museum is scored under its own label —
    ``@handle`` (its id without a handle), or ``network:@handle`` when another unlinked
    account has the same handle on another network — and ``linked`` says which is which.
    """
    name = "ltrim(coalesce(a.handle, a.account_id), '@')"
    # the handles two unlinked accounts share: a join to this short list (only unlinked
    # accounts are grouped) costs less than a window over every account
    return f"""SELECT a.* EXCLUDE (museum),
       coalesce(a.museum, CASE WHEN c.name_key IS NOT NULL
           THEN a.network || ':@' || {name} ELSE '@' || {name} END) AS museum,
       a.museum IS NOT NULL AS linked
FROM {table} a
LEFT JOIN (
    SELECT lower({name}) AS name_key FROM {table} a WHERE a.museum IS NULL
    GROUP BY 1 HAVING count(*) > 1
) c ON a.museum IS NULL AND c.name_key = lower({name})"""


def unlinked_label(museum: pl.Expr, network: pl.Expr, handle: pl.Expr) -> pl.Expr:
    """:func:`labelled_accounts_sql`'s label in polars (for accounts given as frames)."""
    name = handle.str.strip_chars_start("@")
    clash = museum.is_null().cast(pl.Int64).sum().over(name.str.to_lowercase()) > 1
    label = (
        pl.when(clash).then(pl.format("{}:@{}", network, name)).otherwise(pl.format("@{}", name))
    )
    return pl.coalesce(museum, label)


def is_unlinked(museum: pl.Expr) -> pl.Expr:
    """True for the label of an account linked to no museum (slugs never hold an "@")."""
    return museum.str.contains("@", literal=True)


def _conform(lf: pl.LazyFrame, target: pl.Schema) -> pl.LazyFrame:
    """Select ``target``'s columns in order, adding absent ones as NULL, timestamps in UTC."""
    have = lf.collect_schema()
    exprs = []
    for name, dtype in target.items():
        if name not in have:
            exprs.append(pl.lit(None, dtype=dtype).alias(name))
        elif isinstance(dtype, pl.Datetime):
            col = pl.col(name)
            src = have[name]
            if isinstance(src, pl.Datetime) and src.time_zone is None:
                col = col.dt.replace_time_zone("UTC")
            exprs.append(col.dt.convert_time_zone("UTC").cast(dtype).alias(name))
        else:
            exprs.append(pl.col(name).cast(dtype).alias(name))
    return lf.select(exprs)


def as_utc(ts: datetime) -> datetime:
    """An aware UTC datetime (a naive one is taken as UTC)."""
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def _ts(ts: datetime) -> str:
    return f"TIMESTAMPTZ '{as_utc(ts).isoformat()}'"


def sql_text(value: object) -> str:
    """A SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def sql_list(values: Iterable[object]) -> str:
    """The items of a SQL ``IN (...)`` list of strings; ``NULL`` (matching nothing) when empty."""
    return ", ".join(sql_text(v) for v in values) or "NULL"
