from django.urls import path

from orders.fittings import apis

urlpatterns = [
    path("", apis.FittingCreateApi.as_view(), name="fitting-create"),
    path("<uuid:pk>/", apis.FittingDetailApi.as_view(), name="fitting-detail"),
    path("<uuid:pk>/prescription/", apis.FittingPrescriptionApi.as_view(), name="fitting-prescription"),
]
