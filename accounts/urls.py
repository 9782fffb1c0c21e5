from django.urls import path

from accounts import apis

urlpatterns = [
    path("auth/register/", apis.RegisterApi.as_view(), name="auth-register"),
    path("auth/login/", apis.LoginApi.as_view(), name="auth-login"),
    path("auth/logout/", apis.LogoutApi.as_view(), name="auth-logout"),
    path("auth/logout-everywhere/", apis.LogoutEverywhereApi.as_view(), name="auth-logout-everywhere"),
    path("auth/password-reset/", apis.PasswordResetApi.as_view(), name="auth-password-reset"),
    path(
        "auth/password-reset/confirm/",
        apis.PasswordResetConfirmApi.as_view(),
        name="auth-password-reset-confirm",
    ),
    path("auth/verify-email/confirm/", apis.EmailVerifyApi.as_view(), name="auth-verify-email-confirm"),
    path("me/", apis.MeApi.as_view(), name="me"),
    path("me/export/", apis.MeExportApi.as_view(), name="me-export"),
    path("me/verify-email/", apis.EmailVerificationSendApi.as_view(), name="me-verify-email"),
]
