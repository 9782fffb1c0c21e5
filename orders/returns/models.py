"""Return and replacement requests: their lines, the customer's photos and their history (``docs/policy.md``).

The tables were created by the ``orders`` app and keep its names (``orders_returnrequest``, ...).
"""

import logging
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models, transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save

from orders.models import MoneyField, Order, OrderLine, Refund, StatusChange
from orders.returns.statuses import ReturnKind, ReturnReason, ReturnStatus
from shop.storage import RandomName, private_storage

logger = logging.getLogger(__name__)


class ReturnRequest(models.Model):
    """A customer's request to return (refund) or replace some units of a delivered order's lines."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="return_requests")
    kind = models.CharField(max_length=20, choices=ReturnKind.choices)
    status = models.CharField(
        max_length=32, choices=ReturnStatus.choices, default=ReturnStatus.REQUESTED, db_index=True
    )
    reason = models.CharField(max_length=40, choices=ReturnReason.choices)
    comment = models.TextField(blank=True)
    # When the request reached the shop: the windows are judged at this instant, never when staff act.
    requested_at = models.DateTimeField(db_index=True)
    # The earliest deadline (of the request's kind) among its lines, for the admin's "deadline soon" filter.
    window_closes_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # A withdrawal: the refund is due by then (the notice plus the law's days), shown and flagged in the admin.
    refund_due_by = models.DateTimeField(null=True, blank=True, db_index=True)
    rejection_reason = models.TextField(blank=True, help_text="Shown to the customer.")
    goodwill_reason = models.TextField(blank=True, help_text="Why staff accepted it outside the rules.")
    goodwill_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    refunds = models.ManyToManyField(
        Refund, blank=True, related_name="return_requests", db_table="orders_returnrequest_refunds"
    )
    replacement_order = models.OneToOneField(
        Order, null=True, blank=True, on_delete=models.PROTECT, related_name="replacement_request"
    )
    # An exchange: the new items' price less what the units sent back paid, set on approval (positive:
    # the customer pays it on the exchange order; negative: refunded once the units are received).
    exchange_difference = MoneyField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "orders_returnrequest"
        ordering = ["-requested_at", "-id"]
        permissions = [("receive_returnrequest", "Can mark returned items received and restock them")]
        indexes = [
            # The changelist's default order and its status filter; the dashboard's open requests by deadline.
            models.Index(fields=["-requested_at", "-id"], name="return_requested_idx"),
            models.Index(fields=["status", "-requested_at", "-id"], name="return_status_requested_idx"),
            models.Index(
                fields=["window_closes_at", "id"],
                condition=Q(
                    status__in=[ReturnStatus.REQUESTED, ReturnStatus.APPROVED, ReturnStatus.RECEIVED]
                ),
                name="return_awaiting_deadline_idx",
            ),
        ]

    def __str__(self):
        return f"Request {self.pk}"


class ReturnLine(models.Model):
    """Some units of one order line in a request, and what staff decided when they came back."""

    return_request = models.ForeignKey(ReturnRequest, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="return_lines")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    # Replacements: the variant to send (the same one or another size of the same product).
    replacement_variant = models.ForeignKey(
        "catalogue.ProductVariant", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    replacement_sku = models.CharField(max_length=64, blank=True)
    received_quantity = models.PositiveIntegerField(null=True, blank=True)
    restock = models.BooleanField(default=False, help_text="Received units went back to stock.")
    # A withdrawal: what staff deduct for diminished value (handling beyond what was needed to try it),
    # never more than the price of these units, always with a written reason.
    deduction = MoneyField(default=Decimal("0.00"))
    deduction_reason = models.TextField(blank=True)
    deduction_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deduction_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "orders_returnline"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="return_line_quantity_positive"),
            models.UniqueConstraint(fields=["return_request", "order_line"], name="return_line_unique_line"),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.order_line_id}"


class ReturnPhoto(models.Model):
    """A photo the customer sent with the request (validated and re-encoded like catalogue images)."""

    return_request = models.ForeignKey(ReturnRequest, on_delete=models.CASCADE, related_name="photos")
    # Private (shop/storage.py): served only by the request's checked views, under random names.
    image = models.ImageField(upload_to=RandomName("return-photos"), storage=private_storage)
    thumbnail = models.ImageField(upload_to=RandomName("return-thumbnails"), storage=private_storage)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "orders_returnphoto"
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return f"Photo {self.pk} of request {self.return_request_id}"


class ReturnStatusChange(StatusChange):
    """One step in a return or replacement request's history."""

    return_request = models.ForeignKey(ReturnRequest, on_delete=models.CASCADE, related_name="status_changes")

    class Meta(StatusChange.Meta):
        db_table = "orders_returnstatuschange"

    def __str__(self):
        labels = dict(ReturnStatus.choices)
        return f"{labels.get(self.from_status, self.from_status) or 'New'} → {labels.get(self.to_status, self.to_status)}"


class CountedFrom(models.TextChoices):
    DELIVERY = "delivery", "Delivery (the day the consumer receives the goods)"


class StatutoryRightManager(models.Manager):
    """Keeps the rights table in the cache: checkout reads it on every order, staff rarely edit it.

    Saving or deleting a row forgets the cache (the signal handlers below), at once and again once the
    transaction commits; an entry lives ``CACHE_SECONDS`` at most.
    """

    CACHE_KEY = "returns:statutory-rights"
    CACHE_SECONDS = 300

    def cached(self) -> list["StatutoryRight"]:
        """Return every row, from the cache when it holds them (the database when the cache is down)."""
        try:
            rows = cache.get(self.CACHE_KEY)
        except Exception:  # noqa: BLE001 - read the database while the cache is down
            logger.exception("Could not read the statutory rights from the cache")
            return list(self.all())
        if rows is None:
            rows = list(self.all())
            try:
                cache.set(self.CACHE_KEY, rows, timeout=self.CACHE_SECONDS)
            except Exception:  # noqa: BLE001
                logger.exception("Could not store the statutory rights in the cache")
        return rows

    def clear_cache(self) -> None:
        _forget_statutory_rights()
        if transaction.get_connection().in_atomic_block:
            transaction.on_commit(_forget_statutory_rights, robust=True)


def _forget_statutory_rights() -> None:
    try:
        cache.delete(StatutoryRightManager.CACHE_KEY)
    except Exception:  # noqa: BLE001 - a cache outage must not fail the save; entries expire anyway
        logger.exception("Could not forget the cached statutory rights")


class StatutoryRight(models.Model):
    """The consumer rights the law of a destination gives on a distance sale, each with its legal basis.

    One row per destination: a country or a group of countries (``countries``, ISO 3166-1 alpha-2).
    Checkout copies what applies to each line onto the line (``OrderLine.statutory_rights``), so
    editing a row changes only orders placed afterwards. Zero days or months: the law gives no such right.
    """

    code = models.SlugField(max_length=20, unique=True)
    name = models.CharField(max_length=100, help_text="As customers read it, e.g. 'the EU and the EEA'.")
    countries = models.JSONField(help_text='ISO 3166-1 alpha-2 codes, in capitals, e.g. ["DE", "FR"].')
    withdrawal_days = models.PositiveSmallIntegerField(
        default=0, help_text="Days to withdraw from a distance sale without a reason; 0 for none."
    )
    withdrawal_counted_from = models.CharField(
        max_length=20, choices=CountedFrom.choices, default=CountedFrom.DELIVERY
    )
    withdrawal_basis = models.CharField(max_length=300, blank=True)
    exempt_made_to_specification = models.BooleanField(
        default=False,
        help_text="Goods made to the consumer's specification (custom orthotics) cannot be withdrawn.",
    )
    made_to_specification_basis = models.CharField(max_length=300, blank=True)
    exempt_sealed_hygiene = models.BooleanField(
        default=False,
        help_text="Sealed goods unsuitable for return for hygiene reasons lose the right once unsealed "
        "(only products staff mark as sealed hygiene goods).",
    )
    sealed_hygiene_basis = models.CharField(max_length=300, blank=True)
    delivery_refunded = models.BooleanField(
        default=False,
        help_text="The standard outbound delivery is refunded when the whole order is withdrawn.",
    )
    refund_due_days = models.PositiveSmallIntegerField(
        default=0, help_text="Days from the withdrawal notice by which the refund is due."
    )
    refund_basis = models.CharField(max_length=300, blank=True)
    guarantee_months = models.PositiveSmallIntegerField(
        default=0,
        help_text="The legal guarantee for goods not in conformity, in months from delivery; 0 for none.",
    )
    guarantee_remedies = models.CharField(max_length=300, blank=True)
    guarantee_basis = models.CharField(max_length=300, blank=True)
    reject_days = models.PositiveSmallIntegerField(
        default=0,
        help_text="A short-term right to reject faulty goods for a full refund, in days; 0 for none.",
    )
    reject_basis = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StatutoryRightManager()

    class Meta:
        ordering = ["name"]
        verbose_name = "statutory right (by destination)"
        verbose_name_plural = "statutory rights (by destination)"

    def __str__(self):
        return self.name

    def clean(self):
        codes = self.countries if isinstance(self.countries, list) else None
        if not codes or not all(
            isinstance(code, str) and len(code) == 2 and code.isalpha() for code in codes
        ):
            raise ValidationError({"countries": 'A list of ISO 3166-1 alpha-2 codes, e.g. ["DE", "FR"].'})
        self.countries = sorted({code.upper() for code in codes})
        clash = [
            code
            for other in StatutoryRight.objects.exclude(pk=self.pk)
            for code in other.countries
            if code in self.countries
        ]
        if clash:
            raise ValidationError(
                {"countries": f"Already in another destination: {', '.join(sorted(clash))}."}
            )


def _statutory_right_changed(sender, **kwargs) -> None:
    StatutoryRight.objects.clear_cache()


post_save.connect(
    _statutory_right_changed, sender=StatutoryRight, dispatch_uid="returns-statutory-right-save"
)
post_delete.connect(
    _statutory_right_changed, sender=StatutoryRight, dispatch_uid="returns-statutory-right-delete"
)
