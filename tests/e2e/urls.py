"""The shop's URLs plus the public product images, for the live server the browser tests talk to."""

from shop.urls import handler404, handler500, public_media_urlpatterns  # noqa: F401
from shop.urls import urlpatterns as shop_urlpatterns

urlpatterns = [*shop_urlpatterns, *public_media_urlpatterns()]
