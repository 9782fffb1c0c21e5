"""Refusals of a discount code, each with a stable code (``docs/api.md``)."""

from shop.exceptions import BusinessRuleViolation, NotFound


class DiscountNotFound(NotFound):
    code = "discount_not_found"
    default_detail = "No discount code is called that."


class DiscountNotApplicable(BusinessRuleViolation):
    """The code exists but does not apply to this cart now; ``code`` says why (``policy.REFUSALS``)."""

    code = "discount_not_applicable"
    default_detail = "This discount code does not apply to the cart."
