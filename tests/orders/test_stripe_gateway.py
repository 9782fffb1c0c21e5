"""The Stripe gateway through the real ``stripe`` library, with Stripe's servers replaced by a fake HTTP client."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from orders.exceptions import PaymentDeclined, PaymentProviderError
from orders.models import Order, Payment, Refund
from orders.payments.gateway import get_gateway
from orders.payments.interface import PaymentRequest, RefundRequest, to_minor_units
from orders.payments.stripe import StripeGateway
from orders.services.payments import refund_create
from tests.factories import VariantFactory
from tests.orders.factories import address, pay, place_order
from tests.orders.fake_stripe import CARD_DECLINED, SERVER_ERROR, FakeStripeHTTPClient


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        (Decimal("49.90"), "EUR", 4990),
        (Decimal("0.01"), "EUR", 1),
        (Decimal("10.005"), "EUR", 1001),  # half up, never banker's rounding
        (Decimal("10.004"), "EUR", 1000),
        (Decimal("1200"), "JPY", 1200),
    ],
)
def test_amounts_go_to_stripe_in_minor_units_rounded_half_up(amount, currency, minor):
    assert to_minor_units(amount, currency) == minor


def test_create_payment_sends_amount_currency_metadata_and_idempotency_key():
    fake = FakeStripeHTTPClient()
    gateway = StripeGateway(secret_key="sk_test_1", http_client=fake)
    session = gateway.create_payment(
        PaymentRequest(
            order_number="ABC123",
            amount=Decimal("97.20"),
            currency="EUR",
            idempotency_key="order:ABC123:pi:1",
        )
    )
    [sent] = fake.sent
    assert (sent.method, sent.path) == ("post", "/v1/payment_intents")
    assert sent.form["amount"] == "9720"
    assert sent.form["currency"] == "eur"
    assert sent.form["metadata[order_number]"] == "ABC123"
    assert sent.form["automatic_payment_methods[enabled]"] == "true"
    assert sent.headers["Idempotency-Key"] == "order:ABC123:pi:1"
    assert sent.headers["Authorization"] == "Bearer sk_test_1"
    assert session.reference == "pi_ABC123" and session.client_secret == "pi_ABC123_secret_abc"


def test_a_card_error_becomes_payment_declined():
    fake = FakeStripeHTTPClient()
    fake.queue(402, CARD_DECLINED)
    with pytest.raises(PaymentDeclined) as declined:
        StripeGateway(secret_key="sk_test_1", http_client=fake).create_payment(
            PaymentRequest(order_number="A", amount=Decimal("1.00"), currency="EUR", idempotency_key="k")
        )
    assert declined.value.kind == "payment_declined" and "declined" in declined.value.detail


def test_a_provider_500_is_retried_then_becomes_provider_error():
    """max_network_retries=2: three attempts with the same idempotency key, then 502."""
    fake = FakeStripeHTTPClient()
    for _ in range(3):
        fake.queue(500, SERVER_ERROR)
    with pytest.raises(PaymentProviderError):
        StripeGateway(secret_key="sk_test_1", http_client=fake).create_payment(
            PaymentRequest(order_number="A", amount=Decimal("1.00"), currency="EUR", idempotency_key="k")
        )
    assert len(fake.sent) == 3
    assert {request.headers["Idempotency-Key"] for request in fake.sent} == {"k"}


def test_refund_sends_payment_intent_amount_and_key():
    fake = FakeStripeHTTPClient()
    result = StripeGateway(secret_key="sk_test_1", http_client=fake).refund(
        RefundRequest(
            payment_reference="pi_1", amount=Decimal("5.50"), currency="EUR", idempotency_key="refund:7"
        )
    )
    [sent] = fake.sent
    assert sent.path == "/v1/refunds"
    assert (sent.form["payment_intent"], sent.form["amount"]) == ("pi_1", "550")
    assert sent.headers["Idempotency-Key"] == "refund:7"
    assert result.status == "succeeded"


def test_the_gateway_is_chosen_when_called(settings):
    settings.PAYMENT_GATEWAY = ""
    settings.STRIPE_SECRET_KEY = ""
    assert get_gateway().name == "dummy"
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    assert get_gateway().name == "stripe"
    settings.PAYMENT_GATEWAY = "dummy"
    assert get_gateway().name == "dummy"


# Through the API, with the shop configured for Stripe.


def _checkout(api_client, key=None):
    variant = VariantFactory(price=Decimal("39.90"), stock=5)
    token = api_client.post("/api/v1/carts/").json()["token"]
    api_client.post(f"/api/v1/carts/{token}/items/", {"sku": variant.sku, "quantity": 2}, format="json")
    headers = {"Idempotency-Key": key} if key else {}
    body = {
        "cart": token,
        "email": "a@example.com",
        "shipping_address": address(),
        "shipping_method": "standard",
    }
    return api_client.post("/api/v1/checkout/", body, format="json", headers=headers)


@pytest.mark.django_db
def test_checkout_with_stripe_returns_only_the_client_secret(api_client, fake_stripe):
    response = _checkout(api_client)
    assert response.status_code == 201
    body = response.json()
    assert body["payment"] == {"provider": "stripe", "client_secret": f"pi_{body['number']}_secret_abc"}
    payment = Payment.objects.get(order__number=body["number"])
    assert payment.provider_reference == f"pi_{body['number']}"
    assert fake_stripe.sent[0].form["amount"] == "8470"
    assert fake_stripe.sent[0].headers["Idempotency-Key"] == f"order:{body['number']}:pi:1"
    assert "secret" not in str(Payment.objects.values().get())


@pytest.mark.django_db
def test_a_repeated_checkout_asks_stripe_with_the_same_idempotency_key(api_client, fake_stripe):
    """The replay resumes the same PaymentIntent: Stripe answers the same key with the same intent."""
    variant = VariantFactory(stock=5)
    token = api_client.post("/api/v1/carts/").json()["token"]
    api_client.post(f"/api/v1/carts/{token}/items/", {"sku": variant.sku, "quantity": 1}, format="json")
    body = {
        "cart": token,
        "email": "a@example.com",
        "shipping_address": address(),
        "shipping_method": "standard",
    }
    first = api_client.post("/api/v1/checkout/", body, format="json", headers={"Idempotency-Key": "same"})
    second = api_client.post("/api/v1/checkout/", body, format="json", headers={"Idempotency-Key": "same"})
    number = first.json()["number"]
    assert second.json()["number"] == number
    assert second.json()["payment"] == first.json()["payment"]
    assert [request.headers["Idempotency-Key"] for request in fake_stripe.sent] == [
        f"order:{number}:pi:1"
    ] * 2
    assert Payment.objects.filter(order__number=number).count() == 1


@pytest.mark.django_db
def test_a_card_error_at_checkout_is_402_and_the_order_waits_for_a_new_attempt(api_client, fake_stripe):
    fake_stripe.queue(402, CARD_DECLINED)
    response = _checkout(api_client)
    assert response.status_code == 402
    assert response.json()["errors"][0]["code"] == "payment_declined"
    order = Order.objects.get()
    assert order.status == "payment_failed"
    assert order.payments.get().status == "failed"


@pytest.mark.django_db
def test_a_stripe_outage_at_checkout_is_502(fake_stripe):
    # A 5xx is reported through Django's got_request_exception signal; don't let the test client re-raise it.
    api_client = APIClient(raise_request_exception=False)
    for _ in range(3):
        fake_stripe.queue(500, SERVER_ERROR)
    response = _checkout(api_client)
    assert response.status_code == 502
    assert response.json()["errors"][0]["code"] == "payment_provider_error"


@pytest.mark.django_db
def test_the_refund_row_exists_pending_before_stripe_is_called(fake_stripe):
    order = place_order(items=[(VariantFactory(price=Decimal("20.00")), 1)])
    order = pay(order)  # a signed-event-equivalent payment on the Stripe payment
    seen = []

    def look(request):
        if request.path == "/v1/refunds":
            seen.append(list(Refund.objects.values_list("pk", "status", "amount")))

    fake_stripe.on_request = look
    refund = refund_create(order=order, amount=Decimal("5.00"), reason="goodwill")
    assert seen == [[(refund.pk, "pending", Decimal("5.00"))]]
    assert fake_stripe.sent[-1].headers["Idempotency-Key"] == f"refund:{refund.pk}"
    refund.refresh_from_db()
    order.refresh_from_db()
    assert refund.status == "succeeded" and refund.provider_reference == f"re_{refund.pk}"
    assert order.refunded_total == Decimal("5.00")


@pytest.mark.django_db
def test_a_refund_provider_failure_leaves_the_refund_pending_and_flags_the_order(fake_stripe):
    order = pay(place_order(items=[(VariantFactory(price=Decimal("20.00")), 1)]))
    for _ in range(3):
        fake_stripe.queue(500, SERVER_ERROR)
    with pytest.raises(PaymentProviderError):
        refund_create(order=order, amount=Decimal("5.00"))
    order.refresh_from_db()
    assert Refund.objects.get().status == "pending"
    assert order.needs_attention and order.refunded_total == 0


@pytest.mark.django_db
def test_cancelling_an_unpaid_stripe_order_voids_the_payment_intent(customer, fake_stripe):
    from orders.services.orders import order_cancel

    order = place_order(user=customer)
    order_cancel(order=order, actor=customer)
    cancel = fake_stripe.sent[-1]
    assert (cancel.method, cancel.path) == ("post", f"/v1/payment_intents/pi_{order.number}/cancel")
    assert cancel.headers["Idempotency-Key"] == f"order:{order.number}:pi:1:cancel"
    assert order.payments.get().status == "cancelled"


@pytest.mark.django_db
def test_cancelling_a_paid_stripe_order_refunds_it_in_full(customer, fake_stripe):
    from orders.services.orders import order_cancel

    order = pay(place_order(user=customer, items=[(VariantFactory(price=Decimal("20.00")), 1)]))
    order_cancel(order=order, actor=customer)
    refund = Refund.objects.get(order=order)
    sent = fake_stripe.sent[-1]
    assert sent.path == "/v1/refunds"
    assert (sent.form["amount"], sent.form["payment_intent"]) == ("2490", f"pi_{order.number}")
    assert sent.headers["Idempotency-Key"] == f"refund:{refund.pk}"
    order.refresh_from_db()
    assert order.status == "cancelled" and order.refunded_total == Decimal("24.90")


@pytest.mark.django_db
def test_a_void_the_provider_refuses_flags_the_order_but_the_cancellation_stands(customer, fake_stripe):
    from orders.services.orders import order_cancel

    order = place_order(user=customer)
    fake_stripe.queue(400, {"error": {"type": "invalid_request_error", "message": "already succeeded"}})
    order_cancel(order=order, actor=customer)
    order.refresh_from_db()
    assert order.status == "cancelled" and order.needs_attention
