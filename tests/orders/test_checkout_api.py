from decimal import Decimal

import pytest
from django.core import mail

from catalogue.choices import ProductKind
from catalogue.models import ProductVariant
from orders.models import Order, OrderStatusChange
from tests.factories import VariantFactory
from tests.orders.factories import address

pytestmark = pytest.mark.django_db


def cart_with(client, *items) -> str:
    token = client.post("/api/v1/carts/").json()["token"]
    for variant, quantity in items:
        response = client.post(
            f"/api/v1/carts/{token}/items/", {"sku": variant.sku, "quantity": quantity}, format="json"
        )
        assert response.status_code == 201, response.json()
    return token


def add_custom_orthotic(client, token, variant) -> int:
    """Put ``variant`` (a custom orthotic) in the cart with a complete fitting; return the fitting id.

    The fitting is an impression kit with the customer's assessment.
    """
    assessment = client.post("/api/v1/fit/assessments/", {}, format="json").json()["id"]
    fitting = client.post(
        "/api/v1/fittings/",
        {"assessment": assessment, "shoe_type": "casual", "impression_kit": True},
        format="json",
    ).json()["id"]
    body = {"sku": variant.sku, "quantity": 1, "fitting": fitting}
    assert client.post(f"/api/v1/carts/{token}/items/", body, format="json").status_code == 201
    return fitting


def checkout(client, token, key=None, **overrides):
    body = {
        "cart": token,
        "email": "guest@example.com",
        "shipping_address": address(),
        "shipping_method": "standard",
        **overrides,
    }
    headers = {"Idempotency-Key": key} if key else {}
    return client.post("/api/v1/checkout/", body, format="json", headers=headers)


def test_checkout_creates_a_pending_order_priced_by_the_server_and_reserves_stock(api_client):
    """201, status pending_payment, totals from catalogue prices plus shipping, stock taken, payment started."""
    a = VariantFactory(price=Decimal("39.90"), stock=5)
    b = VariantFactory(price=Decimal("12.50"), stock=5)
    token = cart_with(api_client, (a, 2), (b, 1))
    response = checkout(api_client, token, subtotal="1.00", total="1.00")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "pending_payment"
    assert body["subtotal"] == "92.30" and body["shipping_total"] == "4.90" and body["total"] == "97.20"
    assert body["payment"]["provider"] == "dummy" and body["payment"]["client_secret"]
    assert [(line["sku"], line["quantity"], line["unit_price"]) for line in body["lines"]] == [
        (a.sku, 2, "39.90"),
        (b.sku, 1, "12.50"),
    ]
    assert ProductVariant.objects.get(pk=a.pk).stock == 3
    assert ProductVariant.objects.get(pk=b.pk).stock == 4
    assert body["history"][0]["to_status"] == "pending_payment"


def test_order_lines_snapshot_name_sku_price_and_return_policy(api_client, settings):
    """Changing the product after purchase never changes the line's name, price or promise."""
    insole = VariantFactory(price=Decimal("30.00"), product__name="Arch Hero")
    custom = VariantFactory(price=Decimal("250.00"), product__kind=ProductKind.CUSTOM_ORTHOTIC)
    token = cart_with(api_client, (insole, 1))
    add_custom_orthotic(api_client, token, custom)
    number = checkout(api_client, token).json()["number"]

    insole.price = Decimal("99.00")
    insole.save()
    insole.product.name = "Renamed"
    insole.product.return_days = 14
    insole.product.save()
    settings.SHOP_REPLACEMENT_DAYS = 60

    lines = {line.sku: line for line in Order.objects.get(number=number).lines.all()}
    assert lines[insole.sku].product_name == "Arch Hero"
    assert lines[insole.sku].unit_price == Decimal("30.00")
    assert (
        lines[insole.sku].returnable,
        lines[insole.sku].return_days,
        lines[insole.sku].replacement_days,
    ) == (
        True,
        3,
        30,
    )
    assert lines[custom.sku].returnable is False and lines[custom.sku].replacement_days == 30


def test_not_enough_stock_at_checkout_is_409_and_no_order(api_client):
    variant = VariantFactory(stock=2)
    token = cart_with(api_client, (variant, 2))
    ProductVariant.objects.filter(pk=variant.pk).update(stock=1)  # someone else bought one meanwhile
    response = checkout(api_client, token)
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "insufficient_stock"
    assert Order.objects.count() == 0
    assert ProductVariant.objects.get(pk=variant.pk).stock == 1


def test_a_failure_on_a_later_line_takes_no_stock_from_earlier_lines(api_client):
    """All or nothing: the whole reservation rolls back."""
    first = VariantFactory(stock=5)
    second = VariantFactory(stock=5)
    token = cart_with(api_client, (first, 2), (second, 5))
    ProductVariant.objects.filter(pk=second.pk).update(stock=4)
    assert checkout(api_client, token).status_code == 409
    assert ProductVariant.objects.get(pk=first.pk).stock == 5


def test_the_same_idempotency_key_returns_the_same_order(api_client, variant):
    token = cart_with(api_client, (variant, 1))
    first = checkout(api_client, token, key="abc-123")
    second = checkout(api_client, token, key="abc-123")
    assert first.status_code == second.status_code == 201
    assert first.json()["number"] == second.json()["number"]
    assert second.headers["Idempotent-Replayed"] == "true"
    assert first.json()["payment"] == second.json()["payment"]
    assert Order.objects.count() == 1
    assert ProductVariant.objects.get(pk=variant.pk).stock == 9


def test_a_checked_out_cart_cannot_be_ordered_again_without_the_key(api_client, variant):
    token = cart_with(api_client, (variant, 1))
    assert checkout(api_client, token, key="k1").status_code == 201
    response = checkout(api_client, token, key="k2")
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "cart_checked_out"


def test_an_empty_cart_and_an_unknown_shipping_method_are_400(api_client, variant):
    empty = api_client.post("/api/v1/carts/").json()["token"]
    assert checkout(api_client, empty).json()["errors"][0]["code"] == "cart_empty"
    token = cart_with(api_client, (variant, 1))
    response = checkout(api_client, token, shipping_method="teleport")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "invalid_shipping_method"


def test_a_bad_address_is_400_naming_the_field(api_client, variant):
    token = cart_with(api_client, (variant, 1))
    response = checkout(api_client, token, shipping_address=address(country="Germany"))
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "shipping_address.country"


def test_a_country_code_must_be_an_iso_3166_country(api_client, variant):
    token = cart_with(api_client, (variant, 1))
    response = checkout(api_client, token, shipping_address=address(country="XX"))
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert (error["attr"], error["detail"]) == (
        "shipping_address.country",
        "“XX” is not a country code: give the two-letter ISO 3166 code, e.g. DE for Germany.",
    )
    assert checkout(api_client, token, shipping_address=address(country="at")).status_code == 201


def test_express_shipping_is_charged(api_client, variant):
    token = cart_with(api_client, (variant, 1))
    body = checkout(api_client, token, shipping_method="express").json()
    assert body["shipping_total"] == "12.90" and body["shipping_method"] == "express"


def test_a_logged_in_customers_order_belongs_to_them(customer_client, customer, variant):
    token = cart_with(customer_client, (variant, 1))
    number = checkout(customer_client, token, email=customer.email).json()["number"]
    order = Order.objects.get(number=number)
    assert order.user == customer
    assert OrderStatusChange.objects.get(order=order).actor == customer


def test_the_placed_email_goes_out_after_commit(api_client, variant, django_capture_on_commit_callbacks):
    token = cart_with(api_client, (variant, 1))
    with django_capture_on_commit_callbacks(execute=True):
        number = checkout(api_client, token).json()["number"]
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert number in message.subject and message.to == ["guest@example.com"]
    assert number in message.body
    assert message.alternatives[0][1] == "text/html" and number in message.alternatives[0][0]


def test_checkout_is_throttled(api_client, variant, monkeypatch):
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"checkout": "2/min"})
    statuses = [checkout(api_client, cart_with(api_client, (variant, 1))).status_code for _ in range(3)]
    assert statuses == [201, 201, 429]


def test_a_logged_in_customer_may_ship_to_the_default_address(customer_client, customer, variant):
    saved = address(first_name="Grace", line1="Saved street 9")
    customer_client.patch("/api/v1/me/", {"default_shipping_address": saved}, format="json")
    token = cart_with(customer_client, (variant, 1))
    body = {"cart": token, "email": customer.email, "shipping_method": "standard"}
    response = customer_client.post("/api/v1/checkout/", body, format="json")
    assert response.status_code == 201
    assert response.json()["shipping_address"]["line1"] == "Saved street 9"


def test_a_guest_must_give_a_shipping_address(api_client, variant):
    token = cart_with(api_client, (variant, 1))
    body = {"cart": token, "email": "guest@example.com", "shipping_method": "standard"}
    response = api_client.post("/api/v1/checkout/", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "shipping_address"
    assert Order.objects.count() == 0
