"""``/docs``: Swagger UI from the service itself, so it also works without internet.

FastAPI's own ``/docs`` loads Swagger UI's script, style and icon from a CDN; offline (a clinic's
closed network, a laptop on a train) that page stays blank. The ``swagger-ui-bundle-v2`` package
(Apache-2.0, kept by the Connexion project) ships Swagger UI 5's dist files (4.x, in
``swagger-ui-bundle`` 1.x, cannot read FastAPI's OpenAPI 3.1); they are served under
``/docs/static`` and the page names only those.
"""

from __future__ import annotations

from typing import Final

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]

DOCS: Final = "/docs"
ASSETS: Final = f"{DOCS}/static"


def install_docs(app: FastAPI) -> None:
    """Serve Swagger UI at ``/docs`` with its assets from ``/docs/static`` (no CDN)."""
    app.mount(ASSETS, StaticFiles(directory=str(swagger_ui_path)), name="swagger-ui")

    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} – API",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon-32x32.png",
        )

    app.add_api_route(DOCS, docs, methods=["GET"], include_in_schema=False)
