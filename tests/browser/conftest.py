"""Browser fixtures: the app served by a real uvicorn process, driven by Debian's chromium.

The browser is ``/usr/bin/chromium`` (``.ci/run`` installs it when missing),
launched through the Python ``playwright`` package: Playwright never downloads
a browser here. Every page fails its test on a console error, an uncaught
exception, a failed request, an answer >= 400 or a request to another host
(the explorer and the docs must work offline).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from app.settings import REPO_SEEDS
from tests.workers.servers import free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@dataclass
class Server:
    url: str

    def get(self, path: str):
        """The JSON the API answers for ``path`` (what the page must show)."""
        with urllib.request.urlopen(self.url + path, timeout=30) as r:
            return json.load(r)

    def raw(self, path: str) -> tuple[int, dict[str, str], bytes]:
        with urllib.request.urlopen(self.url + path, timeout=30) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()


@contextmanager
def uvicorn(tmp: Path, **env: str) -> Iterator[Server]:
    """uvicorn on 127.0.0.1 and a free port over a fresh SQLite file seeded from ``seeds/``; stopped on exit.

    ``env`` adds ``STORYGRAPH_*`` settings (for example ``STORYGRAPH_API_TOKENS``).
    """
    port = free_port()
    environ = os.environ | {"STORYGRAPH_DATABASE_URL": f"sqlite:///{tmp / 'browser.db'}",
                            "STORYGRAPH_SEEDS_DIR": str(REPO_SEEDS), "STORYGRAPH_SEED_ON_EMPTY": "true"} | env
    with open(tmp / "uvicorn.log", "wb") as log:  # the child keeps its own copy
        proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1",
                                 "--port", str(port), "--log-level", "warning"],
                                cwd=ROOT, env=environ, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"uvicorn exited with {proc.returncode}: {(tmp / 'uvicorn.log').read_text()}")
            try:
                with urllib.request.urlopen(url + "/readyz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn did not become ready: {(tmp / 'uvicorn.log').read_text()}")
            time.sleep(0.2)
        yield Server(url)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The seeded app, shared by the session's pages."""
    with uvicorn(tmp_path_factory.mktemp("browser-db")) as srv:
        yield srv


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not os.path.exists(CHROMIUM):
        message = f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@dataclass
class Watch:
    """What went wrong on a page: console errors, page errors, failed or refused requests."""

    origin: str
    problems: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)

    def check(self) -> None:
        assert not self.external, f"requests to other hosts: {self.external}"
        assert not self.problems, "\n".join(self.problems)


def _same_origin(url: str, origin: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob", "about") or f"{parts.scheme}://{parts.netloc}" == origin


def open_page(browser, server: Server, viewport: str = "desktop"):
    """A new page on ``server`` and its :class:`Watch`."""
    context = browser.new_context(viewport=VIEWPORTS[viewport], service_workers="block")
    page = context.new_page()
    watch = Watch(server.url)

    def route(r):
        if _same_origin(r.request.url, server.url):
            r.continue_()
        else:
            watch.external.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page.on("console", lambda m: m.type == "error" and watch.problems.append(f"console error: {m.text} ({m.location})"))
    page.on("pageerror", lambda e: watch.problems.append(f"uncaught: {e}"))
    page.on("requestfailed", lambda r: watch.problems.append(f"request failed: {r.url} {r.failure}"))
    page.on("response", lambda r: r.status >= 400 and watch.problems.append(f"HTTP {r.status}: {r.url}"))
    page.set_default_timeout(15_000)
    return page, watch


def _watched(browser, server: Server, viewport: str) -> Iterator[object]:
    page, watch = open_page(browser, server, viewport)
    try:
        yield page
        watch.check()
    finally:
        page.context.close()


@pytest.fixture
def page(browser, server) -> Iterator[object]:
    """A desktop page that fails the test on any console error or failed request."""
    yield from _watched(browser, server, "desktop")


@pytest.fixture(params=list(VIEWPORTS))
def any_page(request, browser, server) -> Iterator[object]:
    """A page at each viewport the browser tests use, failing the test on any console error or failed request."""
    yield from _watched(browser, server, request.param)


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
