"""``engage query`` and ``engage tables``: read-only SQL on the store, as sqlite-utils and
datasette users expect (engagecore.sql says what a query may do)."""

from __future__ import annotations

from typing import Annotated

import typer

from engagecore import sql
from engagecore.cli.output import DbOption, Format, FormatOption, OutputOption, emit
from engagecore.store import default_db_path


def register(app: typer.Typer) -> None:
    @app.command("query")
    def query(
        statement: Annotated[
            str,
            typer.Argument(
                metavar="SQL",
                help='One reading statement, e.g. "SELECT museum, count(*) FROM accounts '
                'GROUP BY museum". Tables and columns: `engage tables`, docs/model.md.',
            ),
        ],
        db: DbOption = None,
        fmt: FormatOption = Format.table,
        output: OutputOption = None,
    ) -> None:
        """Run one read-only SQL statement on the store (SELECT, EXPLAIN, PRAGMA, CALL).

        The connection is read-only and cannot reach files outside the store: writes, ATTACH,
        COPY, read_csv of other files, SET, INSTALL and LOAD are refused.
        """
        emit(sql.query(db or default_db_path(), statement), fmt, title=None, output=output)

    @app.command("tables")
    def tables(
        db: DbOption = None, fmt: FormatOption = Format.table, output: OutputOption = None
    ) -> None:
        """The store's tables with their row counts and columns.

        Meanings: docs/model.md; types: engage query "DESCRIBE posts".
        """
        emit(sql.tables(db or default_db_path()), fmt, title="tables", output=output)
