import pytest
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import UserFactory


def pytest_collection_modifyitems(config, items):
    """Run ``postgres``-marked tests only when DATABASE_URL points at PostgreSQL (CI always does)."""
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://...")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _isolated_media_and_cache(settings, tmp_path):
    """Give every test its own media folders (public and private) and an empty cache."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SHOP_PRIVATE_MEDIA_ROOT = tmp_path / "private"
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def customer(db):
    return UserFactory()


@pytest.fixture
def other_customer(db):
    return UserFactory()


@pytest.fixture
def staff_user(db):
    return UserFactory(is_staff=True, is_superuser=True)


def client_for(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def customer_client(customer):
    return client_for(customer)


@pytest.fixture
def other_client(other_customer):
    return client_for(other_customer)


@pytest.fixture
def staff_client(staff_user):
    return client_for(staff_user)


@pytest.fixture(scope="session")
def s3_server():
    """A real S3-compatible server process (moto's, ``tests/s3server.py``) with the shop's two buckets."""
    from tests.s3 import S3Server

    server = S3Server.start()
    yield server
    server.stop()


@pytest.fixture
def object_storage(s3_server, settings):
    """The shop's files on the S3 test server: product images public, customer uploads private."""
    settings.STORAGES = {**settings.STORAGES, **s3_server.storages()}
    return s3_server
