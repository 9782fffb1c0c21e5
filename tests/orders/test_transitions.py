"""Every (from, to, role) combination behaves as the table in ``orders.statuses`` says."""

import itertools

import pytest

from orders.exceptions import InvalidTransition
from orders.models import Order, OrderStatusChange
from orders.services.orders import order_transition
from orders.statuses import TRANSITIONS, OrderStatus, Role, is_allowed, next_statuses
from tests.orders.factories import place_order

ALL = list(itertools.product(OrderStatus.values, OrderStatus.values, Role.values))


def test_the_table_is_what_the_contract_says():
    """pending_payment → paid → shipped → delivered; cancel before shipment; failures and expiry."""
    S = OrderStatus
    assert next_statuses(S.PENDING_PAYMENT, Role.CUSTOMER) == [S.CANCELLED]
    assert set(next_statuses(S.PENDING_PAYMENT, Role.SYSTEM)) == {S.PAID, S.PAYMENT_FAILED, S.EXPIRED}
    assert set(next_statuses(S.PAID, Role.STAFF)) == {S.SHIPPED, S.CANCELLED}
    assert next_statuses(S.SHIPPED, Role.STAFF) == [S.DELIVERED]
    assert next_statuses(S.SHIPPED, Role.CUSTOMER) == []
    for terminal in (S.DELIVERED, S.CANCELLED, S.EXPIRED):
        assert all(next_statuses(terminal, role) == [] for role in Role.values)
    # Nothing ever goes back to an earlier step of the happy path.
    assert not any(to == S.PAID and frm in (S.SHIPPED, S.DELIVERED) for frm, to in TRANSITIONS)


@pytest.mark.django_db
@pytest.mark.parametrize(("from_status", "to_status", "role"), ALL)
def test_order_transition_follows_the_table(from_status, to_status, role, staff_user):
    order = place_order()
    Order.objects.filter(pk=order.pk).update(status=from_status)  # put the order in the state under test
    order.refresh_from_db()
    before = OrderStatusChange.objects.filter(order=order).count()
    if is_allowed(from_status, to_status, role):
        order_transition(order=order, to_status=to_status, role=role, actor=staff_user, note="test")
        order.refresh_from_db()
        assert order.status == to_status
        change = OrderStatusChange.objects.filter(order=order).last()
        assert (change.from_status, change.to_status, change.role, change.actor, change.note) == (
            from_status,
            to_status,
            role,
            staff_user,
            "test",
        )
    else:
        with pytest.raises(InvalidTransition) as refusal:
            order_transition(order=order, to_status=to_status, role=role)
        assert refusal.value.code == "invalid_transition"
        order.refresh_from_db()
        assert order.status == from_status
        assert OrderStatusChange.objects.filter(order=order).count() == before
