"""Account reads: finding an account by email, and how long a login lockout still lasts."""

import math
from datetime import datetime

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off, get_failure_limit
from django.contrib.auth import get_user_model
from django.utils import timezone


def email_normalized(email: str) -> str:
    """Return an email address as accounts store and look it up: trimmed, in lower case."""
    return email.strip().lower()


def user_by_email(*, email: str, active: bool = True):
    """Return the account with this email address (any case), or None."""
    users = get_user_model().objects.filter(email__iexact=email_normalized(email))
    if active:
        users = users.filter(is_active=True)
    return users.first()


def login_lockout_end(*, request, credentials: dict | None = None) -> datetime | None:
    """Return when the login lockout that applies to this request ends, or None when none applies.

    django-axes counts, for the account and for the address separately, the failures whose last attempt
    is at most the cool-off old (``AXES_COOLOFF_TIME``; an attempt exactly that old still counts). A
    count at the limit (``AXES_FAILURE_LIMIT``) locks; it ends when enough of the oldest attempts have
    aged out to bring it below the limit. With both counts locked, the later end applies.
    """
    AxesProxyHandler.update_request(request)
    cool_off = get_cool_off(request)
    limit = get_failure_limit(request, credentials)
    ends = []
    for attempts in AxesProxyHandler.get_implementation().get_user_attempts(request, credentials):
        rows = list(attempts.order_by("attempt_time").values_list("attempt_time", "failures_since_start"))
        remaining = sum(failures for _, failures in rows)
        end = None
        for attempt_time, failures in rows:
            if remaining < limit:
                break
            remaining -= failures
            end = attempt_time + cool_off
        if end is not None:
            ends.append(end)
    return max(ends, default=None)


def login_retry_after(*, request, credentials: dict | None = None) -> int:
    """Return the whole seconds (at least 1) until a locked-out login may be tried again."""
    end = login_lockout_end(request=request, credentials=credentials)
    if end is None:
        # Refused at the last instant of the cool-off: axes dropped the failures that locked it while
        # recording this attempt, so the next try gets through.
        return 1
    return max(1, math.ceil((end - timezone.now()).total_seconds()))
