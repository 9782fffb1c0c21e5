"""How people read dates and addresses (shop/formats.py): deadlines in the shop's time zone, addresses per country."""

from datetime import UTC, datetime

import pytest
from django.utils import timezone

from shop.formats import address_lines, deadline_text, is_country_code, waited_text


@pytest.fixture(autouse=True)
def _berlin(settings):
    settings.TIME_ZONE = "Europe/Berlin"
    timezone.deactivate()


def test_a_deadline_reads_as_a_weekday_date_and_time_in_the_shops_time_zone():
    # 22:59:59.999999 UTC on 4 December is 23:59 in Berlin; no seconds, no microseconds.
    assert deadline_text(datetime(2026, 12, 4, 22, 59, 59, 999999, tzinfo=UTC)) == "Fri 4 Dec, 23:59"
    assert deadline_text(None) == "–"


def test_waiting_time_in_words():
    now = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    assert waited_text(datetime(2026, 12, 2, 11, 0, tzinfo=UTC), now=now) == "2 days"
    assert waited_text(datetime(2026, 12, 4, 11, 0, tzinfo=UTC), now=now) == "1 hour"
    assert waited_text(datetime(2026, 12, 4, 11, 58, tzinfo=UTC), now=now) == "2 minutes"


def test_addresses_are_laid_out_for_their_country():
    german = {"first_name": "Ada", "last_name": "Walker", "line1": "Hauptstraße 1", "city": "Berlin",
              "postal_code": "10115", "country": "DE"}  # fmt: skip
    british = {"first_name": "Tom", "last_name": "Hill", "line1": "1 High St", "city": "London",
               "postal_code": "SW1A 1AA", "country": "gb"}  # fmt: skip
    american = {"first_name": "Jo", "last_name": "Lee", "line1": "1 Main St", "line2": "Apt 2", "city": "Austin",
                "region": "TX", "postal_code": "78701", "country": "US"}  # fmt: skip
    assert address_lines(german) == ["Ada Walker", "Hauptstraße 1", "10115 Berlin", "Germany"]
    assert address_lines(british) == ["Tom Hill", "1 High St", "London SW1A 1AA", "United Kingdom"]
    assert address_lines(american) == [
        "Jo Lee",
        "1 Main St",
        "Apt 2",
        "Austin TX 78701",
        "United States of America",
    ]
    assert address_lines(None) == []


def test_country_codes_are_iso_3166_alpha_2():
    assert is_country_code("DE") and is_country_code("at")
    assert not is_country_code("XX") and not is_country_code("DEU") and not is_country_code("")
