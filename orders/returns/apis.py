"""Customer endpoints for returns and replacements: eligibility, request, photos, list, detail, cancel."""

from dataclasses import asdict

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import ErrorDetail
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from catalogue.matching.models import HealthRecordKind
from catalogue.matching.services import health_record_access_record_for_reader
from orders.apis.common import QuantityField, RefundOutput, StatusChangeOutput
from orders.models import ZERO
from orders.returns import policy
from orders.returns.exceptions import InvalidReturnTransition
from orders.returns.selectors import (
    order_lines_eligibility,
    return_photo_get,
    return_request_get,
    return_request_list,
    withdrawal_form,
)
from orders.returns.services import (
    ReturnLineInput,
    return_photo_add,
    return_request_cancel,
    return_request_create,
    return_request_exchange_payment,
)
from orders.returns.statuses import ReturnKind
from orders.selectors import order_get
from orders.statuses import Role
from shop.api.openapi import SIGNED_FILE_REDIRECT, ConflictErrorResponse, domain_validation_errors
from shop.api.pagination import PageNumberPagination
from shop.api.throttling import GuestLookupThrottle
from shop.storage import private_file_response

EMAIL_PARAMETER = OpenApiParameter("email", str, description="A guest's order: the email it was placed with.")
THUMBNAIL = "thumbnail"
SIZE_PARAMETER = OpenApiParameter(
    "size", str, enum=[THUMBNAIL], description="thumbnail: the 320 px copy instead of the photo."
)


class ExchangeOutput(serializers.Serializer):
    class Meta:
        ref_name = "ReturnExchange"

    order = serializers.CharField(allow_null=True, help_text="The order for the new items, once approved.")
    order_status = serializers.CharField(allow_null=True)
    difference = serializers.CharField(
        allow_null=True, help_text="New items less what the units sent back paid (set on approval)."
    )
    to_pay = serializers.CharField(allow_null=True)
    to_refund = serializers.CharField(allow_null=True, help_text="Refunded once the units are received.")


class ReturnRequestOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "ReturnRequest"

    class LineOutput(serializers.Serializer):
        class Meta:
            ref_name = "ReturnLine"

        id = serializers.IntegerField()
        line_id = serializers.IntegerField(source="order_line_id")
        sku = serializers.CharField(source="order_line.sku")
        product_name = serializers.CharField(source="order_line.product_name")
        quantity = serializers.IntegerField()
        replacement_sku = serializers.CharField(help_text="A replacement's size, or what an exchange sends.")
        received_quantity = serializers.IntegerField(allow_null=True)

    class PhotoOutput(serializers.Serializer):
        class Meta:
            ref_name = "ReturnPhoto"

        id = serializers.IntegerField()
        url = serializers.SerializerMethodField(
            help_text="The photo, for the request's readers only (a guest adds ?email= as for the request)."
        )
        thumbnail_url = serializers.SerializerMethodField(help_text="The same photo, 320 px at most.")

        def get_url(self, photo) -> str:
            return self._absolute(return_photo_url(photo))

        def get_thumbnail_url(self, photo) -> str:
            return self._absolute(f"{return_photo_url(photo)}?size={THUMBNAIL}")

        def _absolute(self, url: str) -> str:
            request = self.context.get("request")
            return request.build_absolute_uri(url) if request is not None else url

    id = serializers.IntegerField()
    order = serializers.CharField(source="order.number")
    kind = serializers.CharField()
    status = serializers.CharField()
    reason = serializers.CharField()
    comment = serializers.CharField()
    requested_at = serializers.DateTimeField()
    refund_due_by = serializers.DateTimeField(
        allow_null=True, help_text="A withdrawal: the refund is due by then (null for other requests)."
    )
    rejection_reason = serializers.CharField()
    currency = serializers.CharField(source="order.currency")
    lines = LineOutput(many=True)
    photos = PhotoOutput(many=True)
    refunds = RefundOutput(many=True)
    replacement_order = serializers.CharField(
        source="replacement_order.number", allow_null=True, default=None
    )
    history = StatusChangeOutput(many=True, source="status_changes")
    exchange = serializers.SerializerMethodField(
        help_text="An exchange: its order for the new items, and the difference to pay or to be refunded."
    )

    @extend_schema_field(ExchangeOutput(allow_null=True))
    def get_exchange(self, obj) -> dict | None:
        if obj.kind != ReturnKind.EXCHANGE:
            return None
        order = obj.replacement_order
        difference = obj.exchange_difference
        return {
            "order": order.number if order else None,
            "order_status": order.status if order else None,
            "difference": f"{difference:.2f}" if difference is not None else None,
            "to_pay": f"{max(difference, ZERO):.2f}" if difference is not None else None,
            "to_refund": f"{max(-difference, ZERO):.2f}" if difference is not None else None,
        }


class ExchangePaymentApi(APIView):
    """Pay the difference of an exchange to a dearer item: the payment session for the front end."""

    throttle_classes = [GuestLookupThrottle]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ExchangePaymentInput"

        email = serializers.EmailField(required=False)

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ExchangePayment"

        provider = serializers.CharField()
        client_secret = serializers.CharField()
        amount = serializers.CharField()

    @extend_schema(
        parameters=[EMAIL_PARAMETER],
        request=InputSerializer,
        responses={200: OutputSerializer, 409: ConflictErrorResponse},
    )
    def post(self, request, pk):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return_request = return_request_get(
            request_id=pk, user=request.user, email=_email(request, data.validated_data)
        )
        session = return_request_exchange_payment(return_request=return_request)
        if session is None:
            raise InvalidReturnTransition(
                from_status=return_request.status,
                to_status=return_request.status,
                detail="This request has no difference left to pay.",
            )
        return Response(
            {
                "provider": session.provider,
                "client_secret": session.client_secret,
                "amount": f"{return_request.replacement_order.total:.2f}",
            }
        )


def _email(request, data=None) -> str | None:
    return (data or {}).get("email") or request.query_params.get("email")


def return_photo_url(photo) -> str:
    return reverse("return-photo", kwargs={"pk": photo.return_request_id, "photo_id": photo.pk})


def _render(return_request, request) -> dict:
    return ReturnRequestOutputSerializer(return_request, context={"request": request}).data


class RightOutput(serializers.Serializer):
    """One remedy a line has, from the shop's promise or the law, in a sentence the customer understands."""

    class Meta:
        ref_name = "ReturnRight"

    kind = serializers.ChoiceField(choices=policy.RIGHT_KINDS)
    source = serializers.ChoiceField(choices=policy.RIGHT_SOURCES)
    deadline = serializers.DateTimeField(allow_null=True)
    reason_required = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField())
    open = serializers.BooleanField(help_text="Whether it can be used now.")
    basis = serializers.CharField()


class WindowOutput(serializers.Serializer):
    """The longer of the promise and the law for a change of mind or a fault, and where it comes from."""

    class Meta:
        ref_name = "ReturnWindow"

    purpose = serializers.ChoiceField(choices=policy.WINDOW_PURPOSES)
    deadline = serializers.DateTimeField(allow_null=True)
    source = serializers.ChoiceField(choices=policy.RIGHT_SOURCES)
    basis = serializers.CharField()


class ReturnEligibilityApi(APIView):
    throttle_classes = [GuestLookupThrottle]

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ReturnEligibility"

        line_id = serializers.IntegerField()
        sku = serializers.CharField()
        product_name = serializers.CharField()
        delivered_quantity = serializers.IntegerField()
        returnable_quantity = serializers.IntegerField()
        replaceable_quantity = serializers.IntegerField()
        return_deadline = serializers.DateTimeField(allow_null=True)
        replacement_deadline = serializers.DateTimeField(allow_null=True)
        return_reasons_blocked = serializers.ListField(child=serializers.CharField())
        replacement_reasons_blocked = serializers.ListField(child=serializers.CharField())
        withdrawable_quantity = serializers.IntegerField()
        withdrawal_deadline = serializers.DateTimeField(allow_null=True)
        withdrawal_reasons_blocked = serializers.ListField(child=serializers.CharField())
        guarantee_deadline = serializers.DateTimeField(allow_null=True)
        rights = RightOutput(many=True)
        windows = WindowOutput(many=True)

    @extend_schema(parameters=[EMAIL_PARAMETER], responses=OutputSerializer(many=True))
    def get(self, request, number):
        order = order_get(number=number, user=request.user, email=_email(request))
        rows = [
            {
                "line_id": line.pk,
                "sku": line.sku,
                "product_name": line.product_name,
                "delivered_quantity": eligibility.delivered_quantity,
                "returnable_quantity": eligibility.returnable_quantity,
                "replaceable_quantity": eligibility.replaceable_quantity,
                "return_deadline": eligibility.return_deadline,
                "replacement_deadline": eligibility.replacement_deadline,
                "return_reasons_blocked": list(eligibility.return_reasons_blocked),
                "replacement_reasons_blocked": list(eligibility.replacement_reasons_blocked),
                "withdrawable_quantity": eligibility.withdrawable_quantity,
                "withdrawal_deadline": eligibility.withdrawal_deadline,
                "withdrawal_reasons_blocked": list(eligibility.withdrawal_reasons_blocked),
                "guarantee_deadline": eligibility.guarantee_deadline,
                "rights": [asdict(right) for right in eligibility.rights],
                "windows": [asdict(window) for window in eligibility.windows],
            }
            for line, eligibility in order_lines_eligibility(lines=list(order.lines.all()))
        ]
        return Response(self.OutputSerializer(rows, many=True).data)


# ``lines`` itself missing (always so in a multipart or form body, which cannot carry the list) or null:
# drf-standardized-errors only lists ``lines.non_field_errors`` and the items' fields by itself.
@domain_validation_errors(
    ["required", "null", "invalid_line", "invalid_replacement_sku"], field_name="lines", methods=["post"]
)
@domain_validation_errors(["invalid_reason", "required"], field_name="reason", methods=["post"])
class ReturnRequestCreateApi(APIView):
    throttle_classes = [ScopedRateThrottle, GuestLookupThrottle]
    throttle_scope = "returns"

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ReturnRequestInput"

        class LineInput(serializers.Serializer):
            class Meta:
                ref_name = "ReturnLineInput"

            line_id = serializers.IntegerField(min_value=1)
            quantity = QuantityField()
            replacement_sku = serializers.CharField(
                max_length=64, required=False, allow_blank=True, default=""
            )
            exchange_sku = serializers.CharField(
                max_length=64,
                required=False,
                allow_blank=True,
                default="",
                help_text="An exchange: the size on sale to send instead (the same as replacement_sku).",
            )

        kind = serializers.ChoiceField(choices=ReturnKind.choices)
        lines = LineInput(many=True, allow_empty=False, max_length=100)
        reason = serializers.ChoiceField(
            choices=sorted(
                set(policy.RETURN_REASONS + policy.REPLACEMENT_REASONS + policy.WITHDRAWAL_REASONS)
            ),
            required=False,
            help_text="Required, except for a withdrawal, which needs no reason.",
        )
        comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
        email = serializers.EmailField(required=False)

        def validate(self, data):
            if not data.get("reason") and data.get("kind") != ReturnKind.WITHDRAWAL:
                raise serializers.ValidationError(
                    {"reason": [ErrorDetail("This field is required.", code="required")]}
                )
            return data

    @extend_schema(
        parameters=[EMAIL_PARAMETER],
        request=InputSerializer,
        responses={201: ReturnRequestOutputSerializer, 409: ConflictErrorResponse},
    )
    def post(self, request, number):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        order = order_get(number=number, user=request.user, email=_email(request, values))
        created = return_request_create(
            order=order,
            kind=values["kind"],
            lines=[
                ReturnLineInput(
                    line_id=line["line_id"],
                    quantity=line["quantity"],
                    replacement_sku=line["exchange_sku"] or line["replacement_sku"],
                )
                for line in values["lines"]
            ],
            reason=values.get("reason", ""),
            comment=values["comment"],
            actor=request.user,
            role=Role.CUSTOMER,
        )
        return Response(
            _render(return_request_get(request_id=created.pk, user=request.user, email=order.email), request),
            status=status.HTTP_201_CREATED,
        )


@domain_validation_errors(["invalid_image"], field_name="image", methods=["post"])
class ReturnPhotoCreateApi(APIView):
    parser_classes = [MultiPartParser, FormParser]
    throttle_classes = [ScopedRateThrottle, GuestLookupThrottle]
    throttle_scope = "uploads"

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ReturnPhotoUpload"

        image = serializers.FileField(allow_empty_file=True)
        email = serializers.EmailField(required=False)

    @extend_schema(
        parameters=[EMAIL_PARAMETER],
        request=InputSerializer,
        responses={201: ReturnRequestOutputSerializer.PhotoOutput, 409: ConflictErrorResponse},
    )
    def post(self, request, pk):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return_request = return_request_get(
            request_id=pk, user=request.user, email=_email(request, data.validated_data)
        )
        photo = return_photo_add(return_request=return_request, upload=data.validated_data["image"])
        return Response(
            ReturnRequestOutputSerializer.PhotoOutput(photo, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


@domain_validation_errors(["invalid_choice"], field_name="size", methods=["get"])
class ReturnPhotoApi(APIView):
    """The request's photo (or its thumbnail): for the request's customer, a guest giving its email, staff."""

    throttle_classes = [GuestLookupThrottle]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ReturnPhotoQuery"

        size = serializers.ChoiceField(choices=[THUMBNAIL], required=False)

    @extend_schema(
        parameters=[EMAIL_PARAMETER, SIZE_PARAMETER],
        responses={
            (200, "image/jpeg"): OpenApiTypes.BINARY,
            (200, "image/png"): OpenApiTypes.BINARY,
            **SIGNED_FILE_REDIRECT,
        },
        operation_id="return_photo_retrieve",
    )
    def get(self, request, pk, photo_id):
        query = self.InputSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return_request = return_request_get(request_id=pk, user=request.user, email=_email(request))
        photo = return_photo_get(return_request=return_request, photo_id=photo_id)
        health_record_access_record_for_reader(
            reader=request.user,
            customer=return_request.order.user,
            kind=HealthRecordKind.RETURN_PHOTO,
            record_id=photo.pk,
            via="api: return photo",
        )
        thumbnail = query.validated_data.get("size") == THUMBNAIL
        return private_file_response(
            photo.thumbnail if thumbnail else photo.image,
            filename=f"return-{return_request.pk}-photo-{photo.pk}{'-thumbnail' if thumbnail else ''}",
        )


class ReturnRequestListApi(APIView):
    permission_classes = [IsAuthenticated]
    # Also tells drf-spectacular the list is paginated ({count, next, previous, results}, ?page, ?page_size).
    pagination_class = PageNumberPagination

    @extend_schema(responses=ReturnRequestOutputSerializer(many=True))
    def get(self, request):
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(return_request_list(user=request.user), request, view=self)
        return paginator.get_paginated_response(
            ReturnRequestOutputSerializer(page, many=True, context={"request": request}).data
        )


class ReturnRequestDetailApi(APIView):
    throttle_classes = [GuestLookupThrottle]

    @extend_schema(parameters=[EMAIL_PARAMETER], responses=ReturnRequestOutputSerializer)
    def get(self, request, pk):
        return_request = return_request_get(request_id=pk, user=request.user, email=_email(request))
        return Response(_render(return_request, request))


class ReturnRequestCancelApi(APIView):
    throttle_classes = [GuestLookupThrottle]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ReturnCancelInput"

        email = serializers.EmailField(required=False)

    @extend_schema(
        parameters=[EMAIL_PARAMETER],
        request=InputSerializer,
        responses={200: ReturnRequestOutputSerializer, 409: ConflictErrorResponse},
    )
    def post(self, request, pk):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        email = _email(request, data.validated_data)
        return_request = return_request_get(request_id=pk, user=request.user, email=email)
        return_request_cancel(return_request=return_request, actor=request.user)
        return Response(_render(return_request_get(request_id=pk, user=request.user, email=email), request))


class WithdrawalFormApi(APIView):
    """The model withdrawal form (Directive 2011/83/EU, Annex I(B)), for customers who prefer to use it."""

    permission_classes = []
    authentication_classes = []

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "WithdrawalForm"

        title = serializers.CharField()
        text = serializers.CharField()
        basis = serializers.CharField()

    @extend_schema(responses=OutputSerializer)
    def get(self, request):
        return Response(self.OutputSerializer(withdrawal_form()).data)
