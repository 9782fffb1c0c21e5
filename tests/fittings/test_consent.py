"""A fitting goes to the lab: a signed-in customer needs the ``lab_sharing`` consent to make one and to check
one out; withdrawn, a fitting not yet sent to the lab is not sent. Guests keep working without an account.
"""

import pytest

from catalogue.matching.consent import CONSENT_TEXTS
from orders.fittings.models import Fitting
from orders.models import Order
from tests.api.test_schema_contract import assert_conforms
from tests.conftest import client_for
from tests.factories import UserFactory, consents_give
from tests.fittings.conftest import FITTINGS, make_assessment
from tests.fittings.documents import pdf_bytes
from tests.images import upload
from tests.orders.factories import address

pytestmark = pytest.mark.django_db
CHECKOUT = "/api/v1/checkout/"


@pytest.fixture
def schema(api_client):
    return api_client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()


def _codes(response):
    return [(error["code"], error["attr"]) for error in response.json()["errors"]]


def _cart(client, variant, fitting_id=None) -> str:
    token = client.post("/api/v1/carts/").json()["token"]
    body = {"sku": variant.sku, "quantity": 1, **({"fitting": str(fitting_id)} if fitting_id else {})}
    assert client.post(f"/api/v1/carts/{token}/items/", body, format="json").status_code == 201
    return token


def _checkout(client, token):
    return client.post(
        CHECKOUT,
        {
            "cart": token,
            "email": "ada@example.com",
            "shipping_address": address(),
            "shipping_method": "standard",
        },
        format="json",
    )


def test_without_lab_sharing_a_signed_in_fitting_is_refused_and_nothing_stored(schema, tmp_path):
    customer = consents_give(UserFactory(), "foot_assessment")
    response = client_for(customer).post(
        FITTINGS,
        {"shoe_type": "casual", "prescription": upload(pdf_bytes(), "rx.pdf", "application/pdf")},
        format="multipart",
    )
    assert response.status_code == 409 and _codes(response) == [("consent_required", None)]
    assert "lab_sharing" in response.json()["errors"][0]["detail"]
    assert_conforms(schema, "POST", "/api/v1/fittings/", response)
    assert not Fitting.objects.exists()
    assert not [path for path in tmp_path.rglob("*") if path.is_file()]


def test_a_withdrawn_consent_stops_the_fitting_going_to_the_lab(customer, customer_client, custom_variant):
    assessment = make_assessment(customer)
    fitting = customer_client.post(
        FITTINGS,
        {"shoe_type": "casual", "impression_kit": True, "assessment": str(assessment.pk)},
        format="json",
    ).json()
    token = _cart(customer_client, custom_variant, fitting["id"])
    assert customer_client.delete("/api/v1/me/consents/lab_sharing/").status_code == 204

    refused = _checkout(customer_client, token)
    assert refused.status_code == 409 and _codes(refused) == [("consent_required", None)]
    assert "lab_sharing" in refused.json()["errors"][0]["detail"]
    assert not Order.objects.exists()
    custom_variant.refresh_from_db()
    assert custom_variant.stock == 50 and Fitting.objects.get().order_line_id is None

    version = CONSENT_TEXTS["lab_sharing"][0]
    given = customer_client.post("/api/v1/me/consents/", {"purpose": "lab_sharing", "version": version})
    assert given.status_code == 201
    assert _checkout(customer_client, token).status_code == 201


def test_a_signed_in_buyer_of_a_guests_fitting_needs_the_consent_too(api_client, custom_variant):
    fitting = api_client.post(FITTINGS, {"shoe_type": "casual", "impression_kit": True}, format="json").json()
    Fitting.objects.filter(pk=fitting["id"]).update(assessment=make_assessment(None))
    buyer = consents_give(UserFactory(), "foot_assessment")
    client = client_for(buyer)
    token = _cart(client, custom_variant, fitting["id"])
    assert _codes(_checkout(client, token)) == [("consent_required", None)]
    consents_give(buyer, "lab_sharing")
    assert _checkout(client, token).status_code == 201


def test_a_guest_makes_and_checks_out_a_fitting_without_an_account(api_client, custom_variant):
    fitting = api_client.post(FITTINGS, {"shoe_type": "casual", "impression_kit": True}, format="json").json()
    Fitting.objects.filter(pk=fitting["id"]).update(assessment=make_assessment(None))
    token = _cart(api_client, custom_variant, fitting["id"])
    assert _checkout(api_client, token).status_code == 201


def test_insoles_need_no_lab_consent(customer, customer_client, variant):
    customer_client.delete("/api/v1/me/consents/lab_sharing/")
    assert _checkout(customer_client, _cart(customer_client, variant)).status_code == 201


def test_a_consent_withdrawn_before_payment_keeps_the_fitting_from_the_lab(
    customer, complete_fitting, custom_variant
):
    from tests.fittings.helpers import custom_order
    from tests.orders.factories import pay

    order = custom_order(user=customer, variant=custom_variant, fitting=complete_fitting)
    client_for(customer).delete("/api/v1/me/consents/lab_sharing/")
    order = pay(order)
    assert order.status == "paid" and order.needs_attention
    assert "not sent to the lab" in order.attention_note
    assert "in_production" not in set(order.status_changes.values_list("to_status", flat=True))


def test_a_consent_withdrawn_before_the_impression_arrives_keeps_it_from_the_lab(
    customer, kit_fitting, custom_variant, staff_user
):
    from orders.fittings.services import fitting_impression_receive
    from tests.fittings.helpers import paid_custom_order

    order = paid_custom_order(user=customer, variant=custom_variant, fitting=kit_fitting)
    assert order.status == "awaiting_impression"
    client_for(customer).delete("/api/v1/me/consents/lab_sharing/")
    kit_fitting.refresh_from_db()
    fitting_impression_receive(fitting=kit_fitting, actor=staff_user)
    order.refresh_from_db()
    assert order.status == "awaiting_impression" and order.needs_attention

    consents_give(customer, "lab_sharing")  # given again: receiving it moves the order on
    fitting_impression_receive(fitting=kit_fitting, actor=staff_user)
    order.refresh_from_db()
    assert order.status == "in_production"
