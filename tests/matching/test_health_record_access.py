"""Every staff view of a health record leaves a row customers and admins can read; nobody edits it."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser

from catalogue.matching.models import HealthRecordAccess, HealthRecordKind
from catalogue.matching.selectors import health_record_accesses
from catalogue.matching.services import health_record_access_record
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_an_access_is_recorded_with_who_when_and_what_and_listed_for_its_customer_only(staff_user):
    customer, other = UserFactory(), UserFactory()
    with time_machine.travel(datetime(2026, 3, 1, 9, 30, tzinfo=UTC), tick=False):
        health_record_access_record(
            staff=staff_user,
            customer=customer,
            kind=HealthRecordKind.PRESCRIPTION,
            record_id=42,
            via="download",
        )
    with time_machine.travel(datetime(2026, 3, 2, 9, 30, tzinfo=UTC), tick=False):
        health_record_access_record(
            staff=staff_user,
            customer=customer,
            kind=HealthRecordKind.FITTING_SHEET,
            record_id="abc",
            via="admin",
        )
    health_record_access_record(staff=staff_user, customer=other, kind="footprint", record_id=1, via="admin")

    rows = list(health_record_accesses(customer=customer))
    assert [(r.kind, r.record_id, r.via, r.staff, r.accessed_at) for r in rows] == [
        ("fitting_sheet", "abc", "admin", staff_user, datetime(2026, 3, 2, 9, 30, tzinfo=UTC)),
        ("prescription", "42", "download", staff_user, datetime(2026, 3, 1, 9, 30, tzinfo=UTC)),
    ]


def test_a_guests_record_is_logged_without_a_customer(staff_user):
    row = health_record_access_record(
        staff=staff_user, customer=AnonymousUser(), kind="footprint", record_id=7, via="admin"
    )
    assert row.customer is None and HealthRecordAccess.objects.count() == 1


def test_the_admin_lists_accesses_and_offers_no_way_to_change_them(client, staff_user):
    client.force_login(staff_user)
    admin_client = client
    customer = UserFactory(email="patient@example.com")
    row = health_record_access_record(
        staff=staff_user, customer=customer, kind="assessment", record_id=3, via="x"
    )
    listing = admin_client.get("/admin/matching/healthrecordaccess/")
    assert listing.status_code == 200 and b"patient@example.com" in listing.content
    assert admin_client.get("/admin/matching/healthrecordaccess/add/").status_code == 403
    assert admin_client.post(f"/admin/matching/healthrecordaccess/{row.pk}/delete/").status_code == 403
    assert HealthRecordAccess.objects.filter(pk=row.pk).exists()
