"""Anonymous assessments, footprints and fittings no order uses are erased after the retention period.

``SHOP_HEALTH_DATA_RETENTION_DAYS`` (30) from the day a record was made, counted to the end of a day in
the shop's time zone; by ``orders.jobs.health_data_expire`` or ``manage.py erase_expired_health_data``.
"""

from datetime import datetime
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from catalogue.matching.models import Assessment, Footprint
from orders.fittings.models import Fitting
from orders.fittings.services import fitting_create, health_data_expired_erase
from orders.jobs import health_data_expire
from orders.services.cart import cart_create, cart_item_add
from orders.services.checkout import order_checkout
from tests.fittings.conftest import make_assessment, make_footprint
from tests.fittings.documents import pdf_bytes
from tests.images import upload
from tests.orders.factories import address

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
MADE = datetime(2026, 3, 1, 10, 0, tzinfo=BERLIN)
LAST_MINUTE_KEPT = datetime(2026, 3, 31, 23, 59, tzinfo=BERLIN)  # the 30th day after 1 March
JUST_AFTER = datetime(2026, 4, 1, 0, 0, 1, tzinfo=BERLIN)
NOTHING = {"assessments": 0, "footprints": 0, "fittings": 0}


def _anonymous_records():
    """A guest's footprints, assessment and complete fitting with a prescription, made at ``MADE``."""
    with time_machine.travel(MADE, tick=False):
        left, right = make_footprint(None, "left"), make_footprint(None, "right", "normal")
        assessment = make_assessment(None, footprint=left.pk)
        fitting = fitting_create(
            owner=None, assessment_id=assessment.pk, footprint_left_id=left.pk, footprint_right_id=right.pk,
            foot_length_mm=Decimal("265.0"), foot_width_mm=Decimal("98.0"), shoe_type="athletic",
            prescription=upload(pdf_bytes(), "rx.pdf", "application/pdf"),
        )  # fmt: skip
    return left, right, assessment, fitting


def _files(*records):
    names = []
    for record in records:
        for name in ("image", "overlay", "prescription"):
            field_file = getattr(record, name, None)
            if field_file:
                names.append((field_file.storage, field_file.name))
    return names


def test_kept_to_the_last_minute_of_day_30_and_erased_just_after(django_capture_on_commit_callbacks):
    left, right, assessment, fitting = _anonymous_records()
    files = _files(left, right, fitting)
    assert len(files) == 5 and all(storage.exists(name) for storage, name in files)

    with time_machine.travel(LAST_MINUTE_KEPT, tick=False):
        assert health_data_expired_erase() == NOTHING
    assert Assessment.objects.count() == 1 and Footprint.objects.count() == 2 and Fitting.objects.count() == 1

    with time_machine.travel(JUST_AFTER, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert health_data_expired_erase() == {"assessments": 1, "footprints": 2, "fittings": 1}
    assert not Assessment.objects.exists() and not Footprint.objects.exists() and not Fitting.objects.exists()
    assert not any(storage.exists(name) for storage, name in files)


def test_a_second_run_finds_nothing(django_capture_on_commit_callbacks):
    _anonymous_records()
    with time_machine.travel(JUST_AFTER, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert health_data_expired_erase()["fittings"] == 1
        assert health_data_expired_erase() == NOTHING


def test_a_fitting_an_order_uses_is_kept_with_what_it_was_made_from(custom_variant):
    left, right, assessment, fitting = _anonymous_records()
    with time_machine.travel(MADE, tick=False):
        cart = cart_create(user=None)
        cart_item_add(cart=cart, sku=custom_variant.sku, quantity=1, fitting=fitting.pk)
        order_checkout(
            cart_token=cart.token, email="guest@example.com", shipping_address=address(),
            shipping_method="standard",
        )  # fmt: skip
    with time_machine.travel(datetime(2027, 3, 1, tzinfo=BERLIN), tick=False):
        assert health_data_expired_erase() == NOTHING
    fitting.refresh_from_db()
    assert fitting.order_line_id and fitting.prescription
    assert (fitting.assessment_id, fitting.footprint_left_id, fitting.footprint_right_id) == (
        assessment.pk,
        left.pk,
        right.pk,
    )


def test_a_fitting_in_a_cart_that_was_never_ordered_is_erased(custom_variant):
    *_, fitting = _anonymous_records()
    with time_machine.travel(MADE, tick=False):
        cart = cart_create(user=None)
        item = cart_item_add(cart=cart, sku=custom_variant.sku, quantity=1, fitting=fitting.pk)
    with time_machine.travel(JUST_AFTER, tick=False):
        assert health_data_expired_erase()["fittings"] == 1
    item.refresh_from_db()  # the cart line stays, without its fitting
    assert not Fitting.objects.filter(cart_item=item).exists()


def test_a_customers_own_records_are_not_subject_to_the_limit(customer):
    with time_machine.travel(MADE, tick=False):
        make_footprint(customer, "left")
        make_assessment(customer)
        fitting_create(owner=customer, shoe_type="casual")
    with time_machine.travel(datetime(2027, 3, 1, tzinfo=BERLIN), tick=False):
        assert health_data_expired_erase() == NOTHING
    assert Assessment.objects.count() == Footprint.objects.count() == Fitting.objects.count() == 1


def test_the_period_is_a_setting(settings):
    settings.SHOP_HEALTH_DATA_RETENTION_DAYS = 7
    _anonymous_records()
    with time_machine.travel(datetime(2026, 3, 8, 23, 59, tzinfo=BERLIN), tick=False):
        assert health_data_expired_erase() == NOTHING
    with time_machine.travel(datetime(2026, 3, 9, 0, 1, tzinfo=BERLIN), tick=False):
        assert health_data_expired_erase()["assessments"] == 1


def test_the_command_and_the_scheduled_job_run_the_same_erasure():
    _anonymous_records()
    out = StringIO()
    with time_machine.travel(JUST_AFTER, tick=False):
        call_command("erase_expired_health_data", stdout=out)
        assert "Erased 1 assessment(s), 2 footprint(s) and 1 fitting(s)" in out.getvalue()
        _anonymous_records()  # made on 1 March too: expired as well
        assert health_data_expire.call() == {"assessments": 1, "footprints": 2, "fittings": 1}
        out = StringIO()
        call_command("erase_expired_health_data", stdout=out)
        assert "Erased 0 assessment(s), 0 footprint(s) and 0 fitting(s)" in out.getvalue()
