"""Checkout asks the database only for what it must, and what it answers is what it stored."""

import hashlib
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from catalogue.choices import ProductKind
from catalogue.models import ProductVariant
from orders.apis.common import order_data
from orders.exceptions import InsufficientStock
from orders.models import Cart, Order, OrderLine, OrderStatusChange, Payment, ShippingMethod
from orders.returns.models import StatutoryRight
from orders.selectors import order_get_for_staff
from orders.services import checkout as checkout_service
from orders.services.payments import payment_start_first
from orders.services.stock import stock_reserve
from tests.factories import VariantFactory
from tests.orders.factories import address, place_order
from tests.orders.test_checkout_api import add_custom_orthotic, cart_with, checkout

pytestmark = pytest.mark.django_db

# What one checkout runs, in order, on every database: the cart with its items, variants and
# products (read and locked at once), the stock of every line (one UPDATE), the order, its first
# history row, its lines (one INSERT), the cart's checkout time; after the commit, the payment with
# its reference. Seven, under the ceiling of eight a checkout may run. The tests' immediate task
# backend then sends the email in the same process, which writes its row in the ledger of sent emails
# (in production a worker does that, and the checkout writes the task's row instead).
CHECKOUT_STATEMENTS = [
    'SELECT "orders_cartitem"',
    'UPDATE "catalogue_productvariant"',
    'INSERT INTO "orders_order"',
    'INSERT INTO "orders_orderstatuschange"',
    'INSERT INTO "orders_orderline"',
    'UPDATE "orders_cart"',
    'INSERT INTO "orders_payment"',
]
EMAIL_STATEMENTS = ['INSERT INTO "orders_sentemail"']
MAX_CHECKOUT_STATEMENTS = 8
# The test's own transaction turns each of checkout's two atomic blocks, and the email's, into a
# savepoint (two statements each); served, outside a test, they are BEGIN and COMMIT, which
# PostgreSQL's driver sends without a query.
SAVEPOINT_STATEMENTS = 6


def _statements(captured) -> list[str]:
    """Return the captured statements other than savepoints, each cut to its verb and table."""
    return [
        _verb_and_table(query["sql"])
        for query in captured.captured_queries
        if not query["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT"))
    ]


def _verb_and_table(sql: str) -> str:
    verb = "INSERT INTO" if sql.startswith("INSERT") else sql.split()[0]
    table = sql.split(" FROM ")[1].split()[0] if verb == "SELECT" else sql.split()[len(verb.split())]
    return f"{verb} {table}"


@pytest.mark.parametrize("lines", [1, 3])
def test_a_checkout_runs_the_same_statements_however_many_lines(
    api_client, lines, django_assert_num_queries, django_capture_on_commit_callbacks
):
    """A guest checkout with an Idempotency-Key, its email included: the same seven statements everywhere."""
    expected = CHECKOUT_STATEMENTS + EMAIL_STATEMENTS
    assert len(CHECKOUT_STATEMENTS) <= MAX_CHECKOUT_STATEMENTS
    token = cart_with(api_client, *[(VariantFactory(stock=20), 2) for _ in range(lines)])
    ShippingMethod.objects.get_active("standard")  # as any request after the first finds them cached
    StatutoryRight.objects.cached()  # the rights by destination too
    with (
        django_assert_num_queries(len(expected) + SAVEPOINT_STATEMENTS) as captured,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = checkout(api_client, token, key="queries-1")
    assert response.status_code == 201, response.json()
    assert _statements(captured) == expected
    assert len(response.json()["lines"]) == lines
    assert len(mail.outbox) == 1 and response.json()["number"] in mail.outbox[0].subject


# A line that sells its size's last unit adds two, after the stock UPDATE: the product's read-model
# row locked, then its stock columns rewritten (``listings_stock_moved``). Nine: the one checkout
# shape above the ceiling of eight, and only when a size sells out.
SELL_OUT_STATEMENTS = [
    'SELECT "orders_cartitem"',
    'UPDATE "catalogue_productvariant"',
    'SELECT "catalogue_productlisting"',
    'UPDATE "catalogue_productlisting"',
    *CHECKOUT_STATEMENTS[2:],
]


def test_a_checkout_selling_a_last_unit_adds_the_read_model_write(
    api_client, django_assert_num_queries, django_capture_on_commit_callbacks
):
    """Two lines, one of them the last unit of its size: two more statements, whatever the lines."""
    expected = SELL_OUT_STATEMENTS + EMAIL_STATEMENTS
    token = cart_with(api_client, (VariantFactory(stock=1), 1), (VariantFactory(stock=20), 2))
    ShippingMethod.objects.get_active("standard")
    StatutoryRight.objects.cached()
    with (
        django_assert_num_queries(len(expected) + SAVEPOINT_STATEMENTS) as captured,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = checkout(api_client, token, key="queries-sell-out")
    assert response.status_code == 201, response.json()
    assert _statements(captured) == expected
    assert len(SELL_OUT_STATEMENTS) == MAX_CHECKOUT_STATEMENTS + 1


def _fields(obj, *, without=("id",)) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if f.attname not in without}


def _checkout_as_stored(api_client, token) -> dict:
    """Check the cart out and return what the database then holds: order, lines, history and cart fields."""
    order = Order.objects.get(
        number=checkout(api_client, token, key="same", billing_address=address(city="Köln")).json()["number"]
    )
    assert order.checkout_key == f"{token}:{hashlib.sha256(b'same').hexdigest()}"
    return {
        "order": _fields(order, without=("id", "number", "checkout_key")),
        "lines": [_fields(line, without=("id", "order_id")) for line in order.lines.all()],
        "history": [_fields(row, without=("id", "order_id")) for row in order.status_changes.all()],
        "cart": _fields(Cart.objects.get(token=token), without=("id", "token", "created_at")),
    }


def test_a_checkout_stores_the_order_as_placed(api_client, settings):
    """Read back, the order, its lines, history and cart hold the times, addresses and totals of the checkout."""
    now = datetime(2025, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)
    variants = [
        VariantFactory(price=Decimal("39.90"), stock=20),
        VariantFactory(price=Decimal("12.35"), stock=20),
    ]
    token = cart_with(api_client, *[(variant, 2) for variant in variants])
    with time_machine.travel(now, tick=False):
        stored = _checkout_as_stored(api_client, token)

    assert stored["order"]["created_at"] == stored["order"]["updated_at"] == now
    assert stored["order"]["status"] == "pending_payment"
    assert stored["order"]["payment_deadline"] == now + timedelta(
        minutes=settings.SHOP_PAYMENT_DEADLINE_MINUTES
    )
    assert stored["order"]["shipping_address"]["line1"] == "Hauptstraße 1"  # JSON, non-ASCII included
    assert stored["order"]["billing_address"]["city"] == "Köln"
    assert stored["order"]["total"] == Decimal("109.40")
    assert [line["line_total"] for line in stored["lines"]] == [Decimal("79.80"), Decimal("24.70")]
    assert [(row["from_status"], row["to_status"], row["role"]) for row in stored["history"]] == [
        ("", "pending_payment", "customer")
    ]
    assert stored["history"][0]["created_at"] == now
    assert stored["cart"]["checked_out_at"] == stored["cart"]["updated_at"] == now
    assert dict(
        ProductVariant.objects.filter(pk__in=[v.pk for v in variants]).values_list("pk", "stock")
    ) == {
        variants[0].pk: 18,
        variants[1].pk: 18,
    }


def test_a_line_the_stock_update_finds_short_rolls_the_whole_checkout_back(api_client, monkeypatch):
    """A line the stock UPDATE finds short (read stale, as without row locks) leaves nothing written."""
    plenty, scarce = VariantFactory(stock=10), VariantFactory(stock=5)
    token = cart_with(api_client, (plenty, 3), (scarce, 2))
    ProductVariant.objects.filter(pk=scarce.pk).update(stock=1)  # another order took four meanwhile
    read_locked = checkout_service._cart_items_locked

    def read_before_the_other_order(**kwargs):
        items = read_locked(**kwargs)
        for item in items:
            if item.variant_id == scarce.pk:
                item.variant.stock = 5
        return items

    monkeypatch.setattr(checkout_service, "_cart_items_locked", read_before_the_other_order)
    with CaptureQueriesContext(connection) as captured:
        response = checkout(api_client, token)

    assert response.status_code == 409
    error = response.json()["errors"][0]
    assert error["code"] == "insufficient_stock"
    assert error["detail"] == f"Only 1 of {scarce.sku} in stock, 2 requested."
    assert not [sql for sql in _statements(captured) if sql.startswith("INSERT")]
    assert (Order.objects.count(), OrderLine.objects.count(), OrderStatusChange.objects.count()) == (0, 0, 0)
    assert dict(ProductVariant.objects.filter(pk__in=[plenty.pk, scarce.pk]).values_list("pk", "stock")) == {
        plenty.pk: 10,
        scarce.pk: 1,
    }
    assert Cart.objects.get(token=token).checked_out_at is None


def test_a_key_taken_while_the_cart_was_read_is_answered_as_a_replay(api_client, variant):
    """Inside the writes, the unique key refuses a second order for one checkout: the first answers."""
    token = cart_with(api_client, (variant, 1))
    first = checkout(api_client, token, key="twice")
    Cart.objects.filter(token=token).update(checked_out_at=None)  # as if read before the first committed
    second = checkout(api_client, token, key="twice")
    assert first.status_code == second.status_code == 201
    assert second.json()["number"] == first.json()["number"]
    assert second.headers["Idempotent-Replayed"] == "true"
    assert Order.objects.count() == 1
    assert ProductVariant.objects.get(pk=variant.pk).stock == 9


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
