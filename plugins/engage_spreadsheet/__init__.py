"""Spreadsheet post template (CSV / Parquet) importer."""
