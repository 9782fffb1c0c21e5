"""Checkout: one view over ``orders.services.checkout.order_checkout``."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from orders.apis.common import AddressSerializer, OrderOutputSerializer, order_data
from orders.services.checkout import order_checkout
from shop.api.openapi import (
    ConflictErrorResponse,
    PaymentDeclinedErrorResponse,
    ProviderErrorResponse,
    domain_validation_errors,
)


@domain_validation_errors(["cart_empty", "inactive_product"], field_name="cart", methods=["post"])
# a nested serializer itself missing or null: drf-standardized-errors lists only its fields by itself
@domain_validation_errors(["required", "null"], field_name="shipping_address", methods=["post"])
@domain_validation_errors(["invalid_shipping_method"], field_name="shipping_method", methods=["post"])
@domain_validation_errors(["country_not_shipped"], field_name="shipping_address.country", methods=["post"])
class CheckoutApi(APIView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "checkout"

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "CheckoutInput"

        cart = serializers.UUIDField()
        email = serializers.EmailField()
        shipping_address = AddressSerializer(
            required=False, help_text="Optional for a logged-in customer with a default shipping address."
        )
        billing_address = AddressSerializer(required=False, allow_null=True, default=None)
        shipping_method = serializers.CharField(max_length=40)

    @extend_schema(
        request=InputSerializer,
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
        responses={
            201: inline_serializer(
                "CheckoutOutput",
                {
                    "order": OrderOutputSerializer(),
                    "payment": inline_serializer(
                        "CheckoutPayment",
                        {"provider": serializers.CharField(), "client_secret": serializers.CharField()},
                    ),
                },
            ),
            409: ConflictErrorResponse,  # insufficient_stock, cart_checked_out, fitting_incomplete
            402: PaymentDeclinedErrorResponse,
            502: ProviderErrorResponse,
        },
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        result = order_checkout(
            cart_token=values["cart"],
            email=values["email"],
            shipping_address=dict(values["shipping_address"]) if values.get("shipping_address") else None,
            billing_address=dict(values["billing_address"]) if values["billing_address"] else None,
            shipping_method=values["shipping_method"],
            user=request.user,
            idempotency_key=request.headers.get("Idempotency-Key") or None,
        )
        payment = (
            {"provider": result.payment.provider, "client_secret": result.payment.client_secret}
            if result.payment
            else None
        )
        headers = {"Idempotent-Replayed": "true"} if result.replayed else {}
        return Response(
            order_data(result.order, payment=payment), status=status.HTTP_201_CREATED, headers=headers
        )
