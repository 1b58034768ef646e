"""The ``engage`` command line: a thin layer over :mod:`engagecore.api`.

Errors become one line on stderr and a non-zero exit; ``ENGAGE_DEBUG=1`` shows the traceback.
"""

from __future__ import annotations

import contextvars
import os
import sys
from typing import Annotated, Any

import typer

from engagecore import __version__, interrupts, limits, plugins
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
        wait: Annotated[
            float | None,
            typer.Option(
                "--wait",
                min=0,
                metavar="SECONDS",
                help="While another engage process holds the store, retry this long before "
                "failing (default 10; env ENGAGE_WAIT).",
                show_default=False,
            ),
        ] = None,
    ) -> None:
        """engagecore's command line."""
        if wait is not None:
            # main() runs the command in a copy of the context: this ends with the command
            limits.override(wait=wait)

    ingest_cmd.register(app)
    plugins_cmd.register(app)
    museums_cmd.register(app)
    for name in (
        "score_cmd",
        "demo_cmd",
        "followers_cmd",
        "sql_cmd",
        "fetch_cmd",
        "analysis_posts_cmd",  # posts, themes, risks (issue 13)
        "analysis_trends_cmd",  # growth, adoption, young (issue 13)
        "report_cmd",  # the HTML page (issue 13)
    ):
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


def help_commands(command: Any, path: tuple[str, ...] = ()) -> list[tuple[list[str], Any]]:
    """The command and every command under it, each with its path of names."""
    found = [(list(path), command)]
    for name, sub in (getattr(command, "commands", None) or {}).items():
        found.extend(help_commands(sub, (*path, name)))
    return found


def reflow_help(command: Any) -> None:
    """Join the single line breaks of every help paragraph (the docstrings' source lines):
    rich keeps them in "rich" markup mode, so a description broke where its source line
    ended, not at the terminal's width. Paragraphs (blank lines) stay."""
    for _, cmd in help_commands(command):
        if cmd.help:
            cmd.help = "\n\n".join(
                " ".join(paragraph.split()) for paragraph in cmd.help.split("\n\n")
            )


def name_values(command: Any) -> None:
    """Help names what to type, never a Python type: typer 0.29 shows each parameter's
    annotation (``--with-growth <bool>`` reads as if the flag took a value; ``<str>``,
    ``<list[str]>``). A flag shows nothing after its name; an option with a value shows its
    metavar (DATE, FILE, N… set where it is declared; else the parameter's name in capitals,
    for a plugin's command), and its bounds in words ("[at least 1]", not click's "[x>=1]");
    an argument shows its name, no type. The usage line writes an
    argument as click does (``MUSEUM``, ``MUSEUM...``, ``[MUSEUM]...``): typer 0.29 put a
    required one in braces (``{MUSEUM}...``), which reads as a literal or a set."""
    from typer._click.core import Context

    for _, cmd in help_commands(command):
        # typer makes the --help option on demand and keeps it: name it as the others
        params = [*cmd.params, cmd.get_help_option(Context(cmd))]
        for param in params:
            if param is None:
                continue
            if getattr(param, "is_flag", False) or getattr(param, "count", False):
                param.metavar = ""
                continue
            if param.metavar is None:
                param.metavar = (param.name or "value").upper()
            if getattr(param, "min", None) is not None or getattr(param, "max", None) is not None:
                # "[at least 1]", not click's "[x>=1]"
                param._get_number_range_help_str = lambda p=param: _range_words(p.min, p.max)
            if param.param_type_name == "argument":
                # the name column shows the metavar; the type column nothing
                param.display_type_rich = lambda ctx: None
                param.get_usage_pieces = lambda ctx, p=param: [_usage_name(p)]


def _range_words(low: float | None, high: float | None) -> str | None:
    """A number option's bounds as help says them: "at least 1", "at most 5", "1 to 5"."""
    if low is None and high is None:
        return None
    if high is None:
        return f"at least {low}"
    if low is None:
        return f"at most {high}"
    return f"{low} to {high}"


def _usage_name(argument: Any) -> str:
    """An argument on the usage line: its metavar, in brackets when it may be left out, then
    ``...`` when it repeats."""
    name = str(argument.metavar or (argument.name or "value").upper())
    if not argument.required:
        name = f"[{name}]"
    if argument.nargs != 1:
        name += "..."
    return name


def _fail(message: str, code: int) -> None:
    # one line whatever the message quotes (a bare CR would overwrite the line)
    print(f"engage: error: {one_line(message)}", file=sys.stderr)
    sys.exit(code)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``engage`` console script and ``python -m engagecore``.

    SIGINT and SIGTERM end a command with one line ("interrupted", "terminated (SIGTERM)")
    and exit 130 / 143, after its transaction is rolled back and its temporary files removed
    (see :mod:`engagecore.interrupts`).
    """
    with interrupts.handled(interrupts.report_stderr):
        _main(argv)


def _main(argv: list[str] | None) -> None:
    debug = bool(os.environ.get("ENGAGE_DEBUG"))
    try:
        command = _command()
        # standalone mode: usage errors print typer's message and exit 2 by themselves.
        # in a copy of the context: options such as --wait set limits for this run only
        contextvars.copy_context().run(
            command.main, args=argv, prog_name="engage", standalone_mode=True
        )
    except SystemExit as exc:
        # typer turns a KeyboardInterrupt into a silent exit 130
        stop = interrupts.received()
        if stop is not None:
            _fail(stop.message, stop.exit_code)
        if exc.code == 130 and isinstance(_root_cause(exc), KeyboardInterrupt):
            _fail("interrupted", 130)
        raise
    except KeyboardInterrupt:
        stop = interrupts.received()
        _fail(stop.message if stop else "interrupted", stop.exit_code if stop else 130)
    except EngageError as exc:
        _stopped()
        if debug:
            raise
        _fail(str(exc), exc.exit_code)
    except Exception as exc:
        _stopped()
        if debug:
            raise
        oom = limits.out_of_memory(exc)
        if oom is not None:
            _fail(str(oom), oom.exit_code)
        _fail(f"unexpected {type(exc).__name__}: {exc} (set ENGAGE_DEBUG=1 for the traceback)", 1)


_built: tuple[object, Any] | None = None


def _command() -> Any:
    """The click command of :func:`build_app`, built once per set of plugin commands: typer
    reads every command's signature and type hints to build it (~55 ms), which a process
    running the command line several times (the tests, a notebook) paid on every call. The
    plugins' ``register_commands`` functions are all it takes from them (the commands look
    the plugins up when they run): the same functions, the same command."""
    global _built
    pm = plugins.get_plugin_manager()
    key = tuple((i.plugin_name, i.function) for i in pm.hook.register_commands.get_hookimpls())
    if _built is None or _built[0] != key:
        command = typer.main.get_command(build_app())
        reflow_help(command)
        name_values(command)
        _built = (key, command)
    return _built[1]


def _stopped() -> None:
    """A signal turned into another error on its way up (e.g. DuckDB's "interrupted")
    is reported as the signal."""
    stop = interrupts.received()
    if stop is not None:
        _fail(stop.message, stop.exit_code)


def _root_cause(exc: BaseException) -> BaseException:
    chain = [exc]
    while (nxt := chain[-1].__cause__ or chain[-1].__context__) is not None and nxt not in chain:
        chain.append(nxt)
    return chain[-1]
