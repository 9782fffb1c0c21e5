"""Project-wide guarantees: the OpenAPI schema, production settings, the demo catalogue."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from catalogue.models import Product, ProductImage

ROOT = Path(__file__).resolve().parent.parent


def test_openapi_schema_validates_and_lists_the_catalogue(tmp_path):
    """drf-spectacular's own validation passes with no warnings, and every catalogue endpoint is in it."""
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    schema = out.read_text()
    for path in (
        "/api/v1/categories/",
        "/api/v1/conditions/",
        "/api/v1/products/",
        "/api/v1/products/{slug}/",
    ):
        assert f"{path}:" in schema


def _manage(*args, env_extra: dict) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY", "DEBUG")}
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_settings_pass_the_deploy_check_with_real_values():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env_extra={
            "DJANGO_SETTINGS_MODULE": "shop.settings_production",
            "SECRET_KEY": "k8Jq2vN#pX7mR4tW9zL1cF6hB3yD0sA5gE8uI2oP7nM4xV1qZ-prod",
            "ALLOWED_HOSTS": "shop.example.com",
            "STRIPE_SECRET_KEY": "sk_live_example",
            "STRIPE_WEBHOOK_SECRET": "whsec_example",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_the_dummy_payment_gateway():
    """Production never runs the offline gateway, which marks orders paid on request."""
    result = _manage(
        "check",
        env_extra={
            "DJANGO_SETTINGS_MODULE": "shop.settings_production",
            "SECRET_KEY": "k8Jq2vN#pX7mR4tW9zL1cF6hB3yD0sA5gE8uI2oP7nM4xV1qZ-prod",
            "ALLOWED_HOSTS": "shop.example.com",
            "PAYMENT_GATEWAY": "dummy",
        },
    )
    assert result.returncode != 0
    assert "STRIPE_SECRET_KEY" in result.stderr


def test_production_settings_refuse_the_development_secret_key():
    result = _manage(
        "check",
        env_extra={"DJANGO_SETTINGS_MODULE": "shop.settings_production", "ALLOWED_HOSTS": "shop.example.com"},
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.django_db
def test_demo_catalogue_loads_twice_without_duplicates(client):
    call_command("load_demo", stdout=open(os.devnull, "w"))
    first = (Product.objects.count(), ProductImage.objects.count())
    call_command("load_demo", stdout=open(os.devnull, "w"))
    assert (Product.objects.count(), ProductImage.objects.count()) == first
    assert first[0] >= 20 and first[1] == first[0]
    kinds = set(Product.objects.values_list("kind", flat=True))
    assert kinds == {"insole", "custom_orthotic", "accessory"}
    assert not Product.objects.filter(variants__isnull=True).exists()
    body = client.get("/api/v1/products/", {"condition": "plantar-fasciitis"}).json()
    assert body["count"] >= 5
    assert all("plantar-fasciitis" in p["conditions"] for p in body["results"])
    # Through the admin's login form: django-axes needs the request (Client.login passes none).
    login = client.post(
        "/admin/login/?next=/admin/", {"username": "service@example.com", "password": "orthotics-demo-2026"}
    )
    assert login.status_code == 302 and login["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_api_docs_render_from_local_assets(client):
    """The interactive docs page loads Swagger UI from the shop itself, not from a CDN."""
    response = client.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui" in page
    assert "cdn.jsdelivr.net" not in page and "unpkg.com" not in page
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
