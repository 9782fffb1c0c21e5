"""What ``check --deploy`` does not look at: CSRF trusted origins and the cookie and HSTS values themselves.

``tests/test_project.py`` runs ``manage.py check --deploy --fail-level WARNING`` on the production
settings; this reads the resulting values in a fresh interpreter with a production-like environment.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "shop.settings_production",
    "SECRET_KEY": "q7Zr2vN#pX7mR4tW9zL1cF6hB3yD0sA5gE8uI2oP7nM4xV1qZ-test",
    "ALLOWED_HOSTS": "shop.example.com,www.shop.example.com",
    "STRIPE_SECRET_KEY": "sk_live_example",
    "STRIPE_WEBHOOK_SECRET": "whsec_example",
}
READ = """
import json
from django.conf import settings
import django
django.setup()
names = ["DEBUG", "CSRF_TRUSTED_ORIGINS", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS",
         "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_SSL_REDIRECT", "SESSION_COOKIE_HTTPONLY", "X_FRAME_OPTIONS"]
print(json.dumps({name: getattr(settings, name) for name in names}))
"""


def test_production_trusts_only_https_origins_of_its_own_hosts_with_secure_cookies_and_hsts():
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DEBUG", "CSRF_TRUSTED_ORIGINS")}
    result = subprocess.run(
        [sys.executable, "-c", READ], cwd=ROOT, env={**env, **PRODUCTION_ENV}, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["DEBUG"] is False
    assert values["CSRF_TRUSTED_ORIGINS"] == ["https://shop.example.com", "https://www.shop.example.com"]
    assert (
        values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"] and values["SESSION_COOKIE_HTTPONLY"]
    )
    assert values["SECURE_HSTS_SECONDS"] >= 31_536_000 and values["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["X_FRAME_OPTIONS"] == "DENY"


def test_production_refuses_a_private_media_folder_the_web_server_would_serve(tmp_path):
    """Customer uploads under MEDIA_ROOT (or STATIC_ROOT) could be handed out without any check."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DEBUG", "CSRF_TRUSTED_ORIGINS")}
    media = tmp_path / "media"
    for private, refused in ((media / "private", True), (tmp_path / "private", False)):
        result = subprocess.run(
            [sys.executable, "-c", "import django; django.setup()"], cwd=ROOT, capture_output=True, text=True,
            env={**env, **PRODUCTION_ENV, "MEDIA_ROOT": str(media), "SHOP_PRIVATE_MEDIA_ROOT": str(private)},
            timeout=60,
        )  # fmt: skip
        assert (result.returncode != 0) is refused, result.stderr
        assert ("Keep SHOP_PRIVATE_MEDIA_ROOT outside MEDIA_ROOT" in result.stderr) is refused
