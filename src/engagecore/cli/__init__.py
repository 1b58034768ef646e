"""The ``engage`` command line: a thin layer over :mod:`engagecore.api`.

Errors become one line on stderr and a non-zero exit; ``ENGAGE_DEBUG=1`` shows the traceback.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from engagecore import __version__, plugins
from engagecore.errors import EngageError, one_line


def _version_callback(value: bool) -> None:
    if not value:
        return
    lines = [f"engage {__version__}"]
    for info in plugins.plugin_infos():
        lines.append(f"  plugin {info.name} {info.version} ({info.distribution})")
    typer.echo("\n".join(lines))
    raise typer.Exit()


def build_app() -> typer.Typer:
    """The root application with the core commands and every plugin's commands."""
    from engagecore.cli import ingest_cmd, museums_cmd, plugins_cmd

    app = typer.Typer(
        name="engage",
        help="Score how well museums engage their audiences on social networks, "
        "and how far they reach young people.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode="rich",
    )

    @app.callback()
    def _root(
        version: Annotated[
            bool,
            typer.Option(
                "--version",
                callback=_version_callback,
                is_eager=True,
                help="Show the version of engagecore and of every plugin, then exit.",
            ),
        ] = False,
    ) -> None:
        """engagecore's command line."""

    ingest_cmd.register(app)
    plugins_cmd.register(app)
    museums_cmd.register(app)
    for name in ("score_cmd", "demo_cmd"):
        try:
            module = __import__(f"engagecore.cli.{name}", fromlist=["register"])
        except ModuleNotFoundError:
            continue
        module.register(app)
    pm = plugins.get_plugin_manager()
    for impl in pm.hook.register_commands.get_hookimpls():
        try:
            impl.function(cli=app)
        except Exception as exc:
            raise plugins.PluginError(
                impl.plugin_name, f"register_commands failed: {exc!r}"
            ) from exc
    return app


def _fail(message: str, code: int) -> None:
    # one line whatever the message quotes (a bare CR would overwrite the line)
    print(f"engage: error: {one_line(message)}", file=sys.stderr)
    sys.exit(code)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``engage`` console script and ``python -m engagecore``."""
    debug = bool(os.environ.get("ENGAGE_DEBUG"))
    try:
        app = build_app()
        command = typer.main.get_command(app)
        # standalone mode: usage errors print typer's message and exit 2 by themselves.
        command.main(args=argv, prog_name="engage", standalone_mode=True)
    except EngageError as exc:
        if debug:
            raise
        _fail(str(exc), exc.exit_code)
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    except Exception as exc:
        if debug:
            raise
        _fail(f"unexpected {type(exc).__name__}: {exc} (set ENGAGE_DEBUG=1 for the traceback)", 1)
