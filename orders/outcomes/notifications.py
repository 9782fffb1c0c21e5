"""The follow-up email, queued with the transaction that writes its row (``orders.notifications.email_queue``)."""

from django.conf import settings
from django.core import signing
from django.template.loader import render_to_string

from orders.notifications import email_queue
from orders.outcomes.models import FollowUp

TOKEN_SALT = "orders.outcomes.followup"
# A link in the email works this long (days) after it was sent.
TOKEN_MAX_AGE_DAYS = 60


def followup_token(*, followup_id: int, answer: str) -> str:
    """Return the signed token of one answer to one follow-up (a link in the email)."""
    return signing.dumps({"f": followup_id, "a": answer}, salt=TOKEN_SALT, compress=True)


def followup_token_read(token: str) -> tuple[int, str] | None:
    """Return ``(followup_id, answer)`` of a token made by ``followup_token``, or None if it is not valid."""
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE_DAYS * 86400)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("f"), int) or not isinstance(data.get("a"), str):
        return None
    return data["f"], data["a"]


def _link(followup_id: int, answer: str) -> str:
    token = followup_token(followup_id=followup_id, answer=answer)
    return f"{settings.SHOP_FRONTEND_URL.rstrip('/')}/api/v1/followups/tap/?token={token}"


def followup_email(*, followup: FollowUp) -> dict[str, str]:
    """Return the follow-up email: recipient, subject, text and HTML bodies, with the one-tap links."""
    line = followup.order_line
    context = {
        "followup": followup,
        "product_name": line.product_name,
        "weeks": round(followup.days / 7),
        "links": {answer: _link(followup.pk, answer) for answer in ("better", "same", "stopped", "form")},
    }
    body = render_to_string("emails/followup.txt", context)
    html = render_to_string("emails/followup.html", context)
    subject = f"How are your {line.product_name} after {context['weeks']} weeks?"
    return {"to": line.order.email, "subject": subject, "body": body, "html": html}


def followup_notify_on_commit(*, followup_id: int) -> None:
    """Queue the follow-up email with the transaction that created the follow-up: it goes once that
    commits, and once only (its key is the follow-up's)."""
    followup = FollowUp.objects.select_related("order_line__order").get(pk=followup_id)
    email_queue(key=f"followup:{followup_id}", **followup_email(followup=followup))
