"""``STORAGE_URL`` and the AWS_* variables: what the settings make of them, and what they refuse."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from shop.objectstore import ObjectStore, object_store, s3_storages, storage_url_parse

ROOT = Path(__file__).resolve().parent.parent


def test_a_storage_url_names_both_buckets_and_the_endpoint():
    store = storage_url_parse(
        "s3://shop-images?private_bucket=shop-uploads&endpoint_url=https%3A%2F%2Fs3.example.net%3A9000"
        "&region=eu-central-1&custom_domain=cdn.example.com&addressing_style=path"
    )
    assert store == ObjectStore(
        public_bucket="shop-images",
        private_bucket="shop-uploads",
        endpoint_url="https://s3.example.net:9000",
        region="eu-central-1",
        custom_domain="cdn.example.com",
        addressing_style="path",
    )
    assert storage_url_parse("s3://a-bucket/?private_bucket=b-bucket") == ObjectStore("a-bucket", "b-bucket")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://shop-images?private_bucket=shop-uploads", "must start with s3://"),
        ("s3://shop-images", "needs two buckets"),
        ("s3://?private_bucket=shop-uploads", "needs two buckets"),
        ("s3://shop-images?private_bucket=shop-images", "must not be the public one"),
        ("s3://key:secret@shop-images?private_bucket=shop-uploads", "must not hold credentials"),
        ("s3://shop-images/products?private_bucket=shop-uploads", "not a folder"),
        ("s3://shop-images?private_bucket=shop-uploads&regoin=eu-central-1", "unknown parameters regoin"),
        ("s3://shop-images?private_bucket=a&private_bucket=b", "more than once"),
        ("s3://shop-images?private_bucket=shop-uploads&endpoint_url=s3.example.net", "http:// or https://"),
        ("s3://shop-images?private_bucket=shop-uploads&addressing_style=sideways", "addressing_style"),
    ],
)
def test_a_storage_url_that_does_not_fit_is_refused_with_the_reason(url, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        storage_url_parse(url)


def test_the_public_bucket_is_unsigned_and_long_cached_and_the_private_one_signed_for_minutes():
    storages = s3_storages(
        object_store(public_bucket="pub", private_bucket="priv", custom_domain="cdn.example.com"),
        signed_url_seconds=120,
    )
    public, private = storages["default"]["OPTIONS"], storages["private"]["OPTIONS"]
    assert storages["default"]["BACKEND"] == "shop.s3storage.PublicS3Storage"
    assert (public["bucket_name"], public["querystring_auth"], public["custom_domain"]) == (
        "pub", False, "cdn.example.com"
    )  # fmt: skip
    assert public["object_parameters"] == {"CacheControl": "public, max-age=31536000, immutable"}
    assert storages["private"]["BACKEND"] == "shop.s3storage.PrivateS3Storage"
    assert (private["bucket_name"], private["querystring_auth"], private["querystring_expire"]) == (
        "priv", True, 120
    )  # fmt: skip
    assert private["custom_domain"] is None  # a CDN in front would serve the objects unsigned
    assert public["default_acl"] is None and private["default_acl"] is None


@pytest.mark.parametrize("seconds", [0, 301, 3600])
def test_a_signed_url_lifetime_over_five_minutes_is_refused(seconds):
    with pytest.raises(ImproperlyConfigured, match="between 1 and 300"):
        s3_storages(ObjectStore("pub", "priv"), signed_url_seconds=seconds)


def _settings_storages(**environ) -> dict:
    """``STORAGES`` and the signed-URL lifetime as ``shop.settings`` builds them from this environment."""
    script = (
        "import json; from shop import settings as s; "
        "print(json.dumps({'STORAGES': s.STORAGES, 'seconds': s.SHOP_SIGNED_URL_SECONDS}))"
    )
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "STORAGE_URL", "SHOP_SIGNED"))}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env={**keep, **environ}, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_settings_read_storage_url_or_the_aws_variables_or_keep_the_local_disk():
    local = _settings_storages()["STORAGES"]
    assert local["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert local["private"]["BACKEND"] == "shop.storage.PrivateFileSystemStorage"

    from_url = _settings_storages(
        STORAGE_URL="s3://pub-images?private_bucket=priv-uploads&region=eu-west-1",
        SHOP_SIGNED_URL_SECONDS="60",
    )
    private = from_url["STORAGES"]["private"]["OPTIONS"]
    assert (private["bucket_name"], private["querystring_expire"], private["region_name"]) == (
        "priv-uploads", 60, "eu-west-1"
    )  # fmt: skip
    assert from_url["STORAGES"]["default"]["OPTIONS"]["bucket_name"] == "pub-images"
    assert from_url["STORAGES"]["staticfiles"]["BACKEND"].startswith("whitenoise.")

    from_aws = _settings_storages(
        AWS_STORAGE_BUCKET_NAME="pub-images",
        AWS_PRIVATE_STORAGE_BUCKET_NAME="priv-uploads",
        AWS_S3_ENDPOINT_URL="http://127.0.0.1:9000",
    )["STORAGES"]
    assert from_aws["default"]["OPTIONS"]["endpoint_url"] == "http://127.0.0.1:9000"
    assert from_aws["private"]["OPTIONS"]["bucket_name"] == "priv-uploads"
    assert from_aws["private"]["OPTIONS"]["querystring_expire"] == 300
