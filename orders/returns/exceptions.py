"""Return and replacement refusals with stable codes (``docs/policy.md``).

``shop.api.exception_handler`` turns them into HTTP, like every other domain exception.
"""

from shop.exceptions import BusinessRuleViolation, InvalidInput, NotFound


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


class WithdrawalNotAvailable(BusinessRuleViolation):
    code = "withdrawal_not_available"
    default_detail = (
        "The law of the country this order was shipped to gives no right of withdrawal: "
        "the shop's return promise applies."
    )


class WithdrawalWindowClosed(BusinessRuleViolation):
    code = "withdrawal_window_closed"
    default_detail = "The withdrawal period for this item has ended."


class DeductionRefused(InvalidInput):
    code = "invalid_amount"
    default_detail = "A deduction is never negative nor more than the price of the units withdrawn."


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


class ReturnPhotoNotFound(NotFound):
    code = "return_photo_not_found"
    default_detail = "No such photo on this request."


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


class RefundExceedsPolicy(BusinessRuleViolation):
    code = "refund_exceeds_policy"
    default_detail = "A refund cannot exceed what the policy gives back for this request."

    def __init__(self, *, amount, allowed):
        super().__init__(
            f"The policy refunds at most {allowed} for this request; {amount} is more.",
            attr="amount",
            amount=str(amount),
            allowed=str(allowed),
        )


RETURN_REFUSALS = {
    error.code: error
    for error in (
        NotDelivered,
        NotReturnable,
        ReturnWindowClosed,
        ReplacementWindowClosed,
        QuantityExceedsRemaining,
        WithdrawalNotAvailable,
        WithdrawalWindowClosed,
    )
}
# What a refusal says when the request is a withdrawal, where it differs.
WITHDRAWAL_DETAILS = {
    "not_returnable": "It was made to your specification, so the right of withdrawal does not apply; "
    "if it is faulty, the legal guarantee does (ask for a replacement).",
}
