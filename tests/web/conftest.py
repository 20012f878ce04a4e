"""Fixtures of the web page's tests: a real ``fhir-werk serve`` and Debian's Chromium.

The service runs as its own process on a free port, in local mode, with a temporary data folder
(SQLite and the *file* adapter's folder inside it). Chromium is ``/usr/bin/chromium`` driven by
Playwright for Python; browsers are never downloaded. A missing Chromium, Node, npm package or
built page FAILS the tests (never skips): run ``scripts/setup-js`` and ``scripts/build-web``.
Each test's screenshots land in ``tests/web/artifacts/`` (git-ignored).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = Path(os.environ.get("FHIR_WERK_CHROMIUM") or "/usr/bin/chromium")
AXE = ROOT / "tests" / "js" / "node_modules" / "axe-core" / "axe.min.js"
STATIC = ROOT / "fhir_werk" / "web" / "static"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SETUP_HINT = "Draai scripts/setup-js (Chromium, npm-pakketten) en scripts/build-web (de pagina)."


def missing_browser_tools() -> list[str]:
    """What the browser tests need and is not there, in Dutch."""
    problems = []
    if not os.access(CHROMIUM, os.X_OK):
        problems.append(f"Chromium ontbreekt ({CHROMIUM})")
    if shutil.which("node") is None:
        problems.append("node staat niet op het PATH")
    if not AXE.is_file():
        problems.append("axe-core ontbreekt in tests/js/node_modules")
    if not (STATIC / "index.html").is_file():
        problems.append("de pagina is niet gebouwd (fhir_werk/web/static)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problems.append("het Python-pakket playwright ontbreekt (pip install -e '.[dev]')")
    return problems


@pytest.fixture(scope="session")
def browser_tools() -> None:
    """Fails, never skips, when something the browser tests need is missing."""
    problems = missing_browser_tools()
    if problems:
        pytest.fail(
            "De browsertests kunnen niet draaien: " + "; ".join(problems) + ". " + SETUP_HINT, pytrace=False
        )


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Service:
    """``fhir-werk serve`` in local mode on a free port, its data in ``folder``."""

    def __init__(self, folder: Path, extra_env: dict[str, str] | None = None) -> None:
        self.folder = folder
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = (
            os.environ
            | {
                "FHIR_WERK_DATA_DIR": str(folder),
                "FHIR_WERK_SERVICE_POLL_SECONDS": "0.1",
                "FHIR_WERK_AUDIT_PATH": str(folder / "audit.sqlite3"),
            }
            | (extra_env or {})
        )
        self.log = (folder / "serve.log").open("wb")
        self.process = subprocess.Popen(
            [str(Path(sys.executable).with_name("fhir-werk")), "serve", "--port", str(self.port)],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            cwd=folder,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"fhir-werk serve stopte: {(folder / 'serve.log').read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("fhir-werk serve antwoordt niet binnen 60 s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


@pytest.fixture(scope="module")
def service(browser_tools: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """A running service for one test module."""
    running = Service(tmp_path_factory.mktemp("dienst"))
    yield running
    running.stop()


@pytest.fixture(scope="session")
def browser(browser_tools: None) -> Iterator[Any]:
    """Debian's Chromium, headless, through Playwright (one for the session)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


class Watched:
    """A page and everything that went wrong in it: page errors, failed or foreign requests."""

    def __init__(self, page: Any, base: str) -> None:
        self.page = page
        self.errors: list[str] = []
        self.foreign: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        # A refused request shows in the console as "Failed to load resource"; the tests check
        # what the page then says, so only the page's own errors count here.
        page.on(
            "console",
            lambda m: (
                self.errors.append(m.text)
                if m.type == "error" and "Failed to load resource" not in m.text
                else None
            ),
        )

        def route(r: Any) -> None:
            if r.request.url.startswith(base) or r.request.url.startswith("data:"):
                r.continue_()
            else:
                # Nothing may leave the machine: no CDN, no terminology server, no fonts.
                self.foreign.append(r.request.url)
                r.abort()

        page.route("**/*", route)


USERS_ZONE = "Europe/Amsterdam"


def users_today() -> date:
    """Today where the page's users and the service are, whatever the machine's zone."""
    return datetime.now(ZoneInfo(USERS_ZONE)).date()


def new_context(browser: Any, width: int = 1280, height: int = 900) -> Any:
    """A browser context with axe-core loaded into every page (an init script, which the page's
    Content-Security-Policy does not block, unlike an injected script tag)."""
    # The users' time zone, which is also the service's "today" (core/_time): with the machine's UTC
    # the page and the service named different days between 23:00 and 24:00 UTC.
    context = browser.new_context(
        viewport={"width": width, "height": height},
        locale="nl-NL",
        timezone_id=USERS_ZONE,
        reduced_motion="reduce",
    )
    context.add_init_script(path=str(AXE))
    return context


@pytest.fixture
def watched(browser: Any, service: Service) -> Iterator[Watched]:
    """A fresh desktop-sized page on the service; the test fails if the page erred or reached out."""
    context = new_context(browser)
    page = context.new_page()
    page.set_default_timeout(30_000)
    seen = Watched(page, service.base)
    yield seen
    context.close()
    assert seen.foreign == [], seen.foreign
    assert seen.errors == [], seen.errors
