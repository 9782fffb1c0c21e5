"""Helpers that put orders in the states returns start from, through the real services."""

from decimal import Decimal

from django.utils import timezone

from catalogue.choices import ProductKind
from orders.models import Order, OrderLine, OrderStatusChange
from orders.returns.models import ReturnRequest
from orders.returns.services import ReturnLineInput, return_request_create
from orders.statuses import OrderStatus, Role
from tests.factories import ProductFactory, VariantFactory
from tests.orders.factories import address, delivered_order


def delivered(*, staff, user=None, items=None, delivered_at=None, **kwargs) -> Order:
    """A paid, shipped and delivered order (default: 2 units of a 39.90 insole, shipping 4.90)."""
    items = items or [(VariantFactory(price=Decimal("39.90"), stock=10), 2)]
    return delivered_order(staff=staff, user=user, items=items, delivered_at=delivered_at, **kwargs)


def delivered_custom_orthotic(*, user, price=Decimal("250.00")) -> tuple[Order, OrderLine]:
    """A delivered order of one custom orthotic, its line snapshotting the product's policy as checkout does.

    Built directly, without the custom-orthotic checkout (fittings, production) in the way.
    """
    variant = VariantFactory(price=price, stock=5, product=ProductFactory(kind=ProductKind.CUSTOM_ORTHOTIC))
    terms = variant.product.return_policy()
    now = timezone.now()
    order = Order.objects.create(
        user=user, email=user.email, status=OrderStatus.DELIVERED, currency="EUR", subtotal=price,
        shipping_total=Decimal("0.00"), total=price, captured_total=price, shipping_address=address(),
        shipping_method_code="standard", shipping_method_name="Standard", paid_at=now, shipped_at=now,
        delivered_at=now,
    )  # fmt: skip
    line = OrderLine.objects.create(
        order=order, variant=variant, product=variant.product, product_kind=variant.product.kind,
        product_name=variant.product.name, sku=variant.sku, size_label=variant.size_label, quantity=1,
        unit_price=price, line_total=price, returnable=terms.returnable, return_days=terms.return_days,
        replacement_days=terms.replacement_days, delivered_at=now,
    )  # fmt: skip
    OrderStatusChange.objects.create(
        order=order, from_status="", to_status=OrderStatus.DELIVERED, role=Role.SYSTEM, created_at=now
    )
    return order, line


def request_for(order: Order, *, kind="return", reason="changed_mind", quantities=None, actor=None, **kw):
    """Create a request through the service: ``quantities`` maps line -> units (default: every unit)."""
    lines = quantities or {line: line.quantity for line in order.lines.all()}
    return return_request_create(
        order=order,
        kind=kind,
        lines=[ReturnLineInput(line_id=line.pk, quantity=quantity) for line, quantity in lines.items()],
        reason=reason,
        actor=actor or order.user,
        **kw,
    )


def reload(return_request: ReturnRequest) -> ReturnRequest:
    return ReturnRequest.objects.get(pk=return_request.pk)
