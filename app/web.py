"""The pages people open in a browser: the explorer at ``/``, and ``/docs`` offline.

The explorer is plain HTML, CSS and JavaScript of our own in ``app/explorer/``
(no build step, nothing fetched from another host). Swagger UI is
served from the ``fastapi-offline`` package's files instead of FastAPI's
default CDN, so the docs work without internet access. There is no ``/redoc``:
ReDoc's page loads its logo from the vendor's CDN whatever it is told.

Every answer carries ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: no-referrer``; the explorer's
answers a strict Content-Security-Policy (no inline script or style, nothing
from another origin); the docs pages one that allows only their own inline
start-up script, by hash. ``/favicon.ico`` answers with the explorer's SVG icon (browsers ask for it on
pages that name no icon, such as ``/v1/graph.svg``; a 404 there is a console error).
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.types import Message, Receive, Scope, Send

from .middleware import Middleware, header_values

EXPLORER_DIR = Path(__file__).resolve().parent / "explorer"
DOCS_ASSETS_DIR = Path(fastapi_offline.__file__).resolve().parent / "static"
EXPLORER_URL = "/explorer"
DOCS_ASSETS_URL = "/docs-assets"

PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
            "frame-ancestors 'none'")
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.S)


def docs_csp(html: bytes) -> str:
    """A CSP for a docs page: our own assets, plus its inline start-up scripts by their SHA-256."""
    scripts = ["'self'"] + [f"'sha256-{base64.b64encode(hashlib.sha256(s).digest()).decode()}'"
                            for s in _INLINE_SCRIPT.findall(html)]
    return ("default-src 'self'; " f"script-src {' '.join(scripts)}; "
            # Swagger UI sets styles from script.
            "style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")


def _is_page(path: str) -> bool:
    return path == "/" or path.startswith(EXPLORER_URL + "/")


class SecurityHeaders(Middleware):
    """ASGI middleware: ``nosniff`` on every answer, the explorer's CSP on ``/`` and its assets."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if _is_page(scope["path"]):
            await self.app(scope, receive, self._page(send))
            return

        async def sending(message: Message) -> None:  # every other answer: two defaults, as raw bytes
            if message["type"] == "http.response.start":
                headers = message.get("headers")
                headers = message["headers"] = list(headers) if headers else []
                present = header_values(headers, _NOSNIFF[0], _NO_REFERRER[0])
                headers.extend(header for header in (_NOSNIFF, _NO_REFERRER) if header[0] not in present)
            await send(message)

        await self.app(scope, receive, sending)

    @staticmethod
    def _page(send: Send) -> Send:
        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers["Content-Security-Policy"] = PAGE_CSP
                headers["Referrer-Policy"] = "no-referrer"
                headers["X-Frame-Options"] = "DENY"
            await send(message)

        return sending


_NOSNIFF = (b"x-content-type-options", b"nosniff")
_NO_REFERRER = (b"referrer-policy", b"no-referrer")


def install(app: FastAPI) -> None:
    """Serve the explorer at ``/`` and ``/docs`` offline (create ``app`` with ``docs_url=redoc_url=None``)."""
    app.mount(EXPLORER_URL, StaticFiles(directory=EXPLORER_DIR), name="explorer")
    app.mount(DOCS_ASSETS_URL, StaticFiles(directory=DOCS_ASSETS_DIR), name="docs-assets")
    app.add_middleware(SecurityHeaders)

    @app.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
    def explorer() -> FileResponse:
        return FileResponse(EXPLORER_DIR / "index.html", media_type="text/html; charset=utf-8")

    # Browsers ask /favicon.ico of every page without <link rel=icon> (a JSON answer, /v1/graph.svg): the
    # explorer's SVG icon, so that asking is no 404 and no console error. Every browser we serve draws SVG icons.
    @app.api_route("/favicon.ico", methods=["GET", "HEAD"], include_in_schema=False)
    def favicon() -> FileResponse:
        return FileResponse(EXPLORER_DIR / "favicon.svg", media_type="image/svg+xml",
                            headers={"Cache-Control": "public, max-age=86400"})

    def _docs(html: HTMLResponse) -> HTMLResponse:
        html.headers["Content-Security-Policy"] = docs_csp(bytes(html.body))
        html.headers["Referrer-Policy"] = "no-referrer"
        return html

    @app.get("/docs", include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return _docs(get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}", title=f"{app.title}: API docs",
            swagger_js_url=f"{root}{DOCS_ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{DOCS_ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{EXPLORER_URL}/favicon.svg", oauth2_redirect_url=None,
            swagger_ui_parameters={"validatorUrl": None}))
