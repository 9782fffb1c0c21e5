from django.urls import path

from catalogue.matching import apis

urlpatterns = [
    path("fit/assessments/", apis.AssessmentCreateApi.as_view(), name="fit-assessment-create"),
    path("fit/assessments/<uuid:pk>/", apis.AssessmentDetailApi.as_view(), name="fit-assessment-detail"),
    path("fit/footprints/", apis.FootprintCreateApi.as_view(), name="fit-footprint-create"),
    path("fit/footprints/<uuid:pk>/", apis.FootprintDetailApi.as_view(), name="fit-footprint-detail"),
    path("fit/footprints/<uuid:pk>/image/", apis.FootprintImageApi.as_view(), name="fit-footprint-image"),
    path(
        "fit/footprints/<uuid:pk>/overlay/", apis.FootprintOverlayApi.as_view(), name="fit-footprint-overlay"
    ),
    path("me/consents/", apis.ConsentListApi.as_view(), name="me-consents"),
    path("me/consents/<str:purpose>/", apis.ConsentWithdrawApi.as_view(), name="me-consent-withdraw"),
]
