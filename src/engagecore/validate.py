"""Validation of plugin output against the normalized model, and of its values' plausibility.

Two kinds of error. A frame that does not match the model (a missing column, a wrong type,
a null key) is the plugin's fault: :class:`ValidationError` names the plugin, the file, the
record, the column and what was expected. A value no export can truly hold is the file's
fault: :class:`FormatError` names the file, the record and the value. Those limits are
checked here, once, for every importer, so that none can forget them (docs/model.md,
"Limits"):

- a post's ``posted_at``, an account's ``created_at`` and every ``observed_at`` between the network's launch day
  (``NetworkSpec.launched``, else :data:`schema.EARLIEST_LAUNCH`) and now + 1 day: a year
  3000 observation would stay "the newest reading" forever, a 1970 date is an unset field;
- counts and followers between 0 and :data:`schema.MAX_COUNT`;
- no NUL character in any text, post text up to :data:`schema.MAX_TEXT_CHARS` characters,
  every other text value up to :data:`schema.MAX_FIELD_CHARS`;
- audience ages between 0 and 130, ``age_max`` ≥ ``age_min``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, date, datetime, time

import polars as pl

from engagecore import schema
from engagecore.errors import FormatError, ValidationError

#: The time columns of each produced table that must lie in the plausible window.
_TIME_COLUMNS = {
    "posts": ("posted_at", "observed_at"),
    "follower_snapshots": ("observed_at",),
    "audience_age": ("observed_at",),
    "accounts": ("created_at",),
}
#: Count columns of each produced table (0 .. MAX_COUNT).
_COUNTS = {"posts": schema.COUNT_COLUMNS, "follower_snapshots": ("followers",)}
_MAX_AGE = 130


def _where(plugin: str, path: str, table: str) -> str:
    return f"plugin {plugin!r}, file {path}, table {table}"


def _record_label(df: pl.DataFrame, idx: int) -> str:
    for key in ("post_id", "account_id"):
        if key in df.columns:
            v = df[key][idx]
            if v is not None:
                return f"record {idx} ({key}={v})"
    return f"record {idx}"


def _data_record(df: pl.DataFrame, idx: int) -> str:
    """How to name a row in a FormatError: by its post id, else its account, else its rank."""
    if "post_id" in df.columns and df["post_id"][idx] is not None:
        return f"post_id {df['post_id'][idx]}"
    if "account_id" in df.columns and df["account_id"][idx] is not None:
        return f"#{idx + 1} (account_id {df['account_id'][idx]})"
    return f"#{idx + 1}"


#: the tables whose rows name an account, which the batch's accounts frame must list
NAMING_ACCOUNTS = ("posts", "follower_snapshots", "audience_age")


def first_unlisted_account(
    frames: Mapping[str, pl.DataFrame],
    streamed: pl.DataFrame | None = None,
    by: tuple[str, ...] = (),
) -> tuple[str, pl.DataFrame] | None:
    """The first row of a batch naming an account its accounts frame lacks (without its row
    the account has no handle or name, and cannot be attached to its museum): the table,
    and the row's key (``network``, ``account_id`` and the ``by`` columns) as a one-row
    frame; None when every account is listed. ``streamed``: posts handed over in parts,
    looked at after the frames. Shared by ``engage ingest`` and the conformance kit."""
    keys = ["network", "account_id", *by]
    listed = frames.get("accounts")
    named = [(t, frames[t]) for t in NAMING_ACCOUNTS if t in frames and frames[t].height]
    if streamed is not None and streamed.height:
        named.append(("posts", streamed))
    for table, df in named:
        rows = df.select(keys).unique(maintain_order=True)
        missing = rows if listed is None else rows.join(listed.select(keys), on=keys, how="anti")
        if missing.height:
            return table, missing.head(1)
    return None


def launch_dates() -> dict[str, date]:
    """Each registered network's launch day (those that declare one)."""
    from engagecore import plugins  # the registry imports this module's callers

    return {
        name: spec.launched
        for name, spec in plugins.registry().networks.items()
        if getattr(spec, "launched", None) is not None
    }


def validate_frame(
    table: str,
    df: pl.DataFrame,
    *,
    plugin: str,
    path: str,
    now: datetime | None = None,
    launched: Mapping[str, date] | None = None,
) -> pl.DataFrame:
    """Check one produced frame and return it with its columns in schema order.

    :param now: the upper end of the plausible time window, less one day (default: the
        clock; ``ReadContext.now`` in tests).
    :param launched: network → launch day (default: from the registered networks).
    """
    target, required = schema.PRODUCED[table]
    where = _where(plugin, path, table)
    absent = [c for c in schema.OPTIONAL.get(table, ()) if c not in df.columns]
    if absent:
        df = df.with_columns(pl.lit(None, dtype=target[c]).alias(c) for c in absent)
    missing = [c for c in target if c not in df.columns]
    if missing:
        raise ValidationError(f"{where}: missing column(s) {missing}; expected {list(target)}")
    for name, dtype in target.items():
        got = df.schema[name]
        if got != dtype and not (got == pl.Null):
            raise ValidationError(f"{where}, column {name!r}: expected type {dtype}, got {got}")
    df = df.select(
        [pl.col(c).cast(t) if df.schema[c] == pl.Null else pl.col(c) for c, t in target.items()]
    )
    for col in required:
        nulls = df[col].is_null()
        if nulls.any():
            idx = int(nulls.arg_true()[0])
            raise ValidationError(
                f"{where}, {_record_label(df, idx)}, column {col!r}: expected a value, got null"
            )
    if table == "posts":
        _check_posts(df, where)
    elif table == "audience_age":
        _check_age(df, where)
    _check_plausible(table, df, path, now, launched)
    return df


def _first(mask: pl.Series) -> int | None:
    """The position of the first true value of a boolean column (nulls are false)."""
    if not mask.any():
        return None
    return int(mask.fill_null(False).arg_true()[0])


def _check_plausible(
    table: str,
    df: pl.DataFrame,
    path: str,
    now: datetime | None,
    launched: Mapping[str, date] | None,
) -> None:
    """Raise FormatError naming the file, the record and the value of the first value no
    export can truly hold (see the module docstring)."""
    if df.height == 0:
        return
    times = _TIME_COLUMNS.get(table, ())
    if times:
        _check_times(df, times, path, now, launched)
    for col in _COUNTS.get(table, ()):
        values = df[col]
        i = _first((values < 0) | (values > schema.MAX_COUNT))
        if i is not None:
            raise FormatError(
                path,
                f"column {col!r}: expected a count between 0 and {schema.MAX_COUNT:,} "
                f"(or none), got {values[i]}",
                _data_record(df, i),
            )
    _check_text(df, path)
    if table == "audience_age":
        lo, hi = df["age_min"], df["age_max"]
        i = _first((lo < 0) | (lo > _MAX_AGE) | (hi < lo) | (hi > _MAX_AGE))
        if i is not None:
            raise FormatError(
                path,
                f"age band {df['age_band'][i]!r}: expected ages between 0 and {_MAX_AGE}, "
                f"the upper bound not below the lower, got {lo[i]}..{hi[i]}",
                _data_record(df, i),
            )


def time_window(
    network: str, now: datetime | None = None, launched: Mapping[str, date] | None = None
) -> tuple[date, datetime]:
    """The plausible times of ``network``: from its launch day (00:00 UTC) to now + 1 day."""
    launches = launch_dates() if launched is None else launched
    upper = (now or datetime.now(UTC)) + schema.FUTURE_TOLERANCE
    if upper.tzinfo is None:
        upper = upper.replace(tzinfo=UTC)
    return launches.get(network) or schema.EARLIEST_LAUNCH, upper


def implausible_time(shown: str, network: str, window: tuple[date, datetime]) -> str:
    """The message for a time outside ``window`` (the same for every importer)."""
    first, upper = window
    return (
        f"{shown} is not a plausible time; expected between {first.isoformat()} "
        f"({network} launched) and {upper.strftime('%Y-%m-%dT%H:%M')}Z (now + 1 day)"
    )


def check_time(
    value: datetime,
    network: str,
    *,
    path: str,
    record: str | int | None,
    what: str,
    now: datetime | None = None,
) -> None:
    """For importers that derive other values from a time (e.g. an export's observed_at is
    its newest time): raise FormatError naming the file, the record and the value when
    ``value`` lies outside the network's plausible window."""
    window = time_window(network, now)
    lower = datetime.combine(window[0], time(), UTC)
    if not lower <= value <= window[1]:
        raise FormatError(
            path, f"{what}: {implausible_time(value.isoformat(), network, window)}", record
        )


def _check_times(
    df: pl.DataFrame,
    cols: tuple[str, ...],
    path: str,
    now: datetime | None,
    launched: Mapping[str, date] | None,
) -> None:
    launches = launch_dates() if launched is None else launched
    windows = {n: time_window(n, now, launches) for n in df["network"].unique().to_list()}
    lows = {n: datetime.combine(w[0], time(), UTC) for n, w in windows.items()}
    if len(lows) == 1:
        lower: pl.Expr = pl.lit(next(iter(lows.values())), dtype=schema.UTC_TS)
    else:
        lower = pl.col("network").replace_strict(lows, return_dtype=schema.UTC_TS)
    upper = next(iter(windows.values()))[1]
    high = pl.lit(upper, dtype=schema.UTC_TS)
    bad = df.select([((pl.col(c) < lower) | (pl.col(c) > high)).alias(c) for c in cols])
    for col in cols:
        i = _first(bad[col])
        if i is None:
            continue
        net = df["network"][i]
        try:
            value = df[col][i]
        except ValueError:  # a year Python cannot hold (before 1, after 9999): shown as text
            value = df[col].cast(pl.Utf8)[i]
        shown = value.isoformat() if isinstance(value, datetime) else repr(value)
        hint = ""
        if col == "observed_at":
            hint = " (an export that states no date is observed at its file's modification time)"
        raise FormatError(
            path,
            f"column {col!r}: {implausible_time(shown, net, windows[net])}{hint}",
            _data_record(df, i),
        )


def _text_limit(col: str) -> int:
    return schema.MAX_TEXT_CHARS if col == "text" else schema.MAX_FIELD_CHARS


def _check_text(df: pl.DataFrame, path: str) -> None:
    """No NUL in any text; post text up to MAX_TEXT_CHARS, other values MAX_FIELD_CHARS."""
    # One parallel pass over every text column finds whether any value is bad; the row is
    # looked for only then (a million posts: ~0.05 s).
    flags = []
    for col, dtype in df.schema.items():
        e = pl.col(col)
        if dtype == pl.List(pl.Utf8):
            e = e.explode()
        elif dtype != pl.Utf8:
            continue
        bad = e.str.contains("\x00", literal=True) | (e.str.len_chars() > _text_limit(col))
        flags.append(bad.any().alias(col))
    if not flags:
        return
    found = df.select(flags).row(0, named=True)
    for col, any_bad in found.items():
        if not any_bad:
            continue
        limit = _text_limit(col)
        values = df[col]
        if df.schema[col] == pl.Utf8:
            nul = values.str.contains("\x00", literal=True)
            long = values.str.len_chars() > limit
        else:
            nul = values.list.eval(pl.element().str.contains("\x00", literal=True)).list.any()
            long = values.list.eval(pl.element().str.len_chars() > limit).list.any()
        i = _first(nul)
        if i is not None:
            value = values[i]
            shown = repr(value.to_list() if isinstance(value, pl.Series) else value)
            raise FormatError(
                path,
                f"column {col!r}: expected text without NUL characters, got {shown:.80}",
                _data_record(df, i),
            )
        i = _first(long)
        if i is not None:
            raise FormatError(
                path,
                f"column {col!r}: expected at most {limit:,} characters, got a value of "
                f"{len(str(values[i])):,} starting {str(values[i])[:40]!r}",
                _data_record(df, i),
            )


def _check_posts(df: pl.DataFrame, where: str) -> None:
    bad_kind = ~df["kind"].is_in(sorted(schema.POST_KINDS))
    if bad_kind.any():
        idx = int(bad_kind.arg_true()[0])
        raise ValidationError(
            f"{where}, {_record_label(df, idx)}, column 'kind': expected one of "
            f"{sorted(schema.POST_KINDS)}, got {df['kind'][idx]!r}"
        )


def _check_age(df: pl.DataFrame, where: str) -> None:
    bad = ~df["basis"].is_in(sorted(schema.AGE_BASES))
    if bad.any():
        idx = int(bad.arg_true()[0])
        raise ValidationError(
            f"{where}, record {idx}, column 'basis': expected one of {sorted(schema.AGE_BASES)}, "
            f"got {df['basis'][idx]!r}"
        )
    share = df["share"]
    bad = share.is_nan() | (share < 0) | (share > 1)
    if bad.any():
        idx = int(bad.arg_true()[0])
        v = share[idx]
        shown = "NaN" if v is not None and math.isnan(v) else v
        raise ValidationError(
            f"{where}, record {idx}, column 'share': expected a share between 0 and 1, got {shown}"
        )
