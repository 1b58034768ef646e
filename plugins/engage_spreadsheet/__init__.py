"""The spreadsheet post template: CSV or Parquet files with the normalized model's columns.

For museums that keep their figures by hand. One row per post; a ``network`` column says
which network each row describes. The template and every column are documented in
docs/spreadsheet-template.md; ``engage template`` is not needed: the header is the contract.
"""

from __future__ import annotations

from collections.abc import Callable

from engage_spreadsheet.spreadsheet import SpreadsheetImporter
from engagecore.plugin import Importer, hookimpl


@hookimpl
def register_importers(register: Callable[[Importer], None]) -> None:
    register(SpreadsheetImporter())
