"""The report in a real browser: the system's Chromium driven by Playwright.

Never ``playwright install``: the tests use the Debian package's browser (``apt install
chromium``), found on the PATH or at /usr/bin/chromium. Without it the browser tests skip on
a developer's machine and fail when ``CI`` is set (``.ci/run`` installs it).

Run as a script, this file makes the README's screenshot (the top of the ``--all`` page)
from the demo's store::

    python tests/report/report_browser.py engage-demo.duckdb docs/report-screenshot.png
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str | None:
    found = shutil.which("chromium")
    if found:
        return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else None


def require_chromium(environ: Mapping[str, str] | None = None) -> str:
    """The browser's path; skip without it — or fail when ``CI`` is set."""
    env = os.environ if environ is None else environ
    path = chromium_path()
    problem = None
    if path is None:
        problem = "chromium is not installed (apt install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "the playwright package is missing (pip install -e '.[test]')"
    if problem is None:
        assert path is not None
        return path
    if env.get("CI"):
        pytest.fail(f"CI is set and {problem}: .ci/run installs both", pytrace=False)
    pytest.skip(f"{problem}; the browser tests need it (they fail instead when CI is set)")


@dataclass
class Visit:
    """What happened while a page was open."""

    url: str
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


@contextmanager
def browser(executable: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@contextmanager
def open_page(
    b: Any, path: Path, width: int = 1000, height: int = 900
) -> Iterator[tuple[Any, Visit]]:
    """``path`` opened from disk; every request, console error and dialog recorded, and any
    request to a host other than the file itself aborted."""
    url = path.resolve().as_uri()
    visit = Visit(url)
    context = b.new_context(viewport={"width": width, "height": height}, service_workers="block")

    def route(r: Any) -> None:
        if r.request.url == url:
            r.continue_()
        else:
            visit.blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("request", lambda req: visit.requests.append(req.url))
    page.on("console", lambda m: visit.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: visit.errors.append(str(exc)))

    def dialog(d: Any) -> None:
        visit.dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", dialog)
    page.goto(url, wait_until="load")
    try:
        yield page, visit
    finally:
        context.close()


def screenshot(
    html: Path,
    png: Path,
    width: int = 1000,
    height: int | None = None,
    executable: str | None = None,
) -> int:
    """A PNG of the page: the whole page, or its top ``height`` pixels; returns its size."""
    exe = executable or chromium_path()
    if exe is None:
        raise SystemExit("chromium is not installed (apt install chromium)")
    with browser(exe) as b, open_page(b, html, width=width, height=height or 900) as (page, _):
        data: bytes = page.screenshot(full_page=height is None, type="png")
    png.write_bytes(data)
    return len(data)


def main(argv: list[str]) -> int:
    import engagecore

    if len(argv) != 2:
        print("usage: python tests/report/report_browser.py STORE.duckdb OUT.png", file=sys.stderr)
        return 2
    db, png = Path(argv[0]), Path(argv[1])
    html = png.with_suffix(".html")
    with engagecore.open(db, read_only=True) as eng:
        eng.report(all_museums=True, lang="en", out=html)
    size = screenshot(html, png, width=1000, height=1500)
    html.unlink()
    print(f"wrote {png} ({size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
