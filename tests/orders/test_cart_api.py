from decimal import Decimal

import pytest

from tests.factories import VariantFactory

pytestmark = pytest.mark.django_db


def new_cart(client) -> str:
    response = client.post("/api/v1/carts/")
    assert response.status_code == 201
    return response.json()["token"]


def test_a_new_cart_is_empty(api_client):
    """POST /carts/ answers 201 with a token, no items and a zero subtotal."""
    response = api_client.post("/api/v1/carts/")
    assert response.status_code == 201
    body = response.json()
    assert body["items"] == [] and body["subtotal"] == "0.00" and body["token"]


def test_adding_an_item_prices_it_from_the_catalogue(api_client):
    """The price comes from the variant; a price sent by the client is ignored."""
    variant = VariantFactory(price=Decimal("49.90"), stock=5)
    token = new_cart(api_client)
    response = api_client.post(
        f"/api/v1/carts/{token}/items/", {"sku": variant.sku, "quantity": 2, "price": "0.01"}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["items"][0]["unit_price"] == "49.90"
    assert body["items"][0]["line_total"] == "99.80"
    assert body["subtotal"] == "99.80"


def test_adding_the_same_sku_twice_adds_to_the_line(api_client, variant):
    token = new_cart(api_client)
    api_client.post(f"/api/v1/carts/{token}/items/", {"sku": variant.sku, "quantity": 1}, format="json")
    body = api_client.post(
        f"/api/v1/carts/{token}/items/", {"sku": variant.sku, "quantity": 2}, format="json"
    ).json()
    assert len(body["items"]) == 1 and body["items"][0]["quantity"] == 3


def test_more_than_the_stock_is_refused_with_409(api_client):
    variant = VariantFactory(stock=2)
    token = new_cart(api_client)
    response = api_client.post(
        f"/api/v1/carts/{token}/items/", {"sku": variant.sku, "quantity": 3}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "insufficient_stock"


def test_an_inactive_product_is_refused_with_400(api_client):
    variant = VariantFactory(product__is_active=False)
    token = new_cart(api_client)
    response = api_client.post(
        f"/api/v1/carts/{token}/items/", {"sku": variant.sku, "quantity": 1}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "inactive_product"


@pytest.mark.parametrize("quantity", [0, -1, 100, "two", 1.5, None, True])
def test_a_bad_quantity_is_invalid_quantity(api_client, variant, quantity):
    token = new_cart(api_client)
    response = api_client.post(
        f"/api/v1/carts/{token}/items/", {"sku": variant.sku, "quantity": quantity}, format="json"
    )
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert (error["code"], error["attr"]) == ("invalid_quantity", "quantity")
    assert error["detail"] == "The quantity must be a whole number from 1 to 99."


def test_a_line_holds_up_to_99_units_added_at_once_or_in_steps(api_client):
    """99 units fit one line; a 100th, added on top, is refused and the line keeps its 99."""
    variant = VariantFactory(stock=200)
    token = new_cart(api_client)
    url = f"/api/v1/carts/{token}/items/"
    assert api_client.post(url, {"sku": variant.sku, "quantity": 98}, format="json").status_code == 201
    assert api_client.post(url, {"sku": variant.sku, "quantity": 1}, format="json").status_code in (200, 201)
    refused = api_client.post(url, {"sku": variant.sku, "quantity": 1}, format="json")
    assert refused.status_code == 400 and refused.json()["errors"][0]["code"] == "invalid_quantity"
    assert api_client.get(f"/api/v1/carts/{token}/").json()["items"][0]["quantity"] == 99


def test_change_and_remove_an_item(api_client, variant):
    token = new_cart(api_client)
    item_id = api_client.post(
        f"/api/v1/carts/{token}/items/", {"sku": variant.sku, "quantity": 1}, format="json"
    ).json()["items"][0]["id"]
    response = api_client.patch(f"/api/v1/carts/{token}/items/{item_id}/", {"quantity": 4}, format="json")
    assert response.status_code == 200 and response.json()["items"][0]["quantity"] == 4
    assert api_client.delete(f"/api/v1/carts/{token}/items/{item_id}/").status_code == 204
    assert api_client.get(f"/api/v1/carts/{token}/").json()["items"] == []


def test_the_cart_warns_when_stock_ran_out_after_adding(api_client):
    variant = VariantFactory(stock=3)
    token = new_cart(api_client)
    api_client.post(f"/api/v1/carts/{token}/items/", {"sku": variant.sku, "quantity": 3}, format="json")
    variant.stock = 1
    variant.save()
    line = api_client.get(f"/api/v1/carts/{token}/").json()["items"][0]
    assert line["warning"] == "insufficient_stock" and line["available"] == 1


def test_a_logged_in_customers_cart_is_theirs_alone(customer_client, other_client, api_client):
    """A cart made while logged in is tied to the account: anyone else gets 404."""
    token = new_cart(customer_client)
    assert customer_client.get(f"/api/v1/carts/{token}/").status_code == 200
    assert other_client.get(f"/api/v1/carts/{token}/").status_code == 404
    assert api_client.get(f"/api/v1/carts/{token}/").status_code == 404


def test_an_unknown_cart_is_404(api_client, db):
    response = api_client.get("/api/v1/carts/00000000-0000-0000-0000-000000000000/")
    assert response.status_code == 404


def test_shipping_methods_are_listed(api_client):
    body = api_client.get("/api/v1/shipping-methods/").json()
    assert [m["code"] for m in body] == ["standard", "express"]
    assert body[0]["price"] == "4.90" and body[0]["delivery_days"] == 3
