"""Asking for returns and replacements through the API: rules, quantities, access, photos, cancel, list."""

import io
from decimal import Decimal

import numpy as np
import pytest
from PIL import Image, PngImagePlugin

from orders.returns import services as returns
from orders.returns.models import ReturnRequest
from tests.factories import VariantFactory
from tests.images import metadata_in
from tests.orders.factories import paid_order, shipped_order
from tests.returns.helpers import delivered, delivered_custom_orthotic, request_for

pytestmark = pytest.mark.django_db


def ask(client, order, lines, *, kind="return", reason="changed_mind", query="", **extra):
    body = {"kind": kind, "lines": lines, "reason": reason, **extra}
    return client.post(f"/api/v1/orders/{order.number}/returns/{query}", body, format="json")


def code(response) -> str:
    return response.json()["errors"][0]["code"]


def test_eligibility_lists_each_line_with_quantities_deadlines_and_reasons(
    customer, customer_client, staff_user
):
    order = delivered(staff=staff_user, user=customer)
    rows = customer_client.get(f"/api/v1/orders/{order.number}/returns/eligibility/").json()
    line = order.lines.get()
    assert rows == [
        {
            "line_id": line.pk,
            "sku": line.sku,
            "product_name": line.product_name,
            "delivered_quantity": 2,
            "returnable_quantity": 2,
            "replaceable_quantity": 2,
            "return_deadline": rows[0]["return_deadline"],
            "replacement_deadline": rows[0]["replacement_deadline"],
            "return_reasons_blocked": [],
            "replacement_reasons_blocked": [],
            # Shipped to Germany: the law's rights come on top of the promise (tests/returns/test_statutory_rights.py).
            "withdrawable_quantity": 2,
            "withdrawal_deadline": rows[0]["withdrawal_deadline"],
            "withdrawal_reasons_blocked": [],
            "guarantee_deadline": rows[0]["guarantee_deadline"],
            "rights": rows[0]["rights"],
            "windows": rows[0]["windows"],
        }
    ]
    assert [(right["kind"], right["source"]) for right in rows[0]["rights"]] == [
        ("return", "promise"),
        ("withdrawal", "law"),
        ("replacement", "promise"),
        ("legal_guarantee", "law"),
    ]
    assert rows[0]["return_deadline"].endswith("23:59:59.999999+01:00") or rows[0][
        "return_deadline"
    ].endswith("23:59:59.999999+02:00")


def test_a_request_is_created_with_its_history(customer, customer_client, staff_user):
    order = delivered(staff=staff_user, user=customer)
    line = order.lines.get()
    response = ask(customer_client, order, [{"line_id": line.pk, "quantity": 1}], comment="Too hard")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["order"], body["kind"], body["status"], body["reason"], body["comment"]) == (
        order.number, "return", "requested", "changed_mind", "Too hard"
    )  # fmt: skip
    assert body["lines"][0] | {"id": 0} == {
        "id": 0, "line_id": line.pk, "sku": line.sku, "product_name": line.product_name, "quantity": 1,
        "replacement_sku": "", "received_quantity": None,
    }  # fmt: skip
    assert [(h["from_status"], h["to_status"]) for h in body["history"]] == [("", "requested")]
    assert ReturnRequest.objects.get().status_changes.get().actor == customer


def test_not_delivered_is_refused(customer, customer_client, staff_user):
    for order in (paid_order(user=customer), shipped_order(staff=staff_user, user=customer)):
        response = ask(customer_client, order, [{"line_id": order.lines.get().pk, "quantity": 1}])
        assert (response.status_code, code(response)) == (409, "not_delivered")
        row = customer_client.get(f"/api/v1/orders/{order.number}/returns/eligibility/").json()[0]
        assert row["return_reasons_blocked"] == row["replacement_reasons_blocked"] == ["not_delivered"]
        assert row["return_deadline"] is None


def test_a_custom_orthotic_cannot_be_returned_but_can_be_replaced(customer, customer_client):
    order, line = delivered_custom_orthotic(user=customer)
    row = customer_client.get(f"/api/v1/orders/{order.number}/returns/eligibility/").json()[0]
    assert (row["returnable_quantity"], row["replaceable_quantity"]) == (0, 1)
    assert row["return_reasons_blocked"] == ["not_returnable"] and row["return_deadline"] is None
    response = ask(customer_client, order, [{"line_id": line.pk, "quantity": 1}], reason="not_comfortable")
    assert (response.status_code, code(response)) == (409, "not_returnable")
    response = ask(customer_client, order, [{"line_id": line.pk, "quantity": 1}], kind="replacement",
                   reason="remake_does_not_fit")  # fmt: skip
    assert response.status_code == 201


def test_quantities_across_several_requests_of_both_kinds_never_exceed_delivered(
    customer, customer_client, staff_user
):
    order = delivered(staff=staff_user, user=customer, items=[(VariantFactory(stock=10), 3)])
    line = order.lines.get()
    assert ask(customer_client, order, [{"line_id": line.pk, "quantity": 1}]).status_code == 201
    response = ask(
        customer_client, order, [{"line_id": line.pk, "quantity": 1}], kind="replacement", reason="defective"
    )
    assert response.status_code == 201
    response = ask(
        customer_client, order, [{"line_id": line.pk, "quantity": 2}], kind="replacement", reason="defective"
    )
    assert (response.status_code, code(response)) == (409, "quantity_exceeds_remaining")
    assert ask(customer_client, order, [{"line_id": line.pk, "quantity": 1}]).status_code == 201
    row = customer_client.get(f"/api/v1/orders/{order.number}/returns/eligibility/").json()[0]
    assert (row["returnable_quantity"], row["replaceable_quantity"]) == (0, 0)
    assert "quantity_exceeds_remaining" in row["return_reasons_blocked"]


def test_a_rejected_or_cancelled_request_gives_its_quantity_back(customer, customer_client, staff_user):
    order = delivered(staff=staff_user, user=customer)
    line = order.lines.get()
    first = ask(customer_client, order, [{"line_id": line.pk, "quantity": 2}]).json()
    assert (
        code(ask(customer_client, order, [{"line_id": line.pk, "quantity": 1}]))
        == "quantity_exceeds_remaining"
    )
    returns.return_request_reject(
        return_request=ReturnRequest.objects.get(pk=first["id"]), actor=staff_user, reason="Worn"
    )
    second = ask(customer_client, order, [{"line_id": line.pk, "quantity": 2}])
    assert second.status_code == 201
    assert customer_client.post(f"/api/v1/returns/{second.json()['id']}/cancel/").status_code == 200
    assert ask(customer_client, order, [{"line_id": line.pk, "quantity": 2}]).status_code == 201
    detail = customer_client.get(f"/api/v1/returns/{first['id']}/").json()
    assert (detail["status"], detail["rejection_reason"]) == ("rejected", "Worn")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"kind": "swap", "lines": "L", "reason": "changed_mind"}, "invalid_choice"),
        ({"kind": "return", "lines": [], "reason": "changed_mind"}, "empty"),
        ({"kind": "return", "lines": "L", "reason": "because"}, "invalid_choice"),
        ({"kind": "return", "lines": [{"line_id": "L", "quantity": 0}], "reason": "changed_mind"}, "invalid_quantity"),
        ({"kind": "replacement", "lines": "L", "reason": "changed_mind"}, "invalid_reason"),
        ({"kind": "return", "lines": [{"line_id": 999999, "quantity": 1}], "reason": "changed_mind"}, "invalid_line"),
        ({"kind": "return", "lines": ["L", "L"], "reason": "changed_mind"}, "invalid_line"),
        ({"kind": "replacement", "lines": [{"line_id": "L", "quantity": 1, "replacement_sku": "NOPE"}],
          "reason": "wrong_size"}, "invalid_replacement_sku"),
    ],
)  # fmt: skip
def test_malformed_input_is_a_400_with_a_stable_code(customer, customer_client, staff_user, body, expected):
    order = delivered(staff=staff_user, user=customer)
    line_id = order.lines.get().pk
    one = {"line_id": line_id, "quantity": 1}

    def fill(value):
        if value == "L":
            return [one] if isinstance(body["lines"], str) else line_id
        return value

    lines = fill(body["lines"]) if isinstance(body["lines"], str) else [
        (one if item == "L" else {k: fill(v) for k, v in item.items()}) for item in body["lines"]
    ]  # fmt: skip
    response = customer_client.post(
        f"/api/v1/orders/{order.number}/returns/", {**body, "lines": lines}, format="json"
    )
    assert response.status_code == 400, response.json()
    assert expected in {error["code"] for error in response.json()["errors"]}
    assert not ReturnRequest.objects.exists()


def test_another_size_of_the_same_product_is_a_valid_replacement_another_product_is_not(
    customer, customer_client, staff_user
):
    variant = VariantFactory(stock=5)
    bigger = VariantFactory(product=variant.product, size_label="EU 43-44", stock=5)
    stranger = VariantFactory(stock=5)
    order = delivered(staff=staff_user, user=customer, items=[(variant, 1)])
    line = order.lines.get()
    response = ask(customer_client, order, [{"line_id": line.pk, "quantity": 1, "replacement_sku": stranger.sku}],
                   kind="replacement", reason="wrong_size")  # fmt: skip
    assert (response.status_code, code(response)) == (400, "invalid_replacement_sku")
    response = ask(customer_client, order, [{"line_id": line.pk, "quantity": 1, "replacement_sku": bigger.sku}],
                   kind="replacement", reason="wrong_size")  # fmt: skip
    assert response.status_code == 201 and response.json()["lines"][0]["replacement_sku"] == bigger.sku


def test_another_customers_order_or_request_is_a_404(customer, other_client, customer_client, staff_user):
    order = delivered(staff=staff_user, user=customer)
    line = order.lines.get()
    request = request_for(order, quantities={line: 1})
    for response in (
        other_client.get(f"/api/v1/orders/{order.number}/returns/eligibility/"),
        ask(other_client, order, [{"line_id": line.pk, "quantity": 1}]),
    ):
        assert (response.status_code, code(response)) == (404, "order_not_found")
    for response in (
        other_client.get(f"/api/v1/returns/{request.pk}/"),
        other_client.post(f"/api/v1/returns/{request.pk}/cancel/"),
        other_client.post(f"/api/v1/returns/{request.pk}/photos/", {"image": _png()}, format="multipart"),
    ):
        assert (response.status_code, code(response)) == (404, "return_request_not_found")
    assert other_client.get("/api/v1/returns/").json()["count"] == 0
    assert customer_client.get("/api/v1/returns/").json()["count"] == 1


def test_a_guest_uses_the_orders_email(api_client, staff_user):
    order = delivered(staff=staff_user, email="guest@example.com")
    line = order.lines.get()
    body = {"kind": "return", "lines": [{"line_id": line.pk, "quantity": 1}], "reason": "changed_mind"}
    url = f"/api/v1/orders/{order.number}/returns/"
    assert api_client.post(url, body, format="json").status_code == 404
    assert api_client.post(url + "?email=other@example.com", body, format="json").status_code == 404
    response = api_client.post(url + "?email=GUEST@example.com", body, format="json")
    assert response.status_code == 201
    request_id = response.json()["id"]
    assert api_client.get(f"/api/v1/returns/{request_id}/").status_code == 404
    assert api_client.get(f"/api/v1/returns/{request_id}/?email=guest@example.com").status_code == 200
    assert api_client.get("/api/v1/returns/").status_code == 401
    response = api_client.post(
        f"/api/v1/returns/{request_id}/cancel/", {"email": "guest@example.com"}, format="json"
    )
    assert (response.status_code, response.json()["status"]) == (200, "cancelled")


def test_cancel_only_while_requested(customer, customer_client, staff_user):
    order = delivered(staff=staff_user, user=customer)
    request = request_for(order)
    returns.return_request_approve(return_request=request, actor=staff_user)
    response = customer_client.post(f"/api/v1/returns/{request.pk}/cancel/")
    assert (response.status_code, code(response)) == (409, "invalid_transition")


def _png(size=(64, 48)) -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    buffer.seek(0)
    buffer.name = "defect.png"
    return buffer


def test_photos_are_validated_and_get_a_thumbnail(customer, customer_client, staff_user):
    order = delivered(staff=staff_user, user=customer)
    request = request_for(order, reason="defective")
    response = customer_client.post(
        f"/api/v1/returns/{request.pk}/photos/", {"image": _png()}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["thumbnail_url"] and response.json()["url"]
    bad = io.BytesIO(b"not an image at all")
    bad.name = "photo.jpg"
    response = customer_client.post(
        f"/api/v1/returns/{request.pk}/photos/", {"image": bad}, format="multipart"
    )
    assert (response.status_code, code(response)) == (400, "invalid_image")
    photos = customer_client.get(f"/api/v1/returns/{request.pk}/").json()["photos"]
    assert len(photos) == 1


def test_a_16_bit_photo_with_metadata_is_stored_in_8_bits_without_it(customer, customer_client, staff_user):
    """A 16-bit greyscale PNG carrying text chunks: its mid grey stays mid grey, its text is not stored."""
    request = request_for(delivered(staff=staff_user, user=customer), reason="defective")
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "<script>alert(1)</script>")
    buffer = io.BytesIO()
    Image.fromarray(np.full((48, 64), 0x8080, dtype=np.uint16)).save(buffer, format="PNG", pnginfo=info)
    buffer.seek(0)
    buffer.name = "scan.png"
    response = customer_client.post(
        f"/api/v1/returns/{request.pk}/photos/", {"image": buffer}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    photo = request.photos.get()
    for stored in (photo.image, photo.thumbnail):
        content = stored.open("rb").read()
        assert metadata_in(content) == [] and b"<script>" not in content
        assert Image.open(io.BytesIO(content)).convert("L").getpixel((5, 5)) == pytest.approx(128, abs=2)


def test_the_returns_list_has_a_constant_number_of_queries(customer, customer_client, staff_user,
                                                           django_assert_max_num_queries):  # fmt: skip
    order = delivered(staff=staff_user, user=customer, items=[(VariantFactory(stock=20), 8)])
    line = order.lines.get()
    request_for(order, quantities={line: 1})
    with django_assert_max_num_queries(12) as few:
        assert customer_client.get("/api/v1/returns/").status_code == 200
    for _ in range(5):
        request = request_for(order, quantities={line: 1})
        returns.return_request_approve(return_request=request, actor=staff_user)
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = customer_client.get("/api/v1/returns/").json()
    assert body["count"] == 6 and len(body["results"][0]["history"]) == 2


def test_money_in_the_request_is_two_decimal_strings(customer, customer_client, staff_user):
    order = delivered(staff=staff_user, user=customer)
    request = request_for(order)
    returns.return_request_approve(return_request=request, actor=staff_user)
    returns.return_request_refund(return_request=request, actor=staff_user)
    refund = customer_client.get(f"/api/v1/returns/{request.pk}/").json()["refunds"][0]
    assert (refund["amount"], refund["currency"], refund["status"]) == ("79.80", "EUR", "succeeded")
    assert Decimal(refund["amount"]) == Decimal("79.80")


def test_photos_are_refused_past_the_limit_and_once_the_request_is_decided(
    customer, customer_client, staff_user, monkeypatch
):
    monkeypatch.setattr(returns, "MAX_PHOTOS", 1)
    order = delivered(staff=staff_user, user=customer)
    request = request_for(order, reason="defective")
    url = f"/api/v1/returns/{request.pk}/photos/"
    assert customer_client.post(url, {"image": _png()}, format="multipart").status_code == 201
    response = customer_client.post(url, {"image": _png()}, format="multipart")
    assert (response.status_code, code(response)) == (409, "too_many_photos")
    returns.return_request_reject(return_request=request, actor=staff_user, reason="No")
    monkeypatch.setattr(returns, "MAX_PHOTOS", 10)
    response = customer_client.post(url, {"image": _png()}, format="multipart")
    assert (response.status_code, code(response)) == (409, "invalid_transition")
