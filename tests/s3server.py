"""An S3-compatible server process for the tests and ``bench/scaleout.py``: moto in server mode.

    python -m tests.s3server [--host 127.0.0.1] [--port 0]

It prints ``listening on <port>`` once it accepts connections, and serves until it is stopped. The
only key pair it accepts in a signed URL is ``ACCESS_KEY`` / ``SECRET_KEY`` below.

moto's S3 keeps anonymous callers out of objects that no bucket policy or ACL opens, as S3 does, but it
serves a signed URL (``X-Amz-Signature`` in the query) without checking it: an expired or altered URL
still answers 200 (moto 5.2). S3 refuses both, and the shop relies on that refusal for the lifetime of
the links it hands out, so this server puts S3's checks of a signed URL in front of moto's application:
the lifetime (``X-Amz-Date`` plus ``X-Amz-Expires``, at most 7 days, as S3 allows) and the signature
itself (AWS Signature Version 4 over the method, path, query and signed headers). A URL that fails
them is answered as S3 answers it (403 ``AccessDenied``, "Request has expired", or 403
``SignatureDoesNotMatch``), and never reaches moto.
"""

import argparse
import hashlib
import hmac
import signal
import sys
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, quote

ACCESS_KEY = "shop-test-access-key"
SECRET_KEY = "shop-test-secret-key"  # noqa: S105 - known to the test server only
REGION = "eu-central-1"
MAX_EXPIRES = 7 * 24 * 60 * 60


def _error(start_response, status: str, code: str, message: str):
    body = f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>{code}</Code><Message>{message}</Message></Error>"
    start_response(status, [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))])
    return [body.encode()]


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def _encode(text: str) -> str:
    return quote(text, safe="-_.~")


class SignedUrlCheck:
    """WSGI middleware: S3's checks of a presigned URL's lifetime and signature, before ``app`` runs."""

    def __init__(self, app, credentials: dict[str, str], *, now=lambda: datetime.now(UTC)):
        self.app = app
        self.credentials = credentials
        self.now = now

    def __call__(self, environ, start_response):
        pairs = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        if any(key == "X-Amz-Signature" for key, _ in pairs):
            refusal = self.refusal(environ, pairs)
            if refusal is not None:
                return _error(start_response, *refusal)
        return self.app(environ, start_response)

    def refusal(self, environ, pairs: list[tuple[str, str]]) -> tuple[str, str, str] | None:
        query = dict(pairs)
        if query.get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256":
            return (
                "400 Bad Request",
                "AuthorizationQueryParametersError",
                "Only AWS4-HMAC-SHA256 is supported.",
            )
        try:
            access_key, day, region, service, terminator = query["X-Amz-Credential"].split("/")
            signed_at = datetime.strptime(query["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            expires = int(query["X-Amz-Expires"])
            signed_headers = query["X-Amz-SignedHeaders"].split(";")
        except (KeyError, ValueError):
            return "400 Bad Request", "AuthorizationQueryParametersError", "The signed URL is incomplete."
        if not 1 <= expires <= MAX_EXPIRES:
            return (
                "400 Bad Request",
                "AuthorizationQueryParametersError",
                "X-Amz-Expires must be between 1 and 604800 seconds.",
            )
        secret = self.credentials.get(access_key)
        if secret is None:
            return "403 Forbidden", "InvalidAccessKeyId", "The access key does not exist."
        if self.now() > signed_at + timedelta(seconds=expires):
            return "403 Forbidden", "AccessDenied", "Request has expired"
        raw_path = (
            environ.get("RAW_URI") or environ.get("REQUEST_URI") or quote(environ["PATH_INFO"])
        ).split("?")[0]
        canonical_query = "&".join(
            f"{_encode(key)}={_encode(value)}" for key, value in sorted(pairs) if key != "X-Amz-Signature"
        )
        headers = {
            name[5:].replace("_", "-").lower(): value
            for name, value in environ.items()
            if name.startswith("HTTP_")
        }
        canonical_headers = "".join(f"{name}:{headers.get(name, '').strip()}\n" for name in signed_headers)
        canonical_request = "\n".join(
            [
                environ["REQUEST_METHOD"],
                raw_path,
                canonical_query,
                canonical_headers,
                ";".join(signed_headers),
                "UNSIGNED-PAYLOAD",
            ]
        )
        scope = f"{day}/{region}/{service}/{terminator}"
        string_to_sign = "\n".join(
            [
                "AWS4-HMAC-SHA256",
                query["X-Amz-Date"],
                scope,
                hashlib.sha256(canonical_request.encode()).hexdigest(),
            ]
        )
        key = f"AWS4{secret}".encode()
        for part in (day, region, service, terminator):
            key = _hmac(key, part)
        expected = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, query["X-Amz-Signature"]):
            return "403 Forbidden", "SignatureDoesNotMatch", "The request signature does not match."
        return None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: any free port (printed)")
    args = parser.parse_args(argv)

    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    app = SignedUrlCheck(DomainDispatcherApplication(create_backend_app), {ACCESS_KEY: SECRET_KEY})
    server = make_server(args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"listening on {server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
