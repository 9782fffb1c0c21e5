"""Production settings: everything from the environment, no development defaults accepted."""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from shop.settings import *  # noqa: F403
from shop.settings import DEV_SECRET_KEY, env

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY or SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("Set SECRET_KEY to a random value of at least 50 characters for production.")

DEBUG = False

# Real payments only: the dummy gateway marks orders paid on request and accepts a development webhook secret.
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
PAYMENT_GATEWAY = env.str("PAYMENT_GATEWAY", default="stripe")
if PAYMENT_GATEWAY != "stripe" or not STRIPE_SECRET_KEY or not STRIPE_WEBHOOK_SECRET:
    raise ImproperlyConfigured(
        "Production takes real payments: set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET (PAYMENT_GATEWAY=stripe)."
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[f"https://{h}" for h in ALLOWED_HOSTS])

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Customer uploads must not sit where the web server or WhiteNoise hands out files.
_private_root = Path(SHOP_PRIVATE_MEDIA_ROOT).resolve()  # noqa: F405
for _public_root in (MEDIA_ROOT, STATIC_ROOT):  # noqa: F405
    if _private_root.is_relative_to(Path(_public_root).resolve()):
        raise ImproperlyConfigured("Keep SHOP_PRIVATE_MEDIA_ROOT outside MEDIA_ROOT and STATIC_ROOT.")

# Real mail: SMTP (EMAIL_URL or EMAIL_HOST, EMAIL_PORT, ...) unless another backend is named.
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default=env.email_url("EMAIL_URL", default="smtp://localhost:25")["EMAIL_BACKEND"],
)

# Tasks never run inside a customer's request: the database queue, run by `manage.py db_worker`.
TASKS = {"default": {"BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend")}}
