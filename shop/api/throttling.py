"""Who the client is, for throttles and login lockouts, and the throttle on guest lookups by email.

The client's address follows one rule, the ``NUM_PROXIES`` setting (``REST_FRAMEWORK["NUM_PROXIES"]``):
0 ignores ``X-Forwarded-For`` and takes ``REMOTE_ADDR``; N takes the Nth address from the right of
``X-Forwarded-For``, the one the outermost trusted proxy saw. DRF's throttles apply it themselves;
``client_address`` gives the same answer to everything else (django-axes' ``AXES_CLIENT_IP_CALLABLE``).
"""

from rest_framework.throttling import BaseThrottle, SimpleRateThrottle


def client_address(request) -> str:
    """Return the client's address as the throttles see it (a Django or a DRF request)."""
    return BaseThrottle().get_ident(request)


def _names_email(request) -> bool:
    data = getattr(request, "data", None)
    return bool(request.query_params.get("email")) or (hasattr(data, "get") and bool(data.get("email")))


class GuestLookupThrottle(SimpleRateThrottle):
    """Slow down guessing a guest's email for an order: count each request that could open one by email.

    Counted per client address (never per account, which costs nothing to make): every anonymous
    request, and a logged-in one that names an ``email``. A customer reading their own orders is not
    counted. The rate is the ``guest_lookup`` scope's.
    """

    scope = "guest_lookup"

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated and not _names_email(request):
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
