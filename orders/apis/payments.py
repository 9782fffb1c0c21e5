"""Payment endpoints: the signed Stripe webhook and the dummy gateway's payment page."""

import logging

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from orders import selectors
from orders.apis.common import OrderOutputSerializer, order_data
from orders.exceptions import WrongGateway
from orders.payments.dummy import DUMMY_WEBHOOK_SECRET
from orders.payments.gateway import gateway_name
from orders.payments.stripe import webhook_event_verify
from orders.payments.webhooks import dummy_payment_event, payment_event_receive
from shop.api.openapi import domain_validation_errors

logger = logging.getLogger(__name__)


def webhook_secret() -> str:
    """Return the secret events are signed with; a development secret when running the dummy gateway."""
    if settings.STRIPE_WEBHOOK_SECRET:
        return settings.STRIPE_WEBHOOK_SECRET
    return DUMMY_WEBHOOK_SECRET if gateway_name() == "dummy" else ""


# A missing or wrong ``Stripe-Signature`` (or a body that is no JSON): 400 ``invalid_signature``, attr null.
# A signed event is stored at once and answered 200; a worker processes it (orders.payments.webhooks).
@domain_validation_errors(["invalid_signature"], methods=["post"])
class StripeWebhookApi(APIView):
    authentication_classes: list = []
    permission_classes: list = []

    @extend_schema(request=None, responses={200: None})
    def post(self, request):
        secret = webhook_secret()
        if not secret:
            logger.error("A Stripe webhook arrived but STRIPE_WEBHOOK_SECRET is not set; refusing it.")
        event = webhook_event_verify(
            payload=request.body, signature=request.headers.get("Stripe-Signature"), secret=secret
        )
        record = payment_event_receive(event=event)
        return Response({"received": True, "duplicate": record is None}, status=status.HTTP_200_OK)


class DummyPaymentApi(APIView):
    """Simulate the customer paying (or failing to) with the dummy gateway."""

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "DummyPaymentInput"

        outcome = serializers.ChoiceField(choices=["succeed", "fail"])
        email = serializers.EmailField(required=False)

    @extend_schema(request=InputSerializer, responses=OrderOutputSerializer)
    def post(self, request, order_number):
        if gateway_name() != "dummy":
            raise WrongGateway()
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        email = data.validated_data.get("email") or request.query_params.get("email")
        order = selectors.order_get(number=order_number, user=request.user, email=email)
        payment_event_receive(
            event=dummy_payment_event(order=order, outcome=data.validated_data["outcome"]), process_now=True
        )
        return Response(order_data(selectors.order_get_for_staff(number=order_number)))
