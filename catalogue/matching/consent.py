"""What customers consent to: the purposes, and the text of each consent with its version (docs/privacy.md).

A consent counts only for the text version it was given to. When a text changes in a way the customer
must agree to again, raise its version here: earlier consents stop counting until the customer gives
the new one (``GET /api/v1/me/consents/`` shows the current text and version).
"""

from django.db import models


class ConsentPurpose(models.TextChoices):
    FOOT_ASSESSMENT = "foot_assessment", "Foot assessment"
    LAB_SHARING = "lab_sharing", "Sharing with the orthotics lab"
    OUTCOME_FOLLOWUPS = "outcome_followups", "Follow-up questions after delivery"


class ConsentMethod(models.TextChoices):
    """How a consent was given: by the customer through the API, or recorded by staff in the admin."""

    API = "api", "API"
    ADMIN = "admin", "Admin"


# purpose -> (version, text)
CONSENT_TEXTS: dict[str, tuple[int, str]] = {
    ConsentPurpose.FOOT_ASSESSMENT: (
        1,
        "I agree that the shop stores my assessment answers, which may include health information such as "
        "foot or back pain, diabetes and numbness, and my footprint photos, to recommend insoles to me. "
        "I can withdraw this consent at any time; the shop then stops using them.",
    ),
    ConsentPurpose.LAB_SHARING: (
        1,
        "I agree that the shop shares my fitting, my foot measurements and my prescription with its "
        "orthotics lab to make a custom device for me. I can withdraw this consent at any time; a fitting "
        "not yet sent to the lab is then not sent.",
    ),
    ConsentPurpose.OUTCOME_FOLLOWUPS: (
        1,
        "I agree that the shop emails me a few short questions two and eight weeks after my insoles "
        "arrive (comfort, pain compared with before, whether I still wear them, what was wrong), and uses "
        "my answers and my return reasons, pooled with those of customers with similar feet, to improve "
        "its recommendations. I can withdraw this consent at any time; no more questions are then sent.",
    ),
}


def consent_text(purpose: str) -> tuple[int, str] | None:
    """Return the current ``(version, text)`` of a purpose's consent, or None for an unknown purpose."""
    return CONSENT_TEXTS.get(purpose)
