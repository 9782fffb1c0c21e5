"""Serializer pieces shared by the ordering views."""

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from orders.exceptions import InvalidQuantity
from orders.fittings.selectors import order_production_estimate, related_or_none
from orders.models import Order
from orders.returns import policy as returns_policy
from orders.returns.selectors import order_rights
from orders.services.cart import LINE_QUANTITY_RULE, line_quantity_check
from shop.formats import is_country_code


class MoneyField(serializers.DecimalField):
    def __init__(self, **kwargs):
        super().__init__(max_digits=12, decimal_places=2, coerce_to_string=True, **kwargs)


class AddressSerializer(serializers.Serializer):
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100)
    line1 = serializers.CharField(max_length=200)
    line2 = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    city = serializers.CharField(max_length=100)
    postal_code = serializers.CharField(max_length=20)
    region = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    country = serializers.RegexField(
        r"^[A-Za-z]{2}$",
        max_length=2,
        error_messages={"invalid": "Give the country as its two-letter ISO 3166 code, e.g. DE for Germany."},
    )
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")

    def validate_country(self, value: str) -> str:
        if not is_country_code(value):
            raise serializers.ValidationError(
                f"“{value}” is not a country code: give the two-letter ISO 3166 code, e.g. DE for Germany.",
                code="invalid",
            )
        return value.upper()


class StatusChangeOutput(serializers.Serializer):
    """One step of an order's or a return request's history."""

    class Meta:
        ref_name = "StatusChange"

    from_status = serializers.CharField()
    to_status = serializers.CharField()
    at = serializers.DateTimeField(source="created_at")
    note = serializers.CharField()


class RefundOutput(serializers.Serializer):
    class Meta:
        ref_name = "Refund"

    id = serializers.IntegerField()
    amount = MoneyField()
    currency = serializers.CharField()
    status = serializers.CharField()
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()


class OrderRefundOutput(RefundOutput):
    class Meta:
        ref_name = "OrderRefund"

    credit_note = serializers.SerializerMethodField(
        help_text="The number of the credit note issued for it (GET /orders/{number}/credit-notes/{it}.pdf)."
    )

    def get_credit_note(self, obj) -> str | None:
        credit_note = related_or_none(obj, "credit_note")
        return credit_note.number if credit_note else None


class OrderOutputSerializer(serializers.Serializer):
    class LineOutput(serializers.Serializer):
        class Meta:
            ref_name = "OrderLine"

        id = serializers.IntegerField()
        sku = serializers.CharField()
        product_name = serializers.CharField()
        size_label = serializers.CharField()
        quantity = serializers.IntegerField()
        unit_price = MoneyField()
        line_total = MoneyField(help_text="unit_price × quantity, before any discount.")
        discount_total = MoneyField(help_text="The line's share of the order's discount.")
        paid_total = MoneyField(help_text="What the line actually cost: refunds count from this.")
        returnable = serializers.BooleanField()
        return_days = serializers.IntegerField()
        replacement_days = serializers.IntegerField()
        delivered_at = serializers.DateTimeField(allow_null=True)
        fitting = serializers.SerializerMethodField(help_text="A custom orthotic's fitting id.")

        def get_fitting(self, obj) -> str | None:
            fitting = related_or_none(obj, "fitting")
            return str(fitting.pk) if fitting else None

    class RightOutput(serializers.Serializer):
        class Meta:
            ref_name = "OrderRight"

        kind = serializers.ChoiceField(choices=returns_policy.RIGHT_KINDS)
        source = serializers.ChoiceField(choices=returns_policy.RIGHT_SOURCES)
        reason_required = serializers.BooleanField()
        basis = serializers.CharField(
            help_text="What the right is and where it comes from, for the customer."
        )
        products = serializers.ListField(child=serializers.CharField())

    class PaymentOutput(serializers.Serializer):
        class Meta:
            ref_name = "OrderPayment"

        provider = serializers.CharField()
        amount = MoneyField()
        currency = serializers.CharField()
        status = serializers.CharField()
        created_at = serializers.DateTimeField()

    number = serializers.CharField()
    status = serializers.CharField()
    email = serializers.EmailField()
    currency = serializers.CharField()
    lines = LineOutput(many=True)
    subtotal = MoneyField()
    discount_code = serializers.CharField(source="discount_code_id", allow_null=True)
    discount_total = MoneyField()
    shipping_total = MoneyField()
    total = MoneyField()
    refunded_total = MoneyField()
    shipping_address = serializers.JSONField()
    billing_address = serializers.JSONField(allow_null=True)
    shipping_method = serializers.CharField(source="shipping_method_code")
    created_at = serializers.DateTimeField()
    payment_deadline = serializers.DateTimeField(allow_null=True)
    paid_at = serializers.DateTimeField(allow_null=True)
    shipped_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)
    cancelled_at = serializers.DateTimeField(allow_null=True)
    carrier = serializers.CharField()
    tracking_number = serializers.CharField()
    replacement_for = serializers.CharField(source="replacement_for.number", allow_null=True, default=None)
    payments = PaymentOutput(many=True)
    refunds = OrderRefundOutput(many=True)
    invoice = serializers.SerializerMethodField(
        help_text="The invoice's number once the order is paid (GET /orders/{number}/invoice.pdf), else null."
    )
    history = StatusChangeOutput(many=True, source="status_changes")
    production_days = serializers.SerializerMethodField(
        help_text="Custom orthotics: working days to make them, from payment or the impression's arrival."
    )
    estimated_ship_date = serializers.SerializerMethodField(
        help_text="Custom orthotics: when they should ship (weekends skipped); null while unknown."
    )
    rights = serializers.SerializerMethodField(
        help_text="The rights that apply to this order (the shop's promise and the law of the shipping "
        "country), each once with the products it covers."
    )

    @extend_schema_field(RightOutput(many=True))
    def get_rights(self, obj):
        return self.RightOutput(order_rights(lines=list(obj.lines.all())), many=True).data

    def get_invoice(self, obj) -> str | None:
        if obj.captured_total <= 0:  # no money taken, no invoice: and no query (a checkout's answer)
            return None
        invoice = related_or_none(obj, "invoice")
        return invoice.number if invoice else None

    def get_production_days(self, obj) -> int | None:
        return order_production_estimate(order=obj).production_days

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_estimated_ship_date(self, obj):
        return order_production_estimate(order=obj).estimated_ship_date


def order_data(order: Order, **extra) -> dict:
    return {**OrderOutputSerializer(order).data, **extra}


def shop_currency() -> str:
    return settings.SHOP_CURRENCY


@extend_schema_field(OpenApiTypes.INT)
class QuantityField(serializers.Field):
    """A whole number of units one line may hold (``line_quantity_check``); else ``invalid_quantity``."""

    default_error_messages = {"invalid_quantity": LINE_QUANTITY_RULE}

    def validate_empty_values(self, data):
        if data is None:
            self.fail("invalid_quantity")
        return super().validate_empty_values(data)

    def to_internal_value(self, data):
        value = data
        if isinstance(data, str):
            try:
                value = int(data)
            except ValueError:
                pass  # refused below, as any other non-number
        try:
            return line_quantity_check(value)
        except InvalidQuantity:
            self.fail("invalid_quantity")

    def to_representation(self, value):
        return value
