"""Map domain exceptions to HTTP responses in the drf-standardized-errors shape, in one place."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_standardized_errors.handler import ExceptionHandler
from rest_framework import exceptions, status
from rest_framework.exceptions import ErrorDetail

from shop.exceptions import ApplicationError

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
            return DomainAPIException(exc)
        if isinstance(exc, DjangoValidationError):
            return exceptions.ValidationError(
                exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
            )
        return super().convert_known_exceptions(exc)
