"""A fitting (what the lab needs to make one pair) and the build record of the pair the lab made."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from catalogue.choices import ShoeType
from shop.storage import RandomName, private_storage


class Fitting(models.Model):
    """Everything the lab needs to make one custom pair; anonymous ones are read by their unguessable id."""

    class PrescriptionKind(models.TextChoices):
        NONE = "", "None"
        PDF = "pdf", "PDF"
        IMAGE = "image", "Image"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="fittings"
    )
    assessment = models.ForeignKey(
        "matching.Assessment", null=True, blank=True, on_delete=models.SET_NULL, related_name="fittings"
    )
    footprint_left = models.ForeignKey(
        "matching.Footprint", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    footprint_right = models.ForeignKey(
        "matching.Footprint", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The assessment's profile and leg-length answer as they were when the fitting was made.
    profile = models.JSONField(default=dict, blank=True)
    leg_length_difference_mm = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    foot_length_mm = models.DecimalField(
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(100), MaxValueValidator(400)],
    )
    foot_width_mm = models.DecimalField(
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(40), MaxValueValidator(200)],
    )
    shoe_type = models.CharField(max_length=20, choices=ShoeType.choices, blank=True)
    impression_kit = models.BooleanField(
        default=False,
        help_text="No footprints: a foam impression box is posted first and the order waits for it.",
    )
    # Private (shop/storage.py): served only by the prescription download, under a random name.
    prescription = models.FileField(
        upload_to=RandomName("prescriptions"), storage=private_storage, blank=True
    )
    prescription_kind = models.CharField(max_length=5, choices=PrescriptionKind.choices, blank=True)

    cart_item = models.OneToOneField(
        "orders.CartItem", null=True, blank=True, on_delete=models.SET_NULL, related_name="fitting"
    )
    order_line = models.OneToOneField(
        "orders.OrderLine", null=True, blank=True, on_delete=models.PROTECT, related_name="fitting"
    )
    # A remake: the fitting it carries forward and what the customer said did not fit.
    original = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="remakes"
    )
    remake_comment = models.TextField(blank=True)

    impression_received_at = models.DateTimeField(null=True, blank=True)
    impression_received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "-created_at"])]

    def __str__(self):
        return f"Fitting {self.pk}"


class OrthoticBuild(models.Model):
    """What the lab made for one order line: materials, posting, heel lifts, notes, and when."""

    class Shell(models.TextChoices):
        EVA = "eva", "EVA foam"
        POLYPROPYLENE = "polypropylene", "Polypropylene"
        CARBON = "carbon", "Carbon fibre"
        CORK = "cork", "Cork"

    class Posting(models.TextChoices):
        NONE = "none", "None"
        MEDIAL = "medial", "Medial"
        LATERAL = "lateral", "Lateral"

    class TopCover(models.TextChoices):
        NONE = "none", "None"
        VINYL = "vinyl", "Vinyl"
        LEATHER = "leather", "Leather"
        MICROFIBRE = "microfibre", "Microfibre"
        NEOPRENE = "neoprene", "Neoprene"

    order_line = models.OneToOneField(
        "orders.OrderLine", on_delete=models.PROTECT, related_name="orthotic_build"
    )
    remake_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="remakes"
    )
    # Working days promised at purchase (the product's production time then).
    production_days = models.PositiveSmallIntegerField(default=0)
    shell = models.CharField(max_length=20, choices=Shell.choices, blank=True)
    posting = models.CharField(max_length=10, choices=Posting.choices, blank=True)
    top_cover = models.CharField(max_length=20, choices=TopCover.choices, blank=True)
    heel_lift_left_mm = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(25)])
    heel_lift_right_mm = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(25)])
    lab_notes = models.TextField(blank=True, help_text="Adjustments made, especially for a remake.")
    made_at = models.DateTimeField(null=True, blank=True)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"Build for line {self.order_line_id}"
