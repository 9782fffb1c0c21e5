"""Customer endpoints for returns and replacements: eligibility, request, photos, list, detail, cancel."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from orders.apis.common import QuantityField, RefundOutput, StatusChangeOutput
from orders.returns import policy
from orders.returns.selectors import order_lines_eligibility, return_request_get, return_request_list
from orders.returns.services import (
    ReturnLineInput,
    return_photo_add,
    return_request_cancel,
    return_request_create,
)
from orders.returns.statuses import ReturnKind
from orders.selectors import order_get
from orders.statuses import Role
from shop.api.openapi import ConflictErrorResponse, domain_validation_errors
from shop.api.pagination import PageNumberPagination
from shop.api.throttling import GuestLookupThrottle

EMAIL_PARAMETER = OpenApiParameter("email", str, description="A guest's order: the email it was placed with.")


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
        replacement_sku = serializers.CharField()
        received_quantity = serializers.IntegerField(allow_null=True)

    class PhotoOutput(serializers.Serializer):
        class Meta:
            ref_name = "ReturnPhoto"

        id = serializers.IntegerField()
        url = serializers.SerializerMethodField()
        thumbnail_url = serializers.SerializerMethodField()

        def get_url(self, photo) -> str:
            return photo.image.url

        def get_thumbnail_url(self, photo) -> str:
            return photo.thumbnail.url

    id = serializers.IntegerField()
    order = serializers.CharField(source="order.number")
    kind = serializers.CharField()
    status = serializers.CharField()
    reason = serializers.CharField()
    comment = serializers.CharField()
    requested_at = serializers.DateTimeField()
    rejection_reason = serializers.CharField()
    currency = serializers.CharField(source="order.currency")
    lines = LineOutput(many=True)
    photos = PhotoOutput(many=True)
    refunds = RefundOutput(many=True)
    replacement_order = serializers.CharField(
        source="replacement_order.number", allow_null=True, default=None
    )
    history = StatusChangeOutput(many=True, source="status_changes")


def _email(request, data=None) -> str | None:
    return (data or {}).get("email") or request.query_params.get("email")


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
            }
            for line, eligibility in order_lines_eligibility(lines=list(order.lines.all()))
        ]
        return Response(self.OutputSerializer(rows, many=True).data)


# ``lines`` itself missing (always so in a multipart or form body, which cannot carry the list) or null:
# drf-standardized-errors only lists ``lines.non_field_errors`` and the items' fields by itself.
@domain_validation_errors(
    ["required", "null", "invalid_line", "invalid_replacement_sku"], field_name="lines", methods=["post"]
)
@domain_validation_errors(["invalid_reason"], field_name="reason", methods=["post"])
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

        kind = serializers.ChoiceField(choices=ReturnKind.choices)
        lines = LineInput(many=True, allow_empty=False, max_length=100)
        reason = serializers.ChoiceField(
            choices=sorted(set(policy.RETURN_REASONS + policy.REPLACEMENT_REASONS))
        )
        comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
        email = serializers.EmailField(required=False)

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
            lines=[ReturnLineInput(**line) for line in values["lines"]],
            reason=values["reason"],
            comment=values["comment"],
            actor=request.user,
            role=Role.CUSTOMER,
        )
        return Response(
            ReturnRequestOutputSerializer(
                return_request_get(request_id=created.pk, user=request.user, email=order.email)
            ).data,
            status=status.HTTP_201_CREATED,
        )


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
        return Response(ReturnRequestOutputSerializer.PhotoOutput(photo).data, status=status.HTTP_201_CREATED)


class ReturnRequestListApi(APIView):
    permission_classes = [IsAuthenticated]
    # Also tells drf-spectacular the list is paginated ({count, next, previous, results}, ?page, ?page_size).
    pagination_class = PageNumberPagination

    @extend_schema(responses=ReturnRequestOutputSerializer(many=True))
    def get(self, request):
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(return_request_list(user=request.user), request, view=self)
        return paginator.get_paginated_response(ReturnRequestOutputSerializer(page, many=True).data)


class ReturnRequestDetailApi(APIView):
    throttle_classes = [GuestLookupThrottle]

    @extend_schema(parameters=[EMAIL_PARAMETER], responses=ReturnRequestOutputSerializer)
    def get(self, request, pk):
        return_request = return_request_get(request_id=pk, user=request.user, email=_email(request))
        return Response(ReturnRequestOutputSerializer(return_request).data)


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
        return Response(
            ReturnRequestOutputSerializer(
                return_request_get(request_id=pk, user=request.user, email=email)
            ).data
        )
