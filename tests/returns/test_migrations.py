"""A database made before returns had an app of their own keeps its requests and permissions when migrated."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from orders.models import OrderLine
from orders.returns.models import ReturnLine, ReturnRequest

# serialized_rollback: the flush after this transactional test must not take the migrations' seed data
# (shipping methods, the "Customer service" group) from the tests after it.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BEFORE = [("orders", "0004_customer_service_group"), ("returns", None)]
MOVED = ["returnrequest", "returnline", "returnphoto", "returnstatuschange"]


def migrate(targets):
    """Migrate the test database to ``targets``; return the models as they are there."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state([node for node in targets if node[1] is not None]).apps


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def test_a_request_made_at_the_old_migrations_survives_with_its_lines_and_permissions():
    old = migrate(BEFORE)
    try:
        assert set(ContentType.objects.filter(model__in=MOVED).values_list("app_label", flat=True)) == {
            "orders"
        }
        agent = old.get_model("shop", "User").objects.create(
            email="agent.migrated@example.com", is_staff=True
        )
        agent.groups.add(old.get_model("auth", "Group").objects.get(name="Customer service"))
        order = old.get_model("orders", "Order").objects.create(
            number="MIGRATED01", email="c@example.com", status="delivered", currency="EUR",
            subtotal=Decimal("39.90"), shipping_total=Decimal("0.00"), total=Decimal("39.90"),
            captured_total=Decimal("39.90"), shipping_address={"country": "DE"},
            shipping_method_code="standard", shipping_method_name="Standard",
        )  # fmt: skip
        line = old.get_model("orders", "OrderLine").objects.create(
            order=order, product_kind="insole", product_name="Insole", sku="MIG-1", quantity=1,
            unit_price=Decimal("39.90"), line_total=Decimal("39.90"), returnable=True, return_days=3,
            replacement_days=30, delivered_at=timezone.now(),
        )  # fmt: skip
        request = old.get_model("orders", "ReturnRequest").objects.create(
            order=order, kind="return", reason="changed_mind", requested_at=timezone.now()
        )
        old.get_model("orders", "ReturnLine").objects.create(
            return_request=request, order_line=line, quantity=1
        )
    finally:
        migrate(latest())
        ContentType.objects.clear_cache()

    moved = ReturnRequest.objects.get(pk=request.pk)
    assert (moved.order.number, moved.status) == ("MIGRATED01", "requested")
    assert list(ReturnLine.objects.filter(return_request=moved).values_list("order_line_id", "quantity")) == [
        (line.pk, 1)
    ]
    assert set(ContentType.objects.filter(model__in=MOVED).values_list("app_label", flat=True)) == {"returns"}
    group = Group.objects.get(name="Customer service")
    assert {"returns.view_returnrequest", "returns.change_returnrequest"} <= {
        f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()
    }
    agent = get_user_model().objects.get(email="agent.migrated@example.com")
    assert agent.has_perm("returns.change_returnrequest") and agent.has_perm("returns.view_returnline")
    # Sold to Germany before the rights table existed: the line was given the EU's rights once.
    rights = OrderLine.objects.get(pk=line.pk).statutory_rights
    assert (rights["country"], rights["withdrawal_days"], rights["guarantee_months"]) == ("DE", 14, 24)
    assert rights["delivery_refunded"] is True and rights["exemption"] == ""
