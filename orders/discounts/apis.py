"""The cart's discount code: put one on, take it off (the cart's other endpoints are ``orders/apis/carts.py``)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.views import APIView

from orders import selectors
from orders.apis.carts import CartOutputSerializer, cart_response
from orders.discounts import services as discount_services
from shop.api.openapi import ConflictErrorResponse


class CartDiscountApi(APIView):
    """Put a discount code on the cart (one per order: it replaces any other), or take it off."""

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "CartDiscountInput"

        code = serializers.CharField(max_length=40)

    # 409 discount_unknown, discount_expired, discount_used_up, discount_minimum_not_met, ...
    @extend_schema(request=InputSerializer, responses={200: CartOutputSerializer, 409: ConflictErrorResponse})
    def post(self, request, token):
        cart = selectors.cart_get(token=token, user=request.user)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        discount_services.cart_discount_apply(cart=cart, code=data.validated_data["code"], user=request.user)
        return cart_response(cart, user=request.user)

    @extend_schema(responses={200: CartOutputSerializer, 409: ConflictErrorResponse})
    def delete(self, request, token):
        cart = selectors.cart_get(token=token, user=request.user)
        discount_services.cart_discount_remove(cart=cart)
        return cart_response(cart, user=request.user)
