"""Custom-orthotic refusals with stable codes; ``shop.api.exception_handler`` turns them into HTTP."""

from shop.exceptions import BusinessRuleViolation, InvalidInput, NotFound


class FittingNotFound(NotFound):
    code = "fitting_not_found"
    default_detail = "No such fitting."


class FittingIncomplete(BusinessRuleViolation):
    """A custom orthotic in the cart has no fitting, or one that lacks something the lab needs."""

    code = "fitting_incomplete"

    def __init__(self, *, lines: list[dict]):
        parts = []
        for line in lines:
            if line["missing"] == ["fitting"]:
                parts.append(
                    f"{line['sku']} has no fitting (create one at /api/v1/fittings/ and add it to the item)"
                )
            else:
                parts.append(f"{line['sku']} is missing {', '.join(line['missing'])}")
        missing = sorted({field for line in lines for field in line["missing"]})
        super().__init__(
            "Complete the fitting for your custom orthotics before checkout: " + "; ".join(parts) + ".",
            attr="cart",
            lines=lines,
            missing=missing,
        )


class FittingNotApplicable(InvalidInput):
    code = "fitting_not_applicable"
    default_detail = "Only custom orthotics take a fitting."


class FittingInUse(BusinessRuleViolation):
    code = "fitting_in_use"
    default_detail = "This fitting already belongs to an order. Create a new fitting for another pair."


class FittingConflict(BusinessRuleViolation):
    code = "fitting_conflict"
    default_detail = (
        "This custom orthotic is already in the cart with another fitting. Remove that item first, "
        "or add the same fitting to order more identical pairs."
    )


class FootprintWrongSide(InvalidInput):
    code = "footprint_wrong_side"
    default_detail = "This footprint was taken of the other foot."


class ImpressionNotExpected(BusinessRuleViolation):
    code = "impression_not_expected"
    default_detail = "This fitting is not waiting for an impression kit."


class BuildAlreadyMade(BusinessRuleViolation):
    code = "build_already_made"
    default_detail = "This pair is already marked made; its build record can no longer change."


class NotInProduction(BusinessRuleViolation):
    code = "not_in_production"
    default_detail = "The order is not in production."


class NothingToCarryForward(BusinessRuleViolation):
    code = "no_fitting_to_carry_forward"
    default_detail = "The original order line has no fitting to carry forward to the remake."


class OrthoticNotMade(BusinessRuleViolation):
    code = "orthotic_not_made"
    default_detail = "A custom pair on this order is not marked made yet: it cannot ship."
