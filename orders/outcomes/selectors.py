"""Reads of the follow-ups (the customer's, one by its signed link) and of the outcomes (admin, export)."""

from django.db.models import QuerySet

from orders.outcomes.exceptions import FollowUpNotFound, FollowUpTokenInvalid
from orders.outcomes.models import FollowUp
from orders.outcomes.notifications import followup_token_read


def _followups() -> QuerySet[FollowUp]:
    return FollowUp.objects.select_related("order_line__order", "assessment")


def followups_of(*, user) -> QuerySet[FollowUp]:
    """Return the customer's follow-ups, newest first (answered or not)."""
    return _followups().filter(user=user).order_by("-sent_at", "-id")


def followup_get(*, followup_id: int, user=None, token: str = "") -> FollowUp:
    """Return a follow-up its customer may answer: signed in as them, or holding a link of its email.

    Anyone else gets ``followup_not_found``; a token that is forged, expired or of another follow-up,
    ``invalid_token``.
    """
    if token:
        read = followup_token_read(token)
        if read is None or read[0] != followup_id:
            raise FollowUpTokenInvalid(attr="token")
        found = _followups().filter(pk=followup_id).first()
    elif getattr(user, "is_authenticated", False):
        found = _followups().filter(pk=followup_id, user=user).first()
    else:
        found = None
    if found is None:
        raise FollowUpNotFound()
    return found


def followup_from_token(*, token: str) -> tuple[FollowUp, str]:
    """Return the follow-up and the answer a one-tap link stands for (``invalid_token`` otherwise)."""
    read = followup_token_read(token)
    if read is None:
        raise FollowUpTokenInvalid(attr="token")
    found = _followups().filter(pk=read[0]).first()
    if found is None:
        raise FollowUpNotFound()
    return found, read[1]


def outcomes_export(*, user) -> dict:
    """Return the customer's follow-ups and answers, for their export (``followups``)."""
    return {
        "followups": [
            {
                "order": f.order_line.order.number,
                "product_name": f.order_line.product_name,
                "days": f.days,
                "sent_at": f.sent_at.isoformat(),
                "answered_at": f.answered_at.isoformat() if f.answered_at else None,
                "comfort": f.comfort,
                "pain_before": f.pain_before,
                "pain_now": f.pain_now,
                "pain_better": f.pain_better,
                "still_wearing": f.still_wearing,
                "problems": f.problems,
            }
            for f in followups_of(user=user).order_by("sent_at", "id")
        ]
    }
