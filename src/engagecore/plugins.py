"""The plugin manager: specs, then entry points of the ``engagecore`` group, then checks.

Built once, lazily, by :func:`get_plugin_manager`. ``ENGAGE_LOAD_PLUGINS`` (comma-separated
plugin names) loads only those; ``ENGAGE_DISABLE_PLUGINS`` skips some.

The :class:`Registry` keeps which plugin registered each object (:meth:`Registry.owner`);
nothing is written onto the plugins' objects.
"""

from __future__ import annotations

import difflib
import importlib.metadata as md
import inspect
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pluggy

from engagecore import hookspecs
from engagecore.errors import EngageError, PluginError
from engagecore.hookspecs import PLUGIN_API

ENTRY_POINT_GROUP = "engagecore"
#: an importer whose rows each name their own network (e.g. the spreadsheet template)
ANY_NETWORK = "*"

_pm: pluggy.PluginManager | None = None
_registry: Registry | None = None


#: (version, distribution name) per installed distribution's metadata folder: reading them
#: parses its METADATA file, ~0.5 ms each, for every plugin on every rebuild of the manager
#: (the tests rebuild it for each test); another version installs into another folder
_DIST_INFO: dict[str, tuple[str, str]] = {}


def _version_and_name(ep: md.EntryPoint) -> tuple[str, str]:
    dist = getattr(ep, "dist", None)
    if dist is None:
        return "unknown", ep.name
    where = getattr(dist, "_path", None)
    key = str(where) if where is not None else None
    if key is None or key not in _DIST_INFO:
        found = (dist.version, dist.metadata["Name"])
        if key is None:
            return found
        _DIST_INFO[key] = found
    return _DIST_INFO[key]


#: the ``engagecore`` entry points, with what they were found under (:func:`_entry_points`)
_found: tuple[tuple[object, ...], tuple[md.EntryPoint, ...]] | None = None


def _entry_points() -> tuple[md.EntryPoint, ...]:
    """The ``engagecore`` entry points of the installed distributions, scanned again only when
    the import path changed: a folder added to ``sys.path``, or a distribution installed into
    or removed from one of its folders (which changes that folder's mtime). Scanning every
    distribution's metadata costs ~4 ms, which each rebuild of the manager paid (the tests
    rebuild it for each test)."""
    global _found
    where: list[object] = [md.entry_points]
    for entry in sys.path:
        try:
            where.append((entry, os.stat(entry or ".").st_mtime_ns))
        except OSError:
            where.append((entry, None))
    key = tuple(where)
    if _found is None or _found[0] != key:
        _found = (key, tuple(md.entry_points(group=ENTRY_POINT_GROUP)))
    return _found[1]


#: the module attribute by which a plugin declares the plugin API it was written for
API_ATTRIBUTE = "ENGAGE_PLUGIN_API"


@dataclass
class PluginInfo:
    """A loaded plugin: its entry-point name, its distribution's version, its module."""

    name: str
    version: str
    module: str
    hooks: list[str]
    distribution: str


def check_api(name: str, plugin: object) -> None:
    """Refuse a plugin that declares (``ENGAGE_PLUGIN_API = N``) a newer API than the core's."""
    declared = getattr(plugin, API_ATTRIBUTE, None)
    if declared is None:
        return
    if not isinstance(declared, int) or isinstance(declared, bool) or declared < 1:
        raise PluginError(
            name, f"{API_ATTRIBUTE} = {declared!r}; expected a plugin API version (an integer >= 1)"
        )
    if declared > PLUGIN_API:
        raise PluginError(
            name,
            f"written for plugin API {declared}, but this engagecore provides plugin API "
            f"{PLUGIN_API}: upgrade engagecore or use an older version of the plugin",
        )


def _split_env(var: str) -> set[str] | None:
    raw = os.environ.get(var)
    if raw is None:
        return None
    return {p.strip() for p in raw.split(",") if p.strip()}


def get_plugin_manager() -> pluggy.PluginManager:
    """The process-wide plugin manager, built on first use and then reused."""
    global _pm
    if _pm is not None:
        return _pm
    pm = pluggy.PluginManager("engagecore")
    pm.add_hookspecs(hookspecs)
    load = _split_env("ENGAGE_LOAD_PLUGINS")
    disable = _split_env("ENGAGE_DISABLE_PLUGINS") or set()
    for ep in _entry_points():
        if ep.name in disable:
            _skipped[ep.name] = "disabled (ENGAGE_DISABLE_PLUGINS)"
            continue
        if load is not None and ep.name not in load:
            _skipped[ep.name] = "not loaded (ENGAGE_LOAD_PLUGINS)"
            continue
        try:
            module = ep.load()
        except Exception as exc:
            raise PluginError(ep.name, f"failed to load {ep.value!r}: {exc}") from exc
        if pm.is_registered(module):
            continue
        check_api(ep.name, module)
        try:
            pm.register(module, name=ep.name)
        except pluggy.PluginValidationError as exc:
            _check_hooks(pm, ep.name, module)  # which hook, in one line naming the plugin
            raise PluginError(ep.name, " ".join(str(exc).split())) from exc
        _versions[ep.name] = _version_and_name(ep)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        name = str(pm.get_name(exc.plugin) or getattr(exc.plugin, "__name__", "?"))
        _check_hooks(pm, name, exc.plugin)
        raise PluginError(name, " ".join(str(exc).split())) from exc
    _pm = pm
    return pm


def _check_hooks(pm: pluggy.PluginManager, name: str, module: object) -> None:
    """Refuse, in one line naming the plugin, a hook implementation engagecore has no spec for
    (a misspelt name) or one whose arguments are not the spec's (pluggy's own messages name
    the module object and span lines). Run once pluggy has refused the plugin: it looks at
    every attribute of the module again, which loading every plugin need not pay."""
    specs = {
        attr: caller.spec.argnames
        for attr, caller in vars(pm.hook).items()
        if isinstance(caller, pluggy.HookCaller) and caller.spec is not None
    }
    for attr in dir(module):
        if pm.parse_hookimpl_opts(module, attr) is None:
            continue
        if attr not in specs:
            close = difflib.get_close_matches(attr, specs, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise PluginError(
                name,
                f"unknown hook {attr!r}{hint} (engagecore's hooks: {', '.join(sorted(specs))})",
            )
        params = inspect.signature(getattr(module, attr)).parameters.values()
        args = [p.name for p in params if p.default is p.empty and p.kind is not p.VAR_KEYWORD]
        extra = [a for a in args if a not in specs[attr]]
        if extra:
            raise PluginError(
                name,
                f"hook {attr}({', '.join(args)}) takes {', '.join(map(repr, extra))}, which "
                f"engagecore does not pass; expected {attr}({', '.join(specs[attr])})",
            )


def without_entry_point() -> list[tuple[str, str]]:
    """(name, version) of every installed distribution that depends on engagecore (not only
    through an extra) but declares no entry point in the ``engagecore`` group: a plugin
    whose ``[project.entry-points.engagecore]`` is missing or misspelt, never loaded."""
    out = []
    for dist in md.distributions():
        name = dist.metadata["Name"] or ""
        if canonical(name) == "engagecore":
            continue
        needs = any(
            canonical(re.split(r"[\s;<>=!~\[(]", req, maxsplit=1)[0]) == "engagecore"
            and "extra" not in req.partition(";")[2]
            for req in dist.requires or ()
        )
        if needs and not any(ep.group == ENTRY_POINT_GROUP for ep in dist.entry_points):
            out.append((name, dist.version))
    return sorted(set(out))


def canonical(name: str) -> str:
    """A distribution's name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


_versions: dict[str, tuple[str, str]] = {}
#: installed plugins the environment left out, and why (to explain a missing network)
_skipped: dict[str, str] = {}


def reset() -> None:
    """Forget the manager and registry (tests use it after changing the environment)."""
    global _pm, _registry
    _pm = None
    _registry = None
    _versions.clear()
    _skipped.clear()


def plugin_infos(include_builtin_hooks: bool = True) -> list[PluginInfo]:
    """Every loaded plugin with version, module and the hooks it implements."""
    pm = get_plugin_manager()
    out = []
    for name, plugin in pm.list_name_plugin():
        if plugin is None:
            continue
        hooks = sorted(h.name for h in pm.get_hookcallers(plugin) or [])
        version, dist = _versions.get(name, ("unknown", name))
        out.append(
            PluginInfo(name, version, getattr(plugin, "__name__", repr(plugin)), hooks, dist)
        )
    return sorted(out, key=lambda p: p.name)


T = TypeVar("T")


def _collect(
    hook_name: str, kind: type[T], key: Callable[[T], str], owned: dict[int, str]
) -> dict[str, T]:
    """Call a ``register_*`` hook plugin by plugin, validating what each one registers.

    ``owned`` receives ``id(obj) -> plugin name`` for every object registered.
    """
    pm = get_plugin_manager()
    found: dict[str, T] = {}
    owners: dict[str, str] = {}
    hook = getattr(pm.hook, hook_name)
    for impl in hook.get_hookimpls():
        plugin_name = impl.plugin_name

        def register(obj: Any, _plugin: str = plugin_name) -> None:
            if not isinstance(obj, kind):
                raise PluginError(
                    _plugin, f"{hook_name} registered {obj!r}; expected a {kind.__name__}"
                )
            k = key(obj)
            if not k:
                raise PluginError(_plugin, f"{hook_name} registered a {kind.__name__} with no name")
            if k in found:
                raise PluginError(
                    _plugin, f"{kind.__name__} {k!r} is already registered by plugin {owners[k]!r}"
                )
            found[k] = obj
            owners[k] = _plugin
            owned[id(obj)] = _plugin

        try:
            returned = impl.function(register=register)
        except EngageError:
            raise
        except Exception as exc:
            raise PluginError(plugin_name, f"{hook_name} failed: {exc!r}") from exc
        if returned is not None:  # what it meant to register would silently be lost
            raise PluginError(
                plugin_name,
                f"{hook_name} returned {returned!r:.120}; call register(obj) for each object "
                "instead of returning them",
            )
    return found


@dataclass
class Registry:
    """Everything the loaded plugins registered, and which plugin registered each object."""

    networks: dict[str, Any] = field(default_factory=dict)
    importers: dict[str, Any] = field(default_factory=dict)
    registry_readers: dict[str, Any] = field(default_factory=dict)
    demo_writers: dict[str, Any] = field(default_factory=dict)
    fetchers: dict[str, Any] = field(default_factory=dict)
    #: ``id(obj) -> plugin name``; the objects stay alive in the dicts above, so ids are stable
    owners: dict[int, str] = field(default_factory=dict)
    #: the plugins that registered something, by name
    infos: dict[str, PluginInfo] = field(default_factory=dict)

    def owner(self, obj: object) -> PluginInfo | None:
        """The plugin (name, version, distribution) that registered ``obj``; ``None`` for an
        object built by hand and never registered (e.g. an importer under test)."""
        name = self.owners.get(id(obj))
        if name is None:
            return None
        return self.infos.get(name) or PluginInfo(name, "unknown", "", [], name)


def registry() -> Registry:
    """Networks, importers, registry readers, demo writers and fetchers, collected once."""
    global _registry
    if _registry is not None:
        return _registry
    from engagecore.pluginapi import DemoWriter, Fetcher, Importer, NetworkSpec, RegistryReader

    pm = get_plugin_manager()
    for name, plugin in pm.list_name_plugin():
        if plugin is not None:
            check_api(name, plugin)
    reg = Registry()
    own = reg.owners
    reg.networks = _collect("register_networks", NetworkSpec, lambda n: n.name, own)
    reg.importers = _collect("register_importers", Importer, lambda i: i.name, own)
    for imp in reg.importers.values():
        # every plugin's networks are registered by now: the order plugins load in is moot
        _check_networks(imp, reg.networks, own[id(imp)])
    reg.registry_readers = _collect(
        "register_registry_readers", RegistryReader, lambda r: r.name, own
    )
    reg.demo_writers = _collect("register_demo_writers", DemoWriter, lambda w: w.network, own)
    reg.fetchers = _collect("register_fetchers", Fetcher, lambda f: f.network, own)
    for name, fetcher in reg.fetchers.items():
        if name not in reg.networks:
            raise PluginError(
                own[id(fetcher)],
                f"fetcher for network {name!r}, which no loaded plugin registers",
            )
    reg.infos = {i.name: i for i in plugin_infos()}
    _registry = reg
    return reg


def plugin_version(plugin: str) -> str:
    get_plugin_manager()
    return _versions.get(plugin, ("unknown", ""))[0]


def _check_networks(imp: Any, registered: dict[str, Any], owner: str) -> None:
    """An importer's declared networks: a non-empty frozenset of names holding its
    ``network``, ``"*"`` alone, at least one of them registered.

    A declared network no loaded plugin registers is allowed beside a registered one (its
    plugin may be disabled or not installed): rows of it are refused when read, saying so
    (:func:`unregistered`).
    """
    declared = imp.networks
    where = f"importer {imp.name!r}"
    if not isinstance(declared, frozenset) or not all(isinstance(n, str) and n for n in declared):
        raise PluginError(
            owner,
            f"{where}: networks is {declared!r}; expected a frozenset of network names",
        )
    if not declared:
        raise PluginError(owner, f"{where} declares no network (set network or networks)")
    if imp.network not in declared:
        raise PluginError(
            owner,
            f"{where}: its network {imp.network!r} is not among the networks it declares "
            f"({', '.join(sorted(declared))})",
        )
    if ANY_NETWORK in declared:
        if len(declared) > 1:
            raise PluginError(
                owner,
                f"{where}: {ANY_NETWORK!r} stands alone (any network); remove the others",
            )
        return
    if not declared & set(registered):
        names = ", ".join(repr(n) for n in sorted(declared))
        raise PluginError(
            owner,
            f"{where} is for network(s) {names}, which no loaded plugin registers",
        )


def left_out(network: str) -> str | None:
    """``the plugin 'instagram' is disabled (ENGAGE_DISABLE_PLUGINS)`` when the installed
    plugin of that name was left out by the environment; None otherwise."""
    get_plugin_manager()
    why = _skipped.get(network)
    return None if why is None else f"the plugin {network!r} is {why}"


def unregistered(network: str) -> str:
    """Why ``network`` is not registered, as the end of a one-line message."""
    why = left_out(network)
    if why is not None:
        return f"network {network!r} is not registered: {why}"
    off = ", ".join(f"{name!r} ({why})" for name, why in sorted(_skipped.items()))
    return (
        f"network {network!r} is not registered: the plugin that registers it is not installed"
        + (f" or is among those left out: {off}" if off else "")
        + "; `engage plugins --all` lists the networks registered"
    )


def owner_name(obj: object) -> str:
    """The name of the plugin that registered ``obj``, for messages and import records; for an
    object never registered, the top-level package of its class (``engage_x``)."""
    info = registry().owner(obj)
    if info is not None:
        return info.name
    return type(obj).__module__.split(".")[0]
