"""Account endpoints: register, login, logout, password reset, email verification, me, the customer's data
export and the erasure of their account.

Thin views over ``accounts.services`` and ``accounts.selectors``.
"""

from django.http import FileResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from drf_standardized_errors.openapi_serializers import ClientErrorEnum
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts import selectors, services
from catalogue.matching.selectors import foot_profile_latest
from orders.apis.common import AddressSerializer
from orders.selectors import customer_default_address
from shop.api.openapi import ConflictErrorResponse, domain_validation_errors

# The codes of a 429 from login: the address's throttle, or django-axes' lockout (named in
# ENUM_NAME_OVERRIDES).
LOGIN_TOO_MANY_REQUESTS_CODES = [("throttled", "throttled"), ("account_locked", "account_locked")]


class LoginTooManyRequestsError(serializers.Serializer):
    class Meta:
        ref_name = "LoginTooManyRequestsError"

    code = serializers.ChoiceField(choices=LOGIN_TOO_MANY_REQUESTS_CODES)
    detail = serializers.CharField()
    attr = serializers.CharField(allow_null=True)


class LoginTooManyRequestsResponse(serializers.Serializer):
    """429 from login: the address's rate (``throttled``), or a lockout after failed logins (``account_locked``).

    ``Retry-After`` says when to try again.
    """

    class Meta:
        ref_name = "LoginTooManyRequestsErrorResponse"

    type = serializers.ChoiceField(choices=ClientErrorEnum.choices)
    errors = LoginTooManyRequestsError(many=True)


class UserOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    email_verified = serializers.BooleanField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    date_joined = serializers.DateTimeField()


TokenOutput = inline_serializer(
    "TokenOutput", {"token": serializers.CharField(), "user": UserOutputSerializer()}
)


def _token_response(user, token, status_code) -> Response:
    return Response({"token": token.key, "user": UserOutputSerializer(user).data}, status=status_code)


@domain_validation_errors(["invalid_password"], field_name="password", methods=["post"])
@domain_validation_errors(["email_taken"], field_name="email", methods=["post"])
class RegisterApi(APIView):
    authentication_classes: list = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "register"

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "RegisterInput"

        email = serializers.EmailField()
        password = serializers.CharField(write_only=True, max_length=128, trim_whitespace=False)
        first_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=150)
        last_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=150)

    @extend_schema(request=InputSerializer, responses={201: TokenOutput})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user, token = services.user_register(**data.validated_data)
        return _token_response(user, token, status.HTTP_201_CREATED)


# The same refusal, attr null, whether or not the email exists.
@domain_validation_errors(["invalid_credentials"], methods=["post"])
class LoginApi(APIView):
    authentication_classes: list = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "LoginInput"

        email = serializers.EmailField()
        password = serializers.CharField(write_only=True, max_length=128, trim_whitespace=False)

    @extend_schema(request=InputSerializer, responses={200: TokenOutput, 429: LoginTooManyRequestsResponse})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user, token = services.user_login(request=request, **data.validated_data)
        return _token_response(user, token, status.HTTP_200_OK)


class LogoutApi(APIView):
    """Delete the token this request carries: one token per account, so every device using it."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        services.user_logout(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutEverywhereApi(APIView):
    """Delete every token of the account and every session (admin, browsable API) of the user."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        services.user_logout_everywhere(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordResetApi(APIView):
    """Email a reset link; the same 202 whether or not the address has an account."""

    authentication_classes: list = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "password_reset"

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "PasswordResetInput"

        email = serializers.EmailField()

    @extend_schema(request=InputSerializer, responses={202: None})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.password_reset_request(email=data.validated_data["email"])
        return Response(status=status.HTTP_202_ACCEPTED)


@domain_validation_errors(["invalid_token"], field_name="token", methods=["post"])
@domain_validation_errors(["invalid_password"], field_name="new_password", methods=["post"])
class PasswordResetConfirmApi(APIView):
    """Set a new password from a reset link's uid and token; signs the account out everywhere."""

    authentication_classes: list = []

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "PasswordResetConfirmInput"

        uid = serializers.CharField(max_length=64)
        token = serializers.CharField(max_length=128)
        new_password = serializers.CharField(write_only=True, max_length=128, trim_whitespace=False)

    @extend_schema(request=InputSerializer, responses={204: None})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.password_reset_confirm(**data.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EmailVerificationSendApi(APIView):
    """Send the logged-in customer a new link that verifies their email address."""

    permission_classes = [IsAuthenticated]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "verify_email"

    # email_already_verified
    @extend_schema(request=None, responses={202: None, 409: ConflictErrorResponse})
    def post(self, request):
        services.email_verification_send(user=request.user)
        return Response(status=status.HTTP_202_ACCEPTED)


@domain_validation_errors(["invalid_token"], field_name="token", methods=["post"])
class EmailVerifyApi(APIView):
    """Mark the address a verification link names as verified."""

    authentication_classes: list = []

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "EmailVerifyInput"

        token = serializers.CharField(max_length=512)

    @extend_schema(request=InputSerializer, responses={204: None})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.email_verify(token=data.validated_data["token"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class ErasedOutput(serializers.Serializer):
    class Meta:
        ref_name = "ErasedRecords"

    what = serializers.CharField(help_text="The kind of record, e.g. assessments, footprints, prescriptions.")
    count = serializers.IntegerField()
    description = serializers.CharField()


class KeptOutput(ErasedOutput):
    class Meta:
        ref_name = "KeptRecords"

    reason = serializers.CharField()
    legal_basis = serializers.CharField()


class ErasureOutput(serializers.Serializer):
    class Meta:
        ref_name = "Erasure"

    detail = serializers.CharField(help_text="What happened, in sentences.")
    erased = ErasedOutput(many=True)
    kept = KeptOutput(many=True, help_text="Records kept without anything that names the customer, and why.")


# drf-standardized-errors lists a request body's errors only for POST, PUT and PATCH: those of the erasure's
# body (a DELETE) are named here, as its serializer raises them.
@domain_validation_errors(
    ["invalid_password", "required", "null", "blank", "invalid", "max_length",
     "null_characters_not_allowed", "surrogate_characters_not_allowed"],
    field_name="password",
    methods=["delete"],
)  # fmt: skip
@domain_validation_errors(["invalid", "null"], field_name="non_field_errors", methods=["delete"])
class MeApi(APIView):
    permission_classes = [IsAuthenticated]
    # Erasing checks the password, so only it is slowed down (like a login).
    throttle_scope = "account_erase"

    def get_throttles(self):
        request = getattr(self, "request", None)
        return [ScopedRateThrottle()] if request is not None and request.method == "DELETE" else []

    class EraseInputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "MeEraseInput"

        password = serializers.CharField(write_only=True, max_length=128, trim_whitespace=False)

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "MeUpdateInput"

        first_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
        last_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
        default_shipping_address = AddressSerializer(required=False, allow_null=True)

    class OutputSerializer(UserOutputSerializer):
        class Meta:
            ref_name = "Me"

        default_shipping_address = serializers.JSONField(allow_null=True)
        foot_profile = serializers.JSONField(allow_null=True)

    def _response(self, user) -> Response:
        data = {
            **UserOutputSerializer(user).data,
            "default_shipping_address": customer_default_address(user=user),
            "foot_profile": foot_profile_latest(user=user),
        }
        return Response(self.OutputSerializer(data).data)

    @extend_schema(responses=OutputSerializer)
    def get(self, request):
        return self._response(request.user)

    @extend_schema(request=InputSerializer, responses=OutputSerializer)
    def patch(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        address_given = "default_shipping_address" in values
        address = values.pop("default_shipping_address", None)
        user = services.user_update(
            user=request.user,
            **values,
            default_shipping_address=dict(address) if address else None,
            clear_address=address_given and address is None,
        )
        return self._response(user)

    @extend_schema(
        request=EraseInputSerializer,
        # 409 account_is_staff, erasure_blocked (orders or return requests still under way).
        responses={200: ErasureOutput, 409: ConflictErrorResponse},
        operation_id="me_erase",
    )
    def delete(self, request):
        """Erase the account: health data deleted, identity removed from what the law makes the shop keep."""
        data = self.EraseInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        answer = services.user_erase(user=request.user, password=data.validated_data["password"])
        return Response(ErasureOutput(answer).data)


class MeExportApi(APIView):
    """Download everything the shop holds about the customer: a zip with ``data.json`` and the files."""

    permission_classes = [IsAuthenticated]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "data_export"

    @extend_schema(responses={(200, "application/zip"): OpenApiTypes.BINARY}, operation_id="me_export")
    def get(self, request):
        archive = selectors.account_export_archive(user=request.user)
        response = FileResponse(
            archive,
            as_attachment=True,
            filename=f"orthotics-shop-data-{timezone.localdate():%Y-%m-%d}.zip",
            content_type="application/zip",
        )
        response["Cache-Control"] = "private, no-store"
        return response
