import pytest
from rest_framework.throttling import ScopedRateThrottle


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _shop_in_berlin(settings):
    settings.TIME_ZONE = "Europe/Berlin"
    settings.SHOP_COUNTRY = "DE"
    settings.SHOP_VAT_OSS = False


@pytest.fixture(autouse=True)
def _no_throttles(monkeypatch):
    rates = {**ScopedRateThrottle.THROTTLE_RATES, "returns": "10000/min", "uploads": "10000/min"}
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", rates)
