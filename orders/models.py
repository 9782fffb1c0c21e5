"""Carts, orders with their lines and history, payments, refunds and stored webhook events."""

import logging
import secrets
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.core.validators import MinValueValidator
from django.db import models, transaction
from django.db.models import Q, Value
from django.db.models.fields.json import KT
from django.db.models.functions import Replace, Right, Upper
from django.db.models.signals import post_delete, post_save

from orders.statuses import OrderStatus, PaymentStatus, RefundStatus, Role

logger = logging.getLogger(__name__)

ZERO = Decimal("0.00")
# Crockford-style alphabet without 0/O, 1/I/L, U: easy to read out on the phone.
NUMBER_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
NUMBER_LENGTH = 10


def new_order_number() -> str:
    """Return a short random order number (about 49 bits: unguessable enough to type, unique by index)."""
    return "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(NUMBER_LENGTH))


# How staff search the shipping address (``orders.selectors.order_search``); each has its index on ``Order``.
PHONE_TAIL_DIGITS = 9  # the subscriber part: "+49 30 123456789" and "030 123456789" match


def address_search_key(key: str) -> Upper:
    """A shipping-address field, upper-cased, as an expression (names and postcodes match exactly)."""
    return Upper(KT(f"shipping_address__{key}"))


def phone_search_key(expression=None) -> Right:
    """The last digits of a phone number, without spaces, dashes, dots, slashes, brackets or "+"."""
    value = expression if expression is not None else KT("shipping_address__phone")
    for character in " -./()+":
        value = Replace(value, Value(character), Value(""))
    return Right(value, PHONE_TAIL_DIGITS)


class MoneyField(models.DecimalField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(*args, **kwargs)


class ShippingMethodManager(models.Manager):
    """Keeps the active methods in the cache (as ``ContentTypeManager`` does its types).

    Checkout reads one on every order; staff rarely edit them. Saving or deleting a method clears
    the cache (the signal handlers below); ``QuerySet.update()`` sends no signal, so its callers
    call ``clear_cache()``. An entry lives ``CACHE_SECONDS`` at most.
    """

    CACHE_KEY = "orders:shipping-methods:active"
    CACHE_SECONDS = 300

    def get_active(self, code: str) -> "ShippingMethod | None":
        """Return the active method with this code, or None; from the cache when it holds them."""
        try:
            methods = cache.get(self.CACHE_KEY)
        except Exception:  # noqa: BLE001 - read the database while the cache is down
            logger.exception("Could not read the shipping methods from the cache")
            return self.filter(code=code, is_active=True).first()
        if methods is None:
            methods = {method.code: method for method in self.filter(is_active=True)}
            try:
                cache.set(self.CACHE_KEY, methods, timeout=self.CACHE_SECONDS)
            except Exception:  # noqa: BLE001
                logger.exception("Could not store the shipping methods in the cache")
        return methods.get(code)

    def clear_cache(self) -> None:
        """Forget the cached methods now and, inside a transaction, again once it commits.

        The second time closes the window in which a checkout, still reading the old rows, could
        cache them again.
        """
        _forget_shipping_methods()
        if transaction.get_connection().in_atomic_block:
            transaction.on_commit(_forget_shipping_methods, robust=True)


def _forget_shipping_methods() -> None:
    try:
        cache.delete(ShippingMethodManager.CACHE_KEY)
    except Exception:  # noqa: BLE001 - a cache outage must not fail the save; entries expire anyway
        logger.exception("Could not forget the cached shipping methods")


class ShippingMethod(models.Model):
    """A way to ship an order; staff edit these in the admin."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    price = MoneyField(validators=[MinValueValidator(ZERO)])
    delivery_days = models.PositiveSmallIntegerField(help_text="Working days from shipment to delivery.")
    carrier = models.CharField(
        max_length=60, blank=True, help_text="Who carries orders sent this way; offered first when shipping."
    )
    is_active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    objects = ShippingMethodManager()

    class Meta:
        ordering = ["position", "price", "code"]

    def __str__(self):
        return self.name

    @property
    def is_express(self) -> bool:
        """Whether orders sent this way are promised within a working day (flagged on the dashboard)."""
        return self.delivery_days <= 1


def _shipping_method_changed(sender, **kwargs) -> None:
    ShippingMethod.objects.clear_cache()


post_save.connect(_shipping_method_changed, sender=ShippingMethod, dispatch_uid="orders-shipping-method-save")
post_delete.connect(
    _shipping_method_changed, sender=ShippingMethod, dispatch_uid="orders-shipping-method-delete"
)


class CustomerAddressBook(models.Model):
    """A customer's default shipping address (kept here so ``shop.User`` stays the auth model only)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="address_book"
    )
    default_shipping_address = models.JSONField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Addresses of {self.user}"


class Cart(models.Model):
    """A server-side cart, addressed by its unguessable token; tied to an account when logged in."""

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="carts"
    )
    checked_out_at = models.DateTimeField(null=True, blank=True)
    # The one discount code applied to the cart (``orders.discounts``); judged again at checkout.
    discount_code = models.ForeignKey(
        "discounts.DiscountCode", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return str(self.token)


class CartItem(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="items")
    variant = models.ForeignKey("catalogue.ProductVariant", on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField()
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "variant"], name="cart_item_unique_variant"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="cart_item_quantity_positive"),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.variant_id}"


class Order(models.Model):
    number = models.CharField(max_length=16, unique=True, default=new_order_number, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    email = models.EmailField(db_index=True)
    status = models.CharField(
        max_length=32, choices=OrderStatus.choices, default=OrderStatus.PENDING_PAYMENT, db_index=True
    )
    currency = models.CharField(max_length=3)
    subtotal = MoneyField()  # the goods at their unit prices, before any discount
    # What the order's discount code took off the goods (the sum of its lines' ``discount_total``);
    # a code with free shipping shows in ``shipping_total`` being zero.
    discount_total = MoneyField(default=ZERO)
    # By the code itself (``discount_code_id`` is the code as typed in capitals): shown without a query.
    discount_code = models.ForeignKey(
        "discounts.DiscountCode",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        to_field="code",
        db_column="discount_code",
        related_name="orders",
    )
    shipping_total = MoneyField()
    total = MoneyField()  # subtotal - discount_total + shipping_total: what the customer pays
    # Money actually received and given back; changed only under the order's row lock.
    captured_total = MoneyField(default=ZERO)
    refunded_total = MoneyField(default=ZERO)

    shipping_address = models.JSONField()
    billing_address = models.JSONField(null=True, blank=True)
    shipping_method_code = models.CharField(max_length=40)
    shipping_method_name = models.CharField(max_length=100)
    carrier = models.CharField(max_length=60, blank=True)
    tracking_number = models.CharField(max_length=100, blank=True)

    replacement_for = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replacements"
    )
    checkout_key = models.CharField(
        max_length=320, null=True, blank=True, unique=True, help_text="Cart token + Idempotency-Key header."
    )
    cancellation_reason = models.TextField(blank=True)
    needs_attention = models.BooleanField(
        default=False, db_index=True, help_text="Something staff must look at (e.g. a payment mismatch)."
    )
    attention_note = models.TextField(blank=True)

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    payment_deadline = models.DateTimeField(null=True, blank=True, db_index=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("ship_order", "Can ship and deliver orders"),
            ("cancel_order", "Can cancel orders"),
            ("refund_order", "Can refund orders"),
        ]
        indexes = [
            # The changelist's default order, and each status filter in it.
            models.Index(fields=["-created_at", "-id"], name="order_created_idx"),
            models.Index(fields=["status", "-created_at", "-id"], name="order_status_created_idx"),
            # The dashboard's queue of orders to ship, oldest payment first.
            models.Index(
                fields=["paid_at", "id"],
                condition=Q(status__in=[OrderStatus.PAID, OrderStatus.IN_PRODUCTION]),
                name="order_to_ship_idx",
            ),
            models.Index(
                fields=["-created_at"], condition=Q(needs_attention=True), name="order_attention_idx"
            ),
            models.Index(
                fields=["tracking_number"], condition=~Q(tracking_number=""), name="order_tracking_idx"
            ),
            # Search by the start of an email address (``LIKE 'ada@%'`` on PostgreSQL), by name, postcode, phone.
            models.Index(fields=["email"], opclasses=["varchar_pattern_ops"], name="order_email_prefix_idx"),
            models.Index(address_search_key("last_name"), name="order_ship_last_name_idx"),
            models.Index(address_search_key("postal_code"), name="order_ship_postcode_idx"),
            models.Index(phone_search_key(), name="order_ship_phone_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=0), name="order_total_not_negative"),
            models.CheckConstraint(
                condition=Q(refunded_total__lte=models.F("captured_total")), name="order_refund_le_captured"
            ),
        ]

    def __str__(self):
        return self.number


class OrderLine(models.Model):
    """One product on an order, with the name, price and return promise copied at purchase."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(
        "catalogue.ProductVariant", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    product = models.ForeignKey(
        "catalogue.Product", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    product_kind = models.CharField(max_length=20)
    product_name = models.CharField(max_length=200)
    sku = models.CharField("SKU", max_length=64, db_index=True)
    size_label = models.CharField(max_length=40, blank=True)
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    unit_price = MoneyField()
    line_total = MoneyField()  # unit_price × quantity
    # The share of the order's discount allocated to this line at checkout, frozen: what the line
    # actually paid is ``paid_total``; every refund, credit note and withdrawal counts from it.
    discount_total = MoneyField(default=ZERO)
    # The return policy promised at purchase (policy.md): later changes never touch it.
    returnable = models.BooleanField()
    return_days = models.PositiveSmallIntegerField()
    replacement_days = models.PositiveSmallIntegerField()
    # The statutory rights of the shipping country as they apply to this product, copied at checkout
    # with their legal basis (``orders.returns.policy.Law``; empty: none beyond the promise). Later
    # changes to the rights table or the settings never touch it.
    statutory_rights = models.JSONField(default=dict, blank=True)
    # When this line reached the customer: both windows start here. Set with the order's delivery.
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="order_line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(discount_total__gte=0, discount_total__lte=models.F("line_total")),
                name="order_line_discount_within_total",
            ),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.sku}"

    @property
    def paid_total(self) -> Decimal:
        """What the customer actually paid for the line's units: the list price less its discount."""
        return self.line_total - self.discount_total

    @property
    def unit_paid(self) -> Decimal:
        """The price paid per unit, to the cent (a line whose discount does not divide evenly has
        units a cent apart; ``orders.discounts.policy.units_paid`` gives any number of them exactly)."""
        return (self.paid_total / self.quantity).quantize(Decimal("0.01")) if self.quantity else ZERO


class StatusChange(models.Model):
    """One step in a history: who, when, from which status to which, and why."""

    from_status = models.CharField(max_length=32, blank=True)
    to_status = models.CharField(max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    role = models.CharField(max_length=10, choices=Role.choices)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]


class OrderStatusChange(StatusChange):
    """One step in an order's history."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="status_changes")

    class Meta(StatusChange.Meta):
        pass

    def __str__(self):
        labels = dict(OrderStatus.choices)
        return f"{labels.get(self.from_status, self.from_status) or 'New'} → {labels.get(self.to_status, self.to_status)}"


class Payment(models.Model):
    """One attempt to take the order's money at a provider (a PaymentIntent for Stripe)."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    provider = models.CharField(max_length=20)
    attempt = models.PositiveSmallIntegerField(default=1)
    provider_reference = models.CharField(max_length=255, null=True, blank=True, unique=True)
    amount = MoneyField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.PENDING)
    amount_received = MoneyField(null=True, blank=True)
    failure_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["order", "attempt"], name="payment_unique_attempt")]

    def __str__(self):
        return f"{self.provider} {self.provider_reference or '(no reference)'}"

    @property
    def idempotency_key(self) -> str:
        return f"order:{self.order.number}:pi:{self.attempt}"


class Refund(models.Model):
    """Money given back; written (pending) before the provider is called, keyed ``refund:<id>``."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = MoneyField(validators=[MinValueValidator(Decimal("0.01"))])
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20, choices=RefundStatus.choices, default=RefundStatus.PENDING)
    provider_reference = models.CharField(max_length=255, null=True, blank=True, unique=True)
    reason = models.CharField(max_length=200, blank=True)
    failure_reason = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive")]
        indexes = [
            # The dashboard's refunds waiting for the provider or failed: a few rows of a large table.
            models.Index(
                fields=["status"], condition=~Q(status=RefundStatus.SUCCEEDED), name="refund_open_status_idx"
            ),
        ]

    def __str__(self):
        return f"Refund {self.pk} of {self.amount} {self.currency}"

    @property
    def idempotency_key(self) -> str:
        return f"refund:{self.pk}"


class WebhookEvent(models.Model):
    """A provider event, stored once by its id as it arrives, then processed once by a task.

    An event that cannot be processed (no usable id or type, a body of the wrong shape) is stored
    ``failed`` with the reason, without an id: it changes nothing.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        PROCESSED = "processed", "processed"
        FAILED = "failed", "failed"

    EVENT_ID_MAX_LENGTH = 255
    TYPE_MAX_LENGTH = 100

    provider = models.CharField(max_length=20, default="stripe")
    event_id = models.CharField(max_length=EVENT_ID_MAX_LENGTH, unique=True, null=True, blank=True)
    type = models.CharField(max_length=TYPE_MAX_LENGTH)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="events")
    outcome = models.CharField(max_length=40, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self):
        return f"{self.type} {self.event_id}"


class SentEmail(models.Model):
    """An email that was sent, by its key (the notification and what caused it): never sent twice."""

    key = models.CharField(max_length=200, unique=True)
    to = models.EmailField()
    subject = models.CharField(max_length=200)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at", "-id"]

    def __str__(self):
        return f"{self.subject} to {self.to}"
