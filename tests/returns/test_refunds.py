"""Refunding requests: the policy's amount, the cap, never twice, and Stripe through the real library."""

from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from orders.exceptions import ReasonRequired, RefundExceedsCaptured
from orders.models import Refund
from orders.returns import policy
from orders.returns import selectors as return_selectors
from orders.returns import services as returns
from orders.returns.exceptions import InvalidReturnTransition, RefundExceedsPolicy
from orders.services.orders import order_deliver, order_ship
from orders.services.payments import refund_create
from shop.api.exception_handler import STATUS_BY_KIND
from tests.factories import VariantFactory
from tests.orders.factories import place_order
from tests.orders.fake_stripe import CARD_DECLINED
from tests.orders.test_webhooks import intent_event, post_event
from tests.returns.helpers import delivered, reload, request_for

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def two_line_order(customer, staff_user):
    """2 × 39.90 and 1 × 20.00, shipping 4.90: 104.70 captured."""
    return delivered(
        staff=staff_user,
        user=customer,
        items=[
            (VariantFactory(price=D("39.90"), stock=9), 2),
            (VariantFactory(price=D("20.00"), stock=9), 1),
        ],
    )


def lines_of(order):
    return list(order.lines.order_by("pk"))


def approved(order, staff, **kwargs):
    request = request_for(order, **kwargs)
    returns.return_request_approve(return_request=request, actor=staff)
    return request


def test_a_partial_return_refunds_unit_price_times_accepted_quantity_without_shipping(
    two_line_order, staff_user
):
    first, _second = lines_of(two_line_order)
    request = approved(two_line_order, staff_user, quantities={first: 1}, reason="defective")
    returns.return_request_refund(return_request=request, actor=staff_user)
    two_line_order.refresh_from_db()
    assert two_line_order.refunded_total == D("39.90")  # a shop fault, but not the whole order: no shipping


def test_the_whole_order_back_for_a_shop_fault_refunds_shipping_too(two_line_order, staff_user):
    request = approved(two_line_order, staff_user, reason="wrong_item")
    quote = return_selectors.return_request_refund_quote(return_request=request)
    assert (quote.items, quote.shipping, quote.total) == (D("99.80"), D("4.90"), D("104.70"))
    returns.return_request_refund(return_request=request, actor=staff_user)
    two_line_order.refresh_from_db()
    assert two_line_order.refunded_total == two_line_order.captured_total == D("104.70")


def test_the_whole_order_back_because_the_customer_changed_their_mind_keeps_shipping(
    two_line_order, staff_user
):
    request = approved(two_line_order, staff_user, reason="changed_mind")
    returns.return_request_refund(return_request=request, actor=staff_user)
    two_line_order.refresh_from_db()
    assert two_line_order.refunded_total == D("99.80")


def test_received_quantity_is_what_is_refunded(two_line_order, staff_user):
    first, second = lines_of(two_line_order)
    request = approved(two_line_order, staff_user, reason="wrong_item")
    by_line = {line.order_line_id: line.pk for line in request.lines.all()}
    returns.return_request_receive(
        return_request=request, actor=staff_user,
        received={by_line[first.pk]: returns.ReceivedLineInput(quantity=1), by_line[second.pk]:
                  returns.ReceivedLineInput(quantity=1)},
    )  # fmt: skip
    quote = return_selectors.return_request_refund_quote(return_request=request)
    assert (quote.items, quote.shipping) == (D("59.90"), D("0.00"))  # one unit did not come back: not whole


def test_the_refund_is_capped_at_what_is_still_refundable_and_more_is_refused(two_line_order, staff_user):
    refund_create(order=two_line_order, amount=D("80.00"), actor=staff_user, reason="goodwill gesture")
    request = approved(two_line_order, staff_user, reason="wrong_item")
    quote = return_selectors.return_request_refund_quote(return_request=request)
    assert (quote.due, quote.refundable, quote.total, quote.capped) == (
        D("104.70"),
        D("24.70"),
        D("24.70"),
        True,
    )
    with pytest.raises(RefundExceedsCaptured):
        returns.return_request_refund(return_request=request, actor=staff_user, amount=D("24.71"))
    assert reload(request).status == "approved"
    returns.return_request_refund(return_request=request, actor=staff_user)
    two_line_order.refresh_from_db()
    assert two_line_order.refunded_total == D("104.70")


def test_one_cent_above_the_policy_amount_is_refused_and_nothing_is_written(two_line_order, staff_user):
    first, _second = lines_of(two_line_order)
    request = approved(two_line_order, staff_user, quantities={first: 1}, reason="defective")
    quote = return_selectors.return_request_refund_quote(return_request=request)
    assert (quote.due, quote.refundable, quote.total) == (D("39.90"), D("104.70"), D("39.90"))
    with pytest.raises(RefundExceedsPolicy) as refused:
        returns.return_request_refund(return_request=request, actor=staff_user, amount=D("39.91"))
    assert refused.value.code == "refund_exceeds_policy" and STATUS_BY_KIND[refused.value.kind] == 409
    assert "39.90" in refused.value.detail
    request = reload(request)
    assert request.status == "approved" and request.refunds.count() == 0 and Refund.objects.count() == 0
    assert [change.to_status for change in request.status_changes.all()] == ["requested", "approved"]
    two_line_order.refresh_from_db()
    assert two_line_order.refunded_total == D("0.00")


def test_exactly_the_policy_amount_or_less_is_refunded(two_line_order, staff_user):
    first, second = lines_of(two_line_order)
    exact = approved(two_line_order, staff_user, quantities={first: 1}, reason="defective")
    returns.return_request_refund(return_request=exact, actor=staff_user, amount=D("39.90"))
    less = approved(two_line_order, staff_user, quantities={second: 1}, reason="changed_mind")
    returns.return_request_refund(return_request=less, actor=staff_user, amount=D("15.00"))
    assert (reload(exact).status, reload(less).status) == ("refunded", "refunded")
    assert [refund.amount for refund in Refund.objects.order_by("pk")] == [D("39.90"), D("15.00")]
    two_line_order.refresh_from_db()
    assert two_line_order.refunded_total == D("54.90")


def test_the_policy_cap_is_the_due_capped_at_what_is_still_refundable(two_line_order, staff_user):
    refund_create(order=two_line_order, amount=D("80.00"), actor=staff_user, reason="goodwill gesture")
    request = approved(two_line_order, staff_user, reason="wrong_item")  # due 104.70, refundable 24.70
    with pytest.raises(RefundExceedsCaptured):
        returns.return_request_refund(return_request=request, actor=staff_user, amount=D("24.71"))
    assert reload(request).refunds.count() == 0
    returns.return_request_refund(return_request=request, actor=staff_user, amount=D("24.70"))
    assert reload(request).status == "refunded"


def test_nothing_left_to_refund_is_refund_exceeds_captured(two_line_order, staff_user):
    refund_create(order=two_line_order, amount=two_line_order.captured_total, actor=staff_user)
    request = approved(two_line_order, staff_user)
    with pytest.raises(RefundExceedsCaptured):
        returns.return_request_refund(return_request=request, actor=staff_user)


def test_a_repeated_refund_action_does_not_refund_twice(two_line_order, staff_user):
    first, _ = lines_of(two_line_order)
    request = approved(two_line_order, staff_user, quantities={first: 1})
    returns.return_request_refund(return_request=request, actor=staff_user)
    with pytest.raises(InvalidReturnTransition):
        returns.return_request_refund(return_request=request, actor=staff_user)
    with pytest.raises(InvalidReturnTransition):
        returns.return_request_refund(return_request=reload(request), actor=staff_user)
    assert Refund.objects.count() == 1 and reload(request).refunds.count() == 1
    two_line_order.refresh_from_db()
    assert two_line_order.refunded_total == D("39.90")


def test_a_replacement_that_cannot_be_made_is_refunded_instead_whatever_the_date(customer, staff_user):
    order = delivered(staff=staff_user, user=customer)
    request = approved(order, staff_user, kind="replacement", reason="defective")
    with pytest.raises(ReasonRequired):
        returns.return_request_refund(return_request=request, actor=staff_user)
    with time_machine.travel(timezone.now() + timezone.timedelta(days=90), tick=False):
        returns.return_request_refund(return_request=request, actor=staff_user, note="Discontinued")
    request = reload(request)
    assert request.status == "refunded"
    assert "instead of a replacement: Discontinued" in request.status_changes.last().note
    order.refresh_from_db()
    assert order.refunded_total == D("79.80") + D("4.90")  # the whole order, defective: shipping too


def test_the_refund_quote_is_pure():
    lines = [policy.RefundLine(unit_price=D("10.05"), quantity=3, ordered_quantity=3)]
    assert policy.refund_quote(lines=lines, whole_order=True, reason="damaged_in_transit",
                               shipping_total=D("4.90"), refundable=D("100")).total == D("35.05")  # fmt: skip
    assert policy.refund_quote(lines=lines, whole_order=True, reason="not_comfortable",
                               shipping_total=D("4.90"), refundable=D("100")).total == D("30.15")  # fmt: skip
    assert policy.refund_quote(lines=lines, whole_order=False, reason="defective",
                               shipping_total=D("4.90"), refundable=D("12")).total == D("12.00")  # fmt: skip
    assert policy.is_whole_order(ordered={1: 2, 2: 1}, returned={1: 2, 2: 1})
    assert not policy.is_whole_order(ordered={1: 2, 2: 1}, returned={1: 2})


def test_a_stripe_refund_goes_through_the_real_library_with_the_refund_idempotency_key(
    api_client, customer, staff_user, fake_stripe
):
    order = place_order(user=customer, items=[(VariantFactory(price=D("39.90"), stock=5), 2)])
    post_event(api_client, intent_event(order))
    order.refresh_from_db()
    order_ship(order=order, actor=staff_user, carrier="DHL", tracking_number="T1")
    order_deliver(order=order, actor=staff_user)
    first = order.lines.get()
    request = approved(order, staff_user, quantities={first: 1})
    fake_stripe.queue(200, {"id": "re_slow", "object": "refund", "amount": 3990, "status": "pending"})

    returns.return_request_refund(return_request=request, actor=staff_user)

    refund = reload(request).refunds.get()
    sent = [r for r in fake_stripe.sent if r.path == "/v1/refunds"]
    assert len(sent) == 1
    assert sent[0].headers["Idempotency-Key"] == f"refund:{refund.pk}"
    assert sent[0].form["amount"] == "3990"
    assert sent[0].form["payment_intent"] == order.payments.get().provider_reference
    assert (refund.status, refund.provider_reference) == ("pending", "re_slow")

    # Repeating the action while Stripe has not settled it sends the same refund, with the same key.
    returns.return_request_refund(return_request=request, actor=staff_user)
    sent = [r for r in fake_stripe.sent if r.path == "/v1/refunds"]
    assert [r.headers["Idempotency-Key"] for r in sent] == [f"refund:{refund.pk}"] * 2
    assert Refund.objects.count() == 1

    # The refund webhook reconciles it.
    event = {"id": "evt_re", "type": "refund.updated",
             "data": {"object": {"id": "re_slow", "object": "refund", "status": "succeeded"}}}  # fmt: skip
    assert post_event(api_client, event).status_code == 200
    order.refresh_from_db()
    assert order.refunded_total == D("39.90")


def test_a_declined_refund_can_be_tried_again_as_a_new_refund(customer, staff_user, api_client, fake_stripe):
    order = place_order(user=customer, items=[(VariantFactory(price=D("39.90"), stock=5), 1)])
    post_event(api_client, intent_event(order))
    order_ship(order=order, actor=staff_user, carrier="DHL", tracking_number="T1")
    order_deliver(order=order, actor=staff_user)
    request = approved(order, staff_user)
    fake_stripe.queue(402, CARD_DECLINED)
    returns.return_request_refund(return_request=request, actor=staff_user)
    assert [r.status for r in reload(request).refunds.all()] == ["failed"]
    order.refresh_from_db()
    assert order.needs_attention and order.refunded_total == 0

    returns.return_request_refund(return_request=request, actor=staff_user)
    assert [r.status for r in reload(request).refunds.order_by("pk")] == ["failed", "succeeded"]
    history = [
        (c.from_status, c.to_status, c.note.split(".")[0]) for c in reload(request).status_changes.all()
    ]
    assert history[-2:] == [("approved", "refunded", "Refund of 39"), ("refunded", "refunded", "Retried")]
    keys = [r.headers["Idempotency-Key"] for r in fake_stripe.sent if r.path == "/v1/refunds"]
    assert len(set(keys)) == 2  # a new refund record, a new key
    with pytest.raises(InvalidReturnTransition):
        returns.return_request_refund(return_request=request, actor=staff_user)
    order.refresh_from_db()
    assert order.refunded_total == D("39.90")
