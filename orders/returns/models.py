"""Return and replacement requests: their lines, the customer's photos and their history (``docs/policy.md``).

The tables were created by the ``orders`` app and keep its names (``orders_returnrequest``, ...).
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from orders.models import Order, OrderLine, Refund, StatusChange
from orders.returns.statuses import ReturnKind, ReturnReason, ReturnStatus
from shop.storage import RandomName, private_storage


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
