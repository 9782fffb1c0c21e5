from django.urls import path

from orders.outcomes import apis

urlpatterns = [
    path("followups/", apis.FollowUpListApi.as_view(), name="followup-list"),
    path("followups/tap/", apis.FollowUpTapApi.as_view(), name="followup-tap"),
    path("followups/<int:pk>/answer/", apis.FollowUpAnswerApi.as_view(), name="followup-answer"),
]
