from django.urls import path

from orders.returns import apis

urlpatterns = [
    path(
        "orders/<str:number>/returns/eligibility/",
        apis.ReturnEligibilityApi.as_view(),
        name="order-return-eligibility",
    ),
    path("orders/<str:number>/returns/", apis.ReturnRequestCreateApi.as_view(), name="order-return-create"),
    path("returns/", apis.ReturnRequestListApi.as_view(), name="return-list"),
    path("returns/withdrawal-form/", apis.WithdrawalFormApi.as_view(), name="withdrawal-form"),
    path("returns/<int:pk>/", apis.ReturnRequestDetailApi.as_view(), name="return-detail"),
    path("returns/<int:pk>/photos/", apis.ReturnPhotoCreateApi.as_view(), name="return-photo-create"),
    path("returns/<int:pk>/photos/<int:photo_id>/", apis.ReturnPhotoApi.as_view(), name="return-photo"),
    path(
        "returns/<int:pk>/exchange/payment/",
        apis.ExchangePaymentApi.as_view(),
        name="return-exchange-payment",
    ),
    path("returns/<int:pk>/cancel/", apis.ReturnRequestCancelApi.as_view(), name="return-cancel"),
]
