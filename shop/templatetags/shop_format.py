"""Template filters for what people read: ``{{ value|deadline }}`` and ``{{ address|address_lines }}``."""

from django import template

from shop import formats

register = template.Library()


@register.filter
def deadline(value):
    """ "Fri 4 Dec, 23:59" in the shop's time zone."""
    return formats.deadline_text(value)


@register.filter
def address_lines(value):
    """The address as a list of lines, laid out for its country."""
    return formats.address_lines(value)


@register.filter
def country_name(value):
    return formats.country_name(value)
