"""OpenAPI pieces for the error responses drf-standardized-errors does not add by itself.

400, 401, 403, 404, 405, 406, 415, 429 and 500 are added automatically where they can happen.
Endpoints that can refuse by a business rule (409), a declined payment (402) or a provider failure
(502) declare it, e.g. ``@extend_schema(responses={201: OrderOutput, 409: ConflictErrorResponse})``.

The automatic 400 and 404 list only the codes DRF and Django raise by themselves. A domain code must
be declared where it can happen, or clients (and Schemathesis) see a response the schema forbids:
- a 400 on a known field (``ApplicationError(attr="image")``): ``@domain_validation_errors(["invalid_image"],
  field_name="image")`` on the view;
- a 404 with a domain code (``order_not_found``): nothing to do, every operation's 404 is
  ``NotFoundErrorResponse`` (``DRF_STANDARDIZED_ERRORS["ERROR_SCHEMAS"]`` in ``shop/settings.py``); an operation
  without a path parameter gets it too (a wrong ``?format=`` is a 404 anywhere);
- a 400 whose ``attr`` cannot be listed in advance (an unknown answer's name):
  ``responses={..., 400: BadRequestErrorResponse}``;
- a nested serializer or list itself missing or null (``lines``, ``shipping_address``): drf-standardized-errors
  lists only its fields, so ``@domain_validation_errors(["required", "null"], field_name="lines")``.
  Its items' errors name the real index (``lines.0.quantity``): ``postprocess_list_index_attrs`` below.

Component names: every error serializer here shares one ``DomainError`` item component, and ``type`` uses
drf-standardized-errors' enums (``ClientErrorEnum``, ``ServerErrorEnum``, named in ``ENUM_NAME_OVERRIDES``).
A bare ``ChoiceField(choices=["client_error"])`` on two components makes drf-spectacular's enum naming
collide on ``type`` (a warning, which ``spectacular --fail-on-warn`` turns into an error).
"""

import re

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from drf_standardized_errors.openapi_serializers import ClientErrorEnum, ServerErrorEnum, ValidationErrorEnum
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from drf_standardized_errors.settings import package_settings
from rest_framework import serializers

# The other answer of a checked file view (``shop.storage.private_file_response``) when customer files are
# on object storage: ``{**SIGNED_FILE_REDIRECT, (200, "image/png"): ...}`` in its ``responses``.
SIGNED_FILE_REDIRECT = {
    302: OpenApiResponse(
        description="On object storage: the file is at the signed URL in `Location`, valid for at most 5 minutes."
    )
}

# Add domain error codes to a view's 400 for one field (drf-standardized-errors' own decorator).
domain_validation_errors = extend_validation_errors


# ``type`` of a 400: a validation error, or a body that cannot be parsed. Named in ENUM_NAME_OVERRIDES.
BAD_REQUEST_TYPES = ValidationErrorEnum.choices + ClientErrorEnum.choices


class DomainErrorSerializer(serializers.Serializer):
    """One error of a response: ``{code, detail, attr}``."""

    class Meta:
        ref_name = "DomainError"  # one explicit component, shared by every response below

    code = serializers.CharField(help_text="A stable machine code, e.g. insufficient_stock.")
    detail = serializers.CharField(help_text="A sentence a customer understands.")
    attr = serializers.CharField(allow_null=True, help_text="The field the error is about, or null.")


class NotFoundErrorSerializer(DomainErrorSerializer):
    """One error of a 404: ``code`` is ``not_found`` or a domain code naming what was not found."""

    class Meta:
        ref_name = "NotFoundError"

    code = serializers.CharField(
        help_text="not_found, or what was not found: order_not_found, cart_not_found, "
        "return_request_not_found, fitting_not_found, prescription_not_found, ..."
    )


class ConflictErrorResponse(serializers.Serializer):
    """409: a business rule refused the request (window closed, not enough stock, a transition not allowed)."""

    type = serializers.ChoiceField(choices=ClientErrorEnum.choices)
    errors = DomainErrorSerializer(many=True)


class PaymentDeclinedErrorResponse(serializers.Serializer):
    """402: the payment was declined."""

    type = serializers.ChoiceField(choices=ClientErrorEnum.choices)
    errors = DomainErrorSerializer(many=True)


class ProviderErrorResponse(serializers.Serializer):
    """502: the payment provider failed."""

    type = serializers.ChoiceField(choices=ServerErrorEnum.choices)
    errors = DomainErrorSerializer(many=True)


class NotFoundErrorResponse(serializers.Serializer):
    """404: no such object for this caller (another customer's objects do not exist), with a domain code."""

    type = serializers.ChoiceField(choices=ClientErrorEnum.choices)
    errors = NotFoundErrorSerializer(many=True)


class BadRequestErrorResponse(serializers.Serializer):
    """400: invalid input or a body that cannot be parsed; ``attr`` names the field, or is null."""

    type = serializers.ChoiceField(choices=BAD_REQUEST_TYPES)
    errors = DomainErrorSerializer(many=True)


def string_filter(filter_class):
    """Tell the schema that a filter takes strings (spectacular cannot guess it through a relation)."""
    return extend_schema_field(OpenApiTypes.STR)(filter_class)


def postprocess_list_index_attrs(result, generator, request, public):
    """Let a nested field's ``attr`` match the real index (``lines.0.quantity``), not the placeholder.

    drf-standardized-errors lists the errors of a list's items under ``attr`` ``lines.INDEX.quantity``
    (``LIST_INDEX_IN_API_SCHEMA``; a dict's keys as ``KEY``), as a one-value enum, while the responses name
    the index. Such an enum becomes a pattern, and the discriminator on ``attr`` that would map only the
    placeholders goes (the ``oneOf`` stays: exactly one item schema matches an error). A drf-spectacular
    postprocessing hook (``SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]``).
    """
    index = package_settings.LIST_INDEX_IN_API_SCHEMA
    key = package_settings.DICT_KEY_IN_API_SCHEMA
    separator = package_settings.NESTED_FIELD_SEPARATOR
    placeholders = {index: "[0-9]+", key: "[^" + re.escape(separator) + "]+"}

    def has_placeholder(attr) -> bool:
        return isinstance(attr, str) and any(part in placeholders for part in attr.split(separator))

    for schema in result.get("components", {}).get("schemas", {}).values():
        attr = schema.get("properties", {}).get("attr")
        if attr and len(attr.get("enum") or []) == 1 and has_placeholder(attr["enum"][0]):
            parts = attr.pop("enum")[0].split(separator)
            regex = re.escape(separator).join(placeholders.get(part) or re.escape(part) for part in parts)
            attr["pattern"] = f"^{regex}$"
            attr["description"] = "`" + attr["pattern"] + "`"
        discriminator = schema.get("discriminator")
        if discriminator and discriminator.get("propertyName") == "attr":
            if any(has_placeholder(value) for value in discriminator.get("mapping", {})):
                del schema["discriminator"]
    return result
