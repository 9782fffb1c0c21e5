"""Fit reasons on returns and replacements, and the admin's report of reasons per product."""

import pytest
from django.test import Client

from orders.returns.policy import FIT_REASONS, is_fit_reason
from orders.returns.statuses import ReturnReason
from tests.factories import ProductFactory, VariantFactory
from tests.returns.helpers import delivered, request_for

pytestmark = pytest.mark.django_db

LISTED = ["too_firm", "too_soft", "arch_too_high", "arch_too_low", "too_long", "too_short", "too_wide",
          "too_narrow", "does_not_fit_shoes", "pain_not_better", "pain_worse"]  # fmt: skip


def test_the_fit_reasons_are_one_set_with_labels_and_a_defect_is_not_one():
    assert list(FIT_REASONS) == LISTED
    assert ReturnReason("does_not_fit_shoes").label == "Does not fit my shoes"
    assert all(ReturnReason(code).label for code in LISTED)
    for not_fit in ("defective", "damaged_in_transit", "wrong_item", "changed_mind"):
        assert not is_fit_reason(not_fit)


def test_a_customer_returns_for_a_fit_reason_and_replaces_for_a_size_one(
    customer, customer_client, staff_user
):
    order = delivered(staff=staff_user, user=customer)
    line = order.lines.get()
    url = f"/api/v1/orders/{order.number}/returns/"
    made = customer_client.post(url, {"kind": "return", "reason": "arch_too_high",
                                      "lines": [{"line_id": line.pk, "quantity": 1}]}, format="json")  # fmt: skip
    assert made.status_code == 201, made.json()
    assert made.json()["reason"] == "arch_too_high"
    # Another size of the same insole puts "too long" right, but not "too firm".
    replaced = customer_client.post(url, {"kind": "replacement", "reason": "too_long",
                                          "lines": [{"line_id": line.pk, "quantity": 1}]}, format="json")  # fmt: skip
    assert replaced.status_code == 201, replaced.json()
    refused = customer_client.post(url, {"kind": "replacement", "reason": "too_firm",
                                         "lines": [{"line_id": line.pk, "quantity": 1}]}, format="json")  # fmt: skip
    assert refused.status_code == 400 and refused.json()["errors"][0]["attr"] == "reason"


def test_the_admin_reports_reasons_per_product(customer, staff_user):
    firm = VariantFactory(product=ProductFactory(name="Firm Runner"), stock=20)
    soft = VariantFactory(product=ProductFactory(name="Soft Walker"), stock=20)
    first = delivered(staff=staff_user, user=customer, items=[(firm, 3), (soft, 1)])
    second = delivered(staff=staff_user, user=customer, items=[(firm, 2)])
    lines = {line.product_id: line for line in first.lines.all()}
    request_for(first, reason="too_firm", quantities={lines[firm.product_id]: 2})
    request_for(first, kind="replacement", reason="defective", quantities={lines[soft.product_id]: 1})
    request_for(second, reason="too_firm")
    client = Client()
    client.force_login(staff_user)
    page = client.get("/admin/returns/returnrequest/reasons/")
    assert page.status_code == 200
    text = page.content.decode()
    rows = {item["row"].product_name: item["row"] for item in page.context["table"]}
    assert rows["Firm Runner"].counts == {"too_firm": 4} and rows["Firm Runner"].fit_total == 4
    assert rows["Soft Walker"].counts == {"defective": 1} and rows["Soft Walker"].fit_total == 0
    assert "Too firm (fit)" in text and "Defective (fit)" not in text
