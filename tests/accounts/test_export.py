"""GET /api/v1/me/export/: a zip with data.json (every kind of record the shop holds) and the stored files."""

import io
import json
import zipfile
from decimal import Decimal

import pytest

from catalogue.matching.consent import CONSENT_TEXTS
from tests.accounts.story import (
    CANCEL_REASON,
    COMMENT,
    EMAIL,
    FIRST_NAME,
    LAST_NAME,
    customer_address,
    customer_with_everything,
)
from tests.api.test_schema_contract import response_schema
from tests.conftest import client_for
from tests.factories import UserFactory, consents_give
from tests.security.world import assessment_for

pytestmark = pytest.mark.django_db

EXPORT = "/api/v1/me/export/"


@pytest.fixture
def story(staff_user):
    return customer_with_everything(staff=staff_user)


def _archive(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


@pytest.fixture
def exported(story):
    response = client_for(story.customer).get(EXPORT)
    assert response.status_code == 200
    archive = _archive(response)
    return response, archive, json.loads(archive.read("data.json"))


def test_the_export_is_a_zip_attachment(exported):
    response, archive, _ = exported
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert response["Content-Disposition"].endswith('.zip"')
    assert response["Cache-Control"] == "private, no-store"
    assert archive.testzip() is None
    assert "data.json" in archive.namelist()


def test_the_profile_the_saved_address_and_the_consents(story, exported):
    _, _, data = exported
    assert data["profile"] == {
        "id": story.customer.pk,
        "email": EMAIL,
        "email_verified": False,
        "first_name": FIRST_NAME,
        "last_name": LAST_NAME,
        "date_joined": story.customer.date_joined.isoformat(),
        "last_login": None,
    }
    assert data["default_shipping_address"] == customer_address()
    assert sorted(
        (c["purpose"], c["text_version"], c["method"], c["withdrawn_at"]) for c in data["consents"]
    ) == [
        ("foot_assessment", CONSENT_TEXTS["foot_assessment"][0], "api", None),
        ("lab_sharing", CONSENT_TEXTS["lab_sharing"][0], "api", None),
        ("outcome_followups", CONSENT_TEXTS["outcome_followups"][0], "api", None),
    ]


def test_orders_with_lines_payments_refunds_and_history(story, exported):
    _, _, data = exported
    orders = {order["number"]: order for order in data["orders"]}
    assert set(orders) == {order.number for order in story.orders}

    insoles = orders[story.insole_order.number]
    assert insoles["status"] == "delivered" and insoles["email"] == EMAIL
    assert insoles["shipping_address"] == customer_address()
    assert [(line["quantity"], line["unit_price"], line["line_total"]) for line in insoles["lines"]] == [
        (2, "39.90", "79.80")
    ]
    assert insoles["total"] == str(story.insole_order.total)
    assert insoles["captured_total"] == str(story.insole_order.captured_total)
    assert [(p["status"], p["amount"]) for p in insoles["payments"]] == [
        ("succeeded", str(story.insole_order.total))
    ]
    assert [r["amount"] for r in insoles["refunds"]] == ["39.90"] and insoles["refunded_total"] == "39.90"
    assert [step["to_status"] for step in insoles["history"]] == [
        "pending_payment",
        "paid",
        "shipped",
        "delivered",
    ]

    custom = orders[story.custom_order.number]
    assert [line["product_kind"] for line in custom["lines"]] == ["custom_orthotic"]
    assert "in_production" in [step["to_status"] for step in custom["history"]]
    cancelled = orders[story.cancelled_order.number]
    assert cancelled["status"] == "cancelled" and cancelled["cancellation_reason"] == CANCEL_REASON


def test_return_requests_with_lines_photos_and_history(story, exported):
    _, archive, data = exported
    (request,) = data["return_requests"]
    assert (request["id"], request["order"], request["kind"], request["status"]) == (
        story.return_request.pk,
        story.insole_order.number,
        "return",
        "refunded",
    )
    assert request["reason"] == "defective" and request["comment"] == COMMENT
    assert [(line["quantity"], line["sku"]) for line in request["lines"]] == [
        (1, story.insole_order.lines.get().sku)
    ]
    assert len(request["refunds"]) == 1
    assert [step["to_status"] for step in request["history"]] == [
        "requested",
        "approved",
        "received",
        "refunded",
    ]
    assert len(request["photos"]) == 2
    for photo, stored in zip(request["photos"], story.photos, strict=True):
        assert archive.read(photo["image"]) == stored.image.open("rb").read()
        assert archive.read(photo["thumbnail"]) == stored.thumbnail.open("rb").read()


def test_assessments_with_answers_profile_and_recommendations(story, exported):
    _, _, data = exported
    assessments = {assessment["id"]: assessment for assessment in data["assessments"]}
    assert set(assessments) == {str(assessment.pk) for assessment in story.assessments}
    health = assessments[str(story.assessments[0].pk)]
    assert health["answers"]["diabetes"] is True and health["answers"]["numbness_or_tingling"] is True
    assert health["answers"]["pain_duration_weeks"] == 37
    assert health["answers"]["leg_length_difference_mm"] == 7.5
    assert health["footprint"] == str(story.footprints[0].pk)
    assert health["profile"] == story.assessments[0].profile and health["profile"]["arch_type"]
    assert health["referral"] == story.assessments[0].referral
    assert health["recommendations"] == story.assessments[0].recommendations
    assert health["exercises"] == story.assessments[0].exercises


def test_footprints_with_measurements_and_their_images(story, exported):
    _, archive, data = exported
    footprints = {footprint["id"]: footprint for footprint in data["footprints"]}
    assert set(footprints) == {str(footprint.pk) for footprint in story.footprints}
    for stored in story.footprints:
        exported_print = footprints[str(stored.pk)]
        assert exported_print["side"] == stored.side and exported_print["arch_type"] == stored.arch_type
        assert exported_print["arch_index"] == stored.arch_index
        assert exported_print["foot_length_mm"] == (
            str(stored.foot_length_mm) if stored.foot_length_mm else None
        )
        assert exported_print["zone_areas_px"] == stored.zone_areas_px
        assert archive.read(exported_print["image"]) == stored.image.open("rb").read()
        assert archive.read(exported_print["overlay"]) == stored.overlay.open("rb").read()


def test_fittings_with_measurements_prescription_and_builds(story, exported):
    _, archive, data = exported
    (fitting,) = data["fittings"]
    assert fitting["id"] == str(story.fitting.pk) and fitting["order"] == story.custom_order.number
    assert (fitting["foot_length_mm"], fitting["foot_width_mm"]) == ("265.0", "98.0")
    assert fitting["leg_length_difference_mm"] == "7.5"
    assert fitting["footprint_left"] == str(story.footprints[0].pk)
    assert fitting["profile"] == story.fitting.profile and fitting["prescription_kind"] == "pdf"
    assert archive.read(fitting["prescription"]) == story.fitting.prescription.open("rb").read()
    (build,) = data["builds"]
    assert build["order"] == story.custom_order.number
    assert (build["shell"], build["posting"], build["top_cover"], build["heel_lift_left_mm"]) == (
        "polypropylene",
        "medial",
        "leather",
        4,
    )
    assert build["lab_notes"] == f"{FIRST_NAME} {LAST_NAME} asked for a softer top cover"
    assert build["made_at"] is not None and build["production_days"] == 5


def test_the_log_of_staff_opening_health_records(story, exported, staff_user):
    _, _, data = exported
    assert [
        (a["kind"], a["record_id"], a["via"], a["staff_member"]) for a in data["health_record_accesses"]
    ] == [("prescription", str(story.fitting.pk), "admin prescription download", staff_user.pk)]


def test_every_stored_file_is_in_the_archive_and_nothing_is_missing(story, exported):
    _, archive, data = exported
    assert data["files_missing"] == []
    expected = {f"files/{field_file.name}" for field_file in story.stored_files()}
    assert {name for name in archive.namelist() if name.startswith("files/")} == expected


def test_another_customers_data_is_not_in_the_export(story, exported):
    other = consents_give(UserFactory(email="someone.else@example.com"))
    theirs = assessment_for(other)
    _, archive, data = exported
    assert str(theirs.pk) not in json.dumps(data)
    assert "someone.else@example.com" not in json.dumps(data)


def test_a_customer_with_nothing_gets_empty_lists(db):
    customer = UserFactory()
    response = client_for(customer).get(EXPORT)
    data = json.loads(_archive(response).read("data.json"))
    kinds = ["orders", "return_requests", "assessments", "footprints", "fittings", "builds", "consents"]
    assert all(data[kind] == [] for kind in kinds) and data["health_record_accesses"] == []
    assert data["default_shipping_address"] is None and data["profile"]["email"] == customer.email


def test_a_file_gone_from_storage_is_named_not_fatal(story):
    story.photos[0].image.storage.delete(story.photos[0].image.name)
    response = client_for(story.customer).get(EXPORT)
    assert response.status_code == 200
    data = json.loads(_archive(response).read("data.json"))
    assert data["files_missing"] == [f"files/{story.photos[0].image.name}"]


def test_the_schema_declares_the_export_as_a_zip(api_client):
    schema = api_client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = schema["paths"]["/api/v1/me/export/"]["get"]
    assert "application/zip" in operation["responses"]["200"]["content"]
    assert {"401", "429"} <= set(operation["responses"])
    assert response_schema(schema, "GET", "/api/v1/me/export/", 401)


def test_money_in_the_export_is_text_with_two_decimals(story, exported):
    _, _, data = exported
    for order in data["orders"]:
        for value in (order["total"], order["subtotal"], order["shipping_total"]):
            assert Decimal(value).as_tuple().exponent == -2
