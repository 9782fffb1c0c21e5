"""Every (from, to, role) combination behaves as the table in ``orders.statuses`` says."""

import itertools

import pytest

from orders.exceptions import InvalidTransition
from orders.models import Order, OrderStatusChange, Payment
from orders.services.transitions import order_create, order_transition, payment_transition
from orders.statuses import OrderStatus, PaymentStatus, Role, is_allowed, next_statuses
from tests.orders.factories import place_order

S, CUSTOMER, STAFF, SYSTEM = OrderStatus, Role.CUSTOMER, Role.STAFF, Role.SYSTEM

# The order's life as the shop promises it (docs/policy.md, docs/api.md), written out here rather
# than read from ``orders.statuses``: (from, to) -> who may make the move. Every other move is refused.
EXPECTED = {
    ("", S.PENDING_PAYMENT): {CUSTOMER, STAFF},  # staff: an exchange to a dearer item
    ("", S.PAID): {STAFF},
    (S.PENDING_PAYMENT, S.PAID): {SYSTEM},
    (S.PENDING_PAYMENT, S.PAYMENT_FAILED): {SYSTEM},
    (S.PENDING_PAYMENT, S.CANCELLED): {CUSTOMER, STAFF},
    (S.PENDING_PAYMENT, S.EXPIRED): {SYSTEM},
    (S.PAYMENT_FAILED, S.PENDING_PAYMENT): {CUSTOMER, SYSTEM},
    (S.PAYMENT_FAILED, S.PAID): {SYSTEM},
    (S.PAYMENT_FAILED, S.CANCELLED): {CUSTOMER, STAFF},
    (S.PAYMENT_FAILED, S.EXPIRED): {SYSTEM},
    (S.PAID, S.SHIPPED): {STAFF},
    (S.PAID, S.CANCELLED): {CUSTOMER, STAFF},
    (S.PAID, S.AWAITING_IMPRESSION): {SYSTEM},
    (S.PAID, S.IN_PRODUCTION): {SYSTEM},
    (S.AWAITING_IMPRESSION, S.IN_PRODUCTION): {STAFF},
    (S.AWAITING_IMPRESSION, S.CANCELLED): {CUSTOMER, STAFF},
    (S.IN_PRODUCTION, S.SHIPPED): {STAFF},
    (S.IN_PRODUCTION, S.CANCELLED): {STAFF},
    (S.SHIPPED, S.DELIVERED): {STAFF},
}

ALL = list(itertools.product(OrderStatus.values, OrderStatus.values, Role.values))
CREATIONS = list(itertools.product(OrderStatus.values, Role.values))


def _expected(from_status: str, to_status: str, role: str) -> bool:
    return role in EXPECTED.get((from_status, to_status), set())


def test_the_table_is_the_one_written_here():
    """The production table allows exactly the moves written out above, for exactly those roles."""
    for from_status, to_status, role in [*ALL, *(("", to, role) for to, role in CREATIONS)]:
        assert is_allowed(from_status, to_status, role) is _expected(from_status, to_status, role), (
            from_status,
            to_status,
            role,
        )


def test_the_table_is_what_the_contract_says():
    """pending_payment → paid → shipped → delivered; cancel before shipment; failures and expiry."""
    assert next_statuses(S.PENDING_PAYMENT, Role.CUSTOMER) == [S.CANCELLED]
    assert set(next_statuses(S.PENDING_PAYMENT, Role.SYSTEM)) == {S.PAID, S.PAYMENT_FAILED, S.EXPIRED}
    assert set(next_statuses(S.PAID, Role.STAFF)) == {S.SHIPPED, S.CANCELLED}
    assert next_statuses(S.SHIPPED, Role.STAFF) == [S.DELIVERED]
    assert next_statuses(S.SHIPPED, Role.CUSTOMER) == []
    for terminal in (S.DELIVERED, S.CANCELLED, S.EXPIRED):
        assert all(next_statuses(terminal, role) == [] for role in Role.values)
    # Nothing ever goes back to an earlier step of the happy path.
    assert not any(to == S.PAID and frm in (S.SHIPPED, S.DELIVERED) for frm, to in EXPECTED)


@pytest.mark.django_db
@pytest.mark.parametrize(("to_status", "role"), CREATIONS)
def test_order_create_starts_only_where_the_table_allows(to_status, role, staff_user):
    """Checkout creates orders pending payment (customer), staff replacements paid; nothing else."""
    template = place_order()
    order = Order(
        email="new@example.com",
        currency=template.currency,
        subtotal=template.subtotal,
        shipping_total=template.shipping_total,
        total=template.total,
        shipping_address=template.shipping_address,
        shipping_method_code=template.shipping_method_code,
        shipping_method_name=template.shipping_method_name,
    )
    if _expected("", to_status, role):
        change = order_create(order=order, to_status=to_status, actor=staff_user, role=role, note="created")
        stored = Order.objects.get(pk=order.pk)
        assert stored.status == to_status
        assert (change.from_status, change.to_status, change.role, change.actor, change.note) == (
            "",
            to_status,
            role,
            staff_user,
            "created",
        )
        assert (stored.paid_at is not None) is (to_status == S.PAID)
    else:
        with pytest.raises(InvalidTransition):
            order_create(order=order, to_status=to_status, role=role, note="created")
        assert not Order.objects.filter(email="new@example.com").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("from_status", "to_status", "role"), ALL)
def test_order_transition_follows_the_table(from_status, to_status, role, staff_user):
    order = place_order()
    Order.objects.filter(pk=order.pk).update(status=from_status)  # put the order in the state under test
    order.refresh_from_db()
    before = OrderStatusChange.objects.filter(order=order).count()
    if _expected(from_status, to_status, role):
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


P = PaymentStatus
# A payment attempt's moves, written out: a pending attempt succeeds, fails or is voided; money the
# provider reports after a failure or a void is still recorded. Nothing else moves.
EXPECTED_PAYMENT_MOVES = {
    (P.PENDING, P.SUCCEEDED),
    (P.PENDING, P.FAILED),
    (P.PENDING, P.CANCELLED),
    (P.FAILED, P.SUCCEEDED),
    (P.CANCELLED, P.SUCCEEDED),
}


@pytest.mark.django_db
@pytest.mark.parametrize(("from_status", "to_status"), list(itertools.product(P.values, P.values)))
def test_payment_transition_follows_its_table(from_status, to_status):
    payment = place_order().payments.get()
    Payment.objects.filter(pk=payment.pk).update(status=from_status, failure_reason="before")
    payment.refresh_from_db()
    moved = payment_transition(payment=payment, to_status=to_status, failure_reason="after")
    stored = Payment.objects.get(pk=payment.pk)
    if (from_status, to_status) in EXPECTED_PAYMENT_MOVES:
        assert moved is True
        assert (stored.status, stored.failure_reason) == (to_status, "after")
    else:
        assert moved is False
        assert (stored.status, stored.failure_reason) == (from_status, "before")
