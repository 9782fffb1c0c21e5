import pytest

from orders.payments import stripe as stripe_gateway
from tests.factories import VariantFactory
from tests.orders.fake_stripe import FakeStripeHTTPClient

WEBHOOK_SECRET = "whsec_test_secret"


@pytest.fixture
def variant(db):
    return VariantFactory(stock=10)


@pytest.fixture
def fake_stripe(settings, monkeypatch):
    """Switch the shop to the Stripe gateway, talking to a fake Stripe through the real library."""
    settings.STRIPE_SECRET_KEY = "sk_test_123"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.PAYMENT_GATEWAY = ""
    fake = FakeStripeHTTPClient()
    monkeypatch.setattr(stripe_gateway, "http_client_factory", lambda: fake)
    return fake


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hash test passwords cheaply: the default hasher costs ~0.2 s per user."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
