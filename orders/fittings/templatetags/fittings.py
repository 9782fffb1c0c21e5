"""Template helpers for custom orthotics (emails and the lab sheet)."""

from django import template

from orders.fittings.selectors import ProductionEstimate, order_production_estimate

register = template.Library()


@register.simple_tag
def production_estimate(order) -> ProductionEstimate:
    """Return the order's production days and estimated ship date: ``{% production_estimate order as e %}``."""
    return order_production_estimate(order=order)
