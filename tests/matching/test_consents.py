"""Consent per purpose: /me/consents/ reads, gives and withdraws it; foot data of a signed-in customer needs it.

(This folder's ``customer`` has every consent; the customers here are made without.)
"""

from datetime import datetime

import pytest

from catalogue.matching import consent as consent_texts
from catalogue.matching.models import Assessment, Consent, Footprint
from catalogue.matching.selectors import foot_profile_latest
from tests.api.test_schema_contract import assert_conforms
from tests.conftest import client_for
from tests.factories import UserFactory, consents_give
from tests.matching.prints import draw_print, encode

pytestmark = pytest.mark.django_db

CONSENTS = "/api/v1/me/consents/"
ASSESSMENTS = "/api/v1/fit/assessments/"
FOOTPRINTS = "/api/v1/fit/footprints/"
VERSION = consent_texts.CONSENT_TEXTS["foot_assessment"][0]


@pytest.fixture
def schema(api_client):
    return api_client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()


@pytest.fixture
def newcomer(db):
    return UserFactory()


@pytest.fixture
def newcomer_client(newcomer):
    return client_for(newcomer)


def _codes(response):
    return [(error["code"], error["attr"]) for error in response.json()["errors"]]


def _print():
    return encode(draw_print("flat", size=(300, 400)).image, format="PNG")


def test_the_list_shows_each_purpose_with_its_current_text_and_nothing_given(newcomer_client, schema):
    response = newcomer_client.get(CONSENTS)
    assert response.status_code == 200
    assert [(c["purpose"], c["version"], c["given"], c["given_at"]) for c in response.json()] == [
        ("foot_assessment", VERSION, False, None),
        ("lab_sharing", consent_texts.CONSENT_TEXTS["lab_sharing"][0], False, None),
        ("outcome_followups", consent_texts.CONSENT_TEXTS["outcome_followups"][0], False, None),
    ]
    texts = {c["purpose"]: c["text"] for c in response.json()}
    assert "assessment answers" in texts["foot_assessment"] and "footprint photos" in texts["foot_assessment"]
    assert "orthotics lab" in texts["lab_sharing"] and "prescription" in texts["lab_sharing"]
    assert "two and eight weeks" in texts["outcome_followups"] and "pooled" in texts["outcome_followups"]
    assert_conforms(schema, "GET", "/api/v1/me/consents/", response)


def test_giving_a_consent_records_the_version_the_time_and_the_api(newcomer, newcomer_client, schema):
    response = newcomer_client.post(
        CONSENTS, {"purpose": "foot_assessment", "version": VERSION}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["given"] is True and response.json()["given_version"] == VERSION
    assert_conforms(schema, "POST", "/api/v1/me/consents/", response)
    consent = Consent.objects.get(user=newcomer)
    assert (consent.purpose, consent.text_version, consent.method, consent.withdrawn_at) == (
        "foot_assessment",
        VERSION,
        "api",
        None,
    )
    assert datetime.fromisoformat(response.json()["given_at"]) == consent.given_at

    again = newcomer_client.post(CONSENTS, {"purpose": "foot_assessment", "version": VERSION}, format="json")
    assert again.status_code == 200 and Consent.objects.filter(user=newcomer).count() == 1


def test_an_outdated_text_version_is_refused(newcomer, newcomer_client, schema):
    response = newcomer_client.post(
        CONSENTS, {"purpose": "foot_assessment", "version": VERSION + 1}, format="json"
    )
    assert response.status_code == 409 and _codes(response) == [("consent_text_outdated", None)]
    assert f"version {VERSION}" in response.json()["errors"][0]["detail"]
    assert_conforms(schema, "POST", "/api/v1/me/consents/", response)
    assert not Consent.objects.exists()


def test_an_unknown_purpose_is_refused(newcomer_client):
    response = newcomer_client.post(CONSENTS, {"purpose": "marketing", "version": 1}, format="json")
    assert response.status_code == 400 and _codes(response) == [("invalid_choice", "purpose")]
    withdraw = newcomer_client.delete(f"{CONSENTS}marketing/")
    assert withdraw.status_code == 404 and _codes(withdraw) == [("consent_purpose_not_found", None)]


def test_consents_need_a_login(api_client):
    assert api_client.get(CONSENTS).status_code == 401
    assert (
        api_client.post(CONSENTS, {"purpose": "foot_assessment", "version": 1}, format="json").status_code
        == 401
    )
    assert api_client.delete(f"{CONSENTS}foot_assessment/").status_code == 401


def test_without_consent_a_signed_in_assessment_is_refused_and_nothing_stored(newcomer_client, schema):
    response = newcomer_client.post(ASSESSMENTS, {"arch_type_self": "flat", "diabetes": True}, format="json")
    assert response.status_code == 409 and _codes(response) == [("consent_required", None)]
    assert "foot_assessment" in response.json()["errors"][0]["detail"]
    assert_conforms(schema, "POST", "/api/v1/fit/assessments/", response)
    assert not Assessment.objects.exists()


def test_without_consent_a_signed_in_footprint_is_refused_and_nothing_stored(
    newcomer_client, schema, tmp_path
):
    response = newcomer_client.post(FOOTPRINTS, {"image": _print()}, format="multipart")
    assert response.status_code == 409 and _codes(response) == [("consent_required", None)]
    assert "foot_assessment" in response.json()["errors"][0]["detail"]
    assert_conforms(schema, "POST", "/api/v1/fit/footprints/", response)
    assert not Footprint.objects.exists()
    assert not [path for path in (tmp_path / "media").rglob("*") if path.is_file()]


def test_anonymous_assessments_and_footprints_need_no_consent(api_client):
    assert api_client.post(ASSESSMENTS, {"arch_type_self": "flat"}, format="json").status_code == 201
    assert api_client.post(FOOTPRINTS, {"image": _print()}, format="multipart").status_code == 201
    assert Assessment.objects.get().owner is None and Footprint.objects.get().owner is None


def test_with_consent_the_customer_is_served_and_withdrawing_stops_further_use(newcomer, newcomer_client):
    consents_give(newcomer, "foot_assessment")
    created = newcomer_client.post(ASSESSMENTS, {"arch_type_self": "flat"}, format="json")
    assert created.status_code == 201
    assert newcomer_client.get("/api/v1/me/").json()["foot_profile"]["assessment"] == created.json()["id"]

    withdrawn = newcomer_client.delete(f"{CONSENTS}foot_assessment/")
    assert withdrawn.status_code == 204
    assert Consent.objects.get(user=newcomer).withdrawn_at is not None
    assert newcomer_client.get(CONSENTS).json()[0]["given"] is False
    # No new foot data, and the stored assessments are no longer read for the profile.
    assert newcomer_client.post(ASSESSMENTS, {"arch_type_self": "flat"}, format="json").status_code == 409
    assert newcomer_client.post(FOOTPRINTS, {"image": _print()}, format="multipart").status_code == 409
    assert newcomer_client.get("/api/v1/me/").json()["foot_profile"] is None
    assert foot_profile_latest(user=newcomer) is None
    assert Assessment.objects.filter(owner=newcomer).count() == 1  # kept until erased (docs/privacy.md)
    assert newcomer_client.delete(f"{CONSENTS}foot_assessment/").status_code == 204  # again: no-op

    # Given again: a new consent row, and the profile is used again.
    again = newcomer_client.post(CONSENTS, {"purpose": "foot_assessment", "version": VERSION}, format="json")
    assert again.status_code == 201 and Consent.objects.filter(user=newcomer).count() == 2
    assert newcomer_client.get("/api/v1/me/").json()["foot_profile"] is not None


def test_a_new_text_version_needs_a_new_consent(newcomer, newcomer_client, monkeypatch):
    consents_give(newcomer, "foot_assessment")
    new_text = (VERSION + 1, "A changed text the customer has not seen.")
    monkeypatch.setitem(consent_texts.CONSENT_TEXTS, "foot_assessment", new_text)

    state = newcomer_client.get(CONSENTS).json()[0]
    assert (state["version"], state["given"], state["given_version"]) == (VERSION + 1, False, VERSION)
    assert newcomer_client.post(ASSESSMENTS, {}, format="json").status_code == 409

    given = newcomer_client.post(
        CONSENTS, {"purpose": "foot_assessment", "version": VERSION + 1}, format="json"
    )
    assert given.status_code == 201
    old, new = Consent.objects.filter(user=newcomer).order_by("given_at", "id")
    assert old.withdrawn_at is not None and (new.text_version, new.withdrawn_at) == (VERSION + 1, None)
    assert newcomer_client.post(ASSESSMENTS, {}, format="json").status_code == 201


def test_withdrawing_one_purpose_leaves_the_other(newcomer, newcomer_client):
    consents_give(newcomer)
    assert newcomer_client.delete(f"{CONSENTS}lab_sharing/").status_code == 204
    states = {state["purpose"]: state["given"] for state in newcomer_client.get(CONSENTS).json()}
    assert states == {"foot_assessment": True, "lab_sharing": False, "outcome_followups": True}
    assert newcomer_client.post(ASSESSMENTS, {}, format="json").status_code == 201


def test_one_customers_consent_is_not_anothers(newcomer_client, other_customer):
    consents_give(other_customer)
    assert newcomer_client.post(ASSESSMENTS, {}, format="json").status_code == 409


def test_staff_record_a_consent_given_to_them_and_withdraw_one_in_the_admin(client, staff_user, newcomer):
    client.force_login(staff_user)
    added = client.post("/admin/matching/consent/add/", {"user": newcomer.pk, "purpose": "lab_sharing"})
    assert added.status_code == 302
    consent = Consent.objects.get(user=newcomer)
    assert (consent.purpose, consent.method, consent.text_version) == (
        "lab_sharing",
        "admin",
        consent_texts.CONSENT_TEXTS["lab_sharing"][0],
    )
    listing = client.get("/admin/matching/consent/")
    assert listing.status_code == 200 and newcomer.email in listing.content.decode()
    client.post("/admin/matching/consent/", {"action": "withdraw", "_selected_action": [consent.pk]})
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    assert client.post(f"/admin/matching/consent/{consent.pk}/delete/", {"post": "yes"}).status_code == 403
