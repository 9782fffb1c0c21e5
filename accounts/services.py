"""Account writes: registration, token login and logout, profile changes."""

from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from rest_framework.authtoken.models import Token

from accounts.exceptions import EmailTaken, InvalidCredentials, InvalidPassword
from orders.services.addresses import default_address_set


def user_register(*, email: str, password: str, first_name: str = "", last_name: str = ""):
    """Create a customer account after Django's password validators; return ``(user, token)``."""
    User = get_user_model()
    email = User.objects.normalize_email(email).lower()
    candidate = User(email=email, first_name=first_name, last_name=last_name)
    try:
        validate_password(password, user=candidate)
    except DjangoValidationError as error:
        raise InvalidPassword(" ".join(error.messages), attr="password") from error
    if User.objects.filter(email__iexact=email).exists():
        raise EmailTaken(attr="email")
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email=email, password=password, first_name=first_name, last_name=last_name
            )
            token = Token.objects.create(user=user)
    except IntegrityError as error:  # registered at the same moment
        raise EmailTaken(attr="email") from error
    return user, token


def user_login(*, email: str, password: str, request=None):
    """Return ``(user, token)`` for valid credentials; the same refusal whether or not the email exists."""
    user = authenticate(request, email=email.strip().lower(), password=password)
    if user is None or not user.is_active:
        raise InvalidCredentials()
    token, _ = Token.objects.get_or_create(user=user)
    return user, token


def user_logout(*, user) -> None:
    """Delete the customer's API token (every device using it is logged out)."""
    Token.objects.filter(user=user).delete()


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
