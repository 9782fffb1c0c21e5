"""Account writes: registration, login and logout, password reset, email verification, profile changes,
and the erasure of an account."""

import secrets

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from axes.utils import reset as axes_reset
from django.contrib.admin.models import LogEntry
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts import notifications, tokens
from accounts.exceptions import (
    AccountAlreadyErased,
    AccountIsStaff,
    AccountLocked,
    EmailAlreadyVerified,
    EmailTaken,
    ErasureBlocked,
    InvalidCredentials,
    InvalidPassword,
    InvalidToken,
)
from accounts.models import ErasureRecord
from accounts.selectors import email_normalized, login_retry_after, user_by_email
from catalogue.matching.services import matching_erase
from orders.fittings.selectors import customer_fittings_health_records
from orders.fittings.services import fittings_erase
from orders.outcomes.services import outcomes_erase
from orders.redaction import identity_pattern
from orders.returns.selectors import customer_return_requests_under_way
from orders.returns.services import returns_erase
from orders.selectors import customer_identity_terms, customer_orders_under_way
from orders.services.addresses import default_address_set
from orders.services.privacy import orders_erase

ERASED_EMAIL_DOMAIN = "invalid.example"


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


# --- erasure (docs/privacy.md) ---------------------------------------------------------------------
def erased_email() -> str:
    """Return a new address for an erased account: ``erased-<random>@invalid.example`` (never deliverable)."""
    return f"erased-{secrets.token_hex(8)}@{ERASED_EMAIL_DOMAIN}"


def _account_anonymise(*, user, email: str) -> dict:
    """Sign the account out everywhere, forget its logins, and replace who it is; return the answer's part."""
    username = email_normalized(user.email)
    user_logout_everywhere(user=user)
    for attempts in (AccessAttempt, AccessFailureLog, AccessLog):
        attempts.objects.filter(username__iexact=username).delete()
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(user), object_id=str(user.pk)
    ).update(object_repr=email)
    user.email = email
    user.first_name = user.last_name = ""
    user.set_unusable_password()
    user.is_active = user.is_staff = user.is_superuser = False
    user.email_verified, user.email_verified_at = False, None
    user.last_login = None
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    return {
        "erased": [
            {
                "what": "account",
                "count": 1,
                "description": "Your name, email address and password; the account is closed and you are "
                "signed out everywhere.",
            },
            {
                "what": "logins",
                "count": 1,
                "description": "Your sign-in tokens and sessions, and the record of your failed logins.",
            },
        ],
        "kept": [],
    }


def user_erase(*, user, password: str | None = None, erased_by=None) -> dict:
    """Erase the account's health data and take the person out of what the shop must keep; one transaction.

    The customer erases their own account (``erased_by`` None) with their password (``invalid_password``
    otherwise, nothing changed); staff erase one from the admin (``erased_by`` the member of staff).
    Refused for a staff account (``account_is_staff``), an account already erased
    (``account_already_erased``), and while orders or return requests are under way
    (``erasure_blocked``): they still need the name and address. Each app erases its own data (returns,
    orders, fittings, foot data), then the account is anonymised (``erased-<random>@invalid.example``,
    no name, no usable password, inactive) and an ``ErasureRecord`` written. Stored files go once the
    transaction commits. Return the answer for the customer: ``{detail, erased: [...], kept: [...]}``,
    each entry ``{what, count, description}`` and, when kept, ``reason`` and ``legal_basis``.
    """
    if erased_by is None and (password is None or not user.check_password(password)):
        raise InvalidPassword("The password is wrong. Nothing was erased.", attr="password")
    User = get_user_model()
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if ErasureRecord.objects.filter(account=locked).exists():
            raise AccountAlreadyErased()
        if locked.is_staff or locked.is_superuser:
            raise AccountIsStaff()
        orders, requests = (
            customer_orders_under_way(user=locked),
            customer_return_requests_under_way(user=locked),
        )
        if orders or requests:
            raise ErasureBlocked(orders=orders, return_requests=requests)
        pattern = identity_pattern(customer_identity_terms(user=locked))
        email = erased_email()
        assessment_ids, footprint_ids = customer_fittings_health_records(user=locked)
        parts = [
            _account_anonymise(user=locked, email=email),
            matching_erase(user=locked, assessment_ids=assessment_ids, footprint_ids=footprint_ids),
            fittings_erase(user=locked, pattern=pattern),
            returns_erase(user=locked, pattern=pattern),
            outcomes_erase(user=locked),
            orders_erase(user=locked, pattern=pattern, email=email),
        ]
        erased = [item for part in parts for item in part["erased"] if item["count"]]
        kept = [item for part in parts for item in part["kept"] if item["count"]]
        ErasureRecord.objects.create(
            account=locked,
            erased_by=erased_by,
            via=ErasureRecord.Via.ADMIN if erased_by is not None else ErasureRecord.Via.API,
            erased_at=timezone.now(),
            counts={
                "erased": {item["what"]: item["count"] for item in erased},
                "kept": {item["what"]: item["count"] for item in kept},
            },
        )
    user.refresh_from_db()
    detail = (
        "Your account is erased: your health data (assessments, footprints, prescriptions, measurements, "
        "return photos and comments) is deleted, and your name, email address, addresses and phone "
        "number are removed from everything the shop keeps."
    )
    if kept:
        detail += (
            " Some records stay, without anything that names you, because the law requires the shop to "
            "keep them: they are listed under kept, each with the reason."
        )
    return {"detail": detail, "erased": erased, "kept": kept}
