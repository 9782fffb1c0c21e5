"""A code's use comes back when its order is cancelled or expires, once; a delivered order keeps it."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from orders.discounts.exceptions import DiscountNotApplicable
from orders.discounts.models import DiscountCode
from orders.exceptions import InvalidTransition
from orders.models import Order
from orders.services.orders import order_cancel, order_expire, orders_expire_unpaid
from orders.services.transitions import order_transition
from orders.statuses import OrderStatus, Role
from tests.discounts.helpers import code, delivered_with, insole, place
from tests.orders.factories import pay

pytestmark = pytest.mark.django_db


def uses(name: str) -> int:
    return DiscountCode.objects.get(code=name).times_used


def test_an_order_that_expires_unpaid_gives_its_use_back_to_a_code_limited_to_one(settings):
    settings.SHOP_PAYMENT_DEADLINE_MINUTES = 30
    code("ONE", value="10", usage_limit=1, once_per_customer=False)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        first = place([(insole("30.00"), 1)], discount="ONE", email="ada@example.com")
        assert uses("ONE") == 1
        with pytest.raises(DiscountNotApplicable) as refused:
            place([(insole("30.00"), 1)], discount="ONE", email="bob@example.com")
        assert refused.value.code == "discount_used_up"
        clock.shift(timedelta(minutes=30))
        assert orders_expire_unpaid() == 1
    assert Order.objects.get(pk=first.pk).status == "expired"
    assert uses("ONE") == 0
    second = place([(insole("30.00"), 1)], discount="ONE", email="bob@example.com")
    assert second.discount_code_id == "ONE"
    assert str(second.discount_total) == "3.00"
    assert uses("ONE") == 1


def test_a_customer_whose_first_order_was_cancelled_can_use_a_once_per_customer_code_again(customer):
    code("ONCE", value="10")
    first = place([(insole("30.00"), 1)], discount="ONCE", user=customer)
    with pytest.raises(DiscountNotApplicable) as refused:
        place([(insole("30.00"), 1)], discount="ONCE", user=customer)
    assert refused.value.code == "discount_already_used"
    order_cancel(order=first, actor=customer, role=Role.CUSTOMER)
    assert uses("ONCE") == 0
    again = place([(insole("30.00"), 1)], discount="ONCE", user=customer)
    assert str(again.discount_total) == "3.00"
    assert uses("ONCE") == 1


def test_a_guest_whose_unpaid_order_expired_can_use_the_code_again_by_email():
    code("ONCE", value="10")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        first = place([(insole("30.00"), 1)], discount="ONCE", email="ada@example.com")
        clock.shift(timedelta(minutes=31))
        assert order_expire(order=first) is True
    again = place([(insole("30.00"), 1)], discount="ONCE", email="ADA@example.com")
    assert again.discount_code_id == "ONCE"
    assert uses("ONCE") == 1


def test_a_paid_order_cancelled_by_staff_and_refunded_gives_its_use_back(staff_user):
    code("LIMITED", value="10", usage_limit=1)
    order = pay(place([(insole("30.00"), 1)], discount="LIMITED"))
    assert order.status == "paid"
    order_cancel(order=order, actor=staff_user, role=Role.STAFF, reason="Out of stock at the supplier.")
    order.refresh_from_db()
    assert order.status == "cancelled"
    assert str(order.refunded_total) == "31.90"  # 27.00 for the goods and 4.90 shipping, all of it
    assert uses("LIMITED") == 0


def test_a_delivered_order_keeps_its_use(staff_user, customer):
    code("ONCE", value="10", usage_limit=5)
    delivered_with([(insole("30.00"), 1)], discount="ONCE", staff=staff_user, user=customer)
    assert uses("ONCE") == 1
    with pytest.raises(DiscountNotApplicable) as refused:
        place([(insole("30.00"), 1)], discount="ONCE", user=customer)
    assert refused.value.code == "discount_already_used"
    assert uses("ONCE") == 1


def test_cancelling_twice_or_expiring_a_cancelled_order_gives_the_use_back_only_once():
    code("MANY", value="10", once_per_customer=False)
    kept = place([(insole("30.00"), 1)], discount="MANY")
    cancelled = place([(insole("30.00"), 1)], discount="MANY")
    assert uses("MANY") == 2
    order_cancel(order=cancelled, actor=None)
    assert uses("MANY") == 1
    with pytest.raises(InvalidTransition):
        order_cancel(order=cancelled, actor=None)
    with pytest.raises(InvalidTransition):
        order_transition(order=cancelled, to_status=OrderStatus.EXPIRED, role=Role.SYSTEM)
    with time_machine.travel(timezone.now() + timedelta(hours=1), tick=False):
        assert order_expire(order=cancelled) is False
        assert orders_expire_unpaid() == 1  # only the other order, which gives its own use back
    assert Order.objects.get(pk=kept.pk).status == "expired"
    assert uses("MANY") == 0


def test_the_count_never_goes_below_zero():
    code("ZERO", value="10")
    order = place([(insole("30.00"), 1)], discount="ZERO")
    DiscountCode.objects.filter(code="ZERO").update(times_used=0)  # e.g. counted before uses came back
    order_cancel(order=order, actor=None)
    assert Order.objects.get(pk=order.pk).status == "cancelled"
    assert uses("ZERO") == 0


def test_giving_the_use_back_is_one_statement_and_orders_without_a_code_run_none():
    code("ONE", value="10")
    with_code = place([(insole("30.00"), 1)], discount="ONE")
    without = place([(insole("30.00"), 1)], discount=None, email="bob@example.com")
    table = DiscountCode._meta.db_table
    with CaptureQueriesContext(connection) as cancelling_with:
        order_cancel(order=with_code, actor=None)
    with CaptureQueriesContext(connection) as cancelling_without:
        order_cancel(order=without, actor=None)
    touching_codes = [q["sql"] for q in cancelling_with.captured_queries if table in q["sql"]]
    assert len(touching_codes) == 1 and touching_codes[0].startswith("UPDATE")
    assert [q for q in cancelling_without.captured_queries if table in q["sql"]] == []
