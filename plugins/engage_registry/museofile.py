"""The Musées de France registry (Ministry of Culture open data), in its two shapes.

- ``liste-et-localisation-des-musees-de-france.csv``: ``;``-separated; a museum known by
  several names has a row per name, all with its Muséofile id (the first row's name is its
  name, the others its aliases).
- ``musees-de-france-base-museofile.csv``: the Muséofile base, UTF-8 BOM, multi-line quoted
  fields; published with ``;`` and seen with ``,`` too, so the separator is sniffed.
"""

from __future__ import annotations

import io
from typing import ClassVar

import polars as pl

from engagecore.plugin import (
    REGISTRY_SCHEMA,
    FormatError,
    RegistryReader,
    Source,
    check_csv_records,
    read_errors,
)


def _header(source: Source) -> tuple[list[str], str]:
    first = source.head(source.names()[0], 8192).decode("utf-8-sig", errors="replace")
    line = first.splitlines()[0] if first else ""
    sep = ";" if line.count(";") >= line.count(",") else ","
    return [h.strip().strip('"') for h in line.split(sep)], sep


def _read(source: Source, columns: dict[str, str], id_col: str) -> pl.DataFrame:
    path = source.display()
    header, sep = _header(source)
    missing = [c for c in columns if c not in header]
    if missing:
        raise FormatError(path, f"missing column(s) {missing}; expected a Musées de France list")
    text = source.read_text(source.names()[0])
    # a list cut short would import museums with their last columns empty
    check_csv_records(text, path, delimiter=sep, known_headers=list(columns))
    with read_errors(path, "a CSV list of museums"):
        df = pl.read_csv(
            io.StringIO(text),
            separator=sep,
            infer_schema=False,
            columns=list(columns),
        )
    df = df.rename(columns).with_columns(pl.col(c).str.strip_chars() for c in columns.values())
    # The official base holds a few museums with no official name (e.g. M1136): keep them,
    # named after their id and city, rather than refuse the whole registry.
    unnamed = pl.col("name").is_null() | (pl.col("name") == "")
    bad = df.with_row_index("_line", offset=2).filter(unnamed & pl.col("museofile_id").is_null())
    if bad.height:
        raise FormatError(
            path,
            "museum with neither a name nor a Muséofile id; expected at least one",
            record=f"row {bad['_line'][0]}",
        )
    df = df.with_columns(
        pl.when(unnamed)
        .then(pl.format("{} ({})", pl.col("museofile_id"), pl.col("city").fill_null("?")))
        .otherwise(pl.col("name"))
        .alias("name")
    )
    bad_id = df.with_row_index("_line", offset=2).filter(
        pl.col("museofile_id").is_not_null() & ~pl.col("museofile_id").str.contains(r"^[A-Z]\d{4}$")
    )
    if bad_id.height:
        raise FormatError(
            path,
            f"{id_col} {bad_id['museofile_id'][0]!r} is not a Muséofile id; expected a letter followed by 4 digits (e.g. M0787)",
            record=f"row {bad_id['_line'][0]}",
        )
    # One museum may have several names: the Muséofile base joins them with " ; " in one
    # field ("musée des Confluences ; musée Guimet ; muséum d'histoire naturelle"), the
    # located list gives one row per name with the same id. One row per name either way,
    # the museum's own name first: the core keeps the others as its aliases.
    df = (
        df.with_columns(pl.lit("FR").alias("country"), pl.col("name").str.split(" ; "))
        .explode("name")
        .with_columns(pl.col("name").str.strip_chars())
        .filter(pl.col("name") != "")
    )
    return df.select(list(REGISTRY_SCHEMA))


class _MuseesDeFranceReader(RegistryReader):
    """One shape of the list, known by its header: ``COLUMNS`` maps its columns to ours."""

    COLUMNS: ClassVar[dict[str, str]] = {}

    def detect(self, source: Source) -> float:
        if source.kind != "file":
            return 0.0
        header, _ = _header(source)
        return 0.95 if set(self.COLUMNS) <= set(header) else 0.0

    def read(self, source: Source) -> pl.DataFrame:
        id_col = next(k for k, v in self.COLUMNS.items() if v == "museofile_id")
        return _read(source, self.COLUMNS, id_col)


class LocatedListReader(_MuseesDeFranceReader):
    """``liste-et-localisation-des-musees-de-france.csv``."""

    name = "musees-de-france-located-list"
    description = "Musées de France, located list (data.culture.gouv.fr)"
    COLUMNS: ClassVar[dict[str, str]] = {
        "nom_officiel_du_musee": "name",
        "commune": "city",
        "region_administrative": "region",
        "identifiant_museofile": "museofile_id",
    }


class MuseofileBaseReader(_MuseesDeFranceReader):
    """``musees-de-france-base-museofile.csv``."""

    name = "museofile-base"
    description = "Musées de France, Muséofile base"
    COLUMNS: ClassVar[dict[str, str]] = {
        "Nom_officiel": "name",
        "Ville": "city",
        "Région": "region",
        "Identifiant": "museofile_id",
    }
