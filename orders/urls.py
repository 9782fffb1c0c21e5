from django.urls import include, path

from orders.apis import carts, checkout, orders, payments, staff

urlpatterns = [
    path("carts/", carts.CartCreateApi.as_view(), name="cart-create"),
    path("carts/<uuid:token>/", carts.CartDetailApi.as_view(), name="cart-detail"),
    path("carts/<uuid:token>/items/", carts.CartItemAddApi.as_view(), name="cart-item-add"),
    path("carts/<uuid:token>/items/<int:item_id>/", carts.CartItemApi.as_view(), name="cart-item"),
    path("shipping-methods/", carts.ShippingMethodListApi.as_view(), name="shipping-method-list"),
    path("checkout/", checkout.CheckoutApi.as_view(), name="checkout"),
    path("fittings/", include("orders.fittings.urls")),
    path("orders/", orders.OrderListApi.as_view(), name="order-list"),
    path("orders/<str:number>/", orders.OrderDetailApi.as_view(), name="order-detail"),
    path("orders/<str:number>/cancel/", orders.OrderCancelApi.as_view(), name="order-cancel"),
    path("payments/stripe/webhook/", payments.StripeWebhookApi.as_view(), name="stripe-webhook"),
    path("payments/dummy/<str:order_number>/", payments.DummyPaymentApi.as_view(), name="dummy-payment"),
    path("staff/orders/<str:number>/ship/", staff.StaffOrderShipApi.as_view(), name="staff-order-ship"),
    path(
        "staff/orders/<str:number>/deliver/", staff.StaffOrderDeliverApi.as_view(), name="staff-order-deliver"
    ),
    path("staff/orders/<str:number>/cancel/", staff.StaffOrderCancelApi.as_view(), name="staff-order-cancel"),
    path("", include("orders.returns.urls")),
    path("", include("orders.invoices.urls")),
    path("", include("orders.discounts.urls")),
    path("", include("orders.outcomes.urls")),
]
