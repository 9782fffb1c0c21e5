"""The shop's URLs plus uploaded media, for the live server the browser tests talk to."""

from django.conf import settings
from django.urls import path
from django.views.static import serve

from shop.urls import handler404, handler500  # noqa: F401
from shop.urls import urlpatterns as shop_urlpatterns

urlpatterns = [
    *shop_urlpatterns,
    path(
        f"{settings.MEDIA_URL.strip('/')}/<path:path>",
        lambda request, path: serve(request, path, document_root=settings.MEDIA_ROOT),
    ),
]
