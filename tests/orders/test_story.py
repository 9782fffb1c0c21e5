"""The issue's story end to end, through the API only."""

import pytest
from django.core import mail
from rest_framework.test import APIClient

from catalogue.models import ProductVariant
from tests.factories import VariantFactory
from tests.orders.factories import address

pytestmark = pytest.mark.django_db


def test_register_shop_pay_ship_deliver(staff_client, django_capture_on_commit_callbacks):
    variant = VariantFactory(stock=3)
    client = APIClient()
    with django_capture_on_commit_callbacks(execute=True):
        token = client.post(
            "/api/v1/auth/register/",
            {"email": "eve@example.com", "password": "a-long-unusual-passphrase"},
            format="json",
        ).json()["token"]
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        cart = client.post("/api/v1/carts/").json()["token"]
        client.post(f"/api/v1/carts/{cart}/items/", {"sku": variant.sku, "quantity": 2}, format="json")
        order = client.post(
            "/api/v1/checkout/",
            {
                "cart": cart,
                "email": "eve@example.com",
                "shipping_address": address(),
                "shipping_method": "express",
            },
            format="json",
            headers={"Idempotency-Key": "eve-1"},
        ).json()
        number = order["number"]
        assert (
            client.post(f"/api/v1/payments/dummy/{number}/", {"outcome": "succeed"}, format="json").json()[
                "status"
            ]
            == "paid"
        )
        staff_client.post(
            f"/api/v1/staff/orders/{number}/ship/",
            {"carrier": "DHL", "tracking_number": "JJD1"},
            format="json",
        )
        staff_client.post(f"/api/v1/staff/orders/{number}/deliver/", {}, format="json")

    mine = client.get("/api/v1/orders/").json()["results"]
    assert [o["number"] for o in mine] == [number]
    detail = client.get(f"/api/v1/orders/{number}/").json()
    assert [step["to_status"] for step in detail["history"]] == [
        "pending_payment",
        "paid",
        "shipped",
        "delivered",
    ]
    assert detail["delivered_at"] and detail["tracking_number"] == "JJD1"
    assert ProductVariant.objects.get(pk=variant.pk).stock == 1
    subjects = [m.subject.split(" ")[0] for m in mail.outbox]
    assert subjects == ["Confirm", "We", "Payment", "Order", "Order"]  # verify the email, then the order's
    assert client.post(f"/api/v1/orders/{number}/cancel/").json()["errors"][0]["code"] == "invalid_transition"


def test_the_schema_documents_the_ordering_endpoints(api_client):
    schema = api_client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    for path in [
        "/api/v1/checkout/",
        "/api/v1/orders/{number}/cancel/",
        "/api/v1/payments/stripe/webhook/",
        "/api/v1/staff/orders/{number}/ship/",
        "/api/v1/auth/login/",
        "/api/v1/me/",
    ]:
        assert path in schema["paths"], path
