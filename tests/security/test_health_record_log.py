"""Every staff view of a customer's health record adds one row to the access log; the customer's own adds none.

The row names the member of staff, the customer, the kind and id of the record and the time (a fixed
clock here). Covered: the fitting sheet and its printable copy, the fitting's admin page, the
prescription (admin and staff API), the footprint and assessment admin pages, the footprint's picture
and overlay (admin, and the overlays on the fitting sheet), and return photos (admin and staff API).
Staff without the view permission get 403 and leave no row.
"""

from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.auth.models import Group, Permission

from catalogue.matching.models import HealthRecordAccess, HealthRecordKind
from catalogue.matching.selectors import health_record_accesses
from orders.fittings.services import fitting_create
from tests.conftest import client_for
from tests.factories import UserFactory, consents_give
from tests.fittings.documents import pdf_bytes
from tests.images import upload
from tests.returns.helpers import delivered, request_for
from tests.security import world as build

pytestmark = pytest.mark.django_db

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def customer_with_records(customer):
    """The customer's footprints, assessment, fitting with a prescription, and a return request's photo."""
    consents_give(customer)
    left = build.footprint_for(customer)
    right = build.footprint_for(customer)
    right.side = "right"
    right.save(update_fields=["side"])
    assessment = build.assessment_for(customer, footprint=left)
    fitting = fitting_create(
        owner=customer, assessment_id=assessment.pk, footprint_left_id=left.pk, footprint_right_id=right.pk,
        shoe_type="athletic", prescription=upload(pdf_bytes(), "rx.pdf", "application/pdf"),
    )  # fmt: skip
    request = request_for(delivered(staff=UserFactory(is_staff=True), user=customer))
    photo = build.return_photo_for(request.pk)
    return {
        "footprint": left,
        "assessment": assessment,
        "fitting": fitting,
        "request": request,
        "photo": photo,
    }


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


def _rows() -> list[tuple]:
    return [
        (row.staff, row.customer, row.kind, row.record_id, row.accessed_at)
        for row in HealthRecordAccess.objects.order_by("id")
    ]


def _open(client, url: str):
    with time_machine.travel(AT, tick=False):
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    response.body = b"".join(response.streaming_content) if response.streaming else response.content
    return response


@pytest.mark.parametrize("page", ["sheet", "print"])
def test_opening_the_fitting_sheet_as_staff_adds_one_row(
    admin_client, staff_user, customer, customer_with_records, page
):
    fitting = customer_with_records["fitting"]
    _open(admin_client, f"/admin/fittings/fitting/{fitting.pk}/{page}/")
    assert _rows() == [(staff_user, customer, HealthRecordKind.FITTING_SHEET, str(fitting.pk), AT)]


def test_the_fittings_admin_page_is_logged_as_its_sheet(
    admin_client, staff_user, customer, customer_with_records
):
    fitting = customer_with_records["fitting"]
    _open(admin_client, f"/admin/fittings/fitting/{fitting.pk}/change/")
    assert _rows() == [(staff_user, customer, HealthRecordKind.FITTING_SHEET, str(fitting.pk), AT)]


def test_downloading_the_prescription_in_the_admin_adds_one_row(
    admin_client, staff_user, customer, customer_with_records
):
    fitting = customer_with_records["fitting"]
    response = _open(admin_client, f"/admin/fittings/fitting/{fitting.pk}/prescription/")
    assert response["Content-Type"] == "application/pdf"
    assert _rows() == [(staff_user, customer, HealthRecordKind.PRESCRIPTION, str(fitting.pk), AT)]
    row = HealthRecordAccess.objects.get()
    assert list(health_record_accesses(customer=customer)) == [row] and "prescription" in row.via


def test_downloading_the_prescription_through_the_staff_api_adds_one_row(
    staff_client, staff_user, customer, customer_with_records
):
    fitting = customer_with_records["fitting"]
    _open(staff_client, f"/api/v1/fittings/{fitting.pk}/prescription/")
    assert _rows() == [(staff_user, customer, HealthRecordKind.PRESCRIPTION, str(fitting.pk), AT)]


def test_the_customer_reading_their_own_records_adds_no_row(customer_client, customer_with_records):
    records = customer_with_records
    photo_url = f"/api/v1/returns/{records['request'].pk}/photos/{records['photo'].pk}/"
    for url in (
        f"/api/v1/fittings/{records['fitting'].pk}/prescription/",
        f"/api/v1/fittings/{records['fitting'].pk}/",
        f"/api/v1/fit/footprints/{records['footprint'].pk}/image/",
        f"/api/v1/fit/footprints/{records['footprint'].pk}/overlay/",
        f"/api/v1/fit/assessments/{records['assessment'].pk}/",
        photo_url,
        f"{photo_url}?size=thumbnail",
    ):
        _open(customer_client, url)
    assert _rows() == []


def test_a_staff_member_reading_their_own_prescription_adds_no_row(staff_user):
    consents_give(staff_user)
    fitting = build.fitting_for(staff_user)
    _open(client_for(staff_user), f"/api/v1/fittings/{fitting.pk}/prescription/")
    assert _rows() == []


@pytest.mark.parametrize(
    ("url", "kind", "record"),
    [
        ("/admin/matching/footprint/{footprint.pk}/change/", HealthRecordKind.FOOTPRINT, "footprint"),
        ("/admin/matching/footprint/{footprint.pk}/image/", HealthRecordKind.FOOTPRINT, "footprint"),
        ("/admin/matching/footprint/{footprint.pk}/overlay/", HealthRecordKind.FOOTPRINT, "footprint"),
        ("/admin/fittings/fitting/{fitting.pk}/overlay/left.png", HealthRecordKind.FOOTPRINT, "footprint"),
        ("/admin/matching/assessment/{assessment.pk}/change/", HealthRecordKind.ASSESSMENT, "assessment"),
        (
            "/admin/returns/returnrequest/{request.pk}/photos/{photo.pk}/",
            HealthRecordKind.RETURN_PHOTO,
            "photo",
        ),
        (
            "/admin/returns/returnrequest/{request.pk}/photos/{photo.pk}/?size=thumbnail",
            HealthRecordKind.RETURN_PHOTO,
            "photo",
        ),
        ("/api/v1/returns/{request.pk}/photos/{photo.pk}/", HealthRecordKind.RETURN_PHOTO, "photo"),
    ],
)
def test_each_staff_view_of_a_record_adds_one_row(
    client, staff_user, customer, customer_with_records, url, kind, record
):
    records = customer_with_records
    viewer = client_for(staff_user) if url.startswith("/api/") else client
    client.force_login(staff_user)
    _open(viewer, url.format(**records))
    assert _rows() == [(staff_user, customer, kind, str(records[record].pk), AT)]


def test_the_return_request_page_logs_each_photo_its_browser_loads(
    admin_client, staff_user, customer_with_records
):
    records = customer_with_records
    page = _open(admin_client, f"/admin/returns/returnrequest/{records['request'].pk}/change/")
    photo_url = f"/admin/returns/returnrequest/{records['request'].pk}/photos/{records['photo'].pk}/"
    assert f'src="{photo_url}?size=thumbnail"'.encode() in page.content
    assert _rows() == []  # the page itself holds no photo; the thumbnail it shows is logged when loaded
    thumbnail = _open(admin_client, f"{photo_url}?size=thumbnail")
    with records["photo"].thumbnail.open("rb") as stored:
        assert thumbnail.body == stored.read()
    assert len(_rows()) == 1


def test_a_guests_photo_is_logged_without_a_customer(admin_client, staff_user):
    request = request_for(delivered(staff=staff_user, user=None, email="guest.log@example.com"))
    photo = build.return_photo_for(request.pk)
    _open(admin_client, f"/admin/returns/returnrequest/{request.pk}/photos/{photo.pk}/")
    assert _rows() == [(staff_user, None, HealthRecordKind.RETURN_PHOTO, str(photo.pk), AT)]


def test_staff_without_the_view_permission_get_403_and_leave_no_row(client, customer_with_records):
    records = customer_with_records
    client.force_login(UserFactory(is_staff=True))
    for url in (
        f"/admin/matching/footprint/{records['footprint'].pk}/image/",
        f"/admin/matching/footprint/{records['footprint'].pk}/overlay/",
        f"/admin/matching/footprint/{records['footprint'].pk}/change/",
        f"/admin/matching/assessment/{records['assessment'].pk}/change/",
        f"/admin/fittings/fitting/{records['fitting'].pk}/sheet/",
        f"/admin/fittings/fitting/{records['fitting'].pk}/prescription/",
        f"/admin/returns/returnrequest/{records['request'].pk}/photos/{records['photo'].pk}/",
    ):
        assert client.get(url).status_code == 403, url
    assert _rows() == []


def test_customers_are_sent_to_the_admin_login_for_the_admin_file_views(
    client, customer, customer_with_records
):
    records = customer_with_records
    client.force_login(customer)
    for url in (
        f"/admin/matching/footprint/{records['footprint'].pk}/image/",
        f"/admin/returns/returnrequest/{records['request'].pk}/photos/{records['photo'].pk}/",
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], url
    assert _rows() == []


def test_customer_service_opens_return_photos_with_its_view_permission(
    client, customer, customer_with_records
):
    records = customer_with_records
    agent = UserFactory(is_staff=True)
    agent.groups.add(Group.objects.get(name="Customer service"))
    assert Permission.objects.filter(group__name="Customer service", codename="view_returnphoto").exists()
    client.force_login(agent)
    _open(client, f"/admin/returns/returnrequest/{records['request'].pk}/photos/{records['photo'].pk}/")
    assert _rows() == [(agent, customer, HealthRecordKind.RETURN_PHOTO, str(records["photo"].pk), AT)]
