"""The offline gateway: the default, so the shop runs end to end without keys.

Its payments are completed by ``POST /api/v1/payments/dummy/{number}/`` or ``manage.py dummy_pay``,
both of which feed a Stripe-shaped event through the same webhook processing as production.
"""

import hashlib

from orders.payments.interface import PaymentRequest, PaymentSession, RefundRequest, RefundResult

# Used to sign development events when STRIPE_WEBHOOK_SECRET is empty and the dummy gateway is on.
DUMMY_WEBHOOK_SECRET = "whsec_dummy_development_only"  # noqa: S105


def _short_hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:24]


class DummyGateway:
    name = "dummy"

    def create_payment(self, request: PaymentRequest) -> PaymentSession:
        """Return a deterministic reference for the idempotency key, as a real provider would."""
        digest = _short_hash(request.idempotency_key)
        return PaymentSession(
            provider=self.name, reference=f"dummy_pi_{digest}", client_secret=f"dummy_pi_{digest}_secret"
        )

    def cancel_payment(self, *, reference: str, idempotency_key: str) -> None:
        return None

    def refund(self, request: RefundRequest) -> RefundResult:
        return RefundResult(reference=f"dummy_re_{_short_hash(request.idempotency_key)}", status="succeeded")
