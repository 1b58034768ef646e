"""The command line's click command is built once per set of loaded plugins: a process that
runs several commands (a notebook, the tests) does not rebuild it on each, and a plugin
registered later still gets its commands."""

from __future__ import annotations

import types
from typing import Annotated

import pytest
import typer
from cli_run import run

from engagecore import cli, plugins
from engagecore.plugin import hookimpl


def test_the_command_is_built_once_then_rebuilt_when_a_plugin_comes(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    builds: list[int] = []
    real = cli.build_app

    def counted() -> typer.Typer:
        builds.append(1)
        return real()

    monkeypatch.setattr(cli, "build_app", counted)
    monkeypatch.setattr(cli, "_built", None)
    for _ in range(3):
        code, out, _ = run(["plugins"], capsys)
        assert code == 0 and out
    assert len(builds) == 1

    late = types.ModuleType("late_plugin")

    @hookimpl
    def register_commands(cli: typer.Typer) -> None:
        @cli.command("late-hello")
        def late_hello(name: Annotated[str, typer.Argument()]) -> None:
            """Say hello (a plugin registered after the first command ran)."""
            typer.echo(f"hello {name}")

    late.register_commands = register_commands  # type: ignore[attr-defined]
    pm = plugins.get_plugin_manager()
    pm.register(late, name="late-plugin")
    try:
        code, out, err = run(["late-hello", "louvre"], capsys)
        assert (code, out) == (0, "hello louvre\n"), err
        assert len(builds) == 2
    finally:
        pm.unregister(late)
    code, _, err = run(["late-hello", "louvre"], capsys)
    assert code == 2 and "No such command" in err
    assert len(builds) == 3
