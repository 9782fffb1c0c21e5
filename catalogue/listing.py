"""The catalogue's read model: each active product's API output, stored so a list or detail is one query.

Why: an uncached product page read through the ORM and DRF costs several queries and ten times what
the bare framework does per request; answering from ``ProductListing`` rows, before sessions and
DRF (``CatalogueCacheMiddleware``), costs one query (``docs/performance.md``). It is not a cache:
rows are written in the transaction that changes the catalogue, never expire, and serve with the
cache off.

**What a row holds.** What the product serializers render (``catalogue.serializers``:
``ProductListOutput`` and ``ProductDetailOutput``, through DRF's ``JSONRenderer``) when the row is
written, so the API has one definition of a product. Two things are not the product's to know and
are placeholders (``%(name)s``, with every other ``%`` doubled) filled in when a request is answered:

- the request's scheme and host, which start every image URL that storage gives as a path;
- the stock flags (``in_stock`` of the product and of each size) and each size's stock hint: they
  are read live from the variants, so checkout, cancellations and expiry never write here.

**How stock is read.** The two queries that answer a request are compiled by Django from
``ProductListing`` querysets annotated with ``catalogue.stock``'s own expressions, not written by
hand: a list row's flag is ``product_in_stock``; a page's sizes (``selectors.listed_variants``)
come with ``variant_in_stock`` and ``stock_hint_expression``, and the product is in stock when one
of them is. They are compiled once per database vendor; only the page's ``LIMIT`` and ``OFFSET``
are added to the text.

**When rows are written** (``listings_refresh``): the signal handlers in ``catalogue.signals`` call
it whenever a product, variant, image, category or condition is saved or deleted, or a product's
conditions change. ``QuerySet.update()``, ``bulk_create()`` and raw SQL send no signals: code that
changes the catalogue that way calls ``listings_refresh`` itself (``bench/catalogue.py`` does).
A row also records its ``format``: a digest of this module's version, the serializers' fields and
the settings the output depends on (currency, return days, media URL). A row of another format is
never served; ``migrate`` (``post_migrate``) and ``manage.py catalogue_listings`` rebuild them.

**What is answered here** (``listing_answer``, which ``CatalogueConfig.ready()`` hands to the
middleware): anonymous JSON GETs of ``/api/v1/products/`` (with at most ``page`` and ``page_size``)
and ``/api/v1/products/{slug}/`` (no query string). Anything else, and anything this module is
unsure of (a page past the end, a row of another format, a size count that does not match), goes to
the view, which answers it the usual way.
"""

import functools
import hashlib
import json
import logging
import re
import secrets
from collections.abc import Iterable

from django.conf import settings
from django.core.signals import setting_changed
from django.db import connection, transaction
from django.db.models import Func, IntegerField, OuterRef, Subquery
from django.http import HttpRequest
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.urls import remove_query_param, replace_query_param

from catalogue import selectors
from catalogue.expressions import ListSubquery
from catalogue.models import Product, ProductListing
from catalogue.serializers import ProductDetailOutput, ProductListOutput
from catalogue.stock import product_in_stock, stock_hint_expression, variant_in_stock
from shop.api.pagination import PageNumberPagination

logger = logging.getLogger(__name__)

# Bump when the stored output changes in a way the serializers' field lists do not show.
LISTING_VERSION = 1
LIST_PATH = "/api/v1/products/"
LIST_PARAMS = frozenset({"page", "page_size"})
_ORIGIN = "o"  # placeholder names
_IN_STOCK = "s"
_FIELDS = ["slug", "name", "format", "list_json", "detail_json", "variant_count"]


@functools.cache
def listing_format() -> str:
    """Return the digest of everything a stored row's output depends on besides the catalogue rows.

    Every read asks for it, and it changes only with the code or the settings: it is kept until a
    setting changes (``setting_changed``: tests and ``override_settings``).
    """
    parts = [
        LISTING_VERSION,
        ProductListOutput.Meta.fields,
        ProductDetailOutput.Meta.fields,
        settings.SHOP_CURRENCY,
        settings.SHOP_RETURN_DAYS,
        settings.SHOP_REPLACEMENT_DAYS,
        settings.MEDIA_URL,
        settings.STORAGES.get("default"),
    ]
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()


def _format_forgotten(**kwargs) -> None:
    listing_format.cache_clear()


setting_changed.connect(_format_forgotten, dispatch_uid="catalogue-listing-format")


# --- writing ------------------------------------------------------------------------------------------


class _PlaceholderRequest(HttpRequest):
    """A request whose scheme and host are a marker, so absolute URLs come out with a slot for them."""

    def __init__(self, marker: str):
        super().__init__()
        # ``build_absolute_uri`` prefixes a path with this (a cached property on real requests).
        self._current_scheme_host = marker


def _template(data: dict, marker: str) -> str:
    """Render ``data`` as the API does, then turn each marked value and URL prefix into a slot.

    A value ``"<marker><name>"`` becomes ``%(name)s`` (a JSON literal filled in later); the origin,
    ``<marker>o``, starts URLs and becomes ``%(o)s`` inside them.
    """
    text = JSONRenderer().render(data).decode().replace("%", "%%")
    text = re.sub(f'"{marker}([a-z][0-9]*)"', r"%(\1)s", text)
    return text.replace(marker + _ORIGIN, f"%({_ORIGIN})s")


def _listing_row(product: Product, format_: str) -> ProductListing:
    marker = secrets.token_hex(12)  # cannot occur in the catalogue's own text
    context = {"request": _PlaceholderRequest(marker + _ORIGIN)}
    listed = ProductListOutput(product, context=context).data
    listed["in_stock"] = marker + _IN_STOCK
    detail = ProductDetailOutput(product, context=context).data
    detail["in_stock"] = marker + _IN_STOCK
    for number, variant in enumerate(detail["variants"]):
        variant["in_stock"] = f"{marker}v{number}"
        variant["stock"] = f"{marker}h{number}"
    return ProductListing(
        product=product,
        slug=product.slug,
        name=product.name,
        format=format_,
        list_json=_template(listed, marker),
        detail_json=_template(detail, marker),
        variant_count=len(detail["variants"]),
    )


def listings_refresh(product_ids: Iterable[int], *, create: bool = False) -> None:
    """Rewrite the rows of these products as they are now; with ``create``, also add and remove rows.

    ``create`` is for a product's own save (and rebuilds): a row is written for each active product
    and removed for the others. Without it only existing rows are rewritten, which is what a change
    to a variant, image, category or condition needs, and which cannot bring back the row of a
    product being deleted. Call inside the transaction that changed them (the signal handlers do),
    so readers never see the catalogue and its read model disagree; it locks the products' rows
    until that transaction ends.
    """
    ids = set(product_ids)
    if not ids:
        return
    with transaction.atomic():
        # Two transactions changing one product must not each write the row from what they alone
        # see: the second waits here until the first commits, then reads (and writes) both changes.
        # NO KEY: orders referring to the product (a key share lock) do not wait.
        list(
            Product.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk").values_list("pk")
        )
        format_ = listing_format()
        rows = [
            _listing_row(product, format_)
            for product in selectors.product_detail_queryset().filter(pk__in=ids)
        ]
        if not create:
            if rows:
                ProductListing.objects.bulk_update(rows, _FIELDS)
            return
        ProductListing.objects.filter(product_id__in=ids - {row.product_id for row in rows}).delete()
        # A slug that another product gave up in this transaction: its old row goes first.
        ProductListing.objects.filter(slug__in=[row.slug for row in rows]).exclude(
            product_id__in=[row.product_id for row in rows]
        ).delete()
        ProductListing.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["product"], update_fields=_FIELDS
        )


def listings_rebuild(*, stale_only: bool = True, batch: int = 200) -> int:
    """Rebuild rows: those missing, of another format, or of inactive products (``stale_only``), or all.

    Returns how many products were looked at. For deployments (``post_migrate``, ``manage.py
    catalogue_listings``) and bulk loads.
    """
    products = Product.objects.filter(is_active=True)
    if stale_only:
        products = products.exclude(listing__format=listing_format())
    ids = list(products.order_by("pk").values_list("pk", flat=True))
    ProductListing.objects.filter(product__is_active=False).delete()
    for start in range(0, len(ids), batch):
        listings_refresh(ids[start : start + batch], create=True)
    return len(ids)


# --- reading ------------------------------------------------------------------------------------------


_SLUG = "\x00slug"  # stands for the slug asked for while the detail query is compiled


def _page_query() -> tuple[str, list]:
    """The page read: the listed products' count, then each row's format, list JSON and stock flag."""
    count = (
        ProductListing.objects.order_by()
        .annotate(n=Func(template="COUNT(*)", output_field=IntegerField()))
        .values("n")
    )
    rows = (
        ProductListing.objects.annotate(total=Subquery(count), in_stock=product_in_stock("product_id"))
        .order_by("name", "product_id")
        .values_list("total", "format", "list_json", "in_stock")
    )
    sql, params = rows.query.sql_with_params()
    return f"{sql} LIMIT %s OFFSET %s", list(params)


def _detail_query() -> tuple[str, list]:
    """The detail read: one row's format, detail JSON and size count, and its sizes' stock flags and hints."""
    sizes = selectors.listed_variants().filter(product=OuterRef("product_id"))
    row = (
        ProductListing.objects.filter(slug=_SLUG)
        .annotate(
            flags=ListSubquery(sizes.values(flag=variant_in_stock(product_active=True)), column="flag"),
            hints=ListSubquery(sizes.values(hint=stock_hint_expression()), column="hint"),
        )
        .values_list("format", "detail_json", "variant_count", "flags", "hints")
    )
    sql, params = row.query.sql_with_params()
    return sql, list(params)


# vendor -> read name -> (SQL, parameters): compiled on first use.
_COMPILED: dict[str, dict[str, tuple[str, list]]] = {}


def _compiled(name: str) -> tuple[str, list]:
    vendor = connection.vendor
    if vendor not in _COMPILED:
        _COMPILED[vendor] = {"page": _page_query(), "detail": _detail_query()}
    return _COMPILED[vendor][name]


def _fetch(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _list(value) -> list:
    """A list-valued column as it comes from the cursor: an array (PostgreSQL) or JSON text (SQLite)."""
    return json.loads(value) if isinstance(value, str) else list(value)


def _origin(request) -> str:
    """What ``request.build_absolute_uri`` puts before a path."""
    return f"{request.scheme}://{request.get_host()}"


def _flag(value) -> str:
    return "true" if value else "false"


class _Query:
    """What the paginator reads of a DRF request."""

    def __init__(self, request):
        self.query_params = request.GET


def _page_body(request) -> bytes | None:
    params = request.GET
    page_text = params.get("page", "1")
    if (
        not (page_text.isascii() and page_text.isdigit())
        or int(page_text) < 1
        or len(params.getlist("page")) > 1
    ):
        return None  # "last", 0, junk: the view's paginator answers (or refuses) it
    page = int(page_text)
    size = PageNumberPagination().get_page_size(_Query(request))
    sql, params = _compiled("page")
    rows = _fetch(sql, [*params, size, (page - 1) * size])
    if not rows:  # past the end (a 404), or an empty shop: the view says which
        return None
    format_ = listing_format()
    if any(row[1] != format_ for row in rows):
        return None
    origin = _origin(request)
    items = [row[2] % {_ORIGIN: origin, _IN_STOCK: _flag(row[3])} for row in rows]
    return _envelope(request, rows[0][0], page, size, items)


def _envelope(request, count: int, page: int, size: int, items: list[str]) -> bytes:
    """The page as DRF's ``PageNumberPagination`` writes it, with the stored products as its results."""
    url = request.build_absolute_uri()
    last = max(1, -(-count // size))
    links = {
        "next": replace_query_param(url, "page", page + 1) if page < last else None,
        "previous": None if page == 1 else (
            remove_query_param(url, "page") if page == 2 else replace_query_param(url, "page", page - 1)
        ),
    }  # fmt: skip
    head = JSONRenderer().render({"count": count, **links, "results": []})
    assert head.endswith(b"[]}")
    return head[:-2] + ",".join(items).encode() + b"]}"


def _detail_body(request, slug: str) -> bytes | None:
    if request.GET:
        return None
    sql, params = _compiled("detail")
    rows = _fetch(sql, [slug if value == _SLUG else value for value in params])
    if not rows:
        return None  # not an active product (404), or a row not written yet: the view decides
    format_, template, variant_count, flags, hints = rows[0]
    flags, hints = _list(flags), _list(hints)
    if format_ != listing_format():
        return None  # built by an older release or under other settings: migrate rebuilds it
    if len(hints) != variant_count:
        logger.warning(
            "Read model of %s lists %d sizes, the catalogue %d: a change skipped listings_refresh()",
            slug,
            variant_count,
            len(hints),
        )
        return None
    # The product is in stock when one of its sizes is: the rule ``product_in_stock`` puts in SQL.
    slots = {_ORIGIN: _origin(request), _IN_STOCK: _flag(any(flags))}
    for number, (flag, hint) in enumerate(zip(flags, hints, strict=True)):
        slots[f"v{number}"] = _flag(flag)
        slots[f"h{number}"] = str(hint)
    return (template % slots).encode()


def listing_answer(request) -> bytes | None:
    """Return the JSON body of an anonymous product list or detail GET from the read model, or None.

    None means "let the view answer": another path or query string, a page past the end, an
    inactive or unknown product, or a row of another format.
    """
    path = request.path
    if not path.startswith(LIST_PATH):
        return None
    slug = path[len(LIST_PATH) :]
    if not slug:
        if not LIST_PARAMS.issuperset(request.GET.keys()):
            return None
        return _page_body(request)
    if slug.count("/") != 1 or not slug.endswith("/"):
        return None
    return _detail_body(request, slug[:-1])
