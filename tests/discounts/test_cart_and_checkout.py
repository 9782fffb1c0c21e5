"""A code on the cart (shown, or why not), judged again at checkout, frozen on the lines, counted once."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine

from orders.discounts.exceptions import DiscountNotApplicable
from orders.discounts.models import DiscountCode
from orders.models import Order, ShippingMethod
from orders.returns.models import StatutoryRight
from tests.discounts.helpers import code, insole, place
from tests.orders.test_checkout_api import cart_with, checkout
from tests.orders.test_checkout_queries import (
    CHECKOUT_STATEMENTS,
    EMAIL_STATEMENTS,
    SAVEPOINT_STATEMENTS,
    _statements,
)

pytestmark = pytest.mark.django_db
D = Decimal


def apply(client, token, name):
    return client.post(f"/api/v1/carts/{token}/discount/", {"code": name}, format="json")


def test_the_cart_shows_the_code_and_what_it_takes_off(api_client):
    code("SPRING20", value="20", description="Spring")
    token = cart_with(api_client, (insole("150.00"), 1), (insole("60.00"), 1))
    response = apply(api_client, token, " spring20 ")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["subtotal"] == "210.00"
    assert body["discount"] == {
        "code": "SPRING20",
        "description": "Spring",
        "applies": True,
        "reason": None,
        "message": "",
        "amount": "42.00",
        "free_shipping": False,
    }
    assert body["discount_total"] == "42.00"
    assert body["total"] == "168.00"
    assert api_client.get(f"/api/v1/carts/{token}/").json()["total"] == "168.00"


def test_an_unknown_code_or_one_that_does_not_apply_is_409_with_why(api_client):
    code("BIG", value="10", minimum_subtotal=D("300.00"))
    token = cart_with(api_client, (insole("50.00"), 5))
    unknown = apply(api_client, token, "NOPE")
    assert unknown.status_code == 409
    assert unknown.json()["errors"][0]["code"] == "discount_unknown"
    below = apply(api_client, token, "BIG")
    assert below.status_code == 409
    error = below.json()["errors"][0]
    assert error["code"] == "discount_minimum_not_met"
    assert "300.00" in error["detail"]
    assert api_client.get(f"/api/v1/carts/{token}/").json()["discount"] is None


def test_a_cart_that_falls_below_the_minimum_keeps_the_code_and_says_why_it_no_longer_applies(api_client):
    code("BIG", value="10", minimum_subtotal=D("300.00"))
    variant = insole("50.00")
    token = cart_with(api_client, (variant, 6))
    assert apply(api_client, token, "BIG").json()["discount_total"] == "30.00"
    item = api_client.get(f"/api/v1/carts/{token}/").json()["items"][0]["id"]
    api_client.patch(f"/api/v1/carts/{token}/items/{item}/", {"quantity": 5}, format="json")
    body = api_client.get(f"/api/v1/carts/{token}/").json()
    assert body["discount"]["applies"] is False
    assert body["discount"]["reason"] == "discount_minimum_not_met"
    assert body["discount_total"] == "0.00"
    # Checkout refuses rather than charge a price the customer was not shown.
    response = checkout(api_client, token)
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "discount_minimum_not_met"
    assert not Order.objects.exists()
    assert DiscountCode.objects.get(code="BIG").times_used == 0


def test_removing_the_code_and_applying_another_one_code_per_order(api_client):
    code("A10", value="10")
    code("B5", kind="fixed", value="5.00")
    token = cart_with(api_client, (insole("100.00"), 1))
    apply(api_client, token, "A10")
    assert apply(api_client, token, "B5").json()["discount"]["code"] == "B5"
    response = api_client.delete(f"/api/v1/carts/{token}/discount/")
    assert response.status_code == 200
    assert response.json()["discount"] is None


def test_checkout_freezes_the_discount_on_the_lines_and_counts_one_use(api_client):
    code("SPRING20", value="20", usage_limit=5)
    big, small = insole("150.00"), insole("60.00")
    token = cart_with(api_client, (big, 1), (small, 1))
    apply(api_client, token, "SPRING20")
    response = checkout(api_client, token)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["discount_code"] == "SPRING20"
    assert (body["subtotal"], body["discount_total"], body["shipping_total"], body["total"]) == (
        "210.00",
        "42.00",
        "4.90",
        "172.90",
    )
    paid = {
        line["sku"]: (line["line_total"], line["discount_total"], line["paid_total"])
        for line in body["lines"]
    }
    assert paid == {big.sku: ("150.00", "30.00", "120.00"), small.sku: ("60.00", "12.00", "48.00")}
    assert DiscountCode.objects.get(code="SPRING20").times_used == 1


def test_a_free_shipping_code_ships_free():
    code("SHIPFREE", kind="fixed", value="0", free_shipping=True)
    order = place([(insole("30.00"), 1)], discount="SHIPFREE")
    assert (order.shipping_total, order.discount_total, order.total) == (D("0.00"), D("0.00"), D("30.00"))


def test_one_use_per_customer_by_email_and_by_account(customer):
    code("ONCE", value="10")
    place([(insole("30.00"), 1)], discount="ONCE", email="ada@example.com")
    with pytest.raises(DiscountNotApplicable) as refused:
        place([(insole("30.00"), 1)], discount="ONCE", email="ADA@example.com")
    assert refused.value.code == "discount_already_used"
    place([(insole("30.00"), 1)], discount="ONCE", user=customer)
    with pytest.raises(
        DiscountNotApplicable
    ) as again:  # refused when applied to the cart, for a logged-in customer
        place([(insole("30.00"), 1)], discount="ONCE", user=customer)
    assert again.value.code == "discount_already_used"
    assert DiscountCode.objects.get(code="ONCE").times_used == 2


def test_a_code_is_judged_again_at_checkout_expired_in_between(api_client):
    code("SUMMER", value="10", valid_until=datetime(2026, 6, 30, 21, 59, 59, 999999, tzinfo=UTC))
    with time_machine.travel(datetime(2026, 6, 30, 21, 0, tzinfo=UTC), tick=False):
        token = cart_with(api_client, (insole("30.00"), 1))
        assert apply(api_client, token, "SUMMER").status_code == 200
    with time_machine.travel(datetime(2026, 6, 30, 22, 0, tzinfo=UTC), tick=False):
        response = checkout(api_client, token)
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "discount_expired"


def test_the_usage_limit_counts_orders(api_client):
    code("TWO", value="10", usage_limit=2, once_per_customer=False)
    for _ in range(2):
        place([(insole("30.00"), 1)], discount="TWO")
    with pytest.raises(DiscountNotApplicable) as refused:
        place([(insole("30.00"), 1)], discount="TWO")
    assert refused.value.code == "discount_used_up"
    assert Order.objects.filter(discount_code="TWO").count() == 2


def test_a_checkout_with_a_code_runs_two_statements_more(
    api_client, django_assert_num_queries, django_capture_on_commit_callbacks
):
    code("SPRING20", value="20")
    token = cart_with(api_client, (insole("150.00"), 1), (insole("60.00"), 1))
    apply(api_client, token, "SPRING20")
    ShippingMethod.objects.get_active("standard")
    StatutoryRight.objects.cached()
    expected = [
        *CHECKOUT_STATEMENTS[:2],
        'SELECT "discounts_discountcode"',  # the code's products and categories
        'UPDATE "discounts_discountcode"',  # one use counted, under the limit
        *CHECKOUT_STATEMENTS[2:],
        *EMAIL_STATEMENTS,  # the confirmation, sent once the order is committed
    ]
    with (
        django_assert_num_queries(len(expected) + SAVEPOINT_STATEMENTS) as captured,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = checkout(api_client, token, key="with-code")
    assert response.status_code == 201, response.json()
    assert _statements(captured) == expected


def test_the_confirmation_email_shows_the_discount(mailoutbox, django_capture_on_commit_callbacks):
    code("SPRING20", value="20")
    with django_capture_on_commit_callbacks(execute=True):
        place([(insole("150.00"), 1), (insole("60.00"), 1)], discount="SPRING20")
    body = mailoutbox[-1].body
    assert "Discount (SPRING20): −42.00 EUR" in body
    assert "Total: 172.90 EUR" in body
