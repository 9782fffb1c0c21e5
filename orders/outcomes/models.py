"""Follow-up questions after delivery, and the outcome of each order line (``docs/matching.md``).

Outcomes become evidence for the rankings (``catalogue.matching.models.ProductEvidence``), written only
by ``orders.outcomes.services``.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from orders.models import OrderLine


class FollowUp(models.Model):
    """One short question set sent about one order line, some days after delivery, and its answers."""

    order_line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="followups")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="followups")
    assessment = models.ForeignKey(
        "matching.Assessment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="followups",
        help_text="The customer's latest assessment before the order (its profile is the segment).",
    )
    days = models.PositiveSmallIntegerField(help_text="Days after delivery it was due.")
    final = models.BooleanField(default=False, help_text="The last follow-up of the schedule (8 weeks).")
    due_at = models.DateTimeField()
    sent_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    comfort = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    pain_before = models.JSONField(default=dict, blank=True, help_text="Area -> 0-10, before the insole.")
    pain_now = models.JSONField(default=dict, blank=True, help_text="Area -> 0-10, now.")
    pain_better = models.BooleanField(null=True, blank=True)
    still_wearing = models.BooleanField(null=True, blank=True)
    problems = models.JSONField(default=list, blank=True, help_text="Fit reasons: what was wrong.")

    class Meta:
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["order_line", "days"], name="followup_once_per_line_and_day")
        ]
        indexes = [models.Index(fields=["user", "answered_at"], name="followup_user_open_idx")]

    def __str__(self):
        return f"Follow-up {self.pk} ({self.days} days)"


class OutcomeKind(models.TextChoices):
    NONE = "none", "No evidence yet"
    SUCCESS = "success", "Kept at 8 weeks, pain better"
    FAILURE = "failure", "Did not help (kept without the pain better, or stopped wearing it)"
    FIT_RETURN = "fit_return", "Returned or exchanged for a fit reason"
    DEFECT = "defect", "Replaced for a defect (not about fit)"


class LineOutcome(models.Model):
    """What became of one order line, as evidence: its latest classification, counted once."""

    order_line = models.OneToOneField(OrderLine, on_delete=models.CASCADE, related_name="outcome")
    product = models.ForeignKey("catalogue.Product", null=True, on_delete=models.SET_NULL, related_name="+")
    assessment = models.ForeignKey(
        "matching.Assessment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recommended = models.BooleanField(default=False, help_text="The assessment recommended this product.")
    segment = models.CharField(max_length=300, blank=True, help_text="Empty: no assessment, no evidence.")
    arch_type = models.CharField(max_length=10, blank=True)
    activity = models.CharField(max_length=20, blank=True)
    kind = models.CharField(max_length=20, choices=OutcomeKind.choices, default=OutcomeKind.NONE)
    reasons = models.JSONField(default=list, blank=True, help_text="The fit reasons given.")
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-updated_at", "-id"]

    def __str__(self):
        return f"{self.order_line_id}: {self.kind}"
