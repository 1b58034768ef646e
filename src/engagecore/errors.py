"""One error hierarchy. Every message tells the user what went wrong and what to do.

The CLI turns any :class:`EngageError` into a one-line message on stderr and a non-zero exit.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

# Line breaks (CR, LF, NEL, Unicode line/paragraph separators) and the other control
# characters: a value quoted from a file must not split the one-line message or drive the
# terminal.
_BREAKS = re.compile(r"\r\n|[\r\n\x0b\x0c\x85\u2028\u2029]")
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")


def one_line(text: str) -> str:
    """``text`` on one line: line breaks become spaces, other control characters ``\\xNN``."""
    text = _BREAKS.sub(" ", text)
    return _CONTROLS.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


class EngageError(Exception):
    """Base class of every error engagecore raises on purpose. Its message is one line
    (see :func:`one_line`), whatever values from a file it quotes."""

    exit_code = 1

    def __init__(self, *args: object) -> None:
        if len(args) == 1 and isinstance(args[0], str):
            args = (one_line(args[0]),)
        super().__init__(*args)


class UsageError(EngageError):
    """The user asked for something that cannot be done as asked (bad option, bad value)."""

    exit_code = 2


class NoScoreError(UsageError):
    """Museums asked for a comparison have no score row (no linked account, or none left by
    the filters): ``museums`` names them, for a caller that can tell why."""

    def __init__(self, museums: list[str]) -> None:
        self.museums = list(museums)
        super().__init__(
            f"no score for museum(s) {', '.join(self.museums)}: nothing to compare (a museum "
            "is scored once an account is linked to it: `engage museums link`)"
        )


class PluginError(EngageError):
    """A plugin misbehaved: the message names the plugin."""

    def __init__(self, plugin: str, message: str) -> None:
        super().__init__(f"plugin {plugin!r}: {message}")
        self.plugin = plugin


class FormatError(EngageError):
    """A file could not be read as the format it claims to be.

    The message names the file, the record when there is one, and what was expected.
    """

    def __init__(self, path: str, message: str, record: str | int | None = None) -> None:
        where = f"{path}" if record is None else f"{path}, record {record}"
        super().__init__(f"{where}: {message}")
        self.path = path
        self.record = record


class DetectionError(EngageError):
    """No importer, or more than one equally sure importer, claims a file."""


class ValidationError(EngageError):
    """A plugin produced frames that do not match the normalized model."""


class MuseumNotFound(UsageError):
    """A museum name or alias resolves to no known museum: a usage error (exit 2), as an
    unknown network (docs/output.md, "Exit codes")."""


class AmbiguousMuseum(UsageError):
    """A museum name matches several museums; the message lists the candidates (exit 2)."""


class StoreError(EngageError):
    """The DuckDB store cannot be opened or is of an unknown schema version."""


# How a message names an option: the command line's flag (``--account``) when the CLI runs,
# the Python keyword (``account=``) otherwise, so one message is right in both worlds.
_CLI_OPTIONS: ContextVar[bool] = ContextVar("engage_cli_options", default=False)


def option(keyword: str, value: str = "") -> str:
    """``--allow-empty`` / ``--account ID`` on the command line, ``allow_empty=True`` /
    ``account=ID`` in Python (``value`` is the placeholder shown after it)."""
    if _CLI_OPTIONS.get():
        flag = "--" + keyword.replace("_", "-")
        return f"{flag} {value}" if value else flag
    return f"{keyword}={value or 'True'}"


def in_cli() -> bool:
    """Whether messages name options as command-line flags (see :func:`cli_options`)."""
    return _CLI_OPTIONS.get()


@contextmanager
def cli_options() -> Iterator[None]:
    """Within this block, messages name options as command-line flags."""
    token = _CLI_OPTIONS.set(True)
    try:
        yield
    finally:
        _CLI_OPTIONS.reset(token)


class StoreBusy(StoreError):
    """Another process holds the store (DuckDB allows one writer, or readers only).

    Its exit code, 75 (sysexits.h's ``EX_TEMPFAIL``), is a busy store's alone in every
    command: "try again later", not "this run failed" (1)."""

    exit_code = 75

    def __init__(self, path: object, holder: str, waited: float) -> None:
        super().__init__(
            f"{path}: the store is busy ({holder}); waited {waited:g} s: try again when it "
            "ends, or wait longer with `engage --wait SECONDS` (env ENGAGE_WAIT)"
        )
        self.holder = holder


class ResourceError(EngageError):
    """Memory (or another resource) ran out; the message says which and what to do."""
