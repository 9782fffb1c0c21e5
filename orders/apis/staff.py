"""Fulfilment endpoints for staff and warehouse systems (staff token or session)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from orders import selectors
from orders.apis.common import OrderOutputSerializer, order_data
from orders.services.orders import order_cancel, order_deliver, order_ship
from orders.statuses import Role
from shop.api.openapi import ConflictErrorResponse, domain_validation_errors


class StaffOrderShipApi(APIView):
    permission_classes = [IsAdminUser]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ShipInput"

        carrier = serializers.CharField(max_length=60)
        tracking_number = serializers.CharField(max_length=100)

    @extend_schema(
        request=InputSerializer, responses={200: OrderOutputSerializer, 409: ConflictErrorResponse}
    )
    def post(self, request, number):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order_ship(
            order=selectors.order_get_for_staff(number=number), actor=request.user, **data.validated_data
        )
        return Response(order_data(selectors.order_get_for_staff(number=number)))


# The delivery time may not be in the future nor before shipment (``order_deliver``).
@domain_validation_errors(
    ["delivered_in_future", "delivered_before_shipped"], field_name="delivered_at", methods=["post"]
)
class StaffOrderDeliverApi(APIView):
    permission_classes = [IsAdminUser]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "DeliverInput"

        delivered_at = serializers.DateTimeField(required=False)

    @extend_schema(
        request=InputSerializer, responses={200: OrderOutputSerializer, 409: ConflictErrorResponse}
    )
    def post(self, request, number):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order_deliver(
            order=selectors.order_get_for_staff(number=number),
            actor=request.user,
            delivered_at=data.validated_data.get("delivered_at"),
        )
        return Response(order_data(selectors.order_get_for_staff(number=number)))


class StaffOrderCancelApi(APIView):
    permission_classes = [IsAdminUser]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "StaffCancelInput"

        reason = serializers.CharField(max_length=500)

    @extend_schema(
        request=InputSerializer, responses={200: OrderOutputSerializer, 409: ConflictErrorResponse}
    )
    def post(self, request, number):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order_cancel(
            order=selectors.order_get_for_staff(number=number),
            actor=request.user,
            role=Role.STAFF,
            reason=data.validated_data["reason"],
        )
        return Response(order_data(selectors.order_get_for_staff(number=number)))
