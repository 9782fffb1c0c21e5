"""The record of each account erasure: which account, by whom, when, how; it holds no personal data."""

from django.conf import settings
from django.db import models


class ErasureRecord(models.Model):
    """One erasure of an account's personal and health data (``accounts.services.user_erase``).

    ``account`` is the anonymised account (its email is ``erased-...@invalid.example``); ``counts``
    says how many records of each kind were erased or kept. Nobody edits or deletes these rows.
    """

    class Via(models.TextChoices):
        API = "api", "The customer, through the API"
        ADMIN = "admin", "Staff, in the admin"

    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="erasures"
    )
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The member of staff; empty when the customer erased their own account.",
    )
    via = models.CharField(max_length=10, choices=Via.choices)
    erased_at = models.DateTimeField(db_index=True)
    counts = models.JSONField(default=dict, help_text="Records erased and kept, by kind.")

    class Meta:
        ordering = ["-erased_at", "-id"]

    def __str__(self):
        return f"Erasure of account {self.account_id} at {self.erased_at:%Y-%m-%d %H:%M}"
