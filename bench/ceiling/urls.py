"""One DRF view returning the same 20 products, shaped like a page of the shop's product list."""

from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

PRODUCTS = [
    {
        "slug": f"archform-rigid-{number:04d}",
        "name": f"ArchForm Rigid {number:04d}",
        "kind": "insole",
        "category": "arch-support",
        "short_description": "A firm arch and a deep heel cup for flat feet and overpronation.",
        "price": f"{39 + number}.90",
        "currency": "EUR",
        "in_stock": number % 3 != 0,
        "thumbnail_url": f"http://127.0.0.1/media/bench/p{number % 6}-thumb.jpg",
        "arch_support": "high",
        "rigidity": "rigid",
        "posting": "medial",
        "heel_cup": "deep",
        "heel_lift_mm": 0,
        "met_pad": False,
        "cushioning": "medium",
        "length": "full",
        "volume": "medium",
        "shoe_types": ["athletic", "casual", "work_boot"],
        "activities": ["walking", "standing_work", "hiking", "everyday"],
        "conditions": ["flat-feet"],
    }
    for number in range(20)
]
PAGE = {
    "count": 1000,
    "next": "http://127.0.0.1/api/v1/products/?page=2",
    "previous": None,
    "results": PRODUCTS,
}


class ProductPageApi(APIView):
    def get(self, request):
        return Response(PAGE)


urlpatterns = [path("api/v1/products/", ProductPageApi.as_view())]
