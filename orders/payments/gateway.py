"""The choice of payment gateway: a name (the setting, or the one a payment was made with) to its class.

``PAYMENT_GATEWAYS`` maps each name to the dotted path of a class implementing
``orders.payments.interface.PaymentGateway``; the class is imported when a gateway is asked for, so
this module imports none of them.
"""

from django.conf import settings
from django.utils.module_loading import import_string

from orders.payments.interface import PaymentGateway


def gateway_name() -> str:
    """Return the configured gateway: ``PAYMENT_GATEWAY``, else stripe when a key is set, else dummy."""
    return settings.PAYMENT_GATEWAY or ("stripe" if settings.STRIPE_SECRET_KEY else "dummy")


def get_gateway(name: str | None = None) -> PaymentGateway:
    """Return the gateway by name (default: the configured one), reading settings now."""
    name = name or gateway_name()
    try:
        path = settings.PAYMENT_GATEWAYS[name]
    except KeyError:
        raise ValueError(f"Unknown payment gateway {name!r}.") from None
    return import_string(path)()
