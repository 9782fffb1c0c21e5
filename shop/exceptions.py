"""Domain exceptions with stable codes; ``shop.api.exception_handler`` maps them to HTTP in one place."""


class ApplicationError(Exception):
    """A refusal with a stable machine code and a sentence a customer understands.

    Subclasses set ``code`` and ``kind``; the kind decides the HTTP status:
    ``invalid`` 400, ``not_found`` 404, ``conflict`` 409 (a business rule said no),
    ``payment_declined`` 402, ``provider_error`` 502, ``too_many_requests`` 429 (with ``Retry-After``
    from ``retry_after``, in seconds).
    """

    code = "application_error"
    kind = "conflict"
    default_detail = "The request could not be completed."

    def __init__(
        self, detail: str | None = None, *, code: str | None = None, attr: str | None = None, **extra
    ):
        self.detail = detail or self.default_detail
        if code:
            self.code = code
        self.attr = attr
        self.extra = extra
        super().__init__(self.detail)


class InvalidInput(ApplicationError):
    kind = "invalid"
    code = "invalid"
    default_detail = "The input is not valid."


class NotFound(ApplicationError):
    kind = "not_found"
    code = "not_found"
    default_detail = "Not found."


class BusinessRuleViolation(ApplicationError):
    kind = "conflict"


class PaymentDeclined(ApplicationError):
    kind = "payment_declined"
    code = "payment_declined"
    default_detail = "The payment was declined."


class PaymentProviderError(ApplicationError):
    kind = "provider_error"
    code = "payment_provider_error"
    default_detail = "The payment provider could not be reached. Please try again in a moment."


class TooManyRequests(ApplicationError):
    """Refused for a while; ``retry_after`` (seconds) says how long, as the ``Retry-After`` header."""

    kind = "too_many_requests"
    code = "throttled"
    default_detail = "Too many requests."

    def __init__(self, detail: str | None = None, *, retry_after: int | None = None, **kwargs):
        super().__init__(detail, **kwargs)
        self.retry_after = retry_after
