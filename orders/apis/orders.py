"""Customer order endpoints: list, detail, cancel."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from orders import selectors
from orders.apis.common import OrderOutputSerializer, order_data
from orders.services.orders import order_cancel
from orders.statuses import Role
from shop.api.openapi import ConflictErrorResponse
from shop.api.pagination import PageNumberPagination
from shop.api.throttling import GuestLookupThrottle

EMAIL_PARAMETER = OpenApiParameter("email", str, description="A guest's order: the email it was placed with.")


class OrderListApi(APIView):
    permission_classes = [IsAuthenticated]
    # Also tells drf-spectacular the list is paginated ({count, next, previous, results}, ?page, ?page_size).
    pagination_class = PageNumberPagination

    @extend_schema(responses=OrderOutputSerializer(many=True))
    def get(self, request):
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(selectors.order_list(user=request.user), request, view=self)
        return paginator.get_paginated_response(OrderOutputSerializer(page, many=True).data)


class OrderDetailApi(APIView):
    throttle_classes = [GuestLookupThrottle]

    @extend_schema(parameters=[EMAIL_PARAMETER], responses=OrderOutputSerializer)
    def get(self, request, number):
        order = selectors.order_get(number=number, user=request.user, email=request.query_params.get("email"))
        return Response(order_data(order))


class OrderCancelApi(APIView):
    throttle_classes = [GuestLookupThrottle]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "OrderCancelInput"

        email = serializers.EmailField(required=False)
        reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)

    @extend_schema(
        parameters=[EMAIL_PARAMETER],
        request=InputSerializer,
        responses={200: OrderOutputSerializer, 409: ConflictErrorResponse},  # invalid_transition
    )
    def post(self, request, number):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        email = data.validated_data.get("email") or request.query_params.get("email")
        order = selectors.order_get(number=number, user=request.user, email=email)
        order_cancel(
            order=order, actor=request.user, role=Role.CUSTOMER, reason=data.validated_data["reason"]
        )
        return Response(order_data(selectors.order_get_for_staff(number=number)))
