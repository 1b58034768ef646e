"""A copy of one of our fixtures with one piece of text replaced, for tests of bad input."""

from __future__ import annotations

import shutil
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def edited_fixture(tmp: Path, rel: str, member: str, old: str, new: str | None) -> Path:
    """``tests/fixtures/REL`` (a file or a folder) copied under ``tmp``, the first ``old`` of
    its ``member`` (the file itself when empty) replaced by ``new`` (left as it is for None).
    The copy keeps the fixture's name; a fixture that no longer holds ``old`` fails loudly."""
    src = FIXTURES / rel
    dest = tmp / "in" / src.name
    if src.is_dir():
        shutil.copytree(src, dest)
    else:
        dest.parent.mkdir(parents=True)
        shutil.copy(src, dest)
    target = dest / member if member else dest
    text = target.read_text(encoding="utf-8")
    assert old in text, f"fixture {rel} changed: {old!r} not found"
    if new is not None:
        target.write_bytes(text.replace(old, new, 1).encode("utf-8"))
    return dest
