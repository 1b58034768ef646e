"""The Python API: ``engagecore.open(db)`` gives an :class:`Engine`; the CLI is a thin layer on it.

Every operation returns plain data or polars frames, ready for a notebook.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
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

    def __init__(self, db: str | Path | None = None, *, read_only: bool = False) -> None:
        self.store = Store(db, read_only=read_only)
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
        paths: Sequence[str | Path],
        *,
        network: str | None = None,
        museum: str | None = None,
        dry_run: bool = False,
        timezone: str = "Europe/Paris",
        options: dict[str, Any] | None = None,
        progress: Progress | None = None,
        keep_paths: bool = False,
    ) -> IngestReport:
        """Import files, folders and zips (see :mod:`engagecore.ingest`); ``keep_paths``
        records each file's absolute path in ``imports`` (by default: its name only)."""
        return run_or_dry(
            self.store,
            paths,
            network=network,
            museum=museum,
            dry_run=dry_run,
            timezone=timezone,
            options=options,
            progress=progress,
            keep_paths=keep_paths,
        )

    def link(self, museum: str, network: str, account: str) -> tuple[str, str]:
        """Attach an account (handle or id) of ``network`` to a museum."""
        if network not in plugins.registry().networks:
            from engagecore.errors import UsageError

            known = ", ".join(sorted(plugins.registry().networks))
            raise UsageError(f"unknown network {network!r}; known: {known}")
        return self.museums.link(museum, network, account)

    def import_registry(self, path: str | Path) -> tuple[str, int, int, int]:
        """Add or update museums from an official list; returns (reader, added, updated, rows).

        All or nothing, like every import.
        """
        from engagecore.errors import DetectionError, FormatError
        from engagecore.sources import Source

        source = Source.open(path)
        readers = list(plugins.registry().registry_readers.values())
        scored = sorted(((r.detect(source), r) for r in readers), key=lambda t: -t[0])
        if not scored or scored[0][0] < 0.5:
            names = ", ".join(r.name for r in readers) or "none installed"
            raise DetectionError(f"{path}: not a museum registry any reader knows ({names})")
        reader = scored[0][1]
        try:
            df = reader.read(source)
        except (ValueError, KeyError, TypeError) as exc:
            raise FormatError(str(path), f"cannot be read by {reader.name}: {exc!r}") from exc
        finally:
            source.close()
        with self.store.transaction():
            added, updated = self.museums.upsert_registry(df)
        return reader.name, added, updated, df.height

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

    def score(self, *, museums: Sequence[str] | None = None, **kwargs: Any) -> pl.DataFrame:
        """One row per museum × network × period, plus composite rows (network "all").

        Filters and options: ``networks``, ``museums`` (names resolve; selects output rows
        only), ``since``, ``until``, ``period`` (all, month, quarter, year), ``young_band`` and
        any :class:`~engagecore.scoring.ScoringConfig` field.
        """
        from engagecore import scoring

        inputs, cfg, specs = self._scoring(**kwargs)
        frame = scoring.score(inputs, specs, cfg)
        if museums:
            slugs = [self.museums.resolve(m) for m in museums]
            frame = frame.filter(pl.col("museum").is_in(slugs))
        return frame

    def post_metrics(self, **kwargs: Any) -> pl.DataFrame:
        """Per post: interactions, rate and its basis, expectation, overperformance, breakout.

        Takes the filters and options of :meth:`score` (except ``museums``).
        """
        from engagecore import scoring

        inputs, cfg, specs = self._scoring(**kwargs)
        return scoring.post_metrics(inputs, specs, cfg)

    def compare(self, museums: Sequence[str], **kwargs: Any) -> Any:
        """Museums side by side (``.table``) and the posts driving the gap (``.drivers``)."""
        from engagecore import scoring

        slugs = [self.museums.resolve(m) for m in museums]
        scores, metrics, cfg = self._scores_and_metrics(**kwargs)
        return scoring.compare(scores, metrics, slugs, cfg)

    def explain(self, museum: str, **kwargs: Any) -> pl.DataFrame:
        """Every input of the formula for one museum."""
        from engagecore import scoring

        slug = self.museums.resolve(museum)
        kwargs.pop("museums", None)
        scores, metrics, _ = self._scores_and_metrics(**kwargs)
        return scoring.explain(scores, metrics, slug)

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
