"""DELETE /api/v1/me/ and the admin action: health data erased, the person taken out of what is kept.

The acceptance test builds a customer with one of everything (``tests.accounts.story``), erases the
account, then reads every text and JSON column of every table of every installed app, and every stored
file, for the customer's name, email, phone, street, postcode and health answers: none may remain, and
the orders and refunds must still add up.
"""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.db import models
from django.db.models import Sum
from rest_framework.authtoken.models import Token

from accounts.models import ErasureRecord
from catalogue.matching.models import Assessment, Consent, Footprint, HealthRecordAccess
from orders.fittings.models import Fitting, OrthoticBuild
from orders.models import CustomerAddressBook, Order, WebhookEvent
from orders.returns.models import ReturnPhoto, ReturnRequest, ReturnStatusChange
from tests.accounts.story import CANCEL_REASON, COMMENT, EMAIL, HEALTH_MARKERS, customer_with_everything
from tests.api.test_schema_contract import assert_conforms
from tests.conftest import client_for
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.orders.factories import paid_order
from tests.returns.helpers import delivered, request_for

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"
TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField, models.FileField)


@pytest.fixture
def story(staff_user):
    return customer_with_everything(staff=staff_user)


@pytest.fixture
def schema(api_client):
    return api_client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()


def _erase(client, password=DEFAULT_PASSWORD):
    return client.delete(ME, {"password": password}, format="json")


def _as_text(field, value) -> str:
    if value is None:
        return ""
    if isinstance(field, models.JSONField):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return str(value)


def scan_every_table(needles: list[str]) -> list[str]:
    """Return ``table.column: needle`` for every needle found in any text or JSON column of any table."""
    found = []
    lowered = [needle.lower() for needle in needles]
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        fields = [field for field in model._meta.concrete_fields if isinstance(field, TEXT_FIELDS)]
        if not fields:
            continue
        for row in model._base_manager.values_list(*[field.attname for field in fields]):
            for field, value in zip(fields, row, strict=True):
                text = _as_text(field, value).lower()
                found += [
                    f"{model._meta.db_table}.{field.column}: {needle}"
                    for needle, low in zip(needles, lowered, strict=True)
                    if low in text
                ]
    return found


def scan_storage(root: Path, needles: list[str]) -> list[str]:
    """Return ``path: needle`` for every needle found in the bytes of any file under ``root``."""
    found = []
    for path in root.rglob("*"):
        if path.is_file():
            content = path.read_bytes().lower()
            found += [f"{path}: {needle}" for needle in needles if needle.lower().encode() in content]
    return found


def _books(orders) -> list[tuple]:
    """What the tax records of each order add up to."""
    rows = []
    for order in Order.objects.filter(pk__in=[o.pk for o in orders]).order_by("pk"):
        rows.append(
            (
                order.number, order.total, order.subtotal, order.shipping_total, order.captured_total,
                order.refunded_total, order.captured_total - order.refunded_total,
                order.lines.aggregate(total=Sum("line_total"))["total"],
                order.refunds.aggregate(total=Sum("amount"))["total"],
                order.payments.aggregate(total=Sum("amount_received"))["total"],
                [(line.sku, line.quantity, line.unit_price) for line in order.lines.order_by("pk")],
            )
        )  # fmt: skip
    return rows


def test_erasure_leaves_nothing_that_names_the_customer_and_the_books_still_add_up(
    story, tmp_path, settings, django_capture_on_commit_callbacks
):
    needles = [*story.identity, *HEALTH_MARKERS, COMMENT, CANCEL_REASON]
    assert len(scan_every_table(needles)) > 20  # the scan sees the customer everywhere before
    assert scan_storage(tmp_path, ["Rosalind"])  # the prescription names her
    files = [(field_file.storage, field_file.name) for field_file in story.stored_files()]
    assert len(files) == 9 and all(storage.exists(name) for storage, name in files)
    books = _books(story.orders)
    assert any(row[5] and row[5] < row[4] for row in books)  # an order refunded in part

    with django_capture_on_commit_callbacks(execute=True):
        response = _erase(client_for(story.customer))

    assert response.status_code == 200, response.json()
    assert scan_every_table(needles) == []
    assert scan_storage(tmp_path, needles) == []
    assert not any(storage.exists(name) for storage, name in files)
    assert _books(story.orders) == books
    assert not any(needle.lower() in response.content.decode().lower() for needle in story.identity)


def test_what_is_deleted_and_what_is_kept_without_the_person(
    story, staff_user, django_capture_on_commit_callbacks
):
    customer = story.customer
    with django_capture_on_commit_callbacks(execute=True):
        assert _erase(client_for(customer)).status_code == 200

    customer.refresh_from_db()
    assert customer.email.startswith("erased-") and customer.email.endswith("@invalid.example")
    assert (customer.first_name, customer.last_name, customer.is_active) == ("", "", False)
    assert not customer.has_usable_password() and customer.email_verified is False
    assert not Assessment.objects.exists() and not Footprint.objects.exists()
    assert not ReturnPhoto.objects.exists() and not CustomerAddressBook.objects.exists()
    assert not Token.objects.filter(user=customer).exists()

    # Orders: identity replaced, the country kept for tax.
    for order in Order.objects.filter(pk__in=[o.pk for o in story.orders]):
        assert order.email == customer.email and order.user_id == customer.pk
        assert order.shipping_address["country"] == "DE"
        assert {value for key, value in order.shipping_address.items() if key != "country"} == {""}
    cancelled = Order.objects.get(pk=story.cancelled_order.pk)
    assert cancelled.cancellation_reason == "" and cancelled.status == "cancelled"

    # The return request stays, without comment or photos; staff's note loses the name.
    request = ReturnRequest.objects.get(pk=story.return_request.pk)
    assert request.comment == "" and request.status == "refunded" and request.lines.count() == 1
    notes = list(ReturnStatusChange.objects.filter(return_request=request).values_list("note", flat=True))
    assert "" in notes and "OK for [erased]" in notes

    # The custom device: the build record stays, the fitting without measurements or prescription.
    fitting = Fitting.objects.get(pk=story.fitting.pk)
    assert fitting.order_line_id and fitting.owner_id is None and not fitting.prescription
    assert (fitting.foot_length_mm, fitting.foot_width_mm, fitting.leg_length_difference_mm) == (
        None,
        None,
        None,
    )
    assert fitting.profile == {} and fitting.assessment_id is None and fitting.footprint_left_id is None
    build = OrthoticBuild.objects.get(order_line__order=story.custom_order)
    assert (build.shell, build.posting, build.heel_lift_left_mm) == ("polypropylene", "medial", 4)
    assert build.made_at is not None and build.lab_notes == "[erased] asked for a softer top cover"

    # Consents (the three purposes: assessment, lab sharing, follow-ups) and the access log stay, linked to nobody.
    assert Consent.objects.filter(user__isnull=True, withdrawn_at__isnull=False).count() == 3
    assert not Consent.objects.filter(user__isnull=False).exists()
    access = HealthRecordAccess.objects.get()
    assert access.customer_id is None and access.staff == staff_user

    # The provider's event keeps its amounts, not the person.
    payload = WebhookEvent.objects.get(event_id="evt_story_charge").payload
    assert payload["data"]["object"]["receipt_email"] == "[erased]"

    record = ErasureRecord.objects.get()
    assert (record.account, record.erased_by, record.via) == (customer, None, "api")
    assert record.counts["erased"]["assessments"] == 2 and record.counts["kept"]["orders"] == 3
    assert EMAIL not in json.dumps(record.counts)


def test_the_answer_says_what_was_erased_and_what_was_kept_and_why(story, schema):
    response = _erase(client_for(story.customer))
    assert response.status_code == 200
    body = response.json()
    assert body["detail"].startswith("Your account is erased")
    erased = {item["what"]: item["count"] for item in body["erased"]}
    assert erased == {
        "account": 1,
        "logins": 1,
        "assessments": 2,
        "footprints": 2,
        "fitting_measurements": 1,
        "prescriptions": 1,
        "return_photos": 2,
        "return_comments": 1,
        "saved_address": 1,
        "carts": 3,
    }
    kept = {item["what"]: item for item in body["kept"]}
    assert {what: item["count"] for what, item in kept.items()} == {
        "consents": 3,
        "health_record_accesses": 1,
        "custom_device_records": 1,
        "return_requests": 1,
        "orders": 3,
        "invoices": 3,  # the custom and the insole order's invoices, the insole refund's credit note
    }
    assert "§147 AO" in kept["orders"]["legal_basis"] and "§14b UStG" in kept["orders"]["legal_basis"]
    assert "2017/745" in kept["custom_device_records"]["legal_basis"]
    assert "Art. 7(1)" in kept["consents"]["legal_basis"]
    assert all(item["description"] and item["reason"] for item in body["kept"])
    assert_conforms(schema, "DELETE", "/api/v1/me/", response)


def test_the_erased_account_can_no_longer_sign_in(story, api_client):
    client = client_for(story.customer)
    assert _erase(client).status_code == 200
    assert client.get(ME).status_code == 401
    login = api_client.post("/api/v1/auth/login/", {"email": EMAIL, "password": DEFAULT_PASSWORD})
    assert login.status_code == 400 and login.json()["errors"][0]["code"] == "invalid_credentials"


def test_a_wrong_password_changes_nothing(story, schema):
    client = client_for(story.customer)
    response = _erase(client, password="not-my-password")
    assert response.status_code == 400
    assert [(e["code"], e["attr"]) for e in response.json()["errors"]] == [("invalid_password", "password")]
    assert_conforms(schema, "DELETE", "/api/v1/me/", response)
    story.customer.refresh_from_db()
    assert story.customer.email == EMAIL and story.customer.is_active
    assert Assessment.objects.count() == 2 and ReturnPhoto.objects.count() == 2
    assert not ErasureRecord.objects.exists()
    assert client.get(ME).status_code == 200


def test_the_password_is_required(customer):
    response = client_for(customer).delete(ME, {}, format="json")
    assert response.status_code == 400
    assert [(e["code"], e["attr"]) for e in response.json()["errors"]] == [("required", "password")]


def test_an_order_under_way_blocks_the_erasure_and_nothing_changes(customer, schema):
    order = paid_order(user=customer)
    response = _erase(client_for(customer))
    assert response.status_code == 409
    error = response.json()["errors"][0]
    assert error["code"] == "erasure_blocked" and order.number in error["detail"]
    assert_conforms(schema, "DELETE", "/api/v1/me/", response)
    customer.refresh_from_db()
    assert customer.is_active and Order.objects.get(pk=order.pk).email == customer.email


def test_an_open_return_request_blocks_the_erasure(customer, staff_user):
    request = request_for(delivered(staff=staff_user, user=customer))
    response = _erase(client_for(customer))
    assert response.status_code == 409 and str(request.pk) in response.json()["errors"][0]["detail"]


def test_a_staff_account_cannot_erase_itself(staff_user):
    response = _erase(client_for(staff_user))
    assert response.status_code == 409 and response.json()["errors"][0]["code"] == "account_is_staff"
    staff_user.refresh_from_db()
    assert staff_user.is_active and staff_user.is_staff


def test_it_is_one_transaction_a_failure_keeps_everything_files_included(
    story, monkeypatch, django_capture_on_commit_callbacks
):
    from accounts import services

    def failing(**kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(services, "orders_erase", failing)
    files = [(field_file.storage, field_file.name) for field_file in story.stored_files()]
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        services.user_erase(user=story.customer, password=DEFAULT_PASSWORD)
    story.customer.refresh_from_db()
    assert story.customer.email == EMAIL and Assessment.objects.count() == 2
    assert Fitting.objects.get(pk=story.fitting.pk).prescription
    assert all(storage.exists(name) for storage, name in files)
    assert not ErasureRecord.objects.exists()


def test_staff_erase_an_account_from_the_admin_after_a_confirmation_page(
    client, staff_user, story, django_capture_on_commit_callbacks
):
    client.force_login(staff_user)
    action = {"action": "erase", "_selected_action": [story.customer.pk]}
    page = client.post("/admin/shop/user/", action)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Erase these accounts" in html and EMAIL in html and "cannot be undone" in html
    assert story.customer.__class__.objects.get(pk=story.customer.pk).email == EMAIL  # nothing yet

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post("/admin/shop/user/", {**action, "apply": "1"}, follow=True)
    assert done.status_code == 200
    assert f"Account {story.customer.pk} erased" in done.content.decode()
    record = ErasureRecord.objects.get()
    assert (record.account_id, record.erased_by, record.via) == (story.customer.pk, staff_user, "admin")
    assert not Assessment.objects.exists()
    assert scan_every_table(story.identity) == []


def test_the_admin_refuses_an_account_with_an_order_under_way(client, staff_user, customer):
    paid_order(user=customer)
    client.force_login(staff_user)
    done = client.post(
        "/admin/shop/user/", {"action": "erase", "_selected_action": [customer.pk], "apply": "1"}, follow=True
    )
    assert "still under way" in done.content.decode()
    customer.refresh_from_db()
    assert customer.is_active and not ErasureRecord.objects.exists()


def test_an_erased_account_is_not_erased_twice(client, staff_user, story):
    assert _erase(client_for(story.customer)).status_code == 200
    client.force_login(staff_user)
    done = client.post(
        "/admin/shop/user/",
        {"action": "erase", "_selected_action": [story.customer.pk], "apply": "1"},
        follow=True,
    )
    assert "already erased" in done.content.decode()
    assert ErasureRecord.objects.count() == 1


def test_erasure_records_cannot_be_changed_in_the_admin(client, staff_user, story):
    _erase(client_for(story.customer))
    client.force_login(staff_user)
    record = ErasureRecord.objects.get()
    assert client.get("/admin/accounts/erasurerecord/").status_code == 200
    assert client.get("/admin/accounts/erasurerecord/add/").status_code == 403
    assert (
        client.post(f"/admin/accounts/erasurerecord/{record.pk}/delete/", {"post": "yes"}).status_code == 403
    )


def test_guest_orders_and_other_customers_are_untouched(story, staff_user):
    other = UserFactory(email="other.person@example.com")
    theirs = paid_order(user=other)
    guest = paid_order(email=EMAIL)  # placed without an account, with the same address
    assert _erase(client_for(story.customer)).status_code == 200
    assert Order.objects.get(pk=theirs.pk).email == "other.person@example.com"
    assert Order.objects.get(pk=guest.pk).email == EMAIL
    assert Decimal(Order.objects.get(pk=theirs.pk).total) == theirs.total
