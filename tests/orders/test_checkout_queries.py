"""Checkout asks the database only for what it must (issue 8), and what it answers is what it stored."""

from decimal import Decimal

import pytest
from django.core import mail
from django.db import transaction

from catalogue.choices import ProductKind
from catalogue.models import ProductVariant
from orders.apis.common import order_data
from orders.exceptions import InsufficientStock
from orders.models import Order, Payment, ShippingMethod
from orders.selectors import order_get_for_staff
from orders.services.payments import payment_start_first
from orders.services.stock import stock_reserve
from tests.factories import VariantFactory
from tests.orders.factories import place_order
from tests.orders.test_checkout_api import add_custom_orthotic, cart_with, checkout

pytestmark = pytest.mark.django_db

# What one checkout runs, in order: the cart with its items, variants and products (read and locked
# at once), the stock of every line (one UPDATE), the order, its lines (one INSERT), its first
# history row, the cart's checkout time, and after the commit the payment with its reference.
CHECKOUT_STATEMENTS = [
    'SELECT "orders_cartitem"',
    'UPDATE "catalogue_productvariant"',
    'INSERT INTO "orders_order"',
    'INSERT INTO "orders_orderline"',
    'INSERT INTO "orders_orderstatuschange"',
    'UPDATE "orders_cart"',
    'INSERT INTO "orders_payment"',
]
# The test's own transaction turns each of checkout's two atomic blocks into a savepoint (two
# statements each); served, outside a test, they are BEGIN and COMMIT, which PostgreSQL's driver
# sends without a query.
SAVEPOINT_STATEMENTS = 4


def _statements(captured) -> list[str]:
    """Return the captured statements other than savepoints, each cut to its verb and table."""
    kept = []
    for query in captured.captured_queries:
        sql = query["sql"]
        if sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")):
            continue
        verb = "INSERT INTO" if sql.startswith("INSERT") else sql.split()[0]
        table = sql.split(" FROM ")[1].split()[0] if verb == "SELECT" else sql.split()[len(verb.split())]
        kept.append(f"{verb} {table}")
    return kept


@pytest.mark.parametrize("lines", [1, 3])
def test_a_checkout_runs_seven_statements_however_many_lines(
    api_client, lines, django_assert_num_queries, django_capture_on_commit_callbacks
):
    """Guest checkout with an Idempotency-Key, the confirmation email included: the same seven statements."""
    token = cart_with(api_client, *[(VariantFactory(stock=20), 2) for _ in range(lines)])
    ShippingMethod.objects.get_active("standard")  # as any request after the first finds them cached
    with (
        django_assert_num_queries(len(CHECKOUT_STATEMENTS) + SAVEPOINT_STATEMENTS) as captured,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = checkout(api_client, token, key="queries-1")
    assert response.status_code == 201, response.json()
    assert _statements(captured) == CHECKOUT_STATEMENTS
    assert len(response.json()["lines"]) == lines
    assert len(mail.outbox) == 1 and response.json()["number"] in mail.outbox[0].subject


def test_the_answer_built_from_memory_is_the_order_as_stored(api_client):
    """The 201 body equals the order read back from the database: lines, fitting, history, payment."""
    token = cart_with(api_client, (VariantFactory(price=Decimal("39.90"), stock=5), 2), (VariantFactory(), 1))
    custom = VariantFactory(price=Decimal("250.00"), product__kind=ProductKind.CUSTOM_ORTHOTIC)
    fitting = add_custom_orthotic(api_client, token, custom)

    body = checkout(api_client, token, billing_address=None).json()

    stored = order_data(order_get_for_staff(number=body["number"]))
    assert {key: value for key, value in body.items() if key != "payment"} == stored
    assert [line["fitting"] for line in stored["lines"]] == [None, None, fitting]
    assert stored["production_days"] is not None
    assert stored["payments"][0]["status"] == "pending" and stored["history"][0]["note"] == "Order placed."


def test_a_replayed_key_answers_like_the_first_time(api_client, variant):
    token = cart_with(api_client, (variant, 1))
    first = checkout(api_client, token, key="again")
    second = checkout(api_client, token, key="again")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second.headers["Idempotent-Replayed"] == "true"


def test_another_customers_cart_is_not_found(customer_client, other_client, variant):
    token = cart_with(customer_client, (variant, 1))
    response = checkout(other_client, token)
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "cart_not_found"
    assert ProductVariant.objects.get(pk=variant.pk).stock == 10


def test_a_shipping_method_edited_by_staff_is_charged_at_once(api_client, variant):
    """The methods are cached for checkout; saving one forgets them."""
    assert ShippingMethod.objects.get_active("standard").price == Decimal("4.90")
    method = ShippingMethod.objects.get(code="standard")
    method.price = Decimal("5.50")
    method.save()
    body = checkout(api_client, cart_with(api_client, (variant, 1))).json()
    assert body["shipping_total"] == "5.50"
    method.is_active = False
    method.save()
    response = checkout(api_client, cart_with(api_client, (variant, 1)))
    assert response.json()["errors"][0]["code"] == "invalid_shipping_method"


def test_stock_read_before_another_order_took_it_is_still_never_oversold():
    """Without row locks (SQLite) the stock read may be stale: the one UPDATE checks each line itself."""
    plenty, scarce = VariantFactory(stock=10), VariantFactory(stock=5)
    stale = {variant.pk: variant for variant in ProductVariant.objects.filter(pk__in=[plenty.pk, scarce.pk])}
    ProductVariant.objects.filter(pk=scarce.pk).update(stock=1)  # another order took four meanwhile
    with pytest.raises(InsufficientStock) as refused, transaction.atomic():
        stock_reserve(quantities={plenty.pk: 3, scarce.pk: 2}, locked=stale)
    assert refused.value.extra == {"sku": scarce.sku, "requested": 2, "available": 1}
    assert dict(ProductVariant.objects.filter(pk__in=[plenty.pk, scarce.pk]).values_list("pk", "stock")) == {
        plenty.pk: 10,
        scarce.pk: 1,
    }


def test_a_payment_a_replay_started_first_is_resumed_not_written_twice():
    """Checkout writes attempt 1 after asking the provider; if a replay wrote it meanwhile, it carries on with that one."""
    order = place_order()
    existing = order.payments.get()
    session, written = payment_start_first(order=Order.objects.get(pk=order.pk))
    assert written is None
    assert session.reference == existing.provider_reference
    assert Payment.objects.filter(order=order).count() == 1
