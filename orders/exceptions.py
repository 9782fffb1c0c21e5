"""Ordering refusals with stable codes; ``shop.api.exception_handler`` turns them into HTTP."""

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
        super().__init__(
            f"An order that is {from_status.replace('_', ' ')} cannot become {to_status.replace('_', ' ')}.",
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


# --- Returns and replacements (issue 5): the stable codes of shared/policy.md -------------------------
class NotDelivered(BusinessRuleViolation):
    code = "not_delivered"
    default_detail = "This item has not been delivered yet: cancel the order instead."


class NotReturnable(BusinessRuleViolation):
    code = "not_returnable"
    default_detail = "This item cannot be returned (it was made for you), but it can be replaced."


class ReturnWindowClosed(BusinessRuleViolation):
    code = "return_window_closed"
    default_detail = "The return window for this item has closed."


class ReplacementWindowClosed(BusinessRuleViolation):
    code = "replacement_window_closed"
    default_detail = "The replacement window for this item has closed."


class QuantityExceedsRemaining(BusinessRuleViolation):
    code = "quantity_exceeds_remaining"
    default_detail = "More units than are left to return or replace on this item."


class InvalidReplacementSku(InvalidInput):
    code = "invalid_replacement_sku"
    default_detail = "The replacement must be the same product, in this or another size that is sold."


class InvalidReturnReason(InvalidInput):
    code = "invalid_reason"
    default_detail = "This reason does not apply to this kind of request."


class InvalidReturnLine(InvalidInput):
    code = "invalid_line"
    default_detail = "Each line must be a line of this order, named once."


class ReturnRequestNotFound(NotFound):
    code = "return_request_not_found"
    default_detail = "Return request not found."


class InvalidReturnTransition(BusinessRuleViolation):
    code = "invalid_transition"

    def __init__(self, *, from_status: str, to_status: str, detail: str | None = None):
        super().__init__(
            detail
            or f"A request that is {from_status.replace('_', ' ')} cannot become {to_status.replace('_', ' ')}.",
            from_status=from_status,
            to_status=to_status,
        )


class TooManyPhotos(BusinessRuleViolation):
    code = "too_many_photos"
    default_detail = "A request can hold at most 10 photos."


RETURN_REFUSALS = {
    error.code: error
    for error in (
        NotDelivered,
        NotReturnable,
        ReturnWindowClosed,
        ReplacementWindowClosed,
        QuantityExceedsRemaining,
    )
}
