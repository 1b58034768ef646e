"""The DuckDB store: one file, versioned schema, all-or-nothing idempotent imports.

Polars frames go in and out through Arrow (DuckDB scans a registered frame), never row by row.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import polars as pl

from engagecore import followers, interrupts, limits, schema, scratch
from engagecore.errors import StoreBusy, StoreError

if TYPE_CHECKING:
    from engagecore.postkeys import Hashes, PostKeys

DEFAULT_DB = "engage.duckdb"

#: schema version → the statements that bring the previous version to it
MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: schema.DDL_V1,
    2: (*schema.DDL_V2, followers.refresh_sql(None), followers.account_keys_sql(None)),
    3: schema.DDL_V3,
    4: schema.DDL_V4,
    5: schema.DDL_V5,
    6: schema.DDL_V6,
}

_COUNTS = schema.COUNT_COLUMNS
#: a stored row ``q`` of the post ``p`` (the write statements' correlated conditions)
_SAME_POST = "q.network = p.network AND q.post_id = p.post_id"


def _newest_per_post(obs: pl.DataFrame) -> pl.DataFrame:
    """One row per post: the newest reading, each missing value filled from older readings."""
    keys = ["network", "post_id"]
    if not obs.select(pl.struct(keys).is_duplicated().any()).item():
        return obs
    ordered = obs.sort("observed_at")
    others = [c for c in obs.columns if c not in keys]
    return ordered.group_by(keys).agg(
        [pl.col(c).drop_nulls().last() if c in _FILLED else pl.col(c).last() for c in others]
    )


#: The posts columns an import writes (the others are derived: see refresh_followers).
_POST_INSERT = ", ".join((*schema.POSTS, "import_id"))
_POST_SELECT = ", ".join(f"p.{c}" for c in (*schema.POSTS, "import_id"))

_FILLED = frozenset((*_COUNTS, "text", "language", "url", "hashtags", "mentions"))


_LOCK_PID = re.compile(r"\(PID (\d+)\)")


#: the catalog name of a store attached with a row group size of its own (:func:`_attach`)
ATTACHED_AS = "engage_store"


def connect(
    path: Path,
    read_only: bool,
    wait: float,
    config: dict[str, str | bool | int | float | list[str]] | None = None,
    row_group_rows: int | None = None,
) -> duckdb.DuckDBPyConnection:
    """A connection to ``path`` (with DuckDB ``config``; or attached with row groups of
    ``row_group_rows`` rows, for writing), retried with backoff while another process holds
    its lock; :class:`StoreBusy` after ``wait`` seconds."""
    if row_group_rows is not None and (read_only or config):
        raise ValueError("row_group_rows is for a store opened for writing, without config")
    deadline = time.monotonic() + wait
    delay = 0.05
    while True:
        try:
            if row_group_rows is not None:
                return _attach(path, row_group_rows)
            return duckdb.connect(str(path), read_only=read_only, config=dict(config or {}))
        except duckdb.ConnectionException as exc:
            raise StoreError(
                f"{path}: cannot open a connection while this process holds the store open "
                f"otherwise ({exc})"
            ) from exc
        except duckdb.IOException as exc:
            if "Could not set lock" not in str(exc):
                raise StoreError(f"{path}: cannot open as a DuckDB store ({exc})") from exc
            left = deadline - time.monotonic()
            if left <= 0:
                raise StoreBusy(path, _holder(str(exc), path), wait) from exc
        except duckdb.Error as exc:
            raise StoreError(f"{path}: cannot open as a DuckDB store ({exc})") from exc
        # outside the except block: Ctrl-C while waiting raises at once (interrupts)
        time.sleep(min(delay, left))
        delay = min(delay * 2, 1.0)


def _attach(path: Path, row_group_rows: int) -> duckdb.DuckDBPyConnection:
    """``path`` attached (for writing) to a database of its own with row groups of
    ``row_group_rows`` rows: a size DuckDB takes only as an ``ATTACH`` option. Spills go
    beside the store, as a plain connection's do."""
    con = duckdb.connect()
    try:
        quoted = str(path).replace("'", "''")
        con.execute(f"SET temp_directory = '{quoted}.tmp'")
        con.execute(f"ATTACH '{quoted}' AS {ATTACHED_AS} (ROW_GROUP_SIZE {int(row_group_rows)})")
        con.execute(f"USE {ATTACHED_AS}")
    except BaseException:
        con.close()
        raise
    return con


def _holder(message: str, path: Path) -> str:
    """Who holds the lock, from DuckDB's message: "an import is running, pid N" when that
    process has a run folder beside the store, else "pid N"."""
    found = _LOCK_PID.search(message)
    if found is None:
        return "held by another process"
    pid = found.group(1)
    if (scratch.root_for(path) / f"run-{pid}").is_dir():
        return f"an import is running, pid {pid}"
    return f"pid {pid}"


def default_db_path() -> Path:
    """``$ENGAGE_DB`` when set, else ``./engage.duckdb``."""
    return Path(os.environ.get("ENGAGE_DB") or DEFAULT_DB)


class Store:
    """A connection to one engagecore DuckDB file, migrated to the current schema."""

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        read_only: bool = False,
        wait: float | None = None,
        small_appends: bool = False,
    ) -> None:
        """Open the store; while another process holds it (DuckDB lets one process write, or
        several read), retry for ``wait`` seconds (default ``ENGAGE_WAIT``, else 10).

        ``small_appends``: opened for a long run of small commits (``engage fetch``'s import
        in batches): row groups of :data:`limits.SMALL_APPENDS_ROW_GROUP` rows, and a
        checkpoint every :data:`limits.SMALL_APPENDS_CHECKPOINT` of log. A checkpoint rewrites
        the table's last, partly filled row group: with DuckDB's 122,880-row groups and a
        checkpoint every 16 MB of log, the commits of a 400,000-post fetch peaked ~45 MB above
        the others; both smaller, that rewrite stays small (benchmarks/RESULTS.md). Either
        alone does not help (a checkpoint every 4 MB rewrites the large row group at each).
        Its writes also keep the hashes of the stored posts' keys in memory
        (:mod:`engagecore.postkeys`): a batch of new posts is inserted without reading every
        stored key, which made each batch's memory grow with the posts stored.
        """
        if read_only and small_appends:
            raise ValueError("small_appends is for a store opened for writing")
        self.path = Path(path) if path is not None else default_db_path()
        if read_only and not self.path.exists():
            raise StoreError(f"{self.path}: no such store; run `engage ingest` or `engage demo`")
        self.con = connect(
            self.path,
            read_only,
            limits.current().wait_seconds() if wait is None else wait,
            row_group_rows=limits.SMALL_APPENDS_ROW_GROUP if small_appends else None,
        )
        self._post_keys: PostKeys | None = None
        if small_appends:
            from engagecore.postkeys import PostKeys

            self.con.execute(f"SET checkpoint_threshold = '{limits.SMALL_APPENDS_CHECKPOINT}'")
            self._post_keys = PostKeys(lambda: self._key_hash_chunks("posts"))
        self._in_tx = False
        # Row order is never relied on (every read sorts): lets DuckDB load with less memory.
        self.con.execute("SET preserve_insertion_order = false")
        # DuckDB draws a progress bar on stdout for queries over 2 s: stdout is our output
        self.con.execute("SET enable_progress_bar = false")
        if not read_only:
            self.migrate()
        else:
            self._check_version()

    # -- schema -----------------------------------------------------------------------------
    def _version(self) -> int:
        # the table read directly: a first query of information_schema (or of duckdb_tables())
        # on a new connection costs ~11 ms of CPU, this one ~1.4 ms, and every open asks
        try:
            v = self.fetchall("SELECT max(version) FROM schema_migrations")[0][0]
        except duckdb.CatalogException:
            return 0
        return int(v or 0)

    def _check_version(self) -> int:
        v = self._version()
        if v > schema.SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: store schema version {v} is newer than this engagecore "
                f"(knows {schema.SCHEMA_VERSION}); upgrade engagecore"
            )
        return v

    def migrate(self) -> None:
        """Apply every migration the file has not seen yet, each in its own transaction; a new
        file (no version recorded) is created at the current schema in one
        (:data:`schema.DDL_NEW`). A file with tables but no version is none of ours (each
        migration recorded its version in its own transaction): the store's tables are added
        beside its own, or, on a name both use, the open fails and leaves it unchanged."""
        v = self._check_version()
        if v == 0:
            self._create()
            return
        for target in sorted(MIGRATIONS):
            if target <= v:
                continue
            with self.transaction():
                for stmt in MIGRATIONS[target]:
                    self.con.execute(stmt)
                self.con.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?)", [target, datetime.now(UTC)]
                )

    def _create(self) -> None:
        """The current schema and its ``schema_migrations`` rows (every version, as if each
        migration had run), all or nothing."""
        with self.transaction():
            self.con.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)"
            )
            for stmt in schema.DDL_NEW:
                self.con.execute(stmt)
            self.con.execute(
                "INSERT INTO schema_migrations SELECT v, ? FROM unnest(?) t(v)",
                [datetime.now(UTC), sorted(MIGRATIONS)],
            )

    @property
    def schema_version(self) -> int:
        return self._version()

    # -- plumbing -----------------------------------------------------------------------------
    def fetchall(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        """Run a query and fetch every row (DuckDB 2 needs results drained)."""
        return self.con.execute(sql, params or []).fetchall()

    def frame(self, sql: str, params: list[Any] | None = None) -> pl.DataFrame:
        """A query's result as a polars frame, through Arrow."""
        return self.con.sql(sql, params=params).pl() if params else self.con.sql(sql).pl()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All or nothing: commit on success, roll back on any exception. Nestable."""
        if self._in_tx:
            yield
            return
        self.con.execute("BEGIN TRANSACTION")
        self._in_tx = True
        try:
            yield
            # a signal caught on its way up (as a DuckDB error something handled) is
            # never committed
            interrupts.check()
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        else:
            self.con.execute("COMMIT")
        finally:
            self._in_tx = False

    def drop_cache(self, limit_sql: str) -> None:
        """Let DuckDB drop the blocks it keeps cached (those of tables it read or wrote: they
        are in the file) and spill what only memory holds, then apply ``limit_sql`` (a
        ``SET memory_limit``). Between two batches of a long import: without it DuckDB keeps
        every block it touched until its limit, and a 400,000-post fetch's import held ~30 MB
        of the posts it had just written. Nothing happens inside a transaction (a refused
        ``SET`` would abort it)."""
        if self._in_tx:
            return
        try:
            # DuckDB evicts what it can to meet a lower limit, and refuses it if it cannot
            self.con.execute("SET memory_limit = '1MB'")
        except duckdb.OutOfMemoryException:
            pass
        finally:
            self.con.execute(limit_sql)

    @contextmanager
    def registered(self, name: str, df: pl.DataFrame) -> Iterator[str]:
        """Expose a polars frame to SQL under ``name`` for the duration of the block.

        As Arrow with string views, polars' own layout: DuckDB reads it without a copy
        (registering the frame itself exports it with plain strings, a copy of every text:
        +0.4× a Graph dump's size at the peak of an ingest)."""
        self.con.register(name, df.to_arrow(compat_level=pl.CompatLevel.newest()))
        try:
            yield name
        except BaseException:
            # after a failed statement (out of memory…) DuckDB refuses even this until the
            # rollback: the original error is the one to report
            with suppress(duckdb.Error):
                self.con.unregister(name)
            raise
        self.con.unregister(name)

    def close(self) -> None:
        interrupts.unregister(self.con)
        if self._post_keys is not None:
            self._post_keys.close()  # the keys' files
        self.con.close()

    # -- imports -----------------------------------------------------------------------------
    def already_imported(self, sha256: str, importer: str) -> bool:
        return bool(
            self.fetchall(
                "SELECT count(*) FROM imports WHERE sha256 = ? AND importer = ?", [sha256, importer]
            )[0][0]
        )

    def next_import_id(self) -> int:
        return int(self.fetchall("SELECT coalesce(max(import_id), 0) + 1 FROM imports")[0][0])

    def record_import(
        self,
        *,
        import_id: int,
        plugin: str,
        plugin_version: str,
        importer: str,
        network: str,
        path: str,
        sha256: str,
        rows: int,
        notes: list[str] | None = None,
    ) -> None:
        self.con.execute(
            "INSERT INTO imports (import_id, plugin, plugin_version, importer, network, path, "
            "sha256, rows, imported_at, notes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                import_id,
                plugin,
                plugin_version,
                importer,
                network,
                path,
                sha256,
                rows,
                datetime.now(UTC),
                notes or None,
            ],
        )

    def write_accounts(self, accounts: pl.DataFrame) -> None:
        """Upsert accounts (frame: network, account_id, museum, handle, display_name and,
        optionally, created_at).

        A known value is never replaced by NULL; an explicit museum replaces the old one; of
        the creation dates read, the earliest is kept (a date read later, in a newer export,
        is no truer: an account is created once).
        """
        if accounts.is_empty():
            return
        if "created_at" not in accounts.columns:
            accounts = accounts.with_columns(pl.lit(None, schema.UTC_TS).alias("created_at"))
        keys = ["network", "account_id"]
        df = accounts.group_by(keys, maintain_order=True).agg(
            pl.col("created_at").min(),
            *(
                pl.col(c).drop_nulls().last()
                for c in accounts.columns
                if c not in keys and c != "created_at"
            ),
        )
        with self.registered("_acc", df):
            self.con.execute(
                """
                INSERT INTO accounts (network, account_id, museum, handle, display_name,
                                      created_at)
                SELECT network, account_id, museum, handle, display_name, created_at FROM _acc
                ON CONFLICT (network, account_id) DO UPDATE SET
                    museum = coalesce(excluded.museum, accounts.museum),
                    linked_by = CASE WHEN excluded.museum IS DISTINCT FROM accounts.museum
                                     AND excluded.museum IS NOT NULL THEN NULL
                                     ELSE accounts.linked_by END,
                    handle = coalesce(excluded.handle, accounts.handle),
                    display_name = coalesce(excluded.display_name, accounts.display_name),
                    created_at = coalesce(least(excluded.created_at, accounts.created_at),
                                          excluded.created_at, accounts.created_at)
                """
            )

    def drop_placeholder_account(self, network: str, handle: str) -> None:
        """Remove an account row made by ``museums link`` before the account's id was known;
        the real account of that handle, attached to the same museum, takes over how the link
        was made (``linked_by``)."""
        self.con.execute(
            "UPDATE accounts SET linked_by = p.linked_by FROM accounts p "
            "WHERE p.network = ? AND p.account_id = ? AND accounts.network = p.network "
            "AND accounts.account_id <> p.account_id AND lower(accounts.handle) = lower(?) "
            "AND accounts.museum = p.museum AND p.linked_by IS NOT NULL AND NOT EXISTS "
            "(SELECT 1 FROM posts q WHERE q.network = p.network AND q.account_id = p.account_id)",
            [network, handle, handle],
        )
        self.con.execute(
            "DELETE FROM accounts WHERE network = ? AND account_id = ? AND NOT EXISTS "
            "(SELECT 1 FROM posts p WHERE p.network = accounts.network "
            "AND p.account_id = accounts.account_id)",
            [network, handle],
        )

    def write_posts(self, posts: pl.DataFrame) -> None:
        """Write a batch of posts; the posts row holds the newest reading of each count, and
        ``post_observations`` every reading of the posts read at two or more times (a post
        read once has its reading in its posts row only: :meth:`_write_posts_from`).

        An older export imported after a newer one adds its observation but does not roll the
        counts back; a count the newer reading lacks keeps the older value. Written as an
        anti-join insert plus an ``UPDATE ... FROM`` (DuckDB's ``ON CONFLICT DO UPDATE`` is two
        orders of magnitude slower on a large batch of existing keys).
        """
        if posts.is_empty():
            return
        # Usually every post id is new in a batch: one cheap check skips both deduplications
        # (a copy of a 1M-post frame is hundreds of MB). The ids' 64-bit hashes are counted,
        # not the ids (1M ids: 0.05 CPU s, against 0.3 s for `is_duplicated` of the strings):
        # equal ids hash equal, so a duplicate is never missed; a collision only sends a
        # batch down the exact path below, which finds nothing to merge.
        if posts.select(pl.col("post_id").hash().n_unique()).item() < posts.height:
            reading = ["network", "post_id", "observed_at"]
            observations = posts.unique(subset=reading, keep="last")
            df = _newest_per_post(observations)
        else:
            observations = df = posts
        # Registering converts the frame for DuckDB (0.2 s per 1M posts): once when the
        # observations are the posts themselves, the usual case.
        with ExitStack() as stack:
            stack.enter_context(self.registered("_posts", df))
            obs = "_posts"
            if observations is not df:
                obs = stack.enter_context(self.registered("_obs", observations))
            self._write_posts_from("_posts", obs)

    def write_posts_files(self, files: list[Path]) -> None:
        """:meth:`write_posts` for posts staged as Parquet files (with their ``import_id``):
        DuckDB reads them in each statement, so they are never held whole in Python, and the
        store receives them in one large append (written out a row group at a time, where
        many small appends to one transaction stay in memory until it commits)."""
        if not files:
            return
        names = ", ".join("'" + str(f).replace("'", "''") + "'" for f in files)
        source = f"read_parquet([{names}])"
        duplicated = f"SELECT count(*) > count(DISTINCT (network, post_id)) FROM {source}"
        if self.fetchall(duplicated)[0][0]:  # a post read twice: deduplicated in memory
            self.write_posts(pl.read_parquet(files))
            return
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW _staged AS SELECT * FROM {source}")
        try:
            self._write_posts_from("_staged", "_staged")
        finally:
            with suppress(duckdb.Error):  # after a failed statement: the rollback drops it
                self.con.execute("DROP VIEW IF EXISTS _staged")

    def _write_posts_from(self, posts: str, obs: str) -> None:
        """The statements of :meth:`write_posts`: ``posts`` names a relation of posts, each
        once (the newest reading of each); ``obs`` their readings, each (post, observed_at)
        once — the same relation as ``posts`` when no post is read twice in the batch.

        Observations are kept only for posts read at two or more times (schema v5): a post
        read once has its one reading in its ``posts`` row alone; a post read at two or more
        distinct ``observed_at`` has every reading in ``post_observations``. So a first
        import writes each post once, not twice.
        """
        # the stored keys are read only when some of these posts may be stored: always, or,
        # with the keys' hashes at hand (small appends), when one of theirs is among them
        maybe_stored = True
        if self._post_keys is not None:
            hashes = self._key_hashes(posts)
            maybe_stored = self._post_keys.any_stored(hashes)
            self._post_keys.add(hashes)  # before the insert: never a stored post missed
        # only when some of these posts are stored already (a join read, not written:
        # the updates rewrite what they scan, each of a run's batches of new posts again)
        stored = maybe_stored and bool(
            self.fetchall(f"SELECT 1 FROM {posts} p JOIN posts q ON {_SAME_POST} LIMIT 1")
        )
        if stored:
            self._seed_observations(obs)
        self._insert_observations(posts, obs, stored)
        if stored:
            self._merge_stored(posts)
        self.con.execute(
            f"""
            INSERT INTO posts ({_POST_INSERT}, account_key)
            SELECT {_POST_SELECT}, a.account_key FROM {posts} p
            LEFT JOIN accounts a ON a.network = p.network AND a.account_id = p.account_id
            {f"WHERE NOT EXISTS (SELECT 1 FROM posts q WHERE {_SAME_POST})" if stored else ""}
            """
        )

    def _key_hashes(self, relation: str) -> Hashes:
        """DuckDB's 64-bit hash of each ``(network, post_id)`` of ``relation``."""
        import numpy as np

        chunks = list(self._key_hash_chunks(relation))
        if len(chunks) == 1:
            return chunks[0]
        return np.concatenate(chunks) if chunks else np.empty(0, dtype=np.uint64)

    def _key_hash_chunks(self, relation: str) -> Iterator[Hashes]:
        """:meth:`_key_hashes` in chunks of at most ``postkeys.MAX_RUN`` (a store's every
        post is never one array)."""
        import numpy as np

        from engagecore.postkeys import MAX_RUN

        reader = self.con.sql(
            f"SELECT hash(network, post_id) AS h FROM {relation}"
        ).to_arrow_reader(MAX_RUN)
        for batch in reader:
            yield batch.column(0).to_numpy(zero_copy_only=False).astype(np.uint64, copy=False)

    def _seed_observations(self, obs: str) -> None:
        """A stored post read once (no observation row), read now at another time: its one
        stored reading — its ``posts`` row, which is exactly that reading — becomes its first
        observation, before the batch's readings join it and the row is merged."""
        counts = ", ".join(f"q.{c}" for c in _COUNTS)
        self.con.execute(
            f"""
            INSERT INTO post_observations
            SELECT q.network, q.post_id, q.observed_at, {counts}, q.import_id FROM posts q
            WHERE EXISTS (SELECT 1 FROM {obs} m WHERE m.network = q.network
                          AND m.post_id = q.post_id AND m.observed_at <> q.observed_at)
              AND NOT EXISTS (SELECT 1 FROM post_observations o
                              WHERE o.network = q.network AND o.post_id = q.post_id)
            """
        )

    def _insert_observations(self, posts: str, obs: str, stored: bool) -> None:
        """The batch's readings of the posts that keep observations: those read twice in the
        batch, and those with an observation row already (read at another time before: see
        :meth:`_seed_observations`); a reading already kept (same ``observed_at``) is not
        written again. Nothing to do for a batch of new posts read once each."""
        counts = ", ".join(_COUNTS)
        keep = []
        if obs != posts:  # some post read twice in the batch
            keep.append(
                f"(p.network, p.post_id) IN (SELECT network, post_id FROM {obs} "
                "GROUP BY ALL HAVING count(*) > 1)"
            )
        if stored:
            keep.append(f"EXISTS (SELECT 1 FROM post_observations q WHERE {_SAME_POST})")
        if not keep:
            return
        self.con.execute(
            f"""
            INSERT INTO post_observations
            SELECT network, post_id, observed_at, {counts}, import_id FROM {obs} p
            WHERE ({" OR ".join(keep)})
              AND NOT EXISTS (SELECT 1 FROM post_observations q
                              WHERE {_SAME_POST} AND q.observed_at = p.observed_at)
            """
        )

    def _merge_stored(self, posts: str) -> None:
        """The stored posts' rows take the batch's newer readings (an older reading fills
        only what the stored one lacks)."""
        newer = "m.observed_at >= posts.observed_at"
        merged = ",\n".join(
            f"{c} = CASE WHEN {newer} THEN coalesce(m.{c}, posts.{c}) "
            f"ELSE coalesce(posts.{c}, m.{c}) END"
            for c in (*_COUNTS, "text", "language", "url")
        )
        self.con.execute(
            f"""
            UPDATE posts SET
                {merged},
                observed_at = greatest(m.observed_at, posts.observed_at),
                import_id = CASE WHEN {newer} THEN m.import_id ELSE posts.import_id END
            FROM {posts} m
            WHERE posts.network = m.network AND posts.post_id = m.post_id
            """
        )
        # List columns separately, only where they differ: DuckDB rewrites a list
        # column very slowly, and a re-import rarely changes a caption's tags.
        for col in ("hashtags", "mentions"):
            self.con.execute(
                f"""
                UPDATE posts SET {col} = m.{col} FROM {posts} m
                WHERE posts.network = m.network AND posts.post_id = m.post_id
                  AND m.observed_at >= posts.observed_at AND m.{col} IS NOT NULL
                  AND posts.{col} IS DISTINCT FROM m.{col}
                """
            )

    def refresh_followers(
        self,
        accounts: pl.DataFrame | None = None,
        *,
        changed_only: bool = False,
        imports: tuple[int, int] | None = None,
    ) -> None:
        """Set ``followers_at_post``/``followers_fallback`` on the posts of ``accounts``
        (a frame of network, account_id; None: every account) from their snapshots, and
        their ``account_key`` where missing or stale. ``changed_only``: only the posts whose
        values change are updated (an update's memory grows with the rows it touches);
        ``imports``: only the posts of those imports (an inclusive range of import ids: the
        posts a fetch's batch just wrote, not every post of the account again).

        Ingest calls it once per run for the accounts it touched (``engage fetch``: once per
        batch), so the columns always agree with the snapshots (engagecore.followers
        explains them).
        """
        if accounts is None:
            self.con.execute(followers.refresh_sql(None, imports=imports))
            self.con.execute(followers.account_keys_sql(None, imports))
            return
        if accounts.is_empty():
            return
        keys = accounts.select("network", "account_id").unique()
        with self.registered("_touched", keys):
            self.con.execute(
                followers.refresh_sql("_touched", changed_only=changed_only, imports=imports)
            )
            # posts written before their account row (write_posts sets the key otherwise)
            self.con.execute(followers.account_keys_sql("_touched", imports))

    def write_rows(self, table: str, df: pl.DataFrame) -> None:
        """Insert follower snapshots or audience-age rows (with their ``import_id``); a
        reading already stored is kept."""
        if df.is_empty():
            return
        key = {
            "follower_snapshots": ["network", "account_id", "observed_at"],
            "audience_age": ["network", "account_id", "observed_at", "age_band", "basis"],
        }[table]
        df = df.unique(subset=key, keep="first", maintain_order=True)
        cols = ", ".join(df.columns)
        same = " AND ".join(f"q.{k} = r.{k}" for k in key)
        with self.registered("_rows", df):
            self.con.execute(
                f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _rows r "
                f"WHERE NOT EXISTS (SELECT 1 FROM {table} q WHERE {same})"
            )

    # -- inspection -----------------------------------------------------------------------------
    def table_digest(self) -> dict[str, str]:
        """A content digest per data table, independent of physical row order.

        Two stores with the same digests hold the same rows: tests use it to prove that a
        failed or repeated import changed nothing.
        """
        # one statement for every table: tests take a digest before and after each import
        # they check, and a statement's own cost outweighs a small table's scan
        query = " UNION ALL ".join(
            f"SELECT {i} AS i, coalesce(sum(hash(t)), 0) AS h, count(*) AS n FROM {table} AS t"
            for i, table in enumerate(schema.DATA_TABLES)
        )
        rows = sorted(self.fetchall(query))
        return {
            table: hashlib.sha256(repr((h, n)).encode()).hexdigest()[:16]
            for table, (_, h, n) in zip(schema.DATA_TABLES, rows, strict=True)
        }

    def duplicate_keys(self) -> dict[str, int]:
        """Rows beyond the first per key in each index-less table (always 0 when sound)."""
        out = {}
        for table, key in schema.KEYS.items():
            cols = ", ".join(key)
            out[table] = int(
                self.fetchall(
                    f"SELECT coalesce(sum(n - 1), 0) FROM "
                    f"(SELECT count(*) AS n FROM {table} GROUP BY {cols})"
                )[0][0]
            )
        return out

    def counts(self) -> dict[str, int]:
        return {
            t: int(self.fetchall(f"SELECT count(*) FROM {t}")[0][0]) for t in schema.DATA_TABLES
        }
