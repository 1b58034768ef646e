"""Read the spreadsheet template (CSV with any common delimiter, or Parquet)."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl

from engagecore.plugin import (
    ANY_NETWORK,
    COUNT_COLUMNS,
    POST_KINDS,
    UTC_TS,
    Batch,
    FormatError,
    Importer,
    ReadContext,
    Source,
    check_csv_records,
    check_named,
    frame,
    given_account,
    hashtags_expr,
    mentions_expr,
    modified_at,
    option,
    parse_count,
    read_errors,
)

REQUIRED = ("network", "account", "post_id", "posted_at")
OPTIONAL = (
    "museum",
    "kind",
    "is_own",
    "text",
    "language",
    "url",
    *COUNT_COLUMNS,
    "followers",
    "observed_at",
)
ALL_COLUMNS = (*REQUIRED, *OPTIONAL)
_PARQUET_MAGIC = b"PAR1"


def _header(source: Source, name: str) -> list[str] | None:
    head = source.head(name, 4096)
    if head.startswith(_PARQUET_MAGIC):
        return None
    text = head.decode("utf-8-sig", errors="replace").splitlines()
    if not text:
        return []
    first = text[0]
    sep = max((",", ";", "\t"), key=first.count)
    return [h.strip().strip('"').strip().lower() for h in first.split(sep)]


class SpreadsheetImporter(Importer):
    """The documented CSV / Parquet post template (one network column per row)."""

    name = "spreadsheet"
    network = ANY_NETWORK
    description = "engagecore spreadsheet template (CSV or Parquet), one row per post"

    def detect(self, source: Source) -> float:
        if source.kind != "file":
            return 0.0
        suffix = Path(source.name).suffix.lower()  # not .path: a zip member stays unwritten
        if suffix == ".parquet":
            try:
                cols = {c.lower() for c in pl.read_parquet_schema(source.path)}
            except Exception:
                return 0.0
        elif suffix in (".csv", ".tsv", ".txt"):
            header = _header(source, source.names()[0])
            if header is None:
                return 0.0
            cols = set(header)
        else:
            return 0.0
        return 0.95 if set(REQUIRED) <= cols else 0.0

    @staticmethod
    def _with_account(raw: pl.DataFrame, given: str, path: str, ctx: ReadContext) -> pl.DataFrame:
        """``--account`` fills the account column (or its blank cells); a row naming
        another account is refused."""
        if "account" not in raw.columns:
            return raw.with_columns(pl.lit(given, dtype=pl.Utf8).alias("account"))
        cells = pl.col("account").cast(pl.Utf8).str.strip_chars()
        raw = raw.with_columns(
            pl.when(cells.is_null() | (cells == ""))
            .then(pl.lit(given))
            .otherwise(cells)
            .alias("account")
        )
        named = raw["account"].str.strip_chars_start("@").unique(maintain_order=True)
        check_named(ctx, path, [(a, None) for a in named.drop_nulls().to_list()])
        return raw

    def read(self, source: Source, ctx: ReadContext) -> Batch:
        path = source.display()
        raw = self._load(source)
        raw = raw.rename({c: c.strip().lower() for c in raw.columns})
        given = given_account(ctx)
        if given is not None:
            raw = self._with_account(raw, given, path, ctx)
        missing = [c for c in REQUIRED if c not in raw.columns]
        if missing:
            raise FormatError(
                path, f"missing column(s) {missing}; the template needs {list(REQUIRED)}"
            )
        raw = raw.with_columns(
            [pl.lit(None, pl.Utf8).alias(c) for c in OPTIONAL if c not in raw.columns]
        )
        raw = raw.select([pl.col(c).cast(pl.Utf8) for c in ALL_COLUMNS])
        # Row numbers as the user sees them in a spreadsheet: header is line 1.
        raw = raw.with_row_index("_line", offset=2)
        # Spreadsheets leave blank lines behind (often at the end): not records.
        raw = raw.filter(
            ~pl.all_horizontal(
                pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in ALL_COLUMNS
            )
        )
        for col in ("network", "account", "post_id", "posted_at"):
            blank = raw.filter(pl.col(col).is_null() | (pl.col(col).str.strip_chars() == ""))
            if blank.height:
                raise FormatError(
                    path,
                    f"column {col!r} is empty; expected a value",
                    record=f"line {blank['_line'][0]}",
                )
        posted = self._timestamps(raw, "posted_at", path, ctx)
        observed_default = modified_at(source)
        observed = self._timestamps(raw, "observed_at", path, ctx, default=observed_default)
        counts = {c: self._counts(raw, c, path) for c in (*COUNT_COLUMNS, "followers")}
        kind = raw["kind"].fill_null("other").str.strip_chars().str.to_lowercase()
        bad_kind = raw.filter(~kind.is_in(sorted(POST_KINDS)))
        if bad_kind.height:
            raise FormatError(
                path,
                f"column 'kind': {bad_kind['kind'][0]!r} is not one of {sorted(POST_KINDS)}",
                record=f"line {bad_kind['_line'][0]}",
            )
        own = raw["is_own"].str.strip_chars().str.to_lowercase()
        bad_own = raw.filter(
            own.is_not_null() & ~own.is_in(["true", "false", "1", "0", "yes", "no", ""])
        )
        if bad_own.height:
            raise FormatError(
                path,
                f"column 'is_own': expected true/false, got {bad_own['is_own'][0]!r}",
                record=f"line {bad_own['_line'][0]}",
            )
        account = raw["account"].str.strip_chars().str.strip_chars_start("@")
        df = pl.DataFrame(
            {
                "network": raw["network"].str.strip_chars().str.to_lowercase(),
                "post_id": raw["post_id"].str.strip_chars(),
                "account_id": account,
                "posted_at": posted,
                "kind": kind,
                "is_own": ~own.is_in(["false", "0", "no"]).fill_null(False),
                "text": raw["text"],
                "language": raw["language"],
                "url": raw["url"],
                **{c: counts[c] for c in COUNT_COLUMNS},
                "observed_at": observed,
            }
        ).with_columns(
            hashtags_expr("text").alias("hashtags"),
            mentions_expr("text").alias("mentions"),
        )
        posts = frame("posts", df)
        accounts = frame(
            "accounts",
            df.select("network", "account_id")
            .unique(maintain_order=True)
            .with_columns(pl.col("account_id").alias("handle")),
        )
        fol = pl.DataFrame(
            {
                "network": df["network"],
                "account_id": df["account_id"],
                "observed_at": posted,
                "followers": counts["followers"],
            }
        ).drop_nulls("followers")
        hints = {
            acc: m
            for acc, m in raw.select(account.alias("a"), "museum")
            .drop_nulls()
            .unique(subset="a", keep="first")
            .iter_rows()
        }
        return Batch(
            accounts=accounts,
            posts=posts,
            follower_snapshots=frame("follower_snapshots", fol),
            museum_hints=hints,
        )

    @staticmethod
    def _load(source: Source) -> pl.DataFrame:
        path = source.display()
        with read_errors(path, "a CSV or Parquet post template"):
            if source.head(source.names()[0], 4).startswith(_PARQUET_MAGIC):
                return pl.read_parquet(source.path)
            text = source.read_text(source.names()[0])
            first = text.split("\n", 1)[0]
            sep = max((",", ";", "\t"), key=first.count)
            check_csv_records(text, path, delimiter=sep, known_headers=ALL_COLUMNS)
            return pl.read_csv(io.StringIO(text), separator=sep, infer_schema=False, quote_char='"')

    @staticmethod
    def _timestamps(
        raw: pl.DataFrame, col: str, path: str, ctx: ReadContext, default: datetime | None = None
    ) -> pl.Series:
        """ISO 8601 values; one without a zone is local time in ``ctx.timezone``."""
        zone = ZoneInfo(ctx.timezone)
        out: list[datetime | None] = []
        for line, value in zip(raw["_line"], raw[col], strict=True):
            v = (value or "").strip()
            if not v:
                out.append(default)
                continue
            try:
                ts = datetime.fromisoformat(v)
            except ValueError:
                raise FormatError(
                    path,
                    f"column {col!r}: {v!r} is not a date-time; expected ISO 8601 such as "
                    "2024-03-05T14:30:00Z (no zone: local time in "
                    f"{option('timezone', 'ZONE')}, default Europe/Paris)",
                    record=f"line {line}",
                ) from None
            if ts.tzinfo is None:
                ts = ts.replace(tzinfo=zone)
            try:
                out.append(ts.astimezone(UTC))
            except OverflowError:  # year 1 or 9999 shifted out of range by its zone
                raise FormatError(
                    path,
                    f"column {col!r}: {v!r} is not a plausible date-time",
                    record=f"line {line}",
                ) from None
        return pl.Series(col, out, dtype=UTC_TS)

    @staticmethod
    def _counts(raw: pl.DataFrame, col: str, path: str) -> pl.Series:
        values = raw[col].to_list()
        out: list[int | None] = []
        for line, v in zip(raw["_line"].to_list(), values, strict=True):
            try:
                n = parse_count(v)
            except ValueError:
                raise FormatError(
                    path,
                    f"column {col!r}: {v!r} is not a count; expected a whole number or empty",
                    record=f"line {line}",
                ) from None
            if n is not None and n < 0:
                raise FormatError(
                    path,
                    f"column {col!r}: {v!r} is negative; expected a count ≥ 0",
                    record=f"line {line}",
                )
            out.append(n)
        return pl.Series(col, out, dtype=pl.Int64)
