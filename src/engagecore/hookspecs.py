"""The hooks a plugin can implement. The full contract, with examples, is docs/plugin_hooks.md.

Every ``register_*`` hook receives a ``register`` callback: the host validates, dedupes and
names the plugin in any error. Hooks are always called with keyword arguments.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("engagecore")
hookimpl = pluggy.HookimplMarker("engagecore")


@hookspec
def register_networks(register: Callable[[Any], None]) -> None:
    """Register the social networks this plugin knows.

    :param register: call it once per :class:`~engagecore.pluginapi.NetworkSpec`.
    :return: nothing.

    .. versionadded:: 0.1
    """


@hookspec
def register_importers(register: Callable[[Any], None]) -> None:
    """Register importers: objects that detect and read one kind of export.

    :param register: call it once per :class:`~engagecore.pluginapi.Importer` instance.
    :return: nothing.

    .. versionadded:: 0.1
    """


@hookspec
def register_registry_readers(register: Callable[[Any], None]) -> None:
    """Register readers of official museum lists (``engage museums import-registry``).

    :param register: call it once per :class:`~engagecore.pluginapi.RegistryReader`.
    :return: nothing.

    .. versionadded:: 0.1
    """


@hookspec
def register_commands(cli: Any) -> None:
    """Add commands to the ``engage`` command line.

    :param cli: the root :class:`typer.Typer` application; add commands with
        ``@cli.command()`` or sub-applications with ``cli.add_typer``.
    :return: nothing.

    .. versionadded:: 0.1
    """


@hookspec
def register_demo_writers(register: Callable[[Any], None]) -> None:
    """Register writers that turn simulated posts into this network's real export format.

    ``engage demo`` simulates a cohort in the normalized model, then asks each network's
    writer to write it as the files that network really exports, and imports those files
    through the real importers.

    :param register: call it once per :class:`~engagecore.pluginapi.DemoWriter`.
    :return: nothing.

    .. versionadded:: 0.1
    """
