"""``engage plugins``: what is loaded, at which version, implementing which hooks;
``engage plugins new NAME``: a new plugin's skeleton, ready to install and test.

The skeleton is rendered from the templates of ``engagecore/plugin_template`` (package data:
every ``*.tmpl`` file, ``$name`` placeholders filled by :class:`string.Template`, ``__pkg__`` in
a path replaced by the package's name).
"""

from __future__ import annotations

import importlib.util
import keyword
import re
import shutil
import tempfile
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from string import Template
from typing import Annotated

import polars as pl
import typer

from engagecore import __version__, plugins
from engagecore.cli.output import Format, FormatOption, emit
from engagecore.errors import UsageError
from engagecore.hookspecs import PLUGIN_API

_SLUG = re.compile(r"[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*")
_NETWORK = re.compile(r"[a-z][a-z0-9_]*")
_TEMPLATES = "plugin_template"


@dataclass(frozen=True)
class NewPlugin:
    """The names of a plugin ``engage plugins new NAME`` writes."""

    network: str  # the NetworkSpec's name and the entry point's
    package: str  # the Python package: engage_<name>
    distribution: str  # the project name in pyproject.toml: engage-<name>
    camel: str  # the prefix of its class names
    display: str  # the network's display name

    @classmethod
    def named(cls, name: str, network: str | None = None) -> NewPlugin:
        """The names for ``NAME`` (a slug: ``tiktok``, ``my-network``; a leading ``engage-``
        is dropped) and ``--network`` (default: the slug, ``-`` as ``_``); UsageError when
        either is not a name engagecore can use."""
        if not _SLUG.fullmatch(name):
            raise UsageError(
                f"plugin name {name!r}: expected a lower-case slug of letters, digits and "
                "single '-' or '_', starting with a letter (e.g. tiktok, my-network)"
            )
        base = re.sub(r"^engage[-_]", "", name)
        snake = base.replace("-", "_")
        net = snake if network is None else network
        if not _NETWORK.fullmatch(net) or keyword.iskeyword(net):
            raise UsageError(
                f"network {net!r}: expected a lower-case name of letters, digits and '_', "
                "starting with a letter (it is stored in every row: e.g. tiktok)"
            )
        words = re.split(r"[-_]", base)
        return cls(
            network=net,
            package=f"engage_{snake}",
            distribution=f"engage-{base.replace('_', '-')}",
            camel="".join(w.capitalize() for w in words),
            display=" ".join(w.capitalize() for w in words),
        )


def write_plugin(spec: NewPlugin, folder: Path) -> list[Path]:
    """Write the plugin's skeleton into ``folder`` (absent or empty): every file or none.

    :return: the files written, relative to ``folder``, sorted.
    :raises UsageError: ``folder`` exists and is not an empty folder.
    """
    if folder.exists() and not (folder.is_dir() and not any(folder.iterdir())):
        raise UsageError(f"{folder}: exists and is not an empty folder; choose another --dir")
    values = {
        "network": spec.network,
        "pkg": spec.package,
        "dist": spec.distribution,
        "Camel": spec.camel,
        "display": spec.display,
        "api": str(PLUGIN_API),
        "engagecore_version": __version__,
    }
    folder.parent.mkdir(parents=True, exist_ok=True)
    # written beside, then moved into place: an error half-way leaves no half plugin
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        written = []
        for rel, template in _templates(resources.files("engagecore") / _TEMPLATES):
            target = Path(*(part.replace("__pkg__", spec.package) for part in rel))
            text = Template(template.read_text(encoding="utf-8")).substitute(values)
            (staging / target).parent.mkdir(parents=True, exist_ok=True)
            (staging / target).write_text(text, encoding="utf-8")
            written.append(target)
        if folder.exists():
            folder.rmdir()  # empty, checked above
        staging.rename(folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return sorted(written)


def _templates(
    root: Traversable, rel: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], Traversable]]:
    """Every ``*.tmpl`` file under ``root``: (its path without ``.tmpl``, as parts; the file)."""
    found = []
    for entry in root.iterdir():
        if entry.is_dir():
            found.extend(_templates(entry, (*rel, entry.name)))
        elif entry.name.endswith(".tmpl"):
            found.append(((*rel, entry.name.removesuffix(".tmpl")), entry))
    return found


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        help="List installed plugins, their versions and hooks; `engage plugins new NAME` "
        "writes a new plugin."
    )
    app.add_typer(group, name="plugins")

    @group.callback(invoke_without_command=True)
    def list_plugins(
        ctx: typer.Context,
        all_: Annotated[
            bool,
            typer.Option(
                "--all", help="Also list every network and importer each plugin registers."
            ),
        ] = False,
        fmt: FormatOption = Format.table,
    ) -> None:
        """List installed plugins, their versions and hooks; `engage plugins new NAME` writes
        a new plugin."""
        if ctx.invoked_subcommand is not None:
            return
        infos = plugins.plugin_infos()
        rows = [
            {
                "name": i.name,
                "version": i.version,
                "distribution": i.distribution,
                "module": i.module,
                "hooks": i.hooks,
            }
            for i in infos
        ]
        df = pl.DataFrame(
            rows,
            schema={
                "name": pl.Utf8,
                "version": pl.Utf8,
                "distribution": pl.Utf8,
                "module": pl.Utf8,
                "hooks": pl.List(pl.Utf8),
            },
        )
        if all_:
            reg = plugins.registry()
            provided: dict[str, list[str]] = {}
            for n in reg.networks.values():
                provided.setdefault(plugins.owner_name(n), []).append(f"network:{n.name}")
            for imp in reg.importers.values():
                # the networks it may emit; one no loaded plugin registers is said so
                nets = ", ".join(
                    "any network"
                    if n == plugins.ANY_NETWORK
                    else n
                    if n in reg.networks
                    else f"{n}: not registered"
                    for n in sorted(imp.networks)
                )
                provided.setdefault(plugins.owner_name(imp), []).append(
                    f"importer:{imp.name} ({nets})"
                )
            for r in reg.registry_readers.values():
                provided.setdefault(plugins.owner_name(r), []).append(f"registry:{r.name}")
            for w in reg.demo_writers.values():
                provided.setdefault(plugins.owner_name(w), []).append(f"demo-writer:{w.network}")
            df = df.with_columns(
                pl.col("name")
                .map_elements(lambda n: provided.get(n, []), return_dtype=pl.List(pl.Utf8))
                .alias("provides")
            )
        emit(df, fmt, title="plugins", priority=("name", "provides", "hooks", "version"))
        for dist, version in plugins.without_entry_point():
            typer.echo(
                f"not loaded: {dist} {version} depends on engagecore but declares no entry point "
                f"in the '{plugins.ENTRY_POINT_GROUP}' group (pyproject.toml: "
                f'[project.entry-points.{plugins.ENTRY_POINT_GROUP}] NAME = "module"; then '
                "reinstall it)",
                err=True,
            )

    @group.command("new")
    def new(
        name: Annotated[
            str,
            typer.Argument(
                metavar="NAME", help="The plugin's name, a lower-case slug (tiktok, my-network)."
            ),
        ],
        dir_: Annotated[
            Path | None,
            typer.Option(
                "--dir",
                metavar="DIR",
                help="Where to write it (absent or empty; default ./engage-NAME).",
                show_default=False,
            ),
        ] = None,
        network: Annotated[
            str | None,
            typer.Option(
                "--network",
                metavar="NETWORK",
                help="The network's name stored in every row (default: NAME, '-' as '_').",
                show_default=False,
            ),
        ] = None,
    ) -> None:
        """Write a new plugin: pyproject with the entry point, the network's spec, one CSV
        importer, a sample export, tests using the conformance kit, a README."""
        spec = NewPlugin.named(name, network)
        owner = plugins.registry().networks.get(spec.network)
        if owner is not None:
            raise UsageError(
                f"network {spec.network!r} is already registered by plugin "
                f"{plugins.owner_name(owner)!r}; choose another --network"
            )
        if importlib.util.find_spec(spec.package) is not None:
            raise UsageError(
                f"a Python package {spec.package!r} is already installed: choose another NAME"
            )
        folder = dir_ if dir_ is not None else Path(spec.distribution)
        files = write_plugin(spec, folder)
        typer.echo(
            f"wrote {folder}: plugin {spec.distribution} (package {spec.package}, network "
            f"{spec.network!r}), {len(files)} files:"
        )
        for f in files:
            typer.echo(f"  {f.as_posix()}")
        typer.echo(
            f"next: pip install -e '{folder}[test]'; pytest {folder}; "
            f"engage ingest {folder / 'samples' / 'posts.csv'}; docs/plugins.md is the guide"
        )
