"""``/docs`` in Chromium with every request off the machine refused (issue 20, item 11): Swagger UI
draws the service's operations from its own assets, as a person without internet sees it."""

from __future__ import annotations

import pytest

from .conftest import Service, Watched
from .kit import shot

pytestmark = pytest.mark.browser


def test_swagger_ui_renders_without_internet(watched: Watched, service: Service) -> None:
    page = watched.page
    page.goto(f"{service.base}/docs")
    page.locator(".swagger-ui .info .title").wait_for()
    assert page.locator(".swagger-ui .info .title").inner_text().startswith("fhir-werk")
    operations = page.locator(".opblock-summary-path")
    operations.first.wait_for()
    paths = operations.all_inner_texts()
    assert any(p.replace("\u200b", "").startswith("/fhir/QuestionnaireResponse") for p in paths), paths
    shot(page, "docs-offline")
    # The watched fixture fails the test if any request left the machine (it was refused).
