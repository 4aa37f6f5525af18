"""The workspace web UI: the single-page app built from ``ui/`` into ``brickyard/web/dist``.

``install_web_ui(app)`` adds, after the API routers and mounts:

- ``/assets/<file>``: the build's content-hashed files, cached for a year (immutable), sent
  brotli- or gzip-compressed when the build wrote a ``.br``/``.gz`` beside them;
- ``/favicon.ico``, ``/favicon.svg``;
- the page routes (``/``, ``/catalog/...``, ``/sql``, ``/jobs/...``, ``/models``, ``/login``):
  ``index.html``, so a reload or a shared link opens the page; the app routes in the browser.

Only those paths are added: ``/api/...``, ``/mlflow/...`` and ``/serving-endpoints/...`` never
reach these routes, and an unknown path stays the API's JSON 404. Without a build, the page
routes answer a short page saying how to build the UI (``make ui``).
"""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response

import brickyard.web
from brickyard.api.errors import error_response

DIST = Path(brickyard.web.__file__).parent / "dist"
PAGE_ROOTS = ("catalog", "sql", "jobs", "models", "login")
PUBLIC_FILES = ("favicon.ico", "favicon.svg")

_ASSET_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")
_IMMUTABLE = "public, max-age=31536000, immutable"
_MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".png": "image/png",
    ".woff2": "font/woff2",
    ".json": "application/json",
    ".map": "application/json",
}
_ENCODINGS = (("br", ".br"), ("gzip", ".gz"))
# The page may load only its own scripts; CodeMirror and uPlot set styles at run time.
_PAGE_HEADERS = {
    "Cache-Control": "no-cache",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; "
        "base-uri 'self'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def install_web_ui(app: FastAPI, dist: Path | None = None) -> None:
    """Serve the built UI from ``dist`` (default: the package's ``brickyard/web/dist``).

    Call it after every router and mount is added. The folder is looked at per request, so
    building the UI while the server runs takes effect on the next page load.
    """
    ui = _WebUi(dist or DIST)
    app.add_route("/", ui.page, methods=["GET"], include_in_schema=False)
    for root in PAGE_ROOTS:
        app.add_route(f"/{root}", ui.page, methods=["GET"], include_in_schema=False)
        app.add_route(f"/{root}/{{rest:path}}", ui.page, methods=["GET"], include_in_schema=False)
    app.add_route("/assets/{name}", ui.asset, methods=["GET"], include_in_schema=False)
    for name in PUBLIC_FILES:
        app.add_route(f"/{name}", ui.public_file, methods=["GET"], include_in_schema=False)


class _WebUi:
    def __init__(self, dist: Path) -> None:
        self.dist = dist

    async def page(self, _request: Request) -> Response:
        index = self.dist / "index.html"
        try:
            html = index.read_bytes()
        except FileNotFoundError:
            return HTMLResponse(NOT_BUILT_PAGE, headers=_PAGE_HEADERS)
        return HTMLResponse(html, headers=_PAGE_HEADERS)

    async def asset(self, request: Request) -> Response:
        name = str(request.path_params["name"])
        if not _ASSET_NAME.fullmatch(name):
            return _not_found()
        return _file(request, self.dist / "assets" / name, _IMMUTABLE)

    async def public_file(self, request: Request) -> Response:
        name = request.url.path.lstrip("/")
        return _file(request, self.dist / name, "public, max-age=86400")


def _file(request: Request, path: Path, cache_control: str) -> Response:
    if not path.is_file():
        return _not_found()
    media_type = _MEDIA_TYPES.get(path.suffix, "application/octet-stream")
    headers = {"Cache-Control": cache_control, "X-Content-Type-Options": "nosniff"}
    accepted = _accepted_encodings(request.headers.get("accept-encoding", ""))
    for encoding, suffix in _ENCODINGS:
        compressed = path.with_name(path.name + suffix)
        if encoding in accepted and compressed.is_file():
            headers |= {"Content-Encoding": encoding, "Vary": "Accept-Encoding"}
            return FileResponse(compressed, media_type=media_type, headers=headers)
    if any(path.with_name(path.name + suffix).is_file() for _, suffix in _ENCODINGS):
        headers["Vary"] = "Accept-Encoding"
    return FileResponse(path, media_type=media_type, headers=headers)


def _accepted_encodings(header: str) -> set[str]:
    accepted = set()
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        quality = params.strip().removeprefix("q=") if params.strip().startswith("q=") else "1"
        try:
            if float(quality) > 0:
                accepted.add(name.strip().lower())
        except ValueError:
            continue
    return accepted


def _not_found() -> Response:
    return error_response(404, "NOT_FOUND", "Not Found")


NOT_BUILT_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Brickyard: the web UI is not built</title>
<link rel="icon" href="data:,">
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem}
code{background:#f2f3f5;padding:1px 5px;border-radius:4px}</style>
</head>
<body>
<h1>Brickyard's web UI is not built</h1>
<p>The server is running: the REST API answers under <code>/api</code> (its docs at
<a href="/docs">/docs</a>) and MLflow at <a href="/mlflow/">/mlflow/</a>.</p>
<p>To build the workspace UI, run <code>make ui</code> in the Brickyard repository
(it needs Node.js 20.19 or newer), then reload this page.</p>
</body>
</html>
"""
