"""Account emails (password reset, email verification), queued once the transaction that asked commits.

Services call these. The message is rendered in the request, with its link, and queued with the
transaction that asked (``orders.notifications.email_queue``, the shop's queue for a rendered email): a
change that rolls back sends nothing, and a worker sends it, once (a key made when it is queued).
"""

import uuid

from django.conf import settings
from django.template.loader import render_to_string

from accounts import tokens
from orders.notifications import email_queue

SUBJECTS = {
    "password_reset": "Reset your Orthotics Shop password",
    "verify_email": "Confirm your email address for Orthotics Shop",
}


def _duration(seconds: int) -> str:
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} seconds"


def account_email(*, user, notification: str, link: str) -> dict[str, str]:
    """Return the email ``notification`` to ``user``: recipient, subject, text and HTML bodies."""
    timeout = {
        "password_reset": settings.PASSWORD_RESET_TIMEOUT,
        "verify_email": settings.SHOP_EMAIL_VERIFICATION_TIMEOUT,
    }[notification]
    context = {"user": user, "link": link, "valid_for": _duration(timeout)}
    template = f"emails/account_{notification}"
    return {
        "to": user.email,
        "subject": SUBJECTS[notification],
        "body": render_to_string(f"{template}.txt", context),
        "html": render_to_string(f"{template}.html", context),
    }


def password_reset_notify_on_commit(*, user, send: bool) -> None:
    """Render the password-reset email for ``user``; queue it after commit only when ``send``.

    It is rendered either way (for an address without an account, to a stand-in user), so that asking
    for an unknown address does the same work as for a known one.
    """
    message = account_email(
        user=user, notification="password_reset", link=tokens.password_reset_link(user=user)
    )
    if send:
        email_queue(key=f"account:{user.pk}:password_reset:{uuid.uuid4().hex}", **message)


def email_verification_notify_on_commit(*, user) -> None:
    """Queue the email with the link that verifies ``user``'s current address, after commit."""
    message = account_email(
        user=user, notification="verify_email", link=tokens.email_verification_link(user=user)
    )
    email_queue(key=f"account:{user.pk}:verify_email:{uuid.uuid4().hex}", **message)
