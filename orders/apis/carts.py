"""Cart and shipping-method endpoints: thin views over ``orders.services.cart`` and ``orders.selectors``."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from catalogue.choices import ProductKind
from orders import selectors
from orders.apis.common import MoneyField, QuantityField, shop_currency
from orders.fittings.selectors import related_or_none
from orders.fittings.services import fitting_missing
from orders.services import cart as cart_services
from shop.api.openapi import ConflictErrorResponse, domain_validation_errors


class CartLineFittingSerializer(serializers.Serializer):
    """A custom orthotic's fitting on a cart line: ``{id, complete, missing}``, or null."""

    class Meta:
        ref_name = "CartLineFitting"

    id = serializers.UUIDField(allow_null=True, help_text="Null while no fitting is attached.")
    complete = serializers.BooleanField()
    missing = serializers.ListField(child=serializers.CharField())

    def to_representation(self, item):
        if item.variant.product.kind != ProductKind.CUSTOM_ORTHOTIC:
            return None
        fitting = related_or_none(item, "fitting")
        missing = fitting_missing(fitting=fitting)
        return {"id": str(fitting.pk) if fitting else None, "complete": not missing, "missing": missing}


class CartDiscountSerializer(serializers.Serializer):
    """The code on the cart: what it takes off now, or (``applies`` false) why not."""

    class Meta:
        ref_name = "CartDiscount"

    code = serializers.CharField()
    description = serializers.CharField()
    applies = serializers.BooleanField()
    reason = serializers.CharField(
        allow_null=True, help_text="Why it does not apply (a refusal code), or null."
    )
    message = serializers.CharField(help_text="The reason in a sentence; empty when it applies.")
    amount = MoneyField(help_text="Taken off the goods.")
    free_shipping = serializers.BooleanField()


class CartOutputSerializer(serializers.Serializer):
    class LineOutput(serializers.Serializer):
        class Meta:
            ref_name = "CartLine"

        id = serializers.IntegerField(source="item.id")
        sku = serializers.CharField(source="item.variant.sku")
        product_name = serializers.CharField(source="item.variant.product.name")
        size_label = serializers.CharField(source="item.variant.size_label")
        quantity = serializers.IntegerField(source="item.quantity")
        unit_price = MoneyField()
        line_total = MoneyField()
        available = serializers.IntegerField()
        warning = serializers.CharField(allow_null=True)
        fitting = CartLineFittingSerializer(source="item", allow_null=True)

    token = serializers.UUIDField(source="cart.token")
    items = LineOutput(many=True, source="lines")
    subtotal = MoneyField()
    discount = CartDiscountSerializer(allow_null=True)
    discount_total = MoneyField()
    total = MoneyField(help_text="The goods after the discount; shipping is added at checkout.")
    currency = serializers.SerializerMethodField()
    checked_out = serializers.SerializerMethodField()

    def get_currency(self, obj) -> str:
        return shop_currency()

    def get_checked_out(self, obj) -> bool:
        return obj.cart.checked_out_at is not None


def cart_response(cart, status_code=status.HTTP_200_OK, user=None) -> Response:
    return Response(CartOutputSerializer(selectors.cart_view(cart=cart, user=user)).data, status=status_code)


class CartCreateApi(APIView):
    @extend_schema(request=None, responses={201: CartOutputSerializer})
    def post(self, request):
        cart = cart_services.cart_create(user=request.user)
        return cart_response(cart, status.HTTP_201_CREATED)


class CartDetailApi(APIView):
    @extend_schema(responses=CartOutputSerializer)
    def get(self, request, token):
        return cart_response(selectors.cart_get(token=token, user=request.user), user=request.user)


@domain_validation_errors(["unknown_sku", "inactive_product"], field_name="sku", methods=["post"])
@domain_validation_errors(["fitting_not_applicable"], field_name="fitting", methods=["post"])
class CartItemAddApi(APIView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "CartItemAddInput"

        sku = serializers.CharField(max_length=64)
        quantity = QuantityField()
        fitting = serializers.UUIDField(
            required=False, allow_null=True, help_text="For a custom orthotic: the id from POST /fittings/."
        )

    # 409 insufficient_stock, cart_checked_out, fitting_in_use, fitting_conflict
    @extend_schema(request=InputSerializer, responses={201: CartOutputSerializer, 409: ConflictErrorResponse})
    def post(self, request, token):
        cart = selectors.cart_get(token=token, user=request.user)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cart_services.cart_item_add(cart=cart, user=request.user, **data.validated_data)
        return cart_response(cart, status.HTTP_201_CREATED, user=request.user)


class CartItemApi(APIView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "CartItemUpdateInput"

        quantity = QuantityField()

    @extend_schema(request=InputSerializer, responses={200: CartOutputSerializer, 409: ConflictErrorResponse})
    def patch(self, request, token, item_id):
        cart = selectors.cart_get(token=token, user=request.user)
        item = selectors.cart_item_get(cart=cart, item_id=item_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cart_services.cart_item_update(item=item, quantity=data.validated_data["quantity"])
        return cart_response(cart, user=request.user)

    @extend_schema(responses={204: None, 409: ConflictErrorResponse})
    def delete(self, request, token, item_id):
        cart = selectors.cart_get(token=token, user=request.user)
        cart_services.cart_item_remove(item=selectors.cart_item_get(cart=cart, item_id=item_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ShippingMethodListApi(APIView):
    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ShippingMethod"

        code = serializers.CharField()
        name = serializers.CharField()
        price = MoneyField()
        currency = serializers.SerializerMethodField()
        delivery_days = serializers.IntegerField()

        def get_currency(self, obj) -> str:
            return shop_currency()

    @extend_schema(responses=OutputSerializer(many=True))
    def get(self, request):
        return Response(self.OutputSerializer(selectors.shipping_method_list(), many=True).data)
