"""``--account`` (``account=`` in Python): the account of files that do not name theirs.

Importers call :func:`given_account` for the value, and :func:`check_named` with the
accounts a file does name, so that a file of another account is refused with a clear message
instead of being mixed silently into the wrong account.
"""

from __future__ import annotations

from collections.abc import Iterable

from engagecore.errors import FormatError, option
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
