"""The shop's hooks into django-axes (``AXES_*`` settings in ``shop/settings.py``; docs/api.md, accounts).

- ``login_username`` (``AXES_USERNAME_CALLABLE``): the account an attempt names, the same for the API
  (``email``) and the admin's login form (``username``), in the form accounts store it, so an address
  typed in another case counts against the same account.
- ``lockout_response`` (``AXES_LOCKOUT_CALLABLE``): the admin's answer to a locked-out login, 429 with
  ``Retry-After``. The API answers its own way (``account_locked`` in the error shape, from
  ``accounts.services.user_login``).
- ``login_failures_clear_on_login``: a successful admin login clears its account's failures, as the
  API login does (connected to ``user_logged_in`` in ``accounts.apps``).
"""

from django.http import HttpResponse

from accounts.selectors import email_normalized, login_retry_after
from accounts.services import login_failures_clear


def login_username(request, credentials: dict | None = None) -> str | None:
    """Return the email address a login attempt names, trimmed and in lower case, or None."""
    values = credentials or getattr(request, "data", None) or request.POST
    if not hasattr(values, "get"):  # a JSON body that is a list
        return None
    value = values.get("email") or values.get("username")
    return email_normalized(value) if isinstance(value, str) else None


def lockout_response(request, original_response=None, credentials: dict | None = None) -> HttpResponse:
    """Answer a locked-out admin login: 429, with the seconds until it may be tried again."""
    retry_after = login_retry_after(request=request, credentials=credentials)
    minutes = -(-retry_after // 60)
    response = HttpResponse(
        "Too many failed logins: this account is locked. "
        f"Try again in {minutes} minute{'s' if minutes != 1 else ''}.",
        status=429,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = str(retry_after)
    return response


def login_failures_clear_on_login(sender, request, user, **kwargs) -> None:
    """Clear the account's failed logins when it logs in to a session (``user_logged_in``)."""
    login_failures_clear(user=user)
