"""Customer endpoints of the follow-ups: the list, one tap from the email, the full answer."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from catalogue.matching.vocabulary import PAIN_AREAS
from orders.outcomes.exceptions import FollowUpTokenInvalid
from orders.outcomes.models import FollowUp
from orders.outcomes.notifications import followup_token
from orders.outcomes.selectors import followup_from_token, followup_get, followups_of
from orders.outcomes.services import QUICK_ANSWERS, followup_answer, followup_answer_quick
from orders.returns.policy import FIT_REASONS
from shop.api.openapi import domain_validation_errors
from shop.api.pagination import PageNumberPagination

FORM = "form"


class FollowUpOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "FollowUp"

    id = serializers.IntegerField()
    order_number = serializers.CharField(source="order_line.order.number")
    line_id = serializers.IntegerField(source="order_line_id")
    product_name = serializers.CharField(source="order_line.product_name")
    days = serializers.IntegerField()
    sent_at = serializers.DateTimeField()
    answered_at = serializers.DateTimeField(allow_null=True)
    pain_areas = serializers.SerializerMethodField(help_text="The areas the customer reported pain in.")
    comfort = serializers.IntegerField(allow_null=True)
    pain_before = serializers.DictField(child=serializers.IntegerField())
    pain_now = serializers.DictField(child=serializers.IntegerField())
    pain_better = serializers.BooleanField(allow_null=True)
    still_wearing = serializers.BooleanField(allow_null=True)
    problems = serializers.ListField(child=serializers.CharField())

    def get_pain_areas(self, followup) -> list[str]:
        answers = followup.assessment.answers if followup.assessment_id else {}
        return [area for area in answers.get("pain_areas") or [] if area in PAIN_AREAS]


class FollowUpListApi(generics.ListAPIView):
    """The signed-in customer's follow-ups, newest first, a page at a time."""

    permission_classes = [IsAuthenticated]
    pagination_class = PageNumberPagination
    serializer_class = FollowUpOutputSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no customer
            return FollowUp.objects.none()
        return followups_of(user=self.request.user)


@domain_validation_errors(["invalid_token"], field_name="token", methods=["get"])
class FollowUpTapApi(APIView):
    """One tap from the email: the signed link records its answer (``form`` records nothing and returns
    the follow-up with a token to send the full answer with)."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        parameters=[OpenApiParameter("token", str, required=True)],
        responses={200: FollowUpOutputSerializer},
    )
    def get(self, request):
        token = request.query_params.get("token", "")
        followup, answer = followup_from_token(token=token)
        if answer in QUICK_ANSWERS:
            followup = followup_answer_quick(followup=followup, answer=answer)
        elif answer != FORM:
            raise FollowUpTokenInvalid(attr="token")
        body = dict(FollowUpOutputSerializer(followup).data)
        body["token"] = followup_token(followup_id=followup.pk, answer=FORM)
        return Response(body)


PAIN_SCORES = range(0, 11)


def _pain_scores():
    # Pain area -> 0-10. Checked as a whole in ``validate``, so an error names the field, never a key the
    # caller made up.
    return serializers.JSONField(
        required=False, default=dict, help_text="An object: pain area -> a whole number from 0 to 10."
    )


@domain_validation_errors(["invalid_token"], field_name="token", methods=["post"])
@domain_validation_errors(["invalid"], field_name="pain_before", methods=["post"])  # an unknown area or score
@domain_validation_errors(["invalid"], field_name="pain_now", methods=["post"])
class FollowUpAnswerApi(APIView):
    """The full answer: by the signed-in customer, or with the token of a link of the email."""

    permission_classes = [AllowAny]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "FollowUpAnswerInput"

        token = serializers.CharField(required=False, allow_blank=True, default="")
        comfort = serializers.IntegerField(min_value=1, max_value=5)
        pain_before = _pain_scores()
        pain_now = _pain_scores()
        still_wearing = serializers.BooleanField()
        problems = serializers.ListField(
            child=serializers.ChoiceField(choices=FIT_REASONS), required=False, default=list, max_length=11
        )

        def validate(self, data):
            for field in ("pain_before", "pain_now"):
                if not isinstance(data[field], dict):
                    raise serializers.ValidationError({field: ["An object of pain areas and their scores."]})
                unknown = sorted(set(data[field]) - set(PAIN_AREAS))
                if unknown:
                    raise serializers.ValidationError({field: [f"Unknown pain area: {unknown[0]}."]})
                scores = data[field].values()
                if not all(type(score) is int and score in PAIN_SCORES for score in scores):
                    raise serializers.ValidationError(
                        {field: ["Each pain score is a whole number from 0 to 10."]}
                    )
            return data

    @extend_schema(request=InputSerializer, responses={200: FollowUpOutputSerializer})
    def post(self, request, pk):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        followup = followup_get(followup_id=pk, user=request.user, token=values.pop("token"))
        followup = followup_answer(followup=followup, **values)
        return Response(FollowUpOutputSerializer(followup).data)
