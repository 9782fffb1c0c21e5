from django.urls import path

from orders.discounts import apis

urlpatterns = [
    path("carts/<uuid:token>/discount/", apis.CartDiscountApi.as_view(), name="cart-discount"),
]
