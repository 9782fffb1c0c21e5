"""POST/GET /api/v1/fittings/: who may see what, prescription uploads, and query counts."""

import pytest

from catalogue.matching.models import Footprint
from orders.fittings.models import Fitting
from tests.fittings.conftest import FITTINGS, make_footprint
from tests.fittings.documents import pdf_bytes
from tests.images import image_bytes, upload


def _private_files(settings) -> list:
    from pathlib import Path

    root = Path(settings.SHOP_PRIVATE_MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def test_create_json_returns_id_complete_and_missing(customer_client, customer, assessment, footprints):
    response = customer_client.post(
        FITTINGS,
        {"assessment": str(assessment.pk), "footprint_left": str(footprints[0].pk), "shoe_type": "casual",
         "impression_kit": False},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) >= {"id", "complete", "missing"}
    assert body["complete"] is False and body["missing"] == ["footprint_right"]
    fitting = Fitting.objects.get(pk=body["id"])
    assert fitting.owner == customer and fitting.profile["arch_type"] == assessment.profile["arch_type"]
    assert fitting.leg_length_difference_mm == 8


def test_shoe_type_is_required_and_validated(customer_client):
    response = customer_client.post(FITTINGS, {"shoe_type": "slipper"}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["attr"] == "shoe_type"
    response = customer_client.post(FITTINGS, {}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["attr"] == "shoe_type"


def test_a_footprint_of_the_wrong_foot_is_refused(customer_client, footprints):
    left, right = footprints
    response = customer_client.post(
        FITTINGS, {"shoe_type": "casual", "footprint_left": str(right.pk)}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0] == {
        "code": "footprint_wrong_side",
        "detail": "The footprint given as footprint_left was taken of the right foot.",
        "attr": "footprint_left",
    }


def test_another_customers_fitting_is_404(
    customer_client, other_client, api_client, staff_client, complete_fitting
):
    url = f"{FITTINGS}{complete_fitting.pk}/"
    assert customer_client.get(url).status_code == 200
    for client in (other_client, api_client):
        response = client.get(url)
        assert response.status_code == 404 and response.json()["errors"][0]["code"] == "fitting_not_found"


def test_anonymous_fittings_are_read_by_their_id(api_client, db):
    body = api_client.post(FITTINGS, {"shoe_type": "dress", "impression_kit": True}, format="json").json()
    assert api_client.get(f"{FITTINGS}{body['id']}/").json()["missing"] == ["assessment"]


def test_another_customers_footprint_or_assessment_is_404(other_client, assessment, footprints):
    for field, value in (("footprint_left", footprints[0].pk), ("footprint_right", footprints[1].pk),
                         ("assessment", assessment.pk)):  # fmt: skip
        response = other_client.post(FITTINGS, {"shoe_type": "casual", field: str(value)}, format="json")
        assert response.status_code == 404, field
    assert Fitting.objects.count() == 0


def test_a_valid_pdf_prescription_is_stored_privately_and_served_to_owner_and_staff(
    customer_client, other_client, api_client, staff_client, settings
):
    response = customer_client.post(
        FITTINGS,
        {"shoe_type": "casual", "prescription": upload(pdf_bytes(), "rx.pdf", "application/pdf")},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["prescription"]["kind"] == "pdf"
    fitting = Fitting.objects.get(pk=body["id"])
    stored = _private_files(settings)
    assert len(stored) == 1 and not str(stored[0]).startswith(str(settings.MEDIA_ROOT))

    url = body["prescription"]["url"]
    for client in (customer_client, staff_client):
        download = client.get(url)
        assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
        assert download["Content-Disposition"].startswith("attachment")
        assert download["X-Content-Type-Options"] == "nosniff"
        assert b"".join(download.streaming_content) == pdf_bytes()
    for client in (other_client, api_client):
        assert client.get(url).status_code == 404
    assert fitting.prescription_kind == "pdf"


def test_a_valid_image_prescription_is_accepted(customer_client, settings):
    response = customer_client.post(
        FITTINGS,
        {"shoe_type": "casual", "prescription": upload(image_bytes("JPEG"), "rx.jpg")},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["prescription"]["kind"] == "image"
    assert len(_private_files(settings)) == 1


@pytest.mark.parametrize(
    ("data", "name", "code"),
    [
        (b"Dear colleague, please make orthotics.", "rx.pdf", "invalid_document"),  # text named .pdf
        (b"%PDF-1.4\n" + b"0" * 200, "rx.pdf", "invalid_document"),  # a PDF header and nothing else
        (image_bytes("PNG")[:80], "rx.png", "invalid_image"),  # a broken image
    ],
)
def test_a_fake_or_broken_prescription_is_refused_and_nothing_is_stored(
    customer_client, settings, data, name, code
):
    response = customer_client.post(
        FITTINGS,
        {"shoe_type": "casual", "prescription": upload(data, name, "application/pdf")},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == code
    assert response.json()["errors"][0]["attr"] == "prescription"
    assert Fitting.objects.count() == 0 and _private_files(settings) == []


def test_an_oversized_prescription_is_refused_and_nothing_is_stored(customer_client, settings):
    settings.SHOP_IMAGE_MAX_BYTES = 2048
    data = pdf_bytes("x" * 3000)
    response = customer_client.post(
        FITTINGS,
        {"shoe_type": "casual", "prescription": upload(data, "rx.pdf", "application/pdf")},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "invalid_document"
    assert "larger than" in response.json()["errors"][0]["detail"]
    assert Fitting.objects.count() == 0 and _private_files(settings) == []


def test_create_and_read_take_a_constant_number_of_queries(
    customer_client, assessment, footprints, django_assert_max_num_queries
):
    body = {"assessment": str(assessment.pk), "footprint_left": str(footprints[0].pk),
            "footprint_right": str(footprints[1].pk), "shoe_type": "athletic"}  # fmt: skip
    # token + assessment + two footprints + insert (+ savepoint on some backends)
    with django_assert_max_num_queries(7):
        response = customer_client.post(FITTINGS, body, format="json")
    assert response.status_code == 201
    with django_assert_max_num_queries(2):
        assert customer_client.get(f"{FITTINGS}{response.json()['id']}/").status_code == 200


def test_the_order_list_stays_flat_with_custom_lines(
    customer, customer_client, custom_variant, assessment, django_assert_max_num_queries
):
    from orders.fittings.services import fitting_create
    from tests.fittings.helpers import paid_custom_order

    for _ in range(3):
        fitting = fitting_create(
            owner=customer, assessment_id=assessment.pk, shoe_type="dress", impression_kit=True
        )
        paid_custom_order(user=customer, variant=custom_variant, fitting=fitting)
    with django_assert_max_num_queries(8):
        response = customer_client.get("/api/v1/orders/")
    assert response.status_code == 200 and len(response.json()["results"]) == 3
    assert all(order["lines"][0]["fitting"] for order in response.json()["results"])


def test_the_schema_documents_the_fitting_endpoints(api_client, db):
    schema = api_client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    assert {"/api/v1/fittings/", "/api/v1/fittings/{id}/", "/api/v1/fittings/{id}/prescription/"} <= set(
        schema["paths"]
    )


def test_footprints_made_by_a_guest_can_go_into_a_guest_fitting(api_client, db):
    left = make_footprint(None, "left")
    response = api_client.post(
        FITTINGS, {"shoe_type": "casual", "footprint_left": str(left.pk)}, format="json"
    )
    assert response.status_code == 201 and Footprint.objects.get(pk=left.pk).owner is None
