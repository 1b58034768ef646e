"""The public API for plugin authors: import everything a plugin needs from here.

``from engagecore.plugin import hookimpl, NetworkSpec, Importer, Batch, ReadContext, Source``

Nothing else of engagecore is part of the plugin contract: the modules these names come
from may change between releases, this module's names do not (a name added here raises
:data:`PLUGIN_API`). docs/plugins.md, "The ``engagecore.plugin`` module", describes
each name.
"""

from __future__ import annotations

from engagecore import interrupts as _interrupts
from engagecore.accountopt import check_named, given_account
from engagecore.accountopt import matches as account_matches
from engagecore.detection import choose_importer
from engagecore.errors import EngageError, FormatError, PluginError, UsageError, option
from engagecore.hookspecs import PLUGIN_API, hookimpl
from engagecore.jsonstream import JsonStream
from engagecore.limits import human as human_size
from engagecore.memdb import connection as memory_connection
from engagecore.pluginapi import (
    RATE_BASES,
    REGISTRY_SCHEMA,
    AccrualCurve,
    Batch,
    DemoAccountData,
    DemoWriter,
    FetchAccount,
    Fetcher,
    FetchPlan,
    FetchResult,
    FetchSession,
    Importer,
    NetworkSpec,
    NudityRule,
    ReadContext,
    RegistryReader,
    YoungPrior,
)
from engagecore.plugins import ANY_NETWORK
from engagecore.reading import (
    OBSERVED_AT_KEY,
    api_time,
    copy_range,
    detect_each,
    member_files,
    modified_at,
    observed_at,
    parse_observed_at,
    read_errors,
)
from engagecore.rows import Rows
from engagecore.schema import (
    ACCOUNTS,
    AUDIENCE_AGE,
    COUNT_COLUMNS,
    FOLLOWER_SNAPSHOTS,
    POST_KINDS,
    POSTS,
    UTC_TS,
)
from engagecore.sources import Source
from engagecore.textutil import (
    check_csv_records,
    count_at,
    fix_mojibake,
    fix_mojibake_deep,
    fold,
    frame,
    hashtags,
    hashtags_expr,
    mentions,
    mentions_expr,
    parse_count,
    parse_percent,
    text_at,
    text_value,
    unescape,
)
from engagecore.validate import check_time


class interrupts:  # a namespace, read as ``interrupts.register(con)``
    """Let Ctrl-C interrupt a plugin's own long-lived DuckDB connection.

    ``interrupts.register(con)`` before a long query, ``interrupts.unregister(con)`` after
    (in a ``finally``): a signal then interrupts the query at once and the run rolls back.
    Code that catches a DuckDB error to carry on another way (a fallback read) calls
    ``interrupts.check()`` first: the error may be that interruption, and the signal is then
    raised instead of the fallback run.
    """

    register = staticmethod(_interrupts.register)
    unregister = staticmethod(_interrupts.unregister)
    check = staticmethod(_interrupts.check)


__all__ = [
    "ACCOUNTS",
    "ANY_NETWORK",
    "AUDIENCE_AGE",
    "COUNT_COLUMNS",
    "FOLLOWER_SNAPSHOTS",
    "OBSERVED_AT_KEY",
    "PLUGIN_API",
    "POSTS",
    "POST_KINDS",
    "RATE_BASES",
    "REGISTRY_SCHEMA",
    "UTC_TS",
    "AccrualCurve",
    "Batch",
    "DemoAccountData",
    "DemoWriter",
    "EngageError",
    "FetchAccount",
    "FetchPlan",
    "FetchResult",
    "FetchSession",
    "Fetcher",
    "FormatError",
    "Importer",
    "JsonStream",
    "NetworkSpec",
    "NudityRule",
    "PluginError",
    "ReadContext",
    "RegistryReader",
    "Rows",
    "Source",
    "UsageError",
    "YoungPrior",
    "account_matches",
    "api_time",
    "check_csv_records",
    "check_named",
    "check_time",
    "choose_importer",
    "copy_range",
    "count_at",
    "detect_each",
    "fix_mojibake",
    "fix_mojibake_deep",
    "fold",
    "frame",
    "given_account",
    "hashtags",
    "hashtags_expr",
    "hookimpl",
    "human_size",
    "interrupts",
    "member_files",
    "memory_connection",
    "mentions",
    "mentions_expr",
    "modified_at",
    "observed_at",
    "option",
    "parse_count",
    "parse_observed_at",
    "parse_percent",
    "read_errors",
    "text_at",
    "text_value",
    "unescape",
]
