"""``/docs`` works without internet (issue 20, item 11): Swagger UI's script, style and icon come
from the service itself, never from a CDN."""

from __future__ import annotations

import re

from .kit import TestClient

_URLS = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")


def test_docs_names_only_local_assets_and_they_answer(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    html = page.text
    urls = _URLS.findall(html)
    assert len(urls) == 3, urls  # the icon, the style and the script
    assert all(url.startswith("/docs/static/") for url in urls), urls
    assert "cdn" not in html.lower()
    assert not re.search(r"https?://", html), "een externe URL in /docs"
    kinds = {
        ".js": "javascript",
        ".css": "text/css",
        ".png": "image/png",
    }
    for url in urls:
        asset = client.get(url)
        assert asset.status_code == 200, url
        expected = next(kind for end, kind in kinds.items() if url.endswith(end))
        assert expected in asset.headers["content-type"], (url, asset.headers["content-type"])
        assert len(asset.content) > 100, url
    assert b"SwaggerUIBundle" in client.get("/docs/static/swagger-ui-bundle.js").content


def test_docs_assets_do_not_serve_outside_their_folder(client: TestClient) -> None:
    for path in ("/docs/static/../../pyproject.toml", "/docs/static/%2e%2e/__init__.py"):
        answer = client.get(path)
        assert answer.status_code == 404, path
        assert b"swagger_ui_path" not in answer.content
