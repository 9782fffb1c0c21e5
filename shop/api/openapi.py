"""OpenAPI pieces for the error responses drf-standardized-errors does not add by itself.

400, 401, 403, 404, 405, 406, 415, 429 and 500 are added automatically where they can happen.
Endpoints that can refuse by a business rule (409), a declined payment (402) or a provider failure
(502) declare it, e.g. ``@extend_schema(responses={201: OrderOutput, 409: ConflictErrorResponse})``.

The automatic 400 and 404 list only the codes DRF and Django raise by themselves. A domain code must
be declared where it can happen, or clients (and Schemathesis) see a response the schema forbids:
- a 400 on a known field (``ApplicationError(attr="image")``): ``@domain_validation_errors(["invalid_image"],
  field_name="image")`` on the view;
- a 404 with a domain code (``order_not_found``): ``responses={..., 404: NotFoundErrorResponse}``;
- a 400 whose ``attr`` cannot be listed in advance (an unknown answer's name):
  ``responses={..., 400: BadRequestErrorResponse}``.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import serializers

# Add domain error codes to a view's 400 for one field (drf-standardized-errors' own decorator).
domain_validation_errors = extend_validation_errors


class _Error(serializers.Serializer):
    code = serializers.CharField(help_text="A stable machine code, e.g. insufficient_stock.")
    detail = serializers.CharField(help_text="A sentence a customer understands.")
    attr = serializers.CharField(allow_null=True)


class ConflictErrorResponse(serializers.Serializer):
    """409: a business rule refused the request (window closed, not enough stock, a transition not allowed)."""

    type = serializers.ChoiceField(choices=["client_error"])
    errors = _Error(many=True)


class PaymentDeclinedErrorResponse(serializers.Serializer):
    """402: the payment was declined."""

    type = serializers.ChoiceField(choices=["client_error"])
    errors = _Error(many=True)


class ProviderErrorResponse(serializers.Serializer):
    """502: the payment provider failed."""

    type = serializers.ChoiceField(choices=["server_error"])
    errors = _Error(many=True)


class NotFoundErrorResponse(serializers.Serializer):
    """404: no such object for this caller (another customer's objects do not exist), with a domain code."""

    type = serializers.ChoiceField(choices=["client_error"])
    errors = _Error(many=True)


class BadRequestErrorResponse(serializers.Serializer):
    """400: invalid input or a body that cannot be parsed; ``attr`` names the field, or is null."""

    type = serializers.ChoiceField(choices=["validation_error", "client_error"])
    errors = _Error(many=True)


def string_filter(filter_class):
    """Tell the schema that a filter takes strings (spectacular cannot guess it through a relation)."""
    return extend_schema_field(OpenApiTypes.STR)(filter_class)
