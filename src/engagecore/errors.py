"""One error hierarchy. Every message tells the user what went wrong and what to do.

The CLI turns any :class:`EngageError` into a one-line message on stderr and a non-zero exit.
"""

from __future__ import annotations


class EngageError(Exception):
    """Base class of every error engagecore raises on purpose."""

    exit_code = 1


class UsageError(EngageError):
    """The user asked for something that cannot be done as asked (bad option, bad value)."""

    exit_code = 2


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


class MuseumNotFound(EngageError):
    """A museum name or alias resolves to no known museum."""


class AmbiguousMuseum(EngageError):
    """A museum name matches several museums; the message lists the candidates."""


class StoreError(EngageError):
    """The DuckDB store cannot be opened or is of an unknown schema version."""


class StoreBusy(StoreError):
    """Another process holds the store (DuckDB allows one writer, or readers only)."""

    def __init__(self, path: object, holder: str, waited: float) -> None:
        super().__init__(
            f"{path}: the store is busy ({holder}); waited {waited:g} s: try again when it "
            "ends, or wait longer with `engage --wait SECONDS` (env ENGAGE_WAIT)"
        )
        self.holder = holder


class ResourceError(EngageError):
    """Memory (or another resource) ran out; the message says which and what to do."""
