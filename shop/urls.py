from pathlib import Path

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


def public_media(request, path):
    """Serve one of the catalogue's product images from MEDIA_ROOT (read at each request)."""
    return serve(request, path, document_root=Path(settings.MEDIA_ROOT) / settings.SHOP_PUBLIC_MEDIA_FOLDER)


def public_media_urlpatterns() -> list:
    """Serve the catalogue's product images under MEDIA_URL, and nothing else.

    For development and the browser tests; production serves them from its web server or CDN. Customer
    uploads are in the private storage, which has no URL (shop/storage.py).
    """
    prefix = f"{settings.MEDIA_URL.strip('/')}/{settings.SHOP_PUBLIC_MEDIA_FOLDER}"
    return [path(f"{prefix}/<path:path>", public_media, name="public-media")]


if settings.DEBUG:
    urlpatterns += public_media_urlpatterns()

handler404 = "shop.api.errors.not_found"
handler500 = "shop.api.errors.server_error"

admin.site.site_header = "Orthotics Shop administration"
admin.site.site_title = "Orthotics Shop"
admin.site.index_title = "Catalogue, orders, returns"
