"""Validation of plugin output against the normalized model.

An error names the plugin, the file, the record, the column and what was expected, so the
plugin author (or the user with a broken file) knows exactly where to look.
"""

from __future__ import annotations

import math

import polars as pl

from engagecore import schema
from engagecore.errors import ValidationError


def _where(plugin: str, path: str, table: str) -> str:
    return f"plugin {plugin!r}, file {path}, table {table}"


def _record_label(df: pl.DataFrame, idx: int) -> str:
    for key in ("post_id", "account_id"):
        if key in df.columns:
            v = df[key][idx]
            if v is not None:
                return f"record {idx} ({key}={v})"
    return f"record {idx}"


def validate_frame(table: str, df: pl.DataFrame, *, plugin: str, path: str) -> pl.DataFrame:
    """Check one produced frame and return it with its columns in schema order."""
    target, required = schema.PRODUCED[table]
    where = _where(plugin, path, table)
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
    elif table == "follower_snapshots":
        bad = df["followers"] < 0
        if bad.any():
            idx = int(bad.arg_true()[0])
            raise ValidationError(
                f"{where}, {_record_label(df, idx)}, column 'followers': expected ≥ 0, "
                f"got {df['followers'][idx]}"
            )
    return df


def _check_posts(df: pl.DataFrame, where: str) -> None:
    bad_kind = ~df["kind"].is_in(sorted(schema.POST_KINDS))
    if bad_kind.any():
        idx = int(bad_kind.arg_true()[0])
        raise ValidationError(
            f"{where}, {_record_label(df, idx)}, column 'kind': expected one of "
            f"{sorted(schema.POST_KINDS)}, got {df['kind'][idx]!r}"
        )
    for col in schema.COUNT_COLUMNS:
        neg = df[col] < 0
        if neg.any():
            idx = int(neg.arg_true()[0])
            raise ValidationError(
                f"{where}, {_record_label(df, idx)}, column {col!r}: expected a count ≥ 0 or "
                f"null, got {df[col][idx]}"
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
