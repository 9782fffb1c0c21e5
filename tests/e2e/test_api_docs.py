"""The public API documentation renders in a real browser from the shop's own assets."""

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import ApiDocs

# serialized_rollback: the live server needs committed data, and the flush that follows a transactional
# test must not take the migrations' seed data (shipping methods, conditions) from the tests after it.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_swagger_ui_renders_the_schema_with_every_operation(page, shots):
    """/api/docs/ loads Swagger UI, which fetches /api/v1/schema/ and lists its operations; no request
    leaves the machine (assets are served locally, not from a CDN)."""
    outside = []
    page.on("request", lambda request: outside.append(request.url) if "127.0.0.1" not in request.url
            and not request.url.startswith(("data:", "blob:")) else None)  # fmt: skip
    docs = ApiDocs(page)
    docs.open()
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Orthotics Shop API")
    expect(docs.operations().first).to_be_visible()
    shots("docs")
    assert docs.operations().count() >= 25
    page.locator(".opblock-summary-path", has_text="/api/v1/products/{slug}/").first.click()
    expect(page.locator(".opblock.is-open .parameters")).to_be_visible()
    shots("operation-open")
    assert outside == []
