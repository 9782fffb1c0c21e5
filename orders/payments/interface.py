"""What the shop and a payment gateway say to each other: data (dataclasses), the protocol, minor units.

Two kinds of failure, as in django-oscar: ``PaymentDeclined`` (402, show it to the customer) and
``PaymentProviderError`` (502, the provider failed; log it), both in ``orders.exceptions``. Gateways
(``dummy``, ``stripe``) implement ``PaymentGateway``; ``orders.payments.gateway`` picks one.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

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
