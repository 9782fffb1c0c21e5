"""The whole life of a return and of a replacement, through the services."""

from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from orders.exceptions import InvalidInput
from orders.returns import services as returns
from orders.returns.exceptions import InvalidReturnTransition, QuantityExceedsRemaining, ReturnWindowClosed
from tests.returns.helpers import delivered, reload, request_for

pytestmark = pytest.mark.django_db


def test_a_return_goes_requested_approved_received_refunded_closed(customer, staff_user):
    order = delivered(staff=staff_user, user=customer)
    request = request_for(order)
    returns.return_request_approve(return_request=request, actor=staff_user)
    returns.return_request_receive(return_request=request, actor=staff_user)
    returns.return_request_refund(return_request=request, actor=staff_user)
    returns.return_request_close(return_request=request, actor=staff_user)
    request = reload(request)
    assert request.status == "closed"
    assert [(c.from_status, c.to_status) for c in request.status_changes.all()] == [
        ("", "requested"), ("requested", "approved"), ("approved", "received"), ("received", "refunded"),
        ("refunded", "closed"),
    ]  # fmt: skip
    order.refresh_from_db()
    assert order.refunded_total == Decimal("79.80")


def test_staff_accept_a_late_request_as_goodwill_with_a_recorded_reason(customer, staff_user):
    order = delivered(staff=staff_user, user=customer)
    line = order.lines.get()
    with time_machine.travel(timezone.now() + timezone.timedelta(days=10), tick=False):
        with pytest.raises(ReturnWindowClosed):
            request_for(order)
        with pytest.raises(InvalidInput):  # customers cannot claim goodwill
            request_for(order, goodwill_reason="please")
        request = request_for(order, quantities={line: 1}, actor=staff_user, role="staff",
                              goodwill_reason="Customer was in hospital")  # fmt: skip
        with pytest.raises(QuantityExceedsRemaining):  # goodwill lifts the window, not the quantities
            request_for(order, quantities={line: 2}, actor=staff_user, role="staff", goodwill_reason="again")
    request = reload(request)
    assert (request.goodwill_reason, request.goodwill_by) == ("Customer was in hospital", staff_user)
    assert request.status_changes.get().note == "Goodwill: Customer was in hospital"


@pytest.mark.parametrize(
    ("steps", "then"),
    [
        ([], "close"),  # a requested request cannot be closed
        (["approve"], "approve"),  # nor approved twice
        (["reject"], "receive"),
        (["approve", "receive"], "receive"),
    ],
)
def test_the_table_refuses_what_it_does_not_list(customer, staff_user, steps, then):
    request = request_for(delivered(staff=staff_user, user=customer))
    run = {
        "approve": lambda: returns.return_request_approve(return_request=request, actor=staff_user),
        "reject": lambda: returns.return_request_reject(
            return_request=request, actor=staff_user, reason="No"
        ),
        "receive": lambda: returns.return_request_receive(return_request=request, actor=staff_user),
        "close": lambda: returns.return_request_close(return_request=request, actor=staff_user),
    }
    for name in steps:
        run[name]()
    before = reload(request).status_changes.count()
    with pytest.raises(InvalidReturnTransition) as error:
        run[then]()
    assert error.value.code == "invalid_transition"
    assert reload(request).status_changes.count() == before


def test_staff_may_skip_receiving_and_receiving_never_forces_a_refund(customer, staff_user):
    order = delivered(staff=staff_user, user=customer)
    skipped = request_for(order, quantities={order.lines.get(): 1}, reason="defective")
    returns.return_request_approve(return_request=skipped, actor=staff_user)
    returns.return_request_refund(return_request=skipped, actor=staff_user, note="Photo proves the defect")
    assert [c.to_status for c in reload(skipped).status_changes.all()] == [
        "requested",
        "approved",
        "refunded",
    ]
    kept = request_for(order, quantities={order.lines.get(): 1})
    returns.return_request_approve(return_request=kept, actor=staff_user)
    returns.return_request_receive(return_request=kept, actor=staff_user, note="Worn, not refundable")
    returns.return_request_close(return_request=kept, actor=staff_user)
    assert reload(kept).status == "closed" and not reload(kept).refunds.exists()
