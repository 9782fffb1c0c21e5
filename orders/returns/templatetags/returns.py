"""Template helpers for the customer's emails: the replacement promise each line was sold with."""

from django import template

from catalogue.choices import ProductKind
from orders.returns.selectors import ReplacementWindow, replacement_windows

register = template.Library()


@register.simple_tag
def custom_orthotic_replacement_windows(lines) -> list[ReplacementWindow]:
    """Return the replacement windows of the custom orthotics among ``lines``, each once.

    ``{% custom_orthotic_replacement_windows lines as windows %}``: each has ``days``, ``closes_at``
    (once delivered) and ``product_names``.
    """
    return replacement_windows(lines=list(lines), product_kind=ProductKind.CUSTOM_ORTHOTIC)
