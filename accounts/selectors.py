"""Account reads: finding an account by email, how long a login lockout still lasts, the data export."""

import json
import math
import tempfile
import zipfile
from datetime import datetime

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off, get_failure_limit
from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from catalogue.matching.selectors import matching_export, matching_export_files
from orders.fittings.selectors import customer_fittings_health_records, fittings_export, fittings_export_files
from orders.outcomes.selectors import outcomes_export
from orders.returns.selectors import returns_export, returns_export_files
from orders.selectors import orders_export

EXPORT_FORMAT_VERSION = 1
# Exports up to this size stay in memory; larger ones go to a temporary file.
EXPORT_SPOOL_BYTES = 10 * 1024 * 1024


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


# --- the data export (docs/privacy.md) ------------------------------------------------------------
def account_export(*, user) -> dict:
    """Return everything the shop holds about the customer, as plain values (``data.json`` of the export).

    Each app gives its part: the account (here), orders and the saved address, return requests,
    fittings and builds, and the foot data (assessments, footprints, consents, the log of staff opening
    health records). Files are named by their path in the archive, under ``files/``.
    """
    assessment_ids, footprint_ids = customer_fittings_health_records(user=user)
    return {
        "format_version": EXPORT_FORMAT_VERSION,
        "exported_at": timezone.now().isoformat(),
        "profile": {
            "id": user.pk,
            "email": user.email,
            "email_verified": user.email_verified,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
        },
        **orders_export(user=user),
        **returns_export(user=user),
        **fittings_export(user=user),
        **outcomes_export(user=user),
        **matching_export(user=user, assessment_ids=assessment_ids, footprint_ids=footprint_ids),
    }


def account_export_files(*, user) -> dict[str, object]:
    """Return the customer's stored files by their path in the export: footprints, return photos, prescriptions."""
    _, footprint_ids = customer_fittings_health_records(user=user)
    files = [
        *matching_export_files(user=user, footprint_ids=footprint_ids),
        *returns_export_files(user=user),
        *fittings_export_files(user=user),
    ]
    return dict(files)


def account_export_archive(*, user):
    """Return the customer's export as a zip archive (an open file, at its start): ``data.json`` and ``files/``.

    A stored file that cannot be read is left out and named in ``data.json`` under ``files_missing``.
    """
    data = account_export(user=user)
    archive = tempfile.SpooledTemporaryFile(max_size=EXPORT_SPOOL_BYTES)
    missing = []
    with zipfile.ZipFile(archive, "w") as zipped:
        for name, field_file in sorted(account_export_files(user=user).items()):
            try:
                with field_file.open("rb") as stored:
                    zipped.writestr(name, stored.read(), compress_type=zipfile.ZIP_STORED)
            except OSError:
                missing.append(name)
        data["files_missing"] = missing
        zipped.writestr(
            "data.json",
            json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
            compress_type=zipfile.ZIP_STORED,  # readable as it is, and searchable by the access tests
        )
    archive.seek(0)
    return archive
