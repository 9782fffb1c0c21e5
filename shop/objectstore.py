"""Object storage settings: ``STORAGE_URL`` (or django-storages' ``AWS_*`` variables) to ``STORAGES`` entries.

Read by ``shop/settings.py`` only; no Django setting is read here, so the settings module can call it.

``STORAGE_URL`` names both buckets and where they are::

    s3://<public bucket>?private_bucket=<private bucket>&endpoint_url=<url>&region=<name>
        [&custom_domain=<host>][&addressing_style=path|virtual]

- the public bucket (the URL's host part) holds the catalogue's product images (``STORAGES["default"]``);
  anonymous reads must be allowed on it (a bucket policy), its URLs carry no signature, and every
  object is written with a year-long ``Cache-Control`` (its names are random, so a new picture is a new
  URL);
- ``private_bucket`` holds customer uploads (``STORAGES["private"]``): footprints, overlays, return
  photos, prescriptions. It must allow no anonymous access; the shop hands out signed URLs for it,
  valid for ``SHOP_SIGNED_URL_SECONDS`` (5 minutes at most), only after the owner check;
- ``endpoint_url`` (URL-encoded) for an S3-compatible service other than AWS, ``region`` the region
  that signatures name, ``custom_domain`` a CDN host in front of the public bucket (never used for the
  private one), ``addressing_style`` as botocore's.

Credentials are not part of the URL: boto3 reads them as it always does (``AWS_ACCESS_KEY_ID`` and
``AWS_SECRET_ACCESS_KEY``, or an instance or task role). Without ``STORAGE_URL``, the same settings can
come from django-storages' own variables (``AWS_STORAGE_BUCKET_NAME`` for the public bucket, the shop's
``AWS_PRIVATE_STORAGE_BUCKET_NAME`` for the private one, ``AWS_S3_ENDPOINT_URL``, ``AWS_S3_REGION_NAME``,
``AWS_S3_CUSTOM_DOMAIN``, ``AWS_S3_ADDRESSING_STYLE``). With neither, files stay on the local disk.
"""

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from django.core.exceptions import ImproperlyConfigured

# Product images never change under one name (each upload gets a fresh random one): cache for a year.
PUBLIC_CACHE_CONTROL = "public, max-age=31536000, immutable"
# The longest a signed URL to a customer's file may stay valid.
SIGNED_URL_MAX_SECONDS = 300

_QUERY_KEYS = {"private_bucket", "endpoint_url", "region", "custom_domain", "addressing_style"}
_ADDRESSING_STYLES = {"", "auto", "path", "virtual"}


@dataclass(frozen=True)
class ObjectStore:
    """Where the two buckets are."""

    public_bucket: str
    private_bucket: str
    endpoint_url: str | None = None
    region: str | None = None
    custom_domain: str | None = None
    addressing_style: str | None = None


def storage_url_parse(url: str) -> ObjectStore:
    """Read a ``STORAGE_URL`` (the module's docstring); raise ``ImproperlyConfigured`` on anything else."""
    parts = urlsplit(url)
    if parts.scheme != "s3":
        raise ImproperlyConfigured(f"STORAGE_URL must start with s3://, not {parts.scheme or 'nothing'}://.")
    if parts.username or parts.password:
        raise ImproperlyConfigured(
            "STORAGE_URL must not hold credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY."
        )
    if parts.path not in ("", "/"):
        raise ImproperlyConfigured("STORAGE_URL names a bucket, not a folder in it: s3://<public bucket>?...")
    query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    unknown = sorted(set(query) - _QUERY_KEYS)
    if unknown:
        raise ImproperlyConfigured(
            f"STORAGE_URL has unknown parameters {', '.join(unknown)}; known: {', '.join(sorted(_QUERY_KEYS))}."
        )
    repeated = sorted(key for key, values in query.items() if len(values) > 1)
    if repeated:
        raise ImproperlyConfigured(f"STORAGE_URL gives {', '.join(repeated)} more than once.")
    values = {key: values[0] for key, values in query.items()}
    return object_store(
        public_bucket=parts.hostname or "",
        private_bucket=values.get("private_bucket", ""),
        endpoint_url=values.get("endpoint_url", ""),
        region=values.get("region", ""),
        custom_domain=values.get("custom_domain", ""),
        addressing_style=values.get("addressing_style", ""),
    )


def object_store(
    *,
    public_bucket: str,
    private_bucket: str,
    endpoint_url: str = "",
    region: str = "",
    custom_domain: str = "",
    addressing_style: str = "",
) -> ObjectStore:
    """Check the two buckets' settings and return them; raise ``ImproperlyConfigured`` when they do not fit."""
    if not public_bucket or not private_bucket:
        raise ImproperlyConfigured(
            "Object storage needs two buckets: a public one for catalogue images and a private one for "
            "customer uploads (STORAGE_URL=s3://<public>?private_bucket=<private>, or "
            "AWS_STORAGE_BUCKET_NAME and AWS_PRIVATE_STORAGE_BUCKET_NAME)."
        )
    if public_bucket == private_bucket:
        raise ImproperlyConfigured(
            "The private bucket must not be the public one: customer uploads are health data."
        )
    if endpoint_url and urlsplit(endpoint_url).scheme not in ("http", "https"):
        raise ImproperlyConfigured("The object storage endpoint_url must be an http:// or https:// URL.")
    if addressing_style not in _ADDRESSING_STYLES:
        raise ImproperlyConfigured("addressing_style must be path, virtual or auto.")
    return ObjectStore(
        public_bucket=public_bucket,
        private_bucket=private_bucket,
        endpoint_url=endpoint_url or None,
        region=region or None,
        custom_domain=custom_domain or None,
        addressing_style=addressing_style or None,
    )


def s3_storages(
    store: ObjectStore,
    *,
    signed_url_seconds: int,
    access_key: str | None = None,
    secret_key: str | None = None,
) -> dict:
    """Return the ``"default"`` (public bucket) and ``"private"`` (private bucket) entries of ``STORAGES``.

    ``access_key`` and ``secret_key`` are for tests and benchmarks; deployments leave them to boto3.
    """
    if not 1 <= signed_url_seconds <= SIGNED_URL_MAX_SECONDS:
        raise ImproperlyConfigured(
            f"SHOP_SIGNED_URL_SECONDS must be between 1 and {SIGNED_URL_MAX_SECONDS} (5 minutes)."
        )
    common = {
        "endpoint_url": store.endpoint_url,
        "region_name": store.region,
        "addressing_style": store.addressing_style,
        "signature_version": "s3v4",
        "file_overwrite": False,
        "default_acl": None,
    }
    if access_key or secret_key:
        common |= {"access_key": access_key, "secret_key": secret_key}
    return {
        "default": {
            "BACKEND": "shop.s3storage.PublicS3Storage",
            "OPTIONS": {
                **common,
                "bucket_name": store.public_bucket,
                "custom_domain": store.custom_domain,
                "querystring_auth": False,
                "object_parameters": {"CacheControl": PUBLIC_CACHE_CONTROL},
            },
        },
        "private": {
            "BACKEND": "shop.s3storage.PrivateS3Storage",
            "OPTIONS": {
                **common,
                "bucket_name": store.private_bucket,
                "custom_domain": None,
                "querystring_auth": True,
                "querystring_expire": signed_url_seconds,
                "object_parameters": {"CacheControl": "private, no-store"},
            },
        },
    }
