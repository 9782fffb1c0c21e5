"""Ordering refusals with stable codes; ``shop.api.exception_handler`` turns them into HTTP."""

from orders.statuses import OrderStatus
from shop.exceptions import (
    ApplicationError,
    BusinessRuleViolation,
    InvalidInput,
    NotFound,
    PaymentDeclined,
    PaymentProviderError,
)

__all__ = [
    "ApplicationError",
    "CartCheckedOut",
    "CartEmpty",
    "CartNotFound",
    "InactiveProduct",
    "InsufficientStock",
    "InvalidQuantity",
    "InvalidShippingMethod",
    "InvalidTransition",
    "InvalidWebhookSignature",
    "OrderNotFound",
    "PaymentDeclined",
    "PaymentProviderError",
    "RefundExceedsCaptured",
    "UnknownSku",
    "WrongGateway",
]


class InsufficientStock(BusinessRuleViolation):
    code = "insufficient_stock"
    default_detail = "There is not enough stock for this item."

    def __init__(self, *, sku: str, requested: int, available: int):
        super().__init__(
            f"Only {available} of {sku} in stock, {requested} requested.",
            attr="quantity",
            sku=sku,
            requested=requested,
            available=available,
        )


class InactiveProduct(InvalidInput):
    code = "inactive_product"
    default_detail = "This product is no longer sold."


class UnknownSku(InvalidInput):
    code = "unknown_sku"
    default_detail = "No product has this SKU."


class InvalidQuantity(InvalidInput):
    """Raised by ``orders.services.cart.line_quantity_check``, which names the limit."""

    code = "invalid_quantity"
    default_detail = "The quantity is not a number of units one line can hold."


class InvalidShippingMethod(InvalidInput):
    code = "invalid_shipping_method"
    default_detail = "This shipping method does not exist."


class CartEmpty(InvalidInput):
    code = "cart_empty"
    default_detail = "The cart is empty."


class CartNotFound(NotFound):
    code = "cart_not_found"
    default_detail = "Cart not found."


class CartCheckedOut(BusinessRuleViolation):
    code = "cart_checked_out"
    default_detail = "This cart has already been checked out."


class OrderNotFound(NotFound):
    code = "order_not_found"
    default_detail = "Order not found."


class InvalidTransition(BusinessRuleViolation):
    code = "invalid_transition"

    def __init__(self, *, from_status: str, to_status: str):
        labels = dict(OrderStatus.choices)
        was = labels.get(from_status, from_status.replace("_", " ")).lower()
        to = labels.get(to_status, to_status.replace("_", " ")).lower()
        super().__init__(
            f"This order is already {was}."
            if from_status == to_status
            else f"This order is {was}, so it cannot become {to} now.",
            from_status=from_status,
            to_status=to_status,
        )


class ReasonRequired(InvalidInput):
    code = "reason_required"
    default_detail = "Staff must give a reason."


class RefundExceedsCaptured(BusinessRuleViolation):
    code = "refund_exceeds_captured"
    default_detail = "A refund cannot exceed what was captured minus what was already refunded."


class WrongGateway(NotFound):
    code = "not_found"
    default_detail = "The dummy payment page exists only with the dummy gateway."


class InvalidWebhookSignature(InvalidInput):
    code = "invalid_signature"
    default_detail = "The webhook signature is missing or wrong."
