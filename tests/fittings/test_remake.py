"""Remakes carry the original fitting and build forward; a custom orthotic is never returnable for a refund."""

from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from orders.fittings.exceptions import NothingToCarryForward, OrthoticNotMade
from orders.fittings.models import Fitting, OrthoticBuild
from orders.fittings.services import (
    fitting_carry_forward,
    orthotic_build_mark_made,
    orthotic_build_record,
)
from orders.models import OrderLine
from orders.returns import policy
from orders.returns import services as returns
from orders.returns.models import ReturnRequest
from orders.services.orders import order_deliver, order_ship
from tests.fittings.helpers import paid_custom_order

COMMENT = "The left arch presses too high; the right heel slips."


@pytest.fixture
def delivered_custom_order(customer, staff_user, custom_variant, complete_fitting):
    order = paid_custom_order(user=customer, variant=custom_variant, fitting=complete_fitting)
    build = order.lines.get().orthotic_build
    orthotic_build_record(build=build, actor=staff_user, shell="polypropylene", posting="medial",
                          top_cover="leather", heel_lift_left_mm=5, heel_lift_right_mm=0,
                          lab_notes="First pair.")  # fmt: skip
    orthotic_build_mark_made(build=build, actor=staff_user)
    order_ship(order=order, actor=staff_user, carrier="DHL", tracking_number="JJD1")
    order_deliver(order=order, actor=staff_user)
    order.refresh_from_db()
    return order


def _replacement_line(order) -> OrderLine:
    """A zero-charge line on a replacement order, as the returns service makes it."""
    original = order.lines.get()
    new_order = type(order).objects.create(
        user=order.user, email=order.email, status="paid", currency=order.currency, subtotal=0,
        shipping_total=0, total=0, shipping_address=order.shipping_address,
        shipping_method_code=order.shipping_method_code, shipping_method_name=order.shipping_method_name,
        replacement_for=order, paid_at=timezone.now(),
    )  # fmt: skip
    return OrderLine.objects.create(
        order=new_order, variant=original.variant, product=original.product, product_kind=original.product_kind,
        product_name=original.product_name, sku=original.sku, size_label=original.size_label, quantity=1,
        unit_price=0, line_total=0, returnable=False, return_days=0, replacement_days=30,
    )  # fmt: skip


def test_a_remake_links_to_the_original_fitting_and_build(delivered_custom_order, complete_fitting):
    original_line = delivered_custom_order.lines.get()
    replacement_line = _replacement_line(delivered_custom_order)

    fitting = fitting_carry_forward(
        original_line=original_line, replacement_line=replacement_line, comment=COMMENT
    )

    assert fitting.original_id == complete_fitting.pk and fitting.remake_comment == COMMENT
    assert fitting.order_line_id == replacement_line.pk and fitting.pk != complete_fitting.pk
    assert (fitting.footprint_left_id, fitting.footprint_right_id, fitting.assessment_id) == (
        complete_fitting.footprint_left_id, complete_fitting.footprint_right_id, complete_fitting.assessment_id
    )  # fmt: skip
    assert fitting.foot_length_mm == Decimal("265.0") and fitting.shoe_type == "athletic"
    build = OrthoticBuild.objects.get(order_line=replacement_line)
    original_build = original_line.orthotic_build
    assert build.remake_of_id == original_build.pk and build.made_at is None and build.lab_notes == ""
    assert (build.shell, build.posting, build.top_cover, build.heel_lift_left_mm) == (
        "polypropylene", "medial", "leather", 5
    )  # fmt: skip
    assert list(complete_fitting.remakes.all()) == [fitting]

    # Repeating the call (a retried request) does not make a second remake fitting.
    again = fitting_carry_forward(
        original_line=original_line, replacement_line=replacement_line, comment=COMMENT
    )
    assert again.pk == fitting.pk and Fitting.objects.filter(original=complete_fitting).count() == 1


def test_a_line_without_a_fitting_cannot_be_carried_forward(delivered_custom_order):
    replacement_line = _replacement_line(delivered_custom_order)
    with pytest.raises(NothingToCarryForward):
        fitting_carry_forward(original_line=replacement_line, replacement_line=replacement_line, comment="")


def test_a_custom_orthotic_return_is_refused_not_returnable_but_a_remake_is_open(delivered_custom_order):
    line = delivered_custom_order.lines.get()
    assert line.returnable is False  # the promise copied at checkout
    eligibility = policy.line_eligibility(
        terms=policy.LineTerms(quantity=line.quantity, returnable=line.returnable, return_days=line.return_days,
                               replacement_days=line.replacement_days, delivered_at=line.delivered_at),
        requested_at=line.delivered_at + timedelta(days=1),
        tz=ZoneInfo("Europe/Berlin"),
    )  # fmt: skip
    assert eligibility.return_reasons_blocked == (policy.NOT_RETURNABLE,)
    assert eligibility.returnable_quantity == 0 and eligibility.replaceable_quantity == 1


def test_the_eligibility_endpoint_tells_the_customer_why(delivered_custom_order, customer_client):
    response = customer_client.get(f"/api/v1/orders/{delivered_custom_order.number}/returns/eligibility/")
    assert response.status_code == 200, response.json()
    body = response.json()
    lines = body["lines"] if isinstance(body, dict) else body
    assert "not_returnable" in lines[0]["return_reasons_blocked"]
    assert "not_returnable" not in lines[0]["replacement_reasons_blocked"]


def test_the_returns_flow_refuses_a_refund_and_carries_the_fitting_into_the_remake(
    delivered_custom_order, customer_client, staff_user, complete_fitting
):
    line = delivered_custom_order.lines.get()
    url = f"/api/v1/orders/{delivered_custom_order.number}/returns/"
    refund = customer_client.post(
        url, {"kind": "return", "lines": [{"line_id": line.pk, "quantity": 1}], "reason": "not_comfortable"},
        format="json",
    )  # fmt: skip
    assert refund.status_code == 409 and refund.json()["errors"][0]["code"] == "not_returnable"

    remake = customer_client.post(
        url, {"kind": "replacement", "lines": [{"line_id": line.pk, "quantity": 1}],
              "reason": "remake_does_not_fit", "comment": COMMENT},
        format="json",
    )  # fmt: skip
    assert remake.status_code == 201, remake.json()
    request = ReturnRequest.objects.get(pk=remake.json()["id"])
    returns.return_request_approve(return_request=request, actor=staff_user)
    replacement = returns.return_request_replace(return_request=request, actor=staff_user)

    new_fitting = Fitting.objects.get(order_line__order=replacement)
    assert new_fitting.original_id == complete_fitting.pk and new_fitting.remake_comment == COMMENT
    assert new_fitting.order_line.orthotic_build.remake_of == line.orthotic_build


def test_a_remake_goes_to_the_lab_and_ships_only_once_made(
    delivered_custom_order, complete_fitting, customer, staff_user
):
    """Through the returns service: the remake order is in production with the fitting carried forward,
    shipping is refused until the lab marks the new pair made, then it ships and the request follows."""
    line = delivered_custom_order.lines.get()
    request = returns.return_request_create(
        order=delivered_custom_order, kind="replacement", reason="remake_does_not_fit", comment=COMMENT,
        lines=[returns.ReturnLineInput(line_id=line.pk, quantity=1)], actor=customer,
    )  # fmt: skip
    returns.return_request_approve(return_request=request, actor=staff_user)

    remake = returns.return_request_replace(return_request=request, actor=staff_user)
    assert remake.status == "in_production" and remake.replacement_for_id == delivered_custom_order.pk
    new_fitting = Fitting.objects.get(order_line__order=remake)
    assert new_fitting.original_id == complete_fitting.pk and new_fitting.remake_comment == COMMENT

    with pytest.raises(OrthoticNotMade) as refusal:
        returns.return_request_replace(
            return_request=request, actor=staff_user, carrier="DHL", tracking_number="R1"
        )
    assert refusal.value.code == "orthotic_not_made" and line.sku in refusal.value.detail
    remake.refresh_from_db()
    assert remake.status == "in_production"

    build = OrthoticBuild.objects.get(order_line__order=remake)
    orthotic_build_record(build=build, actor=staff_user, lab_notes="Lowered the left arch by 2 mm.")
    orthotic_build_mark_made(build=build, actor=staff_user)
    shipped = returns.return_request_replace(
        return_request=request, actor=staff_user, carrier="DHL", tracking_number="R1"
    )
    assert shipped.pk == remake.pk and shipped.status == "shipped"
    request.refresh_from_db()
    assert request.status == "replacement_shipped"
