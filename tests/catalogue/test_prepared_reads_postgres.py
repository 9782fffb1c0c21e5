"""Catalogue reads prepared on their PostgreSQL connection once they repeat, answering from the data as it is now."""

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection

from tests.factories import ProductFactory, VariantFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[2]
LIST = "/api/v1/products/"
REPEATS = 8  # more than the runs after which a statement is prepared


def prepared_reads() -> int:
    """How many of this connection's prepared statements read the catalogue's read model."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%catalogue_productlisting%"],
        )
        return cursor.fetchone()[0]


@pytest.fixture
def insole(settings):
    settings.CATALOGUE_CACHE_TIMEOUT = 0  # every read below reaches the database
    product = ProductFactory(slug="arch-hero", name="Arch Hero")
    variant = VariantFactory(product=product, price=Decimal("30.00"), stock=4)
    return product, variant


def test_a_list_read_often_is_prepared_and_shows_a_price_and_stock_changed_after(api_client, insole):
    product, variant = insole
    for _ in range(REPEATS):
        (item,) = api_client.get(LIST, {"in_stock": "true"}).json()["results"]
    assert (item["price"], item["in_stock"]) == ("30.00", True)
    assert prepared_reads() >= 1

    variant.price = Decimal("24.50")
    variant.save()
    (item,) = api_client.get(LIST).json()["results"]
    assert item["price"] == "24.50"
    variant.stock = 0
    variant.save()
    assert api_client.get(LIST, {"in_stock": "true"}).json()["count"] == 0


def test_a_product_page_read_often_is_prepared_and_shows_a_rename_after(api_client, insole):
    product, _ = insole
    for _ in range(REPEATS):
        assert api_client.get(f"{LIST}arch-hero/").json()["name"] == "Arch Hero"
    assert prepared_reads() >= 1

    product.name = "Arch Hero Plus"
    product.save()
    assert api_client.get(f"{LIST}arch-hero/").json()["name"] == "Arch Hero Plus"


READS = f"""
import django, json
django.setup()
from django.db import connection
from django.test import Client
client = Client()
for _ in range({REPEATS}):
    assert client.get("{LIST}").status_code == 200
with connection.cursor() as cursor:
    cursor.execute("SELECT count(*) FROM pg_prepared_statements")
    print(json.dumps(cursor.fetchone()[0]))
"""


@pytest.mark.parametrize(("switch", "prepared"), [("true", True), ("false", False)])
def test_prepared_statements_can_be_turned_off_for_a_pooler(switch, prepared):
    """``DB_PREPARED_STATEMENTS=false`` (behind PgBouncer in transaction mode): nothing is prepared, however often."""
    database = connection.settings_dict
    url = f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{database['NAME']}"
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
        "DJANGO_SETTINGS_MODULE": "shop.settings",
        "DATABASE_URL": url,
        "DB_PREPARED_STATEMENTS": switch,
        "CATALOGUE_CACHE_TIMEOUT": "0",
        "ALLOWED_HOSTS": "testserver",
    }
    result = subprocess.run(
        [sys.executable, "-c", READS], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert (json.loads(result.stdout.strip().splitlines()[-1]) > 0) is prepared
