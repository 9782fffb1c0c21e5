"""Account writes: registration, login and logout, password reset, email verification, profile changes."""

from axes.utils import reset as axes_reset
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts import notifications, tokens
from accounts.exceptions import (
    AccountLocked,
    EmailAlreadyVerified,
    EmailTaken,
    InvalidCredentials,
    InvalidPassword,
    InvalidToken,
)
from accounts.selectors import email_normalized, login_retry_after, user_by_email
from orders.services.addresses import default_address_set


def _password_validate(password: str, *, user, attr: str) -> None:
    try:
        validate_password(password, user=user)
    except DjangoValidationError as error:
        raise InvalidPassword(" ".join(error.messages), attr=attr) from error


def user_register(*, email: str, password: str, first_name: str = "", last_name: str = ""):
    """Create a customer account after Django's password validators; return ``(user, token)``."""
    User = get_user_model()
    email = User.objects.normalize_email(email).lower()
    candidate = User(email=email, first_name=first_name, last_name=last_name)
    _password_validate(password, user=candidate, attr="password")
    if User.objects.filter(email__iexact=email).exists():
        raise EmailTaken(attr="email")
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email=email, password=password, first_name=first_name, last_name=last_name
            )
            token = Token.objects.create(user=user)
            notifications.email_verification_notify_on_commit(user=user)
    except IntegrityError as error:  # registered at the same moment
        raise EmailTaken(attr="email") from error
    return user, token


def user_login(*, request, email: str, password: str):
    """Return ``(user, token)`` for valid credentials; the same refusal whether or not the email exists.

    Authentication goes through django-axes with the request (``AUTHENTICATION_BACKENDS``), which counts
    the failures per account and per address and refuses a locked-out one, the right password included:
    ``account_locked`` with the seconds until it may be tried again. A success clears the account's
    failures.
    """
    email = email_normalized(email)
    user = authenticate(request, email=email, password=password)
    if user is None and getattr(request, "axes_locked_out", False):
        raise AccountLocked(retry_after=login_retry_after(request=request, credentials={"email": email}))
    if user is None or not user.is_active:
        raise InvalidCredentials()
    login_failures_clear(user=user)
    token, _ = Token.objects.get_or_create(user=user)
    return user, token


def login_failures_clear(*, user) -> int:
    """Forget the failed logins counted against ``user``'s account (after a successful login).

    Only the account's: the failures of the address it logged in from, on other accounts, still count.
    Return how many attempt records went.
    """
    return axes_reset(username=email_normalized(user.email))


def user_logout(*, user) -> None:
    """Delete the customer's API token (every device using it is logged out)."""
    Token.objects.filter(user=user).delete()


def user_logout_everywhere(*, user) -> None:
    """Sign ``user`` out everywhere: delete every API token and every session (the admin's) of the account."""
    Token.objects.filter(user=user).delete()
    user_id = str(user.pk)
    stale = [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if session.get_decoded().get("_auth_user_id") == user_id
    ]
    Session.objects.filter(session_key__in=stale).delete()


def password_reset_request(*, email: str) -> None:
    """Email a password-reset link to the active account with this address, if there is one.

    The caller learns nothing either way; the email is rendered in both cases and sent only to an account.
    """
    user = user_by_email(email=email)
    stand_in = user or get_user_model()(email=email_normalized(email))
    notifications.password_reset_notify_on_commit(user=stand_in, send=user is not None)


def password_reset_confirm(*, uid: str, token: str, new_password: str):
    """Set a new password from a reset link and sign the account out everywhere; return the user.

    A bad, used or expired link is ``invalid_token``; the password must pass Django's validators. Following
    the link proves the address too, so the account's email counts as verified, and the failed logins
    counted against the account are forgotten (its owner can log in with the new password at once).
    """
    user = tokens.password_reset_user(uid=uid, token=token)
    if user is None:
        raise InvalidToken(attr="token")
    _password_validate(new_password, user=user, attr="new_password")
    with transaction.atomic():
        user.set_password(new_password)
        fields = ["password"]
        if not user.email_verified:
            user.email_verified, user.email_verified_at = True, timezone.now()
            fields += ["email_verified", "email_verified_at"]
        user.save(update_fields=fields)
        user_logout_everywhere(user=user)
        login_failures_clear(user=user)
    return user


def email_verification_send(*, user) -> None:
    """Email ``user`` a new link that verifies their current address; refused once it is verified."""
    if user.email_verified:
        raise EmailAlreadyVerified()
    notifications.email_verification_notify_on_commit(user=user)


def email_verify(*, token: str):
    """Mark the address a verification link names as verified (once; again is a no-op); return the user."""
    user = tokens.email_verification_user(token=token)
    if user is None:
        raise InvalidToken(attr="token")
    if not user.email_verified:
        user.email_verified, user.email_verified_at = True, timezone.now()
        user.save(update_fields=["email_verified", "email_verified_at"])
    return user


def user_update(*, user, first_name: str | None = None, last_name: str | None = None,
                default_shipping_address: dict | None = None, clear_address: bool = False):  # fmt: skip
    """Change the customer's name and default shipping address; return the user."""
    fields = []
    if first_name is not None:
        user.first_name = first_name
        fields.append("first_name")
    if last_name is not None:
        user.last_name = last_name
        fields.append("last_name")
    with transaction.atomic():
        if fields:
            user.save(update_fields=fields)
        if default_shipping_address is not None or clear_address:
            default_address_set(user=user, address=default_shipping_address)
    return user
