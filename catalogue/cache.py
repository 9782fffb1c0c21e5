"""Caching of catalogue reads: a server-side cache of rendered responses, and HTTP validators.

Server side, a GET of a catalogue endpoint is rendered once and kept (the local-memory cache by
default, Redis when ``REDIS_URL`` is set) under a key made of the URL, the query string and the
media type. Each entry remembers the *catalogue version* it was built under; the version is a random
token that ``catalogue_changed()`` replaces, so one write invalidates every cached read at once, on
every app server that shares the cache. Reading a page costs one round trip and no SQL: each
process keeps copies of the pages it served recently, so the round trip usually fetches the
version alone (a copy serves only under the version it was built under), else the version and the
entry together (``get_many``).

``CatalogueCacheMiddleware`` answers the common cases, a JSON GET anonymous or with a token, before
sessions, authentication and DRF run: from a current entry (a hit costs about as much as a static
JSON view, for a signed-in caller too once DRF has accepted the token: see "Remembered tokens"), else, for product lists and pages, from
the read model (``catalogue.listing``: one query, also with this cache off), keeping the page it
built. It asks the URL resolver which view the path is, calls that view's own ``read_model_answer``
and checks a token with that view's own DRF authenticators, so it never restates the routes, the
filters, the pagination or the token rules; the read model sits above this module and is never
imported here. Everything else (a session cookie, another media type, a refused token, an error)
goes through the view mixin ``CachedCatalogueRead``, which reads the same cache under the same key: a
product's JSON does not depend on who asks, so every caller shares every entry.

Over HTTP, every cached endpoint sends a strong ``ETag`` (a hash of the body) and answers a matching
``If-None-Match`` with 304; anonymous reads are ``Cache-Control: public, max-age=...`` so browsers and
a CDN can keep them briefly, authenticated ones ``private, no-cache``.

Remembered tokens: once the view's DRF authenticators (``TokenAuthentication``) accept a token, the
middleware keeps ``catalogue:token:<digest of the token>`` (never the token itself) with the user's
id for ``CATALOGUE_TOKEN_CACHE_SECONDS``, and reads it in the same round trip as the version and the
page; while it is there the read is answered with no SQL. Which tokens are valid stays DRF's rule:
the cache only remembers its answer, for at most that long, and every way the shop revokes a token
forgets it at once (``tokens_forget``, from ``catalogue.signals``: a token deleted, as by a logout, a
sign-out everywhere, a password reset, an erasure or its user's deletion; a user saved inactive).
Only these catalogue reads, public data, use it. A token that goes without a signal (raw SQL, a
``QuerySet.update()`` of ``is_active``) is still remembered until the timeout.

Settings (read when called): ``CATALOGUE_CACHE_TIMEOUT`` (seconds an entry may live; 0 turns the
server-side cache off, the HTTP validators stay), ``CATALOGUE_HTTP_MAX_AGE`` (seconds) and
``CATALOGUE_TOKEN_CACHE_SECONDS`` (seconds a token's verdict is remembered; 0: DRF checks every read).

Anything that changes what the catalogue shows must call ``catalogue_changed()``. Model saves and
deletes of products, variants, images, categories and conditions do so through ``catalogue.signals``;
``QuerySet.update()``, ``bulk_create()`` and raw SQL send no signals, so code that uses them calls it
itself; stock moves (checkout, cancellation, expiry) call ``catalogue_stock_changed()``, which bumps the
version only when the change is visible to customers, so a busy checkout does not empty the cache.
"""

import contextlib
import functools
import hashlib
import json
import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.urls import Resolver404, get_resolver
from django.utils.http import parse_etags
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import APIException
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.settings import api_settings

from catalogue.stock import stock_hint

logger = logging.getLogger(__name__)

VERSION_KEY = "catalogue:version"
_REFUSAL = "_catalogue_refusal"  # the request attribute that hands a read model's refusal to the view
DEFAULT_TIMEOUT = 300
DEFAULT_HTTP_MAX_AGE = 30
DEFAULT_TOKEN_CACHE_SECONDS = 60


T = TypeVar("T")


@dataclass(frozen=True)
class Memo:
    version: str
    value: object


@dataclass(frozen=True)
class CachedRead:
    version: str
    etag: str
    content_type: str
    body: bytes


def catalogue_changed() -> None:
    """Invalidate every cached catalogue read, now and again once the current transaction commits.

    The second bump closes the window in which a concurrent reader, still seeing the old rows, could
    cache them under the new version. Safe to call often; a cache outage is logged, never raised.
    """
    _new_version()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(_new_version, robust=True)


def catalogue_stock_changed(*, levels: Iterable[tuple[int, int]]) -> None:
    """Invalidate cached reads if a stock change alters what the catalogue shows.

    Call after changing stock with ``QuerySet.update()`` (checkout, cancellations, expiry), with
    ``(stock before, stock after)`` for each variant changed. Customers see only the stock hint
    (``catalogue.stock.stock_hint``, capped at ``STOCK_HINT_MAX``) and whether it is above 0, so an
    order taking stock from 40 to 39 changes nothing they can see and must not throw away the whole
    cache; one from 10 to 9, or to 0, does.
    """
    if any(stock_hint(before) != stock_hint(after) for before, after in levels):
        catalogue_changed()


def _new_version() -> str:
    version = secrets.token_hex(8)
    try:
        cache.set(VERSION_KEY, version, timeout=None)
    except Exception:  # noqa: BLE001 - a cache outage must not fail the write that changed the catalogue
        logger.exception("Could not bump the catalogue cache version")
    return version


def cache_timeout() -> int:
    return int(getattr(settings, "CATALOGUE_CACHE_TIMEOUT", DEFAULT_TIMEOUT))


def _read_key(request, media_type: str) -> str:
    query = sorted(request.GET.lists())
    identity = f"{request.scheme}|{request.get_host()}|{request.path}|{query}|{media_type}"
    return "catalogue:read:" + hashlib.blake2b(identity.encode(), digest_size=16).hexdigest()


def _version_after_flush() -> str | None:
    """Set a version on the first read after a cache flush, unless another process just did."""
    cache.add(VERSION_KEY, secrets.token_hex(8), timeout=None)
    return cache.get(VERSION_KEY)


# key -> (entry, time.monotonic() after which it is dropped): this process's copies of recent reads,
# least recently used first, so a hit fetches the version alone instead of the whole page.
# Bounded by count and by the bytes of the bodies: enough for every product page and list page of
# a catalogue of a few thousand products (a page is 2-12 KB), each a Redis fetch of the version alone.
_local_reads: OrderedDict[str, tuple[CachedRead, float]] = OrderedDict()
LOCAL_READS_MAX = 4096
LOCAL_READS_BYTES = 16 * 1024 * 1024
_local_bytes = 0  # of the bodies in ``_local_reads``
_local_reads_lock = threading.Lock()  # threaded servers (runserver, gthread) share the dict


def _keep_locally(key: str, entry: CachedRead) -> None:
    global _local_bytes
    with _local_reads_lock:
        replaced = _local_reads.pop(key, None)
        if replaced is not None:
            _local_bytes -= len(replaced[0].body)
        _local_reads[key] = (entry, time.monotonic() + cache_timeout())
        _local_bytes += len(entry.body)
        while _local_reads and (len(_local_reads) > LOCAL_READS_MAX or _local_bytes > LOCAL_READS_BYTES):
            _key, (dropped, _deadline) = _local_reads.popitem(last=False)
            _local_bytes -= len(dropped.body)


def _lookup(key: str | None, token_key: str | None = None) -> tuple[str | None, CachedRead | None, object]:
    """Return the current catalogue version, the entry under ``key`` if it was built under it, and the
    user id remembered under ``token_key`` (None when there is none or no ``token_key``).

    One cache round trip: for the version (and the token) alone when this process holds a copy of the
    entry (the copy serves only while the version is the one it was built under), else for all of
    them. Without ``key`` (the page cache off) only the token is read.
    """
    if key is None:
        return None, None, cache.get(token_key) if token_key is not None else None
    kept = _local_reads.get(key)
    remembered = None
    if kept is not None and time.monotonic() < kept[1]:
        if token_key is None:
            version = cache.get(VERSION_KEY)
        else:
            found = cache.get_many([VERSION_KEY, token_key])
            version, remembered = found.get(VERSION_KEY), found.get(token_key)
        if version is not None and version == kept[0].version:
            with _local_reads_lock, contextlib.suppress(KeyError):  # evicted meanwhile: still valid
                _local_reads.move_to_end(key)
            return version, kept[0], remembered
    found = cache.get_many([VERSION_KEY, key] if token_key is None else [VERSION_KEY, key, token_key])
    remembered = found.get(token_key) if token_key is not None else None
    version = found.get(VERSION_KEY)
    if version is None:
        return _version_after_flush(), None, remembered
    entry = found.get(key)
    if entry is None or entry.version != version:
        return version, None, remembered
    _keep_locally(key, entry)
    return version, entry, remembered


# --- remembered token verdicts ------------------------------------------------------------------------


def token_cache_seconds() -> int:
    return int(getattr(settings, "CATALOGUE_TOKEN_CACHE_SECONDS", DEFAULT_TOKEN_CACHE_SECONDS))


def _token_key(token: str) -> str:
    """The cache key of the verdict on an API token: a digest, never the token itself."""
    return "catalogue:token:" + hashlib.blake2b(token.encode(), digest_size=16).hexdigest()


def _remember_token(token: str, user_id) -> None:
    """Remember for ``CATALOGUE_TOKEN_CACHE_SECONDS`` that DRF's authenticators accepted ``token``."""
    try:
        cache.set(_token_key(token), user_id, timeout=token_cache_seconds())
    except Exception:  # noqa: BLE001 - the next read asks DRF again
        logger.exception("Could not remember a token")


def tokens_forget(tokens: Iterable[str]) -> None:
    """Forget the verdicts on these API tokens, now and again once the current transaction commits.

    Call whenever a token stops being valid (``catalogue.signals`` does so for a deleted token and a
    user saved inactive). The second deletion removes a verdict a concurrent read stored between
    the two, while it still saw the token's row.
    """
    keys = [_token_key(token) for token in tokens]
    if not keys:
        return

    def forget():
        try:
            cache.delete_many(keys)
        except Exception:  # noqa: BLE001 - the verdict expires after CATALOGUE_TOKEN_CACHE_SECONDS
            logger.exception("Could not forget a token")

    forget()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(forget, robust=True)


# name -> (memo, time.monotonic() after which it is rebuilt): this process's copies.
_in_process: dict[str, tuple[Memo, float]] = {}


def catalogue_memoised(name: str, build: Callable[[], T]) -> T:
    """Return ``build()``, kept in this process's memory until the catalogue next changes.

    For catalogue-derived data read on hot paths (the matching catalogue: every rankable product with
    its variants, the rules and the exercises), too large to unpickle from the shared cache on every
    read. A read costs one cache round trip, for the version; each process builds its own copy once
    per version, and at the latest after the cache timeout. The value is shared by every caller in
    the process: treat it as read-only. With the cache off or down it is built on every call.
    """
    timeout = cache_timeout()
    if timeout <= 0:
        return build()
    try:
        version = cache.get(VERSION_KEY) or _version_after_flush()
    except Exception:  # noqa: BLE001 - serve from the database while the cache is down
        logger.exception("Catalogue cache unavailable")
        return build()
    if version is None:  # a cache that keeps nothing
        return build()
    kept = _in_process.get(name)
    if kept is not None and kept[0].version == version and time.monotonic() < kept[1]:
        return kept[0].value
    value = build()
    _in_process[name] = (Memo(version, value), time.monotonic() + timeout)
    return value


def _etag(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def _not_modified(request, etag: str) -> bool:
    header = request.META.get("HTTP_IF_NONE_MATCH")  # not request.headers: that copies every header
    if not header:
        return False
    wanted = parse_etags(header)
    return "*" in wanted or any(tag.removeprefix("W/") == etag for tag in wanted)


def _render(view, request, response) -> None:
    """Render a DRF response now (as ``finalize_response`` would later) so its bytes can be kept."""
    response.accepted_renderer = request.accepted_renderer
    response.accepted_media_type = request.accepted_media_type
    response.renderer_context = view.get_renderer_context()
    response.render()


def _validators(request, response: HttpResponse, etag: str, *, anonymous: bool) -> HttpResponse:
    """Return ``response`` (or a 304 in its place) with the ETag and Cache-Control headers set."""
    if _not_modified(request, etag):
        response = HttpResponseNotModified()
    response["ETag"] = etag
    if anonymous:
        max_age = int(getattr(settings, "CATALOGUE_HTTP_MAX_AGE", DEFAULT_HTTP_MAX_AGE))
        response["Cache-Control"] = f"public, max-age={max_age}"
    else:
        response["Cache-Control"] = "private, no-cache"
    return response


def _hit_response(entry: CachedRead, state: str = "hit") -> HttpResponse:
    response = HttpResponse(entry.body, content_type=entry.content_type)
    response["Content-Length"] = str(len(entry.body))
    response["X-Catalogue-Cache"] = state
    return response


def _keep(key: str, entry: CachedRead, timeout: int) -> None:
    try:
        cache.set(key, entry, timeout=timeout)
        _keep_locally(key, entry)
    except Exception:  # noqa: BLE001
        logger.exception("Could not store a catalogue read")


def cached_read(view, request, build: Callable[[], HttpResponse]) -> HttpResponse:
    """Answer a catalogue GET from the cache, or ``build()`` it and keep it; add ETag and Cache-Control.

    Only JSON is cached (the browsable API's HTML shows the user); errors are never cached.
    """
    if request.accepted_renderer.format != "json":
        return build()
    timeout = cache_timeout()
    key = version = entry = None
    if timeout > 0:
        key = _read_key(request, request.accepted_media_type)
        try:
            version, entry, _ = _lookup(key)
        except Exception:  # noqa: BLE001 - serve from the database while the cache is down
            logger.exception("Catalogue cache unavailable")
            key = None
    if entry is not None:
        response = _hit_response(entry)
        etag = entry.etag
    else:
        response = build()
        if response.status_code != 200:
            return response
        if isinstance(response, Response):
            _render(view, request, response)
        etag = _etag(response.content)
        if key is not None:
            _keep(key, CachedRead(version, etag, response["Content-Type"], response.content), timeout)
        response["X-Catalogue-Cache"] = "miss" if key is not None else "off"
    return _validators(request, response, etag, anonymous=not request.user.is_authenticated)


class CachedCatalogueRead:
    """View mixin: serve ``GET`` through ``cached_read``.

    ``read_model_answer`` (a static method taking the request and the URL's keyword arguments, and
    returning the JSON body or raising the API's exceptions) is how the view answers from stored
    JSON; ``CatalogueCacheMiddleware`` finds it through the URL resolver and calls the same one.
    When that call refused the read, the view raises the same refusal rather than reading again.
    """

    read_model_answer = None

    def get(self, request, *args, **kwargs):
        refusal = getattr(request._request, _REFUSAL, None)
        if refusal is not None:
            raise refusal
        return cached_read(
            self, request, lambda: super(CachedCatalogueRead, self).get(request, *args, **kwargs)
        )


def stored_json_response(request, body: bytes) -> HttpResponse:
    """A view's answer made of stored JSON: the bytes as they are, or data for another renderer (HTML)."""
    if request.accepted_renderer.format == "json":
        return HttpResponse(body, content_type="application/json")
    return Response(json.loads(body))


_JSON_ACCEPT = frozenset({"", "*/*", "application/json"})
# What the view's anonymous answers say in Vary: DRF's Accept, and Cookie from the session they look at.
_ANONYMOUS_VARY = "Accept, Cookie"
ROUTES_MAX = 4096  # paths whose resolution this process keeps


class CatalogueCacheMiddleware:
    """Answer JSON GETs of catalogue reads, anonymous or with a token, before the rest of the stack runs.

    Sits after SecurityMiddleware and WhiteNoise, before sessions. The URL resolver names the view
    (once per path: the resolutions are kept); for a ``CachedCatalogueRead`` a current cache entry
    answers first, else the view's own ``read_model_answer`` (the product lists and pages: the read
    model, one query, cache on or off), and the page is kept in the cache. The answer carries what
    the view's would: DRF's ``Allow`` and ``Vary`` for the view, ``Vary: Cookie`` for an anonymous
    caller (the view looks at the session), the ETag and Cache-Control of ``_validators``, and what
    the middlewares after this one add to a GET like it (CommonMiddleware's ``Content-Length``,
    XFrameOptionsMiddleware's ``X-Frame-Options``; sessions, messages and CSRF add nothing without a
    session cookie, there is no locale middleware and django-axes acts on logins only).

    A request with an ``Authorization`` header is answered once the view's own authenticators accept
    it: DRF's, through the ``Request`` the view builds (``initialize_request``), so the token rules
    are DRF's, in one query (the token with its user), which leaves the user on ``request.user`` as
    the view does; or at once, with no query and no ``request.user``, while the verdict on that token
    is remembered (module docstring: "Remembered tokens"). The answer is then ``Cache-Control: private, no-cache``, as the view's for a
    signed-in caller. A refused credential (no such token, as after a logout; a malformed header; an
    inactive user) or a scheme no authenticator knows goes on to the view, which answers as it
    always has: the 401, or the anonymous read. On a miss the page is read first (the refusal case
    below needs it), so such a request may have kept the page before it reaches the view.

    Left to the view, and so to DRF: a session cookie (the browsable API, the admin: loading its
    session and user is the work of SessionMiddleware and AuthenticationMiddleware, with the
    expiry, the session hash that signs out on a password change and the cookie they may set, which
    this middleware does not restate), another media type or a ``?format=`` other than JSON, a view
    with a throttle or a permission other than ``AllowAny`` (the early answer checks neither; the
    catalogue views have none), and a read that the cache and the read model cannot answer. A
    refusal of the read model (a 400 or 404) is handed to the view, which raises it once DRF has
    authenticated the caller, where DRF words it, instead of reading again.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        meta = request.META
        if (
            request.method == "GET"
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and meta.get("HTTP_ACCEPT", "").strip() in _JSON_ACCEPT
        ):
            response = _early_read(request, credentials="HTTP_AUTHORIZATION" in meta)
            if response is not None:
                response["X-Frame-Options"] = getattr(settings, "X_FRAME_OPTIONS", "DENY")
                return response
        return self.get_response(request)


@functools.lru_cache(maxsize=ROUTES_MAX)
def _route(resolver, path: str):
    """The resolver's view function for ``path`` and its URL arguments, or None: resolved once per path."""
    try:
        match = resolver.resolve(path)
    except Resolver404:
        return None
    return match.func, match.kwargs


@functools.cache
def _view_of(func):
    """An instance of the ``CachedCatalogueRead`` view behind ``func`` (never dispatched) and DRF's
    headers for its answers (``Allow``, ``Vary``), or None."""
    view_class = getattr(func, "view_class", None)
    if view_class is None or not issubclass(view_class, CachedCatalogueRead):
        return None
    view = view_class(**getattr(func, "view_initkwargs", {}))
    view.setup(HttpRequest())  # as the view function sets each one up (which adds HEAD to Allow)
    return view, tuple(view.default_response_headers.items())


def _catalogue_view(request):
    """The catalogue view this path is (if it lets everyone read and throttles nobody), its headers
    and the URL's arguments; Nones for any other path."""
    found = _route(get_resolver(), request.path_info)  # ROOT_URLCONF: no middleware before set another
    known = _view_of(found[0]) if found is not None else None
    if known is None:
        return None, None, None
    view, headers = known
    if view.get_throttles() or any(type(p) is not AllowAny for p in view.get_permissions()):
        return None, None, None
    return view, headers, found[1]


@functools.cache
def _token_keyword(view_class) -> str | None:
    """The keyword of the view's ``TokenAuthentication`` (``Token``), or None if it has none."""
    for authenticator in view_class().get_authenticators():
        if isinstance(authenticator, TokenAuthentication):
            return authenticator.keyword
    return None


def _header_token(request, view) -> str | None:
    """The token in the ``Authorization`` header if it reads ``<keyword> <token>`` for the view's
    ``TokenAuthentication`` (anything else is left to DRF), else None."""
    keyword = _token_keyword(type(view))
    parts = request.META["HTTP_AUTHORIZATION"].split()
    if keyword is None or len(parts) != 2 or parts[0].lower() != keyword.lower():
        return None
    return parts[1]


def _authenticated(view, request, *, remember: bool) -> bool:
    """Whether the view's own authenticators accept the request's credentials (one query for a token).

    ``remember``: when ``TokenAuthentication`` accepted a token, remember the verdict (``_remember_token``).
    """
    try:
        drf_request = view.initialize_request(request)
        user = drf_request.user
    except APIException:  # a refused credential: the view words the 401
        return False
    if not user.is_authenticated:
        return False
    if remember and isinstance(drf_request.successful_authenticator, TokenAuthentication):
        _remember_token(drf_request.auth.key, user.pk)
    return True


def _early_read(request, *, credentials: bool) -> HttpResponse | None:
    """Answer from the cache, else from the view's read model (keeping the page); None for the view.

    ``credentials``: the request has an Authorization header, answered once the view's authenticators
    accept it, or at once if they accepted its token in the last ``CATALOGUE_TOKEN_CACHE_SECONDS``
    (read in the same round trip as the page).
    """
    view, view_headers, kwargs = _catalogue_view(request)
    if view is None:
        return None
    override = api_settings.URL_FORMAT_OVERRIDE
    if override and request.GET.get(override, "json") != "json":
        return None  # ?format= names another renderer (the browsable API): DRF picks it
    timeout = cache_timeout()
    token_key = None
    if credentials and token_cache_seconds() > 0:
        token = _header_token(request, view)
        token_key = _token_key(token) if token is not None else None
    key = _read_key(request, "application/json") if timeout > 0 else None
    version = entry = remembered = None
    if key is not None or token_key is not None:
        try:
            version, entry, remembered = _lookup(key, token_key)
        except Exception:  # noqa: BLE001 - the view will try again and log it; DRF checks the token
            key = entry = remembered = token_key = None
    if entry is not None:
        state = "hit"
    else:
        if view.read_model_answer is None:
            return None
        try:
            body = view.read_model_answer(request, **kwargs)
        except (APIException, Http404) as refusal:
            setattr(request, _REFUSAL, refusal)  # the view raises it: see CachedCatalogueRead.get
            return None
        entry = CachedRead(version or "", _etag(body), "application/json", body)
        if key is not None and version is not None:
            _keep(key, entry, timeout)
        state = "miss" if key is not None else "off"
    if (
        credentials
        and remembered is None
        and not _authenticated(view, request, remember=token_key is not None)
    ):
        return None
    response = _validators(request, _hit_response(entry, state), entry.etag, anonymous=not credentials)
    for header, value in view_headers:  # DRF's Allow and Vary, as on the view's answers
        response[header] = value
    if not credentials:
        response["Vary"] = _ANONYMOUS_VARY
    if not response.has_header("Content-Length"):  # a 304: CommonMiddleware gives the view's one
        response["Content-Length"] = "0"
    return response
