"""Checkout of custom orthotics: a complete fitting or a 409 ``fitting_incomplete`` naming what is missing."""

import pytest

from orders.fittings.models import Fitting, OrthoticBuild
from orders.models import Order
from tests.fittings.conftest import FITTINGS
from tests.orders.factories import address, pay

CHECKOUT = "/api/v1/checkout/"


def _cart_with(client, variant, fitting=None, quantity=1):
    token = client.post("/api/v1/carts/").json()["token"]
    body = {"sku": variant.sku, "quantity": quantity}
    if fitting is not None:
        body["fitting"] = str(fitting)
    response = client.post(f"/api/v1/carts/{token}/items/", body, format="json")
    assert response.status_code == 201, response.json()
    return token, response.json()


def _checkout(client, token, email="ada@example.com"):
    return client.post(
        CHECKOUT,
        {"cart": token, "email": email, "shipping_address": address(), "shipping_method": "standard"},
        format="json",
    )


def _fitting(client, **body):
    response = client.post(FITTINGS, {"shoe_type": "athletic", **body}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_without_a_fitting_checkout_is_refused_and_nothing_is_ordered(customer_client, custom_variant):
    token, cart = _cart_with(customer_client, custom_variant)
    line = cart["items"][0]
    assert line["warning"] == "fitting_incomplete"
    assert line["fitting"] == {"id": None, "complete": False, "missing": ["fitting"]}

    response = _checkout(customer_client, token)

    assert response.status_code == 409
    error = response.json()["errors"][0]
    assert error["code"] == "fitting_incomplete"
    assert "CUSTOM-42 has no fitting" in error["detail"]
    assert Order.objects.count() == 0
    custom_variant.refresh_from_db()
    assert custom_variant.stock == 50


def test_with_one_footprint_checkout_names_the_missing_foot(
    customer_client, custom_variant, assessment, footprints
):
    fitting = _fitting(
        customer_client,
        assessment=str(assessment.pk),
        footprint_left=str(footprints[0].pk),
        foot_length_mm="265.0",
        foot_width_mm="98.0",
    )
    assert fitting["complete"] is False and fitting["missing"] == ["footprint_right"]
    token, cart = _cart_with(customer_client, custom_variant, fitting["id"])
    assert cart["items"][0]["fitting"] == {
        "id": fitting["id"],
        "complete": False,
        "missing": ["footprint_right"],
    }

    response = _checkout(customer_client, token)

    assert response.status_code == 409
    error = response.json()["errors"][0]
    assert error["code"] == "fitting_incomplete"
    assert "CUSTOM-42 is missing footprint_right" in error["detail"]
    assert Order.objects.count() == 0


def test_with_both_footprints_checkout_places_the_order_and_goes_in_production_when_paid(
    customer_client, custom_variant, assessment, footprints
):
    fitting = _fitting(
        customer_client,
        assessment=str(assessment.pk),
        footprint_left=str(footprints[0].pk),
        footprint_right=str(footprints[1].pk),
    )
    # Length and width come from the footprints' measurements when not given.
    assert fitting["complete"] is True and fitting["missing"] == []
    assert fitting["foot_length_mm"] is not None and fitting["foot_width_mm"] is not None
    token, _ = _cart_with(customer_client, custom_variant, fitting["id"])

    response = _checkout(customer_client, token)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "pending_payment"
    assert body["production_days"] == 5 and body["estimated_ship_date"] is not None
    assert body["lines"][0]["fitting"] == fitting["id"] and body["lines"][0]["returnable"] is False
    stored = Fitting.objects.get(pk=fitting["id"])
    build = OrthoticBuild.objects.get(order_line=stored.order_line)
    assert build.production_days == 5
    assert (build.heel_lift_left_mm, build.heel_lift_right_mm) == (assessment.profile["heel_lift_mm"], 0)

    order = pay(Order.objects.get(number=body["number"]))
    assert order.status == "in_production"
    assert [change.to_status for change in order.status_changes.all()] == [
        "pending_payment", "paid", "in_production"
    ]  # fmt: skip


def test_with_the_impression_kit_checkout_succeeds_and_the_order_waits_for_the_impression(
    customer_client, custom_variant, assessment
):
    fitting = _fitting(customer_client, assessment=str(assessment.pk), impression_kit=True, shoe_type="dress")
    assert fitting["complete"] is True and fitting["missing"] == []
    token, _ = _cart_with(customer_client, custom_variant, fitting["id"])

    response = _checkout(customer_client, token)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["production_days"] == 5 and body["estimated_ship_date"] is None  # unknown until it arrives
    order = pay(Order.objects.get(number=body["number"]))
    assert order.status == "awaiting_impression"
    detail = customer_client.get(f"/api/v1/orders/{order.number}/").json()
    assert detail["status"] == "awaiting_impression" and detail["estimated_ship_date"] is None


def test_the_assessment_is_required_even_with_the_kit(customer_client, custom_variant):
    fitting = _fitting(customer_client, impression_kit=True)
    assert fitting["missing"] == ["assessment"]
    token, _ = _cart_with(customer_client, custom_variant, fitting["id"])
    response = _checkout(customer_client, token)
    assert response.status_code == 409 and "missing assessment" in response.json()["errors"][0]["detail"]


def test_ordinary_insoles_check_out_without_a_fitting(customer_client, variant):
    token, cart = _cart_with(customer_client, variant)
    assert cart["items"][0]["fitting"] is None and cart["items"][0]["warning"] is None
    response = _checkout(customer_client, token)
    assert response.status_code == 201
    assert response.json()["estimated_ship_date"] is None and response.json()["production_days"] is None


def test_a_fitting_on_an_insole_is_refused(customer_client, variant, complete_fitting):
    token = customer_client.post("/api/v1/carts/").json()["token"]
    response = customer_client.post(
        f"/api/v1/carts/{token}/items/",
        {"sku": variant.sku, "quantity": 1, "fitting": str(complete_fitting.pk)},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "fitting_not_applicable"


def test_another_customers_fitting_cannot_go_in_the_cart(other_client, custom_variant, complete_fitting):
    token = other_client.post("/api/v1/carts/").json()["token"]
    response = other_client.post(
        f"/api/v1/carts/{token}/items/",
        {"sku": custom_variant.sku, "quantity": 1, "fitting": str(complete_fitting.pk)},
        format="json",
    )
    assert response.status_code == 404 and response.json()["errors"][0]["code"] == "fitting_not_found"


def test_an_ordered_fitting_cannot_be_ordered_again(customer_client, custom_variant, complete_fitting):
    token, _ = _cart_with(customer_client, custom_variant, complete_fitting.pk)
    assert _checkout(customer_client, token).status_code == 201
    second = customer_client.post("/api/v1/carts/").json()["token"]
    response = customer_client.post(
        f"/api/v1/carts/{second}/items/",
        {"sku": custom_variant.sku, "quantity": 1, "fitting": str(complete_fitting.pk)},
        format="json",
    )
    assert response.status_code == 409 and response.json()["errors"][0]["code"] == "fitting_in_use"


def test_a_second_fitting_for_the_same_cart_line_is_refused(
    customer_client, custom_variant, complete_fitting, kit_fitting
):
    token, _ = _cart_with(customer_client, custom_variant, complete_fitting.pk)
    response = customer_client.post(
        f"/api/v1/carts/{token}/items/",
        {"sku": custom_variant.sku, "quantity": 1, "fitting": str(kit_fitting.pk)},
        format="json",
    )
    assert response.status_code == 409 and response.json()["errors"][0]["code"] == "fitting_conflict"
    # The same fitting again orders another identical pair.
    again = customer_client.post(
        f"/api/v1/carts/{token}/items/",
        {"sku": custom_variant.sku, "quantity": 1, "fitting": str(complete_fitting.pk)},
        format="json",
    )
    assert again.status_code == 201 and again.json()["items"][0]["quantity"] == 2


def test_a_fitting_added_later_completes_the_line(customer_client, custom_variant, complete_fitting):
    token, _ = _cart_with(customer_client, custom_variant)
    response = customer_client.post(
        f"/api/v1/carts/{token}/items/",
        {"sku": custom_variant.sku, "quantity": 1, "fitting": str(complete_fitting.pk)},
        format="json",
    )
    line = response.json()["items"][0]
    assert line["fitting"]["complete"] is True and line["warning"] is None
    assert _checkout(customer_client, token).status_code == 201


@pytest.mark.parametrize("quantity", [1, 3])
def test_cart_query_count_does_not_grow_with_custom_lines(
    customer_client, custom_variant, complete_fitting, django_assert_max_num_queries, quantity
):
    token, _ = _cart_with(customer_client, custom_variant, complete_fitting.pk, quantity=quantity)
    with django_assert_max_num_queries(4):
        assert customer_client.get(f"/api/v1/carts/{token}/").status_code == 200
