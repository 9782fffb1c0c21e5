"""Map domain exceptions to HTTP responses in the drf-standardized-errors shape, in one place."""

import traceback

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_standardized_errors.handler import ExceptionHandler
from rest_framework import exceptions, status
from rest_framework.exceptions import ErrorDetail

from shop.exceptions import ApplicationError, TooManyRequests

STATUS_BY_KIND = {
    "invalid": status.HTTP_400_BAD_REQUEST,
    "not_found": status.HTTP_404_NOT_FOUND,
    "conflict": status.HTTP_409_CONFLICT,
    "payment_declined": status.HTTP_402_PAYMENT_REQUIRED,
    "provider_error": status.HTTP_502_BAD_GATEWAY,
}


class DomainAPIException(exceptions.APIException):
    """An ``ApplicationError`` carried through DRF with its status and stable code."""

    def __init__(self, error: ApplicationError):
        self.status_code = STATUS_BY_KIND.get(error.kind, status.HTTP_409_CONFLICT)
        super().__init__(detail=ErrorDetail(error.detail, code=error.code), code=error.code)


class ShopExceptionHandler(ExceptionHandler):
    def convert_known_exceptions(self, exc: Exception) -> Exception:
        if isinstance(exc, ApplicationError):
            if exc.kind == "invalid":
                # A 400 is a validation error: name the field when the error knows it.
                detail = ErrorDetail(exc.detail, code=exc.code)
                return exceptions.ValidationError({exc.attr: [detail]} if exc.attr else [detail])
            if isinstance(exc, TooManyRequests):
                # DRF's own 429: the body of a throttle's, with Retry-After.
                return exceptions.Throttled(wait=exc.retry_after, detail=exc.detail, code=exc.code)
            return DomainAPIException(exc)
        if isinstance(exc, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent):
            # Django refuses a body above DATA_UPLOAD_MAX_MEMORY_SIZE (or too many fields or files) while
            # DRF reads it; it is malformed input, so a 400 in the API shape, never a 500.
            return exceptions.ParseError(_request_too_large_detail(exc))
        if isinstance(exc, RecursionError) and _raised_by_nesting(exc, self.context):
            return exceptions.ParseError("The JSON is nested too deeply.")
        if isinstance(exc, DjangoValidationError):
            return exceptions.ValidationError(
                exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
            )
        return super().convert_known_exceptions(exc)


# A request body nested deeper than this is hostile (no endpoint takes more than a few levels): a
# RecursionError while handling it is the input's fault, not the server's.
MAX_NESTING = 100
_PARSING_MODULES = ("rest_framework/parsers.py", "json/decoder.py", "json/__init__.py")


def _request_too_large_detail(exc: Exception) -> str:
    if isinstance(exc, RequestDataTooBig):
        limit_mb = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024)
        return f"The request body is too large (at most {limit_mb:.1f} MB besides uploaded files)."
    return "The request has too many fields or files."


def _nesting_depth(data, limit: int) -> int:
    """Return how deeply lists and dicts nest in ``data``, counting no further than ``limit``, without recursion."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if not isinstance(value, dict | list | tuple):
            continue
        deepest = max(deepest, depth)
        if deepest >= limit:
            return deepest
        stack.extend((child, depth + 1) for child in (value.values() if isinstance(value, dict) else value))
    return deepest


def _raised_by_nesting(exc: RecursionError, context) -> bool:
    """Tell whether a RecursionError came from parsing the body or from a body nested absurdly deep.

    Anything else is a genuine server bug and stays a 500.
    """
    frames = traceback.extract_tb(exc.__traceback__, limit=200)
    if any(frame.filename.replace("\\", "/").endswith(_PARSING_MODULES) for frame in frames):
        return True
    request = (context or {}).get("request")
    data = getattr(request, "_full_data", None)  # already parsed: never parse again here
    return data is not None and _nesting_depth(data, MAX_NESTING) >= MAX_NESTING
