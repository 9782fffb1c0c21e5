"""The payment gateway interface, its data (dataclasses, Saleor-style) and the choice of gateway.

Two kinds of failure, as in django-oscar: ``PaymentDeclined`` (402, show it to the customer) and
``PaymentProviderError`` (502, the provider failed; log it).
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from django.conf import settings

# ISO 4217 currencies without minor units (Stripe's "zero-decimal" list, the ones a shop meets).
ZERO_DECIMAL_CURRENCIES = frozenset({"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF",
                                     "UGX", "VND", "VUV", "XAF", "XOF", "XPF"})  # fmt: skip


def to_minor_units(amount: Decimal, currency: str) -> int:
    """Return ``amount`` in the currency's minor units, rounding half up (49.905 EUR -> 4991)."""
    exponent = 0 if currency.upper() in ZERO_DECIMAL_CURRENCIES else 2
    return int((Decimal(amount) * (10**exponent)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_minor_units(amount: int, currency: str) -> Decimal:
    """Return a minor-unit integer as a Decimal amount."""
    exponent = 0 if currency.upper() in ZERO_DECIMAL_CURRENCIES else 2
    return (Decimal(amount) / (10**exponent)).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class PaymentRequest:
    order_number: str
    amount: Decimal
    currency: str
    idempotency_key: str
    email: str = ""
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PaymentSession:
    """What the provider answered: its reference and the secret the front end confirms with."""

    provider: str
    reference: str
    client_secret: str = field(repr=False)
    status: str = "pending"


@dataclass(frozen=True)
class RefundRequest:
    payment_reference: str
    amount: Decimal
    currency: str
    idempotency_key: str
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RefundResult:
    reference: str
    status: str  # "pending" | "succeeded" | "failed"
    failure_reason: str = ""


class PaymentGateway(Protocol):
    name: str

    def create_payment(self, request: PaymentRequest) -> PaymentSession:
        """Start taking the payment; safe to repeat with the same idempotency key."""

    def cancel_payment(self, *, reference: str, idempotency_key: str) -> None:
        """Void a payment that has not been captured."""

    def refund(self, request: RefundRequest) -> RefundResult:
        """Give money back on a captured payment."""


def gateway_name() -> str:
    """Return the configured gateway: ``PAYMENT_GATEWAY``, else stripe when a key is set, else dummy."""
    return settings.PAYMENT_GATEWAY or ("stripe" if settings.STRIPE_SECRET_KEY else "dummy")


def get_gateway(name: str | None = None) -> PaymentGateway:
    """Return the gateway by name (default: the configured one), reading settings now."""
    name = name or gateway_name()
    if name == "stripe":
        from orders.payments.stripe import StripeGateway

        return StripeGateway()
    if name == "dummy":
        from orders.payments.dummy import DummyGateway

        return DummyGateway()
    raise ValueError(f"Unknown payment gateway {name!r}.")
