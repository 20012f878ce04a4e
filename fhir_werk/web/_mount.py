"""``mount_page``: the built page as static files, its index at ``/`` and its settings.

Only three paths are added (``/``, ``/pagina.json`` and ``/assets``), never a catch-all: a route
the service adds later can never be shadowed by the page. The index carries a Content-Security-
Policy that allows only this origin, so the page cannot load anything from a CDN even by mistake
(the renderer's MUI writes inline styles, hence ``style-src 'unsafe-inline'``).
"""

from __future__ import annotations

import os
from os import PathLike
from pathlib import Path
from typing import Final

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import Scope

STATIC_DIR: Final = Path(__file__).resolve().parent / "static"
"""The built page (``index.html`` and ``assets/``), committed and shipped as package data."""

CSP: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)
_HEADERS: Final = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # The file names do not change with their content: always revalidate (ETag), never stale.
    "Cache-Control": "no-cache",
}
_NOT_BUILT: Final = (
    "<!doctype html><html lang='nl'><meta charset='utf-8'><title>Pagina niet gebouwd</title>"
    "<h1>De pagina is niet gebouwd</h1><p>Deze installatie van fhir-werk mist de bestanden van de "
    "webpagina. Bouw ze met <code>scripts/build-web</code>. De FHIR-API op <code>/fhir</code> "
    "werkt wel.</p></html>"
)


class _Assets(StaticFiles):
    """Static files with the page's headers."""

    def file_response(
        self,
        full_path: PathLike[str] | str,
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers.update({"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"})
        return response


def mount_page(app: FastAPI, *, local: bool, static_dir: Path = STATIC_DIR) -> None:
    """Serve the page on ``app``: ``GET /`` (the index), ``GET /pagina.json`` (``{"lokaal": local}``,
    the page shows its local-demonstration banner from it) and ``/assets/…``.

    ``local`` is the service's local mode (``ServiceSettings.local``). When the page is not built,
    ``/`` says so in Dutch (503) and the API keeps working.
    """
    index = static_dir / "index.html"

    def page() -> Response:
        if not index.is_file():
            return HTMLResponse(_NOT_BUILT, status_code=503, headers={"Cache-Control": "no-store"})
        return FileResponse(index, media_type="text/html; charset=utf-8", headers=_HEADERS)

    def settings() -> JSONResponse:
        return JSONResponse({"lokaal": local}, headers={"Cache-Control": "no-store"})

    app.add_api_route("/", page, methods=["GET"], include_in_schema=False)
    app.add_api_route("/pagina.json", settings, methods=["GET"], include_in_schema=False)
    # Compressed here and only here: the bundle shrinks from 2.6 MB to about a quarter, and the
    # API's own answers stay exactly as the service makes them.
    assets = GZipMiddleware(_Assets(directory=static_dir / "assets", check_dir=False), minimum_size=1024)
    app.mount("/assets", assets, name="pagina-assets")
