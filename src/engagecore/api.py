"""The Python API: ``engagecore.open(db)`` gives an :class:`Engine`; the CLI is a thin layer on it.

Every operation returns plain data or polars frames, ready for a notebook.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC as _UTC
from datetime import date, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import polars as pl

from engagecore import plugins
from engagecore.ingest import IngestReport, Progress, run_or_dry
from engagecore.museums import Museums
from engagecore.store import Store


class Engine:
    """An open store plus the loaded plugins."""

    def __init__(
        self, db: str | Path | None = None, *, read_only: bool = False, small_appends: bool = False
    ) -> None:
        """``small_appends``: the store opened for a long run of small commits, as ``engage
        fetch`` imports its pages (see :class:`~engagecore.store.Store`)."""
        self.store = Store(db, read_only=read_only, small_appends=small_appends)
        self._small_appends = small_appends
        self.museums = Museums(self.store)

    @property
    def path(self) -> Path:
        return self.store.path

    # context manager -----------------------------------------------------------------------
    def __enter__(self) -> Engine:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self.store.close()

    # operations ------------------------------------------------------------------------------
    def ingest(
        self,
        paths: str | Path | Sequence[str | Path],
        *,
        account: str | None = None,
        museum: str | None = None,
        network: str | None = None,
        timezone: str = "Europe/Paris",
        dry_run: bool = False,
        allow_empty: bool = False,
        options: dict[str, Any] | None = None,
        progress: Progress | None = None,
        keep_paths: bool = False,
    ) -> IngestReport:
        """Import files, folders and zips (see :mod:`engagecore.ingest`); one keyword per
        ``engage ingest`` option.

        :param paths: a file, folder or zip, or several; a folder or zip is walked at any
            depth and every export in it is imported.
        :param account: the account of files that do not name theirs (a YouTube Studio CSV,
            an X API page saved without ``author_id``); an error when a file names another.
        :param museum: attach every imported account to this museum (name or alias).
        :param network: force a network (or an importer, by name) instead of detection.
        :param timezone: the zone of times written without one.
        :param dry_run: read and validate everything, store nothing.
        :param allow_empty: accept a file that yields no posts, followers or ages.
        :param options: further importer options (``{"account": ...}`` also works).
        :param keep_paths: record each file's absolute path in ``imports`` (by default: the
            path relative to the argument given, no folder above it).
        """
        if isinstance(paths, str | Path):
            paths = [paths]
        return run_or_dry(
            self.store,
            paths,
            network=network,
            museum=museum,
            dry_run=dry_run,
            timezone=timezone,
            options=options,
            progress=progress,
            account=account,
            allow_empty=allow_empty,
            keep_paths=keep_paths,
        )

    def fetch(
        self,
        museums: str | Sequence[str] = (),
        *,
        all_museums: bool = False,
        network: str | Sequence[str] | None = None,
        since: date | datetime | None = None,
        max_posts: int | None = None,
        refresh_days: int = 30,
        dry_run: bool = False,
        api_base: str | None = None,
        link: tuple[str, str, str] | None = None,
    ) -> Any:
        """Fetch linked accounts from the networks' APIs and import the responses (see
        :mod:`engagecore.fetch.run` and docs/fetch.md); one keyword per ``engage fetch``
        option. ``link=(network, handle, museum)`` links that account first, then fetches
        it. Returns a :class:`~engagecore.fetch.run.FetchReport` (``.table()``, ``.errors``).
        """
        from datetime import UTC, time

        from engagecore.fetch import run as fetch_run

        if isinstance(since, date) and not isinstance(since, datetime):
            since = datetime.combine(since, time(), UTC)
        return fetch_run.run(
            self.store,
            museums=[museums] if isinstance(museums, str) else list(museums),
            all_museums=all_museums,
            networks=[network] if isinstance(network, str) else list(network or []),
            since=since,
            max_posts=max_posts,
            refresh_days=refresh_days,
            dry_run=dry_run,
            api_base=api_base,
            link=link,
        )

    def link(self, museum: str, network: str, account: str) -> tuple[str, str]:
        """Attach an account (handle or id) of ``network`` to a museum."""
        if network not in plugins.registry().networks:
            from engagecore.errors import UsageError

            known = ", ".join(sorted(plugins.registry().networks))
            raise UsageError(f"unknown network {network!r}; known: {known}")
        return self.museums.link(museum, network, account)

    def import_registry(self, path: str | Path) -> tuple[str, int, int, int]:
        """Add or update museums from an official list; returns (reader, added, updated,
        museums listed).

        All or nothing, like every import.
        """
        from engagecore.detection import choose_importer
        from engagecore.errors import DetectionError, FormatError
        from engagecore.sources import Source

        source = Source.open(path)
        readers = list(plugins.registry().registry_readers.values())
        try:
            chosen = choose_importer(source, readers, kind="registry reader")
        except BaseException:
            source.close()
            raise
        if chosen is None:
            source.close()
            names = ", ".join(r.name for r in readers) or "none installed"
            raise DetectionError(f"{path}: not a museum registry any reader knows ({names})")
        reader = chosen[0]
        try:
            df = reader.read(source)
        except (ValueError, KeyError, TypeError) as exc:
            raise FormatError(str(path), f"cannot be read by {reader.name}: {exc!r}") from exc
        finally:
            source.close()
        with self.store.transaction():
            added, updated = self.museums.upsert_registry(df)
        # rows repeating a Muséofile id name the same museum (see RegistryReader.read)
        ids = df.get_column("museofile_id")
        museums = ids.drop_nulls().n_unique() + ids.null_count()
        return reader.name, added, updated, museums

    # scoring ---------------------------------------------------------------------------------
    # Scores are percentiles within each network's whole cohort: a museum filter only selects
    # rows of the result, it never narrows the cohort the inputs are loaded for.
    def _scoring(
        self,
        *,
        networks: Sequence[str] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        period: str = "all",
        young_band: tuple[int, int] = (13, 24),
        **config: Any,
    ) -> tuple[Any, Any, Any]:
        """The cohort's scoring inputs, the configuration and the network specs."""
        from engagecore import scoring
        from engagecore.errors import UsageError

        reg = plugins.registry()
        unknown = [n for n in networks or () if n not in reg.networks]
        if unknown:
            raise UsageError(
                f"unknown network(s) {', '.join(unknown)}; known: {', '.join(sorted(reg.networks))}"
            )
        cfg = scoring.ScoringConfig(period=period, young_band=young_band, **config)  # type: ignore[arg-type]
        inputs = scoring.load_inputs(
            self.store.con, networks=networks, museums=None, since=since, until=until
        )
        return inputs, cfg, reg.networks

    def _scores_and_metrics(self, **kwargs: Any) -> tuple[pl.DataFrame, pl.DataFrame, Any]:
        from engagecore import scoring

        inputs, cfg, specs = self._scoring(**kwargs)
        return scoring.score(inputs, specs, cfg), scoring.post_metrics(inputs, specs, cfg), cfg

    def _slug(self, museum: str) -> str:
        """A museum's slug (names and aliases resolve); an unlinked account's label
        (``@handle``, ``network:@handle``) is kept as it is."""
        return museum if "@" in museum else self.museums.resolve(museum)

    def score(
        self,
        *,
        museums: Sequence[str] | None = None,
        sort: str | None = None,
        top: int | None = None,
        **kwargs: Any,
    ) -> pl.DataFrame:
        """One row per museum × network × period, plus composite rows (network "all").

        Filters and options: ``networks``, ``museums`` (names resolve; selects output rows
        only), ``since``, ``until``, ``period`` (all, month, quarter, year), ``young_band`` and
        any :class:`~engagecore.scoring.ScoringConfig` field. With ``sort`` or ``top``: the
        ranking of :meth:`leaderboard` instead (``engage score --sort … --top N``).
        """
        from engagecore import scoring

        if sort is not None or top is not None:
            return self.leaderboard(sort=sort or "score", top=top, museums=museums, **kwargs)
        inputs, cfg, specs = self._scoring(**kwargs)
        frame = scoring.score(inputs, specs, cfg)
        if museums:
            slugs = [self._slug(m) for m in museums]
            frame = frame.filter(pl.col("museum").is_in(slugs))
        return frame

    def leaderboard(
        self,
        *,
        sort: str = "score",
        top: int | None = 10,
        museums: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> pl.DataFrame:
        """Museums ranked on their composite ("all") row: ``sort`` is score, rate, young
        (young reach, people), young_share, followers or growth (the growth score, computed
        for the ranking); the first ``top`` (None: all).

        The demo's "top museums" is this ranking (sort="score", top=10). Takes the filters
        and options of :meth:`score`.
        """
        from engagecore.scoring.leaderboard import NEEDS_GROWTH, leaderboard

        if sort in NEEDS_GROWTH and not kwargs.get("with_growth"):
            kwargs["growth"] = True
        frame = self.score(museums=museums, **kwargs)
        names = self.museums.list().select(pl.col("slug").alias("museum"), "name")
        return leaderboard(frame, sort, top, names)

    def post_metrics(self, **kwargs: Any) -> pl.DataFrame:
        """Per post: interactions, rate and its basis, expectation, overperformance, breakout.

        Takes the filters and options of :meth:`score` (except ``museums``).
        """
        from engagecore import scoring

        inputs, cfg, specs = self._scoring(**kwargs)
        return scoring.post_metrics(inputs, specs, cfg)

    # analyses (docs/analyses.md) ---------------------------------------------------------------
    def top_posts(
        self,
        museums: Sequence[str] | None = None,
        *,
        top: int | None = 20,
        breakouts: bool = False,
        since: datetime | None = None,
        until: datetime | None = None,
        **kwargs: Any,
    ) -> pl.DataFrame:
        """Own posts ranked by overperformance (``engage posts``), with an excerpt, the kind,
        the link and the rate basis; ``breakouts`` keeps only breakouts. ``since``/``until``
        select posts (their expectation still reads the posts before ``since``); other
        keywords as :meth:`post_metrics` (``networks``…). Columns: docs/analyses.md."""
        from engagecore.analysis.posts import top_posts

        slugs = [self._slug(m) for m in museums] if museums else None
        return top_posts(
            self.post_metrics(**kwargs),
            self.store.frame("SELECT network, post_id, url FROM posts WHERE url IS NOT NULL"),
            museums=slugs,
            since=since,
            until=until,
            top=top,
            breakouts=breakouts,
        )

    def themes(
        self,
        museums: Sequence[str] | None = None,
        *,
        themes: str | Path | None = None,
        timezone: str = "Europe/Paris",
        min_posts: int = 10,
        with_model: bool = True,
        **kwargs: Any,
    ) -> Any:
        """What works (``engage themes``): the lift of each theme (rules and text model),
        format, weekday, hour, caption length and question, against the same account's other
        posts, pooled over ``museums`` (None: every museum). ``themes``: a user's themes file
        merged over ``data/themes.toml``; ``timezone``: the zone of weekdays and hours (the
        store keeps no zone per museum). Other keywords as :meth:`post_metrics` (``networks``,
        ``since``, ``until``). Returns a :class:`~engagecore.analysis.themes.ThemeReport`
        (``.lifts``, ``.labels``, ``.model``: its held-out precision)."""
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        from engagecore.analysis.themes import load_themes, what_works
        from engagecore.errors import UsageError

        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise UsageError(
                f"unknown time zone {timezone!r}: expected an IANA name such as Europe/Paris"
            ) from None
        chosen = load_themes(themes)
        metrics = self.post_metrics(**kwargs)
        if museums:
            slugs = [self._slug(m) for m in museums]
            metrics = metrics.filter(pl.col("museum").is_in(slugs))
        return what_works(
            metrics, chosen, timezone=timezone, min_posts=min_posts, with_model=with_model
        )

    def _own_posts(
        self,
        museums: Sequence[str] | None,
        networks: Sequence[str] | None,
        since: datetime | None,
        until: datetime | None,
    ) -> pl.DataFrame:
        """Own posts with their museum (an unlinked account's label, as in the scores)."""
        from engagecore.errors import UsageError
        from engagecore.scoring.inputs import labelled_accounts_sql

        known = plugins.registry().networks
        unknown = [n for n in networks or () if n not in known]
        if unknown:
            raise UsageError(
                f"unknown network(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
        where: list[str] = ["p.is_own"]
        params: list[Any] = []
        if museums:
            slugs = [self._slug(m) for m in museums]
            where.append(f"a.museum IN ({', '.join('?' for _ in slugs)})")
            params += slugs
        if networks:
            where.append(f"p.network IN ({', '.join('?' for _ in networks)})")
            params += list(networks)
        for op, when in ((">=", since), ("<", until)):
            if when is not None:
                where.append(f"p.posted_at {op} ?")
                params.append(when if when.tzinfo else when.replace(tzinfo=_UTC))
        return self.store.frame(
            "SELECT a.museum, p.network, p.account_id, p.post_id, p.posted_at, p.kind, p.text, "
            f"p.url FROM posts p JOIN ({labelled_accounts_sql('accounts')}) a "
            f"USING (network, account_id) WHERE {' AND '.join(where)}",
            params,
        )

    def risks(
        self,
        museums: Sequence[str] | None = None,
        *,
        networks: Sequence[str] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        rules: str | Path | None = None,
    ) -> pl.DataFrame:
        """Own posts that MAY be removed or restricted under their network's nudity rule
        (``engage risks``): the caption's matched words, the rule and its source address.
        ``rules``: another rules file than the packaged ``data/policy_risks.toml``."""
        from engagecore.analysis.risks import load_rules, policy_risks

        return policy_risks(self._own_posts(museums, networks, since, until), load_rules(rules))

    def compare(self, museums: Sequence[str], **kwargs: Any) -> Any:
        """Museums side by side (``.table``) and the posts driving the gap (``.drivers``).

        A museum is a slug, name or alias, or an unlinked account's label (``@handle``).
        """
        from engagecore import scoring

        slugs = [self._slug(m) for m in museums]
        scores, metrics, cfg = self._scores_and_metrics(**kwargs)
        return scoring.compare(scores, metrics, slugs, cfg)

    def explain(self, museum: str, **kwargs: Any) -> pl.DataFrame:
        """Every input of the formula for one museum (or unlinked account label)."""
        from engagecore import scoring

        slug = self._slug(museum)
        kwargs.pop("museums", None)
        scores, metrics, _ = self._scores_and_metrics(**kwargs)
        return scoring.explain(scores, metrics, slug)

    # analyses over time (docs/analyses.md) -------------------------------------------------------
    def growth(
        self,
        museums: Sequence[str] | None = None,
        *,
        networks: Sequence[str] | None = None,
        period: str = "quarter",
        gaps: bool = True,
    ) -> pl.DataFrame:
        """Followers per account and period (the last snapshot in each), with the absolute
        and relative change since the previous period that has one; periods without a
        snapshot are gap rows (``gaps=False`` leaves them out). Columns:
        :data:`engagecore.analysis.growth.GROWTH_COLUMNS`."""
        from engagecore.analysis import growth as gr

        gr.check_period(period)
        snaps = gr.load_snapshots(
            self.store.con,
            museums=[self._slug(m) for m in museums] if museums else None,
            networks=[self._known_network(n) for n in networks] if networks else None,
        )
        return gr.growth(snaps, period, gaps=gaps)

    def adoption(
        self, *, networks: Sequence[str] | None = None, region: str | None = None
    ) -> pl.DataFrame:
        """Per network and year: how many museums of the store's registry are present on
        the network by the year's end, and their share of the registry (``region``: only the
        registry's museums of that region). Columns:
        :data:`engagecore.analysis.adoption.ADOPTION_COLUMNS`."""
        from engagecore.analysis import adoption as ad

        nets = [self._known_network(n) for n in networks] if networks else None
        return ad.adoption(self.store.con, networks=nets, region=region)

    def young(
        self,
        museums: Sequence[str] | None = None,
        *,
        period: str = "quarter",
        **kwargs: Any,
    ) -> pl.DataFrame:
        """Young share and young reach per museum × network × period, measured or estimated
        (``young_basis``): the figures :meth:`score` gives for the same period and options
        (``networks``, ``since``, ``until``, ``young_band``...). Columns:
        :data:`engagecore.analysis.young.YOUNG_COLUMNS`."""
        from engagecore.analysis.young import young_over_time

        return young_over_time(self.score(museums=museums, period=period, **kwargs))

    def report(
        self,
        museums: Sequence[str] = (),
        *,
        all_museums: bool = False,
        period: str = "quarter",
        lang: str | None = None,
        out: str | Path | None = None,
        young_band: tuple[int, int] = (13, 24),
    ) -> str:
        """The HTML report (docs/reading-the-report.md): one museum, several, or every
        museum (``all_museums``); score history per ``period``; ``lang`` en or fr (default:
        from the locale). Returns the page; with ``out``, also writes it there.
        """
        from engagecore import report

        data = report.collect(
            self, list(museums), all_museums=all_museums, period=period, young_band=young_band
        )
        page = report.build_html(data, lang or report.lang_from_env())
        if out is not None:
            Path(out).write_text(page, encoding="utf-8")
        return page

    # followers by hand ---------------------------------------------------------------------------
    def _known_network(self, network: str) -> str:
        from engagecore.errors import UsageError

        networks = plugins.registry().networks
        if network not in networks:
            raise UsageError(f"unknown network {network!r}; known: {', '.join(sorted(networks))}")
        return network

    def add_followers(
        self,
        network: str,
        handle: str,
        followers: int | str,
        date: date | datetime | str | None = None,
    ) -> Any:
        """Record an account's follower count by hand, at ``date`` (default now).

        For exports that carry none (a YouTube Studio CSV, an Instagram export): ``handle`` is
        the account's handle or id; the account must have posts in the store. The snapshot is
        recorded with its provenance (an ``imports`` row, importer ``followers-add``) and the
        account's posts take it at once (``followers_at_post``). Returns a
        :class:`~engagecore.followers.ManualSnapshot` (``replaced``: the figure a snapshot at
        the same time held before).
        """
        from engagecore import __version__
        from engagecore import followers as fol

        return fol.add_snapshot(
            self.store,
            self._known_network(network),
            handle,
            followers,
            date,
            plugin_version=__version__,
        )

    def followers(self, *, network: str | None = None, museum: str | None = None) -> pl.DataFrame:
        """Every follower snapshot (network, museum, account, observed_at, followers, source)."""
        from engagecore import followers as fol

        return fol.snapshots(
            self.store,
            network=self._known_network(network) if network is not None else None,
            museum=self.museums.resolve(museum) if museum is not None else None,
        )

    # SQL ---------------------------------------------------------------------------------------
    def query(self, sql: str) -> pl.DataFrame:
        """Run one reading SQL statement on the store; its result as a polars frame.

        The statement runs on a restricted read-only connection (:mod:`engagecore.sql`): a
        write, ``ATTACH``, ``COPY … TO``, a file read, ``SET`` or ``INSTALL``/``LOAD`` is refused
        and the store is left as it was. The engine's own connection is closed for the time of
        the query (DuckDB opens a file with one configuration per process) and reopened after.
        """
        from engagecore import sql as sqlmod

        return self._with_read_only(lambda con: sqlmod.run(con, sql))

    def tables(self) -> pl.DataFrame:
        """The store's public tables (docs/model.md): name, row count, column names."""
        from engagecore import sql as sqlmod

        return self._with_read_only(sqlmod.tables_of)

    def _with_read_only(self, fn: Any) -> pl.DataFrame:
        from engagecore import sql as sqlmod

        read_only = (
            self.store.fetchall("SELECT current_setting('access_mode')")[0][0] == "read_only"
        )
        self.store.close()
        try:
            with sqlmod.read_only_connection(self.path) as con:
                result: pl.DataFrame = fn(con)
        finally:
            self.store = Store(self.path, read_only=read_only, small_appends=self._small_appends)
            self.museums = Museums(self.store)
        return result

    def imports(self) -> pl.DataFrame:
        """Provenance: one row per import."""
        return self.store.frame("SELECT * FROM imports ORDER BY import_id")

    def accounts(self) -> pl.DataFrame:
        return self.store.frame(
            "SELECT a.*, (SELECT count(*) FROM posts p WHERE p.network = a.network "
            "AND p.account_id = a.account_id) AS posts FROM accounts a ORDER BY network, account_id"
        )

    def posts(self) -> pl.DataFrame:
        return self.store.frame(
            "SELECT p.*, a.museum FROM posts p LEFT JOIN accounts a USING (network, account_id) "
            "ORDER BY posted_at"
        )


def open(db: str | Path | None = None, *, read_only: bool = False) -> Engine:
    """Open (creating and migrating if needed) the store at ``db``, default ``$ENGAGE_DB``
    or ``./engage.duckdb``."""
    return Engine(db, read_only=read_only)
