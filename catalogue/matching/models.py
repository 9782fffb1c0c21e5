"""Foot-type matching models: assessments, footprints, and the rules and exercises staff tune.

The ``matching`` app's models keep the tables they were created with (``catalogue_*``), named in
each ``Meta.db_table``; the rules they hold are described in ``docs/matching.md``.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from catalogue.matching.consent import ConsentMethod, ConsentPurpose
from catalogue.matching.scoring import ORDINAL_SCALES, PROFILE_ATTRIBUTES, RULE_ATTRIBUTES
from catalogue.matching.vocabulary import FLAGS, RULE_PROFILE_FIELDS
from catalogue.models import Condition
from shop.storage import RandomName, private_storage

ATTRIBUTE_VALUES = {
    **ORDINAL_SCALES,
    "posting": ("none", "medial", "lateral"),
    "met_pad": (True, False),
    "kind": ("insole", "custom_orthotic", "accessory"),
}


class MatchingRule(models.Model):
    """One line of the ranking: when the profile shows X, products with attribute Y fit (or must not)."""

    code = models.SlugField(max_length=60, unique=True)
    when = models.JSONField(
        help_text='Profile fields and values, any of which makes the rule apply, e.g. {"arch_type": ["flat"], '
        '"pronation": ["over"]}. Fields: ' + ", ".join(RULE_PROFILE_FIELDS) + "."
    )
    attribute = models.CharField(max_length=20, choices=[(name, name) for name in RULE_ATTRIBUTES])
    preferred = models.JSONField(
        default=list,
        blank=True,
        help_text='Values of the attribute that fit, e.g. ["high"] or [true]. Leave empty for heel_lift_mm '
        "(compared with the lift the profile needs) and activities (contains the customer's activity).",
    )
    weight = models.PositiveSmallIntegerField(default=1)
    contraindication = models.BooleanField(
        default=False, help_text="A product with a preferred value loses the weight instead of earning it."
    )
    reason = models.CharField(
        max_length=300,
        help_text="One plain sentence shown to the customer on a full match; may use {heel_lift_mm}, "
        "{short_side}, {activity}, and {value} or {Value} (the product's value, e.g. semi-rigid). Describe "
        "what the insole does (supports, cushions), never a cure. A half match has its own sentence.",
    )
    source = models.CharField(
        max_length=500, help_text="The guideline or paper the rule rests on, cited in full."
    )
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        db_table = "catalogue_matchingrule"
        ordering = ["position", "code"]

    def __str__(self):
        return self.code

    def clean(self):
        errors = {}
        if not isinstance(self.when, dict) or not self.when:
            errors["when"] = "Name at least one profile field with a list of values."
        else:
            for name, values in self.when.items():
                allowed = RULE_PROFILE_FIELDS.get(name)
                if allowed is None:
                    errors["when"] = f"Unknown profile field {name!r}."
                elif not isinstance(values, list) or any(value not in allowed for value in values):
                    errors["when"] = f"Values for {name} must be a list of: {', '.join(allowed)}."
        if self.attribute in PROFILE_ATTRIBUTES:
            if self.preferred:
                errors["preferred"] = f"Leave empty for {self.attribute}."
        elif self.attribute in ATTRIBUTE_VALUES:
            allowed = ATTRIBUTE_VALUES[self.attribute]
            if (
                not isinstance(self.preferred, list)
                or not self.preferred
                or any(value not in allowed for value in self.preferred)
            ):
                errors["preferred"] = f"Use a list of: {', '.join(str(value) for value in allowed)}."
        if errors:
            raise ValidationError(errors)


class Exercise(models.Model):
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=100)
    instructions = models.TextField()
    conditions = models.ManyToManyField(
        Condition, related_name="exercises", blank=True, db_table="catalogue_exercise_conditions"
    )
    flags = models.JSONField(
        default=list,
        blank=True,
        help_text='Profile flags the exercise also serves, e.g. ["tight-calves"]. Flags: '
        + ", ".join(FLAGS)
        + ".",
    )
    contraindications = models.JSONField(
        default=list,
        blank=True,
        help_text='Profile flags that rule the exercise out, e.g. ["reduced-sensation"] for cold or hard '
        "rolling, or balance without support.",
    )
    caution = models.CharField(
        max_length=300, blank=True, help_text="Shown with the exercise, e.g. when to stop or what not to try."
    )
    source = models.CharField(
        max_length=500, blank=True, help_text="The guideline or paper the exercise rests on, cited in full."
    )
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        db_table = "catalogue_exercise"
        ordering = ["position", "slug"]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        for name in ("flags", "contraindications"):
            values = getattr(self, name)
            if not isinstance(values, list) or any(value not in FLAGS for value in values):
                errors[name] = f"Use a list of: {', '.join(FLAGS)}."
        if errors:
            raise ValidationError(errors)


class Footprint(models.Model):
    """A measured wet footprint; anonymous ones are read by their unguessable id."""

    class Side(models.TextChoices):
        LEFT = "left", "Left"
        RIGHT = "right", "Right"

    class Scale(models.TextChoices):
        NONE = "none", "No scale"
        MM_PER_PX = "mm_per_px", "Millimetres per pixel"
        DPI = "dpi", "Scan resolution (dpi)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="footprints"
    )
    side = models.CharField(max_length=5, choices=Side.choices, blank=True)
    # Private (shop/storage.py): served only by the footprint's checked views, under random names.
    image = models.ImageField(upload_to=RandomName("footprints"), storage=private_storage)
    overlay = models.ImageField(upload_to=RandomName("footprint-overlays"), storage=private_storage)
    arch_index = models.FloatField()
    arch_type = models.CharField(max_length=10)
    chippaux_smirak = models.FloatField()
    foot_length_mm = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    width_mm = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    scale = models.CharField(max_length=10, choices=Scale.choices, default=Scale.NONE)
    mm_per_px = models.FloatField(null=True, blank=True)
    method = models.CharField(max_length=40)
    zone_areas_px = models.JSONField(default=list, help_text="Contact area of forefoot A, midfoot B, heel C.")
    geometry = models.JSONField(default=dict, help_text="The axis and zone lines drawn on the overlay.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "catalogue_footprint"
        ordering = ["-created_at"]

    def __str__(self):
        return f"Footprint {self.pk} ({self.arch_type}, AI {self.arch_index:.3f})"


class Assessment(models.Model):
    """A customer's answers and everything computed from them when they were given."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="assessments"
    )
    footprint = models.ForeignKey(
        Footprint, null=True, blank=True, on_delete=models.SET_NULL, related_name="assessments"
    )
    answers = models.JSONField()
    profile = models.JSONField()
    referral = models.JSONField()
    size = models.JSONField(null=True, blank=True)
    recommendations = models.JSONField(
        default=list, help_text="As shown: products, scores, reasons, variants."
    )
    exercises = models.JSONField(default=list)
    outcome = models.JSONField(
        default=dict,
        blank=True,
        help_text="As shown: the advice, the accessories, general comfort products and sold-out best fits.",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "catalogue_assessment"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="catalogue_a_owner_i_219fac_idx")]

    def __str__(self):
        return f"Assessment {self.pk}"


class HealthRecordKind(models.TextChoices):
    """The kinds of a customer's health records that staff may open (docs/architecture.md)."""

    ASSESSMENT = "assessment", "Assessment answers"
    FOOTPRINT = "footprint", "Footprint"
    FITTING_SHEET = "fitting_sheet", "Fitting sheet"
    PRESCRIPTION = "prescription", "Prescription"
    RETURN_PHOTO = "return_photo", "Return photo"


class HealthRecordAccess(models.Model):
    """One time a member of staff opened a customer's health record: who, when, which record, how.

    Written by ``catalogue.matching.services.health_record_access_record`` from every staff view of a
    record; customers see theirs in their data export, admins in the admin. Rows are never edited.
    """

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="health_record_accesses",
        help_text="Whose record it is (empty for a guest's record).",
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="health_records_opened"
    )
    kind = models.CharField(max_length=20, choices=HealthRecordKind.choices)
    record_id = models.CharField(max_length=64, help_text="The primary key of the record opened.")
    via = models.CharField(max_length=100, help_text="Where it was opened, e.g. the admin page or download.")
    accessed_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-accessed_at", "-id"]
        indexes = [models.Index(fields=["customer", "-accessed_at"], name="health_access_customer_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.record_id} opened by {self.staff_id} at {self.accessed_at:%Y-%m-%d %H:%M}"


class Consent(models.Model):
    """A customer's consent to one purpose: which text version, when and how it was given, when withdrawn.

    Written by ``catalogue.matching.services.consent_give`` and ``consent_withdraw`` only. A customer has
    at most one consent in force per purpose (not withdrawn); giving it again to a newer text closes the
    older one. Erasing the account keeps the rows without the person (``user`` empty, docs/privacy.md).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consents",
        help_text="Empty once the account is erased.",
    )
    purpose = models.CharField(max_length=30, choices=ConsentPurpose.choices)
    text_version = models.PositiveSmallIntegerField()
    given_at = models.DateTimeField()
    method = models.CharField(max_length=10, choices=ConsentMethod.choices)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-given_at", "-id"]
        indexes = [models.Index(fields=["user", "purpose"], name="consent_user_purpose_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "purpose"],
                condition=Q(withdrawn_at__isnull=True, user__isnull=False),
                name="consent_one_in_force_per_purpose",
            )
        ]

    def __str__(self):
        state = "withdrawn" if self.withdrawn_at else "in force"
        return f"{self.get_purpose_display()} v{self.text_version} ({state})"


class ProductEvidence(models.Model):
    """What happened to a product for customers of one profile segment (``catalogue/matching/learning.py``).

    Written only by the outcome services of the orders (each order line counts once, as its latest
    outcome); read, one query per assessment, to adjust the rule scores.
    """

    product = models.ForeignKey("catalogue.Product", on_delete=models.CASCADE, related_name="evidence")
    segment = models.CharField(max_length=300, help_text="arch|pronation|conditions|activity|shoe type")
    arch_type = models.CharField(max_length=10)
    activity = models.CharField(max_length=20, blank=True)
    trials = models.PositiveIntegerField(default=0, help_text="Outcomes that say whether it worked.")
    successes = models.PositiveIntegerField(default=0, help_text="Kept at 8 weeks with the pain better.")
    fit_returns = models.PositiveIntegerField(default=0, help_text="Returned or exchanged for a fit reason.")
    defects = models.PositiveIntegerField(
        default=0, help_text="Replaced for a defect: not counted against fit."
    )
    reasons = models.JSONField(default=dict, blank=True, help_text="Fit reason -> count.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "product evidence"
        ordering = ["product_id", "segment"]
        constraints = [
            models.UniqueConstraint(fields=["product", "segment"], name="evidence_one_per_product_segment")
        ]
        indexes = [models.Index(fields=["arch_type", "activity"], name="evidence_wider_segment_idx")]

    def __str__(self):
        return f"{self.product_id} / {self.segment}"


class LearningSetting(models.Model):
    """The staff switch for learning from outcomes: one row (``pk`` 1), changed in the admin.

    Learning adjusts rankings when ``MATCHING_LEARNING`` (the deploy-level kill switch) is true and this
    switch is on; no row means on. Read with the matching catalogue, memoised under the catalogue
    version that a save changes (``catalogue.signals``), so it costs no query of its own. Written by
    ``catalogue.matching.services.learning_setting_change``, which records who changed it and when.
    """

    SINGLETON = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON, editable=False)
    enabled = models.BooleanField(
        default=True, help_text="Rankings learn from outcomes (unless MATCHING_LEARNING turns it off)."
    )
    note = models.CharField(max_length=300, blank=True, help_text="Why it was switched, for the others.")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        editable=False,
    )  # fmt: skip
    changed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "learning from outcomes"
        verbose_name_plural = "learning from outcomes"
        constraints = [models.CheckConstraint(condition=Q(id=1), name="learning_setting_one_row")]

    def __str__(self):
        return f"Learning from outcomes: {'on' if self.enabled else 'off'}"
