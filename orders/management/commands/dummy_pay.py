"""Pay (or fail) an order through the real webhook view with a signed, Stripe-shaped event."""

import json
import urllib.error
import urllib.request

from django.core.management.base import BaseCommand, CommandError
from django.test import Client

from orders.apis.payments import webhook_secret
from orders.models import Order
from orders.payments.stripe import webhook_signature_header
from orders.payments.webhooks import dummy_payment_event

WEBHOOK_PATH = "/api/v1/payments/stripe/webhook/"


class Command(BaseCommand):
    help = (
        "Post a signed payment_intent.succeeded (or payment_failed) event for an order to the webhook view."
    )

    def add_arguments(self, parser):
        parser.add_argument("number", help="The order number.")
        parser.add_argument("--fail", action="store_true", help="Send payment_intent.payment_failed instead.")
        parser.add_argument(
            "--url",
            help="Post over HTTP to a running server (e.g. http://127.0.0.1:8000) instead of in-process.",
        )

    def handle(self, *args, number, fail, url, **options):
        order = Order.objects.filter(number=number).first()
        if order is None:
            raise CommandError(f"No order {number}.")
        secret = webhook_secret()
        if not secret:
            raise CommandError("Set STRIPE_WEBHOOK_SECRET (or use the dummy gateway).")
        payload = json.dumps(dummy_payment_event(order=order, outcome="fail" if fail else "succeed"))
        headers = {"Stripe-Signature": webhook_signature_header(payload=payload, secret=secret)}
        if url:
            request = urllib.request.Request(
                url.rstrip("/") + WEBHOOK_PATH,
                data=payload.encode(),
                headers={**headers, "Content-Type": "application/json"},
                method="POST",
            )
            try:
                with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (operator-given URL)
                    status, body = response.status, response.read().decode()
            except urllib.error.HTTPError as error:
                status, body = error.code, error.read().decode()
        else:
            response = Client().post(
                WEBHOOK_PATH, data=payload, content_type="application/json", headers=headers
            )
            status, body = response.status_code, response.content.decode()
        if status != 200:
            raise CommandError(f"The webhook answered {status}: {body}")
        order.refresh_from_db()
        self.stdout.write(f"Order {order.number} is now {order.status}.")
