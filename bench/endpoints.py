"""The endpoints `make bench` drives: one ``Endpoint`` entry each.

An entry names the path shown in the table, a path to check that the route exists (the API's
catch-all 404 view means "not built yet") and a *requests hook*: ``"module:function"`` taking a
``BenchContext`` and returning the ``BenchRequest`` list that wrk cycles through (each wrk thread
takes every n-th request, so threads never send the same one). A hook whose module is missing, or an
endpoint whose route does not exist yet, is skipped and the table says so.

A hook that needs its feature's data lives in the module its author owns (``bench/checkout.py``:
``checkout_requests``). A hook runs in the harness process with Django set up on the benchmark
database, before every load run, so it may prepare fresh data (carts, for instance) each time;
``context.run`` says which run. Endpoints with ``cached=False`` (writes) run once per round, on the
production-like server (Redis cache on); reads run with the catalogue cache off and on.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class BenchRequest:
    method: str
    path: str
    body: dict | list | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BenchContext:
    base_url: str
    slugs: list[str]
    skus: list[str]
    run: int = 0


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str
    probe: str  # a concrete path whose route must exist
    requests: str  # "module:function" -> list[BenchRequest]
    cached: bool  # whether the catalogue read cache applies (the table's "with cache" rows)


def product_list_requests(context: BenchContext) -> list[BenchRequest]:
    """Return the first page of the product list, the catalogue's hottest read."""
    return [BenchRequest("GET", "/api/v1/products/")]


def product_detail_requests(context: BenchContext) -> list[BenchRequest]:
    """Return the detail page of every product, so the cache must hold the whole catalogue."""
    return [BenchRequest("GET", f"/api/v1/products/{slug}/") for slug in context.slugs]


# The product reads customers make besides the first page: (name, query string). The scale run
# (``bench/scale.py``) times the same ones.
LIST_SHAPES = [
    ("list ?condition", "?condition=plantar-fasciitis"),
    ("list ?search", "?search=heel"),
    ("list ?size+stock", "?size_eu=42&in_stock=true"),
    ("list ?ordering", "?ordering=-price"),
    ("list ?page=7", "?page=7"),
    ("list ?category+kind+price", "?category=arch-support&kind=insole&price_min=40&ordering=price"),
]


def _shape_requests(query: str):
    def requests(context: BenchContext) -> list[BenchRequest]:
        return [BenchRequest("GET", f"/api/v1/products/{query}")]

    return requests


# One requests hook per shape, named for ``Endpoint.requests``.
shape_0, shape_1, shape_2, shape_3, shape_4, shape_5 = (
    _shape_requests(query) for _name, query in LIST_SHAPES
)


def signed_in_headers() -> dict[str, str]:
    """A customer's token (created once on the benchmark database): what a signed-in app sends."""
    from rest_framework.authtoken.models import Token

    from shop.models import User

    user, _ = User.objects.get_or_create(email="bench-customer@example.com")
    token, _ = Token.objects.get_or_create(user=user)
    return {"Authorization": f"Token {token.key}"}


def signed_in_list_requests(context: BenchContext) -> list[BenchRequest]:
    return [BenchRequest("GET", "/api/v1/products/", headers=signed_in_headers())]


def signed_in_detail_requests(context: BenchContext) -> list[BenchRequest]:
    headers = signed_in_headers()
    return [BenchRequest("GET", f"/api/v1/products/{slug}/", headers=headers) for slug in context.slugs]


def assessment_requests(context: BenchContext) -> list[BenchRequest]:
    """Return a few typical questionnaires (the answers of ``docs/matching.md``), no footprint image."""
    answers = [
        {"arch_type_self": "flat", "heel_pain_morning": True, "pain_areas": ["heel", "arch"],
         "activity": "walking", "shoe_type": "casual", "foot_length_mm": 262},
        {"arch_type_self": "high", "pain_areas": ["ball_of_foot"], "activity": "running",
         "shoe_type": "athletic", "shoe_size": 42, "size_system": "eu"},
        {"arch_type_self": "normal", "back_pain_worse_in_bad_shoes": True, "pain_areas": ["low_back"],
         "activity": "standing_work", "shoe_type": "work_boot", "one_leg_longer": True, "short_side": "left"},
    ]  # fmt: skip
    return [BenchRequest("POST", "/api/v1/fit/assessments/", body) for body in answers]


ENDPOINTS = [
    Endpoint(
        "product list",
        "GET",
        "/api/v1/products/",
        "/api/v1/products/",
        "bench.endpoints:product_list_requests",
        True,
    ),
    Endpoint(
        "product detail",
        "GET",
        "/api/v1/products/{slug}/",
        "/api/v1/products/{slug}/",
        "bench.endpoints:product_detail_requests",
        True,
    ),
    *(
        Endpoint(
            name, "GET", f"/api/v1/products/{query}", "/api/v1/products/", f"bench.endpoints:shape_{n}", True
        )
        for n, (name, query) in enumerate(LIST_SHAPES)
    ),
    Endpoint(
        "list signed-in",
        "GET",
        "/api/v1/products/ (token)",
        "/api/v1/products/",
        "bench.endpoints:signed_in_list_requests",
        True,
    ),
    Endpoint(
        "detail signed-in",
        "GET",
        "/api/v1/products/{slug}/ (token)",
        "/api/v1/products/{slug}/",
        "bench.endpoints:signed_in_detail_requests",
        True,
    ),
    Endpoint(
        "assessment",
        "POST",
        "/api/v1/fit/assessments/",
        "/api/v1/fit/assessments/",
        "bench.endpoints:assessment_requests",
        False,
    ),
    Endpoint(
        "checkout",
        "POST",
        "/api/v1/checkout/",
        "/api/v1/checkout/",
        "bench.checkout:checkout_requests",
        False,
    ),
]
