"""Custom-orthotic fittings: create one (JSON or multipart with a prescription), read it, download its prescription."""

from django.http.response import HttpResponseBase
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from catalogue.matching.models import HealthRecordKind
from catalogue.matching.services import health_record_access_record_for_reader
from catalogue.matching.vocabulary import SHOE_TYPES
from orders.fittings import selectors
from orders.fittings.selectors import fitting_customer
from orders.fittings.services import fitting_create, fitting_missing
from shop.api.openapi import SIGNED_FILE_REDIRECT, ConflictErrorResponse, domain_validation_errors
from shop.storage import private_file_response


class FittingOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "Fitting"

    id = serializers.UUIDField()
    complete = serializers.SerializerMethodField()
    missing = serializers.SerializerMethodField(help_text="What the lab still needs, by field name.")
    assessment = serializers.UUIDField(source="assessment_id", allow_null=True)
    footprint_left = serializers.UUIDField(source="footprint_left_id", allow_null=True)
    footprint_right = serializers.UUIDField(source="footprint_right_id", allow_null=True)
    foot_length_mm = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    foot_width_mm = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    shoe_type = serializers.CharField()
    impression_kit = serializers.BooleanField()
    impression_received_at = serializers.DateTimeField(allow_null=True)
    prescription = serializers.SerializerMethodField()
    ordered = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_missing(self, obj) -> list[str]:
        return fitting_missing(fitting=obj)

    def get_complete(self, obj) -> bool:
        return not fitting_missing(fitting=obj)

    def get_ordered(self, obj) -> bool:
        return obj.order_line_id is not None

    @extend_schema_field(
        inline_serializer(
            "FittingPrescription",
            {"kind": serializers.CharField(help_text="pdf or image"), "url": serializers.URLField()},
            allow_null=True,
        )
    )
    def get_prescription(self, obj) -> dict | None:
        if not obj.prescription:
            return None
        url = reverse("fitting-prescription", kwargs={"pk": obj.pk})
        request = self.context.get("request")
        return {"kind": obj.prescription_kind, "url": request.build_absolute_uri(url) if request else url}


@domain_validation_errors(["invalid_document", "invalid_image"], field_name="prescription", methods=["post"])
@domain_validation_errors(["footprint_wrong_side"], field_name="footprint_left", methods=["post"])
@domain_validation_errors(["footprint_wrong_side"], field_name="footprint_right", methods=["post"])
class FittingCreateApi(APIView):
    """Create the fitting for one custom pair; add it to the cart item as ``fitting``."""

    parser_classes = [JSONParser, MultiPartParser, FormParser]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "uploads"

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "FittingInput"

        assessment = serializers.UUIDField(required=False, allow_null=True)
        footprint_left = serializers.UUIDField(required=False, allow_null=True)
        footprint_right = serializers.UUIDField(required=False, allow_null=True)
        foot_length_mm = serializers.DecimalField(
            max_digits=5, decimal_places=1, min_value=100, max_value=400, required=False, allow_null=True
        )
        foot_width_mm = serializers.DecimalField(
            max_digits=5, decimal_places=1, min_value=40, max_value=200, required=False, allow_null=True
        )
        shoe_type = serializers.ChoiceField(choices=SHOE_TYPES)
        impression_kit = serializers.BooleanField(default=False)
        prescription = serializers.FileField(
            required=False,
            allow_empty_file=True,
            help_text="PDF or JPEG/PNG/WebP, at most 10 MB (multipart).",
        )

    @extend_schema(
        request=InputSerializer,  # documented for JSON and multipart (the parsers)
        # 404 fitting_not_found / prescription_not_found (also for another customer's fitting or footprint):
        # the shared shop.api.openapi.NotFoundErrorResponse, added to every operation by the settings.
        # 409 consent_required: a signed-in customer without the lab_sharing consent.
        responses={201: FittingOutputSerializer, 409: ConflictErrorResponse},
        operation_id="fitting_create",
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        fitting = fitting_create(
            owner=request.user,
            assessment_id=values.get("assessment"),
            footprint_left_id=values.get("footprint_left"),
            footprint_right_id=values.get("footprint_right"),
            foot_length_mm=values.get("foot_length_mm"),
            foot_width_mm=values.get("foot_width_mm"),
            shoe_type=values["shoe_type"],
            impression_kit=values["impression_kit"],
            prescription=values.get("prescription"),
        )
        return Response(
            FittingOutputSerializer(fitting, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class FittingDetailApi(APIView):
    """Return the customer's own fitting, or an anonymous one by its id; anyone else's is 404."""

    @extend_schema(
        responses={200: FittingOutputSerializer},
        operation_id="fitting_retrieve",
    )
    def get(self, request, pk):
        fitting = selectors.fitting_get(fitting_id=pk, user=request.user)
        return Response(FittingOutputSerializer(fitting, context={"request": request}).data)


class FittingPrescriptionApi(APIView):
    """Download the prescription: its owner (or, anonymous, whoever holds the id) and staff only."""

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            (200, "image/jpeg"): OpenApiTypes.BINARY,
            (200, "image/png"): OpenApiTypes.BINARY,
            **SIGNED_FILE_REDIRECT,
        },
        operation_id="fitting_prescription",
    )
    def get(self, request, pk):
        fitting = selectors.fitting_get_for_prescription(fitting_id=pk, user=request.user)
        health_record_access_record_for_reader(
            reader=request.user,
            customer=fitting_customer(fitting),
            kind=HealthRecordKind.PRESCRIPTION,
            record_id=fitting.pk,
            via="api: prescription download",
        )
        return prescription_response(fitting)


def prescription_response(fitting) -> HttpResponseBase:
    """Return the stored prescription as a download that browsers never render inline."""
    return private_file_response(fitting.prescription, filename=f"prescription-{fitting.pk}", attachment=True)
