"""Readers of official museum registries: France's "Musées de France", in both public shapes."""

from __future__ import annotations

from collections.abc import Callable

from engage_registry.museofile import LocatedListReader, MuseofileBaseReader
from engagecore.plugin import RegistryReader, hookimpl


@hookimpl
def register_registry_readers(register: Callable[[RegistryReader], None]) -> None:
    register(LocatedListReader())
    register(MuseofileBaseReader())
