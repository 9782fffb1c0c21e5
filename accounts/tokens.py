"""The tokens in account emails: password-reset links and email-verification links.

Password reset: Django's ``PasswordResetTokenGenerator`` (``default_token_generator``) with the account's
id in ``uid``. A token is valid for ``PASSWORD_RESET_TIMEOUT`` seconds and stops working once it has been
used, because it hashes the password (and the last login and the email), which the reset changes.

Email verification: a ``django.core.signing`` timestamped signature of the account's id and email, with
its own salt, valid for ``SHOP_EMAIL_VERIFICATION_TIMEOUT`` seconds; a link sent to an earlier address
does not verify a later one.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

EMAIL_VERIFICATION_SALT = "accounts.email-verification"


def _frontend_link(path: str, **query: str) -> str:
    return f"{settings.SHOP_FRONTEND_URL.rstrip('/')}/{path}?{urlencode(query)}"


def password_reset_link(*, user) -> str:
    """Return the link of a password-reset email: ``{SHOP_FRONTEND_URL}/reset-password?uid=..&token=..``."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return _frontend_link("reset-password", uid=uid, token=default_token_generator.make_token(user))


def password_reset_user(*, uid: str, token: str):
    """Return the active account a password-reset ``uid`` and ``token`` are valid for, or None."""
    try:
        pk = int(urlsafe_base64_decode(uid).decode())
    except (TypeError, ValueError, UnicodeDecodeError):
        return None
    if not 0 < pk < 2**63:  # beyond any id, and beyond what the database can compare
        return None
    user = get_user_model().objects.filter(pk=pk, is_active=True).first()
    if user is None or not default_token_generator.check_token(user, token):
        return None
    return user


def email_verification_token(*, user) -> str:
    """Return a signed, timestamped token naming the account and the address it verifies."""
    return signing.dumps({"user": user.pk, "email": user.email}, salt=EMAIL_VERIFICATION_SALT)


def email_verification_link(*, user) -> str:
    """Return the link of a verification email: ``{SHOP_FRONTEND_URL}/verify-email?token=..``."""
    return _frontend_link("verify-email", token=email_verification_token(user=user))


def email_verification_user(*, token: str):
    """Return the active account a verification token is valid for (same id, same email), or None."""
    try:
        claims = signing.loads(
            token, salt=EMAIL_VERIFICATION_SALT, max_age=settings.SHOP_EMAIL_VERIFICATION_TIMEOUT
        )
    except signing.BadSignature:  # SignatureExpired included
        return None
    if not isinstance(claims, dict) or not isinstance(claims.get("user"), int):
        return None  # signed by this salt, so never in practice; but no 500 on a shape it never makes
    user = get_user_model().objects.filter(pk=claims["user"], is_active=True).first()
    if user is None or user.email != claims.get("email"):
        return None
    return user
