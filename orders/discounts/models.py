"""Discount codes: what a code takes off, on what, when, and how often (``docs/policy.md``)."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q

ZERO = Decimal("0.00")


class DiscountKind(models.TextChoices):
    PERCENT = "percent", "Percentage off"
    FIXED = "fixed", "Fixed amount off"


class DiscountCode(models.Model):
    """A code a customer types into the cart; one per order, checked again at checkout."""

    code = models.CharField(
        max_length=40, unique=True, help_text="Stored in capitals; customers may type any case."
    )
    description = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=10, choices=DiscountKind.choices, default=DiscountKind.PERCENT)
    value = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(ZERO)],
        help_text="Percent (0–100) for a percentage, the amount in the shop's currency for a fixed amount.",
    )
    free_shipping = models.BooleanField(default=False, help_text="Also ship the order free.")
    minimum_subtotal = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        default=ZERO,
        validators=[MinValueValidator(ZERO)],
        help_text="The goods in the cart must add up to at least this (0: no minimum).",
    )
    products = models.ManyToManyField(
        "catalogue.Product",
        blank=True,
        related_name="+",
        help_text="Only these products (with the categories below).",
    )
    categories = models.ManyToManyField(
        "catalogue.Category", blank=True, related_name="+", help_text="Only products of these categories."
    )
    product_kinds = models.JSONField(
        default=list,
        blank=True,
        help_text='Only these kinds, e.g. ["insole", "accessory"] (empty: every kind).',
    )
    includes_custom_orthotics = models.BooleanField(
        default=False, help_text="Custom orthotics are left out of every code unless this is ticked."
    )
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    usage_limit = models.PositiveIntegerField(
        null=True, blank=True, help_text="Orders in all (empty: no limit)."
    )
    once_per_customer = models.BooleanField(default=True, help_text="One order per account or email address.")
    times_used = models.PositiveIntegerField(default=0, editable=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(usage_limit__isnull=True) | Q(times_used__lte=F("usage_limit")),
                name="discount_code_within_limit",
            ),
            models.CheckConstraint(
                condition=~Q(kind="percent") | Q(value__lte=100), name="discount_code_percent_at_most_100"
            ),
        ]

    def __str__(self):
        return self.code

    def save(self, *args, **kwargs):
        self.code = (self.code or "").strip().upper()
        super().save(*args, **kwargs)
