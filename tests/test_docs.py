"""Docs stay true: every hook is documented, every doc the README names exists."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from engagecore import hookspecs

ROOT = Path(__file__).resolve().parents[1]


def test_every_hook_has_a_docs_section_and_a_versionadded() -> None:
    doc = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    hooks = [
        n for n, f in inspect.getmembers(hookspecs, inspect.isfunction) if n.startswith("register_")
    ]
    assert hooks
    for name in hooks:
        assert f"## {name}" in doc, f"docs/plugins.md has no section for {name}"
        assert "versionadded" in (getattr(hookspecs, name).__doc__ or "")


def test_readme_docs_exist() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for path in re.findall(r"`((?:docs|benchmarks)/[\w./-]+\.md)`", readme):
        assert (ROOT / path).exists(), f"README names {path}, which does not exist"


def _model_sections() -> dict[str, tuple[str, str]]:
    """docs/model.md: each ``### `table` — key `a, b``` section's (key, body)."""
    doc = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    parts = re.split(r"^### `(\w+)` — key `([\w, ]+)`.*$", doc, flags=re.M)
    return {
        name: (key, body.split("\n## ")[0])
        for name, key, body in zip(parts[1::3], parts[2::3], parts[3::3], strict=True)
    }


def test_model_states_the_schema_version_of_the_code() -> None:
    # the page said "schema version 4" while the code was at 6
    from engagecore import schema

    doc = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    stated = re.findall(r"schema version (\d+)\)", doc)
    assert stated == [str(schema.SCHEMA_VERSION)], stated
    # and no "schema vN" names a version the code does not have
    assert all(int(v) <= schema.SCHEMA_VERSION for v in re.findall(r"schema v(\d+)", doc))


def test_model_gives_each_column_its_type_and_each_table_its_key(tmp_path: Path) -> None:
    import engagecore
    from engagecore import schema

    sections = _model_sections()
    with engagecore.open(tmp_path / "fresh.duckdb") as eng:
        con = eng.store.con
        types = {
            (t, c): d
            for t, c, d in con.execute(
                "SELECT table_name, column_name, data_type FROM information_schema.columns"
            ).fetchall()
        }
        keys = {
            t: ", ".join(cols)
            for t, cols in con.execute(
                "SELECT table_name, constraint_column_names FROM duckdb_constraints() "
                "WHERE constraint_type = 'PRIMARY KEY'"
            ).fetchall()
        }
    keys.update({t: ", ".join(cols) for t, cols in schema.KEYS.items()})
    assert set(sections) == set(schema.DATA_TABLES)
    for table, (key, body) in sections.items():
        assert key == keys[table], f"docs/model.md: {table} key `{key}`, store: {keys[table]}"
        for column, documented in re.findall(r"^\| `(\w+)` \| ([A-Z][\w\[\]]*) \|", body, re.M):
            store = types[(table, column)].replace("TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ")
            assert documented == store, (
                f"docs/model.md: {table}.{column} {documented}, store {store}"
            )
