"""JSON error pages for paths under /api/, in the same shape as DRF errors."""

from django.http import JsonResponse
from django.views import defaults


def _error(code: str, detail: str, status: int, kind: str) -> JsonResponse:
    return JsonResponse(
        {"type": kind, "errors": [{"code": code, "detail": detail, "attr": None}]}, status=status
    )


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return _error("not_found", "Not found.", 404, "client_error")
    return defaults.page_not_found(request, exception)


def server_error(request):
    if request.path.startswith("/api/"):
        return _error("error", "A server error occurred.", 500, "server_error")
    return defaults.server_error(request)
