"""The returns admin: filters, the request page, the step pages (GET then POST), the Customer service group."""

from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from catalogue.models import ProductVariant
from orders.models import Refund
from orders.returns import services as returns
from orders.returns.admin import return_steps_available
from orders.returns.models import ReturnRequest
from orders.services.payments import refund_create
from tests.factories import ProductFactory, UserFactory, VariantFactory
from tests.orders.factories import shipped_order
from tests.returns.helpers import delivered, reload, request_for

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/returns/returnrequest/"


@pytest.fixture
def agent(db):
    """A member of staff in the "Customer service" group only (no superuser powers)."""
    user = UserFactory(email="agent@example.com", is_staff=True)
    user.groups.add(Group.objects.get(name="Customer service"))
    return user


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client


def step(client, request, name, data=None):
    url = f"{CHANGELIST}{request.pk}/{name}/"
    page = client.get(url)
    assert page.status_code == 200, name
    response = client.post(url, {"confirm": "1", **(data or {})})
    return page, response


def test_the_group_holds_exactly_what_the_workflow_needs():
    codenames = set(Group.objects.get(name="Customer service").permissions.values_list("codename", flat=True))
    assert {"view_order", "view_returnrequest", "change_returnrequest", "view_refund"} <= codenames
    assert not {c for c in codenames if c.startswith(("change_", "add_", "delete_"))} - {
        "change_returnrequest"
    }


def test_customer_service_works_a_return_end_to_end_and_sees_it_on_the_order(
    agent_client, agent, customer, staff_user
):
    variant = VariantFactory(stock=4, price=Decimal("39.90"))
    order = delivered(staff=staff_user, user=customer, items=[(variant, 2)])
    request = request_for(order, reason="not_comfortable", quantities={order.lines.get(): 1})
    other = request_for(delivered(staff=staff_user, user=customer), reason="changed_mind")
    returns.return_request_approve(return_request=other, actor=staff_user)

    listing = agent_client.get(CHANGELIST + "?status__exact=requested")
    assert list(listing.context["cl"].result_list) == [request]
    assert set(agent_client.get(CHANGELIST + "?awaiting_action=yes").context["cl"].result_list) == {
        request,
        other,
    }
    assert list(agent_client.get(CHANGELIST + f"?q={order.number}").context["cl"].result_list) == [request]

    page = agent_client.get(f"{CHANGELIST}{request.pk}/change/")
    content = page.content.decode()
    assert order.number in content and variant.sku in content and "Return until" in content
    assert f"{CHANGELIST}{request.pk}/approve/" in content

    page, response = step(agent_client, request, "approve")
    assert b'value="Approve"' in page.content and response.status_code == 302
    page, response = step(agent_client, request, "receive", {
        "receive-TOTAL_FORMS": "1", "receive-INITIAL_FORMS": "1",
        "receive-0-line": str(request.lines.get().pk), "receive-0-received_quantity": "1",
    })  # fmt: skip
    assert b'value="Mark received"' in page.content and b"Back to stock" in page.content
    assert response.status_code == 302
    assert ProductVariant.objects.get(pk=variant.pk).stock == 2  # not restocked: the default
    page, response = step(agent_client, request, "refund", {"amount": "39.90"})
    assert b"39.90" in page.content and b'value="Refund"' in page.content and response.status_code == 302
    page, response = step(agent_client, request, "close")
    assert response.status_code == 302

    request = reload(request)
    assert request.status == "closed"
    assert [(c.to_status, c.actor) for c in request.status_changes.all()][1:] == [
        ("approved", agent),
        ("received", agent),
        ("refunded", agent),
        ("closed", agent),
    ]
    order_page = agent_client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    assert "39.90" in order_page and f"{CHANGELIST}{request.pk}/change/" in order_page
    order.refresh_from_db()
    assert order.refunded_total == Decimal("39.90")


def test_receiving_can_restock_per_line(agent_client, customer, staff_user):
    variant = VariantFactory(stock=5)
    order = delivered(staff=staff_user, user=customer, items=[(variant, 2)])
    request = request_for(order)
    returns.return_request_approve(return_request=request, actor=staff_user)
    step(agent_client, request, "receive", {
        "receive-TOTAL_FORMS": "1", "receive-INITIAL_FORMS": "1", "receive-0-line": str(request.lines.get().pk),
        "receive-0-received_quantity": "2", "receive-0-restock": "on",
    })  # fmt: skip
    assert ProductVariant.objects.get(pk=variant.pk).stock == 5
    line = request.lines.get()
    assert (line.received_quantity, line.restock) == (2, True)


def test_reject_needs_a_reason_the_customer_sees(agent_client, customer, staff_user):
    request = request_for(delivered(staff=staff_user, user=customer))
    _page, response = step(agent_client, request, "reject", {"reason": ""})
    assert response.status_code == 200 and reload(request).status == "requested"
    _page, response = step(agent_client, request, "reject", {"reason": "The insoles have been worn."})
    assert response.status_code == 302
    assert reload(request).rejection_reason == "The insoles have been worn."


def test_goodwill_reopens_a_rejected_request_with_a_recorded_reason(
    agent_client, agent, customer, staff_user
):
    request = request_for(delivered(staff=staff_user, user=customer))
    returns.return_request_reject(return_request=request, actor=staff_user, reason="Late")
    page = agent_client.get(f"{CHANGELIST}{request.pk}/change/").content.decode()
    assert f"{request.pk}/goodwill/" in page and f"{request.pk}/approve/" not in page
    refused = agent_client.post(f"{CHANGELIST}{request.pk}/approve/", follow=True)
    assert "Request 1 is rejected: “Approve” is not possible now." in refused.content.decode().replace(
        f"Request {request.pk} ", "Request 1 "
    )
    assert reload(request).status == "rejected"
    _page, response = step(agent_client, request, "goodwill", {"reason": "Loyal customer"})
    assert response.status_code == 302
    request = reload(request)
    assert (request.status, request.goodwill_reason, request.goodwill_by) == (
        "approved",
        "Loyal customer",
        agent,
    )
    assert request.status_changes.last().note == "Goodwill: Loyal customer"


def test_staff_create_and_ship_a_replacement_for_a_wrong_size(agent_client, customer, staff_user):
    variant = VariantFactory(stock=5)
    bigger = VariantFactory(product=variant.product, size_label="EU 43-44", stock=5)
    order = delivered(staff=staff_user, user=customer, items=[(variant, 1)])
    request = returns.return_request_create(
        order=order, kind="replacement", reason="wrong_size", actor=customer,
        lines=[returns.ReturnLineInput(line_id=order.lines.get().pk, quantity=1, replacement_sku=bigger.sku)],
    )  # fmt: skip
    step(agent_client, request, "approve")
    page, response = step(agent_client, request, "replace", {"carrier": "DHL", "tracking_number": "JJD77"})
    assert b'value="Create and ship replacement"' in page.content and response.status_code == 302
    request = reload(request)
    assert request.status == "replacement_shipped"
    assert request.replacement_order.lines.get().sku == bigger.sku
    assert request.replacement_order.tracking_number == "JJD77"


def test_the_refund_page_shows_the_capped_amount_and_refuses_more(agent_client, customer, staff_user):
    order = delivered(staff=staff_user, user=customer)
    refund_create(order=order, amount=Decimal("70.00"), actor=staff_user)
    request = request_for(order)
    returns.return_request_approve(return_request=request, actor=staff_user)
    page, response = step(agent_client, request, "refund", {"amount": "20.00"})
    assert "14.70 EUR" in page.content.decode() and "(capped)" in page.content.decode()
    assert response.status_code == 200 and "cannot exceed" in response.content.decode()
    assert reload(request).status == "approved"


def test_the_refund_page_refuses_one_cent_above_the_policy_and_takes_exactly_it(
    agent_client, customer, staff_user
):
    order = delivered(staff=staff_user, user=customer)  # 2 × 39.90 and 4.90 shipping captured
    request = request_for(order, quantities={order.lines.get(): 1})
    returns.return_request_approve(return_request=request, actor=staff_user)
    page, response = step(agent_client, request, "refund", {"amount": "39.91"})
    assert 'value="39.90"' in page.content.decode()
    assert response.status_code == 200 and "The policy refunds at most 39.90" in response.content.decode()
    assert reload(request).status == "approved" and Refund.objects.count() == 0
    _page, response = step(agent_client, request, "refund", {"amount": "39.90"})
    assert response.status_code == 302 and reload(request).status == "refunded"
    assert [refund.amount for refund in reload(request).refunds.all()] == [Decimal("39.90")]


def test_a_step_that_the_status_does_not_allow_is_not_offered(agent_client, customer, staff_user):
    request = request_for(delivered(staff=staff_user, user=customer))
    response = agent_client.post(f"{CHANGELIST}{request.pk}/refund/", {"amount": "1.00"}, follow=True)
    assert f"Request {request.pk} is requested: “Refund” is not possible now." in response.content.decode()
    assert reload(request).status == "requested" and not reload(request).refunds.exists()


def test_changelist_actions_lead_to_the_step_pages_and_approve_several(agent_client, customer, staff_user):
    first = request_for(delivered(staff=staff_user, user=customer))
    second = request_for(delivered(staff=staff_user, user=customer))
    response = agent_client.post(CHANGELIST, {"action": "reject", "_selected_action": [first.pk]})
    assert response.status_code == 302 and response["Location"] == f"{CHANGELIST}{first.pk}/reject/"
    response = agent_client.post(CHANGELIST, {"action": "approve", "_selected_action": [first.pk, second.pk]})
    assert response.status_code == 200 and b"Approve 2 requests" in response.content
    agent_client.post(
        CHANGELIST, {"action": "approve", "_selected_action": [first.pk, second.pk], "apply": "1"}
    )
    assert {reload(first).status, reload(second).status} == {"approved"}


def test_the_deadline_filter(agent_client, customer, staff_user):
    two_days_ago = timezone.now() - timezone.timedelta(days=2)
    with time_machine.travel(two_days_ago, tick=False):  # shipped and delivered then
        soon = request_for(delivered(staff=staff_user, user=customer, delivered_at=two_days_ago))
    later = request_for(delivered(staff=staff_user, user=customer), kind="replacement", reason="defective")
    assert list(agent_client.get(CHANGELIST + "?deadline=soon").context["cl"].result_list) == [soon]
    assert later not in agent_client.get(CHANGELIST + "?deadline=soon").context["cl"].result_list


def test_customer_service_cannot_edit_products_or_orders(agent_client, customer, staff_user):
    product = ProductFactory()
    assert agent_client.get(f"/admin/catalogue/product/{product.pk}/change/").status_code == 200  # view only
    response = agent_client.post(f"/admin/catalogue/product/{product.pk}/change/", {"name": "Hacked"})
    assert response.status_code == 403
    assert agent_client.get("/admin/catalogue/product/add/").status_code == 403
    assert agent_client.get(f"{CHANGELIST}add/").status_code == 403


def test_someone_without_the_change_permission_cannot_take_steps(client, customer, staff_user):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_returnrequest"))
    client.force_login(viewer)
    request = request_for(delivered(staff=staff_user, user=customer))
    assert client.get(f"{CHANGELIST}{request.pk}/approve/").status_code == 403
    assert client.post(f"{CHANGELIST}{request.pk}/approve/").status_code == 403
    assert reload(request).status == "requested"
    assert ReturnRequest.objects.count() == 1


def test_customer_service_cannot_ship_or_deliver_orders(agent_client, staff_user):
    order = shipped_order(staff=staff_user)
    listing = agent_client.get("/admin/orders/order/")
    assert listing.status_code == 200
    form = listing.context["action_form"]  # no actions at all: no form
    assert form is None or "deliver" not in dict(form.fields["action"].choices)
    agent_client.post("/admin/orders/order/", {"action": "deliver", "_selected_action": [order.pk]})
    order.refresh_from_db()
    assert order.status == "shipped"


def test_a_refunded_request_offers_refund_again_only_after_its_refund_failed(staff_user):
    """Refunding twice is never offered; a refund the provider declined may be tried again."""
    order = delivered(staff=staff_user, items=[(VariantFactory(price=Decimal("39.90"), stock=5), 1)])
    request = request_for(order)
    returns.return_request_approve(return_request=request, actor=staff_user)
    assert "refund" in return_steps_available(reload(request))
    returns.return_request_refund(return_request=request, actor=staff_user)
    request = reload(request)
    assert request.status == "refunded"
    assert "refund" not in return_steps_available(request)

    Refund.objects.filter(pk__in=request.refunds.values("pk")).update(status="failed")
    assert "refund" in return_steps_available(reload(request))
