"""``engage demo``: a realistic museum cohort in the networks' real export formats, imported
through the real importers, scored and compared — the whole product in one command."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import polars as pl
import typer

from engagecore.cli.ingest_cmd import progress_bar
from engagecore.cli.output import Format, FormatOption, console, emit, err_console
from engagecore.cli.score_cmd import show_comparison
from engagecore.errors import UsageError

if TYPE_CHECKING:
    from engagecore.demo import DemoResult

DEMO_DB = Path("engage-demo.duckdb")


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo(
        museums: Annotated[
            int, typer.Option(metavar="N", help="How many museums to simulate.")
        ] = 60,
        seed: Annotated[
            int, typer.Option(metavar="N", help="Random seed: the same seed, the same demo.")
        ] = 0,
        db: Annotated[
            Path | None,
            typer.Option(
                "--db",
                metavar="FILE",
                help=f"Store to create (default ./{DEMO_DB}, replaced on each run; an "
                "existing store given here must hold no museums).",
            ),
        ] = None,
        keep_files: Annotated[
            Path | None,
            typer.Option(metavar="DIR", help="Keep the generated export files in this folder."),
        ] = None,
        fmt: FormatOption = Format.table,
    ) -> None:
        """Generate exports for a simulated cohort, import them, score, compare louvre pompidou."""
        from engagecore.demo import OWN_DATA_HINT, run_demo

        if db is None:
            db = DEMO_DB
            for stale in (db, db.with_name(db.name + ".wal")):
                stale.unlink(missing_ok=True)
        if museums > 5000:
            raise UsageError("the demo is for a quick look: use at most 5000 museums")
        with progress_bar() as bar:
            task = bar.add_task("importing", total=None)

            def progress(done: int, total: int, label: str) -> None:
                bar.update(task, completed=done, total=total, description="importing exports")

            result = run_demo(
                db, museums=museums, seed=seed, progress=progress, export_dir=keep_files
            )
        if fmt is not Format.table:
            emit(result.top, fmt)
            return
        err_console.print(
            f"[bold]engage demo[/]: {_museums(result)}, {result.accounts} accounts, "
            f"{result.posts:,} posts on {', '.join(result.networks)} — written as "
            f"{result.files} real export files, imported into {result.db_path} "
            f"({sum(result.seconds.values()):.1f} s)"
        )
        show_top(result.top)
        if result.compare is not None:
            console.print("\n[bold]engage compare louvre pompidou[/]")
            show_comparison(result.compare)
        if result.skipped_networks:
            err_console.print(
                f"networks without a demo writer: {', '.join(result.skipped_networks)}"
            )
        console.print("\n[bold]Next, try:[/]")
        for cmd in result.next_commands:
            # nothing read as markup, a long command continued with a shell backslash
            # between whole words: it still runs as printed when pasted
            for line in shell_lines(cmd, console.width, indent="  "):
                console.print(line, soft_wrap=True, markup=False, highlight=False)
        console.print("\n[bold]Then, with your own files:[/]")
        for line in OWN_DATA_HINT:
            console.print(f"  {line}", soft_wrap=True, markup=False, highlight=False)


def _museums(result: DemoResult) -> str:
    """How many museums, as the report's subtitle says it: "55 museums with posts (of 60 in
    the store)" when some simulated museums have no account."""
    if result.museums_with_posts == result.museums:
        return f"{result.museums:,} museums"
    return f"{result.museums_with_posts:,} museums with posts (of {result.museums:,} in the store)"


def shell_lines(command: str, width: int, indent: str = "") -> list[str]:
    """``command`` cut between its shell words into lines of at most ``width`` columns, each
    but the last ending in `` \\`` so that the lines pasted into a shell run as one command.
    An option stays beside its value (``--db FILE``); a group longer than the width stays
    whole on its own line."""
    groups: list[str] = []
    for word in map(shlex.quote, shlex.split(command)):
        option = groups and groups[-1].startswith("--") and " " not in groups[-1]
        if option and not word.startswith("-"):
            groups[-1] += " " + word
            continue
        groups.append(word)
    lines: list[str] = []
    current = ""
    for group in groups:
        if current and len(f"{current} {group}") + 2 > width:
            lines.append(current + " \\")
            current = indent + "    " + group
        else:
            current = f"{current} {group}" if current else indent + group
    lines.append(current)
    return lines


def show_top(top: pl.DataFrame) -> None:
    """The top museums: the table ``engage score --sort score --top N`` prints."""
    from engagecore.cli.score_cmd import show_leaderboard

    show_leaderboard(top, "score")
