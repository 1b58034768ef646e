"""The hooks a plugin can implement. The full contract, with examples, is docs/plugins.md.

Every ``register_*`` hook receives a ``register`` callback: the host validates, dedupes and
names the plugin in any error. Hooks are always called with keyword arguments.

A plugin's author imports everything from :mod:`engagecore.plugin`, never from here.

:data:`PLUGIN_API` is the version of this contract. Each hook says in which version it
appeared (``.. versionadded::``); a plugin module may declare the version it was written for
with a module attribute ``ENGAGE_PLUGIN_API = 1``, and a plugin declaring a newer version
than the core's fails to load (see :func:`engagecore.plugins.check_api`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Final

import pluggy

if TYPE_CHECKING:
    import typer

    from engagecore.pluginapi import DemoWriter, Fetcher, Importer, NetworkSpec, RegistryReader

#: The version of the plugin contract this engagecore provides. It grows by one when a hook
#: or a public name of :mod:`engagecore.plugin` is added; a plugin written for version N runs
#: on every engagecore whose ``PLUGIN_API`` is N or more.
PLUGIN_API: Final = 1

hookspec = pluggy.HookspecMarker("engagecore")
hookimpl = pluggy.HookimplMarker("engagecore")


@hookspec
def register_networks(register: Callable[[NetworkSpec], None]) -> None:
    """Register the social networks this plugin knows.

    :param register: call it once per :class:`~engagecore.pluginapi.NetworkSpec`.
    :return: nothing.

    .. versionadded:: 1
    """


@hookspec
def register_importers(register: Callable[[Importer], None]) -> None:
    """Register importers: objects that detect and read one kind of export.

    :param register: call it once per :class:`~engagecore.pluginapi.Importer` instance.
    :return: nothing.

    .. versionadded:: 1
    """


@hookspec
def register_registry_readers(register: Callable[[RegistryReader], None]) -> None:
    """Register readers of official museum lists (``engage museums import-registry``).

    :param register: call it once per :class:`~engagecore.pluginapi.RegistryReader`.
    :return: nothing.

    .. versionadded:: 1
    """


@hookspec
def register_commands(cli: typer.Typer) -> None:
    """Add commands to the ``engage`` command line.

    :param cli: the root :class:`typer.Typer` application; add commands with
        ``@cli.command()`` or sub-applications with ``cli.add_typer``.
    :return: nothing.

    .. versionadded:: 1
    """


@hookspec
def register_demo_writers(register: Callable[[DemoWriter], None]) -> None:
    """Register writers that turn simulated posts into this network's real export format.

    ``engage demo`` simulates a cohort in the normalized model, then asks each network's
    writer to write it as the files that network really exports, and imports those files
    through the real importers.

    :param register: call it once per :class:`~engagecore.pluginapi.DemoWriter`.
    :return: nothing.

    .. versionadded:: 1
    """


@hookspec
def register_fetchers(register: Callable[[Fetcher], None]) -> None:
    """Register fetchers: objects that fetch a network's figures from its API
    (``engage fetch``), one per network.

    A fetcher only sends requests through the session the core gives it; the core saves
    each response and imports it through the network's importers (fetching is never a
    second way to write the store).

    :param register: call it once per :class:`~engagecore.pluginapi.Fetcher` instance.
    :return: nothing.

    .. versionadded:: 1
    """
