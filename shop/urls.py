from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from shop.api.errors import not_found
from shop.health import healthz

api_v1 = [
    path("", include("accounts.urls")),
    path("", include("catalogue.urls")),
    path("", include("orders.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    re_path(r"^.*$", not_found, name="api-not-found"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    path("healthz", healthz, name="healthz"),
]

if settings.DEBUG:
    urlpatterns += [
        path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", serve, {"document_root": settings.MEDIA_ROOT})
    ]

handler404 = "shop.api.errors.not_found"
handler500 = "shop.api.errors.server_error"

admin.site.site_header = "Orthotics Shop administration"
admin.site.site_title = "Orthotics Shop"
admin.site.index_title = "Catalogue, orders, returns"
