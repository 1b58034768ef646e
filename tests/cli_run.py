"""Run the ``engage`` command line in process, as the tests of every command do."""

from __future__ import annotations

import pytest

from engagecore.cli import main


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """``engage ARGS``: its exit code, standard output and standard error."""
    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err
