"""Two retention runs at once on PostgreSQL, and two consents given at once: real locks, real threads."""

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection

from catalogue.matching.consent import CONSENT_TEXTS
from catalogue.matching.models import Assessment, Consent, Footprint
from catalogue.matching.services import consent_give
from orders.fittings.models import Fitting
from orders.fittings.services import fitting_create, health_data_expired_erase
from tests.factories import UserFactory
from tests.fittings.conftest import make_assessment, make_footprint

# serialized_rollback: the flush after each test would otherwise drop the seeded shipping methods.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
BERLIN = ZoneInfo("Europe/Berlin")


def _together(target, count: int) -> list:
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index):
        try:
            barrier.wait()
            results[index] = target()
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_runs_at_once_erase_each_record_once():
    with time_machine.travel(datetime(2026, 3, 1, 10, tzinfo=BERLIN), tick=False):
        for _ in range(6):
            footprint = make_footprint(None, "left")
            make_assessment(None, footprint=footprint.pk)
            fitting_create(owner=None, shoe_type="casual")

    def sweep():  # the clock is given, not travelled to: time_machine's travel is process-wide
        return health_data_expired_erase(now=datetime(2026, 4, 2, tzinfo=BERLIN), batch_size=2)

    results = _together(sweep, 2)
    assert all(isinstance(result, dict) for result in results), results
    assert sum(result["assessments"] for result in results) == 6
    assert sum(result["footprints"] for result in results) == 6
    assert sum(result["fittings"] for result in results) == 6
    assert not Assessment.objects.exists() and not Footprint.objects.exists() and not Fitting.objects.exists()


def test_two_consents_given_at_once_make_one():
    user = UserFactory()
    version = CONSENT_TEXTS["foot_assessment"][0]
    results = _together(lambda: consent_give(user=user, purpose="foot_assessment", version=version)[1], 4)
    assert sorted(results) == [False, False, False, True]
    assert Consent.objects.filter(user=user, withdrawn_at__isnull=True).count() == 1
