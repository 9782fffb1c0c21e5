"""Refusals of a discount code, each with a stable code (``docs/api.md``)."""

from shop.exceptions import BusinessRuleViolation


class DiscountNotFound(BusinessRuleViolation):
    """409 like the other refusals: the contract answers every code that cannot be used the same way."""

    code = "discount_unknown"
    default_detail = "No discount code is called that."


class DiscountNotApplicable(BusinessRuleViolation):
    """The code exists but does not apply to this cart now; ``code`` says why (``policy.REFUSALS``)."""

    code = "discount_not_applicable"
    default_detail = "This discount code does not apply to the cart."
