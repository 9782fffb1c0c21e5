"""OpenAPI pieces for the error responses drf-standardized-errors does not add by itself.

400, 401, 403, 404, 405, 406, 415, 429 and 500 are added automatically where they can happen.
Endpoints that can refuse by a business rule (409), a declined payment (402) or a provider failure
(502) declare it, e.g. ``@extend_schema(responses={201: OrderOutput, 409: ConflictErrorResponse})``.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


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


def string_filter(filter_class):
    """Tell the schema that a filter takes strings (spectacular cannot guess it through a relation)."""
    return extend_schema_field(OpenApiTypes.STR)(filter_class)
