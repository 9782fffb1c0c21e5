"""The catalogue's read model: each active product's API output, and what lists filter on, stored so any read is one query.

Why: a product read through the ORM and DRF costs several queries and ten times what the bare
framework does per request; answering from ``ProductListing`` rows costs one query
(``docs/performance.md``). It is not a cache: rows are written when the catalogue changes, never
expire, and serve with the cache off.

**What a row holds.** What the product serializers render (``catalogue.serializers``:
``ProductListOutput`` and ``ProductDetailOutput``, through DRF's ``JSONRenderer``) when the row is
written, so the API has one definition of a product. Two things are not the product's to know and
are placeholders (``%(name)s``, with every other ``%`` doubled) filled in when a request is answered:

- the request's scheme and host, which start every image URL that storage gives as a path;
- the stock flags (``in_stock`` of the product and of each size) and each size's stock hint: a
  size's flag and hint are read live from the variants; the product's flag is the row's ``in_stock``
  column (below), on the list and on the product page alike.

Beside the JSON, what the list filters, searches and sorts on, as indexed columns: ``tags`` (one
array: ``g:`` category, ``k:`` kind, ``r:`` arch support, ``c:`` conditions, ``a:`` activities,
``s:`` shoe types; GIN-indexed on PostgreSQL, so any set of them is one index lookup), ``sizes``
(every EU size, in tenths, a sellable variant's band covers; GIN too), ``price`` (``listing_price``),
``created_at``, and the search text: ``search_vector`` (PostgreSQL: the name weighted A, the short
description and condition names B, the description and SKUs C) and ``search_words`` (the name and
condition names, for typos through trigrams), and stock: ``in_stock`` (the product has an
in-stock variant) and ``stock_sizes`` (the EU sizes, in tenths, that in-stock variants cover; GIN),
which ``?in_stock=`` and, with ``in_stock=true``, ``?size_eu=`` filter on.

**Postings (PostgreSQL).** What a walk in the page's order would otherwise test row by row is kept
in the order itself: ``ProductListingWord`` (each lexeme of the search vector with the best tier it
holds and the row's name) answers a one-word search, ``ProductListingTag`` (each tag with the name,
price and all the row's tags) a list of tags and a price range in name or price order
(``_tag_walk``), each page and count from one index range, however large the catalogue.
They are written with the row's search vector (``_postings_write``) and cascade from the row. The
size arrays also exist as multiranges the database computes (``size_ranges``, ``stock_ranges``),
held by the name order's covering index, so the size filter is one range test per index entry
(``_SizesHeld``).

**How stock is kept and read.** ``catalogue.stock`` holds the rule; nothing here restates it.
``listings_refresh`` writes the stock columns with the rest of the row (``in_stock`` from the
selector's ``product_in_stock``, ``stock_sizes`` from ``is_in_stock``). Checkout, cancellations and
expiry change stock with ``QuerySet.update()`` and do not rewrite rows: when a move takes a variant
to or from zero units, ``listings_stock_moved`` rewrites the two columns of its products in the same
transaction (``listings_stock_write``: the rows locked in product order, then one ``UPDATE``
computed by the database from ``product_in_stock`` and ``in_stock_variants``); a move that leaves
units on both sides writes nothing. A page's sizes (``selectors.listed_variants``) come with the
live ``variant_in_stock`` and ``stock_hint_expression``, compiled by Django into the detail query.

**When rows are written** (``listings_refresh``): the signal handlers in ``catalogue.signals`` call
it in the transaction that saves or deletes a product, variant or image, or changes a product's
conditions; a category or condition saved (which may concern thousands of products) is followed by
a background task after the commit (``catalogue.tasks``), which rewrites the rows in batches, each
row whole. ``QuerySet.update()``, ``bulk_create()`` and raw SQL send no signals: code that changes
the catalogue that way calls ``listings_refresh`` itself (``bench/catalogue.py`` does), and code
that changes only stock that way ``listings_stock_write`` (``orders.services.stock`` does, through
``listings_stock_moved``). A row also
records its ``format``: a digest of this module's version, the serializers' fields and the settings
the output depends on (currency, return days, media URL). A row of another format is rendered by
the serializers instead of being served as it is; ``migrate`` (``post_migrate``) and ``manage.py
catalogue_listings`` rebuild them.

**What is answered here**: every product list (any filter, search, ordering and page) and every
product page, for every caller (``product_page_body``, ``product_detail_body``). The views call
them; ``CatalogueCacheMiddleware`` calls the same ones, through the view the URL resolver names,
for anonymous callers before the middleware stack. Refusals are DRF's exceptions (a 400 naming the
parameter, a 404), worded by the API's exception handler.
"""

import copy
import functools
import hashlib
import json
import logging
import math
import operator
import re
import secrets
from collections.abc import Iterable

import psycopg
from django.conf import settings
from django.contrib.postgres.lookups import TrigramWordSimilar
from django.contrib.postgres.search import SearchQuery, SearchVector, SearchVectorField
from django.core.signals import setting_changed
from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Exists,
    Expression,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    TextField,
)
from django.db.models.expressions import RawSQL
from django.http import HttpRequest, QueryDict
from django_filters import utils as django_filters_utils
from rest_framework.exceptions import ErrorDetail, NotFound, ValidationError
from rest_framework.renderers import JSONRenderer

from catalogue import selectors
from catalogue.expressions import ListSubquery
from catalogue.filters import ProductFilter
from catalogue.models import (
    Category,
    Condition,
    Product,
    ProductListing,
    ProductListingTag,
    ProductListingWord,
)
from catalogue.serializers import ProductDetailOutput, ProductListOutput
from catalogue.stock import (
    in_stock_variants,
    is_in_stock,
    product_in_stock,
    stock_hint_expression,
    variant_in_stock,
)
from shop.api.pagination import CountedPageNumberPagination, PageNumberPagination

logger = logging.getLogger(__name__)

# ``search_words %> 'text'``: a word of the row's name or conditions is like the text (pg_trgm).
ProductListing._meta.get_field("search_words").register_lookup(TrigramWordSimilar)

# Bump when the stored output changes in a way the serializers' field lists do not show.
LISTING_VERSION = 2
_ORIGIN = "o"  # placeholder names
_IN_STOCK = "s"
_FIELDS = [
    "slug", "name", "format", "list_json", "detail_json", "variant_count", "tags", "sizes", "price", "created_at",
    "search_b", "search_c", "search_words", "in_stock", "stock_sizes",
]  # fmt: skip
# The text search configuration of the search vector and of the customer's query.
SEARCH_CONFIG = "english"


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


def listing_price(product: Product):
    """The price the list filters and sorts on: the from-price the list shows (``selectors.product_list``).

    The one place the read model's ``price`` column is derived; change it here if the shown price
    comes to be computed another way.
    """
    return product.from_price


def _sizes(variants) -> list[int]:
    """Every EU size, in tenths, that a sellable variant's band covers, ends included."""
    sizes = set()
    for variant in variants:
        if variant.eu_min is None or variant.eu_max is None:
            continue
        sizes.update(range(int(variant.eu_min * 10), int(variant.eu_max * 10) + 1))
    return sorted(sizes)


def size_tenths(size) -> list[int]:
    """The sizes (in tenths) a product must cover to fit EU size ``size`` (a band's ends are in tenths).

    A size between two tenths (42.35) fits a band covering both neighbours (42.3 and 42.4).
    """
    tenths = size * 10
    return sorted({math.floor(tenths), math.ceil(tenths)})


def _tags(product: Product, conditions) -> list[str]:
    tags = {
        f"g:{product.category.slug}",
        f"k:{product.kind}",
        f"r:{product.arch_support}",
        *(f"c:{condition.slug}" for condition in conditions),
        *(f"a:{activity}" for activity in product.activities or ()),
        *(f"s:{shoe_type}" for shoe_type in product.shoe_types or ()),
    }
    return sorted(tags)


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
    variants = list(product.variants.all())  # the listed (sellable) ones: prefetched
    conditions = list(product.conditions.all())  # prefetched
    condition_names = " ".join(condition.name for condition in conditions)
    return ProductListing(
        product=product,
        slug=product.slug,
        name=product.name,
        format=format_,
        list_json=_template(listed, marker),
        detail_json=_template(detail, marker),
        variant_count=len(detail["variants"]),
        tags=_tags(product, conditions),
        sizes=_sizes(variants),
        in_stock=product.in_stock,  # ``product_in_stock``, annotated by the selector
        stock_sizes=_sizes(variant for variant in variants if is_in_stock(variant)),
        price=listing_price(product),
        created_at=product.created_at,
        search_b=f"{product.short_description} {condition_names}".strip(),
        search_c=" ".join([product.description, *(variant.sku for variant in variants)]).strip(),
        search_words=f"{product.name} {condition_names}".strip().lower(),
    )


def _postings_write(ids) -> None:
    """Write these rows' weighted search vector from their text columns, and their postings (PostgreSQL only).

    The search's postings (``ProductListingWord``) are the vector's lexemes, each with the best
    tier it holds (weight A the name, B the short description and conditions, C the rest) and the
    row's name: what a one-word search reads in order (``_search_parts``). The filters' postings
    (``ProductListingTag``) are the row's tags, each with its name, price and all its tags: what a
    list of tags and a price range reads in order (``_tag_walk``).
    """
    if connection.vendor != "postgresql":
        return
    ids = list(ids)
    ProductListing.objects.filter(pk__in=ids).update(
        search_vector=SearchVector("name", weight="A", config=SEARCH_CONFIG)
        + SearchVector("search_b", weight="B", config=SEARCH_CONFIG)
        + SearchVector("search_c", weight="C", config=SEARCH_CONFIG)
    )
    ProductListingWord.objects.filter(product_id__in=ids).delete()
    ProductListingTag.objects.filter(product_id__in=ids).delete()
    words, tags = ProductListingWord._meta.db_table, ProductListingTag._meta.db_table
    listings = ProductListing._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {words} (word, product_id, tier, name)"
            " SELECT entry.lexeme, listing.product_id, CASE WHEN 'A' = ANY(entry.weights) THEN 1"
            " WHEN 'B' = ANY(entry.weights) THEN 2 ELSE 3 END, listing.name"
            f" FROM {listings} AS listing, unnest(listing.search_vector) AS entry"
            " WHERE listing.product_id = ANY(%s)",
            [ids],
        )
        cursor.execute(
            f"INSERT INTO {tags} (tag, product_id, name, price, tags)"
            f" SELECT DISTINCT unnest(tags), product_id, name, price, tags FROM {listings} WHERE product_id = ANY(%s)",
            [ids],
        )


def _rows_lock(product_ids) -> None:
    """Lock these products' rows of the read model, in product order, until the transaction ends."""
    list(
        ProductListing.objects.select_for_update()
        .filter(product_id__in=product_ids)
        .order_by("pk")
        .values_list("pk")
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
        # And a stock move writing a row's stock columns (``listings_stock_write``) finishes first:
        # what is read below then holds its stock, and cannot be written back over it.
        _rows_lock(ids)
        format_ = listing_format()
        rows = [
            _listing_row(product, format_)
            for product in selectors.product_detail_queryset()
            .prefetch_related("conditions")
            .filter(pk__in=ids)
        ]
        if not create:
            if rows:
                ProductListing.objects.bulk_update(rows, _FIELDS)
                _postings_write([row.product_id for row in rows])
            return
        ProductListing.objects.filter(product_id__in=ids - {row.product_id for row in rows}).delete()
        # A slug that another product gave up in this transaction: its old row goes first.
        ProductListing.objects.filter(slug__in=[row.slug for row in rows]).exclude(
            product_id__in=[row.product_id for row in rows]
        ).delete()
        ProductListing.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["product"], update_fields=_FIELDS
        )
        _postings_write([row.product_id for row in rows])


class _CoveredSizes(Expression):
    """The sizes of a row's ``sizes`` array that a band of ``variants`` covers, in order, as an array of its own.

    ``variants`` is a variant queryset reaching the row with ``OuterRef``; each size is ``_SIZE``
    (in tenths) in it. A product's sizes are what its sellable bands cover, so of those, the ones an
    in-stock band covers are exactly what ``_sizes`` gives for its in-stock variants.
    """

    output_field = ProductListing._meta.get_field("stock_sizes")

    def __init__(self, variants):
        super().__init__()
        self.sizes = F("sizes")
        self.covered = Exists(
            variants.annotate(lowest=F("eu_min") * 10, highest=F("eu_max") * 10).filter(
                lowest__lte=_SIZE, highest__gte=_SIZE
            )
        )

    def get_source_expressions(self):
        return [self.sizes, self.covered]

    def set_source_expressions(self, exprs):
        self.sizes, self.covered = exprs

    def as_sql(self, compiler, connection):
        sizes, sizes_params = compiler.compile(self.sizes)
        covered, covered_params = compiler.compile(self.covered)
        if connection.vendor == "postgresql":
            sql = (
                f"ARRAY(SELECT {_SIZE_NAME} FROM unnest({sizes}) AS {_SIZE_NAME}"
                f" WHERE {covered} ORDER BY {_SIZE_NAME})"
            )
        else:
            sql = (
                f"(SELECT json_group_array({_SIZE_NAME}) FROM (SELECT value AS {_SIZE_NAME}"
                f" FROM json_each({sizes}) ORDER BY value) WHERE {covered})"
            )
        return sql, (*sizes_params, *covered_params)


_SIZE_NAME = "listed_size"
_SIZE = RawSQL(_SIZE_NAME, (), output_field=IntegerField())


def listings_stock_write(product_ids: Iterable[int]) -> None:
    """Rewrite these products' ``in_stock`` and ``stock_sizes`` from their variants as they are now.

    For stock changed with ``QuerySet.update()``, which sends no signal (``listings_stock_moved``
    calls it for checkout, cancellations and expiry). Call inside that transaction, after the
    variants' rows are locked and changed. The rows are locked first, in product order, and then
    written by a statement of their own: under READ COMMITTED that statement sees what another
    transaction changing the same product committed while this one waited for the lock, so two
    orders taking the last unit of two sizes of one product leave it out of stock. One ``UPDATE``
    computed by the database (``catalogue.stock``'s rule), not a re-render of the row.
    """
    ids = sorted(set(product_ids))
    if not ids:
        return
    with transaction.atomic(savepoint=False):  # the caller's transaction: no savepoint of its own
        _rows_lock(ids)
        variants = in_stock_variants(product_active=True).filter(product=OuterRef("product_id"))
        ProductListing.objects.filter(product_id__in=ids).update(
            in_stock=product_in_stock("product_id"), stock_sizes=_CoveredSizes(variants)
        )


def listings_stock_moved(*, moves: Iterable[tuple[int, int, int]]) -> None:
    """Keep the read model's stock columns right after stock moves: ``(product id, stock before, after)`` each.

    Only a move that takes a variant to or from zero units changes whether it is in stock: the
    others (most sales) cost nothing here.
    """
    listings_stock_write(product for product, before, after in moves if (before > 0) != (after > 0))


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
#
# Every product list and detail, for every caller, is answered here: by ``CatalogueCacheMiddleware``
# before the middleware stack for anonymous callers, and by the views (``catalogue.apis``) for the
# others, through the same two functions (``product_page_body``, ``product_detail_body``). They raise
# DRF's exceptions for what the API refuses (400 for a bad filter, 404 for a page or product that is
# not there), which the middleware turns into "let the view answer" and the view into its error.


_SLUG = "\x00slug"  # stands for the slug asked for while the detail query is compiled
ORDERINGS = {"price": "price", "name": "name", "created": "created_at"}


def _detail_query() -> tuple[str, list]:
    """The detail read: one row's format, detail JSON, size count and stock flag, and its sizes' live flags and hints."""
    sizes = selectors.listed_variants().filter(product=OuterRef("product_id"))
    row = (
        ProductListing.objects.filter(slug=_SLUG)
        .annotate(
            flags=ListSubquery(sizes.values(flag=variant_in_stock(product_active=True)), column="flag"),
            hints=ListSubquery(sizes.values(hint=stock_hint_expression()), column="hint"),
        )
        .values_list("product_id", "format", "detail_json", "variant_count", "in_stock", "flags", "hints")
    )
    sql, params = row.query.sql_with_params()
    return sql, list(params)


# vendor -> (SQL, parameters) of the detail read: compiled on first use.
_COMPILED: dict[str, tuple[str, list]] = {}


def _fetch(sql: str, params: list) -> list[tuple]:
    """The rows of one catalogue read (a page, its misspelt matches, a detail).

    On PostgreSQL the statement is sent with its values written in, as Django sends every query,
    but by a cursor that prepares it on the connection once it has run ``prepare_threshold`` times
    (``DB_PREPARED_STATEMENTS``): a page many customers ask for is then planned once per
    connection instead of on every read, with the plan its own values call for. A read asked once
    (a rare search) is planned as before. See docs/performance.md.
    """
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    with connection.cursor() as quoting:  # connected and checked as for any query; psycopg's ClientCursor
        statement = quoting.cursor.mogrify(sql, params)
    preparing = psycopg.Cursor(connection.connection)
    wrapped = (
        connection.make_debug_cursor(preparing)
        if connection.queries_logged
        else connection.make_cursor(preparing)
    )
    with wrapped as cursor:
        cursor.execute(statement)
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
    """What the paginator and the filter set read of a request: its query string (Django's or DRF's request)."""

    def __init__(self, request):
        self.query_params = request.GET


@functools.cache
def _filter_form_class():
    """The filter set's form class, built once (a ``FilterSet`` copies every filter when it is made)."""
    return type(ProductFilter(queryset=ProductListing.objects.none()).form)


def product_filters(request) -> dict:
    """Return the product list's filters from the query string, validated, or raise a 400.

    The parameters and their validation are ``catalogue.filters.ProductFilter``'s; a category or
    condition slug is checked against the catalogue by the read itself (``_slugs_check``). What a
    query string gives depends on nothing else, so the filters of the ones read most are kept
    (a form is a copy of every field: as costly as the page's query).
    """
    if request.GET.keys().isdisjoint(ProductFilter.base_filters):
        return {}
    filters = _filters_parsed(request.META.get("QUERY_STRING", ""))
    return {name: list(value) if isinstance(value, list) else value for name, value in filters.items()}


@functools.lru_cache(maxsize=1024)
def _filters_parsed(query_string: str) -> dict:
    """The validated filters of a query string (kept: the caller copies the lists it hands on)."""
    form = _filter_form_class()(data=QueryDict(query_string))
    if not form.is_valid():
        raise ValidationError(django_filters_utils.translate_validation(form.errors).detail)
    return {name: value for name, value in form.cleaned_data.items() if value not in (None, "", [])}


def _search_query(text: str) -> SearchQuery:
    return SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)


def _weighted(weights: str) -> Func:
    """The part of ``search_vector`` of these weights (``"a"``, ``"a,b"``): what a search tier matches.

    Written as the indexes of the tiers are (migration ``listing_search_tier_indexes``), so the
    planner can use them and their statistics.
    """
    return Func(
        F("search_vector"),
        RawSQL(f"'{{{weights}}}'::\"char\"[]", (), output_field=TextField()),
        function="ts_filter",
        output_field=SearchVectorField(),
    )


# A search text the postings answer: one word, which the parser turns into one lexeme (or none).
_ONE_WORD = re.compile(r"[^\W_]+")
# A few words of letters and digits (``_plain_words``).
_PLAIN_WORDS = re.compile(r"[^\W_]+(?:\s+[^\W_]+){1,4}")


def _lexeme(text: str) -> RawSQL:
    """The lexeme of a one-word search, as the search vector holds it (NULL for a stop word)."""
    return RawSQL(
        "(tsvector_to_array(to_tsvector(%s::regconfig, %s)))[1]",
        (SEARCH_CONFIG, text),
        output_field=TextField(),
    )


def _plain_words(text: str) -> list[str] | None:
    """The words of a search of a few plain words (each must match), or None for any other text.

    Plain: letters and digits separated by spaces, no quotes or ``-``, and no ``or``, which the
    websearch syntax reads as "either".
    """
    if not _PLAIN_WORDS.fullmatch(text):
        return None
    words = text.split()
    return None if any(word.lower() == "or" for word in words) else words


# The filters a search of plain words may come with and still read the words' postings.
_WORDS_ALONE = {"search", "ordering"}


def _words_searched(filters: dict) -> list[str] | None:
    """The words of a search of a few plain words with no filter but an ordering (PostgreSQL), else None."""
    if connection.vendor != "postgresql" or not filters.keys() <= _WORDS_ALONE:
        return None
    return _plain_words((filters.get("search") or "").strip())


class _CatalogueSize:
    """How many rows the read model holds, as PostgreSQL last estimated them (``pg_class.reltuples``).

    Read with every search of plain words (a column of its head) and kept for the next one, which
    it tells whether to read the words' postings (``CATALOGUE_WORD_POSTINGS_FROM``). A process's
    first such search reads the full text.
    """

    rows = 0

    @classmethod
    def sql(cls) -> str:
        return f"(SELECT reltuples::bigint FROM pg_class WHERE oid = '{ProductListing._meta.db_table}'::regclass)"

    @classmethod
    def large(cls) -> bool:
        return cls.rows >= settings.CATALOGUE_WORD_POSTINGS_FROM


class _AllWords:
    """The products holding every one of a few words, from their postings (PostgreSQL): a search of plain words.

    A tier holds the products where the worst place of a word is the tier's (1 the name, 2 the
    short description or condition names, 3 the description or SKUs). A word's entries a tier
    joins are one range in name order (``listing_word_tier_idx`` those in the name,
    ``listing_word_early_idx`` those of the first two tiers, ``listing_word_name_idx`` all, each
    with its place), so a tier is a merge join of one range per word that stops at the page; the
    count a merge join of each word's entries in product order (the primary key) that stops at
    the count limit. None reads a listing row it does not return. A page costs what the walk to
    its rows costs: the same however many products hold the words, more when the words meet only
    far along their ranges (``docs/performance.md``).

    Used from ``CATALOGUE_WORD_POSTINGS_FROM`` products (``_CatalogueSize``): below, the weighted
    full text costs less, as planning these joins costs more than reading a small catalogue.

    A stop word ("the") has no lexeme, and ``websearch_to_tsquery`` leaves it out: its place in
    the join is taken by another word's lexeme (a word joined to itself changes nothing); only
    stop words, as there, match nothing.
    """

    def __init__(self, words: list[str]):
        lexemes = [_lexeme(word) for word in words]
        # Each word's lexeme, or the first other word's that has one.
        self.lexemes = [
            (
                f"coalesce({', '.join(other.sql for other in [lexeme, *lexemes])})",
                [param for other in [lexeme, *lexemes] for param in other.params],
            )
            for lexeme in lexemes
        ]
        self.tier = None  # all the products holding the words, in product order (the count)

    def of_tier(self, tier: int) -> "_AllWords":
        chosen = copy.copy(self)
        chosen.tier = tier
        return chosen

    def _joined(self) -> tuple[str, list]:
        """``FROM`` and ``WHERE`` of the words' postings joined: of the tier, in name order, or all, in product order."""
        table = connection.ops.quote_name(ProductListingWord._meta.db_table)
        (first, first_params), *others = self.lexemes
        place = {None: "", 1: " AND {alias}.tier = 1", 2: " AND {alias}.tier <= 2", 3: ""}[self.tier]
        sql, params = f" FROM {table} AS w0", []
        for number, (lexeme, lexeme_params) in enumerate(others, start=1):
            alias = f"w{number}"
            if self.tier:
                # Merged on the name, the product a test on each pair: the planner would take the
                # two equalities for independent and expect almost no pair, so sort every one.
                same = f"{alias}.name = w0.name AND {alias}.product_id + 0 = w0.product_id + 0"
            else:
                same = f"{alias}.product_id = w0.product_id"
            sql += (
                f" JOIN {table} AS {alias} ON {alias}.word = {lexeme}{place.format(alias=alias)} AND {same}"
            )
            params += lexeme_params
        sql += f" WHERE w0.word = {first}{place.format(alias='w0')}"
        if self.tier in (2, 3):
            # Not every word in a better place. Written so (not as ``GREATEST(...) = tier``) the
            # planner estimates from the places' statistics that most joined entries pass, and
            # stops the join at the page instead of sorting all of them.
            better = " AND ".join(f"w{number}.tier < {self.tier}" for number in range(len(self.lexemes)))
            sql += f" AND NOT ({better})"
        return sql, [*params, *first_params]

    def page_sql(self) -> tuple[str, list]:
        """The tier's rows (``_COLUMNS``), in name order, up to ``_TIER_ROWS`` of them."""
        joined, params = self._joined()
        table = connection.ops.quote_name(ProductListing._meta.db_table)
        columns = ", ".join(f"row.{connection.ops.quote_name(column)}" for column in _COLUMNS)
        return (
            # Nothing to look for when the count found nothing.
            f"SELECT {columns} FROM (SELECT w0.product_id, w0.name{joined} AND {_HEAD}.total > 0"
            " ORDER BY w0.name, w0.product_id LIMIT %s) AS matched"
            f" JOIN {table} AS row ON row.product_id = matched.product_id"
            " ORDER BY matched.name, matched.product_id",
            [*params, _TIER_ROWS],
        )

    def ids_sql(self, limit: int) -> tuple[str, list]:
        """The products holding every word, up to ``limit`` of them, in product order."""
        joined, params = self._joined()
        return f"SELECT w0.product_id{joined} LIMIT %s", [*params, limit]


def _search_parts(rows, text: str, *, typos: bool = False, postings: bool = False) -> tuple[list, list, list]:
    """The matches of a search as (tiers, parts, counted): the page reads the tiers in turn, the count the parts.

    ``counted`` are the parts as the capped count reads them: the same rows, from the postings
    alone where no filter needs the read model's columns.

    PostgreSQL: the words in the name, else in the short description or condition names, else only
    in the description or SKUs (weighted full text, websearch syntax), each tier in name order. A
    one-word search reads the three tiers from the postings (``ProductListingWord``) in one walk
    of their index, which is in that order, so a page costs the same however many products hold
    the word; with ``postings`` (a large catalogue, no filter), a few plain words (``_AllWords``)
    read each tier and the count from the postings too; other texts match the vector's weights.
    With ``typos``, instead, the rows whose name or condition names hold a word like the text
    (trigrams), in row order, and only if the full text finds nothing: the page asks for them
    when the words gave it no row, so a misspelling still finds its product. Elsewhere: the text
    in any of the three (one tier), and no typos.
    """
    if connection.vendor != "postgresql":
        matches = (
            rows.none()
            if typos
            else rows.filter(
                Q(name__icontains=text) | Q(search_b__icontains=text) | Q(search_c__icontains=text)
            )
        )
        return [matches], [matches], [matches]
    if _ONE_WORD.fullmatch(text):
        lexeme = _lexeme(text)
        entries = ProductListingWord.objects.filter(word=lexeme)
        # A semi-join for the count (a product once, whatever else it is combined with).
        full = rows.filter(product_id__in=entries.values("product_id"))
        filtered = bool(rows.query.where)
        # Every listed product has its postings: without a filter on the read model's columns,
        # the page's products and the count come from them alone.
        counted = full if filtered else entries
        tiers = [
            rows.filter(words__word=lexeme).order_by("words__tier", "words__name", "product_id")
            if filtered
            else entries.order_by("tier", "name", "product_id")
        ]
    else:
        query = _search_query(text)
        full = counted = rows.filter(search_vector=query)
        tiered = rows.alias(in_name=_weighted("a"), in_short=_weighted("a,b"))
        tiers = [
            tiered.filter(in_name=query),
            tiered.filter(in_short=query).filter(~Q(in_name=query)),
            tiered.filter(search_vector=query).filter(~Q(in_short=query)),
        ]
    counts = [counted]
    words = _plain_words(text) if postings else None
    if words:  # the tiers and the count from the words' postings
        matched = _AllWords(words)
        tiers, counts = [matched.of_tier(1), matched.of_tier(2), matched.of_tier(3)], [matched]
    if not typos:
        return tiers, [full], counts
    # Uncorrelated: PostgreSQL asks it once per read. In the order of the rows, not of their
    # names: a name index walk would test every name before the first like the text (a trigram
    # comparison each).
    near = (
        rows.filter(search_words__trigram_word_similar=text).filter(~Exists(counted)).order_by("product_id")
    )
    return [near], [near], [near]


# The filters that are one tag each (``_tags``: the prefix of each), besides ``condition`` (``c:``, any of).
_TAG_FILTERS = {"category": "g", "kind": "k", "arch_support": "r", "activity": "a", "shoe_type": "s"}


# The filters the tag postings answer, and the order in which one of their tags is chosen to drive
# the walk: the likeliest to be held by fewest products first.
_TAG_WALK_FILTERS = {*_TAG_FILTERS, "condition", "price_min", "price_max", "ordering"}
_DRIVING = ("condition", "category", "arch_support", "activity", "shoe_type", "kind")


def _tag_walk(filters: dict):
    """The tag postings of a filter set of tags (one condition at most), a price range, and the name or price order.

    None for any other filter set. The postings of one of its tags (``_DRIVING``), with the other
    tags and the price tested in the index, in the list's order.
    """
    if not filters.keys() <= _TAG_WALK_FILTERS or len(filters.get("condition", ())) > 1:
        return None
    if (filters.get("ordering") or []) not in ([], ["name"], ["price"]):
        return None
    tags = [
        f"c:{filters['condition'][0]}" if name == "condition" else f"{_TAG_FILTERS[name]}:{filters[name]}"
        for name in _DRIVING
        if name in filters
    ]
    if not tags:
        return None
    postings = ProductListingTag.objects.filter(tag=tags[0])
    if tags[1:]:
        postings = postings.filter(tags__has_all=tags[1:])
    if "price_min" in filters:
        postings = postings.filter(price__gte=filters["price_min"])
    if "price_max" in filters:
        postings = postings.filter(price__lte=filters["price_max"])
    return postings.order_by("name", "product_id")


class _SizesHeld(Expression):
    """Whether a row's size ranges hold each of these EU sizes (in tenths): ``ranges @> size`` each (PostgreSQL).

    ``size_ranges`` and ``stock_ranges`` are ``sizes`` and ``stock_sizes`` as multiranges, written
    by the database (migration ``listing_size_ranges``) and held by the name order's covering
    index; not model fields, so this names the column of the query's own table. A multirange
    holding an integer is a cheaper test than one holding a range (no range to build and compare
    for each row), and the capped count makes it on every match it visits.
    """

    conditional = True
    output_field = BooleanField()

    def __init__(self, column: str, tenths: list[int]):
        super().__init__()
        self.column, self.tenths = column, tenths
        self.alias = None  # the query's own table, set when the filter is resolved

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False):
        clone = self.copy()
        clone.alias = query.get_initial_alias()
        return clone

    def relabeled_clone(self, change_map):
        clone = self.copy()
        clone.alias = change_map.get(self.alias, self.alias)
        return clone

    def as_sql(self, compiler, connection):
        column = f"{compiler.quote_name_unless_alias(self.alias)}.{connection.ops.quote_name(self.column)}"
        held = " AND ".join(f"{column} @> %s::integer" for _ in self.tenths)
        return f"({held})", tuple(self.tenths)


def _filtered(filters: dict):
    """The read model's rows a filter set selects, before a search (``_search_parts``); and the search text."""
    rows = ProductListing.objects.all()
    tags = [f"{prefix}:{filters[name]}" for name, prefix in _TAG_FILTERS.items() if name in filters]
    if tags:
        rows = rows.filter(tags__has_all=tags)
    if "size_eu" in filters:  # with ``in_stock=true``, a size counts only while a band covering it has a unit
        stock = filters.get("in_stock")
        if connection.vendor == "postgresql":
            rows = rows.filter(
                _SizesHeld("stock_ranges" if stock else "size_ranges", size_tenths(filters["size_eu"]))
            )
        else:
            rows = rows.filter(
                **{f"{'stock_sizes' if stock else 'sizes'}__has_all": size_tenths(filters["size_eu"])}
            )
    if "condition" in filters:
        rows = rows.filter(tags__has_any=[f"c:{slug}" for slug in filters["condition"]])
    if "in_stock" in filters:
        rows = rows.filter(in_stock=filters["in_stock"])
    if "price_min" in filters:
        rows = rows.filter(price__gte=filters["price_min"])
    if "price_max" in filters:
        rows = rows.filter(price__lte=filters["price_max"])
    return rows, (filters.get("search") or "").strip()


def _matches_count(filters: dict) -> int:
    """The exact number of rows the list shows for these filters, in one query (``?page=last``)."""
    rows, search = _filtered(filters)
    if not search:
        return rows.count()
    full = _search_parts(rows, search)[1]
    near = _search_parts(rows, search, typos=True)[1]
    return functools.reduce(operator.or_, full + near).count()


def _ordering(filters: dict) -> list | None:
    """The ``ordering`` asked for, then the id; None when none is (the name, or a search's tiers)."""
    chosen = []
    for param in filters.get("ordering") or ():
        column = ORDERINGS.get(param.lstrip("-"))
        if column is None:
            continue
        if param.startswith("-"):
            chosen.append(F(column).desc(nulls_last=True) if column == "price" else F(column).desc())
        else:
            chosen.append(F(column).asc(nulls_last=True) if column == "price" else F(column).asc())
    return [*chosen, "product_id"] if chosen else None


def _capped_count(parts: list, limit: int) -> tuple[str, list]:
    """SQL of the number of rows of ``parts`` (querysets), each counted only up to ``limit + 1``.

    ``SELECT COUNT(*) FROM (SELECT ... LIMIT limit+1)``: a read never visits more matches than that
    to count them, however many there are.
    """
    statements, all_params = [], []
    for part in parts:
        if isinstance(part, _AllWords):
            sql, params = part.ids_sql(limit + 1)
        else:
            sql, params = part.order_by().values("product_id")[: limit + 1].query.sql_with_params()
        statements.append(f"(SELECT COUNT(*) FROM ({sql}) AS matched)")
        all_params += params
    return " + ".join(statements), all_params


def _slugs_known(filters: dict) -> dict:
    """Expressions telling which of a filter's category and condition slugs exist (in the page query's head)."""
    checks = {}
    if "category" in filters:
        checks["known_category"] = ListSubquery(
            Category.objects.filter(slug=filters["category"]).values("slug"), column="slug"
        )
    if "condition" in filters:
        checks["known_conditions"] = ListSubquery(
            Condition.objects.filter(slug__in=filters["condition"]).order_by("slug").values("slug"),
            column="slug",
        )
    return checks


def _slugs_check(filters: dict, known: dict) -> None:
    """Refuse a filter naming a category or condition that does not exist, as the filter fields would."""
    errors = {}
    if "category" in filters and not _list(known.get("known_category") or []):
        field = ProductFilter.base_filters["category"].field
        errors["category"] = [ErrorDetail(field.error_messages["invalid_choice"], code="invalid_choice")]
    if "condition" in filters:
        present = set(_list(known.get("known_conditions") or []))
        missing = [slug for slug in filters["condition"] if slug not in present]
        if missing:
            field = ProductFilter.base_filters["condition"].field
            message = field.error_messages["invalid_choice"] % {"value": missing[0]}
            errors["condition"] = [ErrorDetail(message, code="invalid_choice")]
    if errors:
        raise ValidationError(errors)


def _invalid_page(text) -> NotFound:
    return NotFound(PageNumberPagination.invalid_page_message.format(page_number=text, message=""))


def _page_number(request, pagination: PageNumberPagination) -> int | None:
    """The page asked for, as DRF's paginator reads it (the last ``page`` given); None for "last"."""
    text = request.GET.get(pagination.page_query_param) or "1"
    if text in pagination.last_page_strings:
        return None
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise _invalid_page(text)
    return int(text)


def _filters_key(filters: dict) -> tuple:
    return tuple(
        sorted((name, tuple(value) if isinstance(value, list) else value) for name, value in filters.items())
    )


# Where the page query takes its numbers: the rows a tier reads, the page's rows and its offset.
_TIER_ROWS, _PAGE_ROWS, _PAGE_OFFSET = "\x00tier", "\x00rows", "\x00offset"
_UNSLICED = 987654321  # a tier's LIMIT while it is compiled, replaced by ``_TIER_ROWS``


def _unsliced(sql: str) -> str:
    """A query compiled with ``[:_UNSLICED]``, without that ``LIMIT`` (the caller writes its own)."""
    suffix = f" LIMIT {_UNSLICED}"
    if not sql.endswith(suffix):
        raise RuntimeError(f"A page query does not end with its LIMIT: {sql}")
    return sql.removesuffix(suffix)


# A page query's row: its head (the count, then the slug checks), then a product's columns.
_HEAD = "head"
_COLUMNS = ("format", "list_json", "in_stock", "product_id")


@functools.lru_cache(maxsize=512)
def _page_sql_compiled(
    vendor: str, key: tuple, limit: int, typos: bool = False, postings: bool = False
) -> tuple[str, tuple]:
    """The page query for these filters and count limit, compiled by Django once per process.

    Its head is one row, joined to every row of the page (and given alone, with empty columns,
    when the page is empty): the count of the matches (``_capped_count``: up to ``limit + 1``)
    and, for a category or condition filter, which of its slugs exist. The rows come from an
    index in the page's order where one serves, so PostgreSQL stops after the page. A search
    without an ``ordering`` reads its tiers (``_search_parts``) in turn, each stopping after as
    many rows as the page needs (``UNION ALL`` without an outer order: a tier is read only when
    those before it did not fill the page, and the rows keep the tiers' order). ``typos``: the
    page of a search's misspelt matches (asked for when its words found nothing). ``postings``:
    a search of plain words reads their postings (``_AllWords``); such a search's head also
    reads the catalogue's size (``_CatalogueSize``).
    """
    filters = {name: list(value) if isinstance(value, tuple) else value for name, value in key}
    rows, search = _filtered(filters)
    tiers, parts, counted = (
        _search_parts(rows, search, typos=typos, postings=postings) if search else ([rows], [rows], [rows])
    )
    ordering = _ordering(filters)
    if ordering is not None:
        tiers = parts  # an ordering asked for overrides relevance
    tagged = _tag_walk(filters) if vendor == "postgresql" else None
    if tagged is not None:  # the page and the count from one tag's postings, in the list's order
        tiers, counted = [tagged], [tagged.order_by()]
    count_sql, count_params = _capped_count(counted, limit)
    slugs_sql, slugs_params = _row_select(_slugs_known(filters), ())
    head_sql = (
        f"SELECT ({count_sql}) AS total"
        + (f",{slugs_sql.removeprefix('SELECT')}" if slugs_sql else "")
        + (f", {_CatalogueSize.sql()} AS catalogue_rows" if _words_searched(filters) else "")
    )
    head_params = (*count_params, *slugs_params)
    if vendor == "postgresql" and len(tiers) == 1:
        order = ordering or tiers[0].query.order_by or ["name", "product_id"]
        page_sql, page_params = _page_sql_by_ids(tiers[0], order)
    else:
        statements, page_params = [], []
        for tier in tiers:
            if isinstance(tier, _AllWords):  # in its own order and limited by itself
                sql, params = tier.page_sql()
                statements.append(f"({sql})")
                page_params += params
                continue
            # A tier's own order (``_search_parts``) unless an ordering is asked for; else by name.
            order = ordering or tier.query.order_by or ["name", "product_id"]
            sql, params = tier.order_by(*order).values_list(*_COLUMNS)[:_UNSLICED].query.sql_with_params()
            statements.append(f"({_unsliced(sql)} LIMIT %s)")
            page_params += [*params, _TIER_ROWS]
        if len(statements) == 1:
            page_sql = f"{statements[0][1:-1]} OFFSET %s"
            page_params = [*page_params[:-1], _PAGE_ROWS, _PAGE_OFFSET]
        else:
            page_sql = f"{' UNION ALL '.join(statements)} LIMIT %s OFFSET %s"
            page_params += [_PAGE_ROWS, _PAGE_OFFSET]
    if vendor == "postgresql":
        # The page may name the head (``_AllWords``): ``LATERAL``, and ``OFFSET 0`` so the head is
        # computed once, not copied into the page where it is named.
        head_sql, page_sql = f"{head_sql} OFFSET 0", f"LATERAL ({page_sql})"
    else:
        page_sql = f"({page_sql})"
    sql = f"SELECT {_HEAD}.*, page.* FROM ({head_sql}) AS {_HEAD} LEFT JOIN {page_sql} AS page ON 1 = 1"
    return sql, (*head_params, *page_params)


def _row_select(annotations: dict, columns: tuple) -> tuple[str, tuple]:
    """``SELECT`` of these annotations and read-model columns, without its ``FROM`` ("" when there are none)."""
    if not annotations and not columns:
        return "", ()
    sql, params = (
        ProductListing.objects.annotate(**annotations)
        .values_list(*columns, *annotations)
        .query.sql_with_params()
    )
    source = f" FROM {connection.ops.quote_name(ProductListing._meta.db_table)}"
    if not sql.endswith(source):
        raise RuntimeError(f"A page's row query reads more than its table: {sql}")
    return sql.removesuffix(source), params


def _page_sql_by_ids(tier, ordering: list) -> tuple[str, list]:
    """The page of one tier, its products chosen first, then their rows read (PostgreSQL).

    The products come from a walk in the page's order that needs only what the filters test: the
    covering indexes of the name and price orders (``listing_name_cover_idx``,
    ``listing_price_cover_idx``) hold the tags, price, stock flag and size ranges, so entries that
    do not match are skipped without reading their wide rows (the JSON), and the postings of a
    one-word search (``ProductListingWord``) or of a tag (``ProductListingTag``) are in their
    list's order; only the page's rows are read, by key, and kept in the order chosen
    (``WITH ORDINALITY``).
    """
    ids_sql, ids_params = (
        tier.order_by(*ordering).values_list("product_id")[:_UNSLICED].query.sql_with_params()
    )
    table = connection.ops.quote_name(ProductListing._meta.db_table)
    rows_sql, rows_params = _row_select({}, _COLUMNS)
    chosen = (
        f" FROM unnest(ARRAY({_unsliced(ids_sql)} LIMIT %s OFFSET %s)) WITH ORDINALITY"
        f' AS chosen (id, position) JOIN {table} ON {table}."product_id" = chosen.id ORDER BY chosen.position'
    )
    return f"{rows_sql}{chosen}", [*rows_params, *ids_params, _PAGE_ROWS, _PAGE_OFFSET]


def _page_sql(
    filters: dict, *, rows: int, offset: int, typos: bool = False, postings: bool = False
) -> tuple[str, list]:
    key = _filters_key(filters)
    sql, params = _page_sql_compiled(connection.vendor, key, settings.CATALOGUE_COUNT_LIMIT, typos, postings)
    numbers = {_TIER_ROWS: offset + rows, _PAGE_ROWS: rows, _PAGE_OFFSET: offset}
    return sql, [numbers.get(value, value) if isinstance(value, str) else value for value in params]


def product_page_body(request) -> bytes:
    """Return the JSON of a product list page (any filter, search, ordering and page), or raise a 400 or 404.

    One query: the page's rows and one more (whether there is a next page), with the count of the
    matches up to ``CATALOGUE_COUNT_LIMIT`` (beyond it ``count`` is a lower bound and
    ``count_exact`` false), each row's stock flag, and (for a category or condition filter)
    whether the slugs exist. A second for a search whose words match nothing (its misspelt
    matches), for ``?page=last`` (an exact count first), and to render a row built by another release.
    """
    filters = product_filters(request)
    pagination = CountedPageNumberPagination()
    page = _page_number(request, pagination)
    size = pagination.get_page_size(_Query(request))
    checks = [
        name
        for name, given in (("known_category", "category"), ("known_conditions", "condition"))
        if given in filters
    ]
    exact = None
    if page is None:  # "last": which page that is needs the exact count first
        exact = _matches_count(filters)
        page = max(1, -(-exact // size))
    offset = (page - 1) * size
    sized = bool(_words_searched(filters))  # plain words: the head tells the catalogue's size too
    postings = sized and _CatalogueSize.large()
    sql, params = _page_sql(filters, rows=size + 1, offset=offset, postings=postings)
    found = _fetch(sql, params)
    head = 1 + len(checks)  # the count, the slug checks (then, for plain words, the catalogue's size)
    _slugs_check(filters, dict(zip(checks, found[0][1:head], strict=True)))
    if sized:
        _CatalogueSize.rows = found[0][head]
    if found[0][0] == 0 and filters.get("search") and connection.vendor == "postgresql":
        # The words match nothing: the products named like the text.
        sql, params = _page_sql(filters, rows=size + 1, offset=offset, typos=True, postings=postings)
        found = _fetch(sql, params)
    head += sized
    total = found[0][0]
    found = [row[head:] for row in found if row[-1] is not None]  # a product's columns (none: empty)
    if not found:
        if page != 1:
            raise _invalid_page(page)
        return pagination.page_body(
            request, count=0, page=1, size=size, items=[], more=False, count_exact=True
        )
    more = len(found) > size
    found = found[:size]
    limit = settings.CATALOGUE_COUNT_LIMIT
    count = exact if exact is not None else total
    count_exact = exact is not None or count <= limit
    if not count_exact:  # at least the limit, and at least what the pages so far prove
        count = max(limit, offset + len(found) + more)
    origin = _origin(request)
    format_ = listing_format()
    stale = [product_id for format_of, _json, _flag_of, product_id in found if format_of != format_]
    fresh = _list_json_live(stale, request) if stale else {}
    items = [
        fresh[product_id] if product_id in fresh else json_ % {_ORIGIN: origin, _IN_STOCK: _flag(in_stock)}
        for _format, json_, in_stock, product_id in found
    ]
    return pagination.page_body(
        request, count=count, page=page, size=size, items=items, more=more, count_exact=count_exact
    )


def _list_json_live(product_ids: list[int], request) -> dict[int, str]:
    """The list JSON of these products rendered now by the serializer (rows built by another release)."""
    products = selectors.product_list().filter(pk__in=product_ids)
    return {
        product.pk: JSONRenderer()
        .render(ProductListOutput(product, context={"request": request}).data)
        .decode()
        for product in products
    }


def product_detail_body(request, slug: str) -> bytes:
    """Return the JSON of an active product's page, or raise a 404.

    One query: the row with its sizes' live stock flags and hints; the product's own flag is the
    row's ``in_stock``, as on the list, so both say the same. A row built by another release,
    or whose sizes no longer match the catalogue (a change that skipped ``listings_refresh``), is
    rendered by the serializer instead (three more).
    """
    vendor = connection.vendor
    if vendor not in _COMPILED:
        _COMPILED[vendor] = _detail_query()
    sql, params = _COMPILED[vendor]
    rows = _fetch(sql, [slug if value == _SLUG else value for value in params])
    if not rows:
        raise NotFound()
    product_id, format_, template, variant_count, in_stock, flags, hints = rows[0]
    flags, hints = _list(flags), _list(hints)
    if format_ != listing_format() or len(hints) != variant_count:
        if format_ == listing_format():
            logger.warning(
                "Read model of %s lists %d sizes, the catalogue %d: a change skipped listings_refresh()",
                slug,
                variant_count,
                len(hints),
            )
        product = selectors.product_detail_queryset().filter(pk=product_id).first()
        if product is None:
            raise NotFound()
        return JSONRenderer().render(ProductDetailOutput(product, context={"request": request}).data)
    if bool(in_stock) != any(flags):
        logger.warning(
            "Read model of %s says in stock: %s, its sizes %s: a stock change skipped listings_stock_write()",
            slug,
            bool(in_stock),
            any(flags),
        )
    slots = {_ORIGIN: _origin(request), _IN_STOCK: _flag(in_stock)}
    for number, (flag, hint) in enumerate(zip(flags, hints, strict=True)):
        slots[f"v{number}"] = _flag(flag)
        slots[f"h{number}"] = str(hint)
    return (template % slots).encode()
