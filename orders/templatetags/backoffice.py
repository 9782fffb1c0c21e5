"""``{% backoffice_dashboard as panels %}``: the admin index's panels for the logged-in member of staff."""

from django import template

from orders.dashboard import dashboard_panels

register = template.Library()


@register.simple_tag(takes_context=True)
def backoffice_dashboard(context):
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return []
    return dashboard_panels(request.user)
