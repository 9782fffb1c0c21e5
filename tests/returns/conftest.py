import pytest
from rest_framework.throttling import ScopedRateThrottle

from tests.orders.conftest import fake_stripe  # noqa: F401  (the Stripe gateway through a fake HTTP client)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _shop_in_berlin(settings):
    """A shop time zone with daylight saving (+01:00 in winter, +02:00 in summer), German VAT, no OSS."""
    settings.TIME_ZONE = "Europe/Berlin"
    settings.SHOP_COUNTRY = "DE"
    settings.SHOP_VAT_OSS = False


@pytest.fixture(autouse=True)
def _no_throttles(monkeypatch):
    rates = {**ScopedRateThrottle.THROTTLE_RATES, "returns": "10000/min", "uploads": "10000/min"}
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", rates)
