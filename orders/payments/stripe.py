"""The Stripe gateway: the only module in the project that imports ``stripe`` (stripe-python 16)."""

import json
import logging
import math

import stripe
from django.conf import settings

from orders.exceptions import InvalidWebhookSignature, PaymentDeclined, PaymentProviderError
from orders.payments.interface import (
    PaymentRequest,
    PaymentSession,
    RefundRequest,
    RefundResult,
    to_minor_units,
)

logger = logging.getLogger(__name__)

WEBHOOK_TOLERANCE_SECONDS = 300


def http_client_factory() -> stripe.HTTPClient | None:
    """Return the HTTP client for new Stripe clients (None: the library's default); tests replace it."""
    return None


def _call(description: str, function, *args, **kwargs):
    """Call Stripe, turning its errors into ours: card errors 402, everything else 502."""
    try:
        return function(*args, **kwargs)
    except stripe.CardError as error:
        logger.info("Stripe declined %s: %s", description, error.code)
        raise PaymentDeclined(error.user_message or PaymentDeclined.default_detail) from error
    except stripe.StripeError as error:
        logger.error("Stripe failed on %s: %s (request %s)", description, error, error.request_id)
        raise PaymentProviderError() from error


class StripeGateway:
    name = "stripe"

    def __init__(self, *, secret_key: str | None = None, http_client: stripe.HTTPClient | None = None):
        self.client = stripe.StripeClient(
            secret_key or settings.STRIPE_SECRET_KEY or "sk_missing",
            http_client=http_client or http_client_factory(),
            max_network_retries=2,
        )

    def create_payment(self, request: PaymentRequest) -> PaymentSession:
        intent = _call(
            "payment_intents.create",
            self.client.v1.payment_intents.create,
            params={
                "amount": to_minor_units(request.amount, request.currency),
                "currency": request.currency.lower(),
                "automatic_payment_methods": {"enabled": True},
                "metadata": {"order_number": request.order_number, **request.metadata},
                **({"receipt_email": request.email} if request.email else {}),
            },
            options={"idempotency_key": request.idempotency_key},
        )
        return PaymentSession(
            provider=self.name, reference=intent.id, client_secret=intent.client_secret, status=intent.status
        )

    def cancel_payment(self, *, reference: str, idempotency_key: str) -> None:
        _call(
            "payment_intents.cancel",
            self.client.v1.payment_intents.cancel,
            reference,
            options={"idempotency_key": idempotency_key},
        )

    def refund(self, request: RefundRequest) -> RefundResult:
        refund = _call(
            "refunds.create",
            self.client.v1.refunds.create,
            params={
                "payment_intent": request.payment_reference,
                "amount": to_minor_units(request.amount, request.currency),
                "metadata": request.metadata,
            },
            options={"idempotency_key": request.idempotency_key},
        )
        status = {"succeeded": "succeeded", "failed": "failed", "canceled": "failed"}.get(
            refund.status, "pending"
        )
        return RefundResult(
            reference=refund.id, status=status, failure_reason=getattr(refund, "failure_reason", None) or ""
        )


WEBHOOK_MAX_DEPTH = 32


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text} is out of range")
    return number


def _depth(value) -> int:
    """How deeply ``value``'s arrays and objects nest (counted without recursion)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if depth <= WEBHOOK_MAX_DEPTH:
                stack.extend(
                    (child, depth + 1) for child in (item.values() if isinstance(item, dict) else item)
                )
    return deepest


def webhook_event_verify(*, payload: bytes, signature: str | None, secret: str):
    """Check the signature on the raw body and return the body as plain JSON data (any JSON value).

    Only the signature and the JSON are checked here (400 ``invalid_signature`` otherwise); whether
    it has the shape of an event is the receiver's question (``orders.payments.webhooks``), so that a
    signed but malformed event is stored with its reason instead of failing.
    """
    if not signature or not secret:
        raise InvalidWebhookSignature()
    try:
        stripe.WebhookSignature.verify_header(payload, signature, secret, tolerance=WEBHOOK_TOLERANCE_SECONDS)
        body = payload.decode("utf-8") if isinstance(payload, bytes | bytearray) else payload
        event = json.loads(body, parse_constant=_refuse_constant, parse_float=_finite_float)
    except (stripe.SignatureVerificationError, ValueError, RecursionError) as error:
        raise InvalidWebhookSignature() from error
    if _depth(event) > WEBHOOK_MAX_DEPTH:
        raise InvalidWebhookSignature()
    return event


def webhook_signature_header(*, payload: str, secret: str, timestamp: int | None = None) -> str:
    """Return a valid ``Stripe-Signature`` header (for the dummy payment command and tests)."""
    return stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp=timestamp)
