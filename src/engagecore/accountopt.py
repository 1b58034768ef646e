"""``--account`` (``account=`` in Python): the account of files that do not name theirs.

Importers call :func:`given_account` for the value, and :func:`check_named` with the
accounts a file does name, so that a file of another account is refused with a clear message
instead of being mixed silently into the wrong account.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Sequence
from pathlib import Path

from engagecore.errors import FormatError, UsageError, in_cli, option
from engagecore.pluginapi import ReadContext


def given_account(ctx: ReadContext) -> str | None:
    """The account the user named (``'@'`` and surrounding blanks dropped), or None."""
    raw = ctx.options.get("account")
    if raw is None:
        return None
    value = str(raw).strip().lstrip("@").strip()
    return value or None


def matches(given: str, account_id: str, handle: str | None = None) -> bool:
    """Whether ``given`` names this account: its id, or its handle in any case."""
    if given == account_id:
        return True
    lowered = given.lower()
    return lowered == account_id.lower() or (handle is not None and lowered == handle.lower())


def check_named(
    ctx: ReadContext, where: str, named: Iterable[tuple[str, str | None]], what: str = "account"
) -> None:
    """Raise a :class:`FormatError` when the file names an account other than the one given.

    :param named: (account id, handle or None) of every account the file names.
    :param what: how the network calls an account ("channel", "page").
    """
    given = given_account(ctx)
    if given is None:
        return
    for account_id, handle in named:
        if not matches(given, account_id, handle):
            shown = f"@{handle} (id {account_id})" if handle else account_id
            raise FormatError(
                where,
                f"the file is of {what} {shown}, not {option('account', given)}; "
                f"drop {option('account', '…')} or give the file's own {what}",
            )


# -- a run of several files: --account names the account of every one --------------------------


def _keyword() -> str:
    return "--account" if in_cli() else "account="


def alone(label: str, value: str) -> str:
    """The command (the call, in Python) that imports the file ``label`` on its own with
    ``--account VALUE``; a zip's member is to be extracted first."""
    if not Path(label).exists():  # a zip's member, "a.zip:dir/file"
        return f"extract {label} and import it on its own with {option('account', value)}"
    if in_cli():
        return f"engage ingest {shlex.quote(label)} --account {value}"
    return f"ingest({label!r}, account={value!r})"


def asked_for(message: str) -> str | None:
    """What a reader's message tells the user to pass with ``--account`` ("pass
    --account USERNAME": ``USERNAME``), or None when it does not ask for it. Importers
    name the option with :func:`engagecore.errors.option`, the text searched here."""
    prefix = option("account", "X")[:-1]  # "--account " or "account="
    found = re.search(rf"(?:^|\s){re.escape(prefix)}(\S+)", message)
    return found.group(1).rstrip("),;") if found else None


def on_its_own(exc: FormatError, label: str) -> FormatError:
    """``exc`` (a file of a run of several that asks for ``--account``) saying to import
    that file on its own: ``--account`` in this run would name every file's account."""
    value = asked_for(str(exc)) or "ID"
    where = exc.path if exc.record is None else f"{exc.path}, record {exc.record}"
    said = str(exc).removeprefix(f"{where}: ")
    return FormatError(
        exc.path,
        f"{said}; {_keyword()} names the account of every file of a run: import it on its "
        f"own: {alone(label, value)}",
        exc.record,
    )


def one_network(given: str, units: Sequence[tuple[str, str]], where: str) -> None:
    """Refuse ``--account`` for a run whose files are of several networks (``units``:
    (network, file) of each): the account belongs to one file, which the others would be
    filed under. One network's files (a channel's Studio CSVs) may share it."""
    first: dict[str, str] = {}
    for network, label in units:
        first.setdefault(network, label)
    if len(first) < 2:
        return
    shown = "; ".join(f"{n}: {label}" for n, label in sorted(first.items()))
    raise UsageError(
        f"{_keyword()} names one account, but {where} holds files of {len(first)} networks "
        f"({shown}): import the file that names no account on its own: "
        + (
            f"engage ingest FILE --account {given}"
            if in_cli()
            else f"ingest(FILE, account={given!r})"
        )
    )
