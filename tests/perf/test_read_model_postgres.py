"""Two staff changes to one product at once on PostgreSQL: the read model ends up with both."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction

from catalogue.models import ProductImage, ProductListing, ProductVariant
from tests.factories import ProductFactory, VariantFactory

# serialized_rollback, as the other threaded tests: a plain flush after this test would recreate rows
# (content types) that the next serialized test restores, and clash with them.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_change_waits_for_the_one_before_it_and_keeps_both():
    """Without the lock the second writer would store its view without the first one's price (lost update)."""
    product = ProductFactory()
    variant = VariantFactory(product=product, price=Decimal("30.00"))
    first_wrote, second_started = threading.Event(), threading.Event()
    errors = []

    def reprice():
        try:
            with transaction.atomic():
                variant.price = Decimal("99.00")
                variant.save()  # its product's row is rewritten (and locked) here
                first_wrote.set()
                second_started.wait(timeout=10)
                threading.Event().wait(0.5)  # the second change is now waiting for this one
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    def add_picture():
        try:
            first_wrote.wait(timeout=10)
            second_started.set()
            ProductImage.objects.create(product=product, image="products/late.jpg", width=8, height=6)
        except Exception as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=reprice), threading.Thread(target=add_picture)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    row = ProductListing.objects.get(product=product)
    assert '"price":"99.00"' in row.detail_json
    assert "products/late.jpg" in row.detail_json
    assert ProductVariant.objects.get(pk=variant.pk).price == Decimal("99.00")
