"""Foot-type matching API: assessments, footprints and the customer's consents. Thin views; the work is in
services and selectors."""

from django.conf import settings
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from catalogue.matching import selectors, services
from catalogue.matching import vocabulary as v
from catalogue.matching.consent import ConsentPurpose
from catalogue.matching.profile import age_band as band_for_age
from catalogue.matching.sizing import SIZE_SYSTEMS, length_for_size
from shop.api.openapi import (
    SIGNED_FILE_REDIRECT,
    BadRequestErrorResponse,
    ConflictErrorResponse,
    domain_validation_errors,
)
from shop.storage import private_file_response


def _absolute(request, url: str | None) -> str | None:
    if not url:
        return None
    return request.build_absolute_uri(url) if request is not None else url


def _field_error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: [serializers.ErrorDetail(message, code=code)]})


def _foot_length_ok(length) -> bool:
    return settings.MATCHING_FOOT_LENGTH_MIN_MM <= length <= settings.MATCHING_FOOT_LENGTH_MAX_MM


def _foot_length_range() -> str:
    return f"between {settings.MATCHING_FOOT_LENGTH_MIN_MM} and {settings.MATCHING_FOOT_LENGTH_MAX_MM} mm"


class ConflictOutput(serializers.Serializer):
    field = serializers.CharField(help_text="The profile field the two disagree on, e.g. arch_type.")
    footprint = serializers.CharField(
        required=False, help_text="What the footprint measured (a footprint against an answer)."
    )
    arch_index = serializers.FloatField(required=False)
    arch_type_self = serializers.CharField(required=False, help_text="What the customer said.")
    answers = serializers.DictField(
        child=serializers.CharField(),
        required=False,
        help_text="Two answers that contradict each other, by name (e.g. arch_type_self and shoe_wear).",
    )
    used = serializers.ChoiceField(
        choices=["footprint", "arch_type_self", "shoe_wear"], help_text="Which one the profile uses."
    )
    note = serializers.CharField(help_text="The disagreement in a sentence for the customer.")


class ProfileOutput(serializers.Serializer):
    arch_type = serializers.ChoiceField(choices=v.ARCH_TYPES)
    pronation = serializers.ChoiceField(choices=v.PRONATIONS)
    conditions = serializers.ListField(child=serializers.ChoiceField(choices=v.CONDITION_SLUGS))
    flags = serializers.ListField(
        child=serializers.ChoiceField(choices=v.FLAGS),
        default=list,
        help_text="What else the answers tell (a child, diabetes, numbness, a weak ankle...): it chooses "
        "exercises and advice and rules some products and exercises out.",
    )
    heel_lift_mm = serializers.IntegerField()
    short_side = serializers.ChoiceField(choices=v.SIDES, allow_null=True)
    activity = serializers.ChoiceField(choices=v.ACTIVITIES, allow_null=True)
    shoe_type = serializers.ChoiceField(choices=v.SHOE_TYPES, allow_null=True)
    derived_from = serializers.DictField(
        help_text="For each field, the answers that produced it; for conditions, per condition slug."
    )
    conflicts = serializers.ListField(
        child=ConflictOutput(),
        help_text="Where a measurement disagrees with what the customer said, and which one was used.",
    )


class ReferralDetailOutput(serializers.Serializer):
    code = serializers.CharField(help_text="The red flag, e.g. diabetic-rest-pain.")
    reason = serializers.CharField()
    source = serializers.CharField(help_text="The guideline or paper the red flag comes from.")


class ReferralOutput(serializers.Serializer):
    advised = serializers.BooleanField()
    urgency = serializers.ChoiceField(choices=["none", "soon", "urgent"])
    reasons = serializers.ListField(child=serializers.CharField())
    details = ReferralDetailOutput(
        many=True, default=list, help_text="Each reason with its red flag and source."
    )


class SizeOutput(serializers.Serializer):
    foot_length_mm = serializers.FloatField()
    eu = serializers.FloatField()
    uk = serializers.FloatField()
    us_men = serializers.FloatField()
    us_women = serializers.FloatField()
    mondopoint = serializers.IntegerField()


class RecommendedProductOutput(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    price = serializers.DecimalField(max_digits=10, decimal_places=2, coerce_to_string=True)
    currency = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    def get_currency(self, obj) -> str:
        return settings.SHOP_CURRENCY

    def get_thumbnail_url(self, obj) -> str | None:
        return _absolute(self.context.get("request"), obj.get("thumbnail_url"))


class RecommendedVariantOutput(serializers.Serializer):
    sku = serializers.CharField()
    size_label = serializers.CharField()


class LearningOutput(serializers.Serializer):
    rule_score = serializers.IntegerField(help_text="The score the rules gave.")
    adjustment = serializers.IntegerField(help_text="Points outcomes added or took away (bounded).")
    outcomes = serializers.IntegerField(help_text="Outcomes of customers of the same segment.")
    outcomes_wider = serializers.IntegerField(
        help_text="Outcomes of customers of the same arch type and activity."
    )


class RecommendationOutput(serializers.Serializer):
    product = RecommendedProductOutput()
    score = serializers.IntegerField(min_value=0, max_value=100)
    reasons = serializers.ListField(
        child=serializers.CharField(), help_text="One sentence per rule that fired."
    )
    cautions = serializers.ListField(
        child=serializers.CharField(), help_text="Contraindications that lowered the score."
    )
    notes = serializers.ListField(
        child=serializers.CharField(),
        default=list,
        help_text="What the customer should know about this offer, e.g. not made in their width.",
    )
    variant = RecommendedVariantOutput(allow_null=True, help_text="The variant in the customer's size.")
    learning = LearningOutput(
        allow_null=True,
        default=None,
        help_text="How outcomes of customers like this one moved the rule score; null with learning off.",
    )


class SoldOutOutput(serializers.Serializer):
    product = RecommendedProductOutput()
    score = serializers.IntegerField(min_value=0, max_value=100)
    reasons = serializers.ListField(child=serializers.CharField())
    variant = RecommendedVariantOutput(allow_null=True, help_text="The variant that would fit, sold out.")
    note = serializers.CharField(help_text="That it would fit best but is out of stock in the size.")


class ComfortProductOutput(serializers.Serializer):
    product = RecommendedProductOutput()
    variant = RecommendedVariantOutput(allow_null=True)
    note = serializers.CharField(help_text="Says it is for comfort only, not a match for the profile.")


class AdviceNoteOutput(serializers.Serializer):
    code = serializers.CharField()
    text = serializers.CharField()
    source = serializers.CharField(help_text="The guideline or paper the advice comes from.")


class AdviceOutput(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=["matches", "no_mechanical_reason", "nothing_suitable", "see_a_professional_today"],
        default="matches",
    )
    summary = serializers.CharField(default="")
    notes = AdviceNoteOutput(many=True, default=list)


class ExerciseOutput(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    instructions = serializers.CharField()
    caution = serializers.CharField(default="", help_text="When to stop, or what not to try; may be empty.")
    source = serializers.CharField(default="", help_text="The guideline or paper the exercise comes from.")


class AssessmentOutput(serializers.Serializer):
    id = serializers.UUIDField()
    created_at = serializers.DateTimeField()
    footprint = serializers.UUIDField(source="footprint_id", allow_null=True)
    profile = ProfileOutput()
    recommendations = RecommendationOutput(many=True)
    size = SizeOutput(allow_null=True)
    exercises = ExerciseOutput(many=True)
    referral = ReferralOutput()
    advice = AdviceOutput(
        source="outcome.advice",
        default=dict,
        help_text="The outcome in plain words: matches, nothing here will help (no mechanical reason), "
        "nothing suitable in stock, or see a professional today; with advice notes and their sources.",
    )
    accessories = RecommendationOutput(
        many=True, source="outcome.accessories", default=list,
        help_text="Accessories a rule calls for (a metatarsal pad for ball-of-foot pain), best first.",
    )  # fmt: skip
    comfort_products = ComfortProductOutput(
        many=True, source="outcome.comfort_products", default=list,
        help_text="With no mechanical reason for an insole only: general comfort insoles, not matches.",
    )  # fmt: skip
    sold_out = SoldOutOutput(
        many=True, source="outcome.sold_out", default=list,
        help_text="Products that would rank above the first one offered but are out of stock in the size.",
    )  # fmt: skip


class AssessmentCreateApi(APIView):
    """Take the foot assessment: profile, ranked insoles with reasons, size, exercises and referral."""

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "AssessmentAnswers"  # a distinct OpenAPI component name

        arch_type_self = serializers.ChoiceField(choices=v.ARCH_TYPES_SELF, required=False)
        footprint = serializers.UUIDField(required=False, allow_null=True)
        shoe_wear = serializers.ChoiceField(choices=v.SHOE_WEAR, required=False)
        rolls = serializers.ChoiceField(choices=v.ROLLS, required=False)
        pain_areas = serializers.ListField(
            child=serializers.ChoiceField(choices=v.PAIN_AREAS),
            required=False,
            allow_empty=True,
            max_length=8,
        )
        heel_pain_morning = serializers.BooleanField(required=False)
        pain_after_standing_or_walking = serializers.BooleanField(required=False)
        back_pain_worse_in_bad_shoes = serializers.BooleanField(required=False)
        back_pain_better_with_support = serializers.BooleanField(required=False)
        tight_calves = serializers.BooleanField(required=False)
        foot_fatigue = serializers.BooleanField(required=False)
        leg_length_difference_mm = serializers.DecimalField(
            max_digits=4, decimal_places=1, min_value=0, max_value=100, required=False
        )
        one_leg_longer = serializers.BooleanField(required=False)
        short_side = serializers.ChoiceField(choices=v.SIDES, required=False)
        activity = serializers.ChoiceField(choices=v.ACTIVITIES, required=False)
        shoe_type = serializers.ChoiceField(choices=v.SHOE_TYPES, required=False)
        foot_length_mm = serializers.DecimalField(max_digits=5, decimal_places=1, required=False)
        shoe_size = serializers.DecimalField(max_digits=4, decimal_places=1, min_value=0, required=False)
        size_system = serializers.ChoiceField(choices=SIZE_SYSTEMS, required=False)
        foot_width = serializers.ChoiceField(choices=v.FOOT_WIDTHS, required=False)
        weight_band = serializers.ChoiceField(choices=v.WEIGHT_BANDS, required=False)
        previous_foot_injury = serializers.BooleanField(required=False)
        ankle_instability = serializers.BooleanField(required=False)
        pain_duration_weeks = serializers.IntegerField(min_value=0, max_value=520, required=False)
        diabetes = serializers.BooleanField(required=False)
        numbness_or_tingling = serializers.BooleanField(required=False)
        night_or_rest_pain = serializers.BooleanField(required=False)
        recent_injury_cannot_bear_weight = serializers.BooleanField(required=False)
        hot_swollen_joint_or_fever = serializers.BooleanField(required=False)
        wound_or_colour_change = serializers.BooleanField(required=False)
        pain_eased_hanging_leg_down = serializers.BooleanField(
            required=False, help_text="Pain at rest that eases when the leg hangs down (out of bed)."
        )
        cold_or_pale_foot = serializers.BooleanField(required=False)
        absent_foot_pulses = serializers.BooleanField(
            required=False, help_text="A clinician could not feel the foot's pulses."
        )
        age_band = serializers.ChoiceField(
            choices=v.AGE_BANDS, required=False, help_text="Under 16 is a child (docs/matching.md)."
        )
        age = serializers.IntegerField(
            min_value=0, max_value=120, required=False, help_text="In years; or give age_band instead."
        )

        def to_internal_value(self, data):
            if isinstance(data, dict):
                unknown = sorted(set(data) - set(self.fields))
                if unknown:
                    raise _field_error(
                        unknown[0], "This is not a question of the assessment.", "unknown_answer"
                    )
            return super().to_internal_value(data)

        def validate_foot_length_mm(self, value):
            if not _foot_length_ok(value):
                raise serializers.ValidationError(
                    f"Give a foot length {_foot_length_range()}.", code="out_of_range"
                )
            return value

        def validate(self, attrs):
            if attrs.get("age") is not None and attrs.get("age_band"):
                band, _ = band_for_age({"age": attrs["age"]})
                if band != attrs["age_band"]:
                    raise _field_error("age_band", "This age band does not match the age given.", "invalid")
            size, system = attrs.get("shoe_size"), attrs.get("size_system")
            if size is not None and not system:
                message = "Say which size system the shoe size is in: eu, uk, us_men or us_women."
                raise _field_error("size_system", message, "required")
            if system and size is None:
                raise _field_error(
                    "shoe_size", "Give the shoe size that goes with the size system.", "required"
                )
            if size is not None and not _foot_length_ok(length_for_size(size=size, system=system)):
                message = f"This size does not fit a foot length {_foot_length_range()}."
                raise _field_error("shoe_size", message, "out_of_range")
            return attrs

    @extend_schema(
        request=InputSerializer,
        # An unknown answer is named in ``attr``, so the field list cannot be enumerated in advance.
        # 409 consent_required: a signed-in customer without the foot_assessment consent.
        responses={201: AssessmentOutput, 400: BadRequestErrorResponse, 409: ConflictErrorResponse},
        operation_id="fit_assessment_create",
    )
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assessment = services.assessment_create(owner=request.user, answers=serializer.validated_data)
        return Response(
            AssessmentOutput(assessment, context={"request": request}).data, status=status.HTTP_201_CREATED
        )


class AssessmentDetailApi(APIView):
    """Return the customer's own assessment, or an anonymous one by its id."""

    @extend_schema(responses={200: AssessmentOutput}, operation_id="fit_assessment_retrieve")
    def get(self, request, pk):
        assessment = selectors.assessment_get(assessment_id=pk, user=request.user)
        return Response(AssessmentOutput(assessment, context={"request": request}).data)


class FootprintOutput(serializers.Serializer):
    id = serializers.UUIDField()
    side = serializers.CharField()
    arch_index = serializers.FloatField(
        help_text="Cavanagh & Rodgers: midfoot contact area / whole print without toes."
    )
    arch_type = serializers.ChoiceField(choices=v.ARCH_TYPES)
    chippaux_smirak = serializers.FloatField(
        help_text="Narrowest midfoot width / widest forefoot width x 100."
    )
    foot_length_mm = serializers.DecimalField(
        max_digits=5, decimal_places=1, coerce_to_string=False, allow_null=True
    )
    width_mm = serializers.DecimalField(
        max_digits=5, decimal_places=1, coerce_to_string=False, allow_null=True
    )
    scale = serializers.CharField()
    method = serializers.CharField()
    image_url = serializers.SerializerMethodField(
        help_text="The picture as measured (JPEG or PNG); only its owner (or, anonymous, whoever has the id) "
        "may read it."
    )
    overlay_url = serializers.SerializerMethodField(
        help_text="The measurement drawn on the print (PNG); the same readers as the picture."
    )
    created_at = serializers.DateTimeField()

    def get_image_url(self, obj) -> str:
        return _absolute(self.context.get("request"), reverse("fit-footprint-image", kwargs={"pk": obj.pk}))

    def get_overlay_url(self, obj) -> str:
        return _absolute(self.context.get("request"), reverse("fit-footprint-overlay", kwargs={"pk": obj.pk}))


@domain_validation_errors(["invalid_image", "invalid_footprint"], field_name="image", methods=["post"])
class FootprintCreateApi(APIView):
    """Measure a wet-footprint photo or scan: arch index, arch type, Chippaux-Smirak index, size."""

    parser_classes = [MultiPartParser, FormParser]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "uploads"

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "FootprintUpload"  # a distinct OpenAPI component name

        image = serializers.FileField(allow_empty_file=True)
        mm_per_px = serializers.FloatField(required=False, min_value=0.001, max_value=10)
        dpi = serializers.IntegerField(required=False, min_value=50, max_value=4800)
        side = serializers.ChoiceField(choices=v.SIDES, required=False)

        def validate(self, attrs):
            if attrs.get("mm_per_px") and attrs.get("dpi"):
                raise _field_error("dpi", "Give either mm_per_px or dpi, not both.", "invalid")
            return attrs

    @extend_schema(
        request=InputSerializer,
        responses={201: FootprintOutput, 409: ConflictErrorResponse},  # consent_required
        operation_id="fit_footprint_create",
    )
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        footprint = services.footprint_create(owner=request.user, upload=serializer.validated_data["image"],
                                              mm_per_px=serializer.validated_data.get("mm_per_px"),
                                              dpi=serializer.validated_data.get("dpi"),
                                              side=serializer.validated_data.get("side", ""))  # fmt: skip
        return Response(
            FootprintOutput(footprint, context={"request": request}).data, status=status.HTTP_201_CREATED
        )


class FootprintDetailApi(APIView):
    @extend_schema(responses={200: FootprintOutput}, operation_id="fit_footprint_retrieve")
    def get(self, request, pk):
        footprint = selectors.footprint_get(footprint_id=pk, user=request.user)
        return Response(FootprintOutput(footprint, context={"request": request}).data)


class FootprintImageApi(APIView):
    """The footprint picture as it was measured (re-encoded at web size): its owner's, or an anonymous one."""

    @extend_schema(
        responses={
            (200, "image/jpeg"): OpenApiTypes.BINARY,
            (200, "image/png"): OpenApiTypes.BINARY,
            **SIGNED_FILE_REDIRECT,
        },
        operation_id="fit_footprint_image",
    )
    def get(self, request, pk):
        footprint = selectors.footprint_get(footprint_id=pk, user=request.user)
        return private_file_response(footprint.image, filename=f"footprint-{footprint.pk}")


class FootprintOverlayApi(APIView):
    """The print with the foot axis, the three zones, the midfoot contact shaded and the index."""

    @extend_schema(
        responses={(200, "image/png"): OpenApiTypes.BINARY, **SIGNED_FILE_REDIRECT},
        operation_id="fit_footprint_overlay",
    )
    def get(self, request, pk):
        footprint = selectors.footprint_get(footprint_id=pk, user=request.user)
        return private_file_response(footprint.overlay, filename=f"footprint-{footprint.pk}-overlay")


class ConsentOutput(serializers.Serializer):
    class Meta:
        ref_name = "Consent"

    purpose = serializers.ChoiceField(choices=ConsentPurpose.choices)
    title = serializers.CharField()
    version = serializers.IntegerField(help_text="The current text's version: give it to consent.")
    text = serializers.CharField(help_text="The current text the customer agrees to.")
    given = serializers.BooleanField(help_text="A consent to the current text is in force.")
    given_version = serializers.IntegerField(
        allow_null=True, help_text="The text version of the consent in force (maybe older), or null."
    )
    given_at = serializers.DateTimeField(allow_null=True)


def _consent_state(user, purpose: str) -> dict:
    return next(state for state in selectors.consents_state(user=user) if state["purpose"] == purpose)


class ConsentListApi(APIView):
    """The customer's consent for each purpose (GET); give one to the current text (POST)."""

    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ConsentGiveInput"

        purpose = serializers.ChoiceField(choices=ConsentPurpose.choices)
        version = serializers.IntegerField(
            min_value=1, max_value=32767, help_text="The version of the text shown."
        )

    @extend_schema(responses={200: ConsentOutput(many=True)}, operation_id="me_consents_list")
    def get(self, request):
        return Response(ConsentOutput(selectors.consents_state(user=request.user), many=True).data)

    @extend_schema(
        request=InputSerializer,
        # 201 a consent recorded, 200 already in force for this text; 409 consent_text_outdated.
        responses={201: ConsentOutput, 200: ConsentOutput, 409: ConflictErrorResponse},
        operation_id="me_consents_give",
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        purpose = data.validated_data["purpose"]
        _, created = services.consent_give(
            user=request.user, purpose=purpose, version=data.validated_data["version"]
        )
        return Response(
            ConsentOutput(_consent_state(request.user, purpose)).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class ConsentWithdrawApi(APIView):
    """Withdraw the customer's consent to one purpose (again: still 204)."""

    permission_classes = [IsAuthenticated]

    # 404 consent_purpose_not_found: the shared NotFoundErrorResponse.
    @extend_schema(responses={204: None}, operation_id="me_consents_withdraw")
    def delete(self, request, purpose):
        services.consent_withdraw(user=request.user, purpose=purpose)
        return Response(status=status.HTTP_204_NO_CONTENT)
