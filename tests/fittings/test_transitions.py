"""The custom-orthotic statuses in the transition table, and the lab's steps through the services."""

import pytest
from django.core import mail

from orders.exceptions import InvalidTransition, ReasonRequired
from orders.fittings.exceptions import BuildAlreadyMade, ImpressionNotExpected, NotInProduction
from orders.fittings.services import (
    fitting_impression_receive,
    orthotic_build_mark_made,
    orthotic_build_record,
)
from orders.services.orders import order_cancel, order_ship
from orders.services.transitions import order_transition
from orders.statuses import HOLDS_STOCK, NOTIFY, OrderStatus, Role, is_allowed, next_statuses
from tests.fittings.helpers import paid_custom_order

S = OrderStatus


def test_the_table_has_the_custom_orthotic_steps():
    """paid → (awaiting_impression →) in_production → shipped; customer cancels only before production."""
    assert set(next_statuses(S.PAID, Role.SYSTEM)) == {S.AWAITING_IMPRESSION, S.IN_PRODUCTION}
    assert next_statuses(S.AWAITING_IMPRESSION, Role.SYSTEM) == []
    assert set(next_statuses(S.AWAITING_IMPRESSION, Role.STAFF)) == {S.IN_PRODUCTION, S.CANCELLED}
    assert next_statuses(S.AWAITING_IMPRESSION, Role.CUSTOMER) == [S.CANCELLED]
    assert set(next_statuses(S.IN_PRODUCTION, Role.STAFF)) == {S.SHIPPED, S.CANCELLED}
    assert next_statuses(S.IN_PRODUCTION, Role.CUSTOMER) == []
    assert next_statuses(S.IN_PRODUCTION, Role.SYSTEM) == []
    # Nobody skips the impression, and nothing goes back into production.
    assert not is_allowed(S.AWAITING_IMPRESSION, S.SHIPPED, Role.STAFF)
    assert not any(is_allowed(frm, S.AWAITING_IMPRESSION, role) for frm in (S.IN_PRODUCTION, S.SHIPPED)
                   for role in Role.values)  # fmt: skip
    assert {S.AWAITING_IMPRESSION, S.IN_PRODUCTION} <= HOLDS_STOCK
    assert {S.AWAITING_IMPRESSION, S.IN_PRODUCTION} <= NOTIFY


def test_customer_cannot_cancel_in_production_staff_can_with_a_reason(
    customer, staff_user, custom_variant, complete_fitting, customer_client
):
    order = paid_custom_order(user=customer, variant=custom_variant, fitting=complete_fitting)
    assert order.status == S.IN_PRODUCTION

    response = customer_client.post(f"/api/v1/orders/{order.number}/cancel/", {}, format="json")
    assert response.status_code == 409 and response.json()["errors"][0]["code"] == "invalid_transition"
    with pytest.raises(ReasonRequired):
        order_cancel(order=order, actor=staff_user, role=Role.STAFF, reason=" ")
    order.refresh_from_db()
    assert order.status == S.IN_PRODUCTION

    order_cancel(order=order, actor=staff_user, role=Role.STAFF, reason="Lab cannot make this size.")
    order.refresh_from_db()
    custom_variant.refresh_from_db()
    assert order.status == S.CANCELLED and order.cancellation_reason == "Lab cannot make this size."
    assert custom_variant.stock == 50  # reserved stock released


def test_customer_can_cancel_while_the_impression_is_awaited(
    customer, custom_variant, kit_fitting, customer_client
):
    order = paid_custom_order(user=customer, variant=custom_variant, fitting=kit_fitting)
    assert order.status == S.AWAITING_IMPRESSION
    response = customer_client.post(f"/api/v1/orders/{order.number}/cancel/", {}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"


def test_impression_arrival_starts_production_once(customer, staff_user, custom_variant, kit_fitting):
    order = paid_custom_order(user=customer, variant=custom_variant, fitting=kit_fitting)
    kit_fitting.refresh_from_db()

    fitting_impression_receive(fitting=kit_fitting, actor=staff_user)
    fitting_impression_receive(fitting=kit_fitting, actor=staff_user)  # repeated: nothing more happens

    order.refresh_from_db()
    kit_fitting.refresh_from_db()
    assert order.status == S.IN_PRODUCTION
    assert kit_fitting.impression_received_by == staff_user and kit_fitting.impression_received_at
    changes = list(order.status_changes.values_list("to_status", "role"))
    assert changes[-2:] == [(S.AWAITING_IMPRESSION, Role.SYSTEM), (S.IN_PRODUCTION, Role.STAFF)]


def test_an_impression_is_refused_for_a_fitting_with_footprints(
    customer, staff_user, custom_variant, complete_fitting
):
    paid_custom_order(user=customer, variant=custom_variant, fitting=complete_fitting)
    complete_fitting.refresh_from_db()
    with pytest.raises(ImpressionNotExpected):
        fitting_impression_receive(fitting=complete_fitting, actor=staff_user)


def test_the_lab_records_the_build_marks_it_made_and_ships(customer, staff_user, custom_variant, kit_fitting):
    order = paid_custom_order(user=customer, variant=custom_variant, fitting=kit_fitting)
    build = order.lines.get().orthotic_build
    with pytest.raises(NotInProduction):
        orthotic_build_mark_made(build=build, actor=staff_user)
    with pytest.raises(InvalidTransition):
        order_ship(order=order, actor=staff_user, carrier="DHL", tracking_number="1")
    kit_fitting.refresh_from_db()
    fitting_impression_receive(fitting=kit_fitting, actor=staff_user)

    build = orthotic_build_record(build=build, actor=staff_user, shell="polypropylene", posting="medial",
                                  top_cover="leather", heel_lift_left_mm=5, heel_lift_right_mm=0)  # fmt: skip
    build = orthotic_build_mark_made(build=build, actor=staff_user)
    assert build.made_by == staff_user and build.made_at is not None
    with pytest.raises(BuildAlreadyMade):
        orthotic_build_record(build=build, actor=staff_user, lab_notes="too late")
    with pytest.raises(BuildAlreadyMade):
        orthotic_build_mark_made(build=build, actor=staff_user)

    order_ship(order=order, actor=staff_user, carrier="DHL", tracking_number="JJD1")
    order.refresh_from_db()
    assert order.status == S.SHIPPED


def test_emails_go_out_for_the_new_statuses(
    customer, staff_user, custom_variant, kit_fitting, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = paid_custom_order(user=customer, variant=custom_variant, fitting=kit_fitting)
    subjects = [message.subject for message in mail.outbox]
    assert f"Order {order.number}: your impression kit is on its way" in subjects
    kit_fitting.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        fitting_impression_receive(fitting=kit_fitting, actor=staff_user)
    message = mail.outbox[-1]
    assert message.subject == f"Order {order.number} is being made"
    assert "working days" in message.body and "We expect to ship them on" in message.body
    assert "We expect to ship them on" in message.alternatives[0][0]


def test_a_non_custom_paid_order_stays_paid(customer, variant):
    from tests.orders.factories import paid_order

    order = paid_order(user=customer, items=[(variant, 1)])
    assert order.status == S.PAID
    with pytest.raises(InvalidTransition):
        order_transition(order=order, to_status=S.IN_PRODUCTION, role=Role.STAFF)
