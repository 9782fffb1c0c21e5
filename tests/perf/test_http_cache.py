"""Catalogue reads carry an ETag and Cache-Control, and a matching If-None-Match gets a 304."""

import pytest

pytestmark = pytest.mark.django_db

LIST = "/api/v1/products/"


@pytest.mark.parametrize("cache_timeout", [300, 0])
def test_anonymous_read_is_public_with_an_etag_and_revalidates_to_304(
    api_client, shelf, settings, cache_timeout
):
    """The validators work with the server-side cache on and off."""
    settings.CATALOGUE_CACHE_TIMEOUT = cache_timeout
    settings.CATALOGUE_HTTP_MAX_AGE = 45
    response = api_client.get(LIST)
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=45"
    etag = response["ETag"]
    assert etag.startswith('"') and etag.endswith('"')

    again = api_client.get(LIST, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag

    weak = api_client.get(LIST, HTTP_IF_NONE_MATCH=f'"other", W/{etag}')
    assert weak.status_code == 304


def test_a_stale_etag_gets_the_new_body(api_client, shelf):
    etag = api_client.get(f"/api/v1/products/{shelf[0].slug}/")["ETag"]
    shelf[0].name = "Renamed"
    shelf[0].save()
    response = api_client.get(f"/api/v1/products/{shelf[0].slug}/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response.json()["name"] == "Renamed"
    assert response["ETag"] != etag


def test_authenticated_reads_are_private(customer_client, shelf):
    """A shared cache must not keep what was fetched with credentials."""
    response = customer_client.get(LIST)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-cache"
    assert customer_client.get(LIST, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_errors_are_not_cached(api_client, shelf):
    first = api_client.get(LIST, {"price_min": "abc"})
    assert first.status_code == 400
    assert "ETag" not in first
    assert api_client.get(LIST, {"price_min": "abc"}).status_code == 400
    assert api_client.get("/api/v1/products/no-such-product/").status_code == 404


def test_the_browsable_api_is_not_cached(api_client, shelf):
    response = api_client.get(LIST, HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert "X-Catalogue-Cache" not in response
